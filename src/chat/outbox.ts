/**
 * What the chat server hands its adapter: the actions its steps made, in order (a write, a close,
 * a log line), each connection's write at a flush, and the earliest time at which `tick` has work.
 * Every log line the core makes passes here, so the log's bound (11.5, log-budget.ts) is kept here:
 * a line about a connection is written or counted for its network prefix.
 *
 * How this works: the chat server (chat-server.ts) adds actions and lowers the deadline as its
 * steps go; every adapter call ends by taking the actions made so far. A flush is a pass over the
 * connections with queued output: at each one's turn the send queue (send-queue.ts, spec 11)
 * returns the bytes to write, nothing, or why the reader is too slow; the pass yields the write
 * (under flow control its slowReaderMs starts, 11) or the slow reader, which the server ends
 * before it takes the next item. This module only holds and returns: it never ends a connection
 * and never calls the server.
 */
import type { Limits, LogLevel } from '../generated/constants.js';
import { onGrid } from './deadlines.js';
import { LogBudget } from './log-budget.js';
import { SendQueue } from './send-queue.js';
import type { Conn, ServerAction, WireDialect } from './server-contract.js';

/** A connection whose queue cannot be held to its limit at its turn: SLOW_READER, and why (11). */
export interface SlowReader<E> {
  readonly conn: Conn<E>;
  readonly slow: string;
}

export class Outbox {
  private actions: ServerAction[] = [];
  private deadline: number | null = null;
  /** What each connection's socket gets at its turn, and the server-wide count (11). */
  private readonly sendQueue: SendQueue;
  /** Which lines about connections are written (11.5). */
  private readonly logBudget: LogBudget;

  constructor(
    private readonly limits: Limits,
    dialect: Pick<WireDialect<unknown>, 'skipped'>,
    /** Flow control (ChatServerOptions.flowControl): a write waits for the socket's drain. */
    private readonly flowControl: boolean,
    /** The grid (ms) that connection deadlines are rounded up to (deadlines.ts). */
    private readonly grid: number,
  ) {
    this.sendQueue = new SendQueue(limits, dialect, flowControl);
    this.logBudget = new LogBudget(limits);
  }

  /** The earliest time at which `tick` has work to do, or null when nothing is pending. */
  get nextDeadline(): number | null {
    return this.deadline;
  }

  /** Bytes queued across all connections, as counted at the last flush (11, maxTotalQueuedBytes). */
  get queuedBytes(): number {
    return this.sendQueue.queuedBytes;
  }

  add(action: ServerAction): void {
    this.actions.push(action);
  }

  /** A line about the server itself, or one bounded already (refusals at accept): always written. */
  log(level: LogLevel, message: string): void {
    this.actions.push({ kind: 'log', level, message });
  }

  /**
   * A connection line (11.5) about a connection from `address` (its key; undefined: not told) at
   * `now`: written when the log's bound allows it, else counted for the summary. Debug lines are
   * always written (an operator who asks for them asks for every line).
   */
  logAbout(level: LogLevel, message: string, address: string | undefined, now: number): void {
    if (level === 'debug' || this.logBudget.charge(address, now)) this.log(level, message);
    else this.lowerDeadline(this.logBudget.due!);
  }

  /** The log bound's summary lines due at `now` (11.5); returns when the next ones are. */
  logSummary(now: number): number | null {
    for (const line of this.logBudget.summary(now)) this.log('warn', line);
    return this.logBudget.due;
  }

  /** Something falls due at `t`: the deadline moves there if that is earlier. */
  lowerDeadline(t: number): void {
    this.deadline = this.deadline === null ? t : Math.min(t, this.deadline);
  }

  /** The deadline a full scan of the connections found (a tick), replacing the one before. */
  setDeadline(t: number | null): void {
    this.deadline = t;
  }

  /** The actions made since the last take, handed over once. */
  take(): ServerAction[] {
    const out = this.actions;
    this.actions = [];
    return out;
  }

  /**
   * A flush's pass: the actions made so far, then each connection with queued output (`dirty`,
   * emptied as it goes) at its turn. A slow reader is handed back as such for the server to end;
   * the server's steps meanwhile may add actions (handed on after that turn) and dirty connections
   * (a Set's loop visits what is added while it runs: the others told that it left).
   */
  *pass<E>(
    dirty: Set<Conn<E>>,
    now: number,
    connections: number,
  ): Generator<ServerAction | SlowReader<E>, void, undefined> {
    yield* this.take();
    this.sendQueue.startPass();
    for (const conn of dirty) {
      dirty.delete(conn);
      if (conn.finished) continue;
      const turn = this.sendQueue.turn(conn, now, connections);
      if (turn !== null && !Buffer.isBuffer(turn)) yield { conn, slow: turn.slow };
      else if (turn !== null) {
        if (this.flowControl) this.lowerDeadline(onGrid(now + this.limits.slowReaderMs, this.grid));
        yield { kind: 'write', id: conn.id, data: turn };
      }
      // A shortcut for the common case (no action queued): no generator made per connection.
      // Stryker disable next-line ConditionalExpression,EqualityOperator: take() of no actions yields nothing, so the check changes only the cost
      if (this.actions.length > 0) yield* this.take();
    }
    // Replies the pass's budget did not reach (send-queue.ts, 11 replyPassBytes) stay dirty, so
    // the adapter flushes again after reading its sockets once more; the set is empty now, so
    // they come first in the next pass, before whatever that turn's reads make dirty.
    for (const conn of this.sendQueue.takeWaiting<E>()) if (!conn.finished) dirty.add(conn);
  }

  /** `conn`'s socket took its write at `now`; true when more waits for it (11). */
  drained(conn: Conn<unknown>, now: number): boolean {
    return this.sendQueue.drained(conn, now);
  }

  /** A connection's queue limit now, with `connections` open (11: maxQueuedBytes). */
  queueLimit(connections: number): number {
    return this.sendQueue.limit(connections);
  }

  /** The server-wide count updated with what a finished `conn` holds (nothing). */
  count(conn: Conn<unknown>): void {
    this.sendQueue.count(conn);
  }
}
