/**
 * v2 packet bodies (spec 7): UTF-8 JSON, validated by the generated zod schemas at the packet
 * boundary (after framing and decryption, never in the byte loop).
 */
import { parleyError } from '../errors.js';
import {
  type V2ClientPacket,
  type V2ServerPacket,
  v2ClientPacketSchema,
  v2ServerPacketSchema,
} from '../generated/v2-packets.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeV2Packet(packet: V2ClientPacket | V2ServerPacket): Buffer {
  return Buffer.from(JSON.stringify(packet), 'utf8');
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw parleyError('PACKET_MALFORMED', 'packet is not UTF-8 JSON', 'local', err);
  }
}

function describeIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return 'invalid packet';
  const path = first.path.map(String).join('.');
  return path ? `${path}: ${first.message}` : first.message;
}

/** How every well-behaved client spells `pong` (7.8): `{"type":"pong","n":` digits `}`. */
const PONG_HEAD = Buffer.from('{"type":"pong","n":', 'latin1');
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * A `pong` in exactly that spelling, read without JSON.parse and the schema; null for anything else
 * (spaces, another key order, a leading zero, a number past 2^53 - 1), which the full parser then
 * reads or refuses. Why: a room of 10,000 idle members answers 167 pings a second, and V8 gives its
 * young generation back only while the server allocates little (bench/RESULTS.md). What
 * it returns is what the schema yields for the same bytes (test/core/v2-codec.test.ts).
 */
function plainPong(bytes: Uint8Array): V2ClientPacket | null {
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

/** Parses a packet sent by a client (what a server receives). */
export function parseClientPacket(bytes: Uint8Array): V2ClientPacket {
  const pong = plainPong(bytes);
  if (pong) return pong;
  const result = v2ClientPacketSchema.safeParse(parseJson(bytes));
  if (!result.success)
    throw parleyError('PACKET_MALFORMED', `bad client packet: ${describeIssue(result.error.issues)}`);
  return result.data;
}

/** Parses a packet sent by a server (what a client receives). */
export function parseServerPacket(bytes: Uint8Array): V2ServerPacket {
  const result = v2ServerPacketSchema.safeParse(parseJson(bytes));
  if (!result.success)
    throw parleyError('PACKET_MALFORMED', `bad server packet: ${describeIssue(result.error.issues)}`);
  return result.data;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const unb64 = (text: string): Buffer => Buffer.from(text, 'base64');

/** The newline that separates coalesced packets inside one record (6.1). */
export const PACKET_SEPARATOR = 0x0a;

/**
 * Splits a record's plaintext into its packets (6.1). JSON.stringify never writes a raw newline,
 * so the split is unambiguous; an empty packet is PACKET_MALFORMED.
 */
export function splitPackets(plain: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = plain.indexOf(PACKET_SEPARATOR); i !== -1; i = plain.indexOf(PACKET_SEPARATOR, start)) {
    parts.push(plain.subarray(start, i));
    start = i + 1;
  }
  parts.push(start === 0 ? plain : plain.subarray(start)); // most records carry one packet
  for (const part of parts)
    if (part.length === 0) throw parleyError('PACKET_MALFORMED', 'empty packet in a record');
  return parts;
}

/** Joins packets into one record plaintext (6.1). */
export function joinPackets(packets: readonly Buffer[], totalBytes: number): Buffer {
  if (packets.length === 1) return packets[0];
  const out = Buffer.allocUnsafe(totalBytes + packets.length - 1);
  let at = 0;
  packets.forEach((p, i) => {
    if (i > 0) out[at++] = PACKET_SEPARATOR;
    at += p.copy(out, at);
  });
  return out;
}
