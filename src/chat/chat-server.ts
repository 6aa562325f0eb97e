/**
 * The sans-IO chat server: every connection, the room, timers and rate limits, for one profile.
 *
 * How this works: the adapter reports what happened on its sockets (`open`, `data`, `end`, `fail`)
 * and the passing of time (`tick`), each with `now`; every call returns actions (write these bytes
 * to connection N, close connection N, log this line). Nothing here reads a clock, draws random
 * bytes of its own, or touches a socket. A profile (`v2-profile.ts`, `legacy-profile.ts`) turns
 * room events into that profile's packets; this file holds what both share: connection records,
 * admission, the handshake and idle deadlines (spec 11), the token bucket (7.8), and finishing a
 * connection exactly once, with leave notices to the others.
 */
import { type ParleyError, parleyError, toParleyError } from '../errors.js';
import { LIMITS, type Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { HistoryEntry, Room } from './room.js';

export type ConnId = number;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LeaveReason = 'quit' | 'lost' | 'timeout' | 'error' | 'shutdown';

export type ServerAction =
  | { readonly kind: 'write'; readonly id: ConnId; readonly data: Buffer }
  | { readonly kind: 'close'; readonly id: ConnId; readonly error?: ParleyError }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string };

/** One connection's endpoint, as the core needs it (both profiles' server connections fit). */
export interface ServerEndpoint<E> {
  readonly state: string;
  readonly secured: boolean;
  readonly pendingBytes: number;
  readonly failure: ParleyError | null;
  receive(chunk: Uint8Array): E[];
  /** What a read held back behind a join, once the room has given its verdict (13.1, 13.3). */
  resumeHeld(): E[];
  receiveEnd(): E[];
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
  tokens: number;
  tokensAt: number;
  finished: boolean;
  /** Set by a profile when the peer ends the connection other than by goodbye (v2 c2s `error`). */
  closeReason?: LeaveReason;
}

/** What differs between profiles; implemented by the v2 and legacy profiles. */
export interface ServerProfile<E> {
  readonly name: 'v2' | 'legacy';
  /** Whether idle pings and the idle timeout apply (v2 only: legacy has no ping). */
  readonly idleChecks: boolean;
  createEndpoint(core: ServerCore<E>, now: number): ServerEndpoint<E>;
  /** Handles one endpoint event for `conn`. */
  handleEvent(core: ServerCore<E>, conn: Conn<E>, event: E, now: number): void;
  /** Tells every remaining member that `name` left. */
  announceLeave(core: ServerCore<E>, name: string, reason: LeaveReason, now: number): void;
  /** Sends a liveness ping (v2). */
  ping?(conn: Conn<E>, now: number): void;
  /** The connection is gone: drop any per-connection state. */
  forget?(conn: Conn<E>): void;
  /** Time-driven work of the profile (batched presence); returns its next deadline or null. */
  tick?(core: ServerCore<E>, now: number): number | null;
  /** Tells one member about a non-fatal error (rate limit, length...). */
  sendNotice(conn: Conn<E>, error: ParleyError, now: number): void;
}

export interface ServerCoreOptions {
  readonly limits?: Partial<Limits>;
  readonly motd?: string;
  /**
   * When true, calls return no writes for the output they queue; the adapter calls `flushWrites()`
   * once per event-loop turn instead, so that everything queued for one connection during that
   * turn goes out as one record and one write (a cork). Default false: each call flushes.
   */
  readonly deferWrites?: boolean;
}

export class ServerCore<E = unknown> {
  readonly limits: Limits;
  readonly motd: string | undefined;
  readonly room: Room<ConnId>;
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
    readonly profile: ServerProfile<E>,
    room: (limits: Limits) => Room<ConnId>,
    options: ServerCoreOptions = {},
  ) {
    this.limits = { ...LIMITS, ...options.limits };
    this.motd = options.motd;
    this.deferWrites = options.deferWrites ?? false;
    this.room = room(this.limits);
    const shortest = Math.min(this.limits.idlePingMs, this.limits.handshakeTimeoutMs);
    this.deadlineGrid = Math.min(1000, Math.max(1, Math.floor(shortest / 20)));
  }

  /** `t` rounded up to the deadline grid (see deadlineGrid). */
  private onGrid(t: number): number {
    return Math.ceil(t / this.deadlineGrid) * this.deadlineGrid;
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

  log(level: LogLevel, message: string): void {
    this.actions.push({ kind: 'log', level, message });
  }

  /** Marks a connection as having output to flush at the end of this call. */
  touched(conn: Conn<E>): void {
    this.dirty.add(conn);
  }

  /** True when some connection has queued output that `flushWrites()` would write. */
  get hasPendingWrites(): boolean {
    return this.dirty.size > 0;
  }

  /**
   * One write per connection with queued output (see `deferWrites`). With `sink`, every action
   * goes to it as it is made, in order, and none is returned: each connection's records are then
   * sealed, written and dropped before the next connection's are made, so the records of a
   * broadcast to thousands are never all alive at once (what a join storm's peak memory was).
   */
  flushWrites(sink?: (action: ServerAction) => void): ServerAction[] {
    if (!sink) return this.flush(true);
    const pending = this.actions;
    this.actions = [];
    for (const action of pending) sink(action);
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const conn of dirty) {
      if (conn.endpoint.pendingBytes === 0) continue;
      sink({ kind: 'write', id: conn.id, data: conn.endpoint.takeOutput() });
    }
    return [];
  }

  /** A connection was accepted. */
  open(id: ConnId, now: number): ServerAction[] {
    if (this.stopping || this.conns.size >= this.limits.maxClients) {
      const error = this.stopping
        ? parleyError('SERVER_SHUTDOWN', 'server is stopping')
        : parleyError('SERVER_FULL', `server holds ${this.limits.maxClients} connections already`);
      this.log('warn', `conn ${id}: refused: ${error.code}`);
      this.actions.push({ kind: 'close', id, error });
      return this.flush();
    }
    const conn: Conn<E> = {
      id,
      endpoint: this.profile.createEndpoint(this, now),
      openedAt: now,
      lastHeard: now,
      pingedAt: null,
      tokens: this.limits.rateBurst,
      tokensAt: now,
      finished: false,
    };
    this.conns.set(id, conn);
    this.lowerDeadline(this.onGrid(now + this.limits.handshakeTimeoutMs));
    this.log('debug', `conn ${id}: open`);
    this.dirty.add(conn);
    return this.flush();
  }

  /** Bytes arrived on a connection. */
  data(id: ConnId, chunk: Uint8Array, now: number): ServerAction[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    conn.lastHeard = now;
    conn.pingedAt = null;
    this.run(conn, now, () => conn.endpoint.receive(chunk));
    // Hearing from a peer moves its next ping earlier than any deadline computed before (11).
    if (this.profile.idleChecks && !conn.finished)
      this.lowerDeadline(this.onGrid(now + this.limits.idlePingMs));
    return this.flush();
  }

  /** The peer closed its side. */
  end(id: ConnId, now: number): ServerAction[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    this.run(conn, now, () => conn.endpoint.receiveEnd());
    if (!conn.finished) this.finish(conn, 'lost', now);
    return this.flush();
  }

  /** The adapter gives up on a connection (socket error, SLOW_READER...). */
  fail(id: ConnId, code: ErrorCode, message: string, now: number): ServerAction[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log('warn', `conn ${id}: ${error.code}: ${error.message}`);
    this.finish(conn, code === 'SLOW_READER' ? 'error' : 'lost', now, error);
    return this.flush();
  }

  /** Time passed: handshake and idle timeouts, pings (spec 11). */
  tick(now: number): ServerAction[] {
    let next: number | null = null;
    const consider = (t: number) => {
      if (next === null || t < next) next = t;
    };
    for (const conn of this.conns.values()) {
      if (conn.finished) continue;
      const joined = this.room.nameOf(conn.id) !== undefined;
      if (!joined) {
        const due = conn.openedAt + this.limits.handshakeTimeoutMs;
        if (now >= due) {
          this.timeout(conn, 'HANDSHAKE_TIMEOUT', 'no name was chosen in time', now);
          continue;
        }
        consider(this.onGrid(due));
      }
      if (!this.profile.idleChecks || !conn.endpoint.secured) continue;
      const idleDue = conn.lastHeard + this.limits.idleTimeoutMs;
      if (now >= idleDue) {
        this.timeout(conn, 'IDLE_TIMEOUT', `nothing heard for ${this.limits.idleTimeoutMs} ms`, now);
        continue;
      }
      consider(this.onGrid(idleDue));
      const pingDue = conn.lastHeard + this.limits.idlePingMs;
      if (conn.pingedAt === null) {
        if (now >= pingDue) {
          conn.pingedAt = now;
          this.profile.ping?.(conn, now);
          this.dirty.add(conn);
        } else consider(this.onGrid(pingDue));
      }
    }
    const profileDue = this.profile.tick?.(this, now) ?? null;
    if (profileDue !== null) consider(profileDue);
    this.deadline = next;
    return this.flush();
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
    return this.flush();
  }

  /** Takes a token for a chat packet; false (and a RATE_LIMITED notice) when the bucket is empty. */
  takeToken(conn: Conn<E>, now: number): boolean {
    const refill = ((now - conn.tokensAt) / 1000) * this.limits.ratePerSecond;
    conn.tokens = Math.min(this.limits.rateBurst, conn.tokens + refill);
    conn.tokensAt = now;
    if (conn.tokens >= 1) {
      conn.tokens -= 1;
      return true;
    }
    this.profile.sendNotice(
      conn,
      parleyError('RATE_LIMITED', `slow down: at most ${this.limits.ratePerSecond} messages a second`),
      now,
    );
    this.dirty.add(conn);
    return false;
  }

  /** Sends `error` as a notice when the text is too long; returns whether it fits (7.3). */
  checkLength(conn: Conn<E>, text: string, now: number): boolean {
    if (text.length <= this.limits.maxMessage || [...text].length <= this.limits.maxMessage) return true;
    this.profile.sendNotice(
      conn,
      parleyError('MESSAGE_TOO_LONG', `a message is at most ${this.limits.maxMessage} characters`),
      now,
    );
    this.dirty.add(conn);
    return false;
  }

  /** Every joined connection, in join order (live: do not join or finish while iterating). */
  members(): Iterable<Conn<E>> {
    return this.joined;
  }

  /** Runs `send` for every joined connection but `except`, and marks each to be flushed. */
  broadcast(send: (member: Conn<E>) => void, except?: Conn<E>): void {
    for (const member of this.members()) {
      if (member === except) continue;
      send(member);
      this.dirty.add(member);
    }
  }

  /** Puts a connection in the room under `name` (its name was checked by the profile). */
  join(conn: Conn<E>, name: string): void {
    this.room.join(conn.id, name);
    if (!conn.finished) this.joined.add(conn);
  }

  record(entry: HistoryEntry): void {
    this.room.record(entry);
  }

  private timeout(conn: Conn<E>, code: ErrorCode, message: string, now: number): void {
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log('info', `conn ${conn.id}: ${error.code}`);
    this.finish(conn, 'timeout', now, error);
  }

  private run(conn: Conn<E>, now: number, receive: () => E[]): void {
    try {
      // A join holds back the rest of its read until the room decides (13.1, 13.3): handle the
      // read's events, then whatever the verdict released, until nothing more comes.
      for (let events = receive(); events.length > 0; events = conn.endpoint.resumeHeld()) {
        for (const event of events) {
          if (conn.finished) break;
          this.profile.handleEvent(this, conn, event, now);
        }
        if (conn.finished) break;
      }
    } catch (err) {
      // A bug in our handling of one connection must not take down the others (issue: robustness).
      const error = conn.endpoint.failWith(toParleyError(err));
      this.log('error', `conn ${conn.id}: ${error.code}: ${error.message}`);
    }
    this.dirty.add(conn);
    const state = conn.endpoint.state;
    if (!conn.finished && (state === 'ERROR' || state === 'CLOSED')) {
      const failure = state === 'ERROR' ? (conn.endpoint.failure ?? undefined) : undefined;
      if (failure) this.log('info', `conn ${conn.id}: closed: ${failure.code}: ${failure.message}`);
      this.finish(conn, failure ? leaveReason(failure.code) : (conn.closeReason ?? 'quit'), now, failure);
    }
  }

  /** Ends a connection once: leave notices to the others, flush, close. */
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
    const name = this.room.leave(conn.id);
    if (name !== undefined) {
      this.log('info', `conn ${conn.id}: ${name} left (${reason})`);
      if (announce) this.profile.announceLeave(this, name, reason, now);
      // The last one out takes the conversation along, leave entry included (7.7, 10.5).
      if (this.room.size === 0) this.room.clearHistory();
    }
    const out = conn.endpoint.takeOutput();
    if (out.length > 0) this.actions.push({ kind: 'write', id: conn.id, data: out });
    this.actions.push(error ? { kind: 'close', id: conn.id, error } : { kind: 'close', id: conn.id });
    this.dirty.delete(conn);
    this.conns.delete(conn.id);
    this.profile.forget?.(conn);
  }

  /** Asks for a `tick` no later than `t` (profiles use it for batched work). */
  lowerDeadline(t: number): void {
    if (this.deadline === null || t < this.deadline) this.deadline = t;
  }

  /** One write per connection per call: everything queued, concatenated (a corked write). */
  private flush(writes = !this.deferWrites): ServerAction[] {
    if (writes) {
      for (const conn of this.dirty) {
        if (conn.endpoint.pendingBytes === 0) continue;
        this.actions.push({ kind: 'write', id: conn.id, data: conn.endpoint.takeOutput() });
      }
      this.dirty.clear();
    }
    const out = this.actions;
    this.actions = [];
    return out;
  }
}

/** How a fatal error reads in a leave notice (7.6). */
function leaveReason(code: ErrorCode): LeaveReason {
  if (code === 'CONNECTION_LOST') return 'lost';
  if (code === 'HANDSHAKE_TIMEOUT' || code === 'IDLE_TIMEOUT') return 'timeout';
  return 'error';
}
