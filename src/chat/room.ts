/**
 * The chat model (spec 7.2-7.15, 10.2-10.5): the one place that decides. Who is joined under which
 * name, who is in which room (room-set.ts), whether a chat packet may go out (length, room), what
 * id and time it gets, whom it reaches, and the conversation kept in memory for export.
 * Wire-agnostic: a request comes in as data, a decision goes out as data (room-decision.ts), and a
 * wire dialect (v2-dialect.ts, legacy-dialect.ts) turns the decision into its own packets. The
 * model never calls anyone.
 *
 * How this works: who is on the server under which name, away or idle, is held by
 * member-roster.ts (names compared under the profile's name rules); which rooms exist and who is
 * in each, by room-set.ts. Names, away state and ids are server-wide, rooms scope chat, presence
 * and history (7.15). Joining puts a member in `#lobby`, so a client that knows nothing of rooms
 * lives there. The rate limit (7.8) is not the model's: every packet is charged
 * before it reaches it, in one place (chat-server.ts, rate-limit.ts). History is held in memory
 * only, per room, and cleared when the room empties or the server stops (the original's behaviour).
 * A member may be keyed (7.16): the key its connection proved before joining is one of its facts,
 * with its address hash and the features it agreed (member-keys.ts). Reserved names (7.17) and the
 * operators' bans and mutes (7.18) are checked here too, from reservations.ts and moderation.ts
 * when the server has them; the moderation requests themselves are decided in moderate.ts.
 */
import { ParleyError, parleyError } from '../errors.js';
import type { LeaveReason, Limits, NameRules } from '../generated/constants.js';
import type { ChatEntry, ChatRoom } from './chat-room.js';
import type { History, HistoryEntry } from './history.js';
import { MemberKeys } from './member-keys.js';
import { MemberRoster } from './member-roster.js';
import type { Moderation } from './moderation.js';
import type { Reservations } from './reservations.js';
import type {
  MemberFacts,
  NameVerdict,
  RoomDecision,
  RoomModerationRequest,
  RoomRequest,
} from './room-decision.js';
import { isModerationRequest } from './room-decision.js';
import { muteKey, RoomSet } from './room-set.js';

export type { ChatEntry } from './chat-room.js';
export { ChatRoom, LOBBY } from './chat-room.js';
export type { HistoryEntry } from './history.js';
export type * from './room-decision.js';
export type { RoomListing } from './room-set.js';

/** What a server may add to its model: reserved names (7.17), operators and bans (7.18). */
export interface RoomGuards {
  readonly reservations?: Reservations;
  readonly moderation?: Moderation;
  /** Decides the operators' requests (moderate.ts); with `moderation`. */
  readonly moderate?: <Id>(
    room: Room<Id>,
    by: Id,
    request: RoomModerationRequest,
    now: number,
  ) => RoomDecision<Id>;
}

/** The limits the model applies (11). */
export type RoomLimits = Pick<
  Limits,
  | 'maxName'
  | 'maxMessage'
  | 'history'
  | 'historyTotal'
  | 'maxRooms'
  | 'maxRoomsPerMember'
  | 'maxRoomName'
  | 'maxTopic'
>;

/** What a muted member is told (7.18). */
const MUTED_LINE = 'an operator muted you: nobody got that line';
const MUTED_AWAY = 'an operator muted you: no away reason is shown (away without one still works)';
const MUTED_ROOM =
  'an operator muted you: a new room would show its name to everyone (joining one that exists works)';

export class Room<Id> {
  /** Who is on the server: names, away, idle, rooms-aware (member-roster.ts). */
  private readonly roster: MemberRoster<Id>;
  /** Which rooms exist and who is in each (7.15). */
  readonly rooms: RoomSet<Id>;
  private sequence = 0;
  /** Keys, address hashes and features of the members (7.16, 7.18). */
  private readonly keys = new MemberKeys<Id>();

  /**
   * `presenceInHistory`: joins and leaves are part of the conversation kept for export (v2, 7.7);
   * legacy exports chat lines only (10.5).
   */
  constructor(
    rules: NameRules,
    private readonly limits: RoomLimits,
    presenceInHistory = false,
    readonly guards: RoomGuards = {},
  ) {
    this.roster = new MemberRoster(rules, limits.maxName);
    this.rooms = new RoomSet(rules, limits, presenceInHistory);
  }

  /** Decides on one request from member (or joiner) `by` at `now`. */
  decide(by: Id, request: RoomRequest, now: number): RoomDecision<Id> {
    if (isModerationRequest(request)) {
      // Decided in moderate.ts, handed in with the guards (room-guards.ts): no operator, no moderation.
      if (this.guards.moderate) return this.guards.moderate(this, by, request, now);
      return {
        kind: 'notice',
        by,
        error: parleyError('NOT_OPERATOR', 'this server has no operators (7.18)'),
      };
    }
    switch (request.kind) {
      case 'join': {
        const facts = this.keys.factsFor(by, request, this.guards.moderation);
        const verdict = this.checkName(request.name, undefined, facts.fingerprint, now);
        if (!verdict.ok) return { kind: 'refused', by, verdict };
        // 7.18: a ban made after this connection was accepted or proved its key.
        const banned = this.bannedAt(by, facts, now);
        if (banned) return banned;
        this.roster.join(by, verdict.name, now, request.rooms === true);
        this.keys.joined(by, verdict.name, facts);
        this.guards.reservations?.take(verdict.name, facts.fingerprint, now);
        const room = this.rooms.lobby;
        this.rooms.join(by, verdict.name, room, now);
        return { kind: 'joined', by, name: verdict.name, ts: now, room };
      }
      case 'prove': {
        const banned = this.bannedAt(by, { fingerprint: request.fingerprint, addr: null }, now);
        if (banned) return banned;
        this.keys.prove(by, request.fingerprint);
        return { kind: 'none', by };
      }
      case 'say': {
        const room = this.rooms.scope(by, request.room);
        if (room instanceof ParleyError) return { kind: 'notice', by, error: room };
        const refused = this.checkLength(by, request.text) ?? this.checkMuted(by, [room], now, MUTED_LINE);
        if (refused) return refused;
        const from = this.roster.nameOf(by)!;
        this.roster.active(by, now);
        const kind = request.action ? 'action' : 'message';
        this.rooms.record(room, { kind, from, text: request.text, ts: now });
        const { text, action } = request;
        return { kind: 'message', by, id: ++this.sequence, from, text, action, ts: now, room };
      }
      case 'msg': {
        const refused = this.checkLength(by, request.text);
        if (refused) return refused;
        const target = this.idOf(request.to);
        if (target === undefined) return this.noSuchUser(by, request.to);
        const from = this.roster.nameOf(by)!;
        const to = this.roster.nameOf(target)!;
        // No roster.active here: idle counts public acts only (7.13), or polling whois would tell
        // who is sending private messages. Private messages are server-wide (7.15).
        const id = ++this.sequence;
        const targetAway = target === by ? undefined : this.roster.awayOf(target);
        const decision = { kind: 'private', by, target, id, from, to, text: request.text, ts: now } as const;
        return targetAway === undefined ? decision : { ...decision, targetAway };
      }
      case 'who':
      case 'export': {
        const room = this.rooms.scope(by, request.room);
        if (room instanceof ParleyError) return { kind: 'notice', by, error: room };
        return { kind: request.kind, by, room };
      }
      case 'nick': {
        // 7.18: a new name is shown in every room the member shares, as its words would be.
        const muted = this.checkMuted(by, this.roomsOf(by), now, 'an operator muted you: you keep your name');
        if (muted) return muted;
        const fingerprint = this.keys.of(by)?.fingerprint ?? null;
        const verdict = this.checkName(request.name, by, fingerprint, now);
        if (!verdict.ok) return { kind: 'rename-refused', by, verdict };
        this.roster.active(by, now);
        // The member keeps its place (join order); its name's keys and the rooms' sorted lists move.
        const from = this.roster.rename(by, verdict.name);
        this.rooms.rename(by, from, verdict.name);
        this.keys.renamed(from, verdict.name);
        // 7.17: the old name was last used now; the new one is the key's (when free).
        this.guards.reservations?.release(from, fingerprint, now);
        this.guards.reservations?.take(verdict.name, fingerprint, now);
        return { kind: 'renamed', by, from, to: verdict.name, ts: now, rooms: this.roomsOf(by) };
      }
      case 'whois': {
        const target = this.idOf(request.name);
        if (target === undefined) return this.noSuchUser(by, request.name);
        const { joined, active } = this.roster.seenOf(target) ?? { joined: now, active: now };
        const reason = this.roster.awayOf(target);
        const name = this.roster.nameOf(target)!;
        const idle = Math.max(0, now - active);
        const away = reason !== undefined;
        const shown = this.keys.whois(by, target);
        return { kind: 'whois', by, name, joined, idle, away, ...(reason ? { reason } : {}), ...shown };
      }
      case 'away': {
        this.roster.active(by, now);
        const name = this.roster.nameOf(by)!;
        const rooms = this.roomsOf(by);
        if (!request.away) {
          if (!this.roster.comeBack(by)) return { kind: 'none', by };
          return { kind: 'away', by, name, away: false, ts: now, rooms };
        }
        const reason = request.reason ?? '';
        // 7.18: a reason is the member's words, shown in every room it shares; going away is not.
        const muted = reason === '' ? null : this.checkMuted(by, rooms, now, MUTED_AWAY);
        if (muted) return muted;
        this.roster.goAway(by, reason);
        return { kind: 'away', by, name, away: true, ...(reason === '' ? {} : { reason }), ts: now, rooms };
      }
      case 'room_join':
        return this.joinRoom(by, request.room, now);
      case 'room_part': {
        const room = this.rooms.scope(by, request.room);
        if (room instanceof ParleyError) return { kind: 'notice', by, error: room };
        const name = this.roster.nameOf(by)!;
        this.leaveRoom(by, name, room, 'part', now);
        return { kind: 'room-parted', by, name, room, ts: now };
      }
      case 'rooms':
        return { kind: 'room-list', by, rooms: this.rooms.sorted() };
      case 'topic': {
        const room = this.rooms.scope(by, request.room);
        if (room instanceof ParleyError) return { kind: 'notice', by, error: room };
        const max = this.limits.maxTopic;
        if ([...request.topic].length > max) {
          const error = parleyError('MESSAGE_TOO_LONG', `a topic is at most ${max} characters`);
          return { kind: 'notice', by, error };
        }
        const muted = this.checkMuted(by, [room], now, 'an operator muted you: the topic stays as it was');
        if (muted) return muted;
        room.topic = request.topic;
        return { kind: 'topic', by, name: this.roster.nameOf(by)!, room, topic: request.topic, ts: now };
      }
    }
  }

  /** Member `by` left the server; each room it was in is to be told (7.6, 7.15, 10.4). */
  leave(by: Id, reason: LeaveReason, now: number): RoomDecision<Id> | null {
    const name = this.roster.nameOf(by);
    const fingerprint = this.keys.gone(by, name);
    if (name === undefined) return null;
    this.guards.reservations?.release(name, fingerprint, now);
    const rooms = this.roomsOf(by);
    for (const room of rooms) this.leaveRoom(by, name, room, reason, now);
    this.roster.remove(by, name);
    return { kind: 'left', by, name, reason, ts: now, rooms };
  }

  /**
   * Checks a wanted name against the rules and the people present (7.2, 10.2). `self`: a member
   * renaming (7.11), whose own keys do not count as taken.
   */
  checkName(wanted: string, self?: Id, fingerprint: string | null = null, now = 0): NameVerdict {
    const verdict = this.roster.check(wanted, self);
    if (!verdict.ok) return verdict;
    const name = verdict.name;
    // 7.17: a name another key owns (checked after NAME_TAKEN: a name in use is taken either way).
    if (this.guards.reservations?.refuses(name, fingerprint, now)) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved for its owner's key` };
    }
    return verdict;
  }

  /** 7.18: the BANNED removal of connection `by` when a ban covers its key or address. */
  private bannedAt(
    by: Id,
    who: { fingerprint: string | null; addr: string | null },
    now: number,
  ): RoomDecision<Id> | null {
    const ban = this.guards.moderation?.bannedBy(who, now);
    if (!ban) return null;
    const error = parleyError(
      'BANNED',
      `you are banned from this server${ban.reason ? `: ${ban.reason}` : ''}`,
    );
    return { kind: 'removed', by, targets: [by], error, reason: 'banned', log: `refused by ban ${ban.id}` };
  }

  /**
   * 7.18: a MUTED notice (saying `message`) when a mute covers member `by`, server-wide or in one
   * of `rooms` (7.15).
   */
  private checkMuted(
    by: Id,
    rooms: readonly ChatRoom<Id>[],
    now: number,
    message: string,
  ): RoomDecision<Id> | null {
    const facts = this.keys.of(by);
    const moderation = this.guards.moderation;
    if (!facts || !moderation) return null;
    const muted =
      rooms.length === 0
        ? moderation.muted(facts, now)
        : rooms.some((room) => moderation.muted(facts, now, muteKey(room)));
    return muted ? { kind: 'notice', by, error: parleyError('MUTED', message) } : null;
  }

  /** True when a ban covers this address (its counting key, 11) now (7.18: refused at accept). */
  addressBanned(address: string | undefined, now: number): boolean {
    const moderation = this.guards.moderation;
    if (!moderation || address === undefined) return false;
    return (
      moderation.bannedBy({ fingerprint: null, addr: moderation.addressHash(address) }, now) !== undefined
    );
  }

  /**
   * The key a room-scoped mute names the room by (7.15, 7.18): its first 7.2 key, so that every
   * spelling of one room is one mute. Null: no such room (a mute of it would cover nothing).
   */
  roomKeyOf(wanted: string): string | null {
    return this.rooms.muteKeyOf(wanted);
  }

  /** The members that share a room with `id` (7.15), itself included; empty when not joined. */
  roommatesOf(id: Id): Set<Id> {
    return this.rooms.roommatesOf(id);
  }

  /** A joined member's facts (7.16, 7.18). */
  factsOf(id: Id): MemberFacts | undefined {
    return this.keys.of(id);
  }

  /** The keyed members among `names`, as lists show them (7.16). */
  keysAmong(names: readonly string[]): { name: string; key: string; op?: true }[] {
    return this.keys.among(names);
  }

  /** Whether any member is keyed (7.16): lists carry `keys` only then. */
  get anyKeyed(): boolean {
    return this.keys.any;
  }

  /** Member `by` leaves `room`; an emptied room's mutes end with it (7.15, 7.18). */
  private leaveRoom(by: Id, name: string, room: ChatRoom<Id>, reason: LeaveReason, now: number): void {
    this.rooms.leave(by, name, room, reason, now);
    if (room.size === 0) this.guards.moderation?.roomGone(muteKey(room));
  }

  /**
   * room_join (7.15): idempotent for a member, else bounded by maxRoomsPerMember and maxRooms. A
   * new room's name shows in every member's room list: a member muted server-wide makes none (7.18).
   */
  private joinRoom(by: Id, wanted: string, now: number): RoomDecision<Id> {
    const verdict = this.rooms.check(wanted);
    if (verdict.ok && !this.rooms.find(verdict.keys)) {
      const muted = this.checkMuted(by, [], now, MUTED_ROOM);
      if (muted) return muted;
    }
    const entry = this.rooms.entry(by, wanted);
    if (entry instanceof ParleyError) return { kind: 'notice', by, error: entry };
    const { room, fresh } = entry;
    const name = this.roster.nameOf(by)!;
    if (!fresh) return { kind: 'room-joined', by, name, room, fresh, ts: now };
    // 7.15: an away joiner is news to the members that share no other room with it (7.12).
    const reason = this.roster.awayOf(by);
    const away =
      reason === undefined ? undefined : { reason, to: this.strangers(by, room, this.roomsOf(by)) };
    this.rooms.join(by, name, room, now);
    return { kind: 'room-joined', by, name, room, fresh, ts: now, ...(away ? { away } : {}) };
  }

  /** The members of `room` other than `by` that are in none of `rooms` (the rooms `by` is in). */
  private strangers(by: Id, room: ChatRoom<Id>, rooms: readonly ChatRoom<Id>[]): Id[] {
    const out: Id[] = [];
    for (const id of room.members) if (id !== by && !rooms.some((r) => r.members.has(id))) out.push(id);
    return out;
  }

  private roomsOf(by: Id): ChatRoom<Id>[] {
    return [...this.rooms.roomsOf(by)];
  }

  private noSuchUser(by: Id, name: string): RoomDecision<Id> {
    return { kind: 'notice', by, error: parleyError('NO_SUCH_USER', `nobody called "${name}" is here`) };
  }

  /** A MESSAGE_TOO_LONG notice when `text` is over maxMessage characters (7.3). */
  private checkLength(by: Id, text: string): RoomDecision<Id> | null {
    const max = this.limits.maxMessage;
    if (text.length <= max || [...text].length <= max) return null;
    const message = `a message is at most ${max} characters`;
    return { kind: 'notice', by, error: parleyError('MESSAGE_TOO_LONG', message) };
  }

  /** Members of `room` away now, in the order they went away, with their reasons ('' for none). */
  awayMembers(room: ChatRoom<Id> = this.rooms.lobby): { id: Id; name: string; reason: string }[] {
    return this.roster.awayAmong(room.members);
  }

  /** Whether member `id` agreed the feature rooms (7.15), and so gets packets with `room`. */
  speaksRooms(id: Id): boolean {
    return this.roster.speaksRooms(id);
  }

  nameOf(id: Id): string | undefined {
    return this.roster.nameOf(id);
  }

  /** Finds a member by name, following the model's comparison rule. */
  idOf(name: string): Id | undefined {
    return this.roster.idOf(name);
  }

  /** Members joined to the server. */
  get size(): number {
    return this.roster.size;
  }

  /** Member ids in join order. */
  members(): IterableIterator<Id> {
    return this.roster.members();
  }

  /** `#lobby`'s names sorted by their case-folded form (7.6); legacy sorts exactly. */
  names(): string[] {
    return this.rooms.lobby.names.list();
  }

  /** `#lobby`'s kept history (the one room of a client without rooms, 7.15). */
  get history(): History {
    return this.rooms.lobby.history;
  }

  /** Every entry `#lobby`'s history holds, oldest first (a copy; an export reads a cursor: history.ts). */
  entries(): HistoryEntry[] {
    return this.rooms.lobby.history.all();
  }

  /** A room's newest `count` chat lines and actions (its backlog, 7.10); default `#lobby`. */
  recentChat(count: number, room: ChatRoom<Id> = this.rooms.lobby): ChatEntry[] {
    return room.recentChat(count);
  }

  /** Every room's history goes (the server stops, 7.9). */
  clearHistory(): void {
    this.rooms.clearHistory();
  }
}
