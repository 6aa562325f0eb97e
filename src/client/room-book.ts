/**
 * The rooms a client is in (spec 7.15), as a client keeps them: for each room its members, its
 * topic, and how many lines arrived there unseen (and how many of those were for the user), plus
 * which room is the current one (where what the user types goes, and what a screen shows). Pure:
 * no clock is needed, every change comes in as a call.
 *
 * How this works: the view (TUI or --plain) feeds it the session's events: `enter` on join_ok
 * (`#lobby`, which every member is put in, 7.15) and on each `room_joined`, `leave` on
 * `room_parted`, `setUsers` and `setTopic` as lists and topics change, and `arrived` for each
 * chat line from someone else. Rooms keep the order they were joined in (Alt-1 is the first), and
 * switching (`select`, `selectAt`, `step`) marks the room switched to as read. A server without
 * the feature `rooms` (a 2.0 or legacy server) is one room, `#lobby`, and nothing else changes.
 * Room names compare by the keys of 7.2 after the `#` (`#Lobby` is `#lobby`); the server always
 * names a room in its recorded spelling, which is the one kept here.
 */
import { sameName } from '../chat/name-rules.js';
import { V2_NAME_RULES } from '../generated/constants.js';

/** The room every member is put in at join_ok, and the only one without the feature `rooms`. */
export const LOBBY = '#lobby';

export interface RoomState {
  /** The room's name as the server records it. */
  readonly name: string;
  users: readonly string[];
  /** `''` when it has none. */
  topic: string;
  /** Chat lines from others that arrived while another room was current. */
  unread: number;
  /** Of those, lines for the user: mentions of their name. */
  mentions: number;
}

/** Whether `text` has the form of a room name: `#` and then at least one character, no space. */
export function isRoomName(text: string): boolean {
  return /^#[^\s#]\S*$/u.test(text);
}

/** Whether two room names name one room (7.15: the user-name keys of 7.2 after the `#`). */
export function sameRoom(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.startsWith('#') || !b.startsWith('#') || a.length < 2 || b.length < 2) return false;
  return sameName(V2_NAME_RULES, a.slice(1).normalize('NFC'), b.slice(1).normalize('NFC'));
}

export class RoomBook {
  private list: RoomState[] = [];
  private at = -1;

  /** The rooms in the order they were joined. */
  get rooms(): readonly Readonly<RoomState>[] {
    return this.list;
  }

  /** The current room, or null when the client is in none. */
  get current(): Readonly<RoomState> | null {
    return this.list[this.at] ?? null;
  }

  /** The room named `name` (any spelling of it), if the client is in it. */
  find(name: string): Readonly<RoomState> | undefined {
    return this.list.find((r) => sameRoom(r.name, name));
  }

  /**
   * The client is in `room` (join_ok's `#lobby`, or `room_joined`): a new room goes last, a room
   * it was already in (an idempotent join) gets the fresh list and topic. The first room the
   * client is in becomes the current one.
   */
  enter(room: string, users: readonly string[], topic = ''): Readonly<RoomState> {
    let state = this.find(room) as RoomState | undefined;
    if (state) {
      state.users = [...users];
      state.topic = topic;
    } else {
      state = { name: room, users: [...users], topic, unread: 0, mentions: 0 };
      this.list.push(state);
    }
    if (this.at < 0) this.at = this.list.indexOf(state);
    return state;
  }

  /**
   * The client left `room` (room_parted). When it was the current room, the one joined before it
   * becomes current (or the next, when it was the first). False when the client was not in it.
   */
  leave(room: string): boolean {
    const i = this.list.findIndex((r) => sameRoom(r.name, room));
    if (i < 0) return false;
    this.list.splice(i, 1);
    if (i < this.at || (i === this.at && this.at > 0)) this.at--;
    if (this.list.length === 0) this.at = -1;
    else this.clearCounts(this.at);
    return true;
  }

  /** The client is in no room any more (a new connection starts over in `#lobby`). */
  clear(): void {
    this.list = [];
    this.at = -1;
  }

  setUsers(room: string, users: readonly string[]): void {
    const state = this.find(room) as RoomState | undefined;
    if (state) state.users = [...users];
  }

  setTopic(room: string, topic: string): void {
    const state = this.find(room) as RoomState | undefined;
    if (state) state.topic = topic;
  }

  /** The rooms `name` is in, as far as this client can see (a rename or away change shows there). */
  roomsWith(name: string, same: (a: string, b: string) => boolean): Readonly<RoomState>[] {
    return this.list.filter((r) => r.users.some((u) => same(u, name)));
  }

  /**
   * A chat line from someone else arrived in `room`: counted as unread (and as a mention when it
   * is `forMe`) unless the room is the current one. True when it was counted.
   */
  arrived(room: string, forMe: boolean): boolean {
    const state = this.find(room) as RoomState | undefined;
    if (!state || state === this.list[this.at]) return false;
    state.unread++;
    if (forMe) state.mentions++;
    return true;
  }

  /** Makes `name` the current room and marks it read; false when the client is not in it. */
  select(name: string): boolean {
    const i = this.list.findIndex((r) => sameRoom(r.name, name));
    return i >= 0 && this.selectAt(i);
  }

  /** Makes the room at `index` (0 = the first joined) current; false when there is none. */
  selectAt(index: number): boolean {
    if (index < 0 || index >= this.list.length) return false;
    this.at = index;
    this.clearCounts(index);
    return true;
  }

  /** The next (`+1`) or previous (`-1`) room becomes current, round the end; false with none. */
  step(by: 1 | -1): boolean {
    const n = this.list.length;
    return n > 0 && this.selectAt((((this.at + by) % n) + n) % n);
  }

  /** `index` is always a room held (leave and selectAt check it first). */
  private clearCounts(index: number): void {
    const state = this.list[index];
    state.unread = 0;
    state.mentions = 0;
  }
}
