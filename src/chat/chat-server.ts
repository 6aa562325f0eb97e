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
 * What this file holds itself: connection records, admission, the handshake and idle deadlines
 * (spec 11), and finishing a connection exactly once, with the room's leave decision rendered for
 * the others.
 */
import { type ParleyError, parleyError, toParleyError } from '../errors.js';
import type { LeaveReason, Limits, LogLevel, Profile } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { LegacyServerGuard, V2ServerGuard } from '../generated/machines.js';
import { logText } from '../text/untrusted-text.js';
import type { Room, RoomDecision, RoomRequest } from './room.js';

/**
 * Refusals at accept (SERVER_FULL, SERVER_SHUTDOWN) are logged one line per window: the first in
 * full, the rest counted and summed up when the window ends, so that a flood of connections
 * cannot flood the log too (one line per refusal was 30,000 lines in 40 s).
 */
export const REFUSAL_LOG_WINDOW_MS = 10_000;

export type ConnId = number;

/** The room's verdict on a join, as the server tables' guards name it (13.1, 13.3). */
export type JoinVerdict = V2ServerGuard | LegacyServerGuard;

export type ServerAction =
  | { readonly kind: 'write'; readonly id: ConnId; readonly data: Buffer }
  | { readonly kind: 'close'; readonly id: ConnId; readonly error?: ParleyError }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string };

/** One connection's endpoint, as the server needs it (both profiles' server connections fit). */
export interface ServerEndpoint<E> {
  readonly state: string;
  readonly secured: boolean;
  readonly pendingBytes: number;
  readonly failure: ParleyError | null;
  receive(chunk: Uint8Array): E[];
  /** The v2 features agreed on this connection (5.8); none for legacy. */
  readonly features?: ReadonlySet<string>;
  /** Complete frames read from the peer so far (a peer is heard when a frame is complete, 11). */
  readonly framesReceived: number;
  /** What a read held back behind a join, once the room's verdict is settled (13.1, 13.3). */
  resumeHeld(): E[];
  receiveEnd(): E[];
  /** The room's verdict on the join that waits. */
  settle(when: JoinVerdict): void;
  /**
   * Queues one serialised packet (the same Buffer may go to many endpoints); `type`, when the
   * profile's table lists what a server sends, is checked against it.
   */
  sendEncoded(packet: Buffer, type?: string): void;
  takeOutput(): Buffer;
  failWith(err: unknown): ParleyError;
  goodbye(reason?: string): void;
}

export interface Conn<E> {
  readonly id: ConnId;
  readonly endpoint: ServerEndpoint<E>;
  readonly openedAt: number;
  lastHeard: number;
  pingedAt: number | null;
  finished: boolean;
  /** Set when the peer ends the connection other than by goodbye (v2 c2s `error`, 13.1). */
  closeReason?: LeaveReason;
}

/** What the server does with a rendered decision: a verdict, or a packet for one or for all. */
export type Delivery =
  | { readonly kind: 'settle'; readonly to: ConnId; readonly when: JoinVerdict }
  | { readonly kind: 'send'; readonly to: ConnId; readonly packet: Buffer; readonly type?: string }
  | {
      readonly kind: 'broadcast';
      readonly packet: Buffer;
      readonly type?: string;
      readonly except?: ConnId;
      /** Only to members that did not agree this feature (the 2.0 form of a feature's news, 5.8). */
      readonly unless?: string;
    };

/** What one endpoint event amounts to, as a dialect reads it. */
export interface Reading {
  /** Deliveries that go out first (v2: held presence notices, a pong). */
  readonly deliveries?: readonly Delivery[];
  /** What the sender asks of the room. */
  readonly request?: RoomRequest;
  /** The peer gave up with this error code (v2 c2s `error`, 13.1): it leaves with reason `error`. */
  readonly gaveUp?: string;
}

/**
 * A wire dialect: one profile's packets on either side of the room (v2-dialect.ts,
 * legacy-dialect.ts). It reads requests off endpoint events and renders the room's decisions as
 * deliveries; it reads the room, never changes it, and never calls the server.
 */
export interface WireDialect<E> {
  readonly profile: Profile;
  /** Whether idle pings and the idle timeout apply (v2 only: legacy has no ping). */
  readonly idleChecks: boolean;
  /** When the dialect's held output (batched presence) is due, or null. */
  readonly due: number | null;
  createEndpoint(now: number): ServerEndpoint<E>;
  /** What an endpoint event from member `from` amounts to (null: nothing). */
  read(event: E, from: ConnId, room: Room<ConnId>, now: number): Reading | null;
  /** The room's decision as deliveries. */
  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[];
  /** A liveness ping (v2), serialised. */
  ping(now: number): Buffer | null;
  /** Time-driven output (batched presence falling due). */
  tick(room: Room<ConnId>, now: number): readonly Delivery[];
}

export interface ChatServerOptions {
  readonly limits?: Partial<Limits>;
  /**
   * When true, calls return no writes for the output they queue; the adapter calls `flush()` once
   * per event-loop turn instead, so that everything queued for one connection during that turn
   * goes out as one record and one write (a cork). Default false: each call flushes.
   */
  readonly deferWrites?: boolean;
}

export class ChatServer<E = unknown> {
  private readonly conns = new Map<ConnId, Conn<E>>();
  /**
   * Joined, unfinished connections in join order, kept beside the room so that a broadcast is a
   * plain loop (no generator, no map lookup per recipient): the hot path of a busy room.
   */
  private readonly joined = new Set<Conn<E>>();
  private actions: ServerAction[] = [];
  private readonly dirty = new Set<Conn<E>>();
  private deadline: number | null = null;
  private stopping = false;
  /** Refusals counted since the first one logged in the current window (REFUSAL_LOG_WINDOW_MS). */
  private refusals = { since: Number.NEGATIVE_INFINITY, counts: new Map<ErrorCode, number>() };
  private readonly deferWrites: boolean;
  /**
   * The grid (ms) that connection deadlines (handshake and idle timeouts, pings: 11) are rounded up
   * to. `tick` is one pass over every connection; with exact deadlines a room of 10,000, whose
   * members were last heard at 10,000 different moments, would run it hundreds of times a second
   * (once per connection due), so an idle server would spend its CPU scanning. On the grid it runs
   * a few times a second and handles all that fell due together, each at most one step late.
   */
  readonly deadlineGrid: number;

  constructor(
    readonly dialect: WireDialect<E>,
    readonly room: Room<ConnId>,
    readonly limits: Limits,
    options: ChatServerOptions = {},
  ) {
    this.deferWrites = options.deferWrites ?? false;
    const shortest = Math.min(limits.idlePingMs, limits.handshakeTimeoutMs);
    this.deadlineGrid = Math.min(1000, Math.max(1, Math.floor(shortest / 20)));
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

  /** True when some connection has queued output that `flush()` would write. */
  get hasPendingWrites(): boolean {
    return this.dirty.size > 0;
  }

  // -------------------------------------------------------------------------------------------
  // the adapter's API

  /** A connection was accepted. */
  open(id: ConnId, now: number): ServerAction[] {
    if (this.stopping || this.conns.size >= this.limits.maxClients) {
      const error = this.stopping
        ? parleyError('SERVER_SHUTDOWN', 'server is stopping')
        : parleyError('SERVER_FULL', `server holds ${this.limits.maxClients} connections already`);
      this.logRefusal(id, error.code, now);
      this.actions.push({ kind: 'close', id, error });
      return this.done();
    }
    const conn: Conn<E> = {
      id,
      endpoint: this.dialect.createEndpoint(now),
      openedAt: now,
      lastHeard: now,
      pingedAt: null,
      finished: false,
    };
    this.conns.set(id, conn);
    this.lowerDeadline(this.onGrid(now + this.limits.handshakeTimeoutMs));
    this.log('debug', `conn ${id}: open`);
    this.dirty.add(conn);
    return this.done();
  }

  /** Bytes arrived on a connection. */
  data(id: ConnId, chunk: Uint8Array, now: number): ServerAction[] {
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
        this.lowerDeadline(this.onGrid(now + this.limits.idlePingMs));
    }
    return this.done();
  }

  /** The peer closed its side. */
  end(id: ConnId, now: number): ServerAction[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    this.run(conn, now, conn.endpoint.receiveEnd());
    if (!conn.finished) this.finish(conn, 'lost', now);
    return this.done();
  }

  /** The adapter gives up on a connection (socket error, SLOW_READER...). */
  fail(id: ConnId, code: ErrorCode, message: string, now: number): ServerAction[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log('warn', `conn ${id}: ${error.code}: ${logText(error.message)}`);
    this.finish(conn, code === 'SLOW_READER' ? 'error' : 'lost', now, error);
    return this.done();
  }

  /** Time passed: handshake and idle timeouts, pings (spec 11), held presence falling due. */
  tick(now: number): ServerAction[] {
    let next: number | null = null;
    const consider = (t: number) => {
      if (next === null || t < next) next = t;
    };
    for (const conn of this.conns.values()) {
      if (conn.finished) continue;
      if (!this.joined.has(conn)) {
        const due = conn.openedAt + this.limits.handshakeTimeoutMs;
        if (now >= due) {
          this.timeout(conn, 'HANDSHAKE_TIMEOUT', 'no name was chosen in time', now);
          continue;
        }
        consider(this.onGrid(due));
      }
      if (!this.dialect.idleChecks || !conn.endpoint.secured) continue;
      const idleDue = conn.lastHeard + this.limits.idleTimeoutMs;
      if (now >= idleDue) {
        this.timeout(conn, 'IDLE_TIMEOUT', `nothing heard for ${this.limits.idleTimeoutMs} ms`, now);
        continue;
      }
      consider(this.onGrid(idleDue));
      const pingDue = conn.lastHeard + this.limits.idlePingMs;
      if (conn.pingedAt === null) {
        const ping = now >= pingDue ? this.dialect.ping(now) : null;
        if (ping) {
          conn.pingedAt = now;
          conn.endpoint.sendEncoded(ping, 'ping');
          this.dirty.add(conn);
        } else consider(this.onGrid(pingDue));
      }
    }
    this.deliver(this.dialect.tick(this.room, now));
    const summaryDue = this.refusals.since + REFUSAL_LOG_WINDOW_MS;
    if (this.refusals.counts.size > 0) {
      if (now >= summaryDue) this.summariseRefusals();
      else consider(summaryDue);
    }
    this.deadline = next;
    return this.done();
  }

  /** SIGINT/SIGTERM: goodbye to everyone (v2), close all, clear history (7.9). */
  shutdown(now: number): ServerAction[] {
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
   * Every action made so far, then one write per connection with queued output: everything queued
   * for it, sealed and concatenated (a corked write). The one place output leaves the server: each
   * call ends here unless `deferWrites`, when the adapter calls it once per event-loop turn. With
   * `sink`, actions go to it as they are made and none is returned: each connection's records are
   * then sealed, written and dropped before the next connection's are made, so the records of a
   * broadcast to thousands are never all alive at once (a join storm's peak memory).
   */
  flush(sink?: (action: ServerAction) => void): ServerAction[] {
    const out: ServerAction[] = [];
    const put = sink ?? ((action: ServerAction) => out.push(action));
    const pending = this.actions;
    this.actions = [];
    for (const action of pending) put(action);
    for (const conn of this.dirty) {
      this.dirty.delete(conn);
      if (conn.endpoint.pendingBytes > 0)
        put({ kind: 'write', id: conn.id, data: conn.endpoint.takeOutput() });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // inside

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

  /** One endpoint event: the dialect reads it, the room decides, the dialect renders the decision. */
  private handle(conn: Conn<E>, event: E, now: number): void {
    const reading = this.dialect.read(event, conn.id, this.room, now);
    if (reading === null) return;
    if (reading.deliveries) this.deliver(reading.deliveries);
    if (reading.gaveUp !== undefined) {
      conn.closeReason = 'error';
      this.log('info', `conn ${conn.id}: client reported ${logText(reading.gaveUp)}`);
    }
    if (!reading.request) return;
    const decision = this.room.decide(conn.id, reading.request, now);
    if (decision.kind === 'joined') {
      this.joined.add(conn);
      this.log('info', `conn ${conn.id}: joined as ${logText(decision.name)}`);
    }
    this.deliver(this.dialect.render(decision, this.room, now));
  }

  /** Queues deliveries on the endpoints they are for; a broadcast's packet is the same Buffer for all. */
  private deliver(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      if (d.kind === 'broadcast') {
        for (const member of this.joined) {
          if (member.id === d.except) continue;
          if (d.unless !== undefined && member.endpoint.features?.has(d.unless)) continue;
          member.endpoint.sendEncoded(d.packet, d.type);
          this.dirty.add(member);
        }
        continue;
      }
      const conn = this.conns.get(d.to);
      if (!conn || conn.finished) continue;
      if (d.kind === 'settle') conn.endpoint.settle(d.when);
      else conn.endpoint.sendEncoded(d.packet, d.type);
      this.dirty.add(conn);
    }
  }

  private timeout(conn: Conn<E>, code: ErrorCode, message: string, now: number): void {
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log('info', `conn ${conn.id}: ${error.code}`);
    this.finish(conn, 'timeout', now, error);
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
    this.joined.delete(conn);
    const left = this.room.leave(conn.id, reason, now);
    if (left?.kind === 'left') {
      this.log('info', `conn ${conn.id}: ${logText(left.name)} left (${reason})`);
      if (announce) this.deliver(this.dialect.render(left, this.room, now));
    }
    const out = conn.endpoint.takeOutput();
    if (out.length > 0) this.actions.push({ kind: 'write', id: conn.id, data: out });
    this.actions.push(error ? { kind: 'close', id: conn.id, error } : { kind: 'close', id: conn.id });
    this.dirty.delete(conn);
    this.conns.delete(conn.id);
  }

  /** Logs a refusal at accept, or counts it towards the window's summary line. */
  private logRefusal(id: ConnId, code: ErrorCode, now: number): void {
    if (now - this.refusals.since >= REFUSAL_LOG_WINDOW_MS) {
      this.summariseRefusals();
      this.refusals.since = now;
      this.log('warn', `conn ${id}: refused: ${code}`);
      return;
    }
    this.refusals.counts.set(code, (this.refusals.counts.get(code) ?? 0) + 1);
    this.lowerDeadline(this.refusals.since + REFUSAL_LOG_WINDOW_MS);
  }

  /** One line for the refusals counted in the window, e.g. `refused 1979 more connections: SERVER_FULL`. */
  private summariseRefusals(): void {
    for (const [code, count] of this.refusals.counts) {
      const seconds = REFUSAL_LOG_WINDOW_MS / 1000;
      this.log(
        'warn',
        `refused ${count} more connection${count === 1 ? '' : 's'} within ${seconds} s: ${code}`,
      );
    }
    this.refusals.counts.clear();
  }

  private log(level: LogLevel, message: string): void {
    this.actions.push({ kind: 'log', level, message });
  }

  private lowerDeadline(t: number): void {
    if (this.deadline === null || t < this.deadline) this.deadline = t;
  }

  /** `t` rounded up to the deadline grid (see deadlineGrid). */
  private onGrid(t: number): number {
    return Math.ceil(t / this.deadlineGrid) * this.deadlineGrid;
  }
}

/** How a fatal error reads in a leave notice (7.6). */
function leaveReason(code: ErrorCode): LeaveReason {
  if (code === 'CONNECTION_LOST') return 'lost';
  if (code === 'HANDSHAKE_TIMEOUT' || code === 'IDLE_TIMEOUT') return 'timeout';
  return 'error';
}
