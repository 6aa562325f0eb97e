/**
 * The reference server's key pool (reference-server/key-pool.ts): pairs made ahead of time, and
 * pairs the client did not choose offered again (5.1), within the pool's size.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyPairPool } from '../../reference-server/key-pool.js';
import { generateKeyPair } from '../../src/crypto/key-agreement.js';

let pool: KeyPairPool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('KeyPairPool', () => {
  it('hands out a different pair each time', () => {
    pool = new KeyPairPool([], 4);
    const shares = new Set(Array.from({ length: 8 }, () => pool!.take('x25519').share.toString('hex')));
    expect(shares.size).toBe(8);
  });

  it('offers a pair given back again, in its own group only', () => {
    pool = new KeyPairPool([], 4);
    const unused = generateKeyPair('modp14', randomBytes);
    pool.giveBack(unused);
    expect(pool.take('x25519').group).toBe('x25519');
    expect(pool.take('modp14')).toBe(unused);
    expect(pool.take('modp14')).not.toBe(unused); // taken once, gone
  });

  it('keeps no more given-back pairs than its size', () => {
    pool = new KeyPairPool([], 2);
    const pairs = Array.from({ length: 3 }, () => generateKeyPair('x25519', randomBytes));
    for (const p of pairs) pool.giveBack(p);
    const taken = [pool.take('x25519'), pool.take('x25519'), pool.take('x25519')];
    expect(taken.slice(0, 2)).toEqual(expect.arrayContaining(pairs.slice(0, 2)));
    expect(taken[2]).not.toBe(pairs[2]);
  });
});
