/**
 * The room book (src/client/room-book.ts), the cases room-book.test.ts leaves open: the form of a
 * room name character by character, names compared only after their `#`, the current room kept
 * while rooms are joined and left around it, counts cleared where the current room moves, and
 * what a join again, a list or a topic of a room the client is not in does.
 */
import { describe, expect, it } from 'vitest';
import { isRoomName, LOBBY, RoomBook, sameRoom } from '../../src/client/room-book.js';

const names = (b: RoomBook) => b.rooms.map((r) => r.name);

describe('room names (7.15)', () => {
  it('have the form # and then characters that are neither space nor a leading #', () => {
    for (const ok of ['#a', '#dev', '#a#b', '#été', '#😀x']) expect(isRoomName(ok), ok).toBe(true);
    for (const bad of ['', '#', '##a', 'a', 'a#b', ' #a', '#a ', '#a\tb', '#\u00a0a', '#a\n'])
      expect(isRoomName(bad), JSON.stringify(bad)).toBe(false);
  });

  it('compare by the name keys after the #, and only between room names', () => {
    expect(sameRoom('#a', '#A')).toBe(true);
    expect(sameRoom('#Straße', '#STRASSE')).toBe(true);
    expect(sameRoom('#e\u0301', '#é')).toBe(true);
    expect(sameRoom('#ab', 'xab')).toBe(false);
    expect(sameRoom('xab', '#ab')).toBe(false);
    expect(sameRoom('#', '#a')).toBe(false);
    expect(sameRoom('#a', '#')).toBe(false);
    expect(sameRoom('lobby', 'lobby')).toBe(true);
    expect(sameRoom('lobby', 'LOBBY')).toBe(false);
    expect(sameRoom(LOBBY, '#LOBBY')).toBe(true);
  });
});

describe('RoomBook', () => {
  it('starts with no room; the first room entered is current, later ones are not', () => {
    const b = new RoomBook();
    expect(b.current).toBeNull();
    expect(b.rooms).toEqual([]);
    const first = b.enter('#dev', ['a']);
    expect(first).toEqual({ name: '#dev', users: ['a'], topic: '', unread: 0, mentions: 0 });
    b.enter('#ops', ['b'], 'ops talk');
    expect(b.current?.name).toBe('#dev');
    expect(b.find('#ops')).toEqual({ name: '#ops', users: ['b'], topic: 'ops talk', unread: 0, mentions: 0 });
  });

  it('keeps its own copy of a list, and a join again keeps the counts and the spelling', () => {
    const b = new RoomBook();
    b.enter(LOBBY, []);
    const users = ['a'];
    b.enter('#Dev', users);
    users.push('b');
    expect(b.find('#dev')?.users).toEqual(['a']);
    b.arrived('#dev', true);
    const again = b.enter('#DEV', ['c']);
    expect(again).toEqual({ name: '#Dev', users: ['c'], topic: '', unread: 1, mentions: 1 });
    expect(names(b)).toEqual([LOBBY, '#Dev']);
    const list = ['x'];
    b.setUsers('#dev', list);
    list.push('y');
    expect(b.find('#dev')?.users).toEqual(['x']);
  });

  it('ignores lists and topics of rooms it is not in', () => {
    const b = new RoomBook();
    b.enter('#a', ['u'], 't');
    b.setUsers('#b', ['v']);
    b.setTopic('#b', 'w');
    expect(b.rooms).toEqual([{ name: '#a', users: ['u'], topic: 't', unread: 0, mentions: 0 }]);
    b.setTopic('#A', '');
    expect(b.find('#a')?.topic).toBe('');
  });

  it('keeps the current room when a room after it is left, and clears nothing else', () => {
    const b = new RoomBook();
    for (const r of ['#a', '#b', '#c']) b.enter(r, []);
    b.selectAt(1);
    b.arrived('#a', true);
    expect(b.leave('#c')).toBe(true);
    expect(b.current?.name).toBe('#b');
    expect(b.find('#a')).toMatchObject({ unread: 1, mentions: 1 });
    expect(b.leave('#nowhere')).toBe(false);
    expect(names(b)).toEqual(['#a', '#b']);
  });

  it('moves the current room back by one when a room before it is left, counts of others kept', () => {
    const b = new RoomBook();
    for (const r of ['#a', '#b', '#c', '#d']) b.enter(r, []);
    b.selectAt(2);
    b.arrived('#d', false);
    expect(b.leave('#A')).toBe(true);
    expect(b.current?.name).toBe('#c');
    expect(b.find('#d')?.unread).toBe(1);
  });

  it('makes the room before the current one current when the current one is left, marked read', () => {
    const b = new RoomBook();
    for (const r of ['#a', '#b', '#c']) b.enter(r, []);
    b.selectAt(2);
    b.arrived('#b', true);
    b.arrived('#a', true);
    b.leave('#c');
    expect(b.current).toMatchObject({ name: '#b', unread: 0, mentions: 0 });
    expect(b.find('#a')).toMatchObject({ unread: 1, mentions: 1 });
    // The first room left while current: the next one (now first) is current and read.
    b.selectAt(0);
    b.arrived('#b', false);
    b.leave('#a');
    expect(b.current).toMatchObject({ name: '#b', unread: 0 });
    b.leave('#b');
    expect(b.current).toBeNull();
    // After the last room went, the next room entered is current again.
    b.enter('#z', []);
    expect(b.current?.name).toBe('#z');
  });

  it('after clear, the next room entered is current', () => {
    const b = new RoomBook();
    b.enter('#a', []);
    b.enter('#b', []);
    b.selectAt(1);
    b.clear();
    b.enter('#c', []);
    expect(b.current?.name).toBe('#c');
    expect(names(b)).toEqual(['#c']);
  });

  it('counts a line as a mention only when it is for the user', () => {
    const b = new RoomBook();
    b.enter('#a', []);
    b.enter('#b', []);
    expect(b.arrived('#B', false)).toBe(true);
    expect(b.find('#b')).toMatchObject({ unread: 1, mentions: 0 });
  });

  it('selects by index only within the rooms it holds, and by step round both ends', () => {
    const b = new RoomBook();
    for (const r of ['#a', '#b', '#c']) b.enter(r, []);
    expect(b.selectAt(-1)).toBe(false);
    expect(b.selectAt(3)).toBe(false);
    expect(b.current?.name).toBe('#a');
    b.arrived('#c', true);
    expect(b.step(-1)).toBe(true);
    expect(b.current).toMatchObject({ name: '#c', unread: 0, mentions: 0 });
    expect(b.step(1)).toBe(true);
    expect(b.current?.name).toBe('#a');
    expect(b.step(1)).toBe(true);
    expect(b.current?.name).toBe('#b');
    expect(b.select('#C')).toBe(true);
    expect(b.current?.name).toBe('#c');
    // The first room by name too (index 0), and a room not held changes nothing.
    expect(b.select('#A')).toBe(true);
    expect(b.current?.name).toBe('#a');
    expect(b.select('#d')).toBe(false);
    expect(b.current?.name).toBe('#a');
  });

  it('finds the rooms a member is in with the comparison given', () => {
    const b = new RoomBook();
    b.enter('#a', ['ann', 'bob']);
    b.enter('#b', ['cat']);
    b.enter('#c', ['Bob']);
    expect(b.roomsWith('bob', (x, y) => x === y).map((r) => r.name)).toEqual(['#a']);
    expect(b.roomsWith('nobody', () => false)).toEqual([]);
  });
});
