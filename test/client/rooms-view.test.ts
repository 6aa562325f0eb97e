/**
 * Rooms in the view model (7.15, irssi's habits): per-room scrollback, the current room where
 * typed lines go, unread and mention counts in the room list, switching with Alt-1..9, Ctrl-N and
 * Ctrl-P or /room, the room commands, the status bar, and a server without rooms as one #lobby.
 */
import { describe, expect, it } from 'vitest';
import { plainLine } from '../../reference-client/view/line-format.js';
import { sidebarRooms } from '../../reference-client/view/room-view.js';
import type { ViewModel } from '../../reference-client/view/view-model.js';
import type { SessionEvent } from '../../src/client/events.js';
import { joinedModel } from './support/joined-model.js';

/** Joined as `me` on a server that agreed rooms, with `bob` in #lobby. */
function roomsModel(): ViewModel {
  const vm = joinedModel(['me', 'bob']);
  vm.apply({ kind: 'joined', name: 'me', users: ['me', 'bob'], rooms: true });
  return vm;
}

const said = (room: string, from: string, text: string): SessionEvent => ({
  kind: 'message',
  message: { kind: 'chat', from, text, ts: 5, room },
});

const texts = (vm: ViewModel) => vm.state.lines.map((l) => plainLine(l, vm.viewer));

/** `/join #dev` answered by the server. */
function joinDev(vm: ViewModel, users = ['me', 'cat']): void {
  expect(vm.submitLine('/join dev')).toEqual([{ kind: 'room-join', room: '#dev' }]);
  vm.apply({ kind: 'room-joined', room: '#dev', users, topic: 'ship it', ts: 3 });
}

describe('rooms in the view', () => {
  it('joins a room, makes it current, and sends what is typed there', () => {
    const vm = roomsModel();
    joinDev(vm);
    expect(vm.currentRoom).toBe('#dev');
    expect(vm.state.users).toEqual(['me', 'cat']);
    expect(texts(vm)).toEqual(['now in #dev (2 users)', 'topic: ship it']);
    expect(vm.submitLine('hello')).toEqual([{ kind: 'say', text: 'hello', room: '#dev' }]);
    expect(vm.submitLine('/me waves')).toEqual([{ kind: 'me', text: 'waves', room: '#dev' }]);
    expect(vm.submitLine('/msg bob psst')).toEqual([{ kind: 'msg', to: 'bob', text: 'psst' }]);
    expect(vm.submitLine('/users')).toContainEqual({ kind: 'who', room: '#dev' });
    expect(vm.submitLine('/export')).toEqual([{ kind: 'export', room: '#dev' }]);
  });

  it('keeps one scrollback per room and counts unread lines and mentions of the others', () => {
    const vm = roomsModel();
    joinDev(vm);
    vm.apply(said('#lobby', 'bob', 'in the lobby'));
    vm.apply(said('#lobby', 'bob', 'hey me, look'));
    vm.apply(said('#dev', 'cat', 'in dev'));
    expect(texts(vm).at(-1)).toMatch(/<cat> in dev$/);
    expect(texts(vm).some((t) => t.includes('in the lobby'))).toBe(false);
    expect(vm.rooms.map((r) => [r.name, r.unread, r.mentions])).toEqual([
      ['#lobby', 2, 1],
      ['#dev', 0, 0],
    ]);
    expect(vm.state.bells).toBe(1);
    const rows = sidebarRooms(vm.state, 10, 16);
    expect(rows.map((r) => r.text)).toEqual(['1 #lobby 2', '2 #dev']);
    expect(rows[0]).toMatchObject({ unread: true, mention: true, current: false });
    expect(rows[1]).toMatchObject({ current: true, unread: false });
    vm.key('M-1');
    expect(vm.currentRoom).toBe('#lobby');
    expect(texts(vm).some((t) => t.includes('in the lobby'))).toBe(true);
    expect(texts(vm).some((t) => t.includes('in dev'))).toBe(false);
    expect(vm.rooms[0]).toMatchObject({ unread: 0, mentions: 0 });
    expect(vm.state.users).toEqual(['me', 'bob']);
    vm.key('C-n');
    expect(vm.currentRoom).toBe('#dev');
    vm.key('C-p');
    expect(vm.currentRoom).toBe('#lobby');
    vm.key('M-9');
    expect(vm.currentRoom).toBe('#lobby');
    // Every line of every room, in order, for --plain.
    expect(
      vm
        .linesAfter(0)
        .filter((l) => l.room === '#dev')
        .map((l) => l.text),
    ).toContain('in dev');
  });

  it('/room switches only to a room the client is in; /join of one it is in switches without a request', () => {
    const vm = roomsModel();
    joinDev(vm);
    expect(vm.submitLine('/room #lobby')).toEqual([]);
    expect(vm.currentRoom).toBe('#lobby');
    expect(texts(vm).at(-1)).toBe('now talking in #lobby');
    expect(vm.submitLine('/join #DEV')).toEqual([]);
    expect(vm.currentRoom).toBe('#dev');
    vm.submitLine('/room #ops');
    expect(texts(vm).at(-1)).toBe('error: /room: not in #ops (in: #lobby, #dev); /join it first');
    expect(vm.currentRoom).toBe('#dev');
  });

  it('parts the current room by default and shows the room before it', () => {
    const vm = roomsModel();
    joinDev(vm);
    expect(vm.submitLine('/part')).toEqual([{ kind: 'room-part', room: '#dev' }]);
    expect(vm.submitLine('/part #lobby')).toEqual([{ kind: 'room-part', room: '#lobby' }]);
    vm.apply({ kind: 'room-parted', room: '#dev', ts: 4 });
    expect(vm.currentRoom).toBe('#lobby');
    expect(texts(vm).at(-1)).toBe('left #dev');
    vm.apply({ kind: 'room-parted', room: '#lobby', ts: 5 });
    expect(vm.rooms).toEqual([]);
    expect(texts(vm).at(-1)).toBe('left #lobby: in no room now (/join #ROOM)');
    vm.submitLine('/part');
    expect(texts(vm).at(-1)).toBe('error: /part: in no room now');
  });

  it('routes presence, topics, backlog and renames to their rooms', () => {
    const vm = roomsModel();
    joinDev(vm, ['me', 'bob', 'cat']);
    vm.apply({
      kind: 'presence',
      room: '#dev',
      change: { kind: 'left', names: ['cat'], reason: 'part', ts: 6 },
    });
    vm.apply({ kind: 'users', room: '#dev', users: ['me', 'bob'] });
    expect(vm.state.users).toEqual(['me', 'bob']);
    vm.apply({ kind: 'topic', room: '#dev', topic: 'v2', by: 'bob', ts: 7 });
    vm.apply({
      kind: 'history',
      room: '#lobby',
      messages: [{ kind: 'chat', from: 'bob', text: 'old', ts: 1 }],
    });
    vm.apply({ kind: 'renamed', from: 'bob', to: 'rob', ts: 8 });
    const dev = texts(vm).map((t) => t.replace(/^\[[\d:]+\] /, ''));
    expect(dev.slice(2)).toEqual([
      '-!- cat left (part)',
      '-!- bob changed the topic to: v2',
      '-!- bob is now known as rob',
    ]);
    expect(vm.rooms[1].topic).toBe('v2');
    expect(vm.submitLine('/topic')).toEqual([]);
    expect(texts(vm).at(-1)).toBe('topic of #dev: v2');
    expect(vm.submitLine('/topic -')).toEqual([{ kind: 'topic', room: '#dev', topic: '' }]);
    expect(vm.submitLine('/topic new one')).toEqual([{ kind: 'topic', room: '#dev', topic: 'new one' }]);
    vm.apply({ kind: 'topic', room: '#dev', topic: '', by: 'me', ts: 9 });
    expect(texts(vm).at(-1)).toMatch(/-!- me cleared the topic$/);
    vm.key('M-1');
    const lobby = texts(vm).join('\n');
    expect(lobby).toContain('history [');
    expect(lobby).toContain('bob is now known as rob');
    expect(vm.rooms[0].unread).toBe(0); // history and presence are not unread lines
  });

  it('shows the current room and its topic in the status bar', () => {
    const vm = roomsModel();
    joinDev(vm);
    const texts = vm.statusSegments().map((s) => s.text);
    expect(texts).toContain('#dev');
    expect(texts).toContain('ship it');
  });

  it('lists the server rooms for /rooms', () => {
    const vm = roomsModel();
    expect(vm.submitLine('/rooms')).toEqual([{ kind: 'rooms' }]);
    vm.apply({
      kind: 'room-list',
      rooms: [
        { room: '#dev', members: 1, topic: '' },
        { room: '#lobby', members: 2, topic: 'welcome' },
      ],
    });
    expect(texts(vm).slice(-3)).toEqual([
      '2 rooms on the server:',
      '  #dev 1 member',
      '  #lobby 2 members (joined): welcome',
    ]);
  });

  it('joins again the rooms it was in after a reconnect, and returns to the current one', () => {
    const vm = roomsModel();
    joinDev(vm);
    vm.connectionLost('gone', 100, 1);
    const again = vm.apply({ kind: 'joined', name: 'me', users: ['me'], rooms: true });
    expect(again).toContainEqual({ kind: 'room-join', room: '#dev' });
    expect(vm.currentRoom).toBe('#lobby');
    vm.apply({ kind: 'room-joined', room: '#dev', users: ['me'], topic: '', ts: 9 });
    expect(vm.currentRoom).toBe('#dev');
    expect(texts(vm).some((t) => t.includes('now in #dev'))).toBe(true);
  });

  it('on a server without rooms, everything is #lobby and the room commands say so', () => {
    const vm = joinedModel(['me', 'bob']);
    expect(vm.currentRoom).toBe('#lobby');
    expect(vm.submitLine('hi')).toEqual([{ kind: 'say', text: 'hi' }]);
    expect(vm.submitLine('/users')).toContainEqual({ kind: 'who' });
    for (const command of ['/join #dev', '/part', '/rooms', '/topic x']) {
      expect(vm.submitLine(command)).toEqual([]);
      expect(texts(vm).at(-1)).toMatch(/this server has no rooms \(everyone is in #lobby\)$/);
    }
    vm.submitLine('/topic');
    expect(texts(vm).at(-1)).toBe('this server has no topics (no rooms)');
    vm.apply(said('#lobby', 'bob', 'hey'));
    expect(texts(vm).at(-1)).toMatch(/<bob> hey$/);
    expect(vm.statusSegments().map((s) => s.text)).toContain('#lobby');
  });

  it('room commands need a connection, and a bad room name is a usage error', () => {
    const vm = roomsModel();
    vm.connectionLost('gone', null, 1);
    vm.submitLine('/join #dev');
    expect(texts(vm).at(-1)).toBe('error: /join needs a connection: nothing was sent');
    vm.submitLine('/join #');
    expect(texts(vm).at(-1)).toBe('error: usage: /join #ROOM');
  });
});

describe('Tab and rooms', () => {
  it('completes the names of the rooms the client is in', () => {
    const vm = roomsModel();
    joinDev(vm);
    vm.insert('/room #d');
    vm.key('tab');
    expect(vm.state.input).toBe('/room #dev ');
  });
});

describe('rooms and /server', () => {
  it('joins none of the old server rooms on the new server', () => {
    const vm = roomsModel();
    joinDev(vm);
    vm.serverChanged('other:1');
    expect(vm.apply({ kind: 'joined', name: 'me', users: ['me'], rooms: true })).toEqual([]);
    expect(vm.rooms.map((r) => r.name)).toEqual(['#lobby']);
  });
});

describe('a room join under way', () => {
  it('holds --plain (not idle) until the server answers, with the room or an error', () => {
    const vm = roomsModel();
    vm.submitLine('/join #dev');
    expect(vm.roomJoinPending).toBe(true);
    expect(vm.idle).toBe(false);
    vm.apply({ kind: 'room-joined', room: '#dev', users: ['me'], topic: '', ts: 3 });
    expect(vm.roomJoinPending).toBe(false);
    vm.submitLine('/join #a,b');
    vm.apply({ kind: 'error', code: 'ROOM_INVALID', message: 'not a room name', fatal: false });
    expect(vm.roomJoinPending).toBe(false);
    expect(vm.idle).toBe(true);
    expect(vm.currentRoom).toBe('#dev');
  });
});
