/**
 * idle: what joined, silent clients cost the server in memory.
 *
 * How this works: the server's RSS is read once it has settled with nobody connected (the idle
 * server). Then clients join until the room holds each requested size in turn (ascending, on the
 * same server), and after a settling pause the server's RSS is read again; the cost per connection
 * is the growth over the idle figure divided by the number of clients. The clients answer pings
 * (the core client does) and otherwise say nothing. Joining is bounded by the scenario's timeout:
 * a size that is not reached in time is reported with how many joined.
 */
import { type ChatClient, type ClientSpec, createClient, leaveAll, startAll } from '../load-client.js';
import type { ServerUnderTest } from '../server-process.js';
import { nowUs } from '../stats.js';
import { cpuDelta } from './fanout.js';

export interface IdleOptions {
  readonly server: ServerUnderTest;
  readonly client: ClientSpec;
  /** Room sizes to measure, e.g. [1000, 10000]. */
  readonly sizes: readonly number[];
  readonly settleMs: number;
  readonly timeoutMs: number;
  readonly connectConcurrency?: number;
}

export interface IdleStep {
  readonly clients: number;
  readonly joined: number;
  readonly failed: number;
  readonly errors: readonly string[];
  readonly joinSeconds: number;
  readonly joinServerCpuMs: number | null;
  readonly rssBytes: number | null;
  readonly bytesPerClient: number | null;
}

export interface IdleResult {
  readonly scenario: 'idle';
  readonly server: string;
  readonly idleRssBytes: number | null;
  readonly steps: readonly IdleStep[];
  readonly serverPeakRssBytes: number | null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runIdle(options: IdleOptions): Promise<IdleResult> {
  const monitor = options.server.monitor;
  await pause(options.settleMs);
  const idleRss = monitor?.sample().rssBytes ?? null;
  const clients: ChatClient[] = [];
  const steps: IdleStep[] = [];
  const deadline = nowUs() + options.timeoutMs * 1000;
  let failed = 0;
  try {
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      const fresh: ChatClient[] = [];
      for (let i = clients.length; i < size; i++) fresh.push(createClient(options.client, `i${i}`));
      const before = monitor?.sample() ?? null;
      const t0 = nowUs();
      const started = await startAll(fresh, options.connectConcurrency ?? 100, deadline);
      const joinSeconds = (nowUs() - t0) / 1e6;
      const after = monitor?.sample() ?? null;
      clients.push(...fresh);
      failed += started.failed;
      const joined = clients.length - failed;
      await pause(options.settleMs);
      const rss = monitor?.sample().rssBytes ?? null;
      steps.push({
        clients: size,
        joined,
        failed,
        errors: started.errors,
        joinSeconds,
        joinServerCpuMs: cpuDelta(before, after),
        rssBytes: rss,
        bytesPerClient: rss !== null && idleRss !== null && joined > 0 ? (rss - idleRss) / joined : null,
      });
      if (started.failed > 0) break;
    }
  } finally {
    await leaveAll(clients);
  }
  return {
    scenario: 'idle',
    server: options.server.label,
    idleRssBytes: idleRss,
    steps,
    serverPeakRssBytes: monitor?.sample().peakRssBytes ?? null,
  };
}
