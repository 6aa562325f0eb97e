/**
 * v2 key schedule (spec 5.4): transcript hash and HKDF-SHA256 keys, one key and IV per direction.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { V2_IV_BYTES, V2_KDF_LABELS, V2_KEY_BYTES } from '../generated/constants.js';

export interface DirectionKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
}

export interface SessionKeys {
  readonly c2s: DirectionKeys;
  readonly s2c: DirectionKeys;
}

/** TH = SHA-256(server_hello frame || client_hello frame), exact wire bytes with headers. */
export function transcriptHash(serverHelloFrame: Uint8Array, clientHelloFrame: Uint8Array): Buffer {
  return createHash('sha256').update(serverHelloFrame).update(clientHelloFrame).digest();
}

function expand(secret: Uint8Array, th: Uint8Array, label: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, th, Buffer.from(label, 'ascii'), length));
}

export function deriveSessionKeys(sharedSecret: Uint8Array, th: Uint8Array): SessionKeys {
  return {
    c2s: {
      key: expand(sharedSecret, th, V2_KDF_LABELS.c2sKey, V2_KEY_BYTES),
      iv: expand(sharedSecret, th, V2_KDF_LABELS.c2sIv, V2_IV_BYTES),
    },
    s2c: {
      key: expand(sharedSecret, th, V2_KDF_LABELS.s2cKey, V2_KEY_BYTES),
      iv: expand(sharedSecret, th, V2_KDF_LABELS.s2cIv, V2_IV_BYTES),
    },
  };
}
