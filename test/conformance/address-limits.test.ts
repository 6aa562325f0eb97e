/**
 * A server with per-address limits (11) turns away the suite's connections, which all come from
 * one address: the cases it spoils say so and are INFORMATIONAL, never FAILED or CRASHED, and
 * name the limits to raise. v2 says why in the `refused` record (5.10); a legacy server closes at
 * accept without a word, so the suite tells a refusal from a crash by asking again after a pause.
 */
import { describe, expect, it } from 'vitest';
import type { Case } from '../../conformance/case.js';
import { runSuite } from '../../conformance/runner.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';

describe('a server whose per-address limits the suite exceeds', () => {
  it('gets INFORMATIONAL naming the limit, not FAILED', async () => {
    const server = await startReference('v2', { limits: { maxPerAddress: 2, addressHandshakeBurst: 2 } });
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', { timeoutMs: 3000 }), ['v2-chat/7.6/2']);
      const result = resultOf(outcome, 'v2-chat/7.6/2');
      expect(result.verdict, result.actual).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(
        /(TOO_MANY_FROM_ADDRESS|ADDRESS_RATE_LIMITED).*per-address limits raised/,
      );
    } finally {
      await server.close();
    }
  });

  it('legacy: a connection closed at accept without a word, the server alive after a pause, is INFORMATIONAL', async () => {
    const server = await startReference('legacy', { limits: { maxPerAddress: 2, addressHandshakeBurst: 2 } });
    try {
      const outcome = await runCases(suiteOptions(server.port, 'legacy', { timeoutMs: 3000 }), [
        'legacy-chat/10.3/1',
      ]);
      const result = resultOf(outcome, 'legacy-chat/10.3/1');
      expect(result.verdict, result.actual).toBe('INFORMATIONAL');
      expect(result.actual).toMatch(
        /closed 1 of the suite's connections at accept.*per-address limits raised/,
      );
      expect(outcome.crashes).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('legacy: a liveness probe closed at accept by the address bucket is not a crash', async () => {
    // Three connections empty a bucket of three that refills at one every two seconds.
    const server = await startReference('legacy', {
      limits: { addressHandshakeBurst: 3, addressHandshakesPerSecond: 0.5 },
    });
    const bucket: Case = {
      id: 'legacy-chat/11/99',
      section: '11',
      profile: 'legacy',
      level: 'MUST',
      description: "uses up the address's connection bucket",
      specText: 'test',
      covers: [],
      accepts: ['the server opening on each'],
      async run(ctx) {
        for (let i = 0; i < 3; i++) await (await ctx.legacyConnect()).readHandshake();
      },
    };
    try {
      const outcome = await runSuite([bucket], suiteOptions(server.port, 'legacy'), {
        strict: false,
        expected: [],
      });
      expect(outcome.killedBy).toBeNull();
      const result = outcome.results[0];
      expect(result.verdict, result.actual).toBe('OK');
      expect(result.notes.join(' ')).toMatch(
        /liveness probe after the case was closed at accept.*not a crash/,
      );
    } finally {
      await server.close();
    }
  });
});
