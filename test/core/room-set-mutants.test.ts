/**
 * The rooms of a server held alone (spec 7.15; room-set.ts): room names refused word for word, the
 * scope of a packet, the two room bounds at their exact limits, a room's members and names as
 * members come and go, mute keys, the server-wide history bound's choice of room, and the list
 * order.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRoom } from '../../src/chat/chat-room.js';
import { RoomSet } from '../../src/chat/room-set.js';
import { ParleyError } from '../../src/errors.js';
import { LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';

const limits = { ...LIMITS, maxRooms: 2, maxRoomsPerMember: 3, maxRoomName: 8, history: 3, historyTotal: 4 };

function rooms(presence = false) {
  const set = new RoomSet<number>(V2_NAME_RULES, limits, presence);
  const enter = (id: number, name: string, room: string) => {
    const entry = set.entry(id, room);
    if (entry instanceof ParleyError) throw entry;
    set.join(id, name, entry.room, 0);
    return entry.room;
  };
  return { set, enter };
}

/** The 7.2 keys of a valid room name. */
const keysOf = (set: RoomSet<number>, name: string): readonly string[] => {
  const verdict = set.check(name);
  if (!verdict.ok) throw new Error(verdict.message);
  return verdict.keys;
};
const error = (value: unknown) =>
  value instanceof ParleyError ? `${value.code}: ${value.message}` : 'no error';
const say = (set: RoomSet<number>, room: ChatRoom<number>, text: string, ts: number) =>
  set.record(room, { kind: 'message', from: 'x', text, ts });

describe('RoomSet names and scope (7.15)', () => {
  it('checks a room name and says why it is refused', () => {
    const { set } = rooms();
    expect(set.check('#Tea')).toEqual({ ok: true, name: '#Tea', keys: expect.any(Array) });
    expect(set.check('tea')).toEqual({ ok: false, message: 'a room name starts with #' });
    const long = set.check('#abcdefghi');
    expect(long.ok === false && long.message.startsWith('after the #, ')).toBe(true);
  });

  it('scopes a packet to #lobby or the room it names, only for a member of it', () => {
    const { set, enter } = rooms();
    set.enter(1, 'ann', set.lobby);
    const tea = enter(1, 'ann', '#tea');
    expect(set.scope(1, undefined)).toBe(set.lobby);
    expect(set.scope(1, '#TEA')).toBe(tea);
    expect(error(set.scope(2, undefined))).toBe('NOT_IN_ROOM: you are not in #lobby');
    expect(error(set.scope(2, '#Tea'))).toBe('NOT_IN_ROOM: you are not in #tea');
    expect(error(set.scope(1, '#nowhere'))).toBe('NOT_IN_ROOM: you are not in #nowhere');
    expect(error(set.scope(1, 'tea'))).toBe('ROOM_INVALID: a room name starts with #');
  });
});

describe('RoomSet.entry bounds (7.15)', () => {
  it('lets a member into maxRoomsPerMember rooms, #lobby counted, and no more', () => {
    const { set, enter } = rooms();
    set.enter(1, 'ann', set.lobby);
    enter(1, 'ann', '#a');
    enter(1, 'ann', '#b');
    expect(set.roomsOf(1).size).toBe(3);
    expect(error(set.entry(1, '#lobby'))).toBe('no error');
    expect(error(set.entry(1, '#c'))).toBe(
      'TOO_MANY_ROOMS: you are in 3 rooms, the most one member may be in',
    );
    // A room it is in already is no new room.
    const again = set.entry(1, '#A');
    expect(again instanceof ParleyError ? null : again.fresh).toBe(false);
  });

  it('makes at most maxRooms rooms besides #lobby, but lets anyone into one that exists', () => {
    const { set, enter } = rooms();
    enter(1, 'ann', '#a');
    enter(1, 'ann', '#b');
    expect(set.others).toBe(2);
    expect(error(set.entry(2, '#c'))).toBe(
      'TOO_MANY_ROOMS: the server has 2 rooms besides #lobby, the most it holds',
    );
    const existing = set.entry(2, '#a');
    expect(existing instanceof ParleyError ? null : existing.fresh).toBe(true);
    expect(error(set.entry(2, 'bad'))).toBe('ROOM_INVALID: a room name starts with #');
  });
});

describe('RoomSet members (7.11, 7.15)', () => {
  it('takes a member out of a room, forgets an emptied room, and ignores one not in it', () => {
    const { set, enter } = rooms();
    const a = enter(1, 'ann', '#a');
    enter(2, 'bob', '#a');
    set.exit(3, 'cat', a);
    expect(a.names.list()).toEqual(['ann', 'bob']);
    set.exit(1, 'ann', a);
    expect(a.names.list()).toEqual(['bob']);
    expect(set.roomsOf(1).size).toBe(0);
    expect(set.find(a.keys)).toBe(a);
    a.topic = 'tea';
    set.exit(2, 'bob', a);
    expect(set.find(a.keys)).toBeUndefined();
    expect(a.topic).toBe('');
    expect(set.others).toBe(0);
  });

  it('keeps #lobby when it empties, without its topic and history', () => {
    const { set } = rooms();
    set.enter(1, 'ann', set.lobby);
    set.lobby.topic = 'hi';
    say(set, set.lobby, 'one', 1);
    set.exit(1, 'ann', set.lobby);
    expect(set.find(set.lobby.keys)).toBe(set.lobby);
    expect(set.lobby.topic).toBe('');
    expect(set.lobby.history.size).toBe(0);
    // Its entries no longer count: four more fit server-wide (3 in one room).
    const { enter } = { enter: (id: number) => set.enter(id, `m${id}`, set.lobby) };
    enter(2);
    for (const t of ['a', 'b', 'c']) say(set, set.lobby, t, 2);
    expect(set.lobby.history.size).toBe(3);
  });

  it('gives the members sharing a room with one, itself included', () => {
    const { set, enter } = rooms();
    set.enter(1, 'ann', set.lobby);
    set.enter(2, 'bob', set.lobby);
    enter(1, 'ann', '#a');
    enter(3, 'cat', '#a');
    expect([...set.roommatesOf(1)].sort()).toEqual([1, 2, 3]);
    expect([...set.roommatesOf(3)].sort()).toEqual([1, 3]);
    expect(set.roommatesOf(9).size).toBe(0);
  });

  it('renames a member in every room it is in', () => {
    const { set, enter } = rooms();
    set.enter(1, 'ann', set.lobby);
    const a = enter(1, 'ann', '#a');
    enter(2, 'bob', '#a');
    set.rename(1, 'ann', 'zed');
    expect(a.names.list()).toEqual(['bob', 'zed']);
    expect(set.lobby.names.list()).toEqual(['zed']);
  });

  it('names a room for a mute by its first key, whether it exists or not', () => {
    const { set, enter } = rooms();
    const a = enter(1, 'ann', '#Tea');
    expect(set.muteKeyOf('#TEA')).toBe(a.keys[0]);
    expect(set.muteKeyOf('#Other')).toBe(keysOf(set, '#other')[0]);
    expect(set.muteKeyOf('nothash')).toBeNull();
  });

  it('records joins and leaves in history only with presence, and no leave in a room left empty', () => {
    const quiet = rooms(false);
    quiet.enter(1, 'ann', '#a');
    expect(quiet.set.find(keysOf(quiet.set, '#a'))?.history.size).toBe(0);
    const { set, enter } = rooms(true);
    const a = enter(1, 'ann', '#a');
    enter(2, 'bob', '#a');
    set.leave(2, 'bob', a, 'part', 5);
    expect(a.history.all()).toEqual([
      { kind: 'join', name: 'ann', ts: 0 },
      { kind: 'join', name: 'bob', ts: 0 },
      { kind: 'leave', name: 'bob', reason: 'part', ts: 5 },
    ]);
    set.leave(1, 'ann', a, 'quit', 6);
    expect(a.history.size).toBe(0);
  });
});

describe('RoomSet history bound and list (7.10, 7.15)', () => {
  it('drops the oldest entry of the room holding the most, ties to the room whose oldest is oldest', () => {
    const { set, enter } = rooms();
    const a = enter(1, 'ann', '#a');
    const b = enter(1, 'ann', '#b');
    set.enter(1, 'ann', set.lobby);
    const texts = (room: ChatRoom<number>) => room.history.all().map((e) => (e as { text: string }).text);
    say(set, b, 'b1', 1);
    say(set, a, 'a1', 2);
    say(set, a, 'a2', 3);
    say(set, b, 'b2', 4);
    // 4 held; a fifth makes one too many: a and b hold 2 each, b's oldest (1) is older.
    say(set, set.lobby, 'l1', 5);
    expect([texts(a), texts(b), texts(set.lobby)]).toEqual([['a1', 'a2'], ['b2'], ['l1']]);
    // a and #lobby hold 2 each: a's oldest (2) is older than #lobby's (5).
    say(set, set.lobby, 'l2', 6);
    expect([texts(a), texts(b), texts(set.lobby)]).toEqual([['a2'], ['b2'], ['l1', 'l2']]);
    // b and #lobby hold 2 each: b's oldest (4) is older than #lobby's (5).
    say(set, b, 'b3', 7);
    expect([texts(a), texts(b), texts(set.lobby)]).toEqual([['a2'], ['b3'], ['l1', 'l2']]);
  });

  it('counts a room’s own drop at its capacity once', () => {
    const { set, enter } = rooms();
    const a = enter(1, 'ann', '#a');
    const b = enter(1, 'ann', '#b');
    for (let i = 0; i < 5; i++) say(set, a, `a${i}`, i);
    expect(a.history.size).toBe(3);
    say(set, b, 'b', 10);
    expect(a.history.size + b.history.size).toBe(4);
    expect(b.history.size).toBe(1);
  });

  it('clears every history and counts from zero again', () => {
    const { set, enter } = rooms();
    const a = enter(1, 'ann', '#a');
    for (let i = 0; i < 3; i++) say(set, a, `a${i}`, i);
    set.clearHistory();
    expect(a.history.size).toBe(0);
    const b = enter(1, 'ann', '#b');
    for (let i = 0; i < 2; i++) say(set, b, `b${i}`, i);
    for (let i = 0; i < 2; i++) say(set, a, `a${i}`, i);
    expect(a.history.size + b.history.size).toBe(4);
  });

  it('lists rooms with members by folded name, then code point, with their counts and topics', () => {
    const { set, enter } = rooms();
    set.enter(1, 'ann', set.lobby);
    const big = enter(1, 'ann', '#B');
    enter(2, 'bob', '#a');
    big.topic = 'big';
    expect(set.list()).toEqual([
      { room: '#a', members: 1, topic: '' },
      { room: '#B', members: 1, topic: 'big' },
      { room: '#lobby', members: 1, topic: '' },
    ]);
    set.exit(1, 'ann', set.lobby);
    expect(set.sorted().map((r) => r.name)).toEqual(['#a', '#B']);
  });
});
