/**
 * The v2 record layer without its safety rails (spec 6.1): seal and open with any key, sequence
 * number and associated data, so that cases can build tampered, replayed or misplaced records.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { recordNonce } from '../src/crypto/record-layer.js';
import type { DirectionKeys } from '../src/crypto/v2-keys.js';
import { encodeHeader, type Frame } from '../src/framing/frame-codec.js';
import { V2_CIPHER, V2_TAG_BYTES } from '../src/generated/constants.js';
import { WaitTimeout } from './driver.js';

/** AES-256-GCM with any key, nonce and AAD: the record layer without its safety rails. */
export function sealRecord(keys: DirectionKeys, seq: bigint, plaintext: Buffer, aad?: Buffer): Buffer {
  const header = encodeHeader(plaintext.length + V2_TAG_BYTES);
  const cipher = createCipheriv(V2_CIPHER, keys.key, recordNonce(keys.iv, seq), {
    authTagLength: V2_TAG_BYTES,
  });
  cipher.setAAD(aad ?? header);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

export function openRecord(keys: DirectionKeys, seq: bigint, frame: Frame): Buffer | null {
  if (frame.body.length < V2_TAG_BYTES) return null;
  const split = frame.body.length - V2_TAG_BYTES;
  try {
    const decipher = createDecipheriv(V2_CIPHER, keys.key, recordNonce(keys.iv, seq), {
      authTagLength: V2_TAG_BYTES,
    });
    decipher.setAAD(frame.header);
    decipher.setAuthTag(frame.body.subarray(split));
    return Buffer.concat([decipher.update(frame.body.subarray(0, split)), decipher.final()]);
  } catch {
    return null;
  }
}

/** Reports a timeout with the whole wait, not the part of it that was left. */
export function rethrowAs(what: string, ms: number): (err: unknown) => never {
  return (err) => {
    throw err instanceof WaitTimeout ? new WaitTimeout(what, ms) : err;
  };
}
