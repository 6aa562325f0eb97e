/**
 * Presence read once (src/client/presence.ts): the four v2 presence packets as one shape, one
 * notice per name for those that count notices, and the user list a client keeps, which ends the
 * same whether the server sent runs (users_joined/users_left, 7.6) or single notices.
 */
import { describe, expect, it } from 'vitest';
import { presenceNotices, presenceOf, Roster } from '../../src/client/presence.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';

const roster = (packets: readonly V2ServerPacket[]) => {
  const r = new Roster();
  r.set(['alice', 'Zed']);
  for (const p of packets) {
    const change = presenceOf(p);
    if (change) r.apply(change);
  }
  return r.users;
};

describe('presence (7.6)', () => {
  it('reads single notices and runs into one shape', () => {
    expect(presenceOf({ type: 'user_joined', name: 'ann', ts: 1 })).toEqual({
      kind: 'joined',
      names: ['ann'],
      ts: 1,
    });
    expect(presenceOf({ type: 'users_left', names: ['a', 'b'], reason: 'lost', ts: 2 })).toEqual({
      kind: 'left',
      names: ['a', 'b'],
      reason: 'lost',
      ts: 2,
    });
    expect(presenceOf({ type: 'pong', n: 1 })).toBeNull();
  });

  it('splits a run into one notice per name, in order', () => {
    expect(presenceNotices({ type: 'users_joined', names: ['cat', 'Bob'], ts: 5 })).toEqual([
      { kind: 'joined', name: 'cat' },
      { kind: 'joined', name: 'Bob' },
    ]);
    expect(presenceNotices({ type: 'user_left', name: 'x', reason: 'quit', ts: 5 })).toEqual([
      { kind: 'left', name: 'x', reason: 'quit' },
    ]);
    expect(presenceNotices({ type: 'message', id: 1, from: 'a', text: 'b', ts: 1 })).toEqual([]);
  });

  it('keeps the user list sorted case-insensitively, each name once, leaves matched case-insensitively', () => {
    expect(roster([{ type: 'users_joined', names: ['cat', 'Bob', 'ann', 'cat'], ts: 5 }])).toEqual([
      'alice',
      'ann',
      'Bob',
      'cat',
      'Zed',
    ]);
    expect(roster([{ type: 'users_left', names: ['ALICE', 'zed'], reason: 'timeout', ts: 6 }])).toEqual([]);
  });

  it('ends with the same user list for runs as for the same notices one by one', () => {
    const runs = roster([
      { type: 'users_joined', names: ['a', 'b', 'c', 'd'], ts: 1 },
      { type: 'users_left', names: ['b', 'Zed'], reason: 'quit', ts: 2 },
      { type: 'users_joined', names: ['b', 'e'], ts: 3 },
    ]);
    const single = roster([
      ...['a', 'b', 'c', 'd'].map((name): V2ServerPacket => ({ type: 'user_joined', name, ts: 1 })),
      ...['b', 'Zed'].map((name): V2ServerPacket => ({ type: 'user_left', name, reason: 'quit', ts: 2 })),
      ...['b', 'e'].map((name): V2ServerPacket => ({ type: 'user_joined', name, ts: 3 })),
    ]);
    expect(runs).toEqual(single);
    expect(runs).toEqual(['a', 'alice', 'b', 'c', 'd', 'e']);
  });
});
