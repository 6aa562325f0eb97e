/**
 * The key-encoding case (spec 7.16 Key encoding) against the reference server offering
 * client-key: every bad key refused, the honest member served. Its planted fault is run by
 * broken.test.ts (key-encoding-faults.ts).
 */
import { describe, expect, it } from 'vitest';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';
import { ALL_FEATURES } from './key-faults.js';

const CASE = 'v2-chat/7.16/20';

describe('the key-encoding case (7.16)', () => {
  it('passes on the reference server offering client-key', async () => {
    const server = await startReference('v2', ALL_FEATURES);
    try {
      const result = resultOf(await runCases(suiteOptions(server.port, 'v2'), [CASE]), CASE);
      expect(result.verdict, result.actual).toBe('OK');
    } finally {
      await server.close();
    }
  });

  it('is INFORMATIONAL on a server that does not offer client-key', async () => {
    const server = await startReference('v2', { features: ['nick'] });
    try {
      const result = resultOf(await runCases(suiteOptions(server.port, 'v2'), [CASE]), CASE);
      expect(result.verdict).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(/does not offer client-key/);
    } finally {
      await server.close();
    }
  });
});
