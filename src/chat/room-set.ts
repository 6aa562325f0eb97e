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
 * before its own. A packet's room is found here for the model (`scope`: absent means `#lobby`, and
 * only a member of the room may name it), and so is the room a room_join enters (`entry`, within
 * maxRoomsPerMember and maxRooms). The chat model (room.ts) asks; nothing here sends anything.
 */
import { type ParleyError, parleyError } from '../errors.js';
import { type LeaveReason, type Limits, type NameRules, V2_NAME_RULES } from '../generated/constants.js';
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
    /** Joins and leaves are part of a room's history (v2, 7.7); legacy keeps chat lines only (10.5). */
    private readonly presenceInHistory = false,
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

  /** The room a packet names (absent: `#lobby`), if member `by` is in it; else why not (7.15). */
  scope(by: Id, wanted: string | undefined): ChatRoom<Id> | ParleyError {
    let room: ChatRoom<Id> | undefined = this.lobby;
    if (wanted !== undefined) {
      const verdict = this.check(wanted);
      if (!verdict.ok) return parleyError('ROOM_INVALID', verdict.message);
      room = this.find(verdict.keys);
    }
    if (room?.members.has(by)) return room;
    return parleyError('NOT_IN_ROOM', `you are not in ${room?.name ?? wanted}`);
  }

  /**
   * The room member `by` asks to join (room_join, 7.15), made if it does not exist, and whether the
   * member is new to it (a second join of one room is no change); or why not: ROOM_INVALID, or
   * TOO_MANY_ROOMS past maxRoomsPerMember or maxRooms. The caller puts a new member in (`enter`).
   */
  entry(by: Id, wanted: string): { room: ChatRoom<Id>; fresh: boolean } | ParleyError {
    const verdict = this.check(wanted);
    if (!verdict.ok) return parleyError('ROOM_INVALID', verdict.message);
    const existing = this.find(verdict.keys);
    if (existing?.members.has(by)) return { room: existing, fresh: false };
    const { maxRoomsPerMember, maxRooms } = this.limits;
    if (this.roomsOf(by).size >= maxRoomsPerMember) {
      const message = `you are in ${maxRoomsPerMember} rooms, the most one member may be in`;
      return parleyError('TOO_MANY_ROOMS', message);
    }
    if (!existing && this.others >= maxRooms) {
      const message = `the server has ${maxRooms} rooms besides #lobby, the most it holds`;
      return parleyError('TOO_MANY_ROOMS', message);
    }
    return { room: existing ?? this.make(verdict.name, verdict.keys), fresh: true };
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

  /** Member `id`, called `name`, joins `room` at `now` (`enter`, and the join kept in history). */
  join(id: Id, name: string, room: ChatRoom<Id>, now: number): void {
    this.enter(id, name, room);
    if (this.presenceInHistory) this.record(room, { kind: 'join', name, ts: now });
  }

  /** Member `id` leaves `room`; the last one out takes the conversation along (7.7, 7.15, 10.5). */
  leave(id: Id, name: string, room: ChatRoom<Id>, reason: LeaveReason, now: number): void {
    this.exit(id, name, room);
    if (room.size > 0 && this.presenceInHistory) this.record(room, { kind: 'leave', name, reason, ts: now });
  }

  /** The members that share a room with `id` (7.15), itself included; empty when not joined. */
  roommatesOf(id: Id): Set<Id> {
    const out = new Set<Id>();
    for (const room of this.roomsOf(id)) for (const m of room.members) out.add(m);
    return out;
  }

  /**
   * The key a room-scoped mute names the room by (7.15, 7.18): its first 7.2 key, so that every
   * spelling of one room is one mute. Null: no such room name (a mute of it would cover nothing).
   */
  muteKeyOf(wanted: string): string | null {
    const verdict = this.check(wanted);
    if (!verdict.ok) return null;
    return muteKey(this.find(verdict.keys) ?? { keys: verdict.keys });
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

/** A room's mute key (7.18): its first 7.2 key. */
export const muteKey = (room: { readonly keys: readonly string[] }): string => room.keys[0];
