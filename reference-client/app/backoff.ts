/**
 * Reconnect policy: exponential backoff from 0.5 s doubling to 30 s, with jitter so that many
 * clients of a restarted server do not all knock at the same instant. The TUI retries for as long
 * as it runs (a person is there to stop it); --plain serves scripts, which need an answer: it
 * gives up (exit 1) once a run of attempts without a join reaches SCRIPT_JOIN_ATTEMPTS attempts or
 * SCRIPT_JOIN_WITHIN_MS, whichever comes first, so that it exits within 30 s of starting (or of
 * losing the room) even when each attempt hangs until the handshake timeout.
 */

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/**
 * The wait before retry number `attempt` (1 for the first retry). `random01` is a number in
 * [0, 1) drawn by the caller; the result lies in [0.75, 1.25) of the nominal delay, capped.
 */
export function backoffDelay(attempt: number, random01: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 16));
  const nominal = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exponent);
  const jittered = nominal * (0.75 + 0.5 * Math.min(Math.max(random01, 0), 1));
  return Math.round(Math.min(BACKOFF_MAX_MS, jittered));
}

/** --plain: connection attempts in a row that may end without a join before it gives up. */
export const SCRIPT_JOIN_ATTEMPTS = 3;
/** --plain: the longest it keeps trying to (re-)join before it gives up, leaving time to leave. */
export const SCRIPT_JOIN_WITHIN_MS = 25_000;

/**
 * A connection that stayed joined this long was healthy: the count of connections failing in a
 * row starts again after it. Shorter ones that end in an error of the connection (a middlebox that
 * corrupts records after the join, a server that breaks the protocol) count towards --plain's
 * bound of SCRIPT_JOIN_ATTEMPTS, and grow the TUI's backoff, instead of re-joining for ever.
 */
export const FAILED_RUN_RESET_MS = 60_000;

/**
 * The attempts of the current run, for the backoff and --plain's bounds. A join starts a new run;
 * but a connection that joined and then ended in an error of the connection itself (not a plain
 * loss) within FAILED_RUN_RESET_MS counts as failed too (`failedInRow`), and the attempt number
 * keeps up with those failures, so such a run grows its backoff and stays bounded.
 */
export class AttemptCounter {
  /** The current attempt: 0 for the first connection of a run. */
  attempt = 0;
  /** Connections in a row that ended in an error of the connection (DECRYPT_FAILED, ...). */
  failedInRow = 0;
  private joinedAt: number | null = null;

  joined(now: number): void {
    this.attempt = 0;
    this.joinedAt = now;
  }

  /** A connection ended, with an error of this `code` or none. */
  ended(now: number, code: string | undefined): void {
    const joinedFor = this.joinedAt === null ? null : now - this.joinedAt;
    this.joinedAt = null;
    if (joinedFor !== null && joinedFor >= FAILED_RUN_RESET_MS) this.failedInRow = 0;
    if (code !== undefined && code !== 'CONNECTION_LOST') this.failedInRow++;
    else this.failedInRow = 0;
  }

  /** The number of the retry that follows (a join followed by a failure is a failed attempt). */
  next(): number {
    this.attempt = Math.max(this.attempt, this.failedInRow - 1) + 1;
    return this.attempt;
  }
}
