/**
 * The packet translator (reference-client/session-events.ts) on v2 presence: a compact batch
 * (users_joined/users_left, 7.6) leaves the user list as the same notices one by one would, and
 * is reported as one event with the names in order.
 */
import { describe, expect, it } from 'vitest';
import { type PacketHost, PacketTranslator } from '../../reference-client/session-events.js';
import type { SessionEvent, SessionState } from '../../reference-client/session-types.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';

function translator() {
  const events: SessionEvent[] = [];
  let state: SessionState = 'joining';
  let name: string | null = 'alice';
  const host: PacketHost = {
    clock: () => 0,
    state: () => state,
    setState: (s) => {
      state = s;
    },
    name: () => name,
    setName: (n) => {
      name = n;
    },
    emit: (e) => events.push(e),
  };
  const t = new PacketTranslator(host);
  t.onPacket({ type: 'join_ok', name: 'alice', users: ['alice', 'Zed'] });
  events.length = 0;
  return { t, events };
}

const feed = (t: PacketTranslator, packets: V2ServerPacket[]) => {
  for (const p of packets) t.onPacket(p);
};

describe('PacketTranslator: compact presence (7.6)', () => {
  it('reports users_joined as one event and adds every name once', () => {
    const { t, events } = translator();
    t.onPacket({ type: 'users_joined', names: ['cat', 'Bob', 'ann'], ts: 5 });
    expect(events).toEqual([
      { kind: 'users-joined', names: ['cat', 'Bob', 'ann'], ts: 5 },
      { kind: 'users', users: ['alice', 'ann', 'Bob', 'cat', 'Zed'] },
    ]);
    expect(t.users).toEqual(['alice', 'ann', 'Bob', 'cat', 'Zed']);
  });

  it('reports users_left with its reason and removes every name, case-insensitively', () => {
    const { t, events } = translator();
    t.onPacket({ type: 'users_joined', names: ['ann', 'bob', 'cat'], ts: 5 });
    events.length = 0;
    t.onPacket({ type: 'users_left', names: ['ANN', 'cat'], reason: 'timeout', ts: 6 });
    expect(events).toEqual([
      { kind: 'users-left', names: ['ANN', 'cat'], reason: 'timeout', ts: 6 },
      { kind: 'users', users: ['alice', 'bob', 'Zed'] },
    ]);
  });

  it('ends with the same user list as the same notices one by one', () => {
    const compact = translator();
    const single = translator();
    feed(compact.t, [
      { type: 'users_joined', names: ['a', 'b', 'c', 'd'], ts: 1 },
      { type: 'users_left', names: ['b', 'Zed'], reason: 'quit', ts: 2 },
      { type: 'users_joined', names: ['b', 'e'], ts: 3 },
    ]);
    feed(single.t, [
      ...['a', 'b', 'c', 'd'].map((name): V2ServerPacket => ({ type: 'user_joined', name, ts: 1 })),
      ...['b', 'Zed'].map((name): V2ServerPacket => ({ type: 'user_left', name, reason: 'quit', ts: 2 })),
      ...['b', 'e'].map((name): V2ServerPacket => ({ type: 'user_joined', name, ts: 3 })),
    ]);
    expect(compact.t.users).toEqual(single.t.users);
    expect(compact.t.users).toEqual(['a', 'alice', 'b', 'c', 'd', 'e']);
  });

  it('updates a large list once per packet, not once per name', () => {
    const { t, events } = translator();
    const names = Array.from({ length: 20_000 }, (_, i) => `user${i}`);
    t.onPacket({ type: 'users_joined', names, ts: 1 });
    t.onPacket({ type: 'users_left', names: names.slice(0, 19_999), reason: 'lost', ts: 2 });
    expect(events.map((e) => e.kind)).toEqual(['users-joined', 'users', 'users-left', 'users']);
    expect(t.users).toEqual(['alice', 'user19999', 'Zed']);
  });
});
