/**
 * Reconnect policy: exponential backoff from 0.5 s doubling to 30 s, with jitter so that many
 * clients of a restarted server do not all knock at the same instant.
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
