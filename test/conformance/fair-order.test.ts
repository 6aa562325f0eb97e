/**
 * The reference server passes the fair order case (11.3) when its idle timers leave the case's
 * silent readers alone (the suite's self-tests otherwise run with 200 ms pings, under which the
 * case is INFORMATIONAL); the FIFO plant that fails it is in fair-faults.ts.
 */
import { describe, expect, it } from 'vitest';
import { LONG_IDLE } from './fair-faults.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';

const CASE = 'robustness/11.3/1';

describe('fair order (11.3)', () => {
  it('the reference server sends an honest line said in a flood before the backlog', async () => {
    const server = await startReference('v2', { limits: LONG_IDLE });
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', LONG_IDLE), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict, result.actual).toBe('OK');
      expect(result.notes.join(' ')).toMatch(/came before it and [1-9]\d* after it/);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('is not checked (INFORMATIONAL) when the server pings idle connections within 30 s', async () => {
    const server = await startReference('v2');
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [CASE]);
      const result = resultOf(outcome, CASE);
      expect(result.verdict).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(/pings idle connections within 200 ms/);
    } finally {
      await server.close();
    }
  });
});
