/**
 * How a connection comes and goes (spec 5.10, 7.6, 7.9, 7.18, 11): whether an accepted connection
 * is served (the door: accept-gate.ts; a banned address, 7.18), which connection that has not
 * joined gives up its slot to it when the server is full (11.2), and the end of a connection,
 * exactly once: its slot handed back, the room's leave decision rendered as the news for the
 * others, its last output and its close.
 *
 * How this works: the chat server (chat-server.ts) asks `admit` when the adapter opens a
 * connection and calls `end` whenever one finishes (the peer closed, an error, a timeout, the rate
 * limit, a kick or ban, shutdown). The actions each makes (a refusal, log lines, the last write
 * and the close) go to the outbox (outbox.ts); what the server has to carry out itself comes back
 * as a value: the connection to make room by ending, the news to queue on the others' endpoints.
 * Nothing here calls the server back. Every line about one connection, the chat server's too, is
 * written through `logAbout`, which charges it to the log's bound (11.5) unless its member is an
 * operator.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { LeaveReason, Limits, LogLevel } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { logText } from '../text/untrusted-text.js';
import { AcceptGate } from './accept-gate.js';
import type { Outbox } from './outbox.js';
import type { Room } from './room.js';
import type { Conn, ConnId, Delivery, WireDialect } from './server-contract.js';

/**
 * An opened connection at the door: served (from `address`, its key), maybe in the slot of
 * `evict`, which the server ends with `error` (11.2), or refused (its refusal is in the outbox).
 */
export type Arrival<E> =
  | {
      readonly served: true;
      readonly address: string | undefined;
      readonly evict?: { readonly conn: Conn<E>; readonly error: ParleyError };
    }
  | { readonly served: false };

const NO_NEWS: readonly Delivery[] = [];

export class Lifecycle<E> {
  /** Who is served at accept (5.10, 11), and the log of those refused (accept-gate.ts). */
  private readonly gate: AcceptGate;

  constructor(
    limits: Limits,
    private readonly dialect: WireDialect<E>,
    private readonly room: Room<ConnId>,
    /** The chat server's joined connections (connection-table.ts), which a finished one leaves. */
    private readonly joined: Set<Conn<E>>,
    private readonly out: Outbox,
  ) {
    this.gate = new AcceptGate(limits);
  }

  /**
   * Connection `id` opened from `remoteAddress` at `now`, while the server is `stopping` or not;
   * `oldest`: the oldest connection that has not joined (11.2). A refused one gets a `refused`
   * packet (v2) or none (legacy), then its close (5.10).
   */
  admit(
    id: ConnId,
    remoteAddress: string | undefined,
    stopping: boolean,
    now: number,
    oldest?: Conn<E>,
  ): Arrival<E> {
    let door = this.gate.accept(id, remoteAddress, stopping, now, oldest?.id);
    // 7.18: a banned address is refused at accept like any other (5.10), holding no slot.
    if (door.served && this.room.addressBanned(door.address, now)) {
      this.gate.release(door.address);
      door = {
        served: false,
        error: parleyError('BANNED', 'this address is banned from the server'),
        log: this.gate.refusedAfter(id, 'BANNED', now),
      };
    }
    for (const line of door.log) this.out.log('warn', line);
    if (this.gate.due !== null) this.out.lowerDeadline(this.gate.due);
    if (!door.served) {
      // 11.4: a quiet refusal (its address was told already) is closed without a record.
      const record = door.quiet ? null : this.dialect.refusal(door.error.code, door.error.message);
      if (record) this.out.add({ kind: 'write', id, data: record });
      this.out.add({ kind: 'close', id, error: door.error });
      return { served: false };
    }
    if (door.evict === undefined || !oldest) return { served: true, address: door.address };
    // 11.2: full; the oldest connection that has not joined makes room, as if its time were up.
    const message = 'the server is full and needed this slot before you joined';
    const error = oldest.endpoint.failWith(parleyError('HANDSHAKE_TIMEOUT', message));
    return { served: true, address: door.address, evict: { conn: oldest, error } };
  }

  /**
   * Time passed: the door's summary lines and the log bound's (11.5) that fell due; returns when
   * the next ones do.
   */
  tick(now: number): number | null {
    for (const line of this.gate.tick(now)) this.out.log('warn', line);
    const door = this.gate.due;
    const bound = this.out.logSummary(now);
    return door === null ? bound : bound === null ? door : Math.min(door, bound);
  }

  /**
   * A line about connection `conn` at `now` (11.5): charged to its network prefix and written
   * within the log's bound, or counted; the lines of an operator's connection are always written
   * (7.18: its actions are logged in full).
   */
  logAbout(conn: Conn<E>, level: LogLevel, message: string, now: number): void {
    if (this.room.factsOf(conn.id)?.op) this.out.log(level, message);
    else this.out.logAbout(level, message, conn.address, now);
  }

  /**
   * The error of a connection the server gives up on (SLOW_READER, a timeout: 11; the rate limit:
   * 7.8; the adapter's `fail`), logged; `quiet` logs the code alone, at info.
   */
  giveUp(conn: Conn<E>, code: ErrorCode, message: string, quiet: boolean, now: number): ParleyError {
    // legacy never sheds (11): its slow reader's queue is dropped, not written at the close.
    if (code === 'SLOW_READER' && this.dialect.neverSheds) conn.endpoint.dropSealed();
    const error = conn.endpoint.failWith(parleyError(code, message));
    this.logAbout(
      conn,
      quiet ? 'info' : 'warn',
      `conn ${conn.id}: ${error.code}${quiet ? '' : `: ${logText(error.message)}`}`,
      now,
    );
    return error;
  }

  /**
   * Ends `conn` (not finished yet) for `reason` at `now`, with `error` if it failed: its last output
   * and its close go to the outbox; returns the news of its leaving for the others (none unless
   * it had joined and `announce`: at shutdown everyone goes at once).
   */
  end(
    conn: Conn<E>,
    reason: LeaveReason,
    now: number,
    error?: ParleyError,
    announce = true,
  ): readonly Delivery[] {
    conn.finished = true;
    conn.reply = null;
    this.joined.delete(conn);
    this.gate.release(conn.address);
    // Before the leave, which forgets whether its member was an operator (11.5).
    const operator = this.room.factsOf(conn.id)?.op === true;
    const left = this.room.leave(conn.id, reason, now);
    let news = NO_NEWS;
    if (left?.kind === 'left') {
      const line = `conn ${conn.id}: ${logText(left.name)} left (${reason})`;
      if (operator) this.out.log('info', line);
      else this.out.logAbout('info', line, conn.address, now);
      if (announce) news = this.dialect.render(left, this.room, now);
    }
    const out = conn.endpoint.takeOutput();
    if (out.length > 0) this.out.add({ kind: 'write', id: conn.id, data: out });
    this.out.add(error ? { kind: 'close', id: conn.id, error } : { kind: 'close', id: conn.id });
    return news;
  }
}
