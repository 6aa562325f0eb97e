/**
 * The server's speed shortcuts, in one opt-in place (issue 19).
 *
 * How this works: each shortcut stands in for a plain path that the core takes without it and
 * gives the same bytes (test/core/fast-paths.test.ts runs both, with fast-check, and a whole
 * session through a server each way). Nothing in the core needs a shortcut: a server is given a
 * FastPaths (`serverFastPaths`) only when its adapter asks for one (the reference server does,
 * unless it runs with `--no-fast-paths`), so that tests can run every path both ways and a change
 * inside a shortcut is never an equivalent mutant. A FastPaths belongs to one server: nothing
 * here is shared across servers or held at module level. What each one saves is measured in
 * bench/RESULTS.md; why each exists:
 *
 * - `readPong`: a pong in the spelling every client uses is read without JSON.parse and the
 *   schema. A room of idle members answers pings all the time, and V8 gives its young generation
 *   back only while the server allocates little (reference-server/idle-gc.ts).
 * - `joiner`: in a broadcast every recipient queues the same Buffers, so the record's plaintext
 *   is joined once per broadcast and sealed once per recipient, rather than joined per recipient.
 * - `pings`: pings go out in batches (everyone whose idle deadline fell in one step of the
 *   deadline grid gets the same `n`), so the packet is serialised once per batch.
 * - `keyObjects`: record keys held as KeyObjects on the Node releases where a Buffer key takes a
 *   slow path on every cipher made (record-layer.ts, prefersKeyObjects).
 *
 * Not here, and why: the modp14 engine (crypto/key-agreement.ts) is reused by every connection of
 * a server, since making one costs a primality check of the prime on some Node releases, which is
 * no shortcut but the price of the plain path (the server's KeyAgreement holds it); the key pair
 * pool (reference-server/key-pool.ts) is a worker thread, so it lives in the adapter, and it only
 * changes where pairs are made.
 */
import { prefersKeyObjects } from '../crypto/record-layer.js';
import type { V2ClientPacket } from '../generated/v2-packets.js';
import { encodeV2Packet, joinPackets } from './v2-codec.js';

/** A server's shortcuts (see above); `serverFastPaths` makes one. */
export interface FastPaths {
  /** A pong in the one spelling, read without the JSON parser; null: let the parser read it. */
  readonly readPong: (bytes: Uint8Array) => V2ClientPacket | null;
  /** Joins a record's packets, reusing the last join of the very same Buffers. */
  readonly joiner: RecordJoiner;
  /** The ping packet, serialised once per deadline step. */
  readonly pings: PingCache;
  /** Hold record keys as KeyObjects (record-layer.ts). */
  readonly keyObjects: boolean;
}

/** The shortcuts for one server on Node release `nodeVersion` (`process.versions.node`). */
export function serverFastPaths(nodeVersion: string): FastPaths {
  return {
    readPong: plainPong,
    joiner: new RecordJoiner(),
    pings: new PingCache(),
    keyObjects: prefersKeyObjects(nodeVersion),
  };
}

/** How every well-behaved client spells `pong` (7.8): `{"type":"pong","n":` digits `}`. */
const PONG_HEAD = Buffer.from('{"type":"pong","n":', 'latin1');
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * A `pong` in exactly that spelling, read without JSON.parse and the schema; null for anything else
 * (spaces, another key order, a leading zero, a number past 2^53 - 1), which the full parser then
 * reads or refuses. What it returns is what the schema yields for the same bytes.
 */
export function plainPong(bytes: Uint8Array): V2ClientPacket | null {
  const head = PONG_HEAD.length;
  const last = bytes.length - 1;
  const digits = last - head;
  if (digits < 1 || digits > MAX_SAFE_DIGITS || bytes[last] !== 0x7d) return null;
  for (let i = 0; i < head; i++) if (bytes[i] !== PONG_HEAD[i]) return null;
  if (bytes[head] === 0x30 && digits > 1) return null; // JSON numbers have no leading zeros
  let n = 0;
  for (let i = head; i < last; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return null;
    n = n * 10 + digit;
  }
  return Number.isSafeInteger(n) ? { type: 'pong', n } : null;
}

/**
 * Joins the packets queued for one record into its plaintext (6.1), reusing the last join when the
 * very same Buffers come again in the same order. Queued Buffers are never changed, so a hit is
 * always the same bytes that joinPackets makes.
 */
export class RecordJoiner {
  private lastParts: readonly Buffer[] = [];
  private lastJoined: Buffer | null = null;

  join(parts: readonly Buffer[], totalBytes: number): Buffer {
    if (parts.length === 1) return parts[0];
    if (parts.length === this.lastParts.length && this.lastJoined !== null) {
      let same = true;
      for (let i = 0; i < parts.length && same; i++) same = parts[i] === this.lastParts[i];
      if (same) return this.lastJoined;
    }
    this.lastJoined = joinPackets(parts, totalBytes);
    this.lastParts = parts;
    return this.lastJoined;
  }
}

/** The last ping packet made and its `n` (the time it was made for). */
export class PingCache {
  private at: number | null = null;
  private json: Buffer | null = null;

  /** The ping for `now`: the same Buffer as the last one when `now` is the same. */
  ping(now: number): Buffer {
    if (this.at !== now || this.json === null) {
      this.json = encodeV2Packet({ type: 'ping', n: now });
      this.at = now;
    }
    return this.json;
  }
}
