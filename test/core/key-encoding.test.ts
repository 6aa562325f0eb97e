/**
 * Client key encodings (spec 7.16 Key encoding): canonical, and not of small order. The list of
 * small-order encodings is checked here against the curve itself, with a few lines of BigInt
 * arithmetic that serve only as this test's oracle (the core compares bytes and does no arithmetic).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authMessage,
  clientAuthProblem,
  identityFromSeed,
  signTranscript,
  verifyTranscript,
} from '../../src/crypto/identity.js';
import {
  clientKeyProblem,
  isCanonicalEncoding,
  isSmallOrderEncoding,
  SMALL_ORDER_ENCODINGS,
} from '../../src/crypto/key-encoding.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { fromHex, RawV2Client, readVectorFile } from './helpers.js';

const p = (1n << 255n) - 19n;
const mod = (a: bigint) => ((a % p) + p) % p;
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (let x = mod(b); e > 0n; e >>= 1n, x = (x * x) % p) if (e & 1n) r = (r * x) % p;
  return r;
}
const inv = (a: bigint) => pow(a, p - 2n);
const d = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (p - 1n) / 4n);

type Point = { x: bigint; y: bigint };

function yOf(key: Buffer): bigint {
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(i === 31 ? key[i] & 0x7f : key[i]);
  return n;
}

function encode(y: bigint, sign = 0): Buffer {
  const b = Buffer.alloc(32);
  for (let i = 0; i < 32; i++, y >>= 8n) b[i] = Number(y & 0xffn);
  b[31] |= sign << 7;
  return b;
}

/** RFC 8032 5.1.3 decoding, but lenient as OpenSSL is: y taken mod p, x = -0 taken as 0. */
function decodeLenient(key: Buffer): Point | null {
  const y = mod(yOf(key));
  const u = mod(y * y - 1n);
  const v = mod(d * y * y + 1n);
  let x = pow(mod(u * inv(v)), (p + 3n) / 8n);
  if (mod(v * x * x) !== u) x = mod(x * SQRT_M1);
  if (mod(v * x * x) !== u) return null;
  if (x !== 0n && Number(x & 1n) !== key[31] >> 7) x = p - x;
  return { x, y };
}

function add(a: Point, b: Point): Point {
  const t = mod(d * a.x * b.x * a.y * b.y);
  return {
    x: mod((a.x * b.y + a.y * b.x) * inv(1n + t)),
    y: mod((a.y * b.y + a.x * b.x) * inv(1n - t)),
  };
}

const hex = (s: string) => Buffer.from(s, 'hex');
const th = createHash('sha256').update('a transcript').digest();
const honest = identityFromSeed(createHash('sha256').update('an honest client').digest());
/** R = the identity, S = 0: a signature that needs no secret. */
const NO_SECRET_SIG = Buffer.concat([encode(1n), Buffer.alloc(32)]);

describe('the small-order encodings (C2SP/CCTV list)', () => {
  it('are points whose eighth multiple is the identity, eight distinct points in all', () => {
    const points = new Set<string>();
    for (const e of SMALL_ORDER_ENCODINGS) {
      const point = decodeLenient(hex(e));
      expect(point, e).not.toBeNull();
      let q = point!;
      for (let i = 0; i < 3; i++) q = add(q, q);
      expect(q, e).toEqual({ x: 0n, y: 1n });
      points.add(`${point!.x},${point!.y}`);
    }
    // The torsion subgroup of edwards25519 has exactly 8 elements, so the list misses none.
    expect(points.size).toBe(8);
    expect(SMALL_ORDER_ENCODINGS.filter((e) => isCanonicalEncoding(hex(e)))).toHaveLength(8);
  });

  it('refuses the no-secret signature for the identity key, which node:crypto of Node 20 and 22 takes: the reason for the rule', () => {
    const identityKey = hex(SMALL_ORDER_ENCODINGS[4]);
    const keyObject = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: identityKey.toString('base64url') },
      format: 'jwk',
    });
    // Node 24's verifier refuses it itself; the rule must not rest on which Node runs the server.
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 24) expect(verify(null, authMessage(th, 'client'), keyObject, NO_SECRET_SIG)).toBe(true);
    expect(verifyTranscript(identityKey, th, NO_SECRET_SIG, 'client')).toBe(false);
    expect(clientAuthProblem(identityKey, th, NO_SECRET_SIG)).toMatch(/small order/);
  });
});

describe('isCanonicalEncoding', () => {
  it('refuses every y from p to 2^255 - 1, with either sign bit', () => {
    for (let y = p; y < 1n << 255n; y++) {
      expect(isCanonicalEncoding(encode(y, 0))).toBe(false);
      expect(isCanonicalEncoding(encode(y, 1))).toBe(false);
    }
  });

  it('refuses x = 0 with the sign bit set (y = 1, y = p - 1) and takes the sign bit elsewhere', () => {
    expect(isCanonicalEncoding(encode(1n, 1))).toBe(false);
    expect(isCanonicalEncoding(encode(p - 1n, 1))).toBe(false);
    expect(isCanonicalEncoding(encode(1n, 0))).toBe(true);
    expect(isCanonicalEncoding(encode(p - 2n, 1))).toBe(true);
    expect(isCanonicalEncoding(encode(0n, 1))).toBe(true);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(isCanonicalEncoding(Buffer.alloc(31))).toBe(false);
    expect(isSmallOrderEncoding(Buffer.alloc(33))).toBe(false);
  });
});

describe('clientKeyProblem (7.16)', () => {
  it('passes a key made from a seed', () => {
    expect(clientKeyProblem(honest.publicKey)).toBeNull();
    expect(clientAuthProblem(honest.publicKey, th, signTranscript(honest, th, 'client'))).toBeNull();
  });

  it.each([
    ['eeff…ff7f (y = p + 1)', encode(p + 1n), /canonical/],
    ['edff…ff7f (y = p)', encode(p), /canonical/],
    ['0100…0080 (x = -0)', encode(1n, 1), /canonical/],
    ['0100…00 (identity)', encode(1n), /small order/],
    ['0000…00 (order 4)', encode(0n), /small order/],
    ['ecff…ff7f (order 2)', encode(p - 1n), /small order/],
    ['26e8…fc05 (order 8)', hex(SMALL_ORDER_ENCODINGS[8]), /small order/],
    ['31 bytes', Buffer.alloc(31), /31 bytes/],
  ])('refuses %s', (_, key, reason) => {
    expect(clientKeyProblem(key)).toMatch(reason);
    expect(clientAuthProblem(key, th, NO_SECRET_SIG)).toMatch(reason);
  });

  it('names the signature when only the signature is wrong', () => {
    expect(clientAuthProblem(honest.publicKey, th, NO_SECRET_SIG)).toMatch(/does not verify/);
  });
});

/** A server connection offering client-key, past server_auth with a raw client that listed it. */
function keyedServer(seed: string) {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity: identityFromSeed(Buffer.alloc(32, 7)),
    random: seededRandom(seed),
    features: ['client-key'],
  });
  server.start();
  const client = new RawV2Client();
  server.receive(client.hello(server.takeOutput(), { features: ['client-key'] }));
  client.open(server.takeOutput());
  return { server, client };
}

describe('spec/vectors/v2-client-auth.json through the server connection (7.16)', () => {
  const file = readVectorFile('v2-client-auth.json');
  const cases = file.testGroups.flatMap((g) => g.tests);

  it('holds the key-encoding cases (NonCanonicalKey, SmallOrderKey)', () => {
    const flags = new Set(cases.flatMap((t) => t.flags));
    expect(flags).toContain('NonCanonicalKey');
    expect(flags).toContain('SmallOrderKey');
    const bad = cases.filter((t) => t.flags.includes('SmallOrderKey')).map((t) => t.key);
    expect(new Set(bad)).toEqual(new Set(SMALL_ORDER_ENCODINGS));
  });

  it.each(
    cases.flatMap((t) => [
      { t, split: false },
      { t, split: true },
    ]),
  )('tcId $t.tcId ($t.flags), byte at a time: $split', ({ t, split }) => {
    const { server, client } = keyedServer(`vector ${t.tcId}`);
    // The proof is over the vector's TH: this connection checks against it instead of its own.
    (server as unknown as { th: Buffer }).th = fromHex(t.transcriptHash as string);
    const record = client.seal({
      type: 'client_auth',
      key: fromHex(t.key as string).toString('base64'),
      sig: fromHex(t.sig as string).toString('base64'),
    });
    if (split) for (const byte of record) server.receive(Buffer.of(byte));
    else server.receive(record);
    if (t.result === 'valid') {
      expect(server.failure).toBeNull();
      expect(server.clientFingerprint).toBe(t.fingerprint);
    } else {
      expect(server.failure?.code).toBe(t.code);
      expect(server.clientFingerprint).toBeNull();
      const [error] = client.open(server.takeOutput());
      expect(error).toMatchObject({ type: 'error', code: 'CLIENT_AUTH_FAILED', fatal: true });
    }
  });
});
