/**
 * The room reader (src/client/room-reader.ts) packet by packet, the cases the session tests leave
 * open: each v2 packet's event field by field with the room it names (`#lobby` without one), the
 * parts of exports, backlogs and room lists kept apart and started afresh, the rosters a join_ok
 * or a part forgets, a user_list that continues a room_joined and one that does not (a 2.0
 * server's lists name no room), and the legacy packets (lists, notices, the leave line, exports).
 */
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/client/events.js';
import { RoomReader } from '../../src/client/room-reader.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { LegacyPacket } from '../../src/legacy/legacy-packet.js';

const v2 = (p: Record<string, unknown>) => p as unknown as V2ServerPacket;
const legacy = (p: Record<string, unknown>) => p as unknown as LegacyPacket;

function reader(): { r: RoomReader; read: (p: Record<string, unknown>, now?: number) => SessionEvent[] } {
  const r = new RoomReader();
  return { r, read: (p, now = 0) => r.read('type' in p ? v2(p) : legacy(p), now) };
}

describe('RoomReader: v2 joins and refusals', () => {
  it('reads join_ok into joined, with the motd, the rooms flag and no key unless one came', () => {
    const { r, read } = reader();
    r.rooms = true;
    expect(read({ type: 'join_ok', name: 'me', users: ['me', 'Bob', 'al'], motd: 'hi' })).toEqual([
      { kind: 'joined', name: 'me', users: ['al', 'Bob', 'me'], motd: 'hi', rooms: true },
    ]);
    expect(r.name).toBe('me');
    expect(r.roster.users).toEqual(['al', 'Bob', 'me']);
    const { read: read2 } = reader();
    expect(read2({ type: 'join_ok', name: 'me', users: ['me'], key: 'K' })[0]).toEqual({
      kind: 'joined',
      name: 'me',
      users: ['me'],
      motd: undefined,
      rooms: false,
      key: { key: 'K', op: false },
    });
  });

  it('forgets the rosters of every room at a new join_ok', () => {
    const { r, read } = reader();
    read({ type: 'room_joined', room: '#dev', users: ['a'], topic: '', ts: 1 });
    expect(r.rosterOf('#dev').users).toEqual(['a']);
    read({ type: 'join_ok', name: 'me', users: ['me'] });
    expect(r.rosterOf('#dev').users).toEqual([]);
  });

  it('keeps one roster per room, made once', () => {
    const { r } = reader();
    expect(r.rosterOf('#x')).toBe(r.rosterOf('#x'));
    expect(r.rosterOf('#x')).not.toBe(r.rosterOf('#y'));
    expect(r.roster).toBe(r.rosterOf('#lobby'));
  });

  it('reads join_error as the join refused before join_ok, and as a plain error after it', () => {
    const { r, read } = reader();
    r.name = 'me';
    expect(read({ type: 'join_error', code: 'NAME_TAKEN', message: 'taken' })).toEqual([
      { kind: 'join-refused', code: 'NAME_TAKEN', message: 'taken' },
    ]);
    expect(r.name).toBeNull();
    read({ type: 'join_ok', name: 'me', users: ['me'] });
    expect(read({ type: 'join_error', code: 'NAME_INVALID', message: 'bad' })).toEqual([
      { kind: 'error', code: 'NAME_INVALID', message: 'bad', fatal: false },
    ]);
    expect(r.name).toBe('me');
  });
});

describe('RoomReader: v2 chat and presence', () => {
  it('reads lines with their kind and room; a private line has no room', () => {
    const { read } = reader();
    expect(read({ type: 'message', id: 1, from: 'a', text: 't', ts: 2 })).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'a', text: 't', ts: 2, room: '#lobby' } },
    ]);
    expect(read({ type: 'action', id: 1, from: 'a', text: 'w', ts: 3, room: '#dev' })).toEqual([
      { kind: 'message', message: { kind: 'action', from: 'a', text: 'w', ts: 3, room: '#dev' } },
    ]);
    expect(read({ type: 'private', id: 1, from: 'a', to: 'b', text: 'p', ts: 4 })).toEqual([
      { kind: 'message', message: { kind: 'private', from: 'a', to: 'b', text: 'p', ts: 4 } },
    ]);
  });

  it("applies presence to its room's list and reports both", () => {
    const { read } = reader();
    read({ type: 'join_ok', name: 'me', users: ['me'] });
    expect(read({ type: 'users_joined', names: ['b', 'a'], ts: 5, room: '#dev' })).toEqual([
      { kind: 'presence', room: '#dev', change: { kind: 'joined', names: ['b', 'a'], ts: 5 } },
      { kind: 'users', room: '#dev', users: ['a', 'b'] },
    ]);
    expect(read({ type: 'user_left', name: 'me', reason: 'quit', ts: 6 })).toEqual([
      { kind: 'presence', room: '#lobby', change: { kind: 'left', names: ['me'], reason: 'quit', ts: 6 } },
      { kind: 'users', room: '#lobby', users: [] },
    ]);
  });

  it('renames in every room the member is in, and follows its own new name', () => {
    const { r, read } = reader();
    read({ type: 'join_ok', name: 'me', users: ['me', 'x'] });
    read({ type: 'room_joined', room: '#dev', users: ['me'], topic: '', ts: 1 });
    read({ type: 'room_joined', room: '#ops', users: ['x', 'y'], topic: '', ts: 1 });
    expect(read({ type: 'user_renamed', from: 'me', to: 'zz', ts: 2 })).toEqual([
      { kind: 'renamed', from: 'me', to: 'zz', ts: 2 },
      { kind: 'users', room: '#lobby', users: ['x', 'zz'] },
      { kind: 'users', room: '#dev', users: ['zz'] },
    ]);
    expect(r.name).toBe('zz');
    expect(read({ type: 'user_renamed', from: 'y', to: 'a', ts: 3 })).toEqual([
      { kind: 'renamed', from: 'y', to: 'a', ts: 3 },
      { kind: 'users', room: '#ops', users: ['a', 'x'] },
    ]);
    expect(r.name).toBe('zz');
  });

  it('reads topics, away news, whois and non-fatal errors field by field', () => {
    const { read } = reader();
    expect(read({ type: 'topic_changed', room: '#r', topic: 't', by: 'a', ts: 1 })).toEqual([
      { kind: 'topic', room: '#r', topic: 't', by: 'a', ts: 1 },
    ]);
    expect(read({ type: 'user_away', name: 'a', away: true, reason: 'lunch', ts: 2 })).toEqual([
      { kind: 'away', name: 'a', away: true, reason: 'lunch', ts: 2 },
    ]);
    const back = read({ type: 'user_away', name: 'a', away: false, ts: 3 });
    expect(back).toEqual([{ kind: 'away', name: 'a', away: false, ts: 3 }]);
    expect(back[0]).not.toHaveProperty('reason');
    expect(read({ type: 'whois_reply', name: 'a', joined: 1, idle: 2 })).toEqual([
      { kind: 'whois', name: 'a', joined: 1, idle: 2 },
    ]);
    expect(read({ type: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false })).toEqual([
      { kind: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false },
    ]);
    expect(read({ type: 'pong', nonce: 1 })).toEqual([]);
  });
});

describe('RoomReader: replies in parts', () => {
  it('joins export parts until done, per request, naming the room', () => {
    const { read } = reader();
    const e = (ts: number) => ({ kind: 'message', from: 'a', text: `${ts}`, ts });
    expect(read({ type: 'export_reply', entries: [e(1)], done: false, room: '#dev' })).toEqual([]);
    expect(read({ type: 'export_reply', entries: [e(2)], done: true, room: '#dev' })).toEqual([
      { kind: 'export', room: '#dev', entries: [e(1), e(2)] },
    ]);
    expect(read({ type: 'export_reply', entries: [e(3)], done: true })).toEqual([
      { kind: 'export', room: '#lobby', entries: [e(3)] },
    ]);
  });

  it('joins backlog parts into chat lines and actions, per backlog', () => {
    const { read } = reader();
    expect(
      read({ type: 'backlog', entries: [{ kind: 'message', from: 'a', text: 'm', ts: 1 }], done: false }),
    ).toEqual([]);
    expect(
      read({ type: 'backlog', entries: [{ kind: 'action', from: 'b', text: 'w', ts: 2 }], done: true }),
    ).toEqual([
      {
        kind: 'history',
        room: '#lobby',
        messages: [
          { kind: 'chat', from: 'a', text: 'm', ts: 1, room: '#lobby' },
          { kind: 'action', from: 'b', text: 'w', ts: 2, room: '#lobby' },
        ],
      },
    ]);
    expect(read({ type: 'backlog', entries: [], done: true, room: '#dev' })).toEqual([
      { kind: 'history', room: '#dev', messages: [] },
    ]);
  });

  it('joins room list parts, per list', () => {
    const { read } = reader();
    const room = (n: string) => ({ room: n, members: 1, topic: '' });
    expect(read({ type: 'room_list', rooms: [room('#a')], more: true })).toEqual([]);
    expect(read({ type: 'room_list', rooms: [room('#b')] })).toEqual([
      { kind: 'room-list', rooms: [room('#a'), room('#b')] },
    ]);
    expect(read({ type: 'room_list', rooms: [room('#c')], more: false })).toEqual([
      { kind: 'room-list', rooms: [room('#c')] },
    ]);
  });

  it("continues a room_joined only with that room's user_list; a list naming no room is #lobby's", () => {
    const { r, read } = reader();
    const list = (room?: string) => v2({ type: 'user_list', users: ['z'], ...(room ? { room } : {}) });
    expect(r.continuesJoin(list())).toBe(false);
    expect(r.continuesJoin(list('#dev'))).toBe(false);
    expect(r.continuesJoin(legacy({ typ: 'client_list_update_add', username: 'x', cont: [] }))).toBe(false);
    expect(
      read({ type: 'room_joined', room: '#dev', users: ['b', 'a'], topic: 't', ts: 4, more: true }),
    ).toEqual([]);
    expect(r.continuesJoin(list('#dev'))).toBe(true);
    expect(r.continuesJoin(list('#ops'))).toBe(false);
    expect(r.continuesJoin(list())).toBe(false);
    expect(r.continuesJoin(v2({ type: 'room_list', rooms: [], room: '#dev' }))).toBe(false);
    // Another room's list is that room's, not the join's.
    expect(read({ type: 'user_list', users: ['q'], room: '#ops' })).toEqual([
      { kind: 'users', room: '#ops', users: ['q'] },
    ]);
    expect(read({ type: 'user_list', users: ['c'], room: '#dev' })).toEqual([
      { kind: 'room-joined', room: '#dev', users: ['a', 'b', 'c'], topic: 't', ts: 4 },
    ]);
    expect(r.continuesJoin(list('#dev'))).toBe(false);
    expect(read({ type: 'user_list', users: ['d'], room: '#dev' })).toEqual([
      { kind: 'users', room: '#dev', users: ['d'] },
    ]);
  });

  it('forgets the roster of a room parted', () => {
    const { r, read } = reader();
    read({ type: 'room_joined', room: '#dev', users: ['a'], topic: '', ts: 1 });
    expect(read({ type: 'room_parted', room: '#dev', ts: 2 })).toEqual([
      { kind: 'room-parted', room: '#dev', ts: 2 },
    ]);
    expect(r.rosterOf('#dev').users).toEqual([]);
  });
});

describe('RoomReader: legacy', () => {
  it('joins on approved_conn with the name asked for, the rest of the list to come', () => {
    const { r, read } = reader();
    r.name = 'me';
    expect(read({ typ: 'approved_conn', username: '*server*', cont: '' })).toEqual([
      { kind: 'joined', name: 'me', users: ['me'], usersToCome: true, rooms: false },
    ]);
  });

  it('refuses the name with the server text, or a sentence of its own', () => {
    const { r, read } = reader();
    r.name = 'me';
    expect(read({ typ: 'username_taken', username: '*server*', cont: 'in use' })).toEqual([
      { kind: 'join-refused', code: 'NAME_TAKEN', message: 'in use' },
    ]);
    expect(r.name).toBeNull();
    expect(read({ typ: 'username_taken', username: '*server*', cont: ['x'] })).toEqual([
      { kind: 'join-refused', code: 'NAME_TAKEN', message: 'name refused' },
    ]);
  });

  it('reads lists: the first after approval silently, later additions as joins, removals without', () => {
    const { r, read } = reader();
    expect(read({ typ: 'client_list_update_add', username: '*server*', cont: ['a'] })).toEqual([]);
    r.name = 'me';
    // A list before approved_conn (a server out of order) is still the first: no join notices.
    expect(read({ typ: 'client_list_update_add', username: '*server*', cont: ['a'] })).toEqual([
      { kind: 'users', room: '#lobby', users: ['a', 'me'] },
    ]);
    read({ typ: 'approved_conn', username: '*server*', cont: '' });
    expect(read({ typ: 'client_list_update_add', username: '*server*', cont: 'a' })).toEqual([]);
    expect(read({ typ: 'client_list_update_add', username: '*server*', cont: ['me', 'b', 3, 'a'] })).toEqual([
      { kind: 'users', room: '#lobby', users: ['a', 'b', 'me'] },
    ]);
    expect(
      read({ typ: 'client_list_update_add', username: '*server*', cont: ['a', 'c', 'b', 'd'] }, 7),
    ).toEqual([
      { kind: 'presence', room: '#lobby', change: { kind: 'joined', names: ['c'], ts: 7 } },
      { kind: 'presence', room: '#lobby', change: { kind: 'joined', names: ['d'], ts: 7 } },
      { kind: 'users', room: '#lobby', users: ['a', 'b', 'c', 'd', 'me'] },
    ]);
    expect(read({ typ: 'disconnection', username: '*server*', cont: ['a', 'e'] })).toEqual([
      { kind: 'users', room: '#lobby', users: ['a', 'e', 'me'] },
    ]);
    // A new approval: its first list is silent again.
    read({ typ: 'approved_conn', username: '*server*', cont: '' });
    expect(read({ typ: 'client_list_update_add', username: '*server*', cont: ['f'] })).toEqual([
      { kind: 'users', room: '#lobby', users: ['f', 'me'] },
    ]);
  });

  it('reads an export as text, a list of lines joined by newlines', () => {
    const { read } = reader();
    expect(read({ typ: 'export', username: '*server*', cont: 'all' })).toEqual([
      { kind: 'export-text', text: 'all' },
    ]);
    expect(read({ typ: 'export', username: '*server*', cont: ['a', 'b'] })).toEqual([
      { kind: 'export-text', text: 'a\nb' },
    ]);
  });

  it("reads chat lines at arrival time, the server's lines as notices or leaves, and skips empty ones", () => {
    const { read } = reader();
    expect(read({ typ: 'msg', username: 'ann', cont: 'hi' }, 9)).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'ann', text: 'hi', ts: 9, room: '#lobby' } },
    ]);
    expect(read({ typ: 'whatever', username: 'ann', cont: ['a', null, 'b'] }, 9)).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'ann', text: 'a b', ts: 9, room: '#lobby' } },
    ]);
    expect(read({ typ: 'msg', username: 'ann', cont: '' })).toEqual([]);
    expect(read({ typ: 'msg', username: 'ann', cont: [null] })).toEqual([]);
    expect(read({ typ: 'msg', username: '*server*', cont: '[bob] has left the chat' }, 4)).toEqual([
      { kind: 'presence', room: '#lobby', change: { kind: 'left', names: ['bob'], ts: 4 } },
    ]);
    expect(read({ typ: 'msg', username: '*server*', cont: 'x[bob] has left the chat' }, 4)).toEqual([
      {
        kind: 'message',
        message: {
          kind: 'notice',
          from: '*server*',
          text: 'x[bob] has left the chat',
          ts: 4,
          room: '#lobby',
        },
      },
    ]);
    expect(read({ typ: 'msg', username: '*server*', cont: '[bob] has left the chat!' }, 4)[0]).toMatchObject({
      kind: 'message',
    });
  });
});
