/**
 * The reference server passes the refusals case (11.4) at the settings the case needs (told to
 * the suite, as --server-cmd's placeholders would); the plants that fail it, one that gives a
 * refused connection its token back and one that writes a record for every refusal past the
 * bucket, are in admission-faults.ts.
 */
import { describe, expect, it } from 'vitest';
import { REFUSAL_SETTINGS } from './admission-faults.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';

const CASE = 'robustness/11.4/1';

describe('refusals count (11.4)', () => {
  it('the reference server tells a storm of reopens once, then closes them without a record, then serves again', async () => {
    const server = await startReference('v2', REFUSAL_SETTINGS.server);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', REFUSAL_SETTINGS.options), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict, result.actual).toBe('OK');
      // Two held connections leave two tokens: two refusals take them, one is told, the rest close.
      expect(result.notes.join(' ')).toMatch(
        /16 reopens: [23] TOO_MANY_FROM_ADDRESS, [12] ADDRESS_RATE_LIMITED, 1[0-3] close/,
      );
    } finally {
      await server.close();
    }
  }, 30_000);

  it('is not checked (INFORMATIONAL) when the suite is not told the address settings', async () => {
    const server = await startReference('v2');
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(/maxPerAddress is unknown/);
    } finally {
      await server.close();
    }
  });
});
