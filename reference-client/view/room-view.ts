/**
 * Rooms in the view (spec 7.15, irssi's habits): one scrollback per room, the current room on
 * screen, unread and mention counts for the others, and what the room events (joined, parted,
 * topic, the room list) show. Functions over the view context; the room facts themselves (who is
 * where, topics, counts, which room is current) are the core's RoomBook (src/client/room-book.ts),
 * kept in the view state, so the TUI and --plain read the same state.
 *
 * How this works: `lines`, `scroll` and `unseen` of the view state are always those of the room on
 * screen (`shownRoom`), so scrolling, /clear and the drawing code know nothing of rooms; the other
 * rooms' lines wait in `buffers`, and switching (`showCurrent`) swaps them. A line from the server
 * about one room goes to that room (`addRoomLine`); the client's own reports and private messages
 * go to the room on screen. A server without the feature `rooms` is one room, `#lobby`.
 */

import { LOBBY, type RoomListing, sameRoom } from '../../src/client/index.js';
import { isForMe } from './notifications.js';
import { addLine, errorLine, type NewLine, systemLine } from './scrollback.js';
import { sanitize } from './text.js';
import { clipToWidth } from './text-layout.js';
import type { Effect, Line, ViewContext, Viewer, ViewState } from './view-types.js';

/** The room what the user types goes to: the current one, or `#lobby` before any join. */
export function currentRoom(s: Readonly<ViewState>): string {
  return s.rooms.current?.name ?? LOBBY;
}

/** The `room` field of a request for the current room: none on a server without rooms. */
export function roomTarget(s: Readonly<ViewState>): { room?: string } {
  return s.hasRooms ? { room: currentRoom(s) } : {};
}

/** Whether `room`'s lines are the ones on screen (always so before the first join). */
function isShown(s: Readonly<ViewState>, room: string): boolean {
  return s.shownRoom === null || sameRoom(s.shownRoom, room);
}

/** Adds a line about `room`: on screen when it is shown, else to its buffer. */
export function addRoomLine(ctx: ViewContext, room: string, line: NewLine): Line {
  const s = ctx.state;
  const known = s.rooms.find(room)?.name ?? room;
  if (isShown(s, known)) return addLine(ctx, { ...line, room: known });
  const full: Line = { ...line, room: known, id: ++s.lastLineId, ts: line.ts ?? ctx.now() };
  const buffer = bufferOf(s, known);
  buffer.lines.push(full);
  if (buffer.lines.length > ctx.maxLines) buffer.lines.splice(0, buffer.lines.length - ctx.maxLines);
  if (buffer.scroll > 0) {
    buffer.scroll++;
    buffer.unseen++;
  }
  return full;
}

/**
 * A chat line from the server arrived in a room not on screen: counted unread there (a mention
 * too when it is for the user), and the bell rings for a mention. False when the room is shown
 * (notifications.ts counts it then).
 */
export function noticeElsewhere(s: ViewState, line: Line, viewer: Viewer): boolean {
  if (!line.room || isShown(s, line.room) || line.history) return false;
  if (line.kind !== 'message' && line.kind !== 'action') return true;
  const forMe = isForMe(line, viewer);
  if (!forMe && line.from !== undefined && line.from === viewer.me) return true;
  s.rooms.arrived(line.room, forMe);
  if (forMe && s.bell) s.bells++;
  return true;
}

function bufferOf(s: ViewState, room: string) {
  let buffer = s.buffers.get(room);
  if (!buffer) {
    buffer = { lines: [], scroll: 0, unseen: 0 };
    s.buffers.set(room, buffer);
  }
  return buffer;
}

/** Puts the current room's lines and members on screen, keeping the lines of the one shown before. */
export function showCurrent(s: ViewState): void {
  const current = s.rooms.current;
  s.users = current ? [...current.users] : [];
  if (!current) return;
  if (s.shownRoom === null) {
    s.shownRoom = current.name; // what came before the first join belongs to the first room
    return;
  }
  if (s.shownRoom === current.name) return;
  s.buffers.set(s.shownRoom, { lines: s.lines, scroll: s.scroll, unseen: s.unseen });
  const next = bufferOf(s, current.name);
  s.buffers.delete(current.name);
  s.lines = next.lines;
  s.scroll = next.scroll;
  s.unseen = next.unseen;
  s.shownRoom = current.name;
  s.userScroll = 0;
}

/** Alt-1..9, Ctrl-N/P, /room: switches rooms; false (and nothing changes) when there is no such room. */
export function switchRoom(
  ctx: ViewContext,
  how: { index: number } | { step: 1 | -1 } | { name: string },
): boolean {
  const book = ctx.state.rooms;
  const done =
    'index' in how ? book.selectAt(how.index) : 'step' in how ? book.step(how.step) : book.select(how.name);
  if (done) showCurrent(ctx.state);
  return done;
}

/**
 * join_ok: the client is in `#lobby` (7.15) and nowhere else yet. The rooms it was in on the
 * connection before are joined again (irssi's habit), and the one that was current becomes
 * current again when its join is confirmed.
 */
export function enterLobby(ctx: ViewContext, users: readonly string[], hasRooms: boolean): Effect[] {
  const s = ctx.state;
  const before = s.rooms.rooms.map((r) => r.name).filter((name) => !sameRoom(name, LOBBY));
  const wasCurrent = s.rooms.current?.name ?? null;
  s.hasRooms = hasRooms;
  s.rooms.clear();
  s.rooms.enter(LOBBY, users);
  showCurrent(s);
  if (!hasRooms) return [];
  if (wasCurrent && !sameRoom(wasCurrent, LOBBY)) s.roomWanted = wasCurrent;
  return before.map((room) => ({ kind: 'room-join', room }));
}

/** room_joined: the client is in `room`; the room the user asked for becomes current. */
export function roomJoined(ctx: ViewContext, room: string, users: readonly string[], topic: string): void {
  const s = ctx.state;
  const again = s.rooms.find(room) !== undefined;
  s.rooms.enter(room, users, topic);
  if (s.roomWanted !== null && sameRoom(s.roomWanted, room)) {
    s.roomWanted = null;
    switchRoom(ctx, { name: room });
  } else if (sameRoom(currentRoom(s), room)) {
    s.users = [...users];
  }
  if (again) return;
  const n = users.length;
  addRoomLine(ctx, room, {
    kind: 'system',
    text: `now in ${sanitize(room)} (${n} ${n === 1 ? 'user' : 'users'})`,
  });
  if (topic) addRoomLine(ctx, room, { kind: 'system', text: `topic: ${sanitize(topic)}` });
}

/** room_parted: the client left `room`; its lines go, and the room before it is on screen. */
export function roomParted(ctx: ViewContext, room: string): void {
  const s = ctx.state;
  const name = s.rooms.find(room)?.name ?? room;
  if (!s.rooms.leave(name)) return;
  s.buffers.delete(name);
  if (s.shownRoom === name) {
    s.shownRoom = null; // the parted room's lines are dropped, not kept
    s.lines = [];
    s.scroll = 0;
    s.unseen = 0;
    const next = s.rooms.current;
    if (next) {
      const buffer = bufferOf(s, next.name);
      s.buffers.delete(next.name);
      Object.assign(s, { lines: buffer.lines, scroll: buffer.scroll, unseen: buffer.unseen });
      s.shownRoom = next.name;
    }
  }
  s.users = s.rooms.current ? [...s.rooms.current.users] : [];
  systemLine(
    ctx,
    s.rooms.current ? `left ${sanitize(name)}` : `left ${sanitize(name)}: in no room now (/join #ROOM)`,
  );
}

/** A room's user list changed. */
export function roomUsers(s: ViewState, room: string, users: readonly string[]): void {
  s.rooms.setUsers(room, users);
  if (sameRoom(currentRoom(s), room)) s.users = [...users];
}

/** topic_changed: the room's topic, and a line in the room saying who set it. */
export function topicChanged(ctx: ViewContext, room: string, topic: string, by: string, ts: number): void {
  ctx.state.rooms.setTopic(room, topic);
  const text = topic === '' ? ' cleared the topic' : ` changed the topic to: ${topic}`;
  addRoomLine(ctx, room, { kind: 'join', from: by, text, ts });
}

/** The answer to /rooms: one line per room, with its members and topic. */
export function showRoomList(ctx: ViewContext, rooms: readonly RoomListing[]): void {
  systemLine(ctx, `${rooms.length} ${rooms.length === 1 ? 'room' : 'rooms'} on the server:`);
  for (const r of rooms) {
    const mine = ctx.state.rooms.find(r.room) ? ' (joined)' : '';
    const topic = r.topic ? `: ${sanitize(r.topic)}` : '';
    systemLine(
      ctx,
      `  ${sanitize(r.room)} ${r.members} ${r.members === 1 ? 'member' : 'members'}${mine}${topic}`,
    );
  }
}

/** Rooms need a server that agreed them: says so and returns false otherwise. */
export function needsRooms(ctx: ViewContext, command: string): boolean {
  const s = ctx.state;
  if (s.status.connection !== 'joined') {
    errorLine(ctx, undefined, `/${command} needs a connection: nothing was sent`);
    return false;
  }
  if (!s.hasRooms) {
    errorLine(ctx, undefined, `/${command}: this server has no rooms (everyone is in ${LOBBY})`);
    return false;
  }
  return true;
}

/** All lines after the id `after`, of every room, oldest first (--plain prints them all). */
export function linesAfter(s: Readonly<ViewState>, after: number): Line[] {
  const found = s.lines.filter((l) => l.id > after);
  for (const buffer of s.buffers.values()) for (const l of buffer.lines) if (l.id > after) found.push(l);
  return found.sort((a, b) => a.id - b.id);
}

export interface SidebarRoom {
  /** `1 #dev 3`: the number Alt takes, the name clipped to the width, the unread count. */
  readonly text: string;
  readonly current: boolean;
  /** Lines arrived unseen there. */
  readonly unread: boolean;
  /** Of those, some mention the user: highlighted. */
  readonly mention: boolean;
}

/** The room list of the sidebar (irssi's habits): one row per room, at most `rows`, in `width` columns. */
export function sidebarRooms(s: Readonly<ViewState>, rows: number, width: number): SidebarRoom[] {
  return s.rooms.rooms.slice(0, Math.max(0, rows)).map((r, i) => {
    const number = i < 9 ? `${i + 1}` : ' ';
    const count = r.unread > 0 ? ` ${r.unread}` : '';
    const room = Math.max(1, width - number.length - 1 - count.length);
    return {
      text: `${number} ${clipToWidth(sanitize(r.name), room)}${count}`,
      current: r === s.rooms.current,
      unread: r.unread > 0,
      mention: r.mentions > 0,
    };
  });
}
