/**
 * Key agreement (spec 5.2, 5.3, legacy 8.4): spec/vectors/v2-public-values.json, with the modp14
 * results checked against an independent BigInt computation, and the legacy decimal exchange.
 */
import { describe, expect, it } from 'vitest';
import {
  bigintFromBytes,
  bytesFromBigint,
  computeSharedSecret,
  isValidModp14Share,
  KeyAgreement,
  padStart,
} from '../../src/crypto/key-agreement.js';
import { V2_GROUP_INFO, type V2Group } from '../../src/generated/constants.js';
import { RFC7748, scriptedRandom, type VectorGroup, type VectorTest } from '../../tools/vector-builder.js';
import { modPow, MODP14_P as P } from '../support/modp14.js';
import { codeOf, fromHex, messageOf, readVectorFile, toHex, vectorCases } from './helpers.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

interface PvGroup extends VectorGroup {
  readonly group: V2Group;
  readonly privateKey: string;
  readonly publicKey: string;
}
interface PvTest extends VectorTest {
  readonly share: string;
  readonly sharedSecret?: string;
  readonly code?: string;
}

const file = readVectorFile('v2-public-values.json');
const cases = vectorCases<PvGroup, PvTest>(file);

describe('v2 public value vectors', () => {
  it('cover the cases the spec names', () => {
    const comments = cases.map((c) => `${c.group.group}: ${c.test.comment}`);
    for (const needle of [
      'modp14: y = 0',
      'modp14: y = 1',
      'modp14: y = 2',
      'modp14: y = p - 2',
      'modp14: y = p - 1',
    ]) {
      expect(comments.some((c) => c.startsWith(needle))).toBe(true);
    }
    expect(cases.filter((c) => c.test.flags.includes('WrongLength')).length).toBeGreaterThanOrEqual(6);
    expect(cases.filter((c) => c.test.flags.includes('LowOrder')).length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('$label', ({ group, test }) => {
    const own = keyAgreement.keyPairFromPrivate(group.group, fromHex(group.privateKey));
    expect(toHex(own.share)).toBe(group.publicKey);
    const share = fromHex(test.share);
    if (test.result === 'invalid') {
      expect(codeOf(() => computeSharedSecret(own, share))).toBe(test.code);
      return;
    }
    if (test.result === 'acceptable' && test.flags.includes('OutsideSubgroup')) {
      // Either outcome conforms (5.3); a refusal must carry the spec's code.
      const code = codeOf(() => computeSharedSecret(own, share));
      if (code !== null) {
        expect(code).toBe('PUBLIC_VALUE_INVALID');
        return;
      }
    }
    const secret = computeSharedSecret(own, share);
    expect(toHex(secret)).toBe(test.sharedSecret);
    expect(secret.length).toBe(group.group === 'x25519' ? 32 : 256);
    if (group.group === 'modp14') {
      // Independent check: Z = y^x mod p, 256 bytes big-endian.
      const z = modPow(bigintFromBytes(share), bigintFromBytes(own.privateKey), P);
      expect(toHex(padStart(bytesFromBigint(z), 256))).toBe(test.sharedSecret);
    }
  });

  it('agree with RFC 7748 section 6.1', () => {
    const x = file.testGroups.find((g) => g.group === 'x25519') as PvGroup;
    expect(x.privateKey).toBe(RFC7748.alicePrivate);
    expect(x.publicKey).toBe(RFC7748.alicePublic);
    const rfc = x.tests.find((t) => (t as PvTest).share === RFC7748.bobPublic) as PvTest;
    expect(rfc.sharedSecret).toBe(RFC7748.shared);
  });

  it('give a modp14 public key equal to 2^x mod p', () => {
    const m = file.testGroups.find((g) => g.group === 'modp14') as PvGroup;
    const y = modPow(2n, bigintFromBytes(fromHex(m.privateKey)), P);
    expect(bigintFromBytes(fromHex(m.publicKey))).toBe(y);
  });
});

describe('key pairs', () => {
  it('draw exactly 32 bytes from the RandomSource', () => {
    for (const group of ['x25519', 'modp14'] as const) {
      const random = scriptedRandom([Buffer.alloc(32, 5)]);
      const kp = keyAgreement.generateKeyPair(group, random);
      expect(random.remaining()).toBe(0);
      expect(kp.privateKey.equals(Buffer.alloc(32, 5))).toBe(true);
      expect(kp.share.length).toBe(V2_GROUP_INFO[group].shareBytes);
    }
  });

  it('agree on the secret from both sides', () => {
    for (const group of ['x25519', 'modp14'] as const) {
      const a = keyAgreement.keyPairFromPrivate(group, Buffer.alloc(32, 1));
      const b = keyAgreement.keyPairFromPrivate(group, Buffer.alloc(32, 2));
      expect(computeSharedSecret(a, b.share).equals(computeSharedSecret(b, a.share))).toBe(true);
    }
  });

  it('agree when a pair comes without the imported x25519 key (rebuilt from its bytes alone)', () => {
    const a = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 1));
    const b = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 2));
    const bare = { group: a.group, privateKey: a.privateKey, share: a.share, agreement: keyAgreement };
    expect(toHex(computeSharedSecret(bare, b.share))).toBe(toHex(computeSharedSecret(b, a.share)));
  });

  it('left-pads a modp14 share with a short public value to 256 bytes', () => {
    // 2^1 mod p = 2: the share of the private exponent 1 is the smallest possible.
    const kp = keyAgreement.keyPairFromPrivate('modp14', padStart(Buffer.from([1]), 32));
    expect(kp.share.length).toBe(256);
    expect(bigintFromBytes(kp.share)).toBe(2n);
  });

  it('come out the same after prepare made the engines ahead of time (checked against modPow)', () => {
    const prepared = new KeyAgreement().prepare(['x25519', 'modp14']).prepare(['modp14']);
    const kp = prepared.keyPairFromPrivate('modp14', Buffer.alloc(32, 3));
    expect(bigintFromBytes(kp.share)).toBe(modPow(2n, bigintFromBytes(Buffer.alloc(32, 3)), P));
  });

  it('refuses private keys that are not 32 bytes', () => {
    expect(() => keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(31))).toThrow(RangeError);
    expect(() => keyAgreement.keyPairFromPrivate('modp14', Buffer.alloc(33))).toThrow(RangeError);
  });
});

describe('refusals say what was wrong', () => {
  const x = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 1));
  const m = keyAgreement.keyPairFromPrivate('modp14', Buffer.alloc(32, 1));

  it('names the size a share or a private key must have', () => {
    expect(messageOf(() => computeSharedSecret(x, Buffer.alloc(31, 9)))).toBe(
      'x25519 share must be 32 bytes, got 31',
    );
    expect(messageOf(() => computeSharedSecret(m, Buffer.alloc(32, 9)))).toBe(
      'modp14 share must be 256 bytes, got 32',
    );
    expect(messageOf(() => keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(31)))).toMatch(/32 bytes/);
  });

  it('names the rule a public value breaks', () => {
    expect(messageOf(() => computeSharedSecret(x, Buffer.alloc(32)))).toMatch(/all-zero secret/);
    expect(messageOf(() => computeSharedSecret(m, padStart(Buffer.from([1]), 256)))).toMatch(
      /outside 2\.\.p-2/,
    );
    expect(messageOf(() => keyAgreement.legacySharedSecret(m.privateKey, '1'))).toMatch(/outside 2\.\.p-2/);
    expect(messageOf(() => keyAgreement.legacySharedSecret(m.privateKey, '0x10'))).toMatch(
      /not a decimal number/,
    );
  });
});

describe('modp14 range rule (5.2)', () => {
  it('allows exactly 2..p-2', () => {
    expect([0n, 1n, 2n, P - 2n, P - 1n, P].map(isValidModp14Share)).toEqual([
      false,
      false,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('byte helpers', () => {
  it('convert between big-endian bytes and bigints', () => {
    expect(bigintFromBytes(Buffer.alloc(0))).toBe(0n);
    expect(bigintFromBytes(Buffer.from([1, 0]))).toBe(256n);
    expect(toHex(bytesFromBigint(0x1234n))).toBe('1234');
    expect(toHex(bytesFromBigint(0xabcn))).toBe('0abc');
    expect(toHex(padStart(Buffer.from([1]), 3))).toBe('000001');
    expect(toHex(padStart(Buffer.from([1, 2, 3]), 2))).toBe('010203');
  });
});

describe('legacy exchange (8.4)', () => {
  const a = Buffer.alloc(32, 3);
  const b = Buffer.alloc(32, 4);

  it('gives both sides the same unpadded Z from decimal public values', () => {
    const za = keyAgreement.legacySharedSecret(a, keyAgreement.legacyPublicDecimal(b));
    const zb = keyAgreement.legacySharedSecret(b, keyAgreement.legacyPublicDecimal(a));
    expect(za).toBe(zb);
    expect(za).toBe(modPow(modPow(2n, bigintFromBytes(a), P), bigintFromBytes(b), P));
  });

  it('writes public values in decimal without leading zeros', () => {
    const y = keyAgreement.legacyPublicDecimal(a);
    expect(y).toMatch(/^[1-9][0-9]*$/);
    expect(BigInt(y)).toBe(modPow(2n, bigintFromBytes(a), P));
  });

  it.each([
    ['an empty string', ''],
    ['a sign', '-5'],
    ['hex', '0x10'],
    ['spaces', ' 12'],
    ['a decimal point', '1.5'],
    ['too many digits', '1'.repeat(701)],
    ['0', '0'],
    ['1', '1'],
    ['p - 1', (P - 1n).toString()],
    ['p', P.toString()],
  ])('refuses %s with PUBLIC_VALUE_INVALID', (_label, value) => {
    expect(codeOf(() => keyAgreement.legacySharedSecret(a, value))).toBe('PUBLIC_VALUE_INVALID');
  });

  it('accepts 2 and either accepts p - 2 or refuses it as PUBLIC_VALUE_INVALID (outside the subgroup)', () => {
    expect(keyAgreement.legacySharedSecret(a, '2')).toBe(modPow(2n, bigintFromBytes(a), P));
    expect([null, 'PUBLIC_VALUE_INVALID']).toContain(
      codeOf(() => keyAgreement.legacySharedSecret(a, (P - 2n).toString())),
    );
  });
});
