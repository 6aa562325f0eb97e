/**
 * What a mute covers (spec 7.18; conformance/cases/v2-mute.ts): the cases pass on the reference
 * server started with the suite's operator (and, for maxMutes, a small `--max-mutes`), and are
 * INFORMATIONAL without the flags they need. (Their planted faults are in key-faults.ts and
 * bound-faults.ts, run by broken.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { MUTE_CAP_SETTINGS } from './bound-faults.js';
import { resultOf, runCases, startReference, suiteOptions } from './helpers.js';
import { GUARDED, GUARDED_SUITE } from './key-faults.js';

const MUTE_CASES = ['v2-chat/7.18/4', 'v2-chat/7.18/5', 'v2-chat/7.18/6'];
const CAP_CASE = 'v2-chat/7.18/7';

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

  it('hold maxMutes on the reference server started with --max-mutes', async () => {
    const server = await startReference('v2', MUTE_CAP_SETTINGS.server);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', MUTE_CAP_SETTINGS.options), [CAP_CASE]);
      expect(resultOf(outcome, CAP_CASE).verdict, resultOf(outcome, CAP_CASE).actual).toBe('OK');
    } finally {
      await server.close();
    }
  });

  it('the maxMutes case is INFORMATIONAL with --op alone', async () => {
    const server = await startReference('v2', GUARDED);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2', GUARDED_SUITE), [CAP_CASE]);
      expect(resultOf(outcome, CAP_CASE).verdict).toBe('INFORMATIONAL');
      expect(resultOf(outcome, CAP_CASE).actual).toMatch(/needs --server-cmd .*--max-mutes/);
    } finally {
      await server.close();
    }
  });

  it('are INFORMATIONAL without --op', async () => {
    const server = await startReference('v2', GUARDED);
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [...MUTE_CASES, CAP_CASE]);
      for (const id of [...MUTE_CASES, CAP_CASE]) {
        expect(resultOf(outcome, id).verdict).toBe('INFORMATIONAL');
        expect(resultOf(outcome, id).actual).toMatch(/needs --server-cmd/);
      }
    } finally {
      await server.close();
    }
  });
});
