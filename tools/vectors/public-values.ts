/**
 * v2-public-values.json (spec 5.2, 5.3): peer shares for x25519 and modp14, valid, acceptable and
 * invalid, with the shared secret or the error a receiver reports.
 */
import {
  bigintFromBytes,
  bytesFromBigint,
  computeSharedSecret,
  KeyAgreement,
  type KeyPair,
  padStart,
} from '../../src/crypto/key-agreement.js';
import { V2_GROUP_INFO } from '../../src/generated/constants.js';
import { type DraftTest, fixedBytes, hex, type VectorFile, type VectorResult, vectorFile } from './format.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

/** RFC 7748 section 6.1. */
export const RFC7748 = {
  alicePrivate: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePublic: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPublic: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
} as const;

const MODP14_P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);

function publicValueTest(
  own: KeyPair,
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
  const x = keyAgreement.keyPairFromPrivate('x25519', Buffer.from(RFC7748.alicePrivate, 'hex'));
  if (hex(x.share) !== RFC7748.alicePublic) throw new Error('x25519 public key differs from RFC 7748');
  const bob = Buffer.from(RFC7748.bobPublic, 'hex');
  const bobHighBit = Buffer.from(bob);
  bobHighBit[31] |= 0x80;
  const peer = keyAgreement.keyPairFromPrivate('x25519', fixedBytes('x25519 peer private', 32)).share;
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

  const m = keyAgreement.keyPairFromPrivate('modp14', fixedBytes('modp14 private', 32));
  const share = (y: bigint) => padStart(bytesFromBigint(y), 256);
  const peerM = keyAgreement.keyPairFromPrivate('modp14', fixedBytes('modp14 peer private', 32)).share;
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
