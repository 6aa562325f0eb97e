/**
 * legacy encryption (spec 8.4, 9.1): key = SHA-256(decimal Z), AES-256-CFB8 restarted from the same
 * IV for every frame, body = base64(ciphertext). Insecure by design (spec 2, legacy `insecure`);
 * kept only to interoperate with the original program.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { parleyError } from '../errors.js';
import { LEGACY_CIPHER, LEGACY_NONE_KEY_TEXT } from '../generated/constants.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** AES key from the shared secret: SHA-256 of its ASCII decimal string. */
export function legacyKey(sharedSecret: bigint | string): Buffer {
  return createHash('sha256').update(String(sharedSecret), 'ascii').digest();
}

/** The key the original uses for a connection whose exchange has not finished (`None`). */
export const LEGACY_NONE_KEY = legacyKey(LEGACY_NONE_KEY_TEXT);

export function legacyEncrypt(key: Buffer, iv: Buffer, plaintext: Uint8Array): string {
  const cipher = createCipheriv(LEGACY_CIPHER, key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

/** Decrypts a base64 body. Throws PACKET_MALFORMED when the body is not strict base64. */
export function legacyDecrypt(key: Buffer, iv: Buffer, body: string): Buffer {
  if (!BASE64.test(body)) throw parleyError('PACKET_MALFORMED', 'legacy record body is not base64');
  const decipher = createDecipheriv(LEGACY_CIPHER, key, iv);
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
}
