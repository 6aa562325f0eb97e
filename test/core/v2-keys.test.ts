/**
 * v2 key schedule (spec 5.4): transcriptHash and deriveSessionKeys against node:crypto's own
 * SHA-256 and HKDF (hkdfSync), the path deriveSessionKeys's one-extract, one-block HKDF stands in
 * for. The handshake vectors (v2-handshake.test.ts) check the same keys on the spec's inputs.
 */
import { createHash, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { V2_IV_BYTES, V2_KDF_LABELS, V2_KEY_BYTES } from '../../src/generated/constants.js';
import { toHex } from './helpers.js';

const hkdf = (secret: Uint8Array, th: Uint8Array, label: string, length: number): string =>
  toHex(new Uint8Array(hkdfSync('sha256', secret, th, Buffer.from(label, 'latin1'), length)));

describe('deriveSessionKeys (5.4)', () => {
  it('gives each key and IV that HKDF-SHA256 gives for its label, salt TH', () => {
    const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
    fc.assert(
      fc.property(bytes(1, 256), bytes(32, 32), (secret, th) => {
        const keys = deriveSessionKeys(secret, th);
        expect(toHex(keys.c2s.key)).toBe(hkdf(secret, th, V2_KDF_LABELS.c2sKey, V2_KEY_BYTES));
        expect(toHex(keys.c2s.iv)).toBe(hkdf(secret, th, V2_KDF_LABELS.c2sIv, V2_IV_BYTES));
        expect(toHex(keys.s2c.key)).toBe(hkdf(secret, th, V2_KDF_LABELS.s2cKey, V2_KEY_BYTES));
        expect(toHex(keys.s2c.iv)).toBe(hkdf(secret, th, V2_KDF_LABELS.s2cIv, V2_IV_BYTES));
      }),
      { numRuns: 50 },
    );
  });

  it('gives keys and IVs of the spec sizes that later derivations leave alone', () => {
    const first = deriveSessionKeys(Buffer.alloc(32, 1), Buffer.alloc(32, 2));
    const copy = toHex(Buffer.concat([first.c2s.key, first.c2s.iv, first.s2c.key, first.s2c.iv]));
    deriveSessionKeys(Buffer.alloc(32, 3), Buffer.alloc(32, 4));
    expect([first.c2s.key.length, first.c2s.iv.length]).toEqual([V2_KEY_BYTES, V2_IV_BYTES]);
    expect([first.s2c.key.length, first.s2c.iv.length]).toEqual([V2_KEY_BYTES, V2_IV_BYTES]);
    expect(toHex(Buffer.concat([first.c2s.key, first.c2s.iv, first.s2c.key, first.s2c.iv]))).toBe(copy);
  });
});

describe('transcriptHash (5.4)', () => {
  it('is SHA-256 of the server_hello frame, then the client_hello frame', () => {
    const sh = Buffer.from('12        {"sh":true}');
    const ch = Buffer.from('12        {"ch":true}');
    const expected = createHash('sha256')
      .update(Buffer.concat([sh, ch]))
      .digest('hex');
    expect(toHex(transcriptHash(sh, ch))).toBe(expected);
    expect(toHex(transcriptHash(ch, sh))).not.toBe(expected);
  });
});
