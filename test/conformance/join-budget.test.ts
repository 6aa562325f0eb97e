/**
 * The join budget case (7.10; conformance/cases/v2-join-budget.ts): the reference server passes it
 * with the queue limit the case asks for, and it is INFORMATIONAL when the suite is not told the
 * limit. (Its planted faults are in bound-faults.ts, run by broken.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { JOIN_BUDGET_SETTINGS } from './bound-faults.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';

const CASE = 'v2-chat/7.10/3';

describe('the join budget case (7.10)', () => {
  it('passes on the reference server: the newcomer stays and gets the newest lines that fit', async () => {
    const server = await startReference('v2', JOIN_BUDGET_SETTINGS.server);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', JOIN_BUDGET_SETTINGS.options), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict, result.actual).toBe('OK');
      // Some of the lines, not all: the budget was what chose them.
      expect(result.notes.join(' ')).toMatch(/the newcomer got [1-9]\d* of the 24 lines said/);
    } finally {
      await server.close();
    }
  });

  it('is INFORMATIONAL when the suite is not told the queue limit', async () => {
    const server = await startReference('v2', JOIN_BUDGET_SETTINGS.server);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(/maxQueuedBytes is not announced/);
    } finally {
      await server.close();
    }
  });

  it('is INFORMATIONAL when the default backlog of the longest lines fits the queue limit', async () => {
    const server = await startReference('v2');
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', { maxQueuedBytes: 1024 * 1024 }), [
        CASE,
      ]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(/within the queue limit \(1048576\)/);
    } finally {
      await server.close();
    }
  });
});
