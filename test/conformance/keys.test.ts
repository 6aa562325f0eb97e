/**
 * The client-key cases (spec 7.16) against the reference server offering client-key, and the
 * cases that need server flags (7.17, 7.18) INFORMATIONAL without them.
 */
import { describe, expect, it } from 'vitest';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';
import { ALL_FEATURES, GUARDED, GUARDED_SUITE } from './key-faults.js';

const PROOF_CASES = [
  'v2-chat/7.16/1',
  'v2-chat/7.16/2',
  'v2-chat/7.16/3',
  'v2-chat/7.16/4',
  'v2-chat/7.16/5',
  'v2-chat/7.16/6',
  'v2-chat/7.18/1',
];
const FLAG_CASES = ['v2-chat/7.17/1', 'v2-chat/7.18/2', 'v2-chat/7.18/3'];

describe('the client-key cases (7.16-7.18)', () => {
  it('pass on the reference server offering client-key', async () => {
    const server = await startReference('v2', ALL_FEATURES);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), PROOF_CASES);
      for (const id of PROOF_CASES)
        expect(resultOf(outcome, id).verdict, `${id}: ${resultOf(outcome, id).actual}`).toBe('OK');
    } finally {
      await server.close();
    }
  });

  it('with the flags they need (--op, --reserve-names), pass on the reference server started with them', async () => {
    const server = await startReference('v2', GUARDED);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', GUARDED_SUITE), FLAG_CASES);
      for (const id of FLAG_CASES)
        expect(resultOf(outcome, id).verdict, `${id}: ${resultOf(outcome, id).actual}`).toBe('OK');
    } finally {
      await server.close();
    }
  });

  it('are INFORMATIONAL on a server that does not offer client-key, or without the flags they need', async () => {
    const server = await startReference('v2', { features: ['nick'] });
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [...PROOF_CASES, ...FLAG_CASES]);
      for (const id of PROOF_CASES) {
        expect(resultOf(outcome, id).verdict).toBe('INFORMATIONAL');
        expect(resultOf(outcome, id).actual).toMatch(/does not offer client-key/);
      }
      for (const id of FLAG_CASES) {
        expect(resultOf(outcome, id).verdict).toBe('INFORMATIONAL');
        expect(resultOf(outcome, id).actual).toMatch(/needs --server-cmd/);
      }
    } finally {
      await server.close();
    }
  });
});
