/**
 * Keys and operators as the client reads them (spec 7.16, 7.18): the marks kept per name from
 * every packet that carries them, the `joined` event's own key, and the moderation news.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/client/events.js';
import { MemberKeys } from '../../src/client/member-keys.js';
import { RoomReader } from '../../src/client/room-reader.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';

const K1 = 'AAAAAAAAAAAA';
const K2 = 'BBBBBBBBBBBB';
const K3 = 'CCCCCCCCCCCC';

function marks(events: readonly SessionEvent[]): Record<string, string> | null {
  const last = events.filter((e) => e.kind === 'member-keys').at(-1);
  if (last?.kind !== 'member-keys') return null;
  return Object.fromEntries([...last.marks].map(([n, m]) => [n, `${m.key}${m.op ? '@' : ''}`]));
}

describe('MemberKeys (7.16)', () => {
  it('keeps a mark per keyed member through joins, lines, renames and leaves', () => {
    const k = new MemberKeys();
    const read = (p: unknown) => k.read(p as V2ServerPacket);
    expect(
      marks(
        read({
          type: 'join_ok',
          name: 'me',
          users: ['ann', 'me', 'zed'],
          key: K1,
          keys: [
            { name: 'ann', key: K2, op: true },
            { name: 'me', key: K1 },
          ],
        }),
      ),
    ).toEqual({ ann: `${K2}@`, me: K1 });
    expect(marks(read({ type: 'user_joined', name: 'bob', key: K3, ts: 1 }))).toMatchObject({ bob: K3 });
    // The same mark again on a line changes nothing: no event.
    expect(read({ type: 'message', id: 1, from: 'bob', text: 'hi', ts: 2, key: K3 })).toEqual([]);
    expect(read({ type: 'message', id: 2, from: 'zed', text: 'hi', ts: 2 })).toEqual([]);
    expect(marks(read({ type: 'user_renamed', from: 'bob', to: 'rob', key: K3, ts: 3 }))).toEqual({
      ann: `${K2}@`,
      me: K1,
      rob: K3,
    });
    expect(read({ type: 'user_left', name: 'rob', reason: 'part', room: '#x', ts: 4 })).toEqual([]);
    expect(marks(read({ type: 'users_left', names: ['rob', 'zed'], reason: 'kicked', ts: 5 }))).toEqual({
      ann: `${K2}@`,
      me: K1,
    });
    // A fresh list: names without a mark in it are anonymous now.
    expect(marks(read({ type: 'user_list', users: ['ann', 'me'], keys: [{ name: 'me', key: K1 }] }))).toEqual(
      {
        me: K1,
      },
    );
    expect(
      marks(read({ type: 'users_joined', names: ['x', 'y'], keys: [{ name: 'y', key: K2 }], ts: 6 })),
    ).toEqual({ me: K1, y: K2 });
    expect(read({ type: 'users_joined', names: ['z'], ts: 7 })).toEqual([]);
  });

  it('reports nothing on a server without client keys', () => {
    const k = new MemberKeys();
    expect(k.read({ type: 'join_ok', name: 'me', users: ['me', 'you'] } as V2ServerPacket)).toEqual([]);
    expect(k.all.size).toBe(0);
  });

  it('joins the parts of a mute list (7.18)', () => {
    const k = new MemberKeys();
    const mute = (id: number) => ({ id, kind: 'addr', target: 'AbCdEfGh1234', by: 'op', until: 0 });
    expect(k.read({ type: 'mute_list', mutes: [mute(1)], more: true } as V2ServerPacket)).toEqual([]);
    expect(k.read({ type: 'mute_list', mutes: [mute(2)] } as V2ServerPacket)).toEqual([
      { kind: 'mute-list', mutes: [mute(1), mute(2)] },
    ]);
    expect(k.read({ type: 'mute_list', mutes: [] } as V2ServerPacket)).toEqual([
      { kind: 'mute-list', mutes: [] },
    ]);
  });

  it('joins the parts of a ban list and passes moderation news on', () => {
    const k = new MemberKeys();
    const ban = (id: number) => ({ id, kind: 'key', target: `SHA256:${'A'.repeat(43)}`, by: 'op', until: 0 });
    expect(k.read({ type: 'ban_list', bans: [ban(1)], more: true } as V2ServerPacket)).toEqual([]);
    expect(k.read({ type: 'ban_list', bans: [ban(2)] } as V2ServerPacket)).toEqual([
      { kind: 'ban-list', bans: [ban(1), ban(2)] },
    ]);
    expect(
      k.read({ type: 'moderated', action: 'kick', target: 'bob', by: 'op', ts: 9 } as V2ServerPacket),
    ).toEqual([{ kind: 'moderated', action: 'kick', target: 'bob', by: 'op', ts: 9 }]);
  });

  it('puts the joiner own mark on `joined`, through the room reader', () => {
    const r = new RoomReader();
    const events = r.read(
      { type: 'join_ok', name: 'me', users: ['me'], key: K1, op: true } as V2ServerPacket,
      0,
    );
    expect(events[0]).toMatchObject({ kind: 'joined', key: { key: K1, op: true } });
    expect(events.at(-1)).toMatchObject({ kind: 'member-keys' });
    const anonymous = new RoomReader().read(
      { type: 'join_ok', name: 'me', users: ['me'] } as V2ServerPacket,
      0,
    );
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0]).not.toHaveProperty('key');
  });
});
