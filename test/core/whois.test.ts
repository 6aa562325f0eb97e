/**
 * Feature `whois` (spec 7.13): the room's answer (joined, idle, away; never an address), the
 * v2 reply to the asker only, and the view's line.
 */
import { describe, expect, it } from 'vitest';
import { whoisText } from '../../reference-client/view/away-view.js';
import { roomWith } from '../support/feature-net.js';

describe('the room: whois (7.13)', () => {
  it('tells joined, idle since the last thing said, and away; NO_SUCH_USER for nobody', () => {
    const room = roomWith([
      ['ann', 1_000],
      ['bob', 2_000],
    ]);
    expect(room.decide(2, { kind: 'whois', name: 'ANN' }, 5_000)).toEqual({
      kind: 'whois',
      by: 2,
      name: 'ann',
      joined: 1_000,
      idle: 4_000,
      away: false,
    });
    room.decide(1, { kind: 'say', text: 'hi', action: false }, 6_000);
    room.decide(1, { kind: 'away', away: true, reason: 'tea' }, 7_000);
    expect(room.decide(2, { kind: 'whois', name: 'ann' }, 9_000)).toMatchObject({
      idle: 2_000,
      away: true,
      reason: 'tea',
    });
    const nobody = room.decide(2, { kind: 'whois', name: 'cat' }, 9_000);
    expect(nobody.kind === 'notice' && nobody.error.code).toBe('NO_SUCH_USER');
  });
});

describe('the view: whois (7.13)', () => {
  it('reads as one line', () => {
    const joined = new Date(2026, 0, 1, 10, 0, 0).getTime();
    const about = { name: 'ann', joined, idle: 125_000, away: true, reason: 'tea' };
    expect(whoisText(about, joined + 3_700_000)).toBe(
      'ann: joined 10:00:00 (1h 1m ago), idle 2m 5s, away: tea',
    );
    expect(whoisText({ ...about, away: false, idle: 5_000 }, joined)).toBe(
      'ann: joined 10:00:00 (0s ago), idle 5s',
    );
  });
});
