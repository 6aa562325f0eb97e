/**
 * v2 key schedule (spec 5.4): transcript hash and HKDF-SHA256 keys, one key and IV per direction.
 */
import { createHash, createHmac } from 'node:crypto';
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

/**
 * HKDF-SHA256 (RFC 5869), extract once and expand per label. Same output as four `hkdfSync`
 * calls (test/core/v2-keys.test.ts checks each label against it) at half the CPU: hkdfSync
 * extracts again on every call and runs through a job object, and the handshake derives four keys
 * per connection.
 */
function extract(secret: Uint8Array, th: Uint8Array): Buffer {
  return createHmac('sha256', th).update(secret).digest();
}

/**
 * HKDF-Expand's first block, T(1) = HMAC(PRK, info || 0x01): every key and IV of 5.4 is at most
 * one SHA-256 output (32 bytes), so T(1) truncated to the length is the whole output.
 */
function expandFirstBlock(prk: Buffer, label: string): Buffer {
  return createHmac('sha256', prk).update(label, 'latin1').update(Buffer.of(1)).digest();
}

export function deriveSessionKeys(sharedSecret: Uint8Array, th: Uint8Array): SessionKeys {
  const prk = extract(sharedSecret, th);
  // The four outputs live for the connection's life, so they share one allocation: an idle
  // connection holds one small backing store for its keys instead of four.
  const block = Buffer.allocUnsafeSlow(2 * (V2_KEY_BYTES + V2_IV_BYTES));
  let at = 0;
  const part = (label: string, length: number): Buffer => {
    const view = block.subarray(at, at + length);
    expandFirstBlock(prk, label).copy(view); // copies view.length bytes: T(1) truncated
    at += length;
    return view;
  };
  return {
    c2s: { key: part(V2_KDF_LABELS.c2sKey, V2_KEY_BYTES), iv: part(V2_KDF_LABELS.c2sIv, V2_IV_BYTES) },
    s2c: { key: part(V2_KDF_LABELS.s2cKey, V2_KEY_BYTES), iv: part(V2_KDF_LABELS.s2cIv, V2_IV_BYTES) },
  };
}
