/**
 * A connection's deadlines (spec 11): the handshake timeout, the idle ping and timeout, and the
 * slow reader's time to drain, on the server's deadline grid.
 *
 * How this works: `tick` in chat-server.ts asks, for each connection, what falls due at `now`
 * (DeadlineScan.check): one thing to do (end it, ping it) and the earliest time it needs looking
 * at again.
 * Deadlines are rounded up to a grid (`deadlineGrid`): `tick` is one pass over every connection,
 * and with exact deadlines a room of 10,000 members last heard at 10,000 different moments would
 * run it hundreds of times a second (once per connection due), so an idle server would spend its
 * CPU scanning. On the grid it runs a few times a second and handles all that fell due together,
 * each at most one step late. A ping that falls due is queued on the endpoint here; ending a
 * connection is left to the server, which is told why.
 */
import type { Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { Conn, WireDialect } from './server-contract.js';

/** The grid (ms) that connection deadlines are rounded up to under `limits` (see above). */
export function deadlineGrid(limits: Pick<Limits, 'idlePingMs' | 'handshakeTimeoutMs'>): number {
  const shortest = Math.min(limits.idlePingMs, limits.handshakeTimeoutMs);
  return Math.min(1000, Math.max(1, Math.floor(shortest / 20)));
}

/** `t` rounded up to a multiple of `grid`. */
export function onGrid(t: number, grid: number): number {
  return Math.ceil(t / grid) * grid;
}

/** What falls due for one connection now. */
export type Due =
  | { readonly kind: 'nothing' }
  /** It read nothing of what was written to it for slowReaderMs: SLOW_READER. */
  | { readonly kind: 'slow'; readonly message: string }
  /** The handshake or the idle timeout (ends the connection, leave reason `timeout`, 7.6). */
  | { readonly kind: 'timeout'; readonly code: ErrorCode; readonly message: string }
  /** It was pinged (v2): the ping is queued on its endpoint. */
  | { readonly kind: 'pinged' };

const NOTHING: Due = { kind: 'nothing' };
const PINGED: Due = { kind: 'pinged' };

/**
 * One pass of `tick` over the connections: `check` says what falls due for each at `now`, and
 * `next` gathers the earliest grid time at which any of them needs looking at again (null: none).
 * The usual answers are shared constants: an idle server scans its connections a few times a
 * second and should allocate next to nothing doing it.
 */
export class DeadlineScan {
  next: number | null = null;

  constructor(
    private readonly limits: Limits,
    private readonly grid: number,
    private readonly now: number,
    /** The dialect's pings (v2), and whether it checks idle connections at all. */
    private readonly dialect: Pick<WireDialect<unknown>, 'idleChecks' | 'ping'>,
  ) {}

  /**
   * What falls due for `conn`: `joined` says whether it has joined the room (the handshake timeout
   * no longer applies). A ping that falls due is queued on its endpoint here.
   */
  check(conn: Conn<unknown>, joined: boolean): Due {
    const { limits, now } = this;
    if (conn.inFlight > 0) {
      // A socket that takes nothing of what waits for it for slowReaderMs (11).
      const slowDue = conn.waitingSince + limits.slowReaderMs;
      if (now >= slowDue)
        return {
          kind: 'slow',
          message: `nothing of ${conn.inFlight} bytes read for ${limits.slowReaderMs} ms`,
        };
      this.consider(slowDue);
    }
    if (!joined) {
      const handshakeDue = conn.openedAt + limits.handshakeTimeoutMs;
      if (now >= handshakeDue)
        return { kind: 'timeout', code: 'HANDSHAKE_TIMEOUT', message: 'no name was chosen in time' };
      this.consider(handshakeDue);
    }
    if (!this.dialect.idleChecks || !conn.endpoint.secured) return NOTHING;
    const idleDue = conn.lastHeard + limits.idleTimeoutMs;
    if (now >= idleDue)
      return {
        kind: 'timeout',
        code: 'IDLE_TIMEOUT',
        message: `nothing heard for ${limits.idleTimeoutMs} ms`,
      };
    this.consider(idleDue);
    if (conn.pingedAt !== null) return NOTHING;
    const pingDue = conn.lastHeard + limits.idlePingMs;
    const ping = now >= pingDue ? this.dialect.ping(now) : null;
    if (ping) {
      conn.pingedAt = now;
      conn.endpoint.sendEncoded(ping, 'ping');
      return PINGED;
    }
    this.consider(pingDue);
    return NOTHING;
  }

  /** The earliest of `next` and `other` (a time off the grid, or null). */
  nextWith(other: number | null): number | null {
    if (other === null) return this.next;
    return this.next === null ? other : Math.min(other, this.next);
  }

  /** Something needs looking at again at `t` (rounded up to the grid). */
  consider(t: number): void {
    const at = onGrid(t, this.grid);
    this.next = this.next === null ? at : Math.min(at, this.next);
  }
}
