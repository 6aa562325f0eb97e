/**
 * The legacy profile against a stand-in for the original pyChat server (original-pychat.ts): the
 * whole suite finishes without hanging, and reports the original's documented defects as FAILED
 * or NON-STRICT, each with a reason a reader can act on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesFor } from '../../conformance/cases/index.js';
import type { RunOutcome } from '../../conformance/runner.js';
import { resultOf, runCases, suiteOptions } from './helpers.js';
import { type RunningOriginal, startOriginal } from './original-pychat.js';

describe('the original pyChat server (stand-in)', () => {
  let server: RunningOriginal;
  let outcome: RunOutcome;

  beforeAll(async () => {
    server = await startOriginal({ handshakeGapMs: 5, listDelayMs: 20 });
    outcome = await runCases(suiteOptions(server.port, 'legacy', { timeoutMs: 400 }));
  }, 60_000);

  afterAll(() => server?.close());

  it('gets through every legacy case without hanging, and the run fails', () => {
    expect(outcome.results.map((r) => r.case.id).sort()).toEqual(
      casesFor('legacy')
        .map((c) => c.id)
        .sort(),
    );
    expect(outcome.exitCode).toBe(1);
    for (const r of outcome.results.filter((x) => x.verdict !== 'OK'))
      expect(r.actual.length, r.case.id).toBeGreaterThan(15);
  });

  it('is not killed by the pre-flight, the probes or any clean-up, only by the case that leaves early', () => {
    // Every case before it ran (the probes between them read the whole opening), and it is the
    // first case whose client leaves before key_exc.
    expect(outcome.killedBy).toBe('robustness/4/1');
    const killer = resultOf(outcome, 'robustness/4/1');
    expect(killer.verdict).toBe('CRASHED');
    expect(killer.actual).toMatch(
      /^the server stopped accepting connections after a client \(early\) closed its connection before the server had sent iv_exc|^the server stopped accepting connections after a client \(early\) closed its connection during the handshake, after iv_exc and before key_exc/,
    );
    expect(resultOf(outcome, 'robustness/4/2').actual).toMatch(
      /^not run: the server stopped answering after case robustness\/4\/1/,
    );
  });

  it.each([
    ['legacy-chat/10.3/2', 'FAILED', /trusts the username field/],
    ['legacy-chat/10.3/3', 'FAILED', /address is forwarded/],
    ['legacy-chat/8.4/1', 'NON-STRICT', /under SHA-256\("None"\) before the key exchange ended/],
    ['framing/3.2/12', 'FAILED', /sent in one segment/],
    ['legacy-chat/9.1/1', 'FAILED', /in plaintext/],
    ['legacy-handshake/8.1/2', 'NON-STRICT', /keystream repeats/],
    ['legacy-handshake/8.3/2', 'FAILED', /accepted the public value y = 1/],
    ['legacy-handshake/10.1/2', 'NON-STRICT', /iv_exc 189/],
    ['legacy-chat/10.2/3', 'FAILED', /"\*server\*" was accepted/],
    ['framing/3.2/2', 'FAILED', /stays open after a header with leading spaces/],
    ['legacy-handshake/11/1', 'FAILED', /stays open/],
    ['legacy-handshake/8/1', 'FAILED', /unauthenticated key exchange/],
    ['legacy-chat/10.5/1', 'FAILED', /log lost its header line|export went unanswered/],
  ])('reports %s as %s', (id, verdict, reason) => {
    const result = resultOf(outcome, id);
    expect(result.verdict).toBe(verdict);
    expect(result.actual).toMatch(reason);
  });

  it('still passes what the original does right: joins, fan-out, leave notices, export', () => {
    for (const id of ['sanity/1', 'legacy-chat/10.2/1', 'legacy-chat/10.3/1', 'legacy-chat/10.4/1']) {
      expect(resultOf(outcome, id).verdict, `${id}: ${resultOf(outcome, id).actual}`).toBe('OK');
    }
  });
});
