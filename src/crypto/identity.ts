/**
 * Server identity (spec 5.5, 5.6): a long-term Ed25519 key, its signature over the handshake
 * transcript, and the SSH-style fingerprint that clients pin.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { V2_SIGNATURE_CONTEXT } from '../generated/constants.js';

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Identity {
  /** 32-byte seed; the secret to keep in the identity file. */
  readonly seed: Buffer;
  /** 32-byte public key, sent in server_auth. */
  readonly publicKey: Buffer;
  readonly privateKeyObject: KeyObject;
  readonly fingerprint: string;
}

export function identityFromSeed(seed: Buffer): Identity {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKeyObject).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(ED25519_SPKI_PREFIX.length));
  return { seed, publicKey, privateKeyObject, fingerprint: fingerprintOf(publicKey) };
}

/** `SHA256:` + unpadded base64 of SHA-256(public key), as OpenSSH prints (5.6). */
export function fingerprintOf(publicKey: Uint8Array): string {
  const digest = createHash('sha256').update(publicKey).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The signed message: ASCII context, one zero byte, then the transcript hash (5.5). */
export function authMessage(transcriptHash: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(V2_SIGNATURE_CONTEXT, 'ascii'), Buffer.alloc(1), transcriptHash]);
}

export function signTranscript(identity: Identity, transcriptHash: Uint8Array): Buffer {
  return sign(null, authMessage(transcriptHash), identity.privateKeyObject);
}

function verificationKey(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
}

/**
 * Never throws: a malformed key or signature simply does not verify. A key that is not 32 bytes
 * fails its JWK import and a signature that is not 64 bytes fails Ed25519 verification, so the one
 * `catch` covers every size (test/core/identity.test.ts).
 */
export function verifyTranscript(
  publicKey: Uint8Array,
  transcriptHash: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify(null, authMessage(transcriptHash), verificationKey(publicKey), signature);
  } catch {
    return false;
  }
}
