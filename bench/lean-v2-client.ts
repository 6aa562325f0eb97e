/**
 * The load generator's v2 client: the core's V2ClientConnection with a cheaper packet parser for
 * the one packet a fan-out run receives by the hundred thousand.
 *
 * Why: every receiving client in the bench opens each record (AES-256-GCM, tag checked: every
 * delivery stays encrypted and authenticated), then parses each packet in it. The core parses with
 * JSON.parse and validates with the generated zod schema, about 1 µs per packet here, which made
 * the load generator, not the server, set the pace of a fan-out run (RESULTS.md). The IRC driver
 * reads an IRC line with a few indexOf calls; this is the same for a `message` packet as the
 * reference server writes it (`{"type":"message","id":N,"from":"..","text":"..","ts":N}`), and for
 * `user_joined` (`{"type":"user_joined","name":"..","ts":N}`, thousands per client when the idle
 * scenario fills a room). Anything else, or a packet with an escape in it, goes through the core's
 * full parser. A wrong
 * extraction cannot pass unnoticed: the fan-out checks every (sender, seq) arrives exactly once and
 * in order at every receiver. `--receiver full` runs the bench with the core parser instead.
 */
import type { V2ServerPacket } from '../src/generated/v2-packets.js';
import { V2ClientConnection } from '../src/session/v2-client-connection.js';

const PREFIX = Buffer.from('{"type":"message","id":');
const FROM = '"from":"';
const TEXT = '","text":"';
const TS = '","ts":';
const BACKSLASH = 0x5c;
const JOINED_PREFIX = Buffer.from('{"type":"user_joined","name":"');
const JOINED_TS = '","ts":';

/**
 * The fields of a `message` packet in the reference server's layout, or null when the packet is
 * anything else (then the caller parses it fully).
 */
export function leanMessage(bytes: Buffer): { from: string; text: string } | null {
  if (bytes.length < PREFIX.length || PREFIX.compare(bytes, 0, PREFIX.length) !== 0) return null;
  if (bytes.indexOf(BACKSLASH) !== -1) return null; // escapes: leave them to JSON.parse
  const s = bytes.toString('utf8');
  const f = s.indexOf(FROM, PREFIX.length);
  if (f === -1) return null;
  const fromStart = f + FROM.length;
  const fromEnd = s.indexOf('"', fromStart);
  if (fromEnd === -1 || !s.startsWith(TEXT, fromEnd)) return null;
  const textStart = fromEnd + TEXT.length;
  const textEnd = s.indexOf('"', textStart);
  if (textEnd === -1 || !s.startsWith(TS, textEnd)) return null;
  return { from: s.slice(fromStart, fromEnd), text: s.slice(textStart, textEnd) };
}

/** The name in a `user_joined` packet in the reference server's layout, or null. */
export function leanJoined(bytes: Buffer): string | null {
  const start = JOINED_PREFIX.length;
  if (bytes.length < start || JOINED_PREFIX.compare(bytes, 0, start) !== 0) return null;
  if (bytes.indexOf(BACKSLASH) !== -1) return null;
  const s = bytes.toString('utf8');
  const end = s.indexOf('"', start);
  if (end === -1 || !s.startsWith(JOINED_TS, end)) return null;
  return s.slice(start, end);
}

export class LeanV2ClientConnection extends V2ClientConnection {
  protected override parsePacket(bytes: Uint8Array): V2ServerPacket {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const m = leanMessage(buf);
    // id and ts are not read by the bench; the packet keeps the shape the client code expects.
    if (m) return { type: 'message', id: 0, from: m.from, text: m.text, ts: 0 };
    const joined = leanJoined(buf);
    if (joined !== null) return { type: 'user_joined', name: joined, ts: 0 };
    return super.parsePacket(bytes);
  }
}
