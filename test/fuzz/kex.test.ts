/**
 * The key exchange fuzz target: its properties hold for the real primitives and connections, its
 * validity oracle agrees with the spec's examples, and each planted bug is caught.
 */
import { describe, expect, it } from 'vitest';
import { kexPlant } from '../../fuzz/plants.js';
import {
  kexProperties,
  legacyValueIsValid,
  MODP14_P,
  mayBeRefused,
  shareIsValid,
} from '../../fuzz/targets/kex.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

const real = kexProperties();

describe('kex fuzz target', () => {
  it('knows which range-valid modp14 values lie outside the prime-order subgroup', () => {
    expect(mayBeRefused(2n)).toBe(false); // g itself
    expect(mayBeRefused(4n)).toBe(false); // a square
    expect(mayBeRefused(MODP14_P - 2n)).toBe(true); // -2: -1 and 2 are a non-residue and a residue
    expect(mayBeRefused(MODP14_P - 1n)).toBe(false); // out of range: plainly invalid, not "may"
  });

  it.each(['agree', 'invalid-share', 'transcript'])('holds for the real primitives: %s', async (name) => {
    await expectHolds(byName(real, name), 100);
  });

  it('holds for the real handshake, untouched, tampered and under a MITM', async () => {
    await expectHolds(byName(real, 'handshake'), 150);
  });

  it("holds for a client's proof of its key: honest, a bit flipped, over another transcript (7.16)", async () => {
    await expectHolds(byName(real, 'client-auth'), 60);
  });

  it('judges shares as the spec says', () => {
    const modp = (y: bigint) => Buffer.from(y.toString(16).padStart(512, '0'), 'hex');
    expect(shareIsValid('modp14', modp(1n))).toBe(false);
    expect(shareIsValid('modp14', modp(2n))).toBe(true);
    expect(shareIsValid('modp14', modp(MODP14_P - 2n))).toBe(true);
    expect(shareIsValid('modp14', modp(MODP14_P - 1n))).toBe(false);
    expect(shareIsValid('x25519', Buffer.alloc(32))).toBe(false);
    expect(shareIsValid('x25519', Buffer.from(`09${'00'.repeat(31)}`, 'hex'))).toBe(true);
    expect(shareIsValid('x25519', Buffer.alloc(31, 9))).toBe(false);
    expect(legacyValueIsValid('+5')).toBe(false);
    expect(legacyValueIsValid('5')).toBe(true);
  });

  it('catches a skipped public value check', async () => {
    const broken = kexProperties(kexPlant('skip-public-value-check')!);
    await expectCatches(byName(broken, 'invalid-share'), /was accepted/);
  });

  it('catches keys that are the same in both directions', async () => {
    const broken = kexProperties(kexPlant('same-key-both-directions')!);
    await expectCatches(byName(broken, 'agree'), /c2s and s2c share a key/);
  });

  it('catches a client that does not check the pinned fingerprint (MITM with its own identity)', async () => {
    const broken = kexProperties(kexPlant('skip-fingerprint-check')!);
    await expectCatches(byName(broken, 'handshake'), /authenticated the server after a .*mitm-identity/, 500);
  });

  it('catches a transcript that leaves out the client hello', async () => {
    const broken = kexProperties(kexPlant('transcript-omits-client-hello')!);
    await expectCatches(byName(broken, 'transcript'), /client hello .* unchanged/);
  });
});
