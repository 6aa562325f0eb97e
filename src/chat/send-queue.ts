/**
 * What one connection's socket gets at its turn (spec 11: sendWindowBytes, maxQueuedBytes,
 * maxTotalQueuedBytes, slowReaderMs; 7.7: replies produced as the socket drains).
 *
 * How this works: the chat server (chat-server.ts) queues packets on endpoints as the room's
 * decisions are rendered; at a flush its outbox (outbox.ts) asks this module, one connection at a
 * time, for that connection's write. The queue is first held to its limit (chat lines skipped, the
 * largest sender's oldest first, 11.3; what
 * is still over it after that is a slow reader, which the server then ends), then the connection's
 * large reply (an export, a room list) is produced up to the window, then the queue's head is taken as one
 * buffer. This module only computes: it returns the write, or why the reader is too slow, and
 * never calls the server.
 *
 * Replies share one budget per pass (11, replyPassBytes): the outbox calls `startPass` before it
 * gives the connections their turns, each reply part produced takes its bytes from the budget,
 * and a connection whose reply found the budget spent is handed back by `takeWaiting`, to be
 * served first at the next pass. Without this, hundreds of exports to connections whose socket
 * buffers still took bytes (readers or not) made every pass seal megabytes before any member's
 * chat line went out, and the honest members waited whole seconds behind them.
 */
import type { Limits } from '../generated/constants.js';
import type { Conn, WireDialect } from './server-contract.js';

/**
 * A connection's turn at the socket: the bytes to write now, null (nothing, or still waiting for
 * the socket to drain), or `slow` when its queue cannot be brought within its limit: SLOW_READER
 * (11). A write is the Buffer itself: a turn is taken per connection per flush, and allocates
 * nothing of its own.
 */
export type Turn = Buffer | null | { readonly slow: string };

export class SendQueue {
  /** Bytes queued across all connections, as last counted (11, maxTotalQueuedBytes). */
  private total = 0;
  /** Reply bytes this pass may still produce (11, replyPassBytes). */
  private replyLeft = Number.POSITIVE_INFINITY;
  /** Connections whose reply waits for the next pass's budget, in the order they met the end of this one's. */
  private waiting: Conn<unknown>[] = [];

  constructor(
    private readonly limits: Limits,
    private readonly dialect: Pick<WireDialect<unknown>, 'skipped'>,
    /** Flow control (ChatServerOptions.flowControl): at most a window per write, then wait. */
    private readonly flowControl: boolean,
  ) {}

  /** Bytes queued across all connections, as counted at the last turn (11, maxTotalQueuedBytes). */
  get queuedBytes(): number {
    return this.total;
  }

  /**
   * A pass over the connections' output begins: replies may produce replyPassBytes in it (11).
   * Without flow control a reply goes out whole at once (there is no window to fill), as before.
   */
  startPass(): void {
    this.replyLeft = this.flowControl ? this.limits.replyPassBytes : Number.POSITIVE_INFINITY;
  }

  /** The connections whose reply waits for the next pass (each once), in the order to serve them. */
  takeWaiting<E>(): Conn<E>[] {
    const waiting = this.waiting as Conn<E>[];
    this.waiting = [];
    return waiting;
  }

  /**
   * One connection's turn (at time `now`, among `connections` open ones): its queue held to its
   * limit, its reply produced as far as the window allows, and what to write. With flow control
   * a connection still waiting for its socket to drain only has its queue checked.
   */
  turn(conn: Conn<unknown>, now: number, connections: number): Turn {
    const limit = this.limit(connections);
    if (conn.overrun) return { slow: `more than ${limit} bytes waited unread` };
    const queued = conn.endpoint.pendingBytes + conn.inFlight;
    if (queued > limit) {
      conn.skipped += conn.endpoint.shed(Math.max(0, limit - conn.inFlight));
      const left = conn.endpoint.pendingBytes + conn.inFlight;
      if (left > limit) return { slow: `${left} bytes wait unread (limit ${limit})` };
    }
    const data = !this.flowControl || conn.inFlight === 0 ? this.take(conn, now) : null;
    this.count(conn);
    return data;
  }

  /** `conn`'s socket took what was written to it at `now`; true when more waits for it (11). */
  drained(conn: Conn<unknown>, now: number): boolean {
    if (conn.inFlight === 0) return false;
    conn.inFlight = 0;
    conn.waitingSince = now;
    return conn.reply !== null || conn.endpoint.pendingBytes > 0 || conn.skipped > 0;
  }

  /** Updates the server-wide count with what `conn` holds now (0 once it is finished). */
  count(conn: Conn<unknown>): void {
    const held = conn.finished ? 0 : conn.endpoint.pendingBytes + conn.inFlight;
    this.total += held - conn.counted;
    conn.counted = held;
  }

  /** What goes to `conn`'s socket now: its reply produced up to the window, then its queue's head. */
  private take(conn: Conn<unknown>, now: number): Buffer | null {
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
      conn.waitingSince = now;
    }
    return data;
  }

  /**
   * Produces `conn`'s reply until `window` bytes wait for it, the reply is complete, or this
   * pass's reply budget is spent (then it waits for the next pass: `takeWaiting`).
   */
  private pullReply(conn: Conn<unknown>, window: number): void {
    const reply = conn.reply;
    if (!reply) return;
    // One that got nothing of this pass waits for the next one; one that got some is written to
    // now, and its socket's drain brings it back, behind those still waiting.
    if (this.replyLeft <= 0) {
      this.waiting.push(conn);
      return;
    }
    while (conn.endpoint.pendingBytes < window && this.replyLeft > 0) {
      const next = reply.next();
      if (next === null) {
        conn.reply = null;
        return;
      }
      this.replyLeft -= next.packet.length;
      conn.endpoint.sendEncoded(next.packet, next.type);
    }
  }

  /**
   * A connection's queue limit now (11: maxQueuedBytes, or while the server-wide total is over
   * maxTotalQueuedBytes, its fair share of that total): never below two windows, since the window
   * in flight counts, so that a prompt reader never sheds a line.
   */
  limit(connections: number): number {
    const { maxQueuedBytes, maxTotalQueuedBytes, sendWindowBytes } = this.limits;
    const floor = 2 * sendWindowBytes;
    if (this.total <= maxTotalQueuedBytes) return Math.max(floor, maxQueuedBytes);
    const share = Math.floor(maxTotalQueuedBytes / Math.max(1, connections));
    return Math.max(floor, Math.min(maxQueuedBytes, share));
  }
}
