/**
 * The room list as a large reply (spec 7.15 Listing, 7.7, 11 sendWindowBytes): made part by part
 * as the asker's socket drains, one large reply in flight per connection (a second `rooms` or an
 * `export` meanwhile gets RATE_LIMITED), and each part showing the listed rooms as they are when
 * it is made. Driven through memory-net with a fake clock (flow-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { type ListedRoom, RoomListReply } from '../../src/chat/v2-room-packets.js';
import type { Limits } from '../../src/generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../../src/generated/v2-packets.js';
import { drainAll, v2 } from './flow-harness.js';

type RoomList = V2PacketOf<'room_list'>;

const ROOMS = ['rooms'];
/** 40 rooms of about 1 kB each: a part holds about 10 of them (the JSON budget, 7.15), well over a window. */
const COUNT = 40;
const limits: Partial<Limits> = {
  rateBurst: 100_000,
  ratePerSecond: 100_000,
  maxRoomsPerMember: 100,
  maxTopic: 1000,
  sendWindowBytes: 8192,
};
const roomName = (i: number) => `#room-${String(i).padStart(2, '0')}`;

/** A server where `holder` alone is in COUNT rooms with long topics, and `alice` (rooms agreed) asks. */
function listed() {
  const s = v2(limits);
  const holder = s.join('holder', ROOMS);
  for (let i = 0; i < COUNT; i++) {
    holder.client.roomJoin(roomName(i));
    holder.client.setTopic(roomName(i), `${i} ${'t'.repeat(1000 - 3)}`);
    s.net.settle();
    s.drained('holder');
  }
  drainAll(s, 'holder');
  const alice = s.join('alice', ROOMS);
  s.packets('alice');
  return { s, holder, alice };
}

const lists = (got: readonly V2ServerPacket[]): RoomList[] =>
  got.filter((p): p is RoomList => p.type === 'room_list');
const names = (parts: readonly RoomList[]) => parts.flatMap((p) => p.rooms.map((r) => r.room));

describe('room_list under flow control (7.15, 7.7, 11 sendWindowBytes)', () => {
  it('is produced a part at a time as the socket drains, and arrives whole, sorted', () => {
    const { s, alice } = listed();
    alice.client.listRooms();
    s.net.settle();
    // Only the first part went out: one part is more than the window.
    const first = lists(s.packets('alice'));
    expect(first).toHaveLength(1);
    expect(first[0].more).toBe(true);
    const parts = [...first];
    // Each drain brings the next part, never more than one.
    for (let i = 0; i < 100 && parts.at(-1)!.more; i++) {
      s.drained('alice');
      const got = lists(s.packets('alice'));
      expect(got).toHaveLength(1);
      parts.push(...got);
    }
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.at(-1)!.more).toBeUndefined();
    expect(parts.slice(0, -1).every((p) => p.more === true)).toBe(true);
    const all = Array.from({ length: COUNT }, (_, i) => roomName(i));
    expect(names(parts)).toEqual(['#lobby', ...all]);
    expect(parts.flatMap((p) => p.rooms).find((r) => r.room === '#room-07')).toEqual({
      room: '#room-07',
      members: 1,
      topic: `7 ${'t'.repeat(997)}`,
    });
    expect(s.closed('alice')).toBe(false);
  });

  it('answers a second rooms, or an export, while the list is in flight with RATE_LIMITED; the list completes once', () => {
    const { s, alice } = listed();
    alice.client.listRooms();
    alice.client.listRooms();
    alice.client.requestExport();
    s.net.settle();
    const got = [...s.packets('alice'), ...drainAll(s, 'alice')];
    const errors = got.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatchObject({ code: 'RATE_LIMITED', fatal: false });
    expect(got.some((p) => p.type === 'export_reply')).toBe(false);
    const parts = lists(got);
    expect(parts.filter((p) => p.more === undefined)).toHaveLength(1);
    expect(names(parts)).toHaveLength(COUNT + 1);
    // Once it is done, `rooms` is answered again, and so is an export.
    alice.client.listRooms();
    s.net.settle();
    const again = [...s.packets('alice'), ...drainAll(s, 'alice')];
    expect(names(lists(again))).toHaveLength(COUNT + 1);
    expect(again.some((p) => p.type === 'error')).toBe(false);
    alice.client.requestExport();
    s.net.settle();
    const exported = [...s.packets('alice'), ...drainAll(s, 'alice')];
    expect(exported.filter((p) => p.type === 'export_reply' && p.done)).toHaveLength(1);
  });

  it('shows each listed room as it is when its part is made; a room gone by then is left out', () => {
    const { s, holder, alice } = listed();
    alice.client.listRooms();
    s.net.settle();
    const first = lists(s.packets('alice'));
    expect(names(first)).toContain('#room-00');
    // Before the later parts are made: one room empties (and one of its name is made again, a
    // new room the request never saw), another gains a member and a new topic, a third is made.
    holder.client.roomPart('#room-30');
    holder.client.setTopic('#room-20', 'short now');
    s.net.settle();
    const bob = s.join('bob', ROOMS);
    bob.client.roomJoin('#room-30');
    bob.client.roomJoin('#room-20');
    bob.client.roomJoin('#room-99');
    s.net.settle();
    const parts = [...first, ...lists(drainAll(s, 'alice'))];
    const all = parts.flatMap((p) => p.rooms);
    expect(all.map((r) => r.room)).not.toContain('#room-30');
    expect(all.map((r) => r.room)).not.toContain('#room-99');
    expect(all.find((r) => r.room === '#room-20')).toEqual({
      room: '#room-20',
      members: 2,
      topic: 'short now',
    });
    expect(all).toHaveLength(COUNT);
    expect(parts.at(-1)!.more).toBeUndefined();
  });
});

describe('RoomListReply (7.15)', () => {
  const room = (
    name: string,
    size = 1,
    topic = '',
  ): { -readonly [K in keyof ListedRoom]: ListedRoom[K] } => ({
    name,
    size,
    topic,
  });
  const parts = (reply: RoomListReply): RoomList[] => {
    const out: RoomList[] = [];
    for (let p = reply.next(); p !== null; p = reply.next()) out.push(JSON.parse(p.packet.toString()));
    return out;
  };

  it('lists no room as one packet with an empty rooms', () => {
    expect(parts(new RoomListReply([], 4096))).toEqual([{ type: 'room_list', rooms: [] }]);
  });

  it('splits by the JSON budget, and ends with an empty part when the rooms still to list are gone', () => {
    const rooms = [room('#a', 2, 'x'.repeat(100)), room('#b'), room('#c'), room('#d')];
    const reply = new RoomListReply(rooms, 700);
    const first = JSON.parse(reply.next()!.packet.toString()) as RoomList;
    expect(first).toEqual({
      type: 'room_list',
      rooms: [{ room: '#a', members: 2, topic: 'x'.repeat(100) }],
      more: true,
    });
    rooms[2].size = 0;
    const second = JSON.parse(reply.next()!.packet.toString()) as RoomList;
    expect(second.rooms.map((r) => r.room)).toEqual(['#b', '#d']);
    expect(second.more).toBeUndefined();
    expect(reply.next()).toBeNull();
    const late = [room('#a'), room('#b')];
    const lateReply = new RoomListReply(late, 70);
    expect(JSON.parse(lateReply.next()!.packet.toString())).toMatchObject({
      rooms: [{ room: '#a' }],
      more: true,
    });
    late[1].size = 0;
    expect(parts(lateReply)).toEqual([{ type: 'room_list', rooms: [] }]);
  });
});
