/**
 * The version rule's edges (spec 5.8, 7.15) that the feature tests leave open: the spec's own
 * registry as the default, what a refusal says, and the forms of `part` a connection without
 * rooms must refuse wherever they appear.
 */
import { describe, expect, it } from 'vitest';
import {
  agreeFeatures,
  checkReceivedFeature,
  checkReceivedForm,
  featuresField,
  NO_FEATURES,
  packetAllowed,
  ROOMS,
} from '../../src/session/features.js';

function thrown(fn: () => unknown): { code?: string; message?: string } | null {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return null;
}

describe('features (5.8)', () => {
  it('checks against the spec registry when no other is given', () => {
    expect(packetAllowed('nick', NO_FEATURES)).toBe(false);
    expect(packetAllowed('nick', new Set(['nick']))).toBe(true);
    expect(packetAllowed('nick', new Set(['away']))).toBe(false);
    expect(packetAllowed('say', NO_FEATURES)).toBe(true);
    expect(thrown(() => checkReceivedFeature('whois', new Set(['whois'])))).toBeNull();
    expect(thrown(() => checkReceivedFeature('whois', NO_FEATURES))).toMatchObject({
      code: 'PACKET_UNEXPECTED',
    });
  });

  it('names the packet and its feature when refusing it', () => {
    expect(thrown(() => checkReceivedFeature('user_away', new Set(['nick'])))).toMatchObject({
      code: 'PACKET_UNEXPECTED',
      message: expect.stringContaining(
        'user_away belongs to the feature away, which this connection did not agree (5.8)',
      ),
    });
  });

  it('agrees nothing when either list is empty or missing, and a fresh set otherwise', () => {
    expect(agreeFeatures(undefined, undefined)).toBe(NO_FEATURES);
    expect(agreeFeatures(['a'], [])).toBe(NO_FEATURES);
    const agreed = agreeFeatures(['b', 'a'], ['a', 'b']);
    expect([...agreed]).toEqual(['b', 'a']);
    expect(NO_FEATURES.size).toBe(0);
  });

  it('copies the names into a hello field', () => {
    const names = ['nick', 'away'];
    const field = featuresField(names);
    expect(field).toEqual({ features: ['nick', 'away'] });
    expect(field.features).not.toBe(names);
  });
});

describe('room forms without rooms (7.15)', () => {
  const none = NO_FEATURES;
  const rooms = new Set([ROOMS]);

  it('is the feature named rooms', () => {
    expect(ROOMS).toBe('rooms');
  });

  it('refuses a room field or a part reason, saying why', () => {
    for (const packet of [
      { type: 'message', room: '#x' },
      { type: 'user_left', reason: 'part' },
      { type: 'export_reply', entries: [{ kind: 'join' }, { kind: 'leave', reason: 'part' }] },
    ]) {
      expect(
        thrown(() => checkReceivedForm(packet, none)),
        packet.type,
      ).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: expect.stringContaining(
          `${packet.type} names a room or a part, but this connection did not agree rooms (7.15)`,
        ),
      });
      expect(thrown(() => checkReceivedForm(packet, rooms))).toBeNull();
    }
  });

  it('lets other reasons and entries through', () => {
    for (const packet of [
      { type: 'user_left', reason: 'quit' },
      { type: 'export_reply', entries: [{ kind: 'leave', reason: 'quit' }, { kind: 'message' }] },
      { type: 'export_reply', entries: [] },
      { type: 'export_reply', entries: 'part' },
      { type: 'export_reply', entries: { reason: 'part' } },
      { type: 'message', text: 'part' },
    ]) {
      expect(
        thrown(() => checkReceivedForm(packet, none)),
        JSON.stringify(packet),
      ).toBeNull();
    }
  });
});
