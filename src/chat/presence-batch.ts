/**
 * Presence notices batched (spec 7.6, 7.15, 11: presenceBatchMs, presenceBatchMembers,
 * presenceBurst, presenceBatchMaxMs), one batch per room.
 *
 * How this works: a join or leave notice goes out at once in a small room, unless presenceBurst
 * notices already went out in this presenceBatchMs window; otherwise it is held until the hold
 * ends (`due`). Held notices are released as compact packets (users_joined/users_left), joined
 * into record-sized runs once for all members that share a start, before anything that could
 * overtake them. Each member gets only the notices numbered after its own join. A room's notices
 * go to its members only, and never mix with another room's (7.15); `#lobby`'s come in two forms,
 * with `room` for members that agreed rooms and the 2.0 form for the others. A keyed joiner's
 * notice (7.16) has forms with its key, for the members that agreed client-key, and their
 * users_joined carry `keys`; the others get exactly what they got before. The v2 dialect
 * (v2-dialect.ts) hands notices in and takes deliveries out; nothing here calls it back.
 */
import type { LeaveReason, Limits } from '../generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet, joinPackets } from '../session/v2-codec.js';
import { coalesceLimit } from '../session/v2-server-connection.js';
import type { ChatRoom } from './chat-room.js';
import { chunkByJsonSize, listBudget } from './export-reply.js';
import type { ConnId, Delivery, PacketForm } from './server-contract.js';

/** The features whose forms a presence notice may have (7.15, 7.16). */
const ROOMS = 'rooms';
const CLIENT_KEY = 'client-key';

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
  /** The same with `room` (7.15), when the batch's room needs that form. */
  readonly roomed?: Buffer;
  /** UTF-8 bytes of the name as a JSON string: its share of a compact packet. */
  readonly nameBytes: number;
  /** A keyed joiner (7.16): its short key and `op`, and `json` and `roomed` with them. */
  readonly keyed?: {
    readonly key: string;
    readonly op?: true;
    readonly json: Buffer;
    readonly roomed?: Buffer;
  };
}

/** A joiner's key as presence shows it (7.16). */
export interface PresenceKey {
  readonly key: string;
  readonly op?: true;
}

export type PresenceNotice = V2PacketOf<'user_joined'> | V2PacketOf<'user_left'>;

/** Which forms of a room's notices its members need (7.15). */
export interface PresenceForms {
  /** The 2.0 form (`#lobby`'s members without rooms). */
  readonly plain: boolean;
  /** With `room`: the room's name (members that agreed rooms), or null when nobody needs it. */
  readonly room: string | null;
}

/** The 2.0 form's leave reason: a part is told as a quit to a client without rooms (7.15). */
const plainReason = (reason: LeaveReason | undefined) => (reason === 'part' ? 'quit' : reason);

/** `notice` in the 2.0 form, or with `room` (7.15). */
function formOf(notice: PresenceNotice, room: string | null): PresenceNotice {
  if (room !== null) return { ...notice, room };
  return notice.type === 'user_left' ? { ...notice, reason: plainReason(notice.reason)! } : notice;
}

function pendingOf(
  seq: number,
  notice: PresenceNotice,
  forms: PresenceForms,
  key?: PresenceKey,
): PendingPresence {
  const both = forms.plain && forms.room !== null;
  const json = encodeV2Packet(formOf(notice, forms.plain ? null : forms.room));
  const roomed = both ? encodeV2Packet(formOf(notice, forms.room)) : undefined;
  const keyed = key && {
    ...key,
    json: encodeV2Packet({ ...formOf(notice, forms.plain ? null : forms.room), ...key }),
    ...(both ? { roomed: encodeV2Packet({ ...formOf(notice, forms.room), ...key }) } : {}),
  };
  return {
    ...(keyed ? { keyed } : {}),
    seq,
    kind: notice.type,
    name: notice.name,
    reason: notice.type === 'user_left' ? notice.reason : undefined,
    ts: notice.ts,
    json,
    ...(roomed ? { roomed } : {}),
    nameBytes: Buffer.byteLength(JSON.stringify(notice.name)),
  };
}

/**
 * users_joined, or users_left with the run's reason (7.6), for the run `first` opens; with `room`
 * when given (7.15); `keyed`: for a member that agreed client-key, with the joiners' keys (7.16).
 */
function runPacket(
  first: PendingPresence,
  part: readonly PendingPresence[],
  ts: number,
  room: string | null,
  keyed: boolean,
): V2ServerPacket {
  const scope = room === null ? {} : { room };
  const names = part.map((n) => n.name);
  if (first.kind === 'user_joined') {
    const keys = keyed
      ? part.flatMap((n) =>
          n.keyed ? [{ name: n.name, key: n.keyed.key, ...(n.keyed.op ? { op: true as const } : {}) }] : [],
        )
      : [];
    return { type: 'users_joined', names, ...(keys.length > 0 ? { keys } : {}), ts, ...scope };
  }
  const reason = room === null ? plainReason(first.reason)! : first.reason!;
  return { type: 'users_left', names, reason, ts, ...scope };
}

/**
 * A keyed entry's share of users_joined.keys: `{"name":` the name again `,"key":` the quoted
 * 12-character key `,"op":true}` (40 bytes besides the name, at most) and the comma before the next.
 */
const keyedBytes = (n: PendingPresence, keyed: boolean) => (keyed && n.keyed ? n.nameBytes + 41 : 0);

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
  room: string | null,
  keyed: boolean,
  single: (n: PendingPresence) => Buffer,
): Buffer[] {
  const packets: Buffer[] = [];
  const reasonOf = (n: PendingPresence) => (room === null ? plainReason(n.reason) : n.reason);
  for (let i = start, end = start; i < pending.length; i = end) {
    const first = pending[i];
    while (
      end < pending.length &&
      pending[end].kind === first.kind &&
      reasonOf(pending[end]) === reasonOf(first)
    )
      end++;
    // The JSON is the empty packet (with the longest ts, and `"keys":[]` when keyed) plus each
    // name and a comma but the last, and each keyed name's entry in `keys`.
    const empty =
      encodeV2Packet(runPacket(first, [], Number.MAX_SAFE_INTEGER, room, false)).length + (keyed ? 10 : 0);
    const cost = (n: PendingPresence) => n.nameBytes + 1 + keyedBytes(n, keyed);
    const parts = chunkByJsonSize(pending.slice(i, end), budget - empty + 1, cost);
    for (const part of parts) {
      const ts = part[part.length - 1].ts;
      packets.push(
        part.length === 1 ? single(part[0]) : encodeV2Packet(runPacket(first, part, ts, room, keyed)),
      );
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

/** The presence notices of one room: sent at once, or held and released in batches. */
export class PresenceBatch {
  /** Presence events are numbered; a member gets only those numbered after its own join. */
  private presenceSeq = 0;
  private readonly joinedAt = new Map<ConnId, number>();
  private pending: PendingPresence[] = [];
  private presenceDue: number | null = null;
  /** The current presenceBatchMs window, and the notices sent at once in it. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowSent = 0;

  constructor(
    private readonly limits: Limits,
    readonly room: ChatRoom<ConnId>,
    private readonly forms: PresenceForms,
    /** Whether a member agreed rooms (7.15): it gets the form with `room`. */
    private readonly speaksRooms: (id: ConnId) => boolean,
    /** Whether a member agreed client-key (7.16): it gets the keyed forms. */
    private readonly seesKeys: (id: ConnId) => boolean,
  ) {}

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
  notice(out: Delivery[], packet: PresenceNotice, now: number, self?: ConnId, key?: PresenceKey): void {
    const room = this.room;
    const seq = ++this.presenceSeq;
    if (self !== undefined) this.joinedAt.set(self, seq);
    const { presenceBatchMs, presenceBatchMembers, presenceBurst } = this.limits;
    if (now - this.windowStart >= presenceBatchMs) {
      this.windowStart = now;
      this.windowSent = 0;
    }
    const pending = pendingOf(seq, packet, this.forms, key);
    if (this.pending.length === 0 && this.windowSent < presenceBurst && room.size < presenceBatchMembers) {
      const { json, roomed, keyed } = pending;
      const among = room.members;
      // The connection table takes the first form whose features a member agreed (7.15, 7.16).
      const forms: PacketForm[] = [];
      if (keyed?.roomed) forms.push({ needs: [ROOMS, CLIENT_KEY], packet: keyed.roomed });
      if (keyed) forms.push({ needs: [CLIENT_KEY], packet: keyed.json });
      if (roomed) forms.push({ needs: [ROOMS], packet: roomed });
      out.push({
        kind: 'broadcast',
        packet: json,
        ...(forms.length > 0 ? { forms } : {}),
        type: packet.type,
        except: self,
        among,
      });
      this.windowSent++;
      return;
    }
    this.pending.push(pending);
    this.presenceDue ??= now + presenceHoldMs(this.limits, room.size);
  }

  /**
   * Held presence notices as deliveries; they go out before any chat output so that order is
   * kept. Each member gets the notices after its own join; the notices from one start index on
   * become compact packets (7.6 users_joined/users_left), joined into record-sized runs once for
   * all members that share that start (most of them), rather than queued packet by packet per
   * member: a join storm in a large room is n members x k notices.
   */
  release(): Delivery[] {
    const out: Delivery[] = [];
    if (this.pending.length === 0) return out;
    const first = this.pending[0].seq;
    // Runs by start index, for each form: `json`'s (index 0) and, in `#lobby`, `roomed` (1).
    // Keyed views (2, 3) are the same with the joiners' keys, for members that agreed client-key.
    const runs = [0, 1, 2, 3].map(() => new Map<number, Buffer[]>());
    const anyKeyed = this.pending.some((n) => n.keyed);
    // Each packet fits one record (6.1) and what a client accepts by default (listBudget).
    const limit = coalesceLimit(this.limits.maxFrame);
    const budget = Math.min(listBudget(this.limits.maxFrame), limit);
    const { plain, room } = this.forms;
    const both = plain && room !== null;
    for (const member of this.room.members) {
      const since = this.joinedAt.get(member) ?? 0;
      const start = Math.max(0, since - first + 1);
      if (start >= this.pending.length) continue;
      const roomed = both && this.speaksRooms(member);
      const keyed = anyKeyed && this.seesKeys(member);
      const form = (roomed ? 1 : 0) + (keyed ? 2 : 0);
      let own = runs[form].get(start);
      if (!own) {
        const single = (n: PendingPresence) =>
          keyed && n.keyed ? (roomed ? n.keyed.roomed! : n.keyed.json) : roomed ? n.roomed! : n.json;
        const scope = roomed ? room : plain ? null : room;
        const packets = presencePackets(this.pending, start, budget, scope, keyed, single);
        own = presenceRuns(packets, limit);
        runs[form].set(start, own);
      }
      // A run is checked by its first packet's type: every presence packet has the same rows.
      for (const run of own) out.push({ kind: 'send', to: member, packet: run, type: 'users_joined' });
    }
    this.pending = [];
    this.presenceDue = null;
    return out;
  }
}

/**
 * Every room's presence batch (7.15): a room's notices reach its own members only. A batch is made
 * at a room's first notice and dropped once the room has emptied (a forgotten room leaves nothing
 * behind). Held notices of every room go out together, before anything that could overtake them.
 */
export class PresenceBatches {
  private readonly batches = new Map<ChatRoom<ConnId>, PresenceBatch>();
  /** Batches holding notices. */
  private readonly holding = new Set<PresenceBatch>();

  constructor(
    private readonly limits: Limits,
    private readonly formsOf: (room: ChatRoom<ConnId>) => PresenceForms,
    private readonly speaksRooms: (id: ConnId) => boolean,
    private readonly seesKeys: (id: ConnId) => boolean,
  ) {}

  /** When the first held notices are due, or null when none are held. */
  get due(): number | null {
    let due: number | null = null;
    for (const batch of this.holding) if (due === null || batch.due! < due) due = batch.due;
    return due;
  }

  /** A notice for `room`'s members (PresenceBatch.notice). */
  notice(
    out: Delivery[],
    room: ChatRoom<ConnId>,
    packet: PresenceNotice,
    now: number,
    self?: ConnId,
    key?: PresenceKey,
  ): void {
    let batch = this.batches.get(room);
    if (!batch) {
      batch = new PresenceBatch(this.limits, room, this.formsOf(room), this.speaksRooms, this.seesKeys);
      this.batches.set(room, batch);
    }
    batch.notice(out, packet, now, self, key);
    if (batch.due !== null) this.holding.add(batch);
    else if (room.size === 0) this.batches.delete(room);
  }

  /** Member `id` is out of `room` (or, without one, out of every room): no more of its notices. */
  forget(id: ConnId, room?: ChatRoom<ConnId>): void {
    if (room) this.batches.get(room)?.forget(id);
    else for (const batch of this.batches.values()) batch.forget(id);
  }

  /** `room`'s held notices, as deliveries (before a notice that must not wait: 7.18's leaves). */
  releaseRoom(room: ChatRoom<ConnId>): Delivery[] {
    const batch = this.batches.get(room);
    if (!batch || !this.holding.delete(batch)) return [];
    return batch.release();
  }

  /** Every held notice of every room, as deliveries. */
  release(): Delivery[] {
    if (this.holding.size === 0) return [];
    const out: Delivery[] = [];
    for (const batch of this.holding) for (const d of batch.release()) out.push(d);
    this.holding.clear();
    for (const [room, batch] of this.batches)
      if (room.size === 0 && batch.due === null) this.batches.delete(room);
    return out;
  }
}
