/**
 * The sans-IO chat server: every connection, the room, timers, for one wire profile.
 *
 * How this works: the adapter reports what happened on its sockets (`open`, `data`, `end`, `fail`,
 * `drained`) and the passing of time (`tick`), each with `now`; every call returns actions (write
 * these bytes to connection N, close connection N, log this line). Nothing here reads a clock,
 * draws random bytes of its own, or touches a socket. Data flows one way: each step is handed a
 * value and returns one, and no function is handed down for a callee to call back:
 *
 *   endpoint (bytes -> events) -> dialect.read (event -> request) -> room.decide (request ->
 *   decision) -> dialect.render (decision -> deliveries) -> deliver (queue on endpoints) -> flush
 *
 * The path of one chat message (a v2 `say`), file by file (leaves in brackets only compute or
 * hold, and return; README.md "How the server handles one chat message" tells it at length):
 *   1. chat-server.ts `data` -> `run` -> `handle`: the bytes to the connection's endpoint; each
 *      event it returns charged to the connection's bucket [packet-charge.ts, rate-limit.ts: 7.8].
 *   2. session/endpoint.ts `receive` + session/v2-server-connection.ts `step`: a frame -> the
 *      opened record -> packets -> the state table's transition -> an event.
 *   3. chat/v2-dialect.ts `read`: the `say` packet -> the request {say, text, room}.
 *   4. chat/room.ts `decide`: room [room-set.ts], name [member-roster.ts], length (7.3), mutes
 *      (7.18), id and time, history -> a `message` decision.
 *   5. chat/v2-dialect.ts `render`: the decision -> one `message` packet for the room's members.
 *   6. chat-server.ts `deliver`: queued on their endpoints [connection-table.ts, handed the queue
 *      limit as a number]; `flush`, or `flushing` pulled by the adapter one action at a time:
 *      the outbox's pass gives each connection its turn at the socket [outbox.ts, send-queue.ts],
 *      which returns its write, sealed into one record by its endpoint.
 *
 * What this file holds itself: the order of the steps. Off that path, lifecycle.ts decides who
 * is served at accept (5.10) and ends a connection exactly once (the room's leave decision
 * rendered for the others), handing back what the server carries out. Its other leaves:
 * outbox.ts (the actions and the next deadline handed to the adapter), server-contract.ts (the
 * types handed on), deadlines.ts (timeouts, pings, 11).
 */
import { type ParleyError, toParleyError } from '../errors.js';
import type { LeaveReason, Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { logText } from '../text/untrusted-text.js';
import { ConnectionTable } from './connection-table.js';
import { DeadlineScan, deadlineGrid, onGrid } from './deadlines.js';
import { Lifecycle } from './lifecycle.js';
import { Outbox } from './outbox.js';
import { chargeEvent } from './packet-charge.js';
import { chargeFanout } from './rate-limit.js';
import type { Room } from './room.js';
import {
  type ChatServerOptions,
  type Conn,
  type ConnId,
  type Delivery,
  leaveReason,
  type ServerAction,
  type StateSave,
  type WireDialect,
} from './server-contract.js';

export { REFUSAL_LOG_WINDOW_MS } from './accept-gate.js';

/** The features of a connection that agreed none (legacy, a 2.0 client, 5.8). */
const NO_FEATURES: ReadonlySet<string> = new Set();

export type * from './server-contract.js';

export class ChatServer<E = unknown> {
  /** Every open connection, the joined ones, those written to (connection-table.ts). */
  private readonly table = new ConnectionTable<E>();
  private readonly conns = this.table.conns;
  private readonly joined = this.table.joined;
  private readonly dirty = this.table.dirty;
  /** The actions made so far, the writes at a flush, the next deadline (outbox.ts). */
  private readonly out: Outbox;
  private stopping = false;
  /** The latest `now` an adapter call brought (flush has none of its own). */
  private clock = 0;
  private readonly deferWrites: boolean;
  /** Who is served at accept, and how a connection ends, once (lifecycle.ts). */
  private readonly life: Lifecycle<E>;
  /** The grid (ms) that connection deadlines (11) are rounded up to (deadlines.ts says why). */
  readonly deadlineGrid: number;

  constructor(
    readonly dialect: WireDialect<E>,
    readonly room: Room<ConnId>,
    readonly limits: Limits,
    options: ChatServerOptions = {},
  ) {
    this.deferWrites = options.deferWrites ?? false;
    this.deadlineGrid = deadlineGrid(limits);
    this.out = new Outbox(limits, dialect, options.flowControl ?? false, this.deadlineGrid);
    this.life = new Lifecycle(limits, dialect, room, this.joined, this.out);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** The earliest time at which `tick` has work to do, or null when nothing is pending. */
  get nextDeadline(): number | null {
    return this.out.nextDeadline;
  }

  connection(id: ConnId): Conn<E> | undefined {
    return this.conns.get(id);
  }

  /** Bytes queued across all connections, as counted at the last flush (11, maxTotalQueuedBytes). */
  get queuedBytes(): number {
    return this.out.queuedBytes;
  }

  /** True when some connection has queued output that `flush()` would write. */
  get hasPendingWrites(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * A connection was accepted from `remoteAddress` (as the socket gives it; the adapter passes it
   * whenever it knows it, since the per-address limits of 11 need it). A connection that is not
   * to be served is refused here (5.10): v2 sends it a `refused` packet, legacy closes it.
   */
  open(id: ConnId, now: number, remoteAddress?: string): ServerAction[] {
    this.clock = now;
    const arrival = this.life.admit(id, remoteAddress, this.stopping, now, this.table.oldestUnjoined());
    if (arrival.served && arrival.evict) this.finish(arrival.evict.conn, 'timeout', now, arrival.evict.error);
    if (arrival.served) {
      this.table.add(id, this.dialect.createEndpoint(now), now, arrival.address, this.limits);
      this.out.lowerDeadline(onGrid(now + this.limits.handshakeTimeoutMs, this.deadlineGrid));
      this.out.log('debug', `conn ${id}: open`);
    }
    return this.done();
  }

  /** Bytes arrived on a connection. */
  data(id: ConnId, chunk: Uint8Array, now: number): ServerAction[] {
    this.clock = now;
    const conn = this.conns.get(id);
    if (!conn) return [];
    const before = conn.endpoint.framesReceived;
    this.run(conn, now, conn.endpoint.receive(chunk));
    // Only a complete frame is hearing from the peer (11): the bytes of an unfinished one are not,
    // so a record trickled a byte at a time cannot hold a connection open past the idle timeout.
    if (conn.endpoint.framesReceived > before) {
      conn.lastHeard = now;
      conn.pingedAt = null;
      // Hearing from a peer moves its next ping earlier than any deadline computed before (11).
      if (this.dialect.idleChecks && !conn.finished)
        this.out.lowerDeadline(onGrid(now + this.limits.idlePingMs, this.deadlineGrid));
    }
    return this.done();
  }

  /**
   * State changed since the last call that the adapter keeps for the next run (7.17, 7.18): the
   * reserved names and the key bans, each at most once, as the JSON value to write.
   */
  takeSaves(): StateSave[] {
    const out: StateSave[] = [];
    const reservations = this.room.guards.reservations?.takeSave();
    if (reservations) out.push({ what: 'reservations', data: reservations });
    const bans = this.room.guards.moderation?.takeSave();
    if (bans) out.push({ what: 'bans', data: bans });
    return out;
  }

  /** The peer closed its side. */
  end(id: ConnId, now: number): ServerAction[] {
    this.clock = now;
    const conn = this.conns.get(id);
    if (!conn) return [];
    this.run(conn, now, conn.endpoint.receiveEnd());
    if (!conn.finished) this.finish(conn, 'lost', now);
    return this.done();
  }

  /** The adapter gives up on a connection (socket error, SLOW_READER...). */
  fail(id: ConnId, code: ErrorCode, message: string, now: number): ServerAction[] {
    this.clock = now;
    const conn = this.conns.get(id);
    if (!conn) return [];
    this.giveUp(conn, code, message, code === 'SLOW_READER' ? 'error' : 'lost', now);
    return this.done();
  }

  /** Time passed: handshake and idle timeouts, pings (spec 11), held presence falling due. */
  tick(now: number): ServerAction[] {
    this.clock = now;
    const scan = new DeadlineScan(this.limits, this.deadlineGrid, now, this.dialect);
    for (const conn of this.conns.values()) {
      if (conn.finished) continue;
      const due = scan.check(conn, this.joined.has(conn));
      if (due.kind === 'slow') this.giveUp(conn, 'SLOW_READER', due.message, 'error', now);
      else if (due.kind === 'timeout') this.giveUp(conn, due.code, due.message, 'timeout', now, true);
      else if (due.kind === 'pinged') this.dirty.add(conn);
    }
    this.deliver(this.dialect.tick(this.room, now));
    this.out.setDeadline(scan.nextWith(this.life.tick(now)));
    return this.done();
  }

  /**
   * Flow control: the sockets of these connections took what was written to them (the write did
   * not queue past the socket's mark, or the socket drained); what waits for them goes out at the
   * next flush (11, sendWindowBytes).
   */
  drained(ids: Iterable<ConnId>, now: number): ServerAction[] {
    this.clock = now;
    for (const id of ids) {
      const conn = this.conns.get(id);
      if (conn && !conn.finished && this.out.drained(conn, now)) this.dirty.add(conn);
    }
    return this.done();
  }

  /** SIGINT/SIGTERM: goodbye to everyone (v2), close all, clear history (7.9). */
  shutdown(now: number): ServerAction[] {
    this.clock = now;
    this.stopping = true;
    for (const conn of this.conns.values()) {
      if (conn.finished) continue;
      conn.endpoint.goodbye('server shutting down');
      this.finish(conn, 'shutdown', now, undefined, false);
    }
    this.room.clearHistory();
    return this.done();
  }

  /**
   * Every action made so far, then one corked write per connection with queued output: the one
   * place output leaves the server (each call ends here unless `deferWrites`).
   */
  flush(): ServerAction[] {
    const out: ServerAction[] = [];
    for (const action of this.flushing()) out.push(action);
    return out;
  }

  /**
   * The same pass as `flush`, pulled one action at a time by the adapter: a connection's records
   * are sealed only when the adapter asks for the next action, so it writes and drops them before
   * the next connection's are made, and a broadcast's records are never all alive at once (join
   * storm peaks). The pass ends when the adapter has taken the last action.
   */
  *flushing(): Generator<ServerAction, void, undefined> {
    // A slow reader is ended here, and its close is among the actions the pass hands on next.
    for (const step of this.out.pass(this.dirty, this.clock, this.conns.size)) {
      if ('slow' in step) this.giveUp(step.conn, 'SLOW_READER', step.slow, 'error', this.clock);
      else yield step;
    }
  }

  /** The end of every adapter call: the dialect's next deadline, then the actions. */
  private done(): ServerAction[] {
    const due = this.dialect.due;
    if (due !== null) this.out.lowerDeadline(due);
    if (!this.deferWrites) return this.flush();
    return this.out.take();
  }

  /**
   * Handles the events of one read in order. A join holds back the rest of its read until the
   * room has decided (13.1, 13.3): once its verdict is settled, the endpoint hands on what it held.
   */
  private run(conn: Conn<E>, now: number, first: E[]): void {
    try {
      for (let events = first; events.length > 0 && !conn.finished; events = conn.endpoint.resumeHeld()) {
        for (const event of events) {
          if (conn.finished) break;
          this.handle(conn, event, now);
        }
      }
    } catch (err) {
      // A bug in our handling of one connection must not take down the others (issue: robustness).
      const error = conn.endpoint.failWith(toParleyError(err));
      this.life.logAbout(conn, 'error', `conn ${conn.id}: ${error.code}: ${logText(error.message)}`, now);
    }
    this.dirty.add(conn);
    const state = conn.endpoint.state;
    if (!conn.finished && (state === 'ERROR' || state === 'CLOSED')) {
      const failure = state === 'ERROR' ? (conn.endpoint.failure ?? undefined) : undefined;
      if (failure) {
        const line = `conn ${conn.id}: closed: ${failure.code}: ${logText(failure.message)}`;
        this.life.logAbout(conn, 'info', line, now);
      }
      this.finish(conn, failure ? leaveReason(failure.code) : (conn.closeReason ?? 'quit'), now, failure);
    }
  }

  /**
   * One endpoint event: charged to the connection's bucket (packet-charge.ts, 7.8: before the
   * packet has any effect), then the dialect reads it, the room decides, and the dialect renders
   * the decision.
   */
  private handle(conn: Conn<E>, event: E, now: number): void {
    const charge = chargeEvent(conn, event, this.dialect, this.limits, now);
    if (charge.kind === 'close') {
      this.giveUp(conn, charge.error.code, charge.error.message, 'error', now, true);
      return;
    }
    if (charge.kind === 'dropped') {
      if (charge.refuseJoin) conn.endpoint.settle('refused');
      if (charge.notice)
        this.deliver(
          this.dialect.render({ kind: 'notice', by: conn.id, error: charge.notice }, this.room, now),
        );
      return;
    }
    const reading = this.dialect.read(event, conn.id, this.room, now, conn.endpoint.features ?? NO_FEATURES);
    if (reading === null) return;
    if (reading.deliveries) this.deliver(reading.deliveries);
    if (reading.gaveUp !== undefined) {
      conn.closeReason = 'error';
      this.life.logAbout(conn, 'info', `conn ${conn.id}: client reported ${logText(reading.gaveUp)}`, now);
    }
    if (reading.reported !== undefined) {
      const line = `conn ${conn.id}: client reported ${logText(reading.reported)} (not fatal)`;
      this.life.logAbout(conn, 'info', line, now);
    }
    if (!reading.request) return;
    // A joiner's address and features are facts of the member (7.16, 7.18): the room keeps them.
    const request =
      reading.request.kind === 'join'
        ? { ...reading.request, address: conn.address, features: conn.endpoint.features }
        : reading.request;
    const decision = this.room.decide(conn.id, request, now);
    if (decision.kind === 'joined') {
      this.joined.add(conn);
      this.life.logAbout(conn, 'info', `conn ${conn.id}: joined as ${logText(decision.name)}`, now);
    }
    // 11.5: an operator's moderation lines are written in full (logAbout), a refused member's bounded.
    if ('log' in decision && decision.log !== undefined)
      this.life.logAbout(conn, 'info', `conn ${conn.id}: ${decision.log}`, now);
    // 7.8: what the packet made the server queue for the room is charged too, once it is known.
    const fanout = this.deliver(this.dialect.render(decision, this.room, now));
    if (charge.kind === 'charged') chargeFanout(conn.rate, fanout, this.limits);
    // 7.18: the members a kick or ban removes, after the news (a banned key or address: the asker).
    if (decision.kind === 'removed') {
      for (const id of decision.targets) {
        const target = this.conns.get(id);
        if (!target || target.finished) continue;
        const error = target.endpoint.failWith(decision.error);
        this.finish(target, decision.reason, now, error);
      }
    }
  }

  /**
   * Queues deliveries on the endpoints they are for (connection-table.ts); returns the fan-out.
   * For a profile that never sheds, the table stops sealing for a connection whose queue is over
   * its limit now (11): the limit is handed down as a number, the same for the whole call. Half
   * of it is what a join's backlog and away notices may fill a queue to (7.10, join budget).
   */
  private deliver(deliveries: readonly Delivery[]): number {
    const limit = this.out.queueLimit(this.conns.size);
    const cap = this.dialect.neverSheds ? limit : null;
    return this.table.deliver(deliveries, cap, Math.floor(limit / 2));
  }

  /** Ends a connection the server gives up on (lifecycle.ts gives the error and logs it). */
  private giveUp(
    conn: Conn<E>,
    code: ErrorCode,
    message: string,
    reason: LeaveReason,
    now: number,
    quiet = false,
  ): void {
    this.finish(conn, reason, now, this.life.giveUp(conn, code, message, quiet, now));
  }

  /**
   * Ends a connection once (lifecycle.ts): the news of its leaving is queued for the others
   * while it is still counted among the connections (the queue limit, 11), then it leaves the table.
   */
  private finish(
    conn: Conn<E>,
    reason: LeaveReason,
    now: number,
    error?: ParleyError,
    announce = true,
  ): void {
    if (conn.finished) return;
    this.deliver(this.life.end(conn, reason, now, error, announce));
    this.table.remove(conn);
    this.out.count(conn);
  }
}
