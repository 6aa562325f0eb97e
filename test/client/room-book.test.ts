/**
 * The core's room book (src/client/room-book.ts): rooms in join order, the current room, switching
 * by name, number and step, unread and mention counts of the rooms not current, and room names
 * compared by the 7.2 keys (7.15).
 */
import { describe, expect, it } from 'vitest';
import { isRoomName, LOBBY, RoomBook, sameRoom } from '../../src/client/room-book.js';

function book(...rooms: string[]): RoomBook {
  const b = new RoomBook();
  for (const r of rooms) b.enter(r, ['ann']);
  return b;
}

describe('RoomBook', () => {
  it('keeps rooms in join order; the first is current; a join again refreshes in place', () => {
    const b = book(LOBBY, '#dev', '#ops');
    expect(b.rooms.map((r) => r.name)).toEqual(['#lobby', '#dev', '#ops']);
    expect(b.current?.name).toBe('#lobby');
    b.enter('#DEV', ['ann', 'bob'], 'new topic');
    expect(b.rooms.map((r) => r.name)).toEqual(['#lobby', '#dev', '#ops']);
    expect(b.find('#Dev')).toMatchObject({ users: ['ann', 'bob'], topic: 'new topic' });
  });

  it('counts unread lines and mentions in rooms not current, and clears them on switching', () => {
    const b = book(LOBBY, '#dev');
    expect(b.arrived('#lobby', true)).toBe(false);
    expect(b.arrived('#dev', false)).toBe(true);
    expect(b.arrived('#dev', true)).toBe(true);
    expect(b.arrived('#nowhere', true)).toBe(false);
    expect(b.find('#dev')).toMatchObject({ unread: 2, mentions: 1 });
    expect(b.select('#dev')).toBe(true);
    expect(b.find('#dev')).toMatchObject({ unread: 0, mentions: 0 });
    expect(b.select('#nowhere')).toBe(false);
    expect(b.current?.name).toBe('#dev');
  });

  it('switches by number and by step, round the ends', () => {
    const b = book(LOBBY, '#dev', '#ops');
    expect(b.selectAt(2)).toBe(true);
    expect(b.current?.name).toBe('#ops');
    expect(b.selectAt(3)).toBe(false);
    expect(b.step(1)).toBe(true);
    expect(b.current?.name).toBe('#lobby');
    expect(b.step(-1)).toBe(true);
    expect(b.current?.name).toBe('#ops');
    expect(new RoomBook().step(1)).toBe(false);
  });

  it('on leaving the current room, the one before it becomes current (the next for the first)', () => {
    const b = book(LOBBY, '#dev', '#ops');
    b.select('#ops');
    b.arrived('#dev', false);
    expect(b.leave('#ops')).toBe(true);
    expect(b.current?.name).toBe('#dev');
    expect(b.current?.unread).toBe(0);
    b.selectAt(0);
    expect(b.leave('#lobby')).toBe(true);
    expect(b.current?.name).toBe('#dev');
    expect(b.leave('#lobby')).toBe(false);
    b.enter('#x', []);
    expect(b.leave('#dev')).toBe(true);
    expect(b.current?.name).toBe('#x');
    expect(b.leave('#x')).toBe(true);
    expect(b.current).toBeNull();
  });

  it('leaving a room before the current one keeps the current one', () => {
    const b = book(LOBBY, '#dev', '#ops');
    b.select('#ops');
    b.leave('#dev');
    expect(b.current?.name).toBe('#ops');
  });

  it('keeps members and topics, finds who is where, and forgets everything on clear', () => {
    const b = book(LOBBY, '#dev');
    b.setUsers('#dev', ['ann', 'bob']);
    b.setTopic('#dev', 'release');
    b.setUsers('#gone', ['x']);
    expect(b.find('#dev')).toMatchObject({ users: ['ann', 'bob'], topic: 'release' });
    expect(b.roomsWith('BOB', (a, c) => a.toLowerCase() === c.toLowerCase()).map((r) => r.name)).toEqual([
      '#dev',
    ]);
    b.clear();
    expect(b.rooms).toEqual([]);
    expect(b.current).toBeNull();
  });

  it('compares room names by the 7.2 keys after the #, and knows a room name by its form', () => {
    expect(sameRoom('#Lobby', '#lobby')).toBe(true);
    expect(sameRoom('#dev', '#ops')).toBe(false);
    expect(sameRoom('dev', '#dev')).toBe(false);
    expect(sameRoom('#', '#')).toBe(true);
    expect(isRoomName('#dev')).toBe(true);
    expect(isRoomName('dev')).toBe(false);
    expect(isRoomName('#')).toBe(false);
    expect(isRoomName('#a b')).toBe(false);
  });
});
