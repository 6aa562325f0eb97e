/**
 * v2-client-auth.json (spec 7.16, feature client-key): a client's proof of its Ed25519 key, an
 * Ed25519 signature over `parley/2 client auth`, one zero byte, then TH. Valid proofs, and the
 * forgeries a server refuses with CLIENT_AUTH_FAILED: a flipped bit, a proof made for another
 * transcript, the server's context instead of the client's, another key, a key that is no point.
 */
import { identityFromSeed, signTranscript, verifyTranscript } from '../../src/crypto/identity.js';
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
  const test = (comment: string, flag: keyof typeof NOTES, pub: Buffer, s: Buffer, t: Buffer): DraftTest => {
    const valid = verifyTranscript(pub, t, s, 'client');
    if (valid !== (flag === 'Valid')) throw new Error(`client-auth ${comment}: the core disagrees`);
    const base = { comment, flags: [flag], transcriptHash: hex(t), key: hex(pub), sig: hex(s) };
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
