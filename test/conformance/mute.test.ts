/**
 * What a mute covers (spec 7.18; conformance/cases/v2-mute.ts): the cases pass on the reference
 * server started with the suite's operator, and are INFORMATIONAL without the flag they need.
 * (Their planted faults are in key-faults.ts, run by broken.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';
import { GUARDED, GUARDED_SUITE } from './key-faults.js';

const MUTE_CASES = ['v2-chat/7.18/4', 'v2-chat/7.18/5', 'v2-chat/7.18/6'];

describe('the mute cases (7.18)', () => {
  it('pass on the reference server started with --op', async () => {
    const server = await startReference('v2', GUARDED);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', GUARDED_SUITE), MUTE_CASES);
      for (const id of MUTE_CASES)
        expect(resultOf(outcome, id).verdict, `${id}: ${resultOf(outcome, id).actual}`).toBe('OK');
    } finally {
      await server.close();
    }
  });

  it('are INFORMATIONAL without --op', async () => {
    const server = await startReference('v2', GUARDED);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), MUTE_CASES);
      for (const id of MUTE_CASES) {
        expect(resultOf(outcome, id).verdict).toBe('INFORMATIONAL');
        expect(resultOf(outcome, id).actual).toMatch(/needs --server-cmd/);
      }
    } finally {
      await server.close();
    }
  });
});
