/**
 * Counting whole frames in raw server output, with the header grammar only (3.1), so that it works
 * on any server's bytes. Its own module: the driver waits on it and attribution.ts explains a dead
 * server with it, and attribution.ts speaks of the driver's types, so neither may import the other.
 */

/** Whole frames in `bytes`, by their 10-byte headers (stops at the first header that is not a length). */
export function countFrames(bytes: Buffer): number {
  let at = 0;
  let n = 0;
  while (at + 10 <= bytes.length) {
    const length = Number.parseInt(
      bytes
        .subarray(at, at + 10)
        .toString('latin1')
        .trim(),
      10,
    );
    if (!Number.isFinite(length) || length <= 0 || at + 10 + length > bytes.length) break;
    at += 10 + length;
    n++;
  }
  return n;
}
