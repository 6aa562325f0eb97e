/**
 * handshake: how fast connections complete the handshake and join.
 *
 * How this works: two runs on one server. `burst`: N clients start at once and stay; the figure is
 * the time from the first connect to the last join (the "100 clients in under 0.3 s"), and
 * each client's latency is connect to join_ok. `sustained`: H connections, at most C in flight; each
 * leaves as soon as it has joined, so the room stays small and the rate measures handshakes, not
 * join notices. Server CPU time is sampled around each run.
 */
import { type ChatClient, type ClientSpec, createClient, leaveAll, startAll } from '../load-client.js';
import type { ServerUnderTest } from '../server-process.js';
import { type LatencySummary, nowUs, Samples, summarise } from '../stats.js';
import { cpuDelta } from './fanout.js';

export interface HandshakeOptions {
  readonly server: ServerUnderTest;
  readonly client: ClientSpec;
  /** Clients in the burst run. */
  readonly clients: number;
  /** Connections in the sustained run (0 skips it). */
  readonly handshakes: number;
  /** Connections in flight in the sustained run. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface HandshakeRun {
  readonly run: 'burst' | 'sustained';
  readonly connections: number;
  readonly concurrency: number;
  readonly joined: number;
  readonly failed: number;
  readonly errors: readonly string[];
  readonly seconds: number;
  readonly handshakesPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly serverCpuMs: number | null;
  readonly loadgenCpuMs: number;
  /**
   * CPU per joined connection: what a server owner pays per handshake. It moves less with the
   * machine's phase than the rate does, which on two shared cores is set by both processes' costs.
   */
  readonly serverCpuMsPerHandshake: number | null;
  readonly loadgenCpuMsPerHandshake: number | null;
}

export interface HandshakeResult {
  readonly scenario: 'handshake';
  readonly server: string;
  readonly runs: readonly HandshakeRun[];
  readonly serverPeakRssBytes: number | null;
}

/** The CPU figures of a run that joined `joined` clients. */
function cpuFigures(
  joined: number,
  serverCpuMs: number | null,
  loadgen: NodeJS.CpuUsage,
): Pick<
  HandshakeRun,
  'serverCpuMs' | 'loadgenCpuMs' | 'serverCpuMsPerHandshake' | 'loadgenCpuMsPerHandshake'
> {
  const loadgenCpuMs = (loadgen.user + loadgen.system) / 1000;
  const per = (ms: number | null) => (ms === null || joined === 0 ? null : ms / joined);
  return {
    serverCpuMs,
    loadgenCpuMs,
    serverCpuMsPerHandshake: per(serverCpuMs),
    loadgenCpuMsPerHandshake: per(loadgenCpuMs),
  };
}

function latencies(clients: readonly ChatClient[]): Samples {
  const samples = new Samples(clients.length);
  for (const c of clients) if (c.times.joined > 0) samples.push(c.times.joined - c.times.connect);
  return samples;
}

async function burst(options: HandshakeOptions): Promise<HandshakeRun> {
  const n = options.clients;
  const clients = Array.from({ length: n }, (_, i) => createClient(options.client, `h${i}`));
  const before = options.server.monitor?.sample() ?? null;
  const cpuBefore = process.cpuUsage();
  const t0 = nowUs();
  const started = await startAll(clients, n, t0 + options.timeoutMs * 1000);
  const after = options.server.monitor?.sample() ?? null;
  const cpu = process.cpuUsage(cpuBefore);
  const last = Math.max(t0, ...clients.map((c) => c.times.joined));
  await leaveAll(clients);
  const seconds = Math.max(1e-6, (last - t0) / 1e6);
  const joined = n - started.failed;
  return {
    run: 'burst',
    connections: n,
    concurrency: n,
    joined,
    failed: started.failed,
    errors: started.errors,
    seconds,
    handshakesPerSec: joined / seconds,
    latencyMs: summarise(latencies(clients)),
    ...cpuFigures(joined, cpuDelta(before, after), cpu),
  };
}

async function sustained(options: HandshakeOptions): Promise<HandshakeRun> {
  const total = options.handshakes;
  const done: ChatClient[] = [];
  const leaving: Promise<void>[] = [];
  const errors: string[] = [];
  let failed = 0;
  let issued = 0;
  let last = 0;
  const deadline = nowUs() + options.timeoutMs * 1000;
  const before = options.server.monitor?.sample() ?? null;
  const cpuBefore = process.cpuUsage();
  const t0 = nowUs();
  const worker = async () => {
    while (issued < total && nowUs() < deadline) {
      const client = createClient(options.client, `s${issued++}`);
      try {
        await client.start();
        last = Math.max(last, client.times.joined);
        done.push(client);
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push((err as Error).message);
      }
      leaving.push(client.leave());
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, total)) }, worker));
  const after = options.server.monitor?.sample() ?? null;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(leaving);
  const seconds = Math.max(1e-6, (Math.max(last, t0) - t0) / 1e6);
  failed += total - issued;
  return {
    run: 'sustained',
    connections: total,
    concurrency: options.concurrency,
    joined: done.length,
    failed,
    errors,
    seconds,
    handshakesPerSec: done.length / seconds,
    latencyMs: summarise(latencies(done)),
    ...cpuFigures(done.length, cpuDelta(before, after), cpu),
  };
}

export async function runHandshake(options: HandshakeOptions): Promise<HandshakeResult> {
  const runs: HandshakeRun[] = [await burst(options)];
  if (options.handshakes > 0) runs.push(await sustained(options));
  return {
    scenario: 'handshake',
    server: options.server.label,
    runs,
    serverPeakRssBytes: options.server.monitor?.sample().peakRssBytes ?? null,
  };
}
