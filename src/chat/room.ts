/**
 * The chat model (spec 7.2-7.15, 10.2-10.5): the one place that decides. Who is joined under which
 * name, who is in which room (room-set.ts), whether a chat packet may go out (length, room), what
 * id and time it gets, whom it reaches, and the conversation kept in memory for export.
 * Wire-agnostic: a request comes in as data, a decision goes out as data (room-decision.ts), and a
 * wire dialect (v2-dialect.ts, legacy-dialect.ts) turns the decision into its own packets. The
 * model never calls anyone.
 *
 * How this works: names map to member ids both ways under the profile's name rules (generated
 * from the spec, applied by name-rules.ts: v2 records names in NFC and compares them by their
 * UTS #39 skeleton key, legacy exactly); names, away state and ids are server-wide, rooms scope
 * chat, presence and history (7.15). Joining puts a member in `#lobby`, so a client that knows
 * nothing of rooms lives there. The rate limit (7.8) is not the model's: every packet is charged
 * before it reaches it, in one place (chat-server.ts, rate-limit.ts). History is held in memory
 * only, per room, and cleared when the room empties or the server stops (the original's behaviour).
 * A member may be keyed (7.16): the key its connection proved before joining is one of its facts,
 * with its address hash and the features it agreed (member-keys.ts). Reserved names (7.17) and the
 * operators' bans and mutes (7.18) are checked here too, from reservations.ts and moderation.ts
 * when the server has them; the moderation requests themselves are decided in moderate.ts.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { LeaveReason, Limits, NameRules } from '../generated/constants.js';
import type { ChatEntry, ChatRoom } from './chat-room.js';
import type { History, HistoryEntry } from './history.js';
import { MemberKeys } from './member-keys.js';
import type { Moderation } from './moderation.js';
import { nameForm, nameKeys } from './name-rules.js';
import type { Reservations } from './reservations.js';
import type {
  MemberFacts,
  NameVerdict,
  RoomDecision,
  RoomModerationRequest,
  RoomRequest,
} from './room-decision.js';
import { RoomSet } from './room-set.js';

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

export class Room<Id> {
  private readonly byId = new Map<Id, string>();
  /** Every key of every member's name (name-rules.ts): no two members share one. */
  private readonly byKey = new Map<string, Id>();
  /** Which rooms exist and who is in each (7.15). */
  readonly rooms: RoomSet<Id>;
  /** Members away (7.12), with their reason ('' for none). */
  private readonly awayBy = new Map<Id, string>();
  /** When each member joined and last acted in public: spoke, renamed, went away or back (7.13). */
  private readonly seen = new Map<Id, { joined: number; active: number }>();
  /** Members that agreed the feature rooms (7.15): only they may leave `#lobby`'s 2.0 forms. */
  private readonly roomsAware = new Set<Id>();
  private sequence = 0;
  /** Keys, address hashes and features of the members (7.16, 7.18). */
  private readonly keys = new MemberKeys<Id>();

  /**
   * `presenceInHistory`: joins and leaves are part of the conversation kept for export (v2, 7.7);
   * legacy exports chat lines only (10.5).
   */
  constructor(
    private readonly rules: NameRules,
    private readonly limits: RoomLimits,
    private readonly presenceInHistory = false,
    readonly guards: RoomGuards = {},
  ) {
    this.rooms = new RoomSet(rules, limits);
  }

  /** Decides on one request from member (or joiner) `by` at `now`. */
  decide(by: Id, request: RoomRequest, now: number): RoomDecision<Id> {
    switch (request.kind) {
      case 'join': {
        const facts = this.keys.factsFor(by, request, this.guards.moderation);
        const verdict = this.checkName(request.name, undefined, facts.fingerprint, now);
        if (!verdict.ok) return { kind: 'refused', by, verdict };
        // 7.18: a ban made after this connection was accepted or proved its key.
        const banned = this.bannedAt(by, facts, now);
        if (banned) return banned;
        this.add(by, verdict.name);
        this.seen.set(by, { joined: now, active: now });
        this.keys.joined(by, verdict.name, facts);
        this.guards.reservations?.take(verdict.name, facts.fingerprint, now);
        if (request.rooms) this.roomsAware.add(by);
        const room = this.rooms.lobby;
        this.enter(by, verdict.name, room, now);
        return { kind: 'joined', by, name: verdict.name, ts: now, room };
      }
      case 'prove': {
        const banned = this.bannedAt(by, { fingerprint: request.fingerprint, addr: null }, now);
        if (banned) return banned;
        this.keys.prove(by, request.fingerprint);
        return { kind: 'none', by };
      }
      case 'say': {
        const room = this.scope(by, request.room);
        if (!('members' in room)) return { kind: 'notice', by, error: room };
        const refused = this.checkLength(by, request.text) ?? this.checkMuted(by, room, now);
        if (refused) return refused;
        const from = this.byId.get(by)!;
        this.active(by, now);
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
        const from = this.byId.get(by)!;
        const to = this.byId.get(target)!;
        // No this.active here: idle counts public acts only (7.13), or polling whois would tell
        // who is sending private messages. Private messages are server-wide (7.15).
        const id = ++this.sequence;
        const targetAway = target === by ? undefined : this.awayBy.get(target);
        const decision = { kind: 'private', by, target, id, from, to, text: request.text, ts: now } as const;
        return targetAway === undefined ? decision : { ...decision, targetAway };
      }
      case 'who':
      case 'export': {
        const room = this.scope(by, request.room);
        if (!('members' in room)) return { kind: 'notice', by, error: room };
        return { kind: request.kind, by, room };
      }
      case 'nick': {
        const fingerprint = this.keys.of(by)?.fingerprint ?? null;
        const verdict = this.checkName(request.name, by, fingerprint, now);
        if (!verdict.ok) return { kind: 'rename-refused', by, verdict };
        this.active(by, now);
        const from = this.byId.get(by)!;
        // byId keeps its place (join order); the keys and the rooms' sorted lists move.
        this.unkey(from);
        this.add(by, verdict.name);
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
        const { joined, active } = this.seen.get(target) ?? { joined: now, active: now };
        const reason = this.awayBy.get(target);
        const name = this.byId.get(target)!;
        const idle = Math.max(0, now - active);
        const away = reason !== undefined;
        const shown = this.keys.whois(by, target);
        return { kind: 'whois', by, name, joined, idle, away, ...(reason ? { reason } : {}), ...shown };
      }
      case 'kick':
      case 'ban':
      case 'unban':
      case 'bans':
      case 'mute':
      case 'unmute':
      case 'motd':
        // Decided in moderate.ts, handed in with the guards (room-guards.ts): no operator, no moderation.
        if (this.guards.moderate) return this.guards.moderate(this, by, request, now);
        return {
          kind: 'notice',
          by,
          error: parleyError('NOT_OPERATOR', 'this server has no operators (7.18)'),
        };
      case 'away': {
        this.active(by, now);
        const name = this.byId.get(by)!;
        const rooms = this.roomsOf(by);
        if (!request.away) {
          if (!this.awayBy.delete(by)) return { kind: 'none', by };
          return { kind: 'away', by, name, away: false, ts: now, rooms };
        }
        const reason = request.reason ?? '';
        this.awayBy.set(by, reason);
        return { kind: 'away', by, name, away: true, ...(reason === '' ? {} : { reason }), ts: now, rooms };
      }
      case 'room_join':
        return this.joinRoom(by, request.room, now);
      case 'room_part': {
        const room = this.scope(by, request.room);
        if (!('members' in room)) return { kind: 'notice', by, error: room };
        const name = this.byId.get(by)!;
        this.exit(by, name, room, 'part', now);
        return { kind: 'room-parted', by, name, room, ts: now };
      }
      case 'rooms':
        return { kind: 'room-list', by, rooms: this.rooms.sorted() };
      case 'topic': {
        const room = this.scope(by, request.room);
        if (!('members' in room)) return { kind: 'notice', by, error: room };
        const max = this.limits.maxTopic;
        if ([...request.topic].length > max) {
          const error = parleyError('MESSAGE_TOO_LONG', `a topic is at most ${max} characters`);
          return { kind: 'notice', by, error };
        }
        room.topic = request.topic;
        return { kind: 'topic', by, name: this.byId.get(by)!, room, topic: request.topic, ts: now };
      }
    }
  }

  /** Member `by` left the server; each room it was in is to be told (7.6, 7.15, 10.4). */
  leave(by: Id, reason: LeaveReason, now: number): RoomDecision<Id> | null {
    const name = this.byId.get(by);
    const fingerprint = this.keys.gone(by, name);
    if (name === undefined) return null;
    this.guards.reservations?.release(name, fingerprint, now);
    const rooms = this.roomsOf(by);
    for (const room of rooms) this.exit(by, name, room, reason, now);
    this.byId.delete(by);
    this.unkey(name);
    this.awayBy.delete(by);
    this.seen.delete(by);
    this.roomsAware.delete(by);
    return { kind: 'left', by, name, reason, ts: now, rooms };
  }

  /**
   * Checks a wanted name against the rules and the people present (7.2, 10.2). `self`: a member
   * renaming (7.11), whose own keys do not count as taken.
   */
  checkName(wanted: string, self?: Id, fingerprint: string | null = null, now = 0): NameVerdict {
    const form = nameForm(this.rules, this.limits.maxName, wanted);
    if (!form.ok) return { ok: false, code: 'NAME_INVALID', message: form.message };
    const name = form.name;
    const keys = nameKeys(this.rules, name);
    if (this.rules.reserved.some((r) => nameKeys(this.rules, r).some((k) => keys.includes(k)))) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved` };
    }
    if (keys.some((k) => this.byKey.has(k) && this.byKey.get(k) !== self)) {
      return { ok: false, code: 'NAME_TAKEN', message: `"${name}" is already in use` };
    }
    // 7.17: a name another key owns (checked after NAME_TAKEN: a name in use is taken either way).
    if (this.guards.reservations?.refuses(name, fingerprint, now)) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved for its owner's key` };
    }
    return { ok: true, name };
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

  /** 7.18: a MUTED notice when a mute covers member `by`, server-wide or in `room` (7.15). */
  private checkMuted(by: Id, room: ChatRoom<Id>, now: number): RoomDecision<Id> | null {
    const facts = this.keys.of(by);
    if (!facts || !this.guards.moderation?.muted(facts, now, roomKey(room))) return null;
    return { kind: 'notice', by, error: parleyError('MUTED', 'an operator muted you: nobody got that line') };
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
    const verdict = this.rooms.check(wanted);
    if (!verdict.ok) return null;
    return roomKey(this.rooms.find(verdict.keys) ?? { keys: verdict.keys });
  }

  /** The members that share a room with `id` (7.15), itself included; empty when not joined. */
  roommatesOf(id: Id): Set<Id> {
    const out = new Set<Id>();
    for (const room of this.rooms.roomsOf(id)) for (const m of room.members) out.add(m);
    return out;
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

  /** room_join (7.15): idempotent for a member, else bounded by maxRoomsPerMember and maxRooms. */
  private joinRoom(by: Id, wanted: string, now: number): RoomDecision<Id> {
    const verdict = this.rooms.check(wanted);
    if (!verdict.ok) return { kind: 'notice', by, error: parleyError('ROOM_INVALID', verdict.message) };
    const name = this.byId.get(by)!;
    const existing = this.rooms.find(verdict.keys);
    if (existing?.members.has(by))
      return { kind: 'room-joined', by, name, room: existing, fresh: false, ts: now };
    const { maxRoomsPerMember, maxRooms } = this.limits;
    if (this.rooms.roomsOf(by).size >= maxRoomsPerMember) {
      return this.tooMany(by, `you are in ${maxRoomsPerMember} rooms, the most one member may be in`);
    }
    if (!existing && this.rooms.others >= maxRooms) {
      return this.tooMany(by, `the server has ${maxRooms} rooms besides #lobby, the most it holds`);
    }
    const room = existing ?? this.rooms.create(verdict.name, verdict.keys);
    this.enter(by, name, room, now);
    return { kind: 'room-joined', by, name, room, fresh: true, ts: now };
  }

  /** The room a packet names (absent: `#lobby`), if the sender is in it; else why not (7.15). */
  private scope(by: Id, wanted: string | undefined): ChatRoom<Id> | ParleyError {
    let room: ChatRoom<Id> | undefined = this.rooms.lobby;
    if (wanted !== undefined) {
      const verdict = this.rooms.check(wanted);
      if (!verdict.ok) return parleyError('ROOM_INVALID', verdict.message);
      room = this.rooms.find(verdict.keys);
    }
    if (room?.members.has(by)) return room;
    return parleyError('NOT_IN_ROOM', `you are not in ${room?.name ?? wanted}`);
  }

  private enter(by: Id, name: string, room: ChatRoom<Id>, now: number): void {
    this.rooms.enter(by, name, room);
    if (this.presenceInHistory) this.rooms.record(room, { kind: 'join', name, ts: now });
  }

  /** Out of one room; the last one out takes the conversation along (7.7, 7.15, 10.5). */
  private exit(by: Id, name: string, room: ChatRoom<Id>, reason: LeaveReason, now: number): void {
    this.rooms.exit(by, name, room);
    if (room.size > 0 && this.presenceInHistory)
      this.rooms.record(room, { kind: 'leave', name, reason, ts: now });
  }

  private roomsOf(by: Id): ChatRoom<Id>[] {
    return [...this.rooms.roomsOf(by)];
  }

  private tooMany(by: Id, message: string): RoomDecision<Id> {
    return { kind: 'notice', by, error: parleyError('TOO_MANY_ROOMS', message) };
  }

  private noSuchUser(by: Id, name: string): RoomDecision<Id> {
    return { kind: 'notice', by, error: parleyError('NO_SUCH_USER', `nobody called "${name}" is here`) };
  }

  /** Member `id` did something public that ends idleness (7.13); a private message does not. */
  private active(id: Id, now: number): void {
    const seen = this.seen.get(id);
    if (seen) seen.active = now;
  }

  /** Records `name` as member `id`'s. */
  private add(id: Id, name: string): void {
    this.byId.set(id, name);
    for (const key of nameKeys(this.rules, name)) this.byKey.set(key, id);
  }

  /** Drops `name`'s keys. */
  private unkey(name: string): void {
    for (const key of nameKeys(this.rules, name)) this.byKey.delete(key);
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
    const out: { id: Id; name: string; reason: string }[] = [];
    for (const [id, reason] of this.awayBy)
      if (room.members.has(id)) out.push({ id, name: this.byId.get(id)!, reason });
    return out;
  }

  /** Whether member `id` agreed the feature rooms (7.15), and so gets packets with `room`. */
  speaksRooms(id: Id): boolean {
    return this.roomsAware.has(id);
  }

  nameOf(id: Id): string | undefined {
    return this.byId.get(id);
  }

  /** Finds a member by name, following the model's comparison rule. */
  idOf(name: string): Id | undefined {
    for (const key of nameKeys(this.rules, name)) {
      const id = this.byKey.get(key);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Members joined to the server. */
  get size(): number {
    return this.byId.size;
  }

  /** Member ids in join order. */
  members(): IterableIterator<Id> {
    return this.byId.keys();
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

/** A room's mute key (7.18): its first 7.2 key. */
const roomKey = (room: { readonly keys: readonly string[] }): string => room.keys[0];
