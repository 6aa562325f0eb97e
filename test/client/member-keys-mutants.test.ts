/**
 * Keyed members and operators as a client hears them (src/client/member-keys.ts), the cases
 * member-keys.test.ts leaves open: when a packet changes the marks and so makes an event, and when
 * it does not (an empty list of keys, a leave of an unmarked name, the same mark again); the
 * operator flag kept through lines and renames; an event's marks as a copy; ban lists one at a time.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/client/events.js';
import { MemberKeys } from '../../src/client/member-keys.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';

const K1 = 'AAAAAAAAAAAA';
const K2 = 'BBBBBBBBBBBB';

/** The marks of the one event `events` must be, as `name: key` with `@` for an operator. */
function marksOf(events: readonly SessionEvent[]): Record<string, string> {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event.kind !== 'member-keys') throw new Error(`not member-keys: ${event.kind}`);
  return Object.fromEntries([...event.marks].map(([n, m]) => [n, `${m.key}${m.op ? '@' : ''}`]));
}

function keys(): { k: MemberKeys; read: (p: Record<string, unknown>) => SessionEvent[] } {
  const k = new MemberKeys();
  return { k, read: (p) => k.read(p as unknown as V2ServerPacket) };
}

describe('MemberKeys: when the marks change', () => {
  it('join_ok: the marks start again; an unmarked join after marked ones empties them', () => {
    const { k, read } = keys();
    expect(marksOf(read({ type: 'join_ok', name: 'me', users: ['me', 'a'], key: K1, op: true }))).toEqual({
      me: `${K1}@`,
    });
    expect(
      marksOf(
        read({ type: 'join_ok', name: 'me', users: ['me', 'a'], keys: [{ name: 'a', key: K2, op: false }] }),
      ),
    ).toEqual({ a: K2 });
    expect(marksOf(read({ type: 'join_ok', name: 'me', users: ['me'] }))).toEqual({});
    expect(k.all.size).toBe(0);
    expect(read({ type: 'join_ok', name: 'me', users: ['me'] })).toEqual([]);
    expect(marksOf(read({ type: 'join_ok', name: 'me', users: ['me'], key: K1 }))).toEqual({ me: K1 });
  });

  it('user_list: an event when it drops a mark or lists keys, none otherwise', () => {
    const { read } = keys();
    read({ type: 'join_ok', name: 'me', users: ['me', 'a'], keys: [{ name: 'a', key: K2 }] });
    expect(read({ type: 'user_list', users: ['me', 'b'] })).toEqual([]);
    expect(read({ type: 'user_list', users: ['me', 'b'], keys: [] })).toEqual([]);
    expect(
      marksOf(read({ type: 'user_list', users: ['a'], keys: [{ name: 'b', key: K1, op: true }] })),
    ).toEqual({
      b: `${K1}@`,
    });
    expect(marksOf(read({ type: 'user_list', users: ['b'] }))).toEqual({});
  });

  it('users_joined: an event only with keys', () => {
    const { read } = keys();
    expect(read({ type: 'users_joined', names: ['a'], keys: [], ts: 1 })).toEqual([]);
    expect(read({ type: 'users_joined', names: ['a'], ts: 1 })).toEqual([]);
    expect(
      marksOf(read({ type: 'users_joined', names: ['a'], keys: [{ name: 'a', key: K2, op: true }], ts: 1 })),
    ).toEqual({ a: `${K2}@` });
  });

  it('user_joined and chat lines: a new or changed mark only; an operator stays one', () => {
    const { read } = keys();
    expect(read({ type: 'user_joined', name: 'a', ts: 1 })).toEqual([]);
    expect(marksOf(read({ type: 'user_joined', name: 'op', key: K1, op: true, ts: 1 }))).toEqual({
      op: `${K1}@`,
    });
    expect(read({ type: 'user_joined', name: 'op', key: K1, op: true, ts: 1 })).toEqual([]);
    // A line carries the key only; the operator flag heard before is kept.
    for (const type of ['message', 'action', 'private'])
      expect(read({ type, id: 1, from: 'op', to: 'me', text: 't', key: K1, ts: 2 }), type).toEqual([]);
    // The same key, no longer an operator (user_joined says so): a change.
    expect(marksOf(read({ type: 'user_joined', name: 'op', key: K1, ts: 3 }))).toEqual({ op: K1 });
    // A new key on a line: a change, and the sender is no operator.
    expect(
      marksOf(read({ type: 'private', id: 2, from: 'op', to: 'me', text: 't', key: K2, ts: 4 })),
    ).toEqual({
      op: K2,
    });
    expect(marksOf(read({ type: 'action', id: 3, from: 'new', text: 't', key: K1, ts: 5 }))).toEqual({
      op: K2,
      new: K1,
    });
    expect(read({ type: 'message', id: 4, from: 'anon', text: 't', ts: 6 })).toEqual([]);
  });

  it('user_renamed: the mark moves with its operator flag; an unmarked rename changes nothing', () => {
    const { read } = keys();
    read({ type: 'user_joined', name: 'op', key: K1, op: true, ts: 1 });
    expect(marksOf(read({ type: 'user_renamed', from: 'op', to: 'boss', key: K1, ts: 2 }))).toEqual({
      boss: `${K1}@`,
    });
    // Renamed without a key: the mark is gone.
    expect(marksOf(read({ type: 'user_renamed', from: 'boss', to: 'anon', ts: 3 }))).toEqual({});
    expect(read({ type: 'user_renamed', from: 'x', to: 'y', ts: 4 })).toEqual([]);
    // An unmarked member renamed with a key now: marked, not an operator.
    expect(marksOf(read({ type: 'user_renamed', from: 'y', to: 'z', key: K2, ts: 5 }))).toEqual({ z: K2 });
  });

  it('leaves: drop the marks of those who left; a part or an unmarked leave changes nothing', () => {
    const { read } = keys();
    read({
      type: 'users_joined',
      names: ['a', 'b'],
      keys: [
        { name: 'a', key: K1 },
        { name: 'b', key: K2 },
      ],
      ts: 1,
    });
    expect(read({ type: 'users_left', names: ['a'], reason: 'part', room: '#r', ts: 2 })).toEqual([]);
    expect(read({ type: 'user_left', name: 'x', reason: 'quit', ts: 2 })).toEqual([]);
    expect(read({ type: 'users_left', names: ['x', 'y'], reason: 'quit', ts: 2 })).toEqual([]);
    expect(marksOf(read({ type: 'user_left', name: 'a', reason: 'quit', ts: 3 }))).toEqual({ b: K2 });
    // The first of a run leaving unmarked does not hide the second's mark going.
    expect(marksOf(read({ type: 'users_left', names: ['b', 'x'], reason: 'lost', ts: 4 }))).toEqual({});
  });

  it("hands out each event's marks as a copy", () => {
    const { k, read } = keys();
    const [event] = read({ type: 'user_joined', name: 'a', key: K1, ts: 1 });
    read({ type: 'user_joined', name: 'b', key: K2, ts: 2 });
    expect(event.kind === 'member-keys' && [...event.marks.keys()]).toEqual(['a']);
    expect([...k.all.keys()]).toEqual(['a', 'b']);
  });

  it('reads other packets as nothing', () => {
    const { read } = keys();
    expect(read({ type: 'pong', nonce: 1 })).toEqual([]);
    expect(read({ type: 'topic_changed', room: '#r', topic: 't', by: 'a', ts: 1 })).toEqual([]);
  });
});

describe('MemberKeys: moderation news', () => {
  it('starts each ban list afresh once the last one was whole', () => {
    const { read } = keys();
    const ban = (id: number) => ({ id, kind: 'name', target: `n${id}`, by: 'op', until: 0 });
    expect(read({ type: 'ban_list', bans: [ban(1)] })).toEqual([{ kind: 'ban-list', bans: [ban(1)] }]);
    expect(read({ type: 'ban_list', bans: [], more: true })).toEqual([]);
    expect(read({ type: 'ban_list', bans: [ban(2)], more: false })).toEqual([
      { kind: 'ban-list', bans: [ban(2)] },
    ]);
    expect(read({ type: 'ban_list', bans: [] })).toEqual([{ kind: 'ban-list', bans: [] }]);
  });

  it('passes a moderated packet on as it came, without its type', () => {
    const { read } = keys();
    expect(read({ type: 'moderated', action: 'mute', target: 'b', by: 'op', reason: 'r', ts: 3 })).toEqual([
      { kind: 'moderated', action: 'mute', target: 'b', by: 'op', reason: 'r', ts: 3 },
    ]);
  });
});
