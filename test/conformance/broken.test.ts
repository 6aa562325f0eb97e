/**
 * Every deliberately broken server is caught by the case meant for it, with a reason; and a server
 * that dies mid-run is named in the report without the run hanging.
 */
import { describe, expect, it } from 'vitest';
import { FAULTS, type Fault, servedFeatures, startFragile } from './broken-servers.js';
import { resultOf, runCases, suiteOptions } from './helpers.js';

/** The features the reference server offers (5.8): a fault in one it does not serve has nothing to break. */
const SERVED: readonly string[] = servedFeatures();

/** Runs the case meant to catch `fault` against a server with it: FAILED (or CRASHED). */
async function catches(fault: Fault): Promise<void> {
  const server = await fault.start();
  try {
    // The shutdown case (7.9) stops the server as --server-cmd would, here by closing it in-process.
    const stopServer = async () => void server.close();
    const options = suiteOptions(server.port, fault.profile, { stopServer, ...fault.options });
    const outcome = await runCases(options, [fault.caughtBy]);
    const result = resultOf(outcome, fault.caughtBy);
    // A fault that kills the server is caught as CRASHED.
    expect(result.verdict, `${fault.fault}: ${result.actual}`).toMatch(/^(FAILED|CRASHED)$/);
    expect(result.actual.length).toBeGreaterThan(10);
    expect(outcome.exitCode).toBe(1);
  } finally {
    await server.close();
  }
}

describe.concurrent('broken servers', () => {
  it('are at least twelve distinct faults across both profiles', () => {
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
    expect(FAULTS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(FAULTS.map((f) => f.profile))).toEqual(new Set(['v2', 'legacy']));
  });

  for (const fault of FAULTS.filter((f) => !f.alone)) {
    it.skipIf(fault.feature !== undefined && !SERVED.includes(fault.feature))(
      `a server that ${fault.name} fails ${fault.caughtBy}`,
      () => catches(fault),
    );
  }

  it('a server that dies: the report names the case that killed it, and the run ends', async () => {
    const server = await startFragile();
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [
        'robustness/3.2/1',
        'robustness/11/1',
      ]);
      expect(outcome.killedBy).toBe('robustness/3.2/1');
      expect(resultOf(outcome, 'robustness/3.2/1').verdict).toBe('CRASHED');
      expect(resultOf(outcome, 'robustness/3.2/1').actual).toMatch(
        /the server stopped accepting connections after a client \(junk\) sent 4096 byte\(s\) after server_hello, before it sent client_hello/,
      );
      expect(resultOf(outcome, 'robustness/11/1').actual).toMatch(
        /not run: the server stopped answering after case robustness\/3.2\/1 \(the server stopped accepting/,
      );
      expect(resultOf(outcome, 'sanity/2').verdict).toBe('FAILED');
      expect(resultOf(outcome, 'sanity/2').actual).toMatch(/stopped answering after case robustness\/3.2\/1/);
    } finally {
      await server.close();
    }
  });
});

// One at a time, after the others: these fill a history or burst a room (megabytes).
describe('broken servers, one at a time', () => {
  for (const fault of FAULTS.filter((f) => f.alone)) {
    it(`a server that ${fault.name} fails ${fault.caughtBy}`, () => catches(fault), 60_000);
  }
});
