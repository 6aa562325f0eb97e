/**
 * The rooms of a server (spec 7.15): which rooms exist, who is in which, and the bounds on them
 * (maxRooms, maxRoomsPerMember, the history's historyTotal).
 *
 * How this works: every room (chat-room.ts) is found by each of its two 7.2 keys, so `#Tea` finds
 * `#tea`. `#lobby` always exists; any other room is made by the first member to join it and
 * forgotten (history, topic, name) when its last member leaves, and `#lobby` loses its history and
 * topic the same way. Histories are bounded per room by `history` and together by historyTotal:
 * when a new entry makes one too many, the oldest entry of the room holding the most goes (ties:
 * the room whose oldest entry is oldest), so one busy room cannot empty the quiet ones' history
 * before its own. The chat model (room.ts) asks; nothing here sends anything.
 */
import { type Limits, type NameRules, V2_NAME_RULES } from '../generated/constants.js';
import { ChatRoom, LOBBY } from './chat-room.js';
import type { HistoryEntry } from './history.js';
import { compareCodePoints, foldCase, nameForm, nameKeys } from './name-rules.js';

/** The limits the rooms apply (11). */
export type RoomSetLimits = Pick<
  Limits,
  'history' | 'historyTotal' | 'maxRooms' | 'maxRoomsPerMember' | 'maxRoomName'
>;

export type RoomNameVerdict =
  | { readonly ok: true; readonly name: string; readonly keys: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** One line of a room list (7.15). */
export interface RoomListing {
  readonly room: string;
  readonly members: number;
  readonly topic: string;
}

const NONE: ReadonlySet<never> = new Set();

export class RoomSet<Id> {
  readonly lobby: ChatRoom<Id>;
  /** Every existing room, `#lobby` first. */
  private readonly all = new Set<ChatRoom<Id>>();
  /** Each room by each of its keys. */
  private readonly byKey = new Map<string, ChatRoom<Id>>();
  /** The rooms each member is in. */
  private readonly ofMember = new Map<Id, Set<ChatRoom<Id>>>();
  /** History entries held over all rooms (historyTotal). */
  private held = 0;

  constructor(
    /** The rules member names are sorted by in each room's list. */
    private readonly memberRules: NameRules,
    private readonly limits: RoomSetLimits,
  ) {
    this.lobby = this.make(LOBBY, nameKeys(V2_NAME_RULES, LOBBY.slice(1)));
  }

  /** Rooms that exist besides `#lobby` (maxRooms counts these). */
  get others(): number {
    return this.all.size - 1;
  }

  /** A wanted room name's recorded form and keys, or why it is not a room name (ROOM_INVALID). */
  check(wanted: string): RoomNameVerdict {
    if (!wanted.startsWith('#')) return { ok: false, message: 'a room name starts with #' };
    const form = nameForm(V2_NAME_RULES, this.limits.maxRoomName, wanted.slice(1));
    if (!form.ok) return { ok: false, message: `after the #, ${form.message}` };
    return { ok: true, name: `#${form.name}`, keys: nameKeys(V2_NAME_RULES, form.name) };
  }

  /** The existing room with one of these keys. */
  find(keys: readonly string[]): ChatRoom<Id> | undefined {
    for (const key of keys) {
      const room = this.byKey.get(key);
      if (room) return room;
    }
    return undefined;
  }

  /** The rooms member `id` is in. */
  roomsOf(id: Id): ReadonlySet<ChatRoom<Id>> {
    return this.ofMember.get(id) ?? NONE;
  }

  /** Makes a room that does not exist yet (the caller checked maxRooms). */
  create(name: string, keys: readonly string[]): ChatRoom<Id> {
    return this.make(name, keys);
  }

  /** Puts member `id`, called `name`, in `room`. */
  enter(id: Id, name: string, room: ChatRoom<Id>): void {
    room.members.add(id);
    room.names.add(name);
    let rooms = this.ofMember.get(id);
    if (!rooms) this.ofMember.set(id, (rooms = new Set()));
    rooms.add(room);
  }

  /** Takes member `id`, called `name`, out of `room`; an emptied room is forgotten (7.15). */
  exit(id: Id, name: string, room: ChatRoom<Id>): void {
    if (!room.members.delete(id)) return;
    room.names.remove(name);
    const rooms = this.ofMember.get(id);
    rooms?.delete(room);
    if (rooms?.size === 0) this.ofMember.delete(id);
    if (room.size === 0) this.forget(room);
  }

  /** A member's new name in the list of every room it is in (7.11). */
  rename(id: Id, from: string, to: string): void {
    for (const room of this.roomsOf(id)) {
      room.names.remove(from);
      room.names.add(to);
    }
  }

  /** Keeps an entry in `room`'s history, within `history` for the room and historyTotal for all. */
  record(room: ChatRoom<Id>, entry: HistoryEntry): void {
    const before = room.history.size;
    room.history.record(entry);
    this.held += room.history.size - before;
    while (this.held > this.limits.historyTotal) {
      this.largest().history.dropOldest();
      this.held--;
    }
  }

  /** Every existing room, sorted by the case-folded name in code point order (7.15). */
  list(): RoomListing[] {
    return this.sorted().map((room) => ({ room: room.name, members: room.size, topic: room.topic }));
  }

  /**
   * The rooms themselves in list order (7.15): a room list's reply reads each as it is when its
   * part is made (v2-room-packets.ts).
   */
  sorted(): ChatRoom<Id>[] {
    return [...this.all]
      .filter((room) => room.size > 0)
      .map((room) => ({ fold: foldCase(room.name), room }))
      .sort((a, b) => compareCodePoints(a.fold, b.fold) || compareCodePoints(a.room.name, b.room.name))
      .map(({ room }) => room);
  }

  /** Drops every room's history (the server stops, 7.9). */
  clearHistory(): void {
    for (const room of this.all) room.history.clear();
    this.held = 0;
  }

  private make(name: string, keys: readonly string[]): ChatRoom<Id> {
    const room = new ChatRoom<Id>(name, keys, this.memberRules, this.limits.history);
    this.all.add(room);
    for (const key of keys) this.byKey.set(key, room);
    return room;
  }

  /** An emptied room leaves nothing behind (7.15); `#lobby` stays, without history or topic. */
  private forget(room: ChatRoom<Id>): void {
    this.held -= room.history.size;
    room.history.clear();
    room.topic = '';
    if (room === this.lobby) return;
    this.all.delete(room);
    for (const key of room.keys) this.byKey.delete(key);
  }

  /** The room holding the most entries; of equals, the one whose oldest entry is oldest. */
  private largest(): ChatRoom<Id> {
    let best = this.lobby;
    for (const room of this.all) {
      const [a, b] = [room.history, best.history];
      if (a.size > b.size || (a.size === b.size && a.size > 0 && a.oldest!.ts < b.oldest!.ts)) best = room;
    }
    return best;
  }
}
