/**
 * Ed25519 keys over the handshake (spec 5.5, 5.6, 7.16): the server's long-term identity, its
 * signature over the transcript and the SSH-style fingerprint that clients pin; and a client's
 * optional key, proved by the same construction under a context of its own (feature client-key),
 * so that neither side's signature can ever be taken for the other's.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { V2_CLIENT_SIGNATURE_CONTEXT, V2_SIGNATURE_CONTEXT } from '../generated/constants.js';
import { clientKeyProblem } from './key-encoding.js';

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

/** Who signs: the server (5.5, `server_auth`) or a client proving its key (7.16, `client_auth`). */
export type Signer = 'server' | 'client';

const CONTEXTS: Readonly<Record<Signer, Buffer>> = {
  server: Buffer.from(V2_SIGNATURE_CONTEXT, 'ascii'),
  client: Buffer.from(V2_CLIENT_SIGNATURE_CONTEXT, 'ascii'),
};

/** The signed message: the signer's ASCII context, one zero byte, then the transcript hash (5.5, 7.16). */
export function authMessage(transcriptHash: Uint8Array, signer: Signer = 'server'): Buffer {
  return Buffer.concat([CONTEXTS[signer], Buffer.alloc(1), transcriptHash]);
}

export function signTranscript(
  identity: Identity,
  transcriptHash: Uint8Array,
  signer: Signer = 'server',
): Buffer {
  return sign(null, authMessage(transcriptHash, signer), identity.privateKeyObject);
}

/** The short form of a fingerprint shown beside names (7.16): the 12 characters after `SHA256:`. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice('SHA256:'.length, 'SHA256:'.length + 12);
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
 * `catch` covers every size (test/core/identity.test.ts). node:crypto also refuses S >= L (RFC 8032
 * 5.1.7; spec/vectors/v2-client-auth.json, NonCanonicalS).
 */
function verifySignature(publicKey: Uint8Array, message: Buffer, signature: Uint8Array): boolean {
  try {
    return verify(null, message, verificationKey(publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * Why a `client_auth` does not prove its key (7.16), or null when it does: first the key's
 * encoding (key-encoding.ts: canonical, not of small order, which node:crypto does not check),
 * then the signature over the client context and TH. The server's one check of `client_auth`.
 */
export function clientAuthProblem(
  publicKey: Uint8Array,
  transcriptHash: Uint8Array,
  signature: Uint8Array,
): string | null {
  const keyProblem = clientKeyProblem(publicKey);
  if (keyProblem !== null) return keyProblem;
  return verifySignature(publicKey, authMessage(transcriptHash, 'client'), signature)
    ? null
    : 'the client signature over the handshake does not verify (7.16)';
}

/** True when `signature` proves `publicKey` over TH; a client's key must also pass 7.16's encoding rules. */
export function verifyTranscript(
  publicKey: Uint8Array,
  transcriptHash: Uint8Array,
  signature: Uint8Array,
  signer: Signer = 'server',
): boolean {
  if (signer === 'client') return clientAuthProblem(publicKey, transcriptHash, signature) === null;
  return verifySignature(publicKey, authMessage(transcriptHash, signer), signature);
}
