/**
 * v2-client-auth.json (spec 7.16, feature client-key): a client's proof of its Ed25519 key, an
 * Ed25519 signature over `parley/2 client auth`, one zero byte, then TH. Valid proofs, and the
 * forgeries a server refuses with CLIENT_AUTH_FAILED: a flipped bit, a proof made for another
 * transcript, the server's context instead of the client's, another key, a key that is no point,
 * a key that is not the canonical encoding of its point or is of small order (7.16 Key encoding).
 */
import { createPublicKey, verify } from 'node:crypto';
import {
  authMessage,
  identityFromSeed,
  signTranscript,
  verifyTranscript,
} from '../../src/crypto/identity.js';
import { isCanonicalEncoding, SMALL_ORDER_ENCODINGS } from '../../src/crypto/key-encoding.js';
import { V2_CLIENT_SIGNATURE_CONTEXT } from '../../src/generated/constants.js';
import { type DraftTest, fixedBytes, hex, type VectorFile, vectorFile } from './format.js';

const SCHEMA =
  'Each group fixes a client key (clientSeed, the RFC 8032 32-byte seed; clientPublicKey, the key sent ' +
  'as client_auth.key) and the context string. Each test is a client_auth as a server receives it: ' +
  'transcriptHash (TH of the connection, 5.4, hex), key and sig (hex, the decoded client_auth fields). ' +
  'valid: the server records the key, whose fingerprint (5.6 form) and short form (7.16) are given. ' +
  'invalid: code is the error the server reports (fatal).';

const NOTES = {
  Valid: 'A proof made as 7.16 says, by the holder of the key, over this connection’s TH.',
  FlippedBit: 'One bit of the signature is flipped.',
  OtherTranscript: 'A valid proof for another connection (another TH): replaying it here must fail.',
  ServerContext: 'Signed over `parley/2 server auth` instead: a server_auth signature is never a client’s.',
  OtherKey: 'The signature is valid for another key than the one sent.',
  NotAPoint: 'The key bytes do not decode to a point of Ed25519 (RFC 8032 5.1.3).',
  NonCanonicalS: 'S of the signature is increased by the group order L: RFC 8032 requires S < L.',
  NonCanonicalKey:
    'The key is not the canonical encoding of its point (y >= p, or x = 0 with the sign bit set): one point, one key (7.16 Key encoding).',
  SmallOrderKey:
    'The key is a point of small order. The sig is R = a small-order point and S = 0, which needs no secret; where the comment says so, a verifier without the 7.16 check (node:crypto) accepts it.',
} as const;

/** The order L of the Ed25519 base point (RFC 8032). */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function addL(sig: Buffer): Buffer {
  const s = sig.subarray(32);
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(s[i]);
  n += L;
  const out = Buffer.from(sig);
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** A verifier without the 7.16 key checks: node:crypto alone, as before them. */
function plainVerify(key: Buffer, th: Buffer, sig: Buffer): boolean {
  try {
    const keyObject = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') },
      format: 'jwk',
    });
    return verify(null, authMessage(th, 'client'), keyObject, sig);
  } catch {
    return false;
  }
}

/**
 * A signature that needs no secret for a small-order key: R one of the eight small-order points,
 * S = 0; the first that node:crypto accepts over `th`, else R = the identity.
 */
function noSecretSignature(key: Buffer, th: Buffer): { sig: Buffer; accepted: boolean } {
  const candidates = SMALL_ORDER_ENCODINGS.filter((e) => isCanonicalEncoding(Buffer.from(e, 'hex')));
  for (const r of candidates) {
    const sig = Buffer.concat([Buffer.from(r, 'hex'), Buffer.alloc(32)]);
    if (plainVerify(key, th, sig)) return { sig, accepted: true };
  }
  return {
    sig: Buffer.concat([Buffer.from(SMALL_ORDER_ENCODINGS[4], 'hex'), Buffer.alloc(32)]),
    accepted: false,
  };
}

/** The bad keys of 7.16 Key encoding: [description, encoding, flags]. */
const BAD_KEYS: readonly [string, string, readonly ('NonCanonicalKey' | 'SmallOrderKey')[]][] = [
  ['y = p + 1, the identity', SMALL_ORDER_ENCODINGS[6], ['NonCanonicalKey', 'SmallOrderKey']],
  ['y = p, an alias of a point of order 4', SMALL_ORDER_ENCODINGS[1], ['NonCanonicalKey', 'SmallOrderKey']],
  [
    'y = p with the sign bit set, an alias of a point of order 4',
    SMALL_ORDER_ENCODINGS[3],
    ['NonCanonicalKey', 'SmallOrderKey'],
  ],
  ['x = -0, the identity', SMALL_ORDER_ENCODINGS[5], ['NonCanonicalKey', 'SmallOrderKey']],
  ['x = -0 and y = p + 1, the identity', SMALL_ORDER_ENCODINGS[7], ['NonCanonicalKey', 'SmallOrderKey']],
  ['x = -0, the point of order 2', SMALL_ORDER_ENCODINGS[13], ['NonCanonicalKey', 'SmallOrderKey']],
  ['the identity (order 1)', SMALL_ORDER_ENCODINGS[4], ['SmallOrderKey']],
  ['the point of order 2', SMALL_ORDER_ENCODINGS[12], ['SmallOrderKey']],
  ['y = 0, a point of order 4', SMALL_ORDER_ENCODINGS[0], ['SmallOrderKey']],
  ['y = 0, the other point of order 4', SMALL_ORDER_ENCODINGS[2], ['SmallOrderKey']],
  ['a point of order 8', SMALL_ORDER_ENCODINGS[8], ['SmallOrderKey']],
  ['a point of order 8 (the negative)', SMALL_ORDER_ENCODINGS[9], ['SmallOrderKey']],
  ['another point of order 8', SMALL_ORDER_ENCODINGS[10], ['SmallOrderKey']],
  ['another point of order 8 (the negative)', SMALL_ORDER_ENCODINGS[11], ['SmallOrderKey']],
];

export function buildClientAuthVectors(): VectorFile {
  const key = identityFromSeed(fixedBytes('client-auth/key', 32));
  const other = identityFromSeed(fixedBytes('client-auth/other-key', 32));
  const th = fixedBytes('client-auth/th', 32);
  const otherTh = fixedBytes('client-auth/other-th', 32);
  const sig = signTranscript(key, th, 'client');
  const flipped = Buffer.from(sig);
  flipped[17] ^= 0x04;
  // y = 2 has no x on the curve (x^2 would not be a square), so it is no point.
  const notAPoint = Buffer.alloc(32);
  notAPoint[0] = 2;
  const test = (
    comment: string,
    flag: keyof typeof NOTES | readonly (keyof typeof NOTES)[],
    pub: Buffer,
    s: Buffer,
    t: Buffer,
  ): DraftTest => {
    const flags = typeof flag === 'string' ? [flag] : flag;
    const valid = verifyTranscript(pub, t, s, 'client');
    if (valid !== (flag === 'Valid')) throw new Error(`client-auth ${comment}: the core disagrees`);
    const base = { comment, flags, transcriptHash: hex(t), key: hex(pub), sig: hex(s) };
    return valid
      ? {
          ...base,
          result: 'valid',
          fingerprint: key.fingerprint,
          shortFingerprint: key.fingerprint.slice(7, 19),
        }
      : { ...base, result: 'invalid', code: 'CLIENT_AUTH_FAILED' };
  };
  const tests: DraftTest[] = [
    test('a proof over this TH', 'Valid', key.publicKey, sig, th),
    test(
      'another proof by the same key, over another TH',
      'Valid',
      key.publicKey,
      signTranscript(key, otherTh, 'client'),
      otherTh,
    ),
    test('a bit of the signature flipped', 'FlippedBit', key.publicKey, flipped, th),
    test(
      'the proof of another connection replayed',
      'OtherTranscript',
      key.publicKey,
      signTranscript(key, otherTh, 'client'),
      th,
    ),
    test(
      'signed with the server context',
      'ServerContext',
      key.publicKey,
      signTranscript(key, th, 'server'),
      th,
    ),
    test('the signature of another key', 'OtherKey', key.publicKey, signTranscript(other, th, 'client'), th),
    test('a key that is no point', 'NotAPoint', notAPoint, sig, th),
    test('S + L instead of S', 'NonCanonicalS', key.publicKey, addL(sig), th),
    ...BAD_KEYS.map(([what, encoding, flags]) => {
      const bad = Buffer.from(encoding, 'hex');
      const forged = noSecretSignature(bad, th);
      const said = forged.accepted ? 'a no-secret signature node:crypto accepts' : 'R = identity, S = 0';
      return test(`key ${what}, with ${said}`, flags, bad, forged.sig, th);
    }),
  ];
  return vectorFile('PARLEY-V2-CLIENT-AUTH', SCHEMA, NOTES, [
    {
      context: V2_CLIENT_SIGNATURE_CONTEXT,
      clientSeed: hex(key.seed),
      clientPublicKey: hex(key.publicKey),
      tests,
    },
  ]);
}
