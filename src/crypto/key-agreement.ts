/**
 * Key agreement groups (spec 5.2, 5.3; legacy 8.4): X25519 and RFC 3526 group 14.
 *
 * How this works: private keys are made from bytes the caller supplies (randomness is injected,
 * never drawn here), so handshakes are reproducible in tests. Every peer share is validated before
 * use and a bad one is PUBLIC_VALUE_INVALID; the primitives themselves all come from node:crypto.
 *
 * Pairs are made by a KeyAgreement, which whoever builds a server or a client (its adapter, a test,
 * a tool) makes and passes in: it holds the one object modp14 needs, so nothing here is shared
 * between servers or kept at module level. A pair keeps the KeyAgreement that made it, and the key
 * agreement with the peer's share (`computeSharedSecret`) is done by that one.
 */
import {
  createDiffieHellman,
  createPrivateKey,
  createPublicKey,
  type DiffieHellman,
  diffieHellman,
  type KeyObject,
} from 'node:crypto';
import { parleyError } from '../errors.js';
import { V2_GROUP_INFO, type V2Group } from '../generated/constants.js';

/** Source of random bytes, passed in by the adapter (crypto.randomBytes) or a test (seeded). */
export type RandomSource = (size: number) => Buffer;

export interface KeyPair {
  readonly group: V2Group;
  /** Raw private key: 32 bytes for both groups. */
  readonly privateKey: Buffer;
  /** The share sent on the wire: 32 bytes (x25519) or 256 big-endian bytes (modp14). */
  readonly share: Buffer;
  /** The KeyAgreement that made the pair; it does the pair's key agreement. */
  readonly agreement: KeyAgreement;
  /**
   * x25519: the private key already imported, when the maker has it (importing costs about as
   * much as the key agreement itself, and making the pair imported it once already).
   */
  readonly privateKeyObject?: KeyObject;
}

const MODP14_PRIME = Buffer.from(V2_GROUP_INFO.modp14.primeHex!, 'hex');
const MODP14_P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);
const MODP14_BYTES = MODP14_PRIME.length;
const MODP14_GENERATOR = V2_GROUP_INFO.modp14.generator ?? 2;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const PLACEHOLDER_X = b64url(Buffer.alloc(32));

/**
 * Imports a raw X25519 private key as a JWK. Node derives the public half from `d` and ignores the
 * `x` that JWK requires, so a placeholder does. JWK, not PKCS#8 DER: the DER import costs about
 * ten times as much on Node 20 (1.6 ms against 0.15 ms a key, bench/MUTATION.md). The RFC 7748
 * vectors (test/core/key-agreement.test.ts, CI on Node 20, 22 and 24) fail on a Node that would
 * use `x` instead.
 */
function x25519PrivateKey(raw: Buffer): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: b64url(raw), x: PLACEHOLDER_X },
    format: 'jwk',
  });
}

function x25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(raw) }, format: 'jwk' });
}

function x25519PublicBytes(privateKey: KeyObject): Buffer {
  return Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
}

/**
 * The key agreement of one owner: a server (all its connections), a client, a tool. It makes key
 * pairs and does the modp14 arithmetic of its pairs and of the legacy exchange.
 *
 * It holds one DiffieHellman object for modp14, made at first use (or by `prepare`) and re-keyed
 * for each use: making one costs a primality check of the 2048-bit prime on some Node releases
 * (235 ms on Node 24; 0.1-0.2 ms on Node 20 and 22), re-keying costs nothing. Calls are
 * synchronous, so one object serves every connection of its owner.
 */
export class KeyAgreement {
  private modp14Engine: DiffieHellman | null = null;

  /**
   * Makes what `groups` need now rather than at their first use: a server should pay for the
   * modp14 object before it listens, not while its first clients' handshakes wait (a burst of 100
   * took 0.46 s on Node 24 without this).
   */
  prepare(groups: readonly V2Group[]): this {
    if (groups.includes('modp14')) this.engine();
    return this;
  }

  /** Makes a key pair in `group` from 32 random bytes drawn from `random`. */
  generateKeyPair(group: V2Group, random: RandomSource): KeyPair {
    return this.keyPairFromPrivate(group, random(32));
  }

  /** Rebuilds a key pair from a known private key (test vectors, recorded sessions, key pools). */
  keyPairFromPrivate(group: V2Group, privateKey: Buffer): KeyPair {
    if (privateKey.length !== 32) throw new RangeError('private keys are 32 bytes');
    if (group === 'x25519') {
      const key = x25519PrivateKey(privateKey);
      return { group, privateKey, share: x25519PublicBytes(key), agreement: this, privateKeyObject: key };
    }
    const share = padStart(this.modp14(privateKey).generateKeys(), MODP14_BYTES);
    return { group, privateKey, share, agreement: this };
  }

  /**
   * The original's exchange (legacy 8.4) on decimal strings: validates like v2 (a Parley peer
   * refuses what the original accepted) and returns Z as an unpadded big integer.
   */
  legacySharedSecret(privateKey: Buffer, peerDecimal: string): bigint {
    if (!/^[0-9]{1,700}$/.test(peerDecimal)) {
      throw parleyError('PUBLIC_VALUE_INVALID', 'legacy public value is not a decimal number');
    }
    const y = BigInt(peerDecimal);
    if (!isValidModp14Share(y)) {
      throw parleyError('PUBLIC_VALUE_INVALID', 'legacy public value is outside 2..p-2');
    }
    const share = padStart(bytesFromBigint(y), MODP14_BYTES);
    return bigintFromBytes(this.modp14Secret(privateKey, share));
  }

  /** The legacy public value of a private key, as the decimal string sent in `key_exc`. */
  legacyPublicDecimal(privateKey: Buffer): string {
    return bigintFromBytes(this.keyPairFromPrivate('modp14', privateKey).share).toString(10);
  }

  /**
   * Z = y^x mod p through OpenSSL, which may refuse y on checks of its own (5.3); `share` is
   * already validated. Left unpadded.
   */
  modp14Secret(privateKey: Buffer, share: Buffer): Buffer {
    try {
      return this.modp14(privateKey).computeSecret(share);
    } catch (err) {
      // Some OpenSSL builds also check that y lies in the prime-order subgroup (y^q = 1), which the
      // spec allows but does not require (5.3): the outcome is the same error code either way.
      throw parleyError('PUBLIC_VALUE_INVALID', 'modp14 share refused by the key agreement', 'local', err);
    }
  }

  /** The modp14 object keyed with `privateKey`. */
  private modp14(privateKey: Buffer): DiffieHellman {
    const engine = this.engine();
    engine.setPrivateKey(privateKey);
    return engine;
  }

  private engine(): DiffieHellman {
    this.modp14Engine ??= createDiffieHellman(MODP14_PRIME, MODP14_GENERATOR);
    return this.modp14Engine;
  }
}

/** Left-pads a big-endian integer to `size` bytes (TLS 1.3 style for finite field secrets). */
export function padStart(bytes: Buffer, size: number): Buffer {
  if (bytes.length >= size) return bytes;
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}

/** 2 <= y <= p-2 (5.3): rules out 0, 1, p-1 (order 2) and anything not reduced mod p. */
export function isValidModp14Share(y: bigint): boolean {
  return y >= 2n && y <= MODP14_P - 2n;
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

export function bytesFromBigint(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/**
 * Computes the shared secret with the peer's share, validating the share first (5.3), by the
 * KeyAgreement that made `own`. Returns 32 bytes (x25519) or 256 bytes (modp14, left-padded).
 */
export function computeSharedSecret(own: KeyPair, peerShare: Uint8Array): Buffer {
  const expected = V2_GROUP_INFO[own.group].shareBytes;
  if (peerShare.length !== expected) {
    throw parleyError(
      'PUBLIC_VALUE_INVALID',
      `${own.group} share must be ${expected} bytes, got ${peerShare.length}`,
    );
  }
  const share = Buffer.from(peerShare);
  if (own.group === 'x25519') {
    try {
      return diffieHellman({
        privateKey: own.privateKeyObject ?? x25519PrivateKey(own.privateKey),
        publicKey: x25519PublicKey(share),
      });
    } catch (err) {
      // The all-zero check of 5.3 (RFC 7748 section 6.1): OpenSSL refuses to derive an all-zero
      // secret from a low-order point, so its refusal is that check (test/core/key-agreement.test.ts
      // sends every low-order point).
      throw parleyError('PUBLIC_VALUE_INVALID', 'x25519 share yields an all-zero secret', 'local', err);
    }
  }
  if (!isValidModp14Share(bigintFromBytes(share))) {
    throw parleyError('PUBLIC_VALUE_INVALID', 'modp14 share is outside 2..p-2');
  }
  return padStart(own.agreement.modp14Secret(own.privateKey, share), MODP14_BYTES);
}
