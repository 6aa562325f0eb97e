/**
 * The crypto fuzz target: its properties hold for the real record layer and legacy cipher (the
 * latter checked against the recorded session), and each planted bug is caught.
 */
import { describe, expect, it } from 'vitest';
import { cryptoPlant } from '../../fuzz/plants.js';
import { cryptoProperties, loadRecordedSession } from '../../fuzz/targets/crypto.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

const real = cryptoProperties();

describe('crypto fuzz target', () => {
  it.each(['v2-roundtrip', 'v2-tamper', 'v2-garbage', 'legacy', 'legacy-garbage'])(
    'holds for the real implementation: %s',
    async (name) => {
      await expectHolds(byName(real, name), 200);
    },
  );

  it('finds the recorded legacy session', () => {
    const session = loadRecordedSession();
    expect(session?.frames.length).toBeGreaterThan(10);
    expect(session?.exchanges.length).toBe(2);
  });

  it('catches a reused nonce (equal payloads give equal records; a replay opens)', async () => {
    const broken = cryptoProperties(cryptoPlant('reused-nonce')!);
    await expectCatches(byName(broken, 'v2-roundtrip'), /reused nonce/);
    await expectCatches(byName(broken, 'v2-tamper'), /was accepted/);
  });

  it('catches an opener that ignores the sequence number', async () => {
    const broken = cryptoProperties(cryptoPlant('opener-ignores-sequence')!);
    await expectCatches(byName(broken, 'v2-tamper'), /(replay|swap|drop): .*accepted/, 1000);
  });

  it('catches a header left out of the associated data', async () => {
    const broken = cryptoProperties(cryptoPlant('no-header-aad')!);
    await expectCatches(byName(broken, 'v2-tamper'), /flip: the changed record/, 1000);
  });

  it('catches an opener that does not check the tag', async () => {
    const broken = cryptoProperties(cryptoPlant('skip-tag-check')!);
    await expectCatches(byName(broken, 'v2-tamper'), /was accepted/);
    await expectCatches(byName(broken, 'v2-garbage'), /opened under a random key/);
  });

  it('catches a legacy decoder that throws something other than PACKET_MALFORMED', async () => {
    const broken = cryptoProperties(cryptoPlant('legacy-untyped-error')!);
    await expectCatches(byName(broken, 'legacy-garbage'), /not a ParleyError/);
  });

  it("catches a legacy cipher that is not the recorded session's CFB8", async () => {
    const broken = cryptoProperties(cryptoPlant('legacy-cfb128')!);
    await expectCatches(byName(broken, 'legacy'), /prefix|recorded/);
  });
});
