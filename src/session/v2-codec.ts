/**
 * v2 packet bodies (spec 7): strict UTF-8 JSON (7.1, strict-json.ts), validated by the generated
 * zod schemas at the packet boundary (after framing and decryption, never in the byte loop). A
 * packet of the other direction is PACKET_UNEXPECTED (4.2), any other mismatch PACKET_MALFORMED.
 */
import { parleyError } from '../errors.js';
import {
  V2_PACKET_INFO,
  type V2ClientPacket,
  type V2PacketType,
  type V2ServerPacket,
  v2ClientPacketSchema,
  v2ServerPacketSchema,
} from '../generated/v2-packets.js';
import { parseStrictJson } from './strict-json.js';

export function encodeV2Packet(packet: V2ClientPacket | V2ServerPacket): Buffer {
  return Buffer.from(JSON.stringify(packet), 'utf8');
}

/** The schema's first issue, with its field path; zod reports at least one for every failure. */
function describeIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  const path = first.path.map(String).join('.');
  return path ? `${path}: ${first.message}` : first.message;
}

/**
 * 4.2: a packet of the other direction (its `type` names a packet only the other side sends) is
 * PACKET_UNEXPECTED, not PACKET_MALFORMED; `only` is the direction the sender may not use.
 */
function checkDirection(value: unknown, only: 'c2s' | 's2c', sender: string): void {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(V2_PACKET_INFO, type)) return;
  if (V2_PACKET_INFO[type as V2PacketType].direction === only) {
    throw parleyError('PACKET_UNEXPECTED', `a ${sender} may not send ${type} (4.2)`);
  }
}

/** Parses a packet sent by a client (what a server receives). */
export function parseClientPacket(bytes: Uint8Array): V2ClientPacket {
  const value = parseStrictJson(bytes);
  const result = v2ClientPacketSchema.safeParse(value);
  if (!result.success) {
    checkDirection(value, 's2c', 'client');
    throw parleyError('PACKET_MALFORMED', `bad client packet: ${describeIssue(result.error.issues)}`);
  }
  return result.data;
}

/** Parses a packet sent by a server (what a client receives). */
export function parseServerPacket(bytes: Uint8Array): V2ServerPacket {
  const value = parseStrictJson(bytes);
  const result = v2ServerPacketSchema.safeParse(value);
  if (!result.success) {
    checkDirection(value, 'c2s', 'server');
    throw parleyError('PACKET_MALFORMED', `bad server packet: ${describeIssue(result.error.issues)}`);
  }
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
