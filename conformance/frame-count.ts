/**
 * Counting whole frames in raw server output, with the header grammar only (3.1), so that it works
 * on any server's bytes. Its own module: the driver waits on it and attribution.ts explains a dead
 * server with it, and attribution.ts speaks of the driver's types, so neither may import the other.
 */

/** The length the 10-byte header at `at` gives: its leading digits after any spaces; NaN: none. */
export function headerLength(bytes: Buffer, at: number): number {
  return Number.parseInt(
    bytes
      .subarray(at, at + 10)
      .toString('latin1')
      .trim(),
    10,
  );
}

/** Whole frames in `bytes`, by their 10-byte headers (stops at the first header that is not a length). */
export function countFrames(bytes: Buffer): number {
  let at = 0;
  let n = 0;
  while (at + 10 <= bytes.length) {
    const length = headerLength(bytes, at);
    if (!Number.isFinite(length) || length <= 0 || at + 10 + length > bytes.length) break;
    at += 10 + length;
    n++;
  }
  return n;
}
