/**
 * The reference server, in both profiles, passes every case of the suite: no FAILED, no
 * NON-STRICT, and INFORMATIONAL only where the spec leaves the behaviour open (MAY); the idle
 * cases run, since the suite is told the server's timers.
 */
import { describe, expect, it } from 'vitest';
import { problems, runCases, startReference, suiteOptions } from './helpers.js';

describe.concurrent('the reference server', () => {
  for (const profile of ['v2', 'legacy'] as const) {
    it(`passes every ${profile} case`, async () => {
      const server = await startReference(profile);
      try {
        const outcome = await runCases(suiteOptions(server.port, profile));
        expect(problems(outcome)).toEqual([]);
        expect(outcome.killedBy).toBeNull();
        expect(outcome.exitCode).toBe(0);
        expect(outcome.results.length).toBeGreaterThan(50);
      } finally {
        await server.close();
      }
    });
  }
});
