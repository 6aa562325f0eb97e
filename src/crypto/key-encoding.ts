/**
 * Which 32-byte strings a client may use as its Ed25519 key (spec 7.16): the canonical encoding
 * of a point that is not of small order.
 *
 * How this works: RFC 8032 5.1.2 encodes a point as its y coordinate, 255 bits little-endian, with
 * the sign of x in the top bit. node:crypto (OpenSSL) decodes more than RFC 8032 5.1.3 allows (a
 * y >= p is taken mod p, an x = 0 with the sign bit set is taken as x = 0), so one point has several
 * encodings, hence several fingerprints; and it accepts the eight points of small order, for which
 * the signature R = identity, S = 0 (among others) verifies without any secret. Neither check
 * needs curve arithmetic: canonical is a comparison of y with p (and of the sign bit when x = 0,
 * which happens exactly for y = 1 and y = p - 1); small order is a comparison with the list of the
 * small-order encodings. Whether the bytes are a point at all, and whether the signature holds
 * (S < L included), stays node:crypto's call (identity.ts).
 */

/** p = 2^255 - 19, little-endian, the field prime of edwards25519. */
const P = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex');

/**
 * Every encoding of a point of order 1, 2, 4 or 8: the eight points (canonical) and their six
 * non-canonical aliases (y >= p, or x = 0 with the sign bit set). The list is the one published
 * with the C2SP/CCTV Ed25519 vectors ("Low-order edwards25519 point encodings", ed25519/README.md
 * in github.com/C2SP/CCTV); test/core/key-encoding.test.ts checks that each is a point whose
 * eighth multiple is the identity, and that the eight are distinct, so none is missing.
 */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', //   y = p alias
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', //   y = p alias
  '0100000000000000000000000000000000000000000000000000000000000000', // order 1 (identity)
  '0100000000000000000000000000000000000000000000000000000000000080', //   x = -0 alias
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', //   y = p + 1 alias
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', //   x = -0, y = p + 1 alias
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', //   x = -0 alias
];

const SMALL_ORDER = new Set(SMALL_ORDER_ENCODINGS);

/** Compares the 255-bit y of `key` (sign bit cleared) with p, from the most significant byte. */
function compareYWithP(key: Uint8Array): number {
  for (let i = 31; i >= 0; i--) {
    const byte = i === 31 ? key[i] & 0x7f : key[i];
    if (byte !== P[i]) return byte - P[i];
  }
  return 0;
}

/** x = 0 exactly when y = 1 or y = p - 1 (x^2 = (y^2 - 1) / (d y^2 + 1)); then the sign bit must be 0. */
function isNegativeZeroX(key: Uint8Array): boolean {
  if ((key[31] & 0x80) === 0) return false;
  const y = Buffer.from(key);
  y[31] &= 0x7f;
  const one = Buffer.alloc(32);
  one[0] = 1;
  const pMinusOne = Buffer.from(P);
  pMinusOne[0] -= 1;
  return y.equals(one) || y.equals(pMinusOne);
}

/** RFC 8032 5.1.3: y < p, and no x = 0 with the sign bit set. Only for 32-byte keys. */
export function isCanonicalEncoding(key: Uint8Array): boolean {
  return key.length === 32 && compareYWithP(key) < 0 && !isNegativeZeroX(key);
}

/**
 * One of the eight points of small order, under any of its encodings. The list holds 32-byte
 * encodings only, so a key of another size is never in it (no length check needed).
 */
export function isSmallOrderEncoding(key: Uint8Array): boolean {
  return SMALL_ORDER.has(Buffer.from(key).toString('hex'));
}

/**
 * Why `key` cannot be a client key (7.16), or null when its encoding is acceptable: one point,
 * one encoding, so one fingerprint per key; and no key whose proof anyone can forge. A key that
 * passes may still be no point at all; signature verification refuses that.
 */
export function clientKeyProblem(key: Uint8Array): string | null {
  if (key.length !== 32) return `the key is ${key.length} bytes, not 32`;
  if (!isCanonicalEncoding(key)) return 'the key is not the canonical encoding of a point (RFC 8032 5.1.3)';
  if (isSmallOrderEncoding(key)) return 'the key is a point of small order: anyone could prove it';
  return null;
}
