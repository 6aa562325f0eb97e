/**
 * The v2 server profile (spec 7): turns client packets into room changes and stamped broadcasts.
 *
 * How this works: the core hands over each packet from a connection's endpoint. The server is the
 * authority: names come from the room, never from the packet, ids and timestamps from the server
 * (7.3). A broadcast is serialised once and sealed per recipient.
 */

import type { Identity } from '../crypto/identity.js';
import type { KeyPair, RandomSource } from '../crypto/key-agreement.js';
import { type ParleyError, parleyError } from '../errors.js';
import {
  LIMITS,
  type Limits,
  V2_NAME_PATTERN,
  V2_RESERVED_NAMES,
  type V2Group,
} from '../generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet, joinPackets } from '../session/v2-codec.js';
import { V2ServerConnection, type V2ServerConnectionEvent } from '../session/v2-server-connection.js';
import { type HistoryEntry, Room } from './room.js';
import {
  type Conn,
  type LeaveReason,
  ServerCore,
  type ServerCoreOptions,
  type ServerProfile,
} from './server-core.js';

type V2Conn = Conn<V2ServerConnectionEvent>;
type V2Core = ServerCore<V2ServerConnectionEvent>;

export interface V2ServerOptions extends ServerCoreOptions {
  readonly identity: Identity;
  readonly random: RandomSource;
  readonly groups?: readonly V2Group[];
  /** A source of ephemeral key pairs (see V2ServerConnectionOptions.keyPairs). */
  readonly keyPairs?: (group: V2Group) => KeyPair;
  /** Takes back offered pairs the client did not choose (V2ServerConnectionOptions.unusedKeyPair). */
  readonly unusedKeyPair?: (pair: KeyPair) => void;
  /** Record keys as KeyObjects (V2ServerConnectionOptions.keyObjects). */
  readonly keyObjects?: boolean;
}

function endpointOf(conn: V2Conn): V2ServerConnection {
  return conn.endpoint as V2ServerConnection;
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

/** Room entries for export, split so that each export_reply fits one frame (7.7). */
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

class V2Profile implements ServerProfile<V2ServerConnectionEvent> {
  readonly name = 'v2' as const;
  readonly idleChecks = true;
  /** Presence events are numbered; a member gets only those numbered after its own join. */
  private presenceSeq = 0;
  private readonly joinedAt = new Map<number, number>();
  private pending: PendingPresence[] = [];
  private presenceDue: number | null = null;
  /** The current presenceBatchMs window, and the notices sent at once in it. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowSent = 0;
  /** The last ping packet and its time (see ping). */
  private pingAt: number | null = null;
  private pingJson: Buffer | null = null;

  constructor(private readonly options: V2ServerOptions) {}

  createEndpoint(core: V2Core): V2ServerConnection {
    const endpoint = new V2ServerConnection({
      identity: this.options.identity,
      random: this.options.random,
      limits: core.limits,
      groups: this.options.groups,
      keyPairs: this.options.keyPairs,
      unusedKeyPair: this.options.unusedKeyPair,
      keyObjects: this.options.keyObjects,
    });
    endpoint.start();
    return endpoint;
  }

  private broadcast(core: V2Core, packet: V2ServerPacket, except?: V2Conn): void {
    const json = encodeV2Packet(packet);
    core.broadcast((member) => endpointOf(member).sendEncoded(json), except);
  }

  /**
   * Sends a presence notice (11): at once in a small room, unless presenceBurst notices already
   * went out in this presenceBatchMs window; otherwise batched until the window ends. So joins
   * and leaves at a human pace are seen at once, and a stream of them (a reconnect storm, clients
   * that come and go) costs each member one record per window instead of one per notice. `self`
   * (the joiner) never gets its own notice.
   */
  private presence(core: V2Core, packet: PresenceNotice, now: number, self?: V2Conn): void {
    const seq = ++this.presenceSeq;
    if (self) this.joinedAt.set(self.id, seq);
    const { presenceBatchMs, presenceBatchMembers, presenceBurst } = core.limits;
    if (now - this.windowStart >= presenceBatchMs) {
      this.windowStart = now;
      this.windowSent = 0;
    }
    if (
      this.pending.length === 0 &&
      this.windowSent < presenceBurst &&
      core.room.size < presenceBatchMembers
    ) {
      this.broadcast(core, packet, self);
      this.windowSent++;
      return;
    }
    this.pending.push(pendingOf(seq, packet));
    if (this.presenceDue === null) {
      this.presenceDue = now + presenceHoldMs(core.limits, core.room.size);
      core.lowerDeadline(this.presenceDue);
    }
  }

  /**
   * Delivers batched presence notices; called before any chat output so that order is kept. Each
   * member gets the notices after its own join; the notices from one start index on become
   * compact packets (7.6 users_joined/users_left), joined into record-sized runs once for all
   * members that share that start (most of them), rather than queued packet by packet per member:
   * a join storm in a large room is n members x k notices.
   */
  private flushPresence(core: V2Core): void {
    if (this.pending.length === 0) return;
    const first = this.pending[0].seq;
    const runs = new Map<number, Buffer[]>();
    for (const member of core.members()) {
      const since = this.joinedAt.get(member.id) ?? 0;
      const start = Math.max(0, since - first + 1);
      if (start >= this.pending.length) continue;
      const endpoint = endpointOf(member);
      let own = runs.get(start);
      if (!own) {
        // Each packet fits one record (6.1) and what a client accepts by default (listBudget).
        const limit = endpoint.coalesceLimit;
        const budget = Math.min(listBudget(core.limits.maxFrame), limit);
        own = presenceRuns(presencePackets(this.pending, start, budget), limit);
        runs.set(start, own);
      }
      for (const run of own) endpoint.sendEncoded(run);
      core.touched(member);
    }
    this.pending = [];
    this.presenceDue = null;
  }

  forget(conn: V2Conn): void {
    this.joinedAt.delete(conn.id);
  }

  tick(core: V2Core, now: number): number | null {
    if (this.presenceDue !== null && now >= this.presenceDue) this.flushPresence(core);
    return this.presenceDue;
  }

  /** Sends the user list in as many packets as it needs (7.6). */
  private sendUsers(core: V2Core, endpoint: V2ServerConnection, name?: string): void {
    // A name's JSON is at most 6 bytes per UTF-16 unit (\uXXXX) plus quotes and a comma.
    const chunks = chunkByJsonSize(
      core.room.names(),
      listBudget(core.limits.maxFrame),
      (n) => n.length * 6 + 3,
    );
    chunks.forEach((users, i) => {
      const more = i < chunks.length - 1 ? { more: true } : {};
      if (i === 0 && name !== undefined) {
        endpoint.acceptJoin(name, users, core.motd, more.more);
      } else {
        endpoint.send({ type: 'user_list', users, ...more });
      }
    });
  }

  handleEvent(core: V2Core, conn: V2Conn, event: V2ServerConnectionEvent, now: number): void {
    // A fatal error event is logged once, by the core, when it closes the connection.
    if (event.kind !== 'packet') return;
    const packet = event.packet;
    const endpoint = endpointOf(conn);
    const from = core.room.nameOf(conn.id);
    if (!HOLDS_PRESENCE.has(packet.type)) this.flushPresence(core);
    switch (packet.type) {
      case 'join': {
        const verdict = core.room.checkName(packet.name);
        if (!verdict.ok) {
          endpoint.refuseJoin(verdict.code, verdict.message);
          return;
        }
        core.join(conn, packet.name);
        this.sendUsers(core, endpoint, packet.name);
        core.record({ kind: 'join', from: packet.name, text: `${packet.name} joined`, ts: now });
        core.log('info', `conn ${conn.id}: joined as ${packet.name}`);
        this.presence(core, { type: 'user_joined', name: packet.name, ts: now }, now, conn);
        return;
      }
      case 'say':
      case 'me': {
        if (!core.takeToken(conn, now) || !core.checkLength(conn, packet.text, now)) return;
        const id = core.room.nextId();
        const kind = packet.type === 'say' ? 'message' : 'action';
        core.record({ kind, from: from!, text: packet.text, ts: now });
        this.broadcast(core, { type: kind, id, from: from!, text: packet.text, ts: now });
        return;
      }
      case 'msg': {
        if (!core.takeToken(conn, now) || !core.checkLength(conn, packet.text, now)) return;
        const targetId = core.room.idOf(packet.to);
        const target = targetId === undefined ? undefined : core.connection(targetId);
        if (!target) {
          this.sendNotice(conn, noSuchUser(packet.to), now);
          return;
        }
        const to = core.room.nameOf(target.id)!;
        const json = encodeV2Packet({
          type: 'private',
          id: core.room.nextId(),
          from: from!,
          to,
          text: packet.text,
          ts: now,
        });
        endpoint.sendEncoded(json);
        if (target !== conn) {
          endpointOf(target).sendEncoded(json);
          core.touched(target);
        }
        return;
      }
      case 'who':
        if (core.takeToken(conn, now)) this.sendUsers(core, endpoint);
        return;
      case 'export': {
        if (!core.takeToken(conn, now)) return;
        const chunks = exportChunks(core.room.entries(), core.limits.maxFrame);
        chunks.forEach((entries, i) => {
          endpoint.send({ type: 'export_reply', entries, done: i === chunks.length - 1 });
        });
        return;
      }
      case 'error':
        // 13.1: the client gave up; the others hear it left with an error.
        conn.closeReason = 'error';
        core.log('info', `conn ${conn.id}: client reported ${JSON.stringify(packet.code)}`);
        return;
      case 'ping':
        // Answered here, not on receipt, so that the pong follows the replies to every packet
        // that arrived before the ping (6.1: packets are processed in order).
        endpoint.send({ type: 'pong', n: packet.n });
        return;
      default:
        // pong and goodbye need nothing from the room.
        return;
    }
  }

  announceLeave(core: V2Core, name: string, reason: LeaveReason, now: number): void {
    core.record({ kind: 'leave', from: name, text: `${name} left`, ts: now });
    this.presence(core, { type: 'user_left', name, reason, ts: now }, now);
  }

  /**
   * Pings go out in batches (everyone whose idle deadline fell in one step of the core's deadline
   * grid gets the same `n`), so the packet is serialised once per batch: at 10,000 idle members
   * that is 333 pings a second, and an idle server's allocation rate decides whether V8 gives its
   * young generation back (reference-server/idle-gc.ts).
   */
  ping(conn: V2Conn, now: number): void {
    if (this.pingAt !== now) {
      this.pingJson = encodeV2Packet({ type: 'ping', n: now });
      this.pingAt = now;
    }
    endpointOf(conn).sendEncoded(this.pingJson!);
  }

  sendNotice(conn: V2Conn, error: ParleyError, _now: number): void {
    endpointOf(conn).sendError(error);
  }
}

function noSuchUser(name: string): ParleyError {
  return parleyError('NO_SUCH_USER', `nobody called "${name}" is here`);
}

/** A sans-IO v2 chat server. */
export function createV2Server(options: V2ServerOptions): ServerCore<V2ServerConnectionEvent> {
  const rules = (maxName: number) => ({
    maxName,
    pattern: V2_NAME_PATTERN,
    reserved: V2_RESERVED_NAMES,
    caseInsensitive: true,
  });
  return new ServerCore(
    new V2Profile(options),
    (limits) => new Room(rules(limits.maxName), limits.history),
    options,
  );
}
