/**
 * Builds the test vectors in spec/vectors/ (Wycheproof style) from fixed keys and nonces.
 *
 * How this works: one function per file returns the file's JSON object. Every key, nonce and seed
 * is either a published constant (RFC 7748, RFC 3526) or SHA-256 of a fixed label, so the output
 * depends on nothing but the core in ../src. Expected outcomes that the spec states directly (the
 * framing codes, the modp14 range rule) are written from the spec, not from running the decoder;
 * computed values (shares, secrets, keys, records) come from the core and are cross-checked by
 * the tests in test/core/ against node:crypto and RFC values. `make-vectors.ts` writes the files;
 * test/core/vectors.test.ts fails when a committed file differs from what this module builds.
 */
import { createHash } from 'node:crypto';
import { identityFromSeed } from '../src/crypto/identity.js';
import {
  bigintFromBytes,
  bytesFromBigint,
  computeSharedSecret,
  keyPairFromPrivate,
  padStart,
  type RandomSource,
} from '../src/crypto/key-agreement.js';
import { RecordSealer, recordNonce } from '../src/crypto/record-layer.js';
import { type DirectionKeys, deriveSessionKeys, transcriptHash } from '../src/crypto/v2-keys.js';
import { encodeFrame, encodeHeader } from '../src/framing/frame-codec.js';
import { LIMITS, V2_GROUP_INFO, V2_GROUPS, type V2Group } from '../src/generated/constants.js';
import { type ErrorCode, FRAMING_OUTCOMES } from '../src/generated/errors.js';
import { V2ClientConnection } from '../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../src/session/v2-codec.js';
import { V2ServerConnection } from '../src/session/v2-server-connection.js';

export const GENERATOR_VERSION = '1';

export type VectorResult = 'valid' | 'invalid' | 'acceptable';

/** A test before numbering: tcIds are assigned in file order by `vectorFile`. */
interface DraftTest {
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: VectorResult;
  readonly [field: string]: unknown;
}

export interface VectorTest extends DraftTest {
  readonly tcId: number;
}

export interface VectorGroup {
  readonly tests: readonly VectorTest[];
  readonly [param: string]: unknown;
}

export interface VectorFile {
  readonly algorithm: string;
  readonly schema: string;
  readonly generatorVersion: string;
  readonly notes: Readonly<Record<string, string>>;
  readonly numberOfTests: number;
  readonly testGroups: readonly VectorGroup[];
}

type DraftGroup = { readonly tests: readonly DraftTest[]; readonly [param: string]: unknown };

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** `size` bytes that depend only on `label`: SHA-256 in counter mode. */
export function fixedBytes(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let filled = 0, i = 0; filled < size; i++) {
    filled += createHash('sha256').update(`parley/vectors/${label}/${i}`).digest().copy(out, filled);
  }
  return out;
}

/**
 * A RandomSource that returns `draws` in order, one per call, and refuses a call whose size differs
 * or that comes after the last draw: a vector that no longer matches the core's draw order fails
 * loudly instead of silently changing.
 */
export function scriptedRandom(
  draws: readonly Buffer[],
): RandomSource & { readonly remaining: () => number } {
  let next = 0;
  const random = (size: number): Buffer => {
    const draw = draws[next];
    if (draw === undefined) throw new Error(`scripted random: draw ${next} (${size} bytes) was not scripted`);
    if (draw.length !== size) {
      throw new Error(`scripted random: draw ${next} is ${draw.length} bytes, the core asked for ${size}`);
    }
    next++;
    return Buffer.from(draw);
  };
  return Object.assign(random, { remaining: () => draws.length - next });
}

/** Numbers the tests (tcId from 1, unique in the file) and checks that every flag is described. */
function vectorFile(
  algorithm: string,
  schema: string,
  notes: Record<string, string>,
  groups: readonly DraftGroup[],
): VectorFile {
  let tcId = 0;
  const testGroups = groups.map((group) => {
    const { tests, ...params } = group;
    return {
      ...params,
      tests: tests.map((test) => {
        for (const flag of test.flags) {
          if (!(flag in notes)) throw new Error(`${algorithm}: flag ${flag} has no note`);
        }
        return { tcId: ++tcId, ...test } as VectorTest;
      }),
    };
  });
  return { algorithm, schema, generatorVersion: GENERATOR_VERSION, notes, numberOfTests: tcId, testGroups };
}

/** The exact text of a vector file on disk. */
export function renderVectorFile(file: VectorFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// framing.json (spec 3)

/** The code the spec gives for a framing outcome id (3.2/N, 3.3/N). */
function framingCode(sectionRef: string): ErrorCode | null {
  const outcome = FRAMING_OUTCOMES.find((o) => o.id === sectionRef);
  if (!outcome) throw new Error(`no framing outcome ${sectionRef} in the spec`);
  return outcome.code;
}

function framingValid(comment: string, flags: string[], bodies: Buffer[], sectionRef = '3.1'): DraftTest {
  return {
    comment,
    flags,
    sectionRef,
    input: hex(Buffer.concat(bodies.map((b) => encodeFrame(b)))),
    bodies: bodies.map(hex),
    result: 'valid',
    code: null,
  };
}

function framingInvalid(
  comment: string,
  flags: string[],
  sectionRef: string,
  input: Buffer,
  bodies: Buffer[] = [],
): DraftTest {
  const code = framingCode(sectionRef);
  if (code === null) throw new Error(`${sectionRef} is not an error outcome`);
  return { comment, flags, sectionRef, input: hex(input), bodies: bodies.map(hex), result: 'invalid', code };
}

export function buildFramingVectors(): VectorFile {
  const pattern = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff));
  const ok = utf8('ok');
  const ping = utf8('{"type":"ping","n":1}');
  const nonAscii = Buffer.concat([
    utf8('è tutto ok? 👋 '),
    Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x20, 0x7f]),
  ]);

  const small: DraftTest[] = [
    framingValid('one frame', [], [utf8('hello')]),
    framingValid('one-byte body', [], [utf8('x')]),
    framingValid('three frames back to back', ['BackToBack'], [utf8('alpha'), ping, Buffer.alloc(100, 0x7a)]),
    framingValid('a body of exactly maxFrame bytes', ['MaxSize'], [pattern(1024)]),
    framingValid('a maxFrame body then a small one', ['MaxSize', 'BackToBack'], [pattern(1024), ok]),
    framingValid('a body with non-ASCII bytes (UTF-8, NUL, 0xff)', ['NonAscii'], [nonAscii]),
    framingValid('a body that looks like a header', ['BodyLooksLikeHeader'], [latin1('12        '), ok]),
    framingValid('a body that is itself a frame', ['BodyLooksLikeHeader'], [encodeFrame(ok)]),
    framingValid('empty stream: a clean end', ['CleanEnd'], [], '3.3/2'),
    framingInvalid('zero length', ['EmptyBody'], '3.2/1', latin1('0         ')),
    framingInvalid(
      'zero length after a valid frame',
      ['EmptyBody'],
      '3.2/1',
      latin1('2         ok0         '),
      [ok],
    ),
    framingInvalid('leading spaces', ['LeadingSpace'], '3.2/2', latin1('  12      abcdefghijkl')),
    framingInvalid('one leading space', ['LeadingSpace'], '3.2/2', latin1(' 1        x')),
    framingInvalid('a header of spaces only', ['LeadingSpace'], '3.2/2', latin1('          ')),
    framingInvalid('plus sign', ['Sign'], '3.2/3', latin1('+12       abcdefghijkl')),
    framingInvalid('minus sign', ['Sign'], '3.2/3', latin1('-12       abcdefghijkl')),
    framingInvalid('a letter after the digits', ['NonDigit'], '3.2/4', latin1('12a       ')),
    framingInvalid('a tab in the padding', ['NonDigit'], '3.2/4', latin1('12\t       ')),
    framingInvalid('a NUL in the padding', ['NonDigit'], '3.2/4', latin1('12\0       ')),
    framingInvalid('a CR LF after the digits', ['NonDigit'], '3.2/4', latin1('12\r\n      ')),
    framingInvalid(
      'a non-ASCII byte (UTF-8 é)',
      ['NonDigit'],
      '3.2/4',
      Buffer.concat([latin1('12'), utf8('é'), latin1('      ')]),
    ),
    framingInvalid('a first byte 0x80', ['NonDigit'], '3.2/4', Buffer.from([0x80])),
    framingInvalid('an exponent (1e3)', ['NonDigit'], '3.2/4', latin1('1e3       ')),
    framingInvalid('a digit separator (Python int accepts 1_0)', ['NonDigit'], '3.2/4', latin1('1_0       ')),
    framingInvalid('a bad header after a valid frame', ['NonDigit'], '3.2/4', latin1('2         okx'), [ok]),
    framingInvalid('leading zero', ['LeadingZero'], '3.2/5', latin1('012       ')),
    framingInvalid('two zeros', ['LeadingZero'], '3.2/5', latin1('00        ')),
    framingInvalid('leading zeros', ['LeadingZero'], '3.2/5', latin1('0012      ')),
    framingInvalid('a digit after the padding', ['DigitAfterPadding'], '3.2/6', latin1('1 2       ')),
    framingInvalid('a digit in the last byte', ['DigitAfterPadding'], '3.2/6', latin1('12       3')),
    framingInvalid('zero then a digit after a space', ['DigitAfterPadding'], '3.2/6', latin1('0 1       ')),
    framingInvalid('maxFrame + 1, header only', ['TooLarge'], '3.2/7', latin1('1025      ')),
    framingInvalid(
      'maxFrame + 1 with its body',
      ['TooLarge'],
      '3.2/7',
      Buffer.concat([encodeHeader(1025), pattern(1025)]),
    ),
    framingInvalid('four digits over the limit', ['TooLarge'], '3.2/7', latin1('2000      ')),
    framingInvalid('five digits, refused at the fifth', ['TooLarge'], '3.2/7', latin1('10240     ')),
    framingInvalid('the largest 10-digit length', ['TooLarge'], '3.2/7', latin1('9999999999')),
    framingInvalid('too large after a valid frame', ['TooLarge'], '3.2/7', latin1('2         ok1025'), [ok]),
    framingInvalid('stream ends inside a header', ['Truncated'], '3.3/1', latin1('5   ')),
    framingInvalid('stream ends after a whole header', ['Truncated'], '3.3/1', latin1('5         ')),
    framingInvalid('stream ends inside a body', ['Truncated'], '3.3/1', latin1('5         ab')),
    framingInvalid('one byte of a header after a frame', ['Truncated'], '3.3/1', latin1('2         ok1'), [
      ok,
    ]),
    framingInvalid(
      'maxFrame body missing its last byte',
      ['Truncated', 'MaxSize'],
      '3.3/1',
      Buffer.concat([encodeHeader(1024), pattern(1023)]),
    ),
  ];
  const large: DraftTest[] = [
    framingValid('one frame', [], [utf8('hello')]),
    framingValid('a 1025-byte body is fine under the default limit', [], [pattern(1025)]),
    framingInvalid('maxFrame + 1', ['TooLarge'], '3.2/7', latin1('65537     ')),
    framingInvalid('six digits', ['TooLarge'], '3.2/7', latin1('100000    ')),
    framingInvalid('the largest 10-digit length', ['TooLarge'], '3.2/7', latin1('9999999999')),
  ];
  return vectorFile(
    'PARLEY-FRAMING',
    'Each test is a byte stream (input, hex) fed to a frame decoder with the group maxFrame, then ended. ' +
      'bodies: the bodies (hex) of the frames decoded before the outcome, in order. code: the error code ' +
      '(from the frame decoder or from the end of the stream), or null for a clean end. sectionRef: the ' +
      'spec rule (3.1 for well-formed input, else the outcome id of section 3.2/3.3).',
    {
      BackToBack: 'Several frames in one stream, with no gap between them.',
      MaxSize: 'A body of exactly maxFrame bytes (the largest accepted).',
      NonAscii: 'The body holds bytes outside ASCII; framing counts bytes, not characters.',
      BodyLooksLikeHeader: 'The body holds bytes that would be a valid header; they must be read as body.',
      CleanEnd: 'The stream ends between frames (3.3/2).',
      EmptyBody: 'The header announces a zero-length body (3.2/1).',
      LeadingSpace: 'The header starts with a space (3.2/2).',
      Sign: 'The header holds a sign (3.2/3).',
      NonDigit: 'The header holds a byte that is neither a digit nor a trailing space (3.2/4).',
      LeadingZero: 'The length has a leading zero (3.2/5).',
      DigitAfterPadding: 'A digit follows the space padding (3.2/6).',
      TooLarge:
        'The length exceeds maxFrame (3.2/7). A decoder refuses it as soon as the digits seen exceed ' +
        'the limit, before any body byte is buffered.',
      Truncated: 'The stream ends inside a header or a body (3.3/1).',
    },
    [
      { maxFrame: 1024, tests: small },
      { maxFrame: LIMITS.maxFrame, tests: large },
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// v2-public-values.json (spec 5.2, 5.3)

/** RFC 7748 section 6.1. */
export const RFC7748 = {
  alicePrivate: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePublic: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPublic: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
} as const;

const MODP14_P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);

function publicValueTest(
  own: ReturnType<typeof keyPairFromPrivate>,
  comment: string,
  flags: string[],
  share: Buffer,
  result: VectorResult,
): DraftTest {
  if (result === 'invalid') {
    // The expectation is the spec's (5.3); the core must agree, or the builder stops.
    let code: string | undefined;
    try {
      computeSharedSecret(own, share);
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    if (code !== 'PUBLIC_VALUE_INVALID') throw new Error(`${own.group} ${comment}: core did not refuse it`);
    return { comment, flags, share: hex(share), result, code: 'PUBLIC_VALUE_INVALID' };
  }
  if (result === 'acceptable' && own.group === 'modp14') {
    // Some OpenSSL builds refuse such a share (OutsideSubgroup), so Z is computed here directly.
    const z = powMod(bigintFromBytes(share), bigintFromBytes(own.privateKey), MODP14_P);
    return {
      comment,
      flags,
      share: hex(share),
      result,
      sharedSecret: hex(padStart(bytesFromBigint(z), 256)),
    };
  }
  return { comment, flags, share: hex(share), result, sharedSecret: hex(computeSharedSecret(own, share)) };
}

/** b^e mod m by square-and-multiply (only for building vectors; the core uses node:crypto). */
function powMod(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

export function buildPublicValueVectors(): VectorFile {
  const x = keyPairFromPrivate('x25519', Buffer.from(RFC7748.alicePrivate, 'hex'));
  if (hex(x.share) !== RFC7748.alicePublic) throw new Error('x25519 public key differs from RFC 7748');
  const bob = Buffer.from(RFC7748.bobPublic, 'hex');
  const bobHighBit = Buffer.from(bob);
  bobHighBit[31] |= 0x80;
  const peer = keyPairFromPrivate('x25519', fixedBytes('x25519 peer private', 32)).share;
  const le = (text: string) => Buffer.from(text, 'hex');
  const xTests: DraftTest[] = [
    publicValueTest(x, 'RFC 7748 6.1: Bob public key', ['Rfc7748'], bob, 'valid'),
    publicValueTest(x, 'a peer share made from a fixed private key', [], peer, 'valid'),
    publicValueTest(
      x,
      'RFC 7748 Bob key with the unused top bit set (masked)',
      ['NonCanonical'],
      bobHighBit,
      'acceptable',
    ),
    publicValueTest(x, 'u = 0', ['LowOrder'], Buffer.alloc(32), 'invalid'),
    publicValueTest(x, 'u = 1', ['LowOrder'], le(`01${'00'.repeat(31)}`), 'invalid'),
    publicValueTest(
      x,
      'a point of order 8',
      ['LowOrder'],
      le('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
      'invalid',
    ),
    publicValueTest(
      x,
      'another point of order 8',
      ['LowOrder'],
      le('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
      'invalid',
    ),
    publicValueTest(x, 'u = p - 1', ['LowOrder'], le(`ec${'ff'.repeat(30)}7f`), 'invalid'),
    publicValueTest(
      x,
      'u = p (reduces to 0)',
      ['LowOrder', 'NonCanonical'],
      le(`ed${'ff'.repeat(30)}7f`),
      'invalid',
    ),
    publicValueTest(
      x,
      'u = p + 1 (reduces to 1)',
      ['LowOrder', 'NonCanonical'],
      le(`ee${'ff'.repeat(30)}7f`),
      'invalid',
    ),
    publicValueTest(
      x,
      'u = 0 with the top bit set',
      ['LowOrder', 'NonCanonical'],
      le(`${'00'.repeat(31)}80`),
      'invalid',
    ),
    publicValueTest(
      x,
      'u = 1 with the top bit set',
      ['LowOrder', 'NonCanonical'],
      le(`01${'00'.repeat(30)}80`),
      'invalid',
    ),
    publicValueTest(x, 'empty share', ['WrongLength'], Buffer.alloc(0), 'invalid'),
    publicValueTest(x, '31 bytes', ['WrongLength'], bob.subarray(0, 31), 'invalid'),
    publicValueTest(x, '33 bytes', ['WrongLength'], Buffer.concat([bob, Buffer.alloc(1)]), 'invalid'),
    publicValueTest(x, '64 bytes', ['WrongLength'], Buffer.concat([bob, bob]), 'invalid'),
  ];

  const m = keyPairFromPrivate('modp14', fixedBytes('modp14 private', 32));
  const share = (y: bigint) => padStart(bytesFromBigint(y), 256);
  const peerM = keyPairFromPrivate('modp14', fixedBytes('modp14 peer private', 32)).share;
  const mTests: DraftTest[] = [
    publicValueTest(m, 'a peer share made from a fixed private key', [], peerM, 'valid'),
    publicValueTest(m, 'y = 0', ['OutOfRange'], share(0n), 'invalid'),
    publicValueTest(m, 'y = 1', ['OutOfRange'], share(1n), 'invalid'),
    publicValueTest(m, 'y = 2 (the generator, smallest allowed)', ['EdgeOfRange'], share(2n), 'valid'),
    publicValueTest(
      m,
      'y = p - 2 (largest allowed by the range check; outside the prime-order subgroup)',
      ['EdgeOfRange', 'OutsideSubgroup'],
      share(MODP14_P - 2n),
      'acceptable',
    ),
    publicValueTest(m, 'y = p - 1 (order 2)', ['OutOfRange'], share(MODP14_P - 1n), 'invalid'),
    publicValueTest(m, 'y = p', ['OutOfRange'], share(MODP14_P), 'invalid'),
    publicValueTest(m, 'y = p + 1', ['OutOfRange'], share(MODP14_P + 1n), 'invalid'),
    publicValueTest(m, 'y = 2^2048 - 1', ['OutOfRange'], share(2n ** 2048n - 1n), 'invalid'),
    publicValueTest(m, 'empty share', ['WrongLength'], Buffer.alloc(0), 'invalid'),
    publicValueTest(m, '32 bytes', ['WrongLength'], peerM.subarray(0, 32), 'invalid'),
    publicValueTest(
      m,
      '255 bytes (2^2000 without its left padding)',
      ['WrongLength'],
      share(2n ** 2000n).subarray(1),
      'invalid',
    ),
    publicValueTest(
      m,
      '257 bytes (a valid share with an extra zero byte)',
      ['WrongLength'],
      Buffer.concat([Buffer.alloc(1), peerM]),
      'invalid',
    ),
  ];
  if (bigintFromBytes(share(2n)) !== 2n) throw new Error('share encoding');
  return vectorFile(
    'PARLEY-V2-PUBLIC-VALUES',
    'Each group fixes our private key (privateKey, hex; publicKey is its share). Each test is a peer share ' +
      '(share, hex, as on the wire: 32 bytes little-endian for x25519, 256 bytes big-endian for modp14). ' +
      'valid/acceptable: sharedSecret is the secret Z (hex; modp14 left-padded to 256 bytes). invalid: ' +
      'code is the error a receiver reports.',
    {
      Rfc7748: 'The public key and shared secret of RFC 7748 section 6.1.',
      NonCanonical:
        'The share is not in canonical form (u >= p, or the unused top bit set); RFC 7748 masks the top bit ' +
        'and reduces mod p, so the share stands for a smaller value.',
      LowOrder: 'A point of small order: the X25519 output is all zeros, which 5.2 says MUST be rejected.',
      OutOfRange: 'y is outside 2..p-2 (5.2): 0, 1, p-1 (order 2), or not reduced mod p.',
      EdgeOfRange: 'y is at an end of the allowed range 2..p-2.',
      OutsideSubgroup:
        'y passes the range check but is not in the prime-order subgroup (y^q mod p != 1, q = (p-1)/2). ' +
        '5.3 lets a receiver refuse it (PUBLIC_VALUE_INVALID) or use it: both outcomes conform.',
      WrongLength: 'The share is not exactly shareBytes long (32 for x25519, 256 for modp14).',
    },
    [
      { group: 'x25519', privateKey: hex(x.privateKey), publicKey: hex(x.share), tests: xTests },
      { group: 'modp14', privateKey: hex(m.privateKey), publicKey: hex(m.share), tests: mTests },
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// v2-handshake.json (spec 5)

/** The identity every handshake vector uses. */
export const VECTOR_IDENTITY_SEED = fixedBytes('identity seed', 32);

export interface HandshakeInputs {
  readonly group: V2Group;
  readonly serverPrivateKeys: Readonly<Record<V2Group, Buffer>>;
  readonly serverNonce: Buffer;
  readonly clientPrivateKey: Buffer;
  readonly clientNonce: Buffer;
  readonly joinName: string;
}

export interface HandshakeOutputs {
  readonly serverHello: Buffer;
  readonly clientHello: Buffer;
  readonly sharedSecret: Buffer;
  readonly transcriptHash: Buffer;
  readonly c2sKey: Buffer;
  readonly c2sIv: Buffer;
  readonly s2cKey: Buffer;
  readonly s2cIv: Buffer;
  readonly serverAuth: Buffer;
  readonly fingerprint: string;
  readonly join: Buffer;
}

/** The draws in the order the core makes them (see the ScriptedRandom note). */
export function serverDraws(inputs: HandshakeInputs): Buffer[] {
  return [...V2_GROUPS.map((g) => inputs.serverPrivateKeys[g]), inputs.serverNonce];
}

export function clientDraws(inputs: HandshakeInputs): Buffer[] {
  return [inputs.clientPrivateKey, inputs.clientNonce];
}

/** Runs one handshake through V2ServerConnection and V2ClientConnection with scripted randomness. */
export function runHandshake(inputs: HandshakeInputs): HandshakeOutputs {
  const identity = identityFromSeed(VECTOR_IDENTITY_SEED);
  const serverRandom = scriptedRandom(serverDraws(inputs));
  const clientRandom = scriptedRandom(clientDraws(inputs));
  const server = new V2ServerConnection({ identity, random: serverRandom });
  const client = new V2ClientConnection({ random: clientRandom, groups: [inputs.group] });
  server.start();
  const serverHello = server.takeOutput();
  client.receive(serverHello);
  const clientHello = client.takeOutput();
  server.receive(clientHello);
  const serverAuth = server.takeOutput();
  const authEvents = client.receive(serverAuth);
  client.join(inputs.joinName);
  const join = client.takeOutput();
  const joinEvents = server.receive(join);
  if (
    serverRandom.remaining() !== 0 ||
    clientRandom.remaining() !== 0 ||
    authEvents[0]?.kind !== 'authenticated' ||
    joinEvents[0]?.kind !== 'packet' ||
    client.state !== 'AWAIT_JOIN_REPLY'
  ) {
    throw new Error(`handshake vector ${inputs.group}: the core did not complete the handshake`);
  }
  const own = keyPairFromPrivate(inputs.group, inputs.clientPrivateKey);
  const serverShare = keyPairFromPrivate(inputs.group, inputs.serverPrivateKeys[inputs.group]).share;
  const sharedSecret = computeSharedSecret(own, serverShare);
  const th = transcriptHash(serverHello, clientHello);
  const keys = deriveSessionKeys(sharedSecret, th);
  return {
    serverHello,
    clientHello,
    sharedSecret,
    transcriptHash: th,
    c2sKey: keys.c2s.key,
    c2sIv: keys.c2s.iv,
    s2cKey: keys.s2c.key,
    s2cIv: keys.s2c.iv,
    serverAuth,
    fingerprint: identity.fingerprint,
    join,
  };
}

function handshakeInputs(group: V2Group, label: string, joinName: string): HandshakeInputs {
  return {
    group,
    serverPrivateKeys: {
      x25519: fixedBytes(`${label}/server x25519 private`, 32),
      modp14: fixedBytes(`${label}/server modp14 private`, 32),
    },
    serverNonce: fixedBytes(`${label}/server nonce`, 32),
    clientPrivateKey: fixedBytes(`${label}/client ${group} private`, 32),
    clientNonce: fixedBytes(`${label}/client nonce`, 32),
    joinName,
  };
}

function handshakeTest(comment: string, inputs: HandshakeInputs): DraftTest {
  const out = runHandshake(inputs);
  return {
    comment,
    flags: ['ScriptedRandom'],
    serverX25519PrivateKey: hex(inputs.serverPrivateKeys.x25519),
    serverModp14PrivateKey: hex(inputs.serverPrivateKeys.modp14),
    serverNonce: hex(inputs.serverNonce),
    clientPrivateKey: hex(inputs.clientPrivateKey),
    clientNonce: hex(inputs.clientNonce),
    joinName: inputs.joinName,
    serverHello: hex(out.serverHello),
    clientHello: hex(out.clientHello),
    sharedSecret: hex(out.sharedSecret),
    transcriptHash: hex(out.transcriptHash),
    c2sKey: hex(out.c2sKey),
    c2sIv: hex(out.c2sIv),
    s2cKey: hex(out.s2cKey),
    s2cIv: hex(out.s2cIv),
    serverAuth: hex(out.serverAuth),
    fingerprint: out.fingerprint,
    join: hex(out.join),
    result: 'valid',
  };
}

export function buildHandshakeVectors(): VectorFile {
  const identity = identityFromSeed(VECTOR_IDENTITY_SEED);
  const groups = V2_GROUPS.map((group) => ({
    group,
    identitySeed: hex(identity.seed),
    identityPublicKey: hex(identity.publicKey),
    limits: { maxFrame: LIMITS.maxFrame, maxMessage: LIMITS.maxMessage, maxName: LIMITS.maxName },
    tests: [
      handshakeTest(
        `a ${group} handshake, then join as alice`,
        handshakeInputs(group, 'handshake 1', 'alice'),
      ),
      handshakeTest(
        `a ${group} handshake, then join with a non-ASCII name`,
        handshakeInputs(group, 'handshake 2', 'Zoë'),
      ),
    ],
  }));
  return vectorFile(
    'PARLEY-V2-HANDSHAKE',
    'Each group is a key agreement group the client picks (the server offers x25519 and modp14, in that ' +
      'order, with the group identity and default limits). Inputs (hex): the server ephemeral private keys, ' +
      'server and client nonces, the client private key in the group, and joinName. Outputs: serverHello ' +
      'and clientHello (whole frames, hex), sharedSecret Z, transcriptHash TH, the four keys and IVs of 5.4, ' +
      'serverAuth (the first s2c record frame), the server fingerprint (5.6), and join (the first c2s record ' +
      'frame, a join packet).',
    {
      ScriptedRandom:
        'Both sides run with a RandomSource that returns fixed bytes in the order the core draws them. ' +
        'Server, on start(): the x25519 private key (32 bytes), the modp14 private key (32), then the ' +
        'server_hello nonce (32). Client, on server_hello: its private key in the chosen group (32), then ' +
        'the client_hello nonce (32). Nothing else draws: Ed25519 signatures are deterministic and the ' +
        'record nonces come from the IVs.',
    },
    groups,
  );
}

// ---------------------------------------------------------------------------------------------
// v2-records.json (spec 6)

export const RECORD_KEYS: DirectionKeys = {
  key: fixedBytes('record key', 32),
  iv: fixedBytes('record iv', 12),
};
export const RECORD_OTHER_KEYS: DirectionKeys = {
  key: fixedBytes('record other key', 32),
  iv: RECORD_KEYS.iv,
};

export const RECORD_PLAINTEXTS: readonly Buffer[] = [
  encodeV2Packet({ type: 'join', name: 'alice' }),
  encodeV2Packet({ type: 'say', text: 'hello' }),
  encodeV2Packet({ type: 'say', text: 'è tutto ok? 👋' }),
  encodeV2Packet({ type: 'who' }),
  encodeV2Packet({ type: 'goodbye', reason: 'bye' }),
];

function sealAll(keys: DirectionKeys, plaintexts: readonly Buffer[]): Buffer[] {
  const sealer = new RecordSealer(keys);
  return plaintexts.map((p) => sealer.seal(p));
}

/** Rewraps a body in a fresh header: the AAD changes with the length. */
function reframe(body: Buffer): Buffer {
  return Buffer.concat([encodeHeader(body.length), body]);
}

function flipBit(frame: Buffer, offset: number, mask = 0x01): Buffer {
  const out = Buffer.from(frame);
  out[offset] ^= mask;
  return out;
}

export function buildRecordVectors(): VectorFile {
  const r = sealAll(RECORD_KEYS, RECORD_PLAINTEXTS);
  const p = RECORD_PLAINTEXTS;
  const bodyOf = (frame: Buffer) => frame.subarray(10);
  const valid = (comment: string, frames: Buffer[], plaintexts: readonly Buffer[]): DraftTest => ({
    comment,
    flags: [],
    stream: hex(Buffer.concat(frames)),
    plaintexts: plaintexts.map(hex),
    result: 'valid',
    code: null,
  });
  const invalid = (
    comment: string,
    flags: string[],
    frames: Buffer[],
    plaintexts: readonly Buffer[],
    code: ErrorCode,
  ): DraftTest => ({
    comment,
    flags,
    stream: hex(Buffer.concat(frames)),
    plaintexts: plaintexts.map(hex),
    result: 'invalid',
    code,
  });
  const lengthDigits = String(bodyOf(r[0]).length);
  const shorterHeader = Buffer.concat([
    latin1(String(Number(lengthDigits) - 1).padEnd(10, ' ')),
    bodyOf(r[0]),
  ]);
  const longerLast = Buffer.concat([latin1(String(bodyOf(r[4]).length + 1).padEnd(10, ' ')), bodyOf(r[4])]);
  const wrongKey = sealAll(RECORD_OTHER_KEYS, [p[0]])[0];
  const tests: DraftTest[] = [
    valid('the whole sequence, records 0 to 4', r, p),
    valid('the first record alone', [r[0]], [p[0]]),
    invalid(
      'a bit flipped in the ciphertext of record 1',
      ['BitFlip'],
      [r[0], flipBit(r[1], 10)],
      [p[0]],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a bit flipped in the middle of the ciphertext',
      ['BitFlip'],
      [flipBit(r[0], 20, 0x80)],
      [],
      'DECRYPT_FAILED',
    ),
    invalid('a bit flipped in the tag', ['BitFlip'], [flipBit(r[0], r[0].length - 1)], [], 'DECRYPT_FAILED'),
    invalid(
      'a bit flipped in the first tag byte',
      ['BitFlip'],
      [flipBit(r[0], r[0].length - 16)],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'body extended by one byte and re-framed (AAD changes)',
      ['ModifiedAad'],
      [reframe(Buffer.concat([bodyOf(r[0]), Buffer.alloc(1)]))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'last tag byte removed and re-framed (AAD changes)',
      ['ModifiedAad'],
      [reframe(bodyOf(r[0]).subarray(0, -1))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'header length one less: the record is cut short',
      ['ModifiedAad'],
      [shorterHeader],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a body shorter than the tag',
      ['ShortRecord'],
      [reframe(bodyOf(r[0]).subarray(0, 15))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a body of just the tag bytes',
      ['ShortRecord'],
      [reframe(bodyOf(r[0]).subarray(-16))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid('record 1 replayed', ['Replay'], [r[0], r[1], r[1]], [p[0], p[1]], 'DECRYPT_FAILED'),
    invalid('record 0 replayed', ['Replay'], [r[0], r[0]], [p[0]], 'DECRYPT_FAILED'),
    invalid('records 0 and 1 swapped', ['Reorder'], [r[1], r[0]], [], 'DECRYPT_FAILED'),
    invalid('records 1 and 2 swapped', ['Reorder'], [r[0], r[2], r[1]], [p[0]], 'DECRYPT_FAILED'),
    invalid('record 1 dropped', ['Drop'], [r[0], r[2]], [p[0]], 'DECRYPT_FAILED'),
    invalid('record 0 dropped', ['Drop'], [r[1], r[2]], [], 'DECRYPT_FAILED'),
    invalid('a record sealed under another key', ['WrongKey'], [wrongKey], [], 'DECRYPT_FAILED'),
    invalid(
      'the stream ends inside record 1',
      ['Truncated'],
      [r[0], r[1].subarray(0, -5)],
      [p[0]],
      'FRAME_TRUNCATED',
    ),
    invalid(
      'the stream ends inside the header of record 1',
      ['Truncated'],
      [r[0], r[1].subarray(0, 4)],
      [p[0]],
      'FRAME_TRUNCATED',
    ),
    invalid(
      'header length one more on the last record',
      ['Truncated'],
      [...r.slice(0, 4), longerLast],
      p.slice(0, 4),
      'FRAME_TRUNCATED',
    ),
    invalid(
      'a header byte flipped into a non-space',
      ['HeaderCorrupted'],
      [flipBit(r[0], 9)],
      [],
      'FRAME_HEADER_INVALID',
    ),
  ];
  const nonceSeqs = [0n, 1n, 255n, 2n ** 32n, 2n ** 64n - 1n];
  return vectorFile(
    'PARLEY-V2-RECORDS',
    'Each group fixes one direction key and IV (hex); records lists the sequence sealed with them (seq, ' +
      'nonce, plaintext, frame, all hex) and nonces more nonce examples. Each test is a byte stream (stream, ' +
      'hex) fed to a frame decoder (default maxFrame) and a fresh record opener, every frame opened in turn, ' +
      'then the stream ended. plaintexts: what was opened before the outcome. code: the error, or null.',
    {
      BitFlip: 'One bit of the ciphertext or tag is flipped.',
      ModifiedAad:
        'The frame header, which is the AAD, differs from the one the record was sealed with. A header ' +
        'of the same length is always the same bytes, so the record is re-framed at another length.',
      ShortRecord: 'The body is too short to hold a tag and any ciphertext.',
      Replay: 'A record arrives a second time (the implicit sequence number has moved on).',
      Reorder: 'Records arrive out of order.',
      Drop: 'A record is missing from the stream.',
      WrongKey: 'The record was sealed under another key.',
      Truncated: 'The stream ends inside a frame: a framing error (3.3/1), not a decryption one.',
      HeaderCorrupted: 'A header byte is corrupted so that the header no longer parses (3.2/4).',
    },
    [
      {
        key: hex(RECORD_KEYS.key),
        iv: hex(RECORD_KEYS.iv),
        otherKey: hex(RECORD_OTHER_KEYS.key),
        records: r.map((frame, i) => ({
          seq: i,
          nonce: hex(recordNonce(RECORD_KEYS.iv, BigInt(i))),
          plaintext: hex(p[i]),
          frame: hex(frame),
        })),
        nonces: nonceSeqs.map((seq) => ({
          seq: seq.toString(),
          nonce: hex(recordNonce(RECORD_KEYS.iv, seq)),
        })),
        tests,
      },
    ],
  );
}

/** Every vector file, by name in spec/vectors/. */
export const VECTOR_FILES: Readonly<Record<string, () => VectorFile>> = {
  'framing.json': buildFramingVectors,
  'v2-handshake.json': buildHandshakeVectors,
  'v2-public-values.json': buildPublicValueVectors,
  'v2-records.json': buildRecordVectors,
};
