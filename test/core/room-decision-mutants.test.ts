/**
 * Which requests are moderation (spec 7.18; room-decision.ts): the client packets of feature
 * `moderation` as the spec lists them, and nothing else (not its server packets, not chat).
 */
import { describe, expect, it } from 'vitest';
import { isModerationKind, isModerationRequest } from '../../src/chat/room-decision.js';

const OPERATOR_PACKETS = ['kick', 'ban', 'unban', 'bans', 'mute', 'unmute', 'motd'];

describe('isModerationKind and isModerationRequest (7.18)', () => {
  it('are true for the operators packets only', () => {
    for (const kind of OPERATOR_PACKETS) {
      expect(isModerationKind(kind), kind).toBe(true);
      expect(isModerationRequest({ kind }), kind).toBe(true);
    }
    for (const kind of ['say', 'join', 'whois', 'moderated', 'ban_list', 'client_auth', 'nick', '']) {
      expect(isModerationKind(kind), kind).toBe(false);
      expect(isModerationRequest({ kind }), kind).toBe(false);
    }
  });
});
