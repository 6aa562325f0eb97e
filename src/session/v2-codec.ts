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
