/**
 * The sans-IO chat server: every connection, the room, timers, for one wire profile.
 *
 * How this works: the adapter reports what happened on its sockets (`open`, `data`, `end`, `fail`)
 * and the passing of time (`tick`), each with `now`; every call returns actions (write these bytes
 * to connection N, close connection N, log this line). Nothing here reads a clock, draws random
 * bytes of its own, or touches a socket. Data flows one way, and nothing called from here calls
 * back into it:
 *
 *   endpoint (bytes -> events) -> dialect.read (event -> request) -> room.decide (request ->
 *   decision) -> dialect.render (decision -> deliveries) -> deliver (queue on endpoints) -> flush
 *
 * The path of one chat message (a v2 `say`) reads top to bottom through five files, each handing
 * a value down and getting one back (the leaf helpers in brackets only compute):
 *   1. chat-server.ts `data`: hands the bytes to the connection's endpoint (`run`).
 *   2. session/endpoint.ts `VerdictEndpoint.receive`: buffers them and steps through the input.
 *   3. session/v2-server-connection.ts `step`: one frame [framing/frame-codec.ts] -> the opened
 *      record [crypto/record-layer.ts] -> packets [session/v2-codec.ts] -> the table's transition
 *      [session/machine.ts] -> an event.
 *   4. chat/v2-dialect.ts `read`: the `say` packet -> the request {say, text}.
 *   5. chat/room.ts `decide`: token bucket and length (7.3, 7.8), id and time, history -> a
 *      `message` decision.
 *   6. chat/v2-dialect.ts `render`: the decision -> one `message` packet, serialised once, for all.
 *   then back in chat-server.ts `deliver`: queued on every member's endpoint; `flush`: each
 *   endpoint seals what it holds into one record (endpoint.ts `takeOutput`, sealed by
 *   v2-server-connection.ts), one write per connection.
 *
 * What this file holds itself: the order of the steps, and finishing a connection exactly once
 * (the room's leave decision rendered for the others). Its leaves only compute or hold, and
 * return: server-contract.ts (the types handed on), connection-table.ts (records, delivery),
 * send-queue.ts (a socket's turn, 11), deadlines.ts (timeouts, pings, 11), accept-gate.ts (5.10).
 */
import { type ParleyError, parleyError, toParleyError } from '../errors.js';
import type { LeaveReason, Limits, LogLevel } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { logText } from '../text/untrusted-text.js';
import { AcceptGate } from './accept-gate.js';
import { ConnectionTable } from './connection-table.js';
import { DeadlineScan, deadlineGrid, onGrid } from './deadlines.js';
import { chargeFanout, chargePacket, rateError } from './rate-limit.js';
import type { Room } from './room.js';
import { SendQueue } from './send-queue.js';
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
  private actions: ServerAction[] = [];
  private deadline: number | null = null;
  private stopping = false;
  /** The latest `now` an adapter call brought (flush has none of its own). */
  private clock = 0;
  private readonly deferWrites: boolean;
  private readonly flowControl: boolean;
  /** Who is served at accept (5.10, 11), and the log of those refused (accept-gate.ts). */
  private readonly gate: AcceptGate;
  /** What each connection's socket gets at its turn, and the server-wide count (11). */
  private readonly sendQueue: SendQueue;
  /** The grid (ms) that connection deadlines (11) are rounded up to (deadlines.ts says why). */
  readonly deadlineGrid: number;

  constructor(
    readonly dialect: WireDialect<E>,
    readonly room: Room<ConnId>,
    readonly limits: Limits,
    options: ChatServerOptions = {},
  ) {
    this.deferWrites = options.deferWrites ?? false;
    this.flowControl = options.flowControl ?? false;
    this.gate = new AcceptGate(limits);
    this.sendQueue = new SendQueue(limits, dialect, this.flowControl);
    this.deadlineGrid = deadlineGrid(limits);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** The earliest time at which `tick` has work to do, or null when nothing is pending. */
  get nextDeadline(): number | null {
    return this.deadline;
  }

  connection(id: ConnId): Conn<E> | undefined {
    return this.conns.get(id);
  }

  /** Bytes queued across all connections, as counted at the last flush (11, maxTotalQueuedBytes). */
  get queuedBytes(): number {
    return this.sendQueue.queuedBytes;
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
    const oldest = this.table.oldestUnjoined();
    let door = this.gate.accept(id, remoteAddress, this.stopping, now, oldest?.id);
    // 7.18: a banned address is refused at accept like any other (5.10), holding no slot.
    if (door.served && this.room.addressBanned(door.address, now)) {
      this.gate.release(door.address);
      door = {
        served: false,
        error: parleyError('BANNED', 'this address is banned from the server'),
        log: [],
      };
    }
    for (const line of door.log) this.log('warn', line);
    if (door.served && door.evict !== undefined && oldest) {
      // 11.2: full; the oldest connection that has not joined makes room, as if its time were up.
      const message = 'the server is full and needed this slot before you joined';
      this.finish(
        oldest,
        'timeout',
        now,
        oldest.endpoint.failWith(parleyError('HANDSHAKE_TIMEOUT', message)),
      );
    }
    if (this.gate.due !== null) this.lowerDeadline(this.gate.due);
    if (!door.served) {
      if (this.gate.due !== null) this.lowerDeadline(this.gate.due);
      const record = this.dialect.refusal(door.error.code, door.error.message);
      if (record) this.actions.push({ kind: 'write', id, data: record });
      this.actions.push({ kind: 'close', id, error: door.error });
      return this.done();
    }
    this.table.add(id, this.dialect.createEndpoint(now), now, door.address, this.limits);
    this.lowerDeadline(onGrid(now + this.limits.handshakeTimeoutMs, this.deadlineGrid));
    this.log('debug', `conn ${id}: open`);
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
        this.lowerDeadline(onGrid(now + this.limits.idlePingMs, this.deadlineGrid));
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
    for (const line of this.gate.tick(now)) this.log('warn', line);
    this.deadline = scan.nextWith(this.gate.due);
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
      if (conn && !conn.finished && this.sendQueue.drained(conn, now)) this.dirty.add(conn);
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
   * place output leaves the server (each call ends here unless `deferWrites`). With `sink`, actions
   * go to it as they are made: a connection's records are sealed, written and dropped before the
   * next one's are made, so a broadcast's records are never all alive at once (join storm peaks).
   */
  flush(sink?: (action: ServerAction) => void): ServerAction[] {
    const out: ServerAction[] = [];
    const put = sink ?? ((action: ServerAction) => out.push(action));
    const emit = () => {
      const pending = this.actions;
      this.actions = [];
      for (const action of pending) put(action);
    };
    emit();
    this.sendQueue.startPass();
    // A connection failed here (SLOW_READER) tells the others it left: they join the set, and a
    // Set's loop visits what is added while it runs.
    for (const conn of this.dirty) {
      this.dirty.delete(conn);
      if (conn.finished) continue;
      this.output(conn, put);
      if (this.actions.length > 0) emit();
    }
    // Replies the pass's budget did not reach (send-queue.ts, 11 replyPassBytes) stay dirty, so
    // the adapter flushes again after reading its sockets once more; the set is empty now, so
    // they come first in the next pass, before whatever that turn's reads make dirty.
    for (const conn of this.sendQueue.takeWaiting<E>()) if (!conn.finished) this.dirty.add(conn);
    return out;
  }

  /**
   * One connection's turn at the socket (send-queue.ts): its write, or SLOW_READER when its queue
   * cannot be held to its limit. Under flow control a write starts its slowReaderMs (11).
   */
  private output(conn: Conn<E>, put: (action: ServerAction) => void): void {
    const turn = this.sendQueue.turn(conn, this.clock, this.conns.size);
    if (turn === null) return;
    if (!Buffer.isBuffer(turn)) {
      this.giveUp(conn, 'SLOW_READER', turn.slow, 'error', this.clock);
      return;
    }
    put({ kind: 'write', id: conn.id, data: turn });
    if (this.flowControl)
      this.lowerDeadline(onGrid(this.clock + this.limits.slowReaderMs, this.deadlineGrid));
  }

  /** The end of every adapter call: the dialect's next deadline, then the actions. */
  private done(): ServerAction[] {
    const due = this.dialect.due;
    if (due !== null) this.lowerDeadline(due);
    if (!this.deferWrites) return this.flush();
    const out = this.actions;
    this.actions = [];
    return out;
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
      this.log('error', `conn ${conn.id}: ${error.code}: ${logText(error.message)}`);
    }
    this.dirty.add(conn);
    const state = conn.endpoint.state;
    if (!conn.finished && (state === 'ERROR' || state === 'CLOSED')) {
      const failure = state === 'ERROR' ? (conn.endpoint.failure ?? undefined) : undefined;
      if (failure) this.log('info', `conn ${conn.id}: closed: ${failure.code}: ${logText(failure.message)}`);
      this.finish(conn, failure ? leaveReason(failure.code) : (conn.closeReason ?? 'quit'), now, failure);
    }
  }

  /**
   * One endpoint event: charged to the connection's bucket (7.8: the one place the rate limit is
   * enforced, before the packet has any effect), then the dialect reads it, the room decides, and
   * the dialect renders the decision.
   */
  private handle(conn: Conn<E>, event: E, now: number): void {
    const cost = this.dialect.rateCost(event);
    if (cost !== null) {
      // The first pong after the server's own ping is free: the server asked for it (7.8).
      if (conn.pingedAt !== null && this.dialect.answersPing(event)) conn.pingedAt = null;
      else if (!this.charge(conn, event, cost, now)) return;
    }
    const reading = this.dialect.read(event, conn.id, this.room, now, conn.endpoint.features ?? NO_FEATURES);
    if (reading === null) return;
    if (reading.deliveries) this.deliver(reading.deliveries);
    if (reading.gaveUp !== undefined) {
      conn.closeReason = 'error';
      this.log('info', `conn ${conn.id}: client reported ${logText(reading.gaveUp)}`);
    }
    if (reading.reported !== undefined)
      this.log('info', `conn ${conn.id}: client reported ${logText(reading.reported)} (not fatal)`);
    if (!reading.request) return;
    // A joiner's address and features are facts of the member (7.16, 7.18): the room keeps them.
    const request =
      reading.request.kind === 'join'
        ? { ...reading.request, address: conn.address, features: conn.endpoint.features }
        : reading.request;
    const decision = this.room.decide(conn.id, request, now);
    if (decision.kind === 'joined') {
      this.joined.add(conn);
      this.log('info', `conn ${conn.id}: joined as ${logText(decision.name)}`);
    }
    if ('log' in decision && decision.log !== undefined) this.log('info', `conn ${conn.id}: ${decision.log}`);
    // 7.8: what the packet made the server queue for the room is charged too, once it is known.
    const fanout = this.deliver(this.dialect.render(decision, this.room, now));
    if (cost !== null) chargeFanout(conn.rate, fanout, this.limits);
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

  /** Queues deliveries on the endpoints they are for (connection-table.ts); returns the fan-out. */
  private deliver(deliveries: readonly Delivery[]): number {
    return this.table.deliver(deliveries, this.full);
  }

  /** For a profile that never sheds: true when a connection's queue may hold no more (11). */
  private readonly full = (conn: Conn<E>): boolean => {
    if (!this.dialect.neverSheds || !this.sendQueue.full(conn, this.conns.size)) return false;
    this.dirty.add(conn);
    return true;
  };

  /**
   * Charges a client packet to its connection (7.8); false when it is dropped. A dropped packet
   * waiting for a verdict (a join) is settled as refused, with no verdict sent, so that what
   * follows it in the read is handled.
   */
  private charge(conn: Conn<E>, event: E, cost: number, now: number): boolean {
    const verdict = chargePacket(conn.rate, cost, this.limits, now);
    if (verdict === 'pass') return true;
    const join = this.dialect.waitsForVerdict(event) && conn.endpoint.awaitingVerdict;
    if (verdict === 'close' || (join && this.dialect.closesOnDroppedJoin)) {
      const reason =
        verdict === 'close'
          ? rateError('close', this.limits)
          : parleyError(
              'RATE_EXCEEDED',
              'a join dropped by the rate limit, which has no reply in this protocol (10.2)',
            );
      const error = conn.endpoint.failWith(reason);
      this.log('info', `conn ${conn.id}: ${error.code}`);
      this.finish(conn, 'error', now, error);
      return false;
    }
    if (join) conn.endpoint.settle('refused');
    if (verdict === 'reply') {
      const error = rateError('reply', this.limits);
      this.deliver(this.dialect.render({ kind: 'notice', by: conn.id, error }, this.room, now));
    }
    return false;
  }

  /** Ends a connection the server gives up on (SLOW_READER, a timeout: 11; the adapter's `fail`). */
  private giveUp(
    conn: Conn<E>,
    code: ErrorCode,
    message: string,
    reason: LeaveReason,
    now: number,
    quiet = false,
  ) {
    // legacy never sheds (11): its slow reader's queue is dropped, not written at the close.
    if (code === 'SLOW_READER' && this.dialect.neverSheds) conn.endpoint.dropSealed();
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log(
      quiet ? 'info' : 'warn',
      `conn ${conn.id}: ${error.code}${quiet ? '' : `: ${logText(error.message)}`}`,
    );
    this.finish(conn, reason, now, error);
  }

  /** Ends a connection once: the room's leave decision for the others, its last output, close. */
  private finish(
    conn: Conn<E>,
    reason: LeaveReason,
    now: number,
    error?: ParleyError,
    announce = true,
  ): void {
    if (conn.finished) return;
    conn.finished = true;
    conn.reply = null;
    this.joined.delete(conn);
    this.gate.release(conn.address);
    const left = this.room.leave(conn.id, reason, now);
    if (left?.kind === 'left') {
      this.log('info', `conn ${conn.id}: ${logText(left.name)} left (${reason})`);
      if (announce) this.deliver(this.dialect.render(left, this.room, now));
    }
    const out = conn.endpoint.takeOutput();
    if (out.length > 0) this.actions.push({ kind: 'write', id: conn.id, data: out });
    this.actions.push(error ? { kind: 'close', id: conn.id, error } : { kind: 'close', id: conn.id });
    this.table.remove(conn);
    this.sendQueue.count(conn);
  }

  private log(level: LogLevel, message: string): void {
    this.actions.push({ kind: 'log', level, message });
  }

  private lowerDeadline(t: number): void {
    if (this.deadline === null || t < this.deadline) this.deadline = t;
  }
}
