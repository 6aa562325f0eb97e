/**
 * Rooms in the chat model (spec 7.15), with a fake clock: who is in which room, names, limits,
 * topics, history per room and the server-wide bound, a room forgotten when it empties.
 */
import { describe, expect, it } from 'vitest';
import { Room, type RoomDecision, type RoomRequest } from '../../src/chat/room.js';
import { LIMITS, type Limits, V2_NAME_RULES } from '../../src/generated/constants.js';

function model(limits: Partial<Limits> = {}) {
  const room = new Room<number>(V2_NAME_RULES, { ...LIMITS, ...limits }, true);
  let now = 1000;
  const ask = (by: number, request: RoomRequest): RoomDecision<number> => room.decide(by, request, ++now);
  const join = (by: number, name: string) => ask(by, { kind: 'join', name, rooms: true });
  const code = (d: RoomDecision<number>) => (d.kind === 'notice' ? d.error.code : d.kind);
  const inRoom = (name: string) => {
    const verdict = room.rooms.check(name);
    const found = verdict.ok ? room.rooms.find(verdict.keys) : undefined;
    return found ? [...found.members] : [];
  };
  return { room, ask, join, code, inRoom };
}

describe('rooms in the model (7.15)', () => {
  it('puts every joined member in #lobby; a room_join makes a room under the spelling of its maker', () => {
    const { room, ask, join, inRoom } = model();
    join(1, 'ann');
    join(2, 'bob');
    expect(inRoom('#lobby')).toEqual([1, 2]);
    const made = ask(1, { kind: 'room_join', room: '#Tea' });
    expect(made).toMatchObject({ kind: 'room-joined', name: 'ann', fresh: true });
    const again = ask(2, { kind: 'room_join', room: '#TEA' });
    expect(again.kind === 'room-joined' && again.room.name).toBe('#Tea');
    expect(inRoom('#tea')).toEqual([1, 2]);
    expect(room.rooms.list()).toEqual([
      { room: '#lobby', members: 2, topic: '' },
      { room: '#Tea', members: 2, topic: '' },
    ]);
  });

  it('answers a join of a room one is in with a fresh room_joined and changes nothing', () => {
    const { ask, join, inRoom } = model();
    join(1, 'ann');
    ask(1, { kind: 'room_join', room: '#tea' });
    expect(ask(1, { kind: 'room_join', room: '#tea' })).toMatchObject({ kind: 'room-joined', fresh: false });
    expect(ask(1, { kind: 'room_join', room: '#lobby' })).toMatchObject({
      kind: 'room-joined',
      fresh: false,
    });
    expect(inRoom('#tea')).toEqual([1]);
  });

  it('refuses names that are not # and a name under 7.2 with ROOM_INVALID', () => {
    const { ask, join, code } = model({ maxRoomName: 5 });
    join(1, 'ann');
    for (const bad of ['tea', '#', '##tea', '#a b', '#toolong', '#\u200btea', '#-tea\u0000'])
      expect(code(ask(1, { kind: 'room_join', room: bad })), bad).toBe('ROOM_INVALID');
    expect(code(ask(1, { kind: 'room_join', room: '#12345' }))).toBe('room-joined');
    // NFC first: a decomposed name is the composed room.
    expect(code(ask(1, { kind: 'room_join', room: '#cafe\u0301' }))).toBe('room-joined');
    const joined = ask(1, { kind: 'room_join', room: '#caf\u00e9' });
    expect(joined).toMatchObject({ kind: 'room-joined', fresh: false });
  });

  it('bounds rooms per member (#lobby counts) and rooms on the server (#lobby does not)', () => {
    const { ask, join, code } = model({ maxRoomsPerMember: 2, maxRooms: 2 });
    join(1, 'ann');
    join(2, 'bob');
    expect(code(ask(1, { kind: 'room_join', room: '#a' }))).toBe('room-joined');
    expect(code(ask(1, { kind: 'room_join', room: '#b' }))).toBe('TOO_MANY_ROOMS');
    expect(code(ask(2, { kind: 'room_join', room: '#b' }))).toBe('room-joined');
    // Two rooms besides #lobby exist: a third cannot be made, an existing one can be joined.
    ask(2, { kind: 'room_part', room: '#lobby' });
    expect(code(ask(2, { kind: 'room_join', room: '#c' }))).toBe('TOO_MANY_ROOMS');
    expect(code(ask(2, { kind: 'room_join', room: '#a' }))).toBe('room-joined');
    // #lobby can always be joined, even with maxRooms rooms besides it.
    ask(1, { kind: 'room_part', room: '#lobby' });
    ask(1, { kind: 'room_part', room: '#a' });
    expect(code(ask(1, { kind: 'room_join', room: '#lobby' }))).toBe('room-joined');
  });

  it('scopes say, who, export and topic to rooms the sender is in (NOT_IN_ROOM otherwise)', () => {
    const { ask, join, code } = model();
    join(1, 'ann');
    join(2, 'bob');
    ask(2, { kind: 'room_join', room: '#tea' });
    expect(code(ask(1, { kind: 'say', text: 'hi', action: false, room: '#tea' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'say', text: 'hi', action: false, room: '#nowhere' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'who', room: '#tea' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'export', room: '#tea' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'topic', room: '#tea', topic: 'x' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'room_part', room: '#tea' }))).toBe('NOT_IN_ROOM');
    expect(code(ask(1, { kind: 'say', text: 'hi', action: false, room: 'tea' }))).toBe('ROOM_INVALID');
    const line = ask(2, { kind: 'say', text: 'hi', action: false, room: '#TEA' });
    expect(line.kind === 'message' && line.room.name).toBe('#tea');
    // A refused line takes no id (7.3): the next one is 2.
    const next = ask(2, { kind: 'say', text: 'ho', action: false });
    expect(next).toMatchObject({ kind: 'message', id: 2 });
    // Without #lobby, a line without a room is refused.
    ask(2, { kind: 'room_part', room: '#lobby' });
    expect(code(ask(2, { kind: 'say', text: 'hi', action: false }))).toBe('NOT_IN_ROOM');
  });

  it('keeps private messages, whois and names server-wide, even for a member in no room', () => {
    const { room, ask, join, code } = model();
    join(1, 'ann');
    join(2, 'bob');
    ask(1, { kind: 'room_part', room: '#lobby' });
    expect(room.rooms.roomsOf(1).size).toBe(0);
    expect(ask(2, { kind: 'msg', to: 'ann', text: 'psst' })).toMatchObject({ kind: 'private', target: 1 });
    expect(ask(1, { kind: 'msg', to: 'bob', text: 'hi' })).toMatchObject({ kind: 'private', target: 2 });
    expect(code(ask(2, { kind: 'whois', name: 'ann' }))).toBe('whois');
    expect(ask(3, { kind: 'join', name: 'ANN' })).toMatchObject({ kind: 'refused' });
    expect(ask(1, { kind: 'nick', name: 'anna' })).toMatchObject({ kind: 'renamed', rooms: [] });
  });

  it('sets topics of one line within maxTopic; any member may; empty clears', () => {
    const { room, ask, join, code } = model({ maxTopic: 4 });
    join(1, 'ann');
    join(2, 'bob');
    ask(1, { kind: 'room_join', room: '#tea' });
    ask(2, { kind: 'room_join', room: '#tea' });
    expect(ask(2, { kind: 'topic', room: '#tea', topic: 'oolo' })).toMatchObject({
      kind: 'topic',
      name: 'bob',
    });
    expect(code(ask(1, { kind: 'topic', room: '#tea', topic: 'oolong' }))).toBe('MESSAGE_TOO_LONG');
    expect(room.rooms.list()[1]).toEqual({ room: '#tea', members: 2, topic: 'oolo' });
    ask(1, { kind: 'topic', room: '#tea', topic: '' });
    expect(room.rooms.list()[1].topic).toBe('');
  });

  it('forgets a room when its last member leaves it: history, topic and name', () => {
    const { room, ask, join } = model();
    join(1, 'ann');
    join(2, 'bob');
    ask(1, { kind: 'room_join', room: '#Tea' });
    ask(1, { kind: 'topic', room: '#tea', topic: 'green' });
    ask(1, { kind: 'say', text: 'secret', action: false, room: '#tea' });
    room.leave(1, 'quit', 2000);
    expect(room.rooms.list().map((r) => r.room)).toEqual(['#lobby']);
    expect(room.rooms.others).toBe(0);
    const made = ask(2, { kind: 'room_join', room: '#TEA' });
    expect(made.kind === 'room-joined' && [made.room.name, made.room.topic]).toEqual(['#TEA', '']);
    expect(made.kind === 'room-joined' && made.room.history.all().map((e) => e.kind)).toEqual(['join']);
    // #lobby too loses its history and topic when it empties.
    ask(2, { kind: 'topic', room: '#lobby', topic: 'hello' });
    ask(2, { kind: 'say', text: 'in lobby', action: false });
    ask(2, { kind: 'room_part', room: '#lobby' });
    expect(room.entries()).toEqual([]);
    expect(room.rooms.lobby.topic).toBe('');
  });

  it('records joins, parts (reason part) and leaves in each room the member was in', () => {
    const { room, ask, join } = model();
    join(1, 'ann');
    join(2, 'bob');
    ask(1, { kind: 'room_join', room: '#tea' });
    ask(2, { kind: 'room_join', room: '#tea' });
    ask(2, { kind: 'room_part', room: '#tea' });
    const check = room.rooms.check('#tea');
    const tea = room.rooms.find(check.ok ? check.keys : [])!;
    expect(tea.history.all().map((e) => (e.kind === 'leave' ? `${e.kind}:${e.reason}` : e.kind))).toEqual([
      'join',
      'join',
      'leave:part',
    ]);
    const left = room.leave(1, 'lost', 3000);
    expect(left?.kind === 'left' && left.rooms.map((r) => r.name)).toEqual(['#lobby', '#tea']);
    expect(room.entries().map((e) => e.kind)).toEqual(['join', 'join', 'leave']);
  });

  it('bounds history per room and server-wide: the largest room loses its oldest first', () => {
    const { room, ask, join } = model({ history: 4, historyTotal: 6 });
    join(1, 'ann');
    ask(1, { kind: 'room_join', room: '#a' });
    ask(1, { kind: 'room_join', room: '#b' });
    const say = (text: string, at?: string) =>
      ask(1, { kind: 'say', text, action: false, ...(at ? { room: at } : {}) });
    const texts = (name: string) => {
      const check = room.rooms.check(name);
      const r = room.rooms.find(check.ok ? check.keys : [])!;
      return r.history.all().map((e) => (e.kind === 'message' ? e.text : e.kind));
    };
    // lobby: join; #a: join; #b: join (3 held)
    say('a1', '#a');
    say('a2', '#a');
    say('a3', '#a');
    // #a holds 4 (its own bound): join, a1, a2, a3; total 6.
    expect(texts('#a')).toEqual(['join', 'a1', 'a2', 'a3']);
    say('b1', '#b');
    // 7 > 6: #a is the largest, its oldest (the join) goes.
    expect(texts('#a')).toEqual(['a1', 'a2', 'a3']);
    expect(texts('#b')).toEqual(['join', 'b1']);
    say('l1');
    // #a (3) is still the largest.
    expect(texts('#a')).toEqual(['a2', 'a3']);
    say('b2', '#b');
    // #a and #b hold 2 and 3; #b is the largest now.
    expect(texts('#b')).toEqual(['b1', 'b2']);
    expect(texts('#lobby')).toEqual(['join', 'l1']);
    // Three rooms of 2: the new room's join entry makes 7, and of the equals the room whose
    // oldest entry is oldest (#lobby's join) gives one up.
    ask(1, { kind: 'room_join', room: '#c' });
    expect(texts('#lobby')).toEqual(['l1']);
    expect([texts('#a'), texts('#b'), texts('#c')]).toEqual([['a2', 'a3'], ['b1', 'b2'], ['join']]);
  });
});
