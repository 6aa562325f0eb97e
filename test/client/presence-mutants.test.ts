/**
 * Presence read once (src/client/presence.ts), the cases presence.test.ts leaves open: which packet
 * types carry presence, each of the four packets read field by field, runs of leaves split per
 * name, and the roster's own answers (what set and apply return).
 */
import { describe, expect, it } from 'vitest';
import { PRESENCE_TYPES, presenceNotices, presenceOf, Roster } from '../../src/client/presence.js';

describe('presence packets (7.6)', () => {
  it('are the four join and leave packets', () => {
    expect([...PRESENCE_TYPES].sort()).toEqual(['user_joined', 'user_left', 'users_joined', 'users_left']);
  });

  it('reads each of the four into one change', () => {
    expect(presenceOf({ type: 'users_joined', names: ['a', 'b'], ts: 3 })).toEqual({
      kind: 'joined',
      names: ['a', 'b'],
      ts: 3,
    });
    expect(presenceOf({ type: 'user_left', name: 'c', reason: 'kicked', ts: 4 })).toEqual({
      kind: 'left',
      names: ['c'],
      reason: 'kicked',
      ts: 4,
    });
    expect(presenceOf({ type: 'user_joined', name: 'd', ts: 5 })).toEqual({
      kind: 'joined',
      names: ['d'],
      ts: 5,
    });
    expect(presenceOf({ type: 'users_left', names: ['e'], reason: 'quit', ts: 6 })).toEqual({
      kind: 'left',
      names: ['e'],
      reason: 'quit',
      ts: 6,
    });
  });

  it("splits a run of leaves into one notice per name with the run's reason", () => {
    expect(presenceNotices({ type: 'users_left', names: ['x', 'Y'], reason: 'error', ts: 1 })).toEqual([
      { kind: 'left', name: 'x', reason: 'error' },
      { kind: 'left', name: 'Y', reason: 'error' },
    ]);
    expect(presenceNotices({ type: 'user_joined', name: 'z', ts: 1 })).toEqual([
      { kind: 'joined', name: 'z' },
    ]);
  });
});

describe('Roster', () => {
  it("lists names in a v2 server's user_list order: case-folded, in code point order, not the locale's", () => {
    const r = new Roster();
    expect(r.set(['Zed', 'émile', 'a', 'Bob', '_x'])).toEqual(['_x', 'a', 'Bob', 'Zed', 'émile']);
    expect(r.set(['STRASSE', 'straße', 'strasse'])).toEqual(['STRASSE', 'strasse', 'straße']);
  });

  it('starts empty and returns the list it holds from set and apply', () => {
    const r = new Roster();
    expect(r.users).toEqual([]);
    const set = r.set(['b', 'A', 'b']);
    expect(set).toEqual(['A', 'b']);
    expect(r.users).toEqual(set);
    expect(r.apply({ kind: 'joined', names: ['c'], ts: 1 })).toEqual(['A', 'b', 'c']);
    expect(r.apply({ kind: 'left', names: ['B'], ts: 2 })).toEqual(['A', 'c']);
    expect(r.users).toEqual(['A', 'c']);
  });

  it('keeps a name that only begins like one that left', () => {
    const r = new Roster();
    r.set(['ann', 'anna', 'Annabel']);
    expect(r.apply({ kind: 'left', names: ['ANN'], reason: 'quit', ts: 1 })).toEqual(['anna', 'Annabel']);
  });
});

describe('presenceNotices without a reason', () => {
  it('gives a leave that carries no reason an empty one', () => {
    const leave = { type: 'users_left', names: ['a'], ts: 1 } as unknown as Parameters<
      typeof presenceNotices
    >[0];
    expect(presenceNotices(leave)).toEqual([{ kind: 'left', name: 'a', reason: '' }]);
  });
});
