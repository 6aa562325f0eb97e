/**
 * A server with per-address limits (11) turns away the suite's connections, which all come from
 * one address: the cases it spoils say so and are INFORMATIONAL, never FAILED, and name the
 * limits to raise (5.10: the v2 `refused` record carries the code).
 */
import { describe, expect, it } from 'vitest';
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
});
