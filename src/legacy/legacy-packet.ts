/**
 * The legacy packet object (spec 10.1) and its two body encodings (8.1-8.3 plaintext, 9.1
 * encrypted).
 *
 * How this works: `encodeLegacyBody` serialises exactly as the original server does and pads the
 * body so that its length is a multiple of 10 bytes (trailing spaces in the JSON; encrypted
 * plaintext padded to a multiple of 15 bytes, whose base64 is a multiple of 20 characters). The
 * original client reads frames in 10-byte steps and would swallow the next frame otherwise
 * (legacy `mitigations`). `decodeLegacyBody` validates with the generated zod schema.
 */

import { legacyDecrypt, legacyEncrypt } from '../crypto/legacy-cipher.js';
import { parleyError } from '../errors.js';
import { type LegacyPacket, legacyPacketSchema } from '../generated/legacy-packets.js';
import { pythonJsonDumps } from './python-json.js';

export type { LegacyPacket };

/** The address Parley writes in shost/dhost: never a real one (legacy `mitigations`). */
export const HIDDEN_HOST = '0.0.0.0';

export interface LegacyCipherState {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** Builds a packet object in the original's key order. */
export function legacyPacket(
  typ: string,
  username: string,
  cont: string | readonly (string | null)[],
  date: string,
  dhost = HIDDEN_HOST,
): LegacyPacket {
  return {
    shost: HIDDEN_HOST,
    dhost,
    username,
    date,
    cont: typeof cont === 'string' ? cont : [...cont],
    typ,
    shouldParseContents: typeof cont !== 'string',
  };
}

function padTo(text: string, multiple: number): string {
  const rem = text.length % multiple;
  return rem === 0 ? text : text + ' '.repeat(multiple - rem);
}

/**
 * Serialises a packet as the original does, padded for its destination: to a multiple of 10 bytes
 * for a plaintext body, of 15 bytes for plaintext that will be encrypted (base64: 20 characters).
 * Serialise once, then `sealLegacyBody` per recipient.
 */
export function serializeLegacyPacket(packet: LegacyPacket, encrypted: boolean): Buffer {
  // Python's dumps escapes every non-ASCII character, so the JSON is ASCII: chars = bytes.
  const json = pythonJsonDumps(packet as unknown as Parameters<typeof pythonJsonDumps>[0]);
  return Buffer.from(padTo(json, encrypted ? 15 : 10), 'ascii');
}

/** Encrypts serialised plaintext into a body (9.1). */
export function sealLegacyBody(plain: Buffer, cipher: LegacyCipherState): Buffer {
  return Buffer.from(legacyEncrypt(cipher.key, cipher.iv, plain), 'ascii');
}

/** Serialises a packet as a frame body: plaintext JSON, or base64 ciphertext when `cipher` is given. */
export function encodeLegacyBody(packet: LegacyPacket, cipher?: LegacyCipherState): Buffer {
  const plain = serializeLegacyPacket(packet, cipher !== undefined);
  return cipher ? sealLegacyBody(plain, cipher) : plain;
}

/** Parses a packet object from UTF-8 JSON text; PACKET_MALFORMED if it is not one. */
export function parseLegacyPacket(json: Uint8Array): LegacyPacket {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    throw parleyError('PACKET_MALFORMED', 'legacy body is not UTF-8 JSON', 'local', err);
  }
  const parsed = legacyPacketSchema.safeParse(value);
  if (!parsed.success) {
    throw parleyError('PACKET_MALFORMED', `legacy packet: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Decodes an encrypted body (9.1) into a packet. */
export function decodeLegacyRecord(body: Uint8Array, cipher: LegacyCipherState): LegacyPacket {
  return parseLegacyPacket(legacyDecrypt(cipher.key, cipher.iv, Buffer.from(body).toString('latin1')));
}
