/**
 * The v2 wire dialect (spec 7): v2 packets on either side of the room.
 *
 * How this works: `read` turns a client packet into a request for the room (or answers it itself:
 * a ping); `render` turns the room's decision into deliveries of serialised packets. The server is
 * the authority: names come from the room, never from the packet, ids and timestamps from the
 * room (7.3). A broadcast is serialised once here and sealed per recipient by the endpoints.
 * Presence notices are batched here (11): held notices go out before anything that could overtake
 * them.
 */

import type { Identity } from '../crypto/identity.js';
import type { KeyPair, RandomSource } from '../crypto/key-agreement.js';
import { encodeFrame } from '../framing/frame-codec.js';
import {
  type LeaveReason,
  LIMITS,
  type Limits,
  V2_NAME_RULES,
  type V2Group,
} from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import {
  V2_FEATURE_NAMES,
  V2_PACKET_INFO,
  type V2PacketOf,
  type V2ServerPacket,
} from '../generated/v2-packets.js';
import { encodeV2Packet, joinPackets } from '../session/v2-codec.js';
import {
  coalesceLimit,
  RecordJoiner,
  V2ServerConnection,
  type V2ServerConnectionEvent,
} from '../session/v2-server-connection.js';
import {
  ChatServer,
  type ChatServerOptions,
  type ConnId,
  type Delivery,
  type Encoded,
  type Reading,
  type ReplySource,
  type WireDialect,
} from './chat-server.js';
import type { History, HistoryCursor } from './history.js';
import { type ChatEntry, type HistoryEntry, Room, type RoomDecision } from './room.js';
import { checkStampedFit } from './stamped-fit.js';

export interface V2ServerOptions extends ChatServerOptions {
  readonly motd?: string;
  readonly identity: Identity;
  readonly random: RandomSource;
  readonly groups?: readonly V2Group[];
  /** A source of ephemeral key pairs (see V2ServerConnectionOptions.keyPairs). */
  readonly keyPairs?: (group: V2Group) => KeyPair;
  /** Takes back offered pairs the client did not choose (V2ServerConnectionOptions.unusedKeyPair). */
  readonly unusedKeyPair?: (pair: KeyPair) => void;
  /** Record keys as KeyObjects (V2ServerConnectionOptions.keyObjects). */
  readonly keyObjects?: boolean;
  /** The features offered in server_hello (5.8). Default: every feature of the spec's registry. */
  readonly features?: readonly string[];
}

/**
 * Splits `items` into chunks whose JSON stays within `budget` bytes (worst case: every character
 * 3 UTF-8 bytes), so that each packet fits a record the client accepts (7.6, 7.7). Always returns
 * at least one (possibly empty) chunk.
 */
export function chunkByJsonSize<T>(
  items: readonly T[],
  budget: number,
  cost: (item: T) => number = (item) => JSON.stringify(item).length * 3 + 1,
): T[][] {
  const chunks: T[][] = [[]];
  let size = 0;
  for (const item of items) {
    const itemCost = cost(item);
    if (size + itemCost > budget && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(item);
    size += itemCost;
  }
  return chunks;
}

/** The JSON budget of one list packet: within the server's maxFrame and the default a client uses. */
function listBudget(maxFrame: number): number {
  return Math.max(256, Math.min(maxFrame, LIMITS.maxFrame) - 1024);
}

/** The feature that gives export_reply its structured join and leave entries (5.8, 7.7). */
const STRUCTURED_EXPORT = 'structured-export';

/** One export_reply entry as it goes on the wire (7.7): structured, or the 2.0 form. */
export type WireExportEntry = V2PacketOf<'export_reply'>['entries'][number];

/**
 * A history entry in export_reply's form (7.7): join and leave entries by their fields (name,
 * reason) for a client that listed `structured-export`, as the 2.0 prose (`from`, `text`) for
 * one that did not.
 */
export function wireExportEntry(entry: HistoryEntry, structured: boolean): WireExportEntry {
  switch (entry.kind) {
    case 'message':
    case 'action':
      return { kind: entry.kind, from: entry.from, text: entry.text, ts: entry.ts };
    case 'join':
      return structured
        ? { kind: 'join', name: entry.name, ts: entry.ts }
        : { kind: 'join', from: entry.name, text: `${entry.name} joined`, ts: entry.ts };
    case 'leave':
      return structured
        ? { kind: 'leave', name: entry.name, reason: entry.reason, ts: entry.ts }
        : { kind: 'leave', from: entry.name, text: `${entry.name} left`, ts: entry.ts };
  }
}

/**
 * An export's reply (7.7), made one export_reply at a time as the asker's socket drains (11,
 * sendWindowBytes): each part takes the entries that fit the JSON budget from a cursor over the
 * history, so no reply exists whole and a second export cannot double what waits.
 */
export class ExportReply implements ReplySource {
  private readonly cursor: HistoryCursor;
  /** An entry read that did not fit the last part: it opens the next. */
  private carried: HistoryEntry | undefined;
  private finished = false;

  constructor(
    history: History,
    private readonly budget: number,
    private readonly structured: boolean,
  ) {
    this.cursor = history.cursor();
  }

  next(): Encoded | null {
    if (this.finished) return null;
    const entries: WireExportEntry[] = [];
    let size = 0;
    for (;;) {
      const entry = this.carried ?? this.cursor.next();
      this.carried = undefined;
      if (entry === undefined) break;
      const wire = wireExportEntry(entry, this.structured);
      // Worst case: every character 3 UTF-8 bytes (chunkByJsonSize's rule).
      const cost = JSON.stringify(wire).length * 3 + 1;
      if (size + cost > this.budget && entries.length > 0) {
        this.carried = entry;
        break;
      }
      entries.push(wire);
      size += cost;
    }
    const done = this.carried === undefined && !this.cursor.more;
    this.finished = done;
    return { packet: encodeV2Packet({ type: 'export_reply', entries, done }), type: 'export_reply' };
  }
}

/** Room entries for export or backlog, split so that each packet fits one frame (7.7, 7.10). */
export function exportChunks(entries: readonly HistoryEntry[], maxFrame: number): HistoryEntry[][] {
  return chunkByJsonSize(entries, listBudget(maxFrame));
}

/**
 * How long presence notices may be held in a room of `members` (11): presenceBatchMs, or
 * members x presenceBatchMs / 1000 when longer, up to presenceBatchMaxMs. Each hold costs every
 * member one record, and a join storm lasts longer the larger the room, so a fixed hold made the
 * storm's cost grow as members x duration; at 10,000 members the hold is 2 s instead of 200 ms.
 */
export function presenceHoldMs(
  limits: Pick<Limits, 'presenceBatchMs' | 'presenceBatchMaxMs'>,
  members: number,
): number {
  const scaled = Math.min(limits.presenceBatchMaxMs, Math.floor((members * limits.presenceBatchMs) / 1000));
  return Math.max(limits.presenceBatchMs, scaled);
}

/** A presence notice waiting to be batched (see presenceBatchMs, spec 11). */
interface PendingPresence {
  readonly seq: number;
  readonly kind: 'user_joined' | 'user_left';
  readonly name: string;
  /** For a leave: the reason (7.6); a run of leaves shares one. */
  readonly reason?: LeaveReason;
  readonly ts: number;
  /** The notice on its own (user_joined/user_left), sent as is when its run has one name. */
  readonly json: Buffer;
  /** UTF-8 bytes of the name as a JSON string: its share of a compact packet. */
  readonly nameBytes: number;
}

type PresenceNotice = V2PacketOf<'user_joined'> | V2PacketOf<'user_left'>;

function pendingOf(seq: number, notice: PresenceNotice): PendingPresence {
  return {
    seq,
    kind: notice.type,
    name: notice.name,
    reason: notice.type === 'user_left' ? notice.reason : undefined,
    ts: notice.ts,
    json: encodeV2Packet(notice),
    nameBytes: Buffer.byteLength(JSON.stringify(notice.name)),
  };
}

/** users_joined, or users_left with the run's reason (7.6), for `names` of the run `first` opens. */
function runPacket(first: PendingPresence, names: string[], ts: number): V2ServerPacket {
  return first.kind === 'user_joined'
    ? { type: 'users_joined', names, ts }
    : { type: 'users_left', names, reason: first.reason!, ts };
}

/**
 * The notices from `start` on as packets, in order (7.6, 11). A run of consecutive notices of one
 * kind (leaves: of one reason) becomes users_joined/users_left: a name costs each member about
 * a tenth of the bytes to seal that a whole notice does (5-7x fewer for a batch of 100). It is
 * split so that each packet's JSON stays within `budget` bytes, and a run (or last part) of one
 * name stays a plain user_joined/user_left.
 */
function presencePackets(pending: readonly PendingPresence[], start: number, budget: number): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = start, end = start; i < pending.length; i = end) {
    const first = pending[i];
    while (end < pending.length && pending[end].kind === first.kind && pending[end].reason === first.reason)
      end++;
    // The JSON is the empty packet (with the longest ts) plus each name and a comma but the last.
    const empty = encodeV2Packet(runPacket(first, [], Number.MAX_SAFE_INTEGER)).length;
    const parts = chunkByJsonSize(pending.slice(i, end), budget - empty + 1, (n) => n.nameBytes + 1);
    for (const part of parts) {
      const names = part.map((n) => n.name);
      const ts = part[part.length - 1].ts;
      packets.push(part.length === 1 ? part[0].json : encodeV2Packet(runPacket(first, names, ts)));
    }
  }
  return packets;
}

/** Packets joined (with separators) into record plaintexts of at most `limit` bytes (6.1). */
function presenceRuns(packets: readonly Buffer[], limit: number): Buffer[] {
  const runs: Buffer[] = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  for (const json of packets) {
    if (parts.length > 0 && bytes + parts.length + json.length > limit) {
      runs.push(joinPackets(parts, bytes));
      parts = [];
      bytes = 0;
    }
    parts.push(json);
    bytes += json.length;
  }
  if (parts.length > 0) runs.push(joinPackets(parts, bytes));
  return runs;
}

/**
 * Client packets that leave held presence notices held (11): they make the server send nothing
 * that could overtake them. A join's joiner gets none of the held notices; a goodbye or error
 * only adds its leave notice behind them; a pong sends nothing. Every other packet flushes first,
 * so that a leave storm or idle clients answering pings do not cut a batch into single notices.
 */
const HOLDS_PRESENCE: ReadonlySet<string> = new Set(['join', 'goodbye', 'error', 'pong']);

/** A serialised packet of `type` for one member. */
const to = (id: ConnId, packet: Buffer, type: V2ServerPacket['type']): Delivery => ({
  kind: 'send',
  to: id,
  packet,
  type,
});

/** One packet for one member. */
const one = (id: ConnId, packet: V2ServerPacket): Delivery => to(id, encodeV2Packet(packet), packet.type);

class V2Dialect implements WireDialect<V2ServerConnectionEvent> {
  readonly profile = 'v2' as const;
  readonly idleChecks = true;
  /** Shared by every connection of this server (RecordJoiner says why). */
  private readonly joiner = new RecordJoiner();
  /** Presence events are numbered; a member gets only those numbered after its own join. */
  private presenceSeq = 0;
  private readonly joinedAt = new Map<ConnId, number>();
  private pending: PendingPresence[] = [];
  private presenceDue: number | null = null;
  /** The current presenceBatchMs window, and the notices sent at once in it. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowSent = 0;
  /** The last ping packet and its time (see ping). */
  private pingAt: number | null = null;
  private pingJson: Buffer | null = null;

  constructor(
    private readonly options: V2ServerOptions,
    private readonly limits: Limits,
  ) {}

  get due(): number | null {
    return this.presenceDue;
  }

  createEndpoint(): V2ServerConnection {
    const endpoint = new V2ServerConnection({
      identity: this.options.identity,
      random: this.options.random,
      limits: this.limits,
      groups: this.options.groups,
      keyPairs: this.options.keyPairs,
      unusedKeyPair: this.options.unusedKeyPair,
      keyObjects: this.options.keyObjects,
      joiner: this.joiner,
      features: this.options.features ?? V2_FEATURE_NAMES,
    });
    endpoint.start();
    return endpoint;
  }

  rateCost(event: V2ServerConnectionEvent): number | null {
    return event.kind === 'packet' ? (V2_PACKET_INFO[event.packet.type].rateCost ?? null) : null;
  }

  answersPing(event: V2ServerConnectionEvent): boolean {
    return event.kind === 'packet' && event.packet.type === 'pong';
  }

  waitsForVerdict(event: V2ServerConnectionEvent): boolean {
    return event.kind === 'packet' && event.packet.type === 'join';
  }

  /** The plaintext `refused` packet sent instead of server_hello (5.10). */
  refusal(code: ErrorCode, message: string): Buffer {
    return encodeFrame(encodeV2Packet({ type: 'refused', code, message }));
  }

  read(event: V2ServerConnectionEvent, from: ConnId, room: Room<ConnId>): Reading | null {
    // A fatal error event is logged once, by the server, when it closes the connection.
    if (event.kind !== 'packet') return null;
    const packet = event.packet;
    const deliveries = HOLDS_PRESENCE.has(packet.type) ? [] : this.releasePresence(room);
    switch (packet.type) {
      case 'join':
        return { request: { kind: 'join', name: packet.name } };
      case 'say':
      case 'me':
        return { deliveries, request: { kind: 'say', text: packet.text, action: packet.type === 'me' } };
      case 'msg':
        return { deliveries, request: { kind: 'msg', to: packet.to, text: packet.text } };
      case 'who':
      case 'export':
        return { deliveries, request: { kind: packet.type } };
      case 'nick':
        return { deliveries, request: { kind: 'nick', name: packet.name } };
      case 'away':
        return { deliveries, request: { kind: 'away', away: true, reason: packet.reason ?? null } };
      case 'back':
        return { deliveries, request: { kind: 'away', away: false, reason: null } };
      case 'whois':
        return { deliveries, request: { kind: 'whois', name: packet.name } };
      case 'error':
        // 4.3, 13.1: a fatal error ends the connection (the others hear it left with an error);
        // one with fatal false is only logged.
        return packet.fatal ? { gaveUp: packet.code } : { reported: packet.code };
      case 'ping':
        // Answered here, not on receipt, so that the pong follows the replies to every packet
        // that arrived before the ping (6.1: packets are processed in order).
        deliveries.push(one(from, { type: 'pong', n: packet.n }));
        return { deliveries };
      default:
        // pong and goodbye need nothing from the room.
        return deliveries.length > 0 ? { deliveries } : null;
    }
  }

  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[] {
    const by = decision.by;
    switch (decision.kind) {
      case 'joined': {
        const out: Delivery[] = [{ kind: 'settle', to: by, when: 'accepted' }];
        this.users(out, by, room, decision.name);
        this.backlog(out, by, room);
        // 7.12: who is away, for the newcomer's user list (dropped unless it agreed away).
        for (const { name, reason } of room.awayMembers())
          out.push(one(by, { type: 'user_away', name, away: true, ...(reason ? { reason } : {}), ts: now }));
        this.presence(out, room, { type: 'user_joined', name: decision.name, ts: now }, now, by);
        return out;
      }
      case 'refused': {
        const { code, message } = decision.verdict;
        return [{ kind: 'settle', to: by, when: 'refused' }, one(by, { type: 'join_error', code, message })];
      }
      case 'away': {
        const { name, away, reason, ts } = decision;
        const packet: V2ServerPacket = { type: 'user_away', name, away, ...(reason ? { reason } : {}), ts };
        return [{ kind: 'broadcast', packet: encodeV2Packet(packet), type: 'user_away' }];
      }
      case 'whois': {
        const { name, joined, idle, away, reason } = decision;
        return [one(by, { type: 'whois_reply', name, joined, idle, away, ...(reason ? { reason } : {}) })];
      }
      case 'none':
        return [];
      case 'rename-refused': {
        const { code, message } = decision.verdict;
        return [one(by, { type: 'join_error', code, message })];
      }
      case 'renamed': {
        // 7.11: members with nick get user_renamed; the others (2.0 clients) a leave and a join.
        const { from, to: name, ts } = decision;
        const renamed = encodeV2Packet({ type: 'user_renamed', from, to: name, ts });
        const left = encodeV2Packet({ type: 'user_left', name: from, reason: 'quit', ts });
        const joined = encodeV2Packet({ type: 'user_joined', name, ts });
        return [
          { kind: 'broadcast', packet: renamed, type: 'user_renamed' },
          { kind: 'broadcast', packet: left, type: 'user_left', unless: 'nick', except: by },
          { kind: 'broadcast', packet: joined, type: 'user_joined', unless: 'nick', except: by },
        ];
      }
      case 'message': {
        const { id, from, text, ts } = decision;
        const type = decision.action ? 'action' : 'message';
        return [{ kind: 'broadcast', packet: encodeV2Packet({ type, id, from, text, ts }), type }];
      }
      case 'private': {
        const { id, from, to: name, text, ts } = decision;
        const packet = encodeV2Packet({ type: 'private', id, from, to: name, text, ts });
        const self = to(by, packet, 'private');
        if (decision.target === by) return [self];
        const out = [self, to(decision.target, packet, 'private')];
        // 7.12: the sender is told that the target is away (dropped unless it agreed away).
        const reason = decision.targetAway;
        if (reason !== undefined)
          out.push(one(by, { type: 'user_away', name, away: true, ...(reason ? { reason } : {}), ts }));
        return out;
      }
      case 'who': {
        const out: Delivery[] = [];
        this.users(out, by, room);
        return out;
      }
      case 'export': {
        // One export in flight per connection (7.7): a second gets RATE_LIMITED, the first goes on.
        const message = 'an export is still on its way: wait for it to finish';
        const busy = { type: 'error', code: 'RATE_LIMITED', message, fatal: false } as const;
        const budget = listBudget(this.limits.maxFrame);
        // The cursor is made when the server delivers this, in the same step: the reply holds the
        // history as it is now (7.7), in the form the asker agreed (structured-export, 5.8).
        const source = (features: ReadonlySet<string>) =>
          new ExportReply(room.history, budget, features.has(STRUCTURED_EXPORT));
        return [{ kind: 'stream', to: by, source, busy: { packet: encodeV2Packet(busy), type: 'error' } }];
      }
      case 'notice': {
        const { code, message, fatal } = decision.error;
        return [one(by, { type: 'error', code, message, fatal })];
      }
      case 'left': {
        this.joinedAt.delete(by);
        const out: Delivery[] = [];
        this.presence(
          out,
          room,
          { type: 'user_left', name: decision.name, reason: decision.reason, ts: now },
          now,
        );
        return out;
      }
    }
  }

  /**
   * Pings go out in batches (everyone whose idle deadline fell in one step of the server's deadline
   * grid gets the same `n`), so the packet is serialised once per batch: at 10,000 idle members
   * that is 333 pings a second, and an idle server's allocation rate decides whether V8 gives its
   * young generation back (reference-server/idle-gc.ts).
   */
  ping(now: number): Buffer {
    if (this.pingAt !== now || this.pingJson === null) {
      this.pingJson = encodeV2Packet({ type: 'ping', n: now });
      this.pingAt = now;
    }
    return this.pingJson;
  }

  skipped(count: number): Encoded {
    const message = `${count} chat line${count === 1 ? ' was' : 's were'} skipped: the room spoke faster than this connection read (export has them)`;
    return {
      packet: encodeV2Packet({ type: 'error', code: 'LINES_SKIPPED', message, fatal: false }),
      type: 'error',
    };
  }

  tick(room: Room<ConnId>, now: number): readonly Delivery[] {
    if (this.presenceDue === null || now < this.presenceDue) return [];
    return this.releasePresence(room);
  }

  /** The user list for `by` in as many packets as it needs (7.6), the first a join_ok on a join. */
  private users(out: Delivery[], by: ConnId, room: Room<ConnId>, joined?: string): void {
    // A name's JSON is at most 6 bytes per UTF-16 unit (\uXXXX) plus quotes and a comma.
    const chunks = chunkByJsonSize(room.names(), listBudget(this.limits.maxFrame), (n) => n.length * 6 + 3);
    const motd = this.options.motd;
    chunks.forEach((users, i) => {
      const more = i < chunks.length - 1 ? { more: true as const } : {};
      const packet: V2ServerPacket =
        i === 0 && joined !== undefined
          ? { type: 'join_ok', name: joined, users, ...(motd === undefined ? {} : { motd }), ...more }
          : { type: 'user_list', users, ...more };
      out.push(one(by, packet));
    });
  }

  /**
   * The newest chat of the kept history for a newcomer, right after its join_ok and user list
   * (7.10). The endpoint drops it for a client that did not agree `backlog` (5.8), so it is only
   * built when there is something to send.
   */
  private backlog(out: Delivery[], by: ConnId, room: Room<ConnId>): void {
    if (this.limits.backlog <= 0) return;
    const recent = room.recentChat(this.limits.backlog);
    if (recent.length === 0) return;
    const chunks = exportChunks(recent, this.limits.maxFrame) as ChatEntry[][];
    chunks.forEach((entries, i) => {
      const packet: V2ServerPacket = { type: 'backlog', entries, done: i === chunks.length - 1 };
      out.push(one(by, packet));
    });
  }

  /**
   * A presence notice (11): at once in a small room, unless presenceBurst notices already went out
   * in this presenceBatchMs window; otherwise held until the window ends. So joins and leaves at a
   * human pace are seen at once, and a stream of them (a reconnect storm, clients that come and
   * go) costs each member one record per window instead of one per notice. `self` (the joiner)
   * never gets its own notice.
   */
  private presence(
    out: Delivery[],
    room: Room<ConnId>,
    packet: PresenceNotice,
    now: number,
    self?: ConnId,
  ): void {
    const seq = ++this.presenceSeq;
    if (self !== undefined) this.joinedAt.set(self, seq);
    const { presenceBatchMs, presenceBatchMembers, presenceBurst } = this.limits;
    if (now - this.windowStart >= presenceBatchMs) {
      this.windowStart = now;
      this.windowSent = 0;
    }
    if (this.pending.length === 0 && this.windowSent < presenceBurst && room.size < presenceBatchMembers) {
      out.push({ kind: 'broadcast', packet: encodeV2Packet(packet), type: packet.type, except: self });
      this.windowSent++;
      return;
    }
    this.pending.push(pendingOf(seq, packet));
    this.presenceDue ??= now + presenceHoldMs(this.limits, room.size);
  }

  /**
   * Held presence notices as deliveries; they go out before any chat output so that order is
   * kept. Each member gets the notices after its own join; the notices from one start index on
   * become compact packets (7.6 users_joined/users_left), joined into record-sized runs once for
   * all members that share that start (most of them), rather than queued packet by packet per
   * member: a join storm in a large room is n members x k notices.
   */
  private releasePresence(room: Room<ConnId>): Delivery[] {
    const out: Delivery[] = [];
    if (this.pending.length === 0) return out;
    const first = this.pending[0].seq;
    const runs = new Map<number, Buffer[]>();
    // Each packet fits one record (6.1) and what a client accepts by default (listBudget).
    const limit = coalesceLimit(this.limits.maxFrame);
    const budget = Math.min(listBudget(this.limits.maxFrame), limit);
    for (const member of room.members()) {
      const since = this.joinedAt.get(member) ?? 0;
      const start = Math.max(0, since - first + 1);
      if (start >= this.pending.length) continue;
      let own = runs.get(start);
      if (!own) {
        own = presenceRuns(presencePackets(this.pending, start, budget), limit);
        runs.set(start, own);
      }
      // A run is checked by its first packet's type: every presence packet has the same rows.
      for (const run of own) out.push(to(member, run, 'users_joined'));
    }
    this.pending = [];
    this.presenceDue = null;
    return out;
  }
}

/** A sans-IO v2 chat server. */
export function createV2Server(options: V2ServerOptions): ChatServer<V2ServerConnectionEvent> {
  const limits: Limits = { ...LIMITS, ...options.limits };
  checkStampedFit(limits); // 11.1: refuse to start rather than send records clients refuse
  return new ChatServer(
    new V2Dialect(options, limits),
    new Room(V2_NAME_RULES, limits, true),
    limits,
    options,
  );
}
