/**
 * Presence notices batched (spec 7.6, 11: presenceBatchMs, presenceBatchMembers, presenceBurst,
 * presenceBatchMaxMs).
 *
 * How this works: a join or leave notice goes out at once in a small room, unless presenceBurst
 * notices already went out in this presenceBatchMs window; otherwise it is held until the hold
 * ends (`due`). Held notices are released as compact packets (users_joined/users_left), joined
 * into record-sized runs once for all members that share a start, before anything that could
 * overtake them. Each member gets only the notices numbered after its own join. The v2 dialect
 * (v2-dialect.ts) hands notices in and takes deliveries out; nothing here calls it back.
 * A keyed joiner's notice (7.16) has a second form with its key, for the members that agreed
 * client-key; the others get exactly what they got before.
 */
import type { LeaveReason, Limits } from '../generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet, joinPackets } from '../session/v2-codec.js';
import { coalesceLimit } from '../session/v2-server-connection.js';
import { chunkByJsonSize, listBudget } from './export-reply.js';
import type { Room } from './room.js';
import type { ConnId, Delivery } from './server-contract.js';

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
  /** A keyed joiner (7.16): its short key and whether it is an operator, and the keyed notice. */
  readonly keyed?: { readonly key: string; readonly op?: true; readonly json: Buffer };
}

/** A joiner's key as presence shows it (7.16). */
export interface PresenceKey {
  readonly key: string;
  readonly op?: true;
}

export type PresenceNotice = V2PacketOf<'user_joined'> | V2PacketOf<'user_left'>;

function pendingOf(seq: number, notice: PresenceNotice, key?: PresenceKey): PendingPresence {
  return {
    seq,
    kind: notice.type,
    name: notice.name,
    reason: notice.type === 'user_left' ? notice.reason : undefined,
    ts: notice.ts,
    json: encodeV2Packet(notice),
    nameBytes: Buffer.byteLength(JSON.stringify(notice.name)),
    ...(key ? { keyed: { ...key, json: encodeV2Packet({ ...notice, ...key }) } } : {}),
  };
}

/**
 * users_joined, or users_left with the run's reason (7.6), for the run `first` opens; `keyed`:
 * for a member that agreed client-key, with the keys of the keyed joiners (7.16).
 */
function runPacket(
  first: PendingPresence,
  part: readonly PendingPresence[],
  ts: number,
  keyed: boolean,
): V2ServerPacket {
  const names = part.map((n) => n.name);
  if (first.kind !== 'user_joined') return { type: 'users_left', names, reason: first.reason!, ts };
  const keys = keyed
    ? part.flatMap((n) =>
        n.keyed ? [{ name: n.name, key: n.keyed.key, ...(n.keyed.op ? { op: true as const } : {}) }] : [],
      )
    : [];
  return keys.length > 0 ? { type: 'users_joined', names, keys, ts } : { type: 'users_joined', names, ts };
}

/** A keyed entry's share of users_joined.keys: the name again, the key, `op` and punctuation. */
const keyedBytes = (n: PendingPresence, keyed: boolean) => (keyed && n.keyed ? n.nameBytes + 40 : 0);

/**
 * The notices from `start` on as packets, in order (7.6, 11). A run of consecutive notices of one
 * kind (leaves: of one reason) becomes users_joined/users_left: a name costs each member about
 * a tenth of the bytes to seal that a whole notice does (5-7x fewer for a batch of 100). It is
 * split so that each packet's JSON stays within `budget` bytes, and a run (or last part) of one
 * name stays a plain user_joined/user_left.
 */
function presencePackets(
  pending: readonly PendingPresence[],
  start: number,
  budget: number,
  keyed: boolean,
): Buffer[] {
  const packets: Buffer[] = [];
  for (let i = start, end = start; i < pending.length; i = end) {
    const first = pending[i];
    while (end < pending.length && pending[end].kind === first.kind && pending[end].reason === first.reason)
      end++;
    // The JSON is the empty packet (with the longest ts, and `"keys":[]` when keyed) plus each
    // name and a comma but the last, and each keyed name's entry in `keys`.
    const empty =
      encodeV2Packet(runPacket(first, [], Number.MAX_SAFE_INTEGER, false)).length + (keyed ? 10 : 0);
    const cost = (n: PendingPresence) => n.nameBytes + 1 + keyedBytes(n, keyed);
    const parts = chunkByJsonSize(pending.slice(i, end), budget - empty + 1, cost);
    for (const part of parts) {
      const ts = part[part.length - 1].ts;
      const alone = keyed && part[0].keyed ? part[0].keyed.json : part[0].json;
      packets.push(part.length === 1 ? alone : encodeV2Packet(runPacket(first, part, ts, keyed)));
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

/** The presence notices of one server: sent at once, or held and released in batches. */
export class PresenceBatch {
  /** Presence events are numbered; a member gets only those numbered after its own join. */
  private presenceSeq = 0;
  private readonly joinedAt = new Map<ConnId, number>();
  private pending: PendingPresence[] = [];
  private presenceDue: number | null = null;
  /** The current presenceBatchMs window, and the notices sent at once in it. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowSent = 0;

  constructor(private readonly limits: Limits) {}

  /** When the held notices are due to go out, or null when none are held. */
  get due(): number | null {
    return this.presenceDue;
  }

  /** Member `id` left: it is no longer told of presence. */
  forget(id: ConnId): void {
    this.joinedAt.delete(id);
  }

  /**
   * A presence notice (11): at once in a small room, unless presenceBurst notices already went out
   * in this presenceBatchMs window; otherwise held until the window ends. So joins and leaves at a
   * human pace are seen at once, and a stream of them (a reconnect storm, clients that come and
   * go) costs each member one record per window instead of one per notice. `self` (the joiner)
   * never gets its own notice.
   */
  notice(
    out: Delivery[],
    room: Room<ConnId>,
    packet: PresenceNotice,
    now: number,
    self?: ConnId,
    key?: PresenceKey,
  ): void {
    const seq = ++this.presenceSeq;
    if (self !== undefined) this.joinedAt.set(self, seq);
    const { presenceBatchMs, presenceBatchMembers, presenceBurst } = this.limits;
    if (now - this.windowStart >= presenceBatchMs) {
      this.windowStart = now;
      this.windowSent = 0;
    }
    if (this.pending.length === 0 && this.windowSent < presenceBurst && room.size < presenceBatchMembers) {
      const alt = key
        ? { alt: { feature: 'client-key', packet: encodeV2Packet({ ...packet, ...key }) } }
        : {};
      out.push({
        kind: 'broadcast',
        packet: encodeV2Packet(packet),
        type: packet.type,
        except: self,
        ...alt,
      });
      this.windowSent++;
      return;
    }
    this.pending.push(pendingOf(seq, packet, key));
    this.presenceDue ??= now + presenceHoldMs(this.limits, room.size);
  }

  /**
   * Held presence notices as deliveries; they go out before any chat output so that order is
   * kept. Each member gets the notices after its own join; the notices from one start index on
   * become compact packets (7.6 users_joined/users_left), joined into record-sized runs once for
   * all members that share that start (most of them), rather than queued packet by packet per
   * member: a join storm in a large room is n members x k notices.
   */
  release(room: Room<ConnId>): Delivery[] {
    const out: Delivery[] = [];
    if (this.pending.length === 0) return out;
    const first = this.pending[0].seq;
    // Runs by start and by view: a member that agreed client-key sees the joiners' keys (7.16).
    const runs = new Map<number, Buffer[]>();
    const keyedRuns = new Map<number, Buffer[]>();
    const anyKeyed = this.pending.some((n) => n.keyed);
    // Each packet fits one record (6.1) and what a client accepts by default (listBudget).
    const limit = coalesceLimit(this.limits.maxFrame);
    const budget = Math.min(listBudget(this.limits.maxFrame), limit);
    for (const member of room.members()) {
      const since = this.joinedAt.get(member) ?? 0;
      const start = Math.max(0, since - first + 1);
      if (start >= this.pending.length) continue;
      const keyed = anyKeyed && (room.factsOf(member)?.features.has('client-key') ?? false);
      const cache = keyed ? keyedRuns : runs;
      let own = cache.get(start);
      if (!own) {
        own = presenceRuns(presencePackets(this.pending, start, budget, keyed), limit);
        cache.set(start, own);
      }
      // A run is checked by its first packet's type: every presence packet has the same rows.
      for (const run of own) out.push({ kind: 'send', to: member, packet: run, type: 'users_joined' });
    }
    this.pending = [];
    this.presenceDue = null;
    return out;
  }
}
