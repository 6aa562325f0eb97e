/**
 * The chat server's connections (spec 11): every open one by id, the joined ones in join order,
 * and those with output waiting for the next flush; and delivery onto them.
 *
 * How this works: the server (chat-server.ts) adds a record when it accepts a connection and
 * removes it once the connection is finished. A dialect's rendered deliveries (server-contract.ts)
 * are queued here on the endpoints they are for, and each endpoint written to is marked dirty;
 * the server's flush then gives each dirty connection its turn at the socket (send-queue.ts).
 * A packet with several forms (with `room`, 7.15; keys, 7.16; moderation reasons, 7.18) reaches
 * each member in the form its agreed features call for (pickForm).
 * Nothing here decides anything or calls the server: it only holds and queues.
 */
import type { Limits } from '../generated/constants.js';
import { packetBucket } from './rate-limit.js';
import { type Conn, type ConnId, type Delivery, pickForm, type ServerEndpoint } from './server-contract.js';

/** The features of a connection that agreed none (legacy, a 2.0 client). */
const NO_FEATURES: ReadonlySet<string> = new Set();

export class ConnectionTable<E> {
  readonly conns = new Map<ConnId, Conn<E>>();
  /**
   * Joined, unfinished connections in join order, kept beside the room so that a broadcast is a
   * plain loop (no generator, no map lookup per recipient): the hot path of a busy room.
   */
  readonly joined = new Set<Conn<E>>();
  /** Connections with output queued since the last flush. */
  readonly dirty = new Set<Conn<E>>();
  /**
   * Connections in the order they were accepted, until they join or finish (11.2: a full server
   * closes the oldest of them to serve a newcomer). A joined one leaves the set when
   * `oldestUnjoined` meets it, so the server's join path has nothing more to do.
   */
  private readonly unjoined = new Set<Conn<E>>();

  /** The connection accepted first of those that have not joined and are not finished (11.2). */
  oldestUnjoined(): Conn<E> | undefined {
    for (const conn of this.unjoined) {
      if (!conn.finished && !this.joined.has(conn)) return conn;
      this.unjoined.delete(conn);
    }
    return undefined;
  }

  /** A new connection's record, accepted at `now` from `address` (admission.ts's key). */
  add(
    id: ConnId,
    endpoint: ServerEndpoint<E>,
    now: number,
    address: string | undefined,
    limits: Limits,
  ): Conn<E> {
    const conn = connRecord(id, endpoint, now, address, limits);
    this.conns.set(id, conn);
    this.dirty.add(conn);
    this.unjoined.add(conn);
    return conn;
  }

  /** Takes a finished connection out of every set. */
  remove(conn: Conn<E>): void {
    this.joined.delete(conn);
    this.dirty.delete(conn);
    this.unjoined.delete(conn);
    this.conns.delete(conn.id);
  }

  /**
   * Queues deliveries on the endpoints they are for; a broadcast's packet is the same Buffer for all.
   * `cap` (a profile that never sheds, 11; null for the others): a connection whose queue is over
   * it may hold no more, and nothing more is sealed for it, since its next turn ends it anyway
   * (send-queue.ts). Checked here, at each packet, because one event-loop turn can read many chat
   * lines (megabytes, from many sockets) before any flush.
   * `joinBudget`: half the queue limit, what a join may fill a member's queue to with its backlog
   * and away notices (7.10), and past which away notices go without their reasons (7.12); the one
   * place that bounds them.
   * Returns the fan-out: the bytes the broadcasts queued, summed over their recipients (7.8).
   */
  deliver(deliveries: readonly Delivery[], cap: number | null = null, joinBudget = 0): number {
    let fanout = 0;
    for (const d of deliveries) {
      if (d.kind === 'broadcast') {
        const send = (member: Conn<E>) => {
          if (member.id === d.except || member.overrun) return;
          const features = member.endpoint.features;
          if (d.unless !== undefined && features?.has(d.unless)) return;
          if (d.skip?.includes(member.id)) return;
          if (this.full(member, cap)) return;
          let packet = pickForm(d, features);
          const state = d.stateOf;
          // 7.12: an away reason that would take the member's queue past half its limit is left out.
          if (state && member.endpoint.pendingBytes + member.inFlight + packet.length > joinBudget)
            packet = state.brief;
          member.endpoint.sendEncoded(packet, d.type, d.from, state?.about);
          fanout += packet.length;
          this.dirty.add(member);
        };
        if (d.among === undefined) for (const member of this.joined) send(member);
        else
          for (const id of d.among) {
            const member = this.conns.get(id);
            if (member && !member.finished) send(member);
          }
        continue;
      }
      const conn = this.conns.get(d.to);
      if (!conn || conn.finished) continue;
      if (d.kind === 'settle') conn.endpoint.settle(d.when);
      else if (conn.overrun || this.full(conn, cap)) continue;
      else if (d.kind === 'send') conn.endpoint.sendEncoded(pickForm(d, conn.endpoint.features), d.type);
      else if (d.kind === 'budgeted') {
        // 7.10 join budget: the join's backlog and away notices fit half the queue limit.
        const left = joinBudget - conn.endpoint.pendingBytes - conn.inFlight;
        for (const e of d.make(left, conn.endpoint.features ?? NO_FEATURES))
          conn.endpoint.sendEncoded(e.packet, e.type);
      }
      // One large reply in flight per connection (7.7): a second gets `busy`.
      else if (conn.reply) conn.endpoint.sendEncoded(d.busy.packet, d.busy.type);
      else conn.reply = d.source(conn.endpoint.features ?? NO_FEATURES);
      this.dirty.add(conn);
    }
    return fanout;
  }

  /** True when `conn`'s queue is over `cap`: it is marked overrun, and dirty so its next turn ends it. */
  private full(conn: Conn<E>, cap: number | null): boolean {
    if (cap === null || conn.endpoint.pendingBytes + conn.inFlight <= cap) return false;
    conn.overrun = true;
    this.dirty.add(conn);
    return true;
  }
}

/** A connection's record as it is when accepted at `now`: nothing heard, queued or owed yet. */
export function connRecord<E>(
  id: ConnId,
  endpoint: ServerEndpoint<E>,
  now: number,
  address: string | undefined,
  limits: Limits,
): Conn<E> {
  return {
    id,
    endpoint,
    openedAt: now,
    lastHeard: now,
    pingedAt: null,
    finished: false,
    address,
    rate: packetBucket(limits, now),
    reply: null,
    inFlight: 0,
    waitingSince: now,
    skipped: 0,
    counted: 0,
    overrun: false,
  };
}
