/**
 * The reference server's key pool (reference-server/key-pool.ts): pairs made ahead of time, and
 * pairs the client did not choose offered again (5.1), within the pool's size.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyPairPool } from '../../reference-server/key-pool.js';
import { computeSharedSecret, KeyAgreement } from '../../src/crypto/key-agreement.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

let pool: KeyPairPool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('KeyPairPool', () => {
  it('hands out a different pair each time', () => {
    pool = new KeyPairPool([], { agreement: keyAgreement, size: 4 });
    const shares = new Set(Array.from({ length: 8 }, () => pool!.take('x25519').share.toString('hex')));
    expect(shares.size).toBe(8);
  });

  it("makes pairs that its owner's key agreement agrees for", () => {
    pool = new KeyPairPool(['modp14'], { agreement: keyAgreement, size: 2 });
    const own = pool.take('modp14');
    const peer = new KeyAgreement().generateKeyPair('modp14', randomBytes);
    expect(own.agreement).toBe(keyAgreement);
    expect(computeSharedSecret(own, peer.share).equals(computeSharedSecret(peer, own.share))).toBe(true);
  });

  it('offers a pair given back again, in its own group only', () => {
    pool = new KeyPairPool([], { agreement: keyAgreement, size: 4 });
    const unused = keyAgreement.generateKeyPair('modp14', randomBytes);
    pool.giveBack(unused);
    expect(pool.take('x25519').group).toBe('x25519');
    expect(pool.take('modp14')).toBe(unused);
    expect(pool.take('modp14')).not.toBe(unused); // taken once, gone
  });

  it('keeps no more given-back pairs than its size', () => {
    pool = new KeyPairPool([], { agreement: keyAgreement, size: 2 });
    const pairs = Array.from({ length: 3 }, () => keyAgreement.generateKeyPair('x25519', randomBytes));
    for (const p of pairs) pool.giveBack(p);
    const taken = [pool.take('x25519'), pool.take('x25519'), pool.take('x25519')];
    expect(taken.slice(0, 2)).toEqual(expect.arrayContaining(pairs.slice(0, 2)));
    expect(taken[2]).not.toBe(pairs[2]);
  });

  it('tells its owner each time a worker thread is up (the server then sets its V8 flags again)', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'parley-pool-')), 'worker.mjs');
    writeFileSync(script, 'setTimeout(() => {}, 60000);\n'); // a worker that answers nothing
    let online!: () => void;
    const up = new Promise<void>((resolve) => {
      online = resolve;
    });
    let calls = 0;
    pool = new KeyPairPool(['x25519'], {
      agreement: keyAgreement,
      size: 2,
      workerScript: pathToFileURL(script),
      onWorkerOnline: () => {
        calls++;
        online();
      },
    });
    await up;
    expect(calls).toBe(1);
    expect(pool.take('x25519').group).toBe('x25519'); // nothing came back: made on the spot
  });
});
