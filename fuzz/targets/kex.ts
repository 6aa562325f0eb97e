/**
 * Key exchange (spec 5.2-5.6, legacy 8): agreement, share validation, transcript binding, and the
 * real handshake under a man in the middle.
 *
 * How this works: `agree`, `invalid-share` and `transcript` call the primitives through a
 * `KexImpl` that is passed in, so a test can hand over a broken one (a skipped range check, a
 * transcript that forgets a hello). `invalid-share` decides validity with its own oracle from the
 * spec (modp14: 2 <= y <= p-2; x25519: the point, high bit masked as RFC 7748 says, is not of
 * small order), so arbitrary shares are judged too, not only a list of bad ones. `handshake`
 * drives the real V2 and legacy connection classes through an in-memory wire on which a mutator
 * or an active man in the middle sits: an untouched handshake must agree in both directions, any
 * change to either hello must end in an error (never an authenticated client), a MITM that swaps
 * shares and re-encrypts server_auth must meet SERVER_AUTH_FAILED, and one that re-signs with its
 * own identity must meet FINGERPRINT_MISMATCH. `client-auth` proves a client key (7.16) to a real
 * server after a real handshake: an honest proof is recorded as that key, while a proof with one
 * bit flipped (in the key or the signature) or signed over another connection's transcript must
 * meet CLIENT_AUTH_FAILED, never a recorded key; so must a key that breaks 7.16 Key encoding (any
 * y >= p, x = -0, any small-order encoding), signed without a secret so that node:crypto alone
 * would often accept it.
 */
import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { authMessage, identityFromSeed, signTranscript } from '../../src/crypto/identity.js';
import { computeSharedSecret, KeyAgreement, type KeyPair } from '../../src/crypto/key-agreement.js';
import { isCanonicalEncoding, SMALL_ORDER_ENCODINGS } from '../../src/crypto/key-encoding.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { deriveSessionKeys, type SessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import type { ParleyError } from '../../src/errors.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { V2_GROUP_INFO, type V2Group } from '../../src/generated/constants.js';
import { encodeLegacyBody, legacyPacket, parseLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import {
  V2ClientConnection,
  type V2ClientConnectionOptions,
} from '../../src/session/v2-client-connection.js';
import { encodeV2Packet, parseServerPacket } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import {
  attempt,
  describeError,
  ensure,
  ensureCode,
  hex,
  sameBytes,
  seededBytes,
  shortHex,
} from '../util.js';
import { type FuzzProperty, type FuzzTarget, planted, staticTarget } from './types.js';

/** The key exchange primitives under test. */
export interface KexImpl {
  keyPairFromPrivate(group: V2Group, privateKey: Buffer): KeyPair;
  computeSharedSecret(own: KeyPair, peerShare: Uint8Array): Buffer;
  legacyPublicDecimal(privateKey: Buffer): string;
  legacySharedSecret(privateKey: Buffer, peerDecimal: string): bigint;
  transcriptHash(serverHelloFrame: Uint8Array, clientHelloFrame: Uint8Array): Buffer;
  deriveSessionKeys(sharedSecret: Uint8Array, th: Uint8Array): SessionKeys;
  /** The v2 client of the `handshake` property (a real server faces it). */
  createV2Client(options: V2ClientConnectionOptions): V2ClientConnection;
}

/** The key agreement of the campaign's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

export const REAL_KEX: KexImpl = {
  keyPairFromPrivate: (group, privateKey) => keyAgreement.keyPairFromPrivate(group, privateKey),
  computeSharedSecret,
  legacyPublicDecimal: (privateKey) => keyAgreement.legacyPublicDecimal(privateKey),
  legacySharedSecret: (privateKey, peerDecimal) => keyAgreement.legacySharedSecret(privateKey, peerDecimal),
  transcriptHash,
  deriveSessionKeys,
  createV2Client: (options) => new V2ClientConnection(options),
};

// ---------------------------------------------------------------------------------------------
// The spec's validity rules, restated as an oracle

export const MODP14_P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);
const X25519_P = 2n ** 255n - 19n;
/** u-coordinates (mod p) of the points of small order on Curve25519 (RFC 7748 section 6.1 / 7). */
const X25519_SMALL_ORDER = new Set<bigint>([
  0n,
  1n,
  littleEndian(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
  littleEndian(Buffer.from('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', 'hex')),
  X25519_P - 1n,
]);

function littleEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${hex(Buffer.from(bytes).reverse()) || '0'}`);
}

function bigEndian(bytes: Uint8Array): bigint {
  return BigInt(`0x${hex(bytes) || '0'}`);
}

function toBytes(value: bigint, size: number): Buffer {
  return Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex');
}

/** Is `share` a share the spec says a receiver must accept (5.2, 5.3)? */
export function shareIsValid(group: V2Group, share: Uint8Array): boolean {
  if (share.length !== V2_GROUP_INFO[group].shareBytes) return false;
  if (group === 'modp14') {
    const y = bigEndian(share);
    return y >= 2n && y <= MODP14_P - 2n;
  }
  // RFC 7748: the high bit is masked; non-canonical values are reduced mod p.
  const u = (littleEndian(share) & (2n ** 255n - 1n)) % X25519_P;
  return !X25519_SMALL_ORDER.has(u);
}

/** Is `text` a legacy public value the spec says a Parley peer accepts (8.2, 5.3)? */
export function legacyValueIsValid(text: string): boolean {
  if (!/^[0-9]+$/.test(text) || text.length > 700) return false;
  const y = BigInt(text);
  return y >= 2n && y <= MODP14_P - 2n;
}

/**
 * The Jacobi symbol (a/n) for odd n. For the safe prime of modp14 a value lies in the prime-order
 * subgroup exactly when (y/p) = 1: cheap to decide, unlike y^q mod p.
 */
function jacobi(value: bigint, modulus: bigint): number {
  let a = value % modulus;
  let n = modulus;
  let result = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}

/**
 * A range-valid modp14 value outside the prime-order subgroup: 5.3 lets a receiver refuse it
 * (some OpenSSL builds do), so both outcomes conform.
 */
export function mayBeRefused(y: bigint): boolean {
  return y >= 2n && y <= MODP14_P - 2n && jacobi(y, MODP14_P) !== 1;
}

/** A refusal of a valid value is still a pass when 5.3 allows it and the code is right. */
function allowedRefusal(y: bigint, error: unknown): boolean {
  return mayBeRefused(y) && (error as { code?: string } | undefined)?.code === 'PUBLIC_VALUE_INVALID';
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const groupArb = fc.constantFrom<V2Group>('x25519', 'modp14');
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const privateKeyOf = (seed: number, who: string): Buffer => seededBytes(`${who}/${seed}`)(32);

/** Encodings of the small-order points, canonical and not, with and without the high bit. */
const x25519Bad = fc
  .tuple(fc.constantFrom(...X25519_SMALL_ORDER, X25519_P, X25519_P + 1n), fc.boolean())
  .map(([u, high]) => {
    const bytes = Buffer.from(toBytes(u, 32)).reverse();
    if (high) bytes[31] |= 0x80;
    return bytes;
  });

const modp14Bad = fc
  .oneof(
    fc.constantFrom(0n, 1n, MODP14_P - 1n, MODP14_P, MODP14_P + 1n, 2n ** 2048n - 1n),
    fc.bigInt({ min: MODP14_P, max: 2n ** 2048n - 1n }),
  )
  .map((y) => toBytes(y, 256));

const wrongLength = (group: V2Group) =>
  fc
    .uint8Array({ maxLength: 300, size: 'max' })
    .filter((b) => b.length !== V2_GROUP_INFO[group].shareBytes)
    .map((b) => Buffer.from(b));

type ShareCase =
  | { readonly group: V2Group; readonly share: Buffer }
  | { readonly group: 'legacy'; readonly value: string };

const shareCaseArb: fc.Arbitrary<ShareCase> = fc.oneof(
  fc.record({ group: fc.constant<V2Group>('x25519'), share: fc.oneof(x25519Bad, wrongLength('x25519')) }),
  fc.record({ group: fc.constant<V2Group>('modp14'), share: fc.oneof(modp14Bad, wrongLength('modp14')) }),
  // Any 32 or 256 bytes: accepted exactly when the oracle says so.
  fc.record({
    group: fc.constant<V2Group>('x25519'),
    share: fc.uint8Array({ minLength: 32, maxLength: 32, size: 'max' }).map((b) => Buffer.from(b)),
  }),
  fc.record({
    group: fc.constant<V2Group>('modp14'),
    share: fc
      .oneof(
        fc.uint8Array({ minLength: 256, maxLength: 256, size: 'max' }),
        fc.bigInt({ min: 0n, max: 2n ** 2048n - 1n }).map((y) => toBytes(y, 256)),
      )
      .map((b) => Buffer.from(b)),
  }),
  fc.record({
    group: fc.constant('legacy' as const),
    value: fc.oneof(
      fc.constantFrom(
        '',
        '0',
        '1',
        '2',
        '+5',
        '-5',
        ' 5',
        '5 ',
        '0x10',
        '1e3',
        '5\n',
        '\u0665',
        (MODP14_P - 1n).toString(),
        MODP14_P.toString(),
        (MODP14_P - 2n).toString(),
      ),
      fc.bigInt({ min: MODP14_P, max: 2n ** 2400n }).map(String),
      fc.bigInt({ min: 0n, max: MODP14_P }).map(String),
      fc.string({ maxLength: 12, size: 'max' }),
      fc
        .tuple(
          fc.bigInt({ min: 2n, max: MODP14_P - 2n }),
          fc.nat(),
          fc.constantFrom(' ', '.', 'a', '-', '\u0000'),
        )
        .map(([y, at, c]) => {
          const text = y.toString();
          const i = at % (text.length + 1);
          return text.slice(0, i) + c + text.slice(i);
        }),
    ),
  }),
);

const helloBodyArb = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.string({ minLength: 1, maxLength: 200, size: 'max' }),
);

const helloMutationArb = fc.record({
  hello: fc.constantFrom('server', 'client'),
  kind: fc.constantFrom('flip', 'append', 'truncate'),
  at: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
});

type Attack =
  | { readonly kind: 'none' }
  | { readonly kind: 'flip'; readonly hello: 'server' | 'client'; readonly at: number; readonly bit: number }
  | {
      readonly kind: 'rewrite';
      readonly hello: 'server' | 'client';
      readonly edit: 'nonce' | 'whitespace' | 'limits' | 'protocol' | 'group-order' | 'key-order';
    }
  | { readonly kind: 'mitm-share' }
  | { readonly kind: 'mitm-identity' };

const attackArb: fc.Arbitrary<Attack> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      hello: fc.constantFrom<'server' | 'client'>('server', 'client'),
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rewrite' as const),
      hello: fc.constantFrom<'server' | 'client'>('server', 'client'),
      edit: fc.constantFrom('nonce', 'whitespace', 'limits', 'protocol', 'group-order', 'key-order'),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'mitm-share' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'mitm-identity' as const }) },
);

// ---------------------------------------------------------------------------------------------
// Properties on the primitives

function checkAgree(
  impl: KexImpl,
  group: V2Group | 'legacy',
  seedA: number,
  seedB: number,
  sh: string,
  ch: string,
) {
  const privA = privateKeyOf(seedA, 'a');
  const privB = privateKeyOf(seedB, 'b');
  if (group === 'legacy') {
    const zA = impl.legacySharedSecret(privA, impl.legacyPublicDecimal(privB));
    const zB = impl.legacySharedSecret(privB, impl.legacyPublicDecimal(privA));
    ensure(zA === zB, () => `legacy: the two sides computed different secrets (${zA} vs ${zB})`);
    ensure(zA > 1n && zA < MODP14_P - 1n, () => `legacy: degenerate secret ${zA}`);
    return;
  }
  const a = impl.keyPairFromPrivate(group, privA);
  const b = impl.keyPairFromPrivate(group, privB);
  ensure(shareIsValid(group, a.share), () => `${group}: an honest share is invalid: ${shortHex(a.share)}`);
  const zA = impl.computeSharedSecret(a, b.share);
  const zB = impl.computeSharedSecret(b, a.share);
  const size = group === 'x25519' ? 32 : 256;
  ensure(zA.length === size, () => `${group}: secret of ${zA.length} bytes, expected ${size}`);
  ensure(
    sameBytes(zA, zB),
    () => `${group}: the two sides computed different secrets: ${shortHex(zA)} vs ${shortHex(zB)}`,
  );
  ensure(!zA.every((x) => x === 0), `${group}: an all-zero secret`);
  const th = impl.transcriptHash(encodeFrame(sh), encodeFrame(ch));
  const kA = impl.deriveSessionKeys(zA, th);
  const kB = impl.deriveSessionKeys(zB, th);
  for (const dir of ['c2s', 's2c'] as const) {
    ensure(
      kA[dir].key.length === 32 && kA[dir].iv.length === 12,
      `${group}: ${dir} key/iv of the wrong size`,
    );
    ensure(
      sameBytes(kA[dir].key, kB[dir].key) && sameBytes(kA[dir].iv, kB[dir].iv),
      `${group}: ${dir} keys differ`,
    );
  }
  ensure(!sameBytes(kA.c2s.key, kA.s2c.key), `${group}: c2s and s2c share a key`);
  ensure(!sameBytes(kA.c2s.iv, kA.s2c.iv), `${group}: c2s and s2c share an IV`);
}

function checkInvalidShare(impl: KexImpl, c: ShareCase, seed: number, viaConnection: boolean) {
  const priv = privateKeyOf(seed, 'own');
  if (c.group === 'legacy') {
    const valid = legacyValueIsValid(c.value);
    const got = attempt(() => impl.legacySharedSecret(priv, c.value));
    if (valid)
      ensure(
        got.ok || allowedRefusal(BigInt(c.value), got.error),
        () => `legacy: a valid public value was refused: ${got.ok ? '' : describeError(got.error)}`,
      );
    else {
      ensure(!got.ok, () => `legacy: public value ${JSON.stringify(c.value.slice(0, 40))} was accepted`);
      ensureCode(
        got.error,
        ['PUBLIC_VALUE_INVALID'],
        `legacy public value ${JSON.stringify(c.value.slice(0, 40))}`,
      );
    }
    if (viaConnection && !valid) checkLegacyServerRefuses(c.value);
    return;
  }
  const own = impl.keyPairFromPrivate(c.group, priv);
  const valid = shareIsValid(c.group, c.share);
  const got = attempt(() => impl.computeSharedSecret(own, c.share));
  if (valid) {
    const refusalAllowed = c.group === 'modp14' && !got.ok && allowedRefusal(bigEndian(c.share), got.error);
    ensure(
      got.ok || refusalAllowed,
      () =>
        `${c.group}: a valid share was refused: ${shortHex(c.share)}: ${got.ok ? '' : describeError(got.error)}`,
    );
    if (got.ok) ensure(!got.value.every((x) => x === 0), `${c.group}: an all-zero secret was accepted`);
  } else {
    ensure(!got.ok, () => `${c.group}: invalid share ${shortHex(c.share, 40)} was accepted`);
    ensureCode(got.error, ['PUBLIC_VALUE_INVALID'], `${c.group} share ${shortHex(c.share, 40)}`);
  }
  if (viaConnection && !valid) checkV2ServerRefuses(c.group, c.share, seed);
}

/** The real server, sent a client_hello with a bad share, fails and sends nothing encrypted. */
function checkV2ServerRefuses(group: V2Group, share: Buffer, seed: number) {
  const server = new V2ServerConnection({ identity: IDENTITY, random: seededBytes(`server/${seed}`) });
  server.start();
  server.takeOutput();
  const hello = {
    type: 'client_hello',
    protocol: 'parley/2',
    group,
    share: share.toString('base64'),
    nonce: Buffer.alloc(32, 1).toString('base64'),
  };
  const events = server.receive(encodeFrame(JSON.stringify(hello)));
  const error = events.find((e) => e.kind === 'error');
  ensure(
    error?.kind === 'error',
    () => `v2 server accepted client_hello with ${group} share ${shortHex(share)}`,
  );
  // Shares over the schema's 512 bytes fail validation first, which is just as final.
  ensureCode(
    error.error,
    ['PUBLIC_VALUE_INVALID', 'PACKET_MALFORMED'],
    `v2 server, ${group} share ${shortHex(share)}`,
  );
  ensure(server.state === 'ERROR', () => `v2 server in state ${server.state} after a bad share`);
  const out = server.takeOutput();
  ensure(out.length === 0, () => `v2 server wrote ${out.length} bytes after refusing a share`);
}

function checkLegacyServerRefuses(value: string) {
  const server = new LegacyServerConnection({ random: seededBytes('legacy-server') });
  server.start('2026-01-01 00:00:00');
  server.takeOutput();
  const body = encodeLegacyBody(legacyPacket('key_exc', 'temp', value, '2026-01-01 00:00:00'));
  const events = server.receive(encodeFrame(body));
  const error = events.find((e) => e.kind === 'error');
  ensure(
    error?.kind === 'error',
    () => `legacy server accepted key_exc ${JSON.stringify(value.slice(0, 40))}`,
  );
  ensureCode(
    error.error,
    ['PUBLIC_VALUE_INVALID'],
    `legacy server, key_exc ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function checkTranscript(
  impl: KexImpl,
  group: V2Group,
  seed: number,
  bodies: [string, string],
  m: { hello: string; kind: string; at: number; bit: number },
) {
  const sh = encodeFrame(bodies[0]);
  const ch = encodeFrame(bodies[1]);
  const target = m.hello === 'server' ? sh : ch;
  let changed: Buffer;
  if (m.kind === 'flip') {
    changed = Buffer.from(target);
    changed[m.at % changed.length] ^= 1 << m.bit;
  } else if (m.kind === 'append') changed = Buffer.concat([target, Buffer.from([m.bit])]);
  else changed = target.subarray(0, m.at % target.length);
  const a = impl.keyPairFromPrivate(group, privateKeyOf(seed, 'a'));
  const b = impl.keyPairFromPrivate(group, privateKeyOf(seed, 'b'));
  const z = impl.computeSharedSecret(a, b.share);
  const before = impl.deriveSessionKeys(z, impl.transcriptHash(sh, ch));
  const after = impl.deriveSessionKeys(
    z,
    m.hello === 'server' ? impl.transcriptHash(changed, ch) : impl.transcriptHash(sh, changed),
  );
  for (const dir of ['c2s', 's2c'] as const) {
    for (const part of ['key', 'iv'] as const) {
      ensure(
        !sameBytes(before[dir][part], after[dir][part]),
        () =>
          `${m.kind} of the ${m.hello} hello (${target.length} -> ${changed.length} bytes) left the ${dir} ${part} unchanged`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The real handshake under attack

const IDENTITY = identityFromSeed(Buffer.alloc(32, 0x5e));
const MITM_IDENTITY = identityFromSeed(Buffer.alloc(32, 0x66));

/** Splits a byte stream into whole frames (the in-memory wire is exact, so nothing is left over). */
function frames(bytes: Buffer): Buffer[] {
  const decoder = new FrameDecoder({ maxFrame: 1 << 24 });
  decoder.push(bytes);
  return decoder.drain().map((f) => Buffer.concat([f.header, f.body]));
}

function rewriteHello(frame: Buffer, edit: string): Buffer {
  const hello = JSON.parse(frame.subarray(10).toString('utf8')) as Record<string, unknown>;
  switch (edit) {
    case 'nonce':
      hello.nonce = Buffer.alloc(32, 0xa5).toString('base64');
      break;
    case 'whitespace':
      // Same JSON value, different bytes: the transcript covers bytes, not meaning.
      return encodeFrame(JSON.stringify(hello, null, 1));
    case 'limits':
      if (hello.limits) (hello.limits as Record<string, number>).maxFrame += 1;
      else hello.nonce = Buffer.alloc(32, 0x5a).toString('base64');
      break;
    case 'protocol':
      hello.protocol = 'parley/3';
      break;
    case 'group-order':
      if (Array.isArray(hello.groups)) hello.groups = [...hello.groups].reverse();
      else hello.group = hello.group === 'x25519' ? 'modp14' : 'x25519';
      break;
    case 'key-order': {
      const entries = Object.entries(hello).reverse();
      return encodeFrame(JSON.stringify(Object.fromEntries(entries)));
    }
  }
  return encodeFrame(JSON.stringify(hello));
}

function flipBody(frame: Buffer, at: number, bit: number): Buffer {
  // Flip a body bit and keep the header: the frame stays a frame, only its content changes.
  const out = Buffer.from(frame);
  const i = 10 + (at % (frame.length - 10));
  out[i] ^= 1 << bit;
  return out;
}

interface HandshakeOutcome {
  readonly authenticated: boolean;
  readonly clientError: ParleyError | null;
  readonly serverError: ParleyError | null;
}

function runV2Handshake(
  impl: KexImpl,
  group: V2Group,
  seeds: { server: number; client: number },
  attack: Attack,
): HandshakeOutcome {
  const server = new V2ServerConnection({
    identity: IDENTITY,
    random: seededBytes(`server/${seeds.server}`),
  });
  const client = impl.createV2Client({
    random: seededBytes(`client/${seeds.client}`),
    expectedFingerprint: IDENTITY.fingerprint,
    groups: [group],
  });
  const errors = { client: null as ParleyError | null, server: null as ParleyError | null };
  let authenticated = false;
  const toClient = (bytes: Buffer) => {
    for (const e of client.receive(bytes)) {
      if (e.kind === 'error') errors.client ??= e.error;
      if (e.kind === 'authenticated') authenticated = true;
    }
  };
  const toServer = (bytes: Buffer) => {
    for (const e of server.receive(bytes)) if (e.kind === 'error') errors.server ??= e.error;
  };
  server.start();
  const sh = server.takeOutput();
  const mitm =
    attack.kind === 'mitm-share' || attack.kind === 'mitm-identity' ? new ShareSwapper(group, seeds) : null;
  let shSent = sh;
  if (mitm) shSent = mitm.serverHello(sh);
  else if (attack.kind === 'flip' && attack.hello === 'server') shSent = flipBody(sh, attack.at, attack.bit);
  else if (attack.kind === 'rewrite' && attack.hello === 'server') shSent = rewriteHello(sh, attack.edit);
  toClient(shSent);
  const ch = client.takeOutput();
  let chSent = ch;
  if (mitm) chSent = mitm.clientHello(ch);
  else if (attack.kind === 'flip' && attack.hello === 'client' && ch.length > 10)
    chSent = flipBody(ch, attack.at, attack.bit);
  else if (attack.kind === 'rewrite' && attack.hello === 'client' && ch.length > 10)
    chSent = rewriteHello(ch, attack.edit);
  if (chSent.length > 0) toServer(chSent);
  let auth = server.takeOutput();
  if (mitm && auth.length > 0) auth = mitm.serverAuth(auth, attack.kind === 'mitm-identity');
  if (auth.length > 0) toClient(auth);
  const untouched = sameBytes(shSent, sh) && sameBytes(chSent, ch) && !mitm;
  if (untouched) {
    ensure(
      authenticated && client.state === 'READY',
      () =>
        `${group}: an untouched handshake did not authenticate: client ${describeError(errors.client)}, server ${describeError(errors.server)}`,
    );
    // Both directions under the derived keys: a join goes up, join_ok comes back.
    client.join('fuzz');
    const up = server.receive(client.takeOutput());
    ensure(
      up.some((e) => e.kind === 'packet' && e.packet.type === 'join'),
      () => `${group}: the server could not read the client's first record: ${JSON.stringify(up)}`,
    );
    server.acceptJoin('fuzz', ['fuzz']);
    const down = client.receive(server.takeOutput());
    ensure(
      down.some((e) => e.kind === 'packet' && e.packet.type === 'join_ok'),
      () => `${group}: the client could not read join_ok: ${JSON.stringify(down)}`,
    );
  }
  return { authenticated, clientError: errors.client, serverError: errors.server };
}

/** An active man in the middle that swaps its own shares in both directions (5.5). */
class ShareSwapper {
  private readonly towardClient: KeyPair;
  private readonly towardServer: KeyPair;
  private serverHelloSent: Buffer = Buffer.alloc(0);
  private serverHelloOriginal: Buffer = Buffer.alloc(0);
  private serverShare: Buffer = Buffer.alloc(0);
  private clientHelloFrame: Buffer = Buffer.alloc(0);
  private clientKeys: SessionKeys | null = null;
  private serverKeys: SessionKeys | null = null;

  constructor(
    private readonly group: V2Group,
    seeds: { server: number; client: number },
  ) {
    this.towardClient = keyAgreement.keyPairFromPrivate(group, privateKeyOf(seeds.client, 'mitm-c'));
    this.towardServer = keyAgreement.keyPairFromPrivate(group, privateKeyOf(seeds.server, 'mitm-s'));
  }

  serverHello(frame: Buffer): Buffer {
    this.serverHelloOriginal = frame;
    const hello = JSON.parse(frame.subarray(10).toString('utf8')) as {
      groups: { group: string; share: string }[];
    };
    for (const offer of hello.groups) {
      if (offer.group === this.group) {
        this.serverShare = Buffer.from(offer.share, 'base64');
        offer.share = this.towardClient.share.toString('base64');
      }
    }
    this.serverHelloSent = encodeFrame(JSON.stringify(hello));
    return this.serverHelloSent;
  }

  clientHello(frame: Buffer): Buffer {
    this.clientHelloFrame = frame;
    const hello = JSON.parse(frame.subarray(10).toString('utf8')) as { share: string };
    const zClient = computeSharedSecret(this.towardClient, Buffer.from(hello.share, 'base64'));
    this.clientKeys = deriveSessionKeys(zClient, transcriptHash(this.serverHelloSent, frame));
    hello.share = this.towardServer.share.toString('base64');
    const sent = encodeFrame(JSON.stringify(hello));
    const zServer = computeSharedSecret(this.towardServer, this.serverShare);
    this.serverKeys = deriveSessionKeys(zServer, transcriptHash(this.serverHelloOriginal, sent));
    return sent;
  }

  /** Opens server_auth under the server-side keys and re-seals it for the client. */
  serverAuth(bytes: Buffer, resign: boolean): Buffer {
    const [first] = frames(bytes);
    const opener = new RecordOpener(this.serverKeys!.s2c);
    const plain = opener.open({ header: first.subarray(0, 10), body: first.subarray(10) });
    let packet = parseServerPacket(
      plain.subarray(0, plain.indexOf(0x0a) === -1 ? plain.length : plain.indexOf(0x0a)),
    );
    if (resign && packet.type === 'server_auth') {
      // The MITM's own identity, signing the transcript the client saw: the signature verifies,
      // so only the pinned fingerprint can catch it (5.6).
      const th = transcriptHash(this.serverHelloSent, this.clientHelloFrame);
      packet = {
        type: 'server_auth',
        identity: MITM_IDENTITY.publicKey.toString('base64'),
        signature: signTranscript(MITM_IDENTITY, th).toString('base64'),
      };
    }
    return new RecordSealer(this.clientKeys!.s2c).seal(encodeV2Packet(packet));
  }
}

function checkV2Handshake(
  impl: KexImpl,
  group: V2Group,
  seeds: { server: number; client: number },
  attack: Attack,
) {
  const outcome = runV2Handshake(impl, group, seeds, attack);
  if (attack.kind === 'none') return;
  ensure(
    !outcome.authenticated,
    () => `${group}: the client authenticated the server after a ${JSON.stringify(attack)} of the handshake`,
  );
  ensure(
    outcome.clientError !== null || outcome.serverError !== null,
    () =>
      `${group}: a tampered handshake (${JSON.stringify(attack)}) stalled without an error on either side`,
  );
  if (attack.kind === 'mitm-share') {
    ensureCode(outcome.clientError, ['SERVER_AUTH_FAILED'], `${group}: MITM swapping shares`);
  }
  if (attack.kind === 'mitm-identity') {
    ensureCode(
      outcome.clientError,
      ['FINGERPRINT_MISMATCH'],
      `${group}: MITM re-signing with its own identity`,
    );
  }
}

type LegacyAttack =
  | { readonly kind: 'none' }
  | { readonly kind: 'server-value' | 'client-value' | 'iv'; readonly seed: number };

const legacyAttackArb: fc.Arbitrary<LegacyAttack> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constantFrom('server-value' as const, 'client-value' as const, 'iv' as const),
    seed: seedArb,
  }),
);

/** Replaces `cont` of the legacy plaintext frame of type `typ` in `bytes`. */
function replaceLegacyCont(bytes: Buffer, typ: string, cont: string): Buffer {
  return Buffer.concat(
    frames(bytes).map((frame) => {
      const packet = parseLegacyPacket(frame.subarray(10));
      if (packet.typ !== typ) return frame;
      return encodeFrame(encodeLegacyBody({ ...packet, cont }));
    }),
  );
}

/**
 * legacy has no transcript and no authentication (spec 2, `insecure`): what it does promise is
 * that the peers derive the same key, and that a changed public value or IV leaves them unable
 * to read each other.
 */
function checkLegacyHandshake(seeds: { server: number; client: number }, attack: LegacyAttack) {
  const date = '2026-01-01 00:00:00';
  const server = new LegacyServerConnection({ random: seededBytes(`server/${seeds.server}`) });
  const client = new LegacyClientConnection({
    random: seededBytes(`client/${seeds.client}`),
    clock: () => 0,
  });
  server.start(date);
  let hello = server.takeOutput();
  const other = keyAgreement.legacyPublicDecimal(
    privateKeyOf(attack.kind === 'none' ? 0 : attack.seed, 'mitm'),
  );
  if (attack.kind === 'server-value') hello = replaceLegacyCont(hello, 'key_exc', other);
  if (attack.kind === 'iv')
    hello = replaceLegacyCont(hello, 'iv_exc', seededBytes(`iv/${attack.seed}`)(16).toString('base64'));
  const clientEvents = client.receive(hello);
  ensure(
    !clientEvents.some((e) => e.kind === 'error'),
    () => `legacy client refused a valid hello: ${JSON.stringify(clientEvents)}`,
  );
  let reply = client.takeOutput();
  if (attack.kind === 'client-value') reply = replaceLegacyCont(reply, 'key_exc', other);
  const serverEvents = server.receive(reply);
  ensure(
    !serverEvents.some((e) => e.kind === 'error'),
    () => `legacy server refused a valid key_exc: ${JSON.stringify(serverEvents)}`,
  );
  client.join('fuzz');
  const up = server.receive(client.takeOutput());
  const understood = up.some(
    (e) => e.kind === 'packet' && e.packet.typ === 'setuser' && e.packet.cont === 'fuzz',
  );
  if (attack.kind === 'none') {
    ensure(understood, () => `legacy: the server could not read the client's setuser: ${JSON.stringify(up)}`);
    server.acceptJoin(date);
    const down = client.receive(server.takeOutput());
    ensure(
      down.some((e) => e.kind === 'packet' && e.packet.typ === 'approved_conn'),
      () => `legacy: the client could not read approved_conn: ${JSON.stringify(down)}`,
    );
  } else {
    ensure(
      !understood,
      () => `legacy: after a changed ${attack.kind}, the server still read the client's setuser`,
    );
    const error = up.find((e) => e.kind === 'error');
    ensure(
      error?.kind === 'error',
      () => `legacy: after a changed ${attack.kind}, the server neither read nor refused the record`,
    );
    ensureCode(error.error, ['PACKET_MALFORMED'], `legacy server after a changed ${attack.kind}`);
  }
}

// ---------------------------------------------------------------------------------------------
// client-auth (7.16): the client's proof of its key over the transcript

type ProofEdit =
  | { readonly kind: 'valid' }
  | { readonly kind: 'flip'; readonly field: 'key' | 'sig'; readonly at: number; readonly bit: number }
  | { readonly kind: 'other-transcript' }
  | { readonly kind: 'bad-key'; readonly key: Buffer };

const FIELD_P = (1n << 255n) - 19n;

/** `y` little-endian in 32 bytes, the sign bit set when `negative` (RFC 8032 5.1.2). */
function encodePoint(y: bigint, negative: boolean): Buffer {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++, y >>= 8n) out[i] = Number(y & 0xffn);
  if (negative) out[31] |= 0x80;
  return out;
}

/** Keys 7.16 refuses by their encoding: y >= p (19 values, either sign), x = -0, small order. */
const badKeyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.nat({ max: 18 }), fc.boolean()).map(([i, neg]) => encodePoint(FIELD_P + BigInt(i), neg)),
  fc.constantFrom(1n, FIELD_P - 1n).map((y) => encodePoint(y, true)),
  fc.constantFrom(...SMALL_ORDER_ENCODINGS).map((hex) => Buffer.from(hex, 'hex')),
);

/** A signature without a secret: R a small-order point, S = 0; the first node:crypto accepts, if any. */
function noSecretSignature(key: Buffer, th: Buffer): Buffer {
  const sigs = SMALL_ORDER_ENCODINGS.filter((e) => isCanonicalEncoding(Buffer.from(e, 'hex'))).map((r) =>
    Buffer.concat([Buffer.from(r, 'hex'), Buffer.alloc(32)]),
  );
  const accepted = sigs.find((sig) => {
    try {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') };
      return verify(null, authMessage(th, 'client'), createPublicKey({ key: jwk, format: 'jwk' }), sig);
    } catch {
      return false;
    }
  });
  return accepted ?? sigs[0];
}

const proofEditArb: fc.Arbitrary<ProofEdit> = fc.oneof(
  fc.constant({ kind: 'valid' as const }),
  fc.record({
    kind: fc.constant('flip' as const),
    field: fc.constantFrom<'key' | 'sig'>('key', 'sig'),
    at: fc.nat({ max: 63 }),
    bit: fc.nat({ max: 7 }),
  }),
  fc.constant({ kind: 'other-transcript' as const }),
  badKeyArb.map((key) => ({ kind: 'bad-key' as const, key })),
);

/** A v2 handshake agreeing client-key between `impl`'s client and a real server; TH and both ends. */
function keyedHandshake(impl: KexImpl, group: V2Group, seeds: { server: number; client: number }) {
  const server = new V2ServerConnection({
    identity: IDENTITY,
    random: seededBytes(`server/${seeds.server}`),
    features: ['client-key'],
  });
  const client = impl.createV2Client({
    random: seededBytes(`client/${seeds.client}`),
    expectedFingerprint: IDENTITY.fingerprint,
    groups: [group],
    features: ['client-key'],
  });
  server.start();
  client.receive(server.takeOutput());
  server.receive(client.takeOutput());
  client.receive(server.takeOutput());
  ensure(client.state === 'READY', () => `${group}: the handshake before client_auth did not complete`);
  // biome-ignore lint/suspicious/noExplicitAny: TH is the connection's own; the property signs over it as a client would.
  const th = (client as any).th as Buffer;
  return { server, client, th };
}

function checkClientAuth(
  impl: KexImpl,
  group: V2Group,
  seeds: { server: number; client: number },
  keySeed: number,
  edit: ProofEdit,
): void {
  const { server, client, th } = keyedHandshake(impl, group, seeds);
  const key = identityFromSeed(seededBytes(`client key/${keySeed}`)(32));
  let signedOver = th;
  if (edit.kind === 'other-transcript') {
    signedOver = keyedHandshake(impl, group, { server: seeds.server + 1, client: seeds.client + 1 }).th;
  }
  const proof =
    edit.kind === 'bad-key'
      ? { key: Buffer.from(edit.key), sig: noSecretSignature(edit.key, th) }
      : { key: Buffer.from(key.publicKey), sig: signTranscript(key, signedOver, 'client') };
  if (edit.kind === 'flip') {
    const field = proof[edit.field];
    field[edit.at % field.length] ^= 1 << edit.bit;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the property sends its own (perhaps broken) proof.
  (client as any).sendPacket({
    type: 'client_auth',
    key: proof.key.toString('base64'),
    sig: proof.sig.toString('base64'),
  });
  let error: ParleyError | null = null;
  for (const e of server.receive(client.takeOutput())) if (e.kind === 'error') error ??= e.error;
  if (edit.kind === 'valid') {
    ensure(
      error === null && server.clientKey !== null && sameBytes(server.clientKey, key.publicKey),
      () => `${group}: an honest client_auth was not recorded (${describeError(error)})`,
    );
    return;
  }
  // One flipped bit makes another key or another signature, which the honest one never matches.
  ensureCode(
    error,
    ['CLIENT_AUTH_FAILED'],
    `${group}: a client_auth ${
      edit.kind === 'flip'
        ? `with a bit of ${edit.field} flipped`
        : edit.kind === 'bad-key'
          ? `with the key ${edit.key.toString('hex')} (7.16 Key encoding)`
          : "signed over another connection's TH"
    }`,
  );
  ensure(server.clientKey === null, () => `${group}: a refused client_auth left a recorded key`);
}

// ---------------------------------------------------------------------------------------------

/** The key exchange properties; `impl` is used by the primitive-level ones. */
export function kexProperties(impl: KexImpl = REAL_KEX): FuzzProperty[] {
  return [
    {
      name: 'agree',
      description:
        'honest parties agree on the secret and on four distinct keys, in x25519, modp14 and legacy',
      property: fc.property(
        fc.constantFrom<V2Group | 'legacy'>('x25519', 'modp14', 'legacy'),
        seedArb,
        seedArb,
        fc.string({ minLength: 1, maxLength: 40, size: 'max' }),
        fc.string({ minLength: 1, maxLength: 40, size: 'max' }),
        (group, a, b, sh, ch) => checkAgree(impl, group, a, b, sh, ch),
      ),
    },
    {
      name: 'invalid-share',
      description:
        'a share is accepted exactly when the spec says it is valid; an invalid one is PUBLIC_VALUE_INVALID',
      property: fc.property(shareCaseArb, seedArb, fc.boolean(), (c, seed, via) =>
        checkInvalidShare(impl, c, seed, via),
      ),
    },
    {
      name: 'transcript',
      description: 'any change to either hello changes every derived key and IV',
      property: fc.property(
        groupArb,
        seedArb,
        fc.tuple(helloBodyArb, helloBodyArb),
        helloMutationArb,
        (group, seed, bodies, m) => checkTranscript(impl, group, seed, bodies, m),
      ),
    },
    {
      name: 'handshake',
      description:
        'the real handshake agrees when untouched; any change to a hello, or a MITM, ends in an error, never an authenticated client',
      property: fc.property(
        fc.oneof(
          fc.record({ profile: fc.constant('v2' as const), group: groupArb, attack: attackArb }),
          fc.record({ profile: fc.constant('legacy' as const), attack: legacyAttackArb }),
        ),
        seedArb,
        seedArb,
        (c, server, client) =>
          c.profile === 'v2'
            ? checkV2Handshake(impl, c.group, { server, client }, c.attack)
            : checkLegacyHandshake({ server, client }, c.attack),
      ),
    },
    {
      name: 'client-auth',
      description:
        "a client's proof of its key (7.16) is recorded when honest, and CLIENT_AUTH_FAILED with a bit flipped, over another transcript, or with a non-canonical or small-order key",
      property: fc.property(
        groupArb,
        seedArb,
        seedArb,
        seedArb,
        proofEditArb,
        (group, server, client, keySeed, edit) =>
          checkClientAuth(impl, group, { server, client }, keySeed, edit),
      ),
    },
  ];
}

export const kexTarget: FuzzTarget = {
  name: 'kex',
  description: 'key exchange (spec 5, 8): agreement, share validation, transcript binding, MITM',
  async open(options) {
    return staticTarget(kexProperties((planted(options, 'kex') as KexImpl | null) ?? REAL_KEX));
  },
};
