/**
 * The reference server, in both profiles, passes every case of the suite: no FAILED, no
 * NON-STRICT, and INFORMATIONAL only where the spec leaves the behaviour open (MAY) or the suite
 * was not told a limit; the idle cases run, since the suite is told the server's timers. The
 * SERVER_FULL and slow-reader cases run on servers of their own with small limits. The
 * legacy cases every legacy server fails (the profile is insecure, 8) are expected.
 */
import { describe, expect, it } from 'vitest';
import { LEGACY_INSECURE, problems, resultOf, runCases, startReference, suiteOptions } from './helpers.js';

describe.concurrent('the reference server', () => {
  for (const profile of ['v2', 'legacy'] as const) {
    it(`passes every ${profile} case`, async () => {
      const server = await startReference(profile);
      try {
        const insecure = profile === 'legacy' ? LEGACY_INSECURE : [];
        const expected = insecure.map((id, i) => ({ id, line: i + 1 }));
        const outcome = await runCases(suiteOptions(server.port, profile), [], expected);
        expect(problems(outcome, insecure)).toEqual([]);
        expect(outcome.killedBy).toBeNull();
        expect(outcome.crashes).toEqual([]);
        expect(outcome.exitCode).toBe(0);
        expect(outcome.results.length).toBeGreaterThanOrEqual(profile === 'v2' ? 170 : 70);
      } finally {
        await server.close();
      }
      // The full v2 run includes the output cases, which fill a history and burst a room (v2-output.ts).
    }, 90_000);
  }
});

describe('the reference server offering features (5.8)', () => {
  it('passes the version rule cases, with names of its own and a client that lists them', async () => {
    const server = await startReference('v2', { features: ['test-feature', 'other-feature'] });
    try {
      const ids = ['v2-handshake/5.8/1', 'v2-handshake/5.8/2', 'v2-handshake/5.8/3', 'v2-handshake/5.8/4'];
      const outcome = await runCases(suiteOptions(server.port, 'v2'), ids);
      for (const id of ids) expect(resultOf(outcome, id).verdict, resultOf(outcome, id).actual).toBe('OK');
      expect(resultOf(outcome, 'v2-handshake/5.8/2').notes.join(' ')).toMatch(
        /agreed test-feature, other-feature/,
      );
    } finally {
      await server.close();
    }
  });
});

describe('the reference server with a maxFrame above the largest maxHandshakeFrame', () => {
  for (const profile of ['v2', 'legacy'] as const)
    it(`refuses a long frame before the handshake all the same (${profile})`, async () => {
      const server = await startReference(profile, { limits: { maxFrame: 131_072 } });
      try {
        const options = suiteOptions(server.port, profile, { maxFrame: 131_072 });
        const outcome = await runCases(options, ['framing/3.2/14']);
        const result = resultOf(outcome, 'framing/3.2/14');
        expect(result.verdict, result.actual).toBe('OK');
      } finally {
        await server.close();
      }
    });
});

// One at a time, after the full runs: these move megabytes or fill a server, and the full runs
// judge timers.
describe('the reference server with small limits', () => {
  for (const profile of ['v2', 'legacy'] as const) {
    it(`disconnects a client that stops reading (${profile})`, async () => {
      const server = await startReference(profile, { limits: { maxQueuedBytes: 4096 } });
      try {
        const outcome = await runCases(
          suiteOptions(server.port, profile, { maxQueuedBytes: 4096, timeoutMs: 3000 }),
          ['robustness/11/5'],
        );
        const result = resultOf(outcome, 'robustness/11/5');
        // legacy: the room's replies may all fit the kernel's buffers, so the check cannot decide.
        expect(result.verdict, result.actual).toMatch(profile === 'v2' ? /^OK$/ : /^(OK|INFORMATIONAL)$/);
      } finally {
        await server.close();
      }
    });

    if (profile === 'v2')
      it('completes an honest export, refuses a second in flight, keeps a slow reader in a burst (v2)', async () => {
        // Long idle timers: under load, members busy with megabytes must not be closed as idle.
        const limits = { maxQueuedBytes: 65536, idlePingMs: 60_000, idleTimeoutMs: 90_000 };
        const server = await startReference('v2', { limits });
        try {
          const outcome = await runCases(
            suiteOptions(server.port, 'v2', { maxQueuedBytes: 65536, timeoutMs: 3000 }),
            ['v2-chat/7.7/2', 'v2-chat/7.7/3', 'robustness/11/8'],
          );
          for (const id of ['v2-chat/7.7/2', 'v2-chat/7.7/3', 'robustness/11/8']) {
            const result = resultOf(outcome, id);
            expect(result.verdict, `${id}: ${result.actual}`).toBe('OK');
          }
        } finally {
          await server.close();
        }
      }, 90_000);

    it(`refuses a connection beyond maxClients (${profile})`, async () => {
      const server = await startReference(profile, { limits: { maxClients: 3 } });
      try {
        const outcome = await runCases(
          suiteOptions(server.port, profile, { maxClients: 3, timeoutMs: 3000 }),
          ['robustness/11/4'],
        );
        const result = resultOf(outcome, 'robustness/11/4');
        expect(result.verdict, result.actual).toBe('OK');
      } finally {
        await server.close();
      }
    });

    it(`makes room for newcomers by closing its oldest connection not joined (${profile})`, async () => {
      // A long handshake timeout: the held connections must not time out by themselves meanwhile.
      const limits = { maxClients: 3, handshakeTimeoutMs: 30_000 };
      const server = await startReference(profile, { limits });
      try {
        const outcome = await runCases(suiteOptions(server.port, profile, { ...limits, timeoutMs: 3000 }), [
          'robustness/11/9',
        ]);
        const result = resultOf(outcome, 'robustness/11/9');
        expect(result.verdict, result.actual).toBe('OK');
      } finally {
        await server.close();
      }
    });
  }
});
