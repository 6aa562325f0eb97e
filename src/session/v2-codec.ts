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

/** Parses a packet sent by a client (what a server receives). */
export function parseClientPacket(bytes: Uint8Array): V2ClientPacket {
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
