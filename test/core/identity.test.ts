/**
 * Server identity (spec 5.5, 5.6): Ed25519 from a seed (RFC 8032), the signature over the
 * transcript with its context string, and the OpenSSH-style fingerprint.
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authMessage,
  fingerprintOf,
  identityFromSeed,
  signTranscript,
  verifyTranscript,
} from '../../src/crypto/identity.js';
import { fromHex, toHex } from './helpers.js';

// RFC 8032 section 7.1, test 1.
const RFC8032 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  emptySignature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

const identity = identityFromSeed(fromHex(RFC8032.seed));
const th = createHash('sha256').update('a transcript').digest();

describe('identityFromSeed', () => {
  it('derives the RFC 8032 public key and signs as RFC 8032 does', () => {
    expect(toHex(identity.publicKey)).toBe(RFC8032.publicKey);
    expect(toHex(sign(null, Buffer.alloc(0), identity.privateKeyObject))).toBe(RFC8032.emptySignature);
    expect(toHex(identity.seed)).toBe(RFC8032.seed);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => identityFromSeed(Buffer.alloc(31))).toThrow(RangeError);
  });

  it('says how long a seed must be when it refuses one', () => {
    expect(() => identityFromSeed(Buffer.alloc(33))).toThrow(/seed is 32 bytes/);
  });
});

describe('fingerprintOf (5.6)', () => {
  it('is SHA256: and the unpadded base64 of SHA-256 of the public key, as OpenSSH prints', () => {
    const digest = createHash('sha256').update(identity.publicKey).digest('base64');
    expect(digest.endsWith('=')).toBe(true);
    expect(identity.fingerprint).toBe(`SHA256:${digest.slice(0, -1)}`);
    expect(identity.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintOf(identity.publicKey)).toBe(identity.fingerprint);
  });

  it('differs for another key', () => {
    expect(identityFromSeed(Buffer.alloc(32, 1)).fingerprint).not.toBe(identity.fingerprint);
  });
});

describe('transcript signature (5.5)', () => {
  it('signs the context string, one zero byte, then TH', () => {
    const message = authMessage(th);
    expect(message.toString('latin1', 0, 21)).toBe('parley/2 server auth\0');
    expect(message.subarray(21).equals(th)).toBe(true);
    const signature = signTranscript(identity, th);
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: identity.publicKey.toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, message, key, signature)).toBe(true);
    expect(verify(null, th, key, signature)).toBe(false); // the context is part of what is signed
  });

  it('verifies a good signature', () => {
    expect(verifyTranscript(identity.publicKey, th, signTranscript(identity, th))).toBe(true);
  });

  it('does not verify another transcript, another key, or a flipped bit', () => {
    const signature = signTranscript(identity, th);
    const otherTh = Buffer.from(th);
    otherTh[0] ^= 1;
    const flipped = Buffer.from(signature);
    flipped[10] ^= 4;
    expect(verifyTranscript(identity.publicKey, otherTh, signature)).toBe(false);
    expect(verifyTranscript(identityFromSeed(Buffer.alloc(32, 1)).publicKey, th, signature)).toBe(false);
    expect(verifyTranscript(identity.publicKey, th, flipped)).toBe(false);
  });

  it('verifies against the key given each time, not the one imported before it', () => {
    const other = identityFromSeed(Buffer.alloc(32, 2));
    const signature = signTranscript(identity, th);
    const key = new Uint8Array(identity.publicKey);
    expect(verifyTranscript(key, th, signature)).toBe(true);
    expect(verifyTranscript(other.publicKey, th, signature)).toBe(false);
    expect(verifyTranscript(other.publicKey, th, signTranscript(other, th))).toBe(true);
    expect(verifyTranscript(key, th, signature)).toBe(true);
    key.set(other.publicKey); // the same array, now holding the other key
    expect(verifyTranscript(key, th, signature)).toBe(false);
    expect(verifyTranscript(key, th, signTranscript(other, th))).toBe(true);
  });

  it('returns false, never throws, for keys and signatures of the wrong size or form', () => {
    const signature = signTranscript(identity, th);
    expect(verifyTranscript(identity.publicKey.subarray(1), th, signature)).toBe(false);
    expect(verifyTranscript(identity.publicKey, th, signature.subarray(1))).toBe(false);
    expect(verifyTranscript(Buffer.alloc(32, 0xff), th, signature)).toBe(false);
    expect(verifyTranscript(Buffer.alloc(32), th, Buffer.alloc(64))).toBe(false);
    // A good key or signature with a byte more is no longer that key or signature.
    expect(verifyTranscript(Buffer.concat([identity.publicKey, Buffer.of(0)]), th, signature)).toBe(false);
    expect(verifyTranscript(identity.publicKey, th, Buffer.concat([signature, Buffer.of(0)]))).toBe(false);
  });
});
