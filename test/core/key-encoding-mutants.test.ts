/**
 * The key-encoding checks (spec 7.16) on keys that are not 32 bytes: each check answers for its
 * own input, not only behind clientKeyProblem's length check (identity.ts and the conformance
 * suite call them directly).
 */
import { describe, expect, it } from 'vitest';
import {
  clientKeyProblem,
  isCanonicalEncoding,
  isSmallOrderEncoding,
} from '../../src/crypto/key-encoding.js';

describe('key encoding checks on keys of the wrong size', () => {
  it('takes no key shorter or longer than 32 bytes as canonical or small-order', () => {
    for (const length of [0, 1, 31, 33, 64]) {
      for (const fill of [0, 1]) {
        const key = Buffer.alloc(length, fill);
        expect(isCanonicalEncoding(key), `${length} x ${fill}`).toBe(false);
        expect(isSmallOrderEncoding(key), `${length} x ${fill}`).toBe(false);
      }
    }
    // The identity point's encoding with one byte more or less is not the identity point.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    expect(isSmallOrderEncoding(identity)).toBe(true);
    expect(isSmallOrderEncoding(identity.subarray(0, 31))).toBe(false);
    expect(clientKeyProblem(identity.subarray(0, 31))).toBe('the key is 31 bytes, not 32');
  });
});
