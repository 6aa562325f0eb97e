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
import { Admission, addressKey } from './admission.js';
import { chargePacket, type PacketBucket, packetBucket } from './rate-limit.js';
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
  /**
   * Bytes for a socket. With flow control (ChatServerOptions.flowControl) the connection gets
   * nothing more until the adapter reports it `drained`: at once when the socket took the bytes
   * without queueing past its mark, otherwise when it has drained.
   */
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
  /** True while a packet of the read (the last handed on) waits for the room's verdict. */
  readonly awaitingVerdict: boolean;
  /** The room's verdict on the join that waits. */
  settle(when: JoinVerdict): void;
  /**
   * Whatever output waits, as one buffer: all of it, or about `max` bytes of whole records (11,
   * sendWindowBytes). A v2 endpoint seals only what it hands out.
   */
  takeOutput(max?: number): Buffer;
  /** Drops queued chat lines, oldest first, until at most `target` bytes wait; how many it dropped. */
  shed(target: number): number;
  /**
   * Queues one serialised packet (the same Buffer may go to many endpoints); `type`, when the
   * profile's table lists what a server sends, is checked against it.
   */
  sendEncoded(packet: Buffer, type?: string): void;
  failWith(err: unknown): ParleyError;
  goodbye(reason?: string): void;
}

export interface Conn<E> {
  readonly id: ConnId;
  readonly endpoint: ServerEndpoint<E>;
  /** The large reply being produced for it as its socket drains (at most one: 7.7), or null. */
  reply: ReplySource | null;
  /** Flow control: bytes written since the socket last drained; 0 when it may be written to. */
  inFlight: number;
  /** When the socket last drained, or was first written to after draining (11, slowReaderMs). */
  waitingSince: number;
  /** Chat lines skipped for it since it was last told (11, LINES_SKIPPED). */
  skipped: number;
  /** Bytes counted for it in the server-wide total (11, maxTotalQueuedBytes). */
  counted: number;
  readonly openedAt: number;
  lastHeard: number;
  pingedAt: number | null;
  finished: boolean;
  /** The key its remote address counts by (admission.ts), when the adapter knew the address. */
  readonly address: string | undefined;
  /** Its packet bucket (7.8): every client packet after the handshake is charged here. */
  readonly rate: PacketBucket;
  /** Set when the peer ends the connection other than by goodbye (v2 c2s `error`, 13.1). */
  closeReason?: LeaveReason;
}

/** One serialised packet and its type, as a dialect hands it over. */
export interface Encoded {
  readonly packet: Buffer;
  readonly type?: string;
}

/**
 * A reply produced a packet at a time as its reader's socket drains (an export, 7.7): `next`
 * gives the next packet, null once the reply is complete. It reads the room's state through a
 * cursor, so nothing of it exists before the socket can take it.
 */
/** The features of a connection that agreed none (legacy, a 2.0 client). */
const NO_FEATURES: ReadonlySet<string> = new Set();

export interface ReplySource {
  next(): Encoded | null;
}

/** What the server does with a rendered decision: a verdict, or a packet for one or for all. */
export type Delivery =
  | { readonly kind: 'settle'; readonly to: ConnId; readonly when: JoinVerdict }
  | { readonly kind: 'send'; readonly to: ConnId; readonly packet: Buffer; readonly type?: string }
  /**
   * A reply for `to` produced as its socket drains; when one is already in flight for it (one
   * per connection, 7.7), `busy` is sent instead. `source` is made for the features `to` agreed
   * (5.8), since a feature may change the form of a reply (structured-export).
   */
  | {
      readonly kind: 'stream';
      readonly to: ConnId;
      readonly source: (features: ReadonlySet<string>) => ReplySource;
      readonly busy: Encoded;
    }
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
  /** The peer reported an error it does not take as fatal (v2 c2s `error`, 4.3): logged only. */
  readonly reported?: string;
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
  /**
   * The tokens a client packet takes from its connection's bucket (the spec's rateCost, 7.8), or
   * null when the event is no client packet after the handshake (an error, a close).
   */
  rateCost(event: E): number | null;
  /** Whether the event is a pong (v2), which answers the server's ping. */
  answersPing(event: E): boolean;
  /** Whether the event is the packet whose transition waits for the room's verdict (a join). */
  waitsForVerdict(event: E): boolean;
  /**
   * Whether a join the rate limit drops closes the connection (legacy, 10.2: the protocol has no
   * reply for it, and its client would wait for one for ever); otherwise it is settled as refused.
   */
  readonly closesOnDroppedJoin?: boolean;
  /** What a connection refused at accept is sent before the close (v2 `refused`, 5.10), if anything. */
  refusal(code: ErrorCode, message: string): Buffer | null;
  /** What an endpoint event from member `from` amounts to (null: nothing). */
  read(event: E, from: ConnId, room: Room<ConnId>, now: number): Reading | null;
  /** The room's decision as deliveries. */
  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[];
  /** A liveness ping (v2), serialised. */
  ping(now: number): Buffer | null;
  /** Time-driven output (batched presence falling due). */
  tick(room: Room<ConnId>, now: number): readonly Delivery[];
  /** The notice that `count` chat lines were skipped for a member (11), or null: none exists. */
  skipped(count: number): Encoded | null;
}

export interface ChatServerOptions {
  readonly limits?: Partial<Limits>;
  /**
   * When true, calls return no writes for the output they queue; the adapter calls `flush()` once
   * per event-loop turn instead, so that everything queued for one connection during that turn
   * goes out as one record and one write (a cork). Default false: each call flushes.
   */
  readonly deferWrites?: boolean;
  /**
   * When true, a connection written to gets nothing more until the adapter calls `drained` for it
   * (the socket took the bytes), and each write is at most about sendWindowBytes: output waits in
   * the server, unsealed and shared, and large replies are produced only as sockets drain (11).
   * Default false: every socket is taken to drain at once (sans-IO tests, a harness).
   */
  readonly flowControl?: boolean;
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
  /** Who is served at accept (5.10, 11): per-address and server-wide limits. */
  private readonly admission: Admission;
  /** Refusals counted since the first one logged in the current window (REFUSAL_LOG_WINDOW_MS). */
  private refusals = { since: Number.NEGATIVE_INFINITY, counts: new Map<ErrorCode, number>() };
  private readonly deferWrites: boolean;
  private readonly flowControl: boolean;
  /** The latest `now` an adapter call brought (flush has none of its own). */
  private clock = 0;
  /** Bytes queued across all connections, as last counted (11, maxTotalQueuedBytes). */
  private queuedTotal = 0;
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
    this.admission = new Admission(limits);
    this.flowControl = options.flowControl ?? false;
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

  /** Bytes queued across all connections, as counted at the last flush (11, maxTotalQueuedBytes). */
  get queuedBytes(): number {
    return this.queuedTotal;
  }

  /** True when some connection has queued output that `flush()` would write. */
  get hasPendingWrites(): boolean {
    return this.dirty.size > 0;
  }

  // -------------------------------------------------------------------------------------------
  // the adapter's API

  /**
   * A connection was accepted from `remoteAddress` (as the socket gives it; the adapter passes it
   * whenever it knows it, since the per-address limits of 11 need it). A connection that is not
   * to be served is refused here (5.10): v2 sends it a `refused` packet, legacy closes it.
   */
  open(id: ConnId, now: number, remoteAddress?: string): ServerAction[] {
    this.clock = now;
    const address = remoteAddress === undefined ? undefined : addressKey(remoteAddress);
    const refusal = this.admission.admit(address, this.stopping, now);
    if (refusal) {
      const error = parleyError(refusal.code, refusal.message);
      this.logRefusal(id, error.code, now);
      const record = this.dialect.refusal(refusal.code, refusal.message);
      if (record) this.actions.push({ kind: 'write', id, data: record });
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
      address,
      rate: packetBucket(this.limits, now),
      reply: null,
      inFlight: 0,
      waitingSince: now,
      skipped: 0,
      counted: 0,
    };
    this.conns.set(id, conn);
    this.lowerDeadline(this.onGrid(now + this.limits.handshakeTimeoutMs));
    this.log('debug', `conn ${id}: open`);
    this.dirty.add(conn);
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
        this.lowerDeadline(this.onGrid(now + this.limits.idlePingMs));
    }
    return this.done();
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
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.log('warn', `conn ${id}: ${error.code}: ${logText(error.message)}`);
    this.finish(conn, code === 'SLOW_READER' ? 'error' : 'lost', now, error);
    return this.done();
  }

  /** Time passed: handshake and idle timeouts, pings (spec 11), held presence falling due. */
  tick(now: number): ServerAction[] {
    this.clock = now;
    let next: number | null = null;
    const consider = (t: number) => {
      if (next === null || t < next) next = t;
    };
    for (const conn of this.conns.values()) {
      if (conn.finished) continue;
      if (conn.inFlight > 0) {
        // A socket that takes nothing of what waits for it for slowReaderMs (11).
        const slowDue = conn.waitingSince + this.limits.slowReaderMs;
        if (now >= slowDue) {
          this.slowReader(
            conn,
            `nothing of ${conn.inFlight} bytes read for ${this.limits.slowReaderMs} ms`,
            now,
          );
          continue;
        }
        consider(this.onGrid(slowDue));
      }
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

  /**
   * Flow control: the sockets of these connections took what was written to them (the write did
   * not queue past the socket's mark, or the socket drained); what waits for them goes out at the
   * next flush (11, sendWindowBytes).
   */
  drained(ids: Iterable<ConnId>, now: number): ServerAction[] {
    this.clock = now;
    for (const id of ids) {
      const conn = this.conns.get(id);
      if (!conn || conn.finished || conn.inFlight === 0) continue;
      conn.inFlight = 0;
      conn.waitingSince = now;
      if (conn.reply || conn.endpoint.pendingBytes > 0 || conn.skipped > 0) this.dirty.add(conn);
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
    const emit = () => {
      const pending = this.actions;
      this.actions = [];
      for (const action of pending) put(action);
    };
    emit();
    // A connection failed here (SLOW_READER) tells the others it left: they join the set, and a
    // Set's loop visits what is added while it runs.
    for (const conn of this.dirty) {
      this.dirty.delete(conn);
      if (conn.finished) continue;
      this.output(conn, put);
      if (this.actions.length > 0) emit();
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // output (spec 11: sendWindowBytes, maxQueuedBytes, maxTotalQueuedBytes, slowReaderMs)

  /**
   * One connection's turn at the socket: its queue held to its limit (chat lines skipped, else
   * SLOW_READER), its reply produced as far as the window allows, and one write. With flow control
   * a connection still waiting for its socket to drain only has its queue checked.
   */
  private output(conn: Conn<E>, put: (action: ServerAction) => void): void {
    if (!this.holdQueue(conn)) return;
    if (!this.flowControl || conn.inFlight === 0) {
      const data = this.take(conn);
      if (data) put({ kind: 'write', id: conn.id, data });
    }
    this.count(conn);
  }

  /** What goes to `conn`'s socket now: its reply produced up to the window, then its queue's head. */
  private take(conn: Conn<E>): Buffer | null {
    const endpoint = conn.endpoint;
    const window = this.flowControl ? this.limits.sendWindowBytes : Number.POSITIVE_INFINITY;
    this.pullReply(conn, window);
    if (conn.skipped > 0 && endpoint.pendingBytes < this.limits.sendWindowBytes) {
      // Told once the member has caught up, not once per line (11, LINES_SKIPPED).
      const notice = this.dialect.skipped(conn.skipped);
      conn.skipped = 0;
      if (notice) endpoint.sendEncoded(notice.packet, notice.type);
    }
    if (endpoint.pendingBytes === 0) return null;
    const data = endpoint.takeOutput(window);
    if (this.flowControl) {
      conn.inFlight = data.length;
      conn.waitingSince = this.clock;
      this.lowerDeadline(this.onGrid(this.clock + this.limits.slowReaderMs));
    }
    return data;
  }

  /** Produces `conn`'s reply until `window` bytes wait for it or the reply is complete. */
  private pullReply(conn: Conn<E>, window: number): void {
    const reply = conn.reply;
    if (!reply) return;
    while (conn.endpoint.pendingBytes < window) {
      const next = reply.next();
      if (next === null) {
        conn.reply = null;
        return;
      }
      conn.endpoint.sendEncoded(next.packet, next.type);
    }
  }

  /**
   * The connection's queue within its limit (11): maxQueuedBytes, or while the server-wide total
   * is over maxTotalQueuedBytes, its fair share of that total. Over it, its oldest chat lines are
   * skipped; what is left over it after that (no chat lines to skip) is SLOW_READER. False when
   * the connection was closed.
   */
  private holdQueue(conn: Conn<E>): boolean {
    const limit = this.queueLimit();
    const queued = conn.endpoint.pendingBytes + conn.inFlight;
    if (queued <= limit) return true;
    conn.skipped += conn.endpoint.shed(Math.max(0, limit - conn.inFlight));
    const left = conn.endpoint.pendingBytes + conn.inFlight;
    if (left <= limit) return true;
    this.slowReader(conn, `${left} bytes wait unread (limit ${limit})`, this.clock);
    return false;
  }

  /**
   * A connection's queue limit now (11: maxQueuedBytes, maxTotalQueuedBytes): never below two
   * windows, since the window in flight counts, so that a prompt reader never sheds a line.
   */
  private queueLimit(): number {
    const { maxQueuedBytes, maxTotalQueuedBytes, sendWindowBytes } = this.limits;
    const floor = 2 * sendWindowBytes;
    if (this.queuedTotal <= maxTotalQueuedBytes) return Math.max(floor, maxQueuedBytes);
    const share = Math.floor(maxTotalQueuedBytes / Math.max(1, this.conns.size));
    return Math.max(floor, Math.min(maxQueuedBytes, share));
  }

  /** Updates the server-wide count with what `conn` holds now. */
  private count(conn: Conn<E>): void {
    const held = conn.finished ? 0 : conn.endpoint.pendingBytes + conn.inFlight;
    this.queuedTotal += held - conn.counted;
    conn.counted = held;
  }

  private slowReader(conn: Conn<E>, message: string, now: number): void {
    const error = conn.endpoint.failWith(parleyError('SLOW_READER', message));
    this.log('warn', `conn ${conn.id}: ${error.code}: ${logText(error.message)}`);
    this.finish(conn, 'error', now, error);
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
    const reading = this.dialect.read(event, conn.id, this.room, now);
    if (reading === null) return;
    if (reading.deliveries) this.deliver(reading.deliveries);
    if (reading.gaveUp !== undefined) {
      conn.closeReason = 'error';
      this.log('info', `conn ${conn.id}: client reported ${logText(reading.gaveUp)}`);
    }
    if (reading.reported !== undefined)
      this.log('info', `conn ${conn.id}: client reported ${logText(reading.reported)} (not fatal)`);
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
      else if (d.kind === 'send') conn.endpoint.sendEncoded(d.packet, d.type);
      else if (conn.reply) conn.endpoint.sendEncoded(d.busy.packet, d.busy.type);
      else conn.reply = d.source(conn.endpoint.features ?? NO_FEATURES);
      this.dirty.add(conn);
    }
  }

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
      const budget = this.limits.rateRefusalBudget;
      const windowS = this.limits.rateRefusalWindowMs / 1000;
      const message =
        verdict === 'close'
          ? `more than ${budget} packets over the rate limit within ${windowS} s`
          : 'a join dropped by the rate limit, which has no reply in this protocol (10.2)';
      const error = conn.endpoint.failWith(parleyError('RATE_EXCEEDED', message));
      this.log('info', `conn ${conn.id}: ${error.code}`);
      this.finish(conn, 'error', now, error);
      return false;
    }
    if (join) conn.endpoint.settle('refused');
    if (verdict === 'reply') {
      const rate = this.limits.ratePerSecond;
      const error = parleyError('RATE_LIMITED', `slow down: the server allows ${rate} packets a second`);
      this.deliver(this.dialect.render({ kind: 'notice', by: conn.id, error }, this.room, now));
    }
    return false;
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
    conn.reply = null;
    this.joined.delete(conn);
    this.admission.release(conn.address);
    const left = this.room.leave(conn.id, reason, now);
    if (left?.kind === 'left') {
      this.log('info', `conn ${conn.id}: ${logText(left.name)} left (${reason})`);
      if (announce) this.deliver(this.dialect.render(left, this.room, now));
    }
    const out = conn.endpoint.takeOutput();
    if (out.length > 0) this.actions.push({ kind: 'write', id: conn.id, data: out });
    this.actions.push(error ? { kind: 'close', id: conn.id, error } : { kind: 'close', id: conn.id });
    this.dirty.delete(conn);
    this.count(conn);
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
