/**
 * fanout: N clients in one room, S of them each send M chat lines; every line reaches every member.
 *
 * How this works: all clients connect and join first (not timed). Then each sender sends lines
 * `b:<sender>:<seq>:<send time µs>` as fast as it may: at most `window` of its lines may be not yet
 * delivered to every receiver (flow control measured at the receivers, the same rule for every
 * server; IRC servers drop a client whose unread input outgrows a small buffer, and an unbounded
 * burst would only measure queueing). Each receiver takes the send time out of the text, so latency
 * is receive time minus send time on one monotonic clock, and checks that it gets every
 * (sender, seq) once and in per-sender order. Deliveries per second count from the first send to
 * the last delivery. Server CPU time is the difference across that interval. The clients are
 * dealt round-robin to shards (fanout-shard.ts): one in this thread, or one per worker thread with
 * --workers, sharing the delivery counters; latencies and tallies are merged at the end.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type FanoutParams,
  FanoutShard,
  type ShardReport,
  type SharedCounters,
  sharedCounters,
} from '../fanout-shard.js';
import type { WorkerCommand, WorkerInit } from '../fanout-worker.js';
import { type ClientSpec, createClient, echoesOwn } from '../load-client.js';
import type { ProcessSample, ServerUnderTest } from '../server-process.js';
import { type LatencySummary, nowUs, Samples, summarise } from '../stats.js';

export interface FanoutOptions {
  readonly server: ServerUnderTest;
  readonly client: ClientSpec;
  readonly clients: number;
  readonly senders: number;
  readonly messages: number;
  /** Lines per sender in flight (sent, not yet delivered to everyone). */
  readonly window: number;
  readonly timeoutMs: number;
  readonly connectConcurrency?: number;
  /** Load generator threads (1: this thread; more: worker threads, needs the built bench). */
  readonly workers?: number;
}

export interface FanoutResult extends DeliveryFigures {
  readonly scenario: 'fanout';
  readonly server: string;
  readonly clients: number;
  readonly senders: number;
  readonly messages: number;
  readonly window: number;
  readonly workers: number;
  /** Lines per sender of the unmeasured round run first (0: none). */
  readonly warmupMessages: number;
  readonly messagesPerSec: number;
  readonly notices: number;
  /**
   * With several rounds (fanout-rounds.ts), every round's figures in the order they ran; the rest
   * of this result is the round reported (the median).
   */
  readonly rounds?: readonly RoundFigures[];
}

export interface RoundFigures {
  readonly deliveriesPerSec: number;
  readonly p99Ms: number;
  readonly serverUsPerDelivery: number | null;
}

export function cpuDelta(before: ProcessSample | null, after: ProcessSample | null): number | null {
  if (!before || !after || before.cpuMs === null || after.cpuMs === null) return null;
  return after.cpuMs - before.cpuMs;
}

/** The measured interval of a delivery run: from the first send until done or the timeout. */
export interface Interval {
  readonly t0: number;
  readonly stoppedAt: number;
  readonly before: ProcessSample | null;
  readonly after: ProcessSample | null;
  readonly cpu: NodeJS.CpuUsage;
}

/**
 * Starts the senders (`go`) with the clock, waits for `done` or `timeoutMs`, and samples the
 * server (CPU, peak RSS) and this process's CPU across that interval. Every scenario that counts
 * deliveries (fanout, rooms) measures the same way.
 */
export async function measureDeliveries(
  server: ServerUnderTest,
  timeoutMs: number,
  go: () => void,
  done: Promise<unknown>,
): Promise<Interval> {
  const before = server.monitor?.sample() ?? null;
  const cpuBefore = process.cpuUsage();
  const t0 = nowUs();
  go();
  let timer: NodeJS.Timeout | null = null;
  await Promise.race([
    done,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  if (timer) clearTimeout(timer);
  const after = server.monitor?.sample() ?? null;
  return { t0, stoppedAt: nowUs(), before, after, cpu: process.cpuUsage(cpuBefore) };
}

/** What the receivers counted over a run (fanout-shard.ts, rooms.ts). */
export interface DeliveryTally {
  readonly expected: number;
  readonly delivered: number;
  /** When the last line arrived (µs, nowUs). */
  readonly lastDeliveryUs: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly missing: number;
  readonly foreign: number;
  readonly latency: Samples;
}

/** The figures every delivery run reports (fanout and rooms results both carry them). */
export interface DeliveryFigures {
  readonly completed: boolean;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  readonly seconds: number;
  readonly deliveriesPerSec: number;
  readonly latencyMs: LatencySummary;
  readonly exactlyOnce: boolean;
  readonly duplicates: number;
  readonly missing: number;
  readonly outOfOrder: number;
  readonly foreign: number;
  readonly serverCpuMs: number | null;
  readonly serverCpuPercent: number | null;
  /** Server CPU time per delivery: what a delivery costs the server, whatever drove it. */
  readonly serverUsPerDelivery: number | null;
  readonly serverPeakRssBytes: number | null;
  readonly loadgenCpuMs: number;
  /** Load generator CPU over wall time; near 100 (one thread) it, not the server, set the pace. */
  readonly loadgenCpuPercent: number;
}

/** A run's figures from its tally and its interval: seconds count from the first send to the last delivery. */
export function deliveryFigures(tally: DeliveryTally, interval: Interval): DeliveryFigures {
  const { expected, delivered, duplicates, outOfOrder, missing, foreign } = tally;
  const completed = delivered === expected;
  const end = completed ? tally.lastDeliveryUs : interval.stoppedAt;
  const seconds = Math.max(1e-6, (end - interval.t0) / 1e6);
  const serverCpuMs = cpuDelta(interval.before, interval.after);
  const loadgenCpuMs = (interval.cpu.user + interval.cpu.system) / 1000;
  return {
    completed,
    expectedDeliveries: expected,
    deliveries: delivered,
    seconds,
    deliveriesPerSec: delivered / seconds,
    latencyMs: summarise(tally.latency),
    exactlyOnce: completed && duplicates === 0 && outOfOrder === 0 && missing === 0 && foreign === 0,
    duplicates,
    missing,
    outOfOrder,
    foreign,
    serverCpuMs,
    serverCpuPercent: serverCpuMs === null ? null : serverCpuMs / 10 / seconds,
    serverUsPerDelivery: serverCpuMs === null || delivered === 0 ? null : (serverCpuMs * 1000) / delivered,
    serverPeakRssBytes: interval.after?.peakRssBytes ?? null,
    loadgenCpuMs,
    loadgenCpuPercent: loadgenCpuMs / 10 / seconds,
  };
}

/** A shard of the load, in this thread or in a worker thread. */
interface ShardHandle {
  join(concurrency: number, deadlineUs: number): Promise<{ failed: number; errors: string[] }>;
  go(): void;
  readonly done: Promise<void>;
  stop(): void;
  report(): Promise<ShardReport>;
  leave(): Promise<void>;
}

function localShard(spec: ClientSpec, indices: number[], params: FanoutParams, counters: SharedCounters) {
  const shard = new FanoutShard(
    indices.map((i) => createClient(spec, `c${i}`)),
    indices,
    params,
    counters,
  );
  const handle: ShardHandle = {
    join: (concurrency, deadlineUs) => shard.join(concurrency, deadlineUs),
    go: () => shard.go(),
    done: shard.done,
    stop: () => shard.stop(),
    report: async () => shard.report(),
    leave: () => shard.leave(),
  };
  return handle;
}

/** The compiled worker script (worker threads run JavaScript: `npm run build` first). */
function workerScript(): URL {
  const url = new URL('../fanout-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error('--workers needs the built bench (npm run build)');
  return url;
}

function workerShard(init: WorkerInit): ShardHandle {
  const worker = new Worker(workerScript(), { workerData: init });
  const waiting = new Map<string, (value: unknown) => void>();
  let failure: Error | null = null;
  let markDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  const fail = (err: Error) => {
    failure = err;
    markDone();
    for (const resolve of waiting.values()) resolve(undefined);
    waiting.clear();
  };
  worker.on('message', (message: { evt: string; message?: string }) => {
    if (message.evt === 'done') return markDone();
    if (message.evt === 'error') return fail(new Error(`load worker: ${message.message}`));
    const resolve = waiting.get(message.evt);
    waiting.delete(message.evt);
    resolve?.(message);
  });
  worker.on('error', fail);
  const call = async <T>(command: WorkerCommand): Promise<T> => {
    if (failure) throw failure;
    const reply = new Promise((resolve) => waiting.set(command.cmd, resolve));
    worker.postMessage(command);
    const value = await reply;
    if (failure) throw failure;
    return value as T;
  };
  return {
    join: (concurrency, deadlineUs) => call({ cmd: 'join', concurrency, deadlineUs }),
    go: () => worker.postMessage({ cmd: 'go' } satisfies WorkerCommand),
    done,
    stop: () => worker.postMessage({ cmd: 'stop' } satisfies WorkerCommand),
    report: async () => (await call<{ report: ShardReport }>({ cmd: 'report' })).report,
    leave: async () => {
      try {
        await call({ cmd: 'leave' });
      } finally {
        await worker.terminate();
      }
    },
  };
}

export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const { clients: n, senders: s, messages: m, window } = options;
  if (s > n) throw new Error(`--senders (${s}) cannot exceed --clients (${n})`);
  if (n < 2) throw new Error('fanout needs at least 2 clients');
  const workers = Math.max(1, Math.min(options.workers ?? 1, n));
  const echo = echoesOwn(options.client.kind);
  const perMessage = echo ? n : n - 1;
  const params: FanoutParams = { senders: s, messages: m, window, perMessage, echo };
  const counters = sharedCounters(params);
  // Round-robin, so that senders and receivers spread evenly over the threads.
  const groups = Array.from({ length: workers }, (_, w) =>
    Array.from({ length: n }, (_, i) => i).filter((i) => i % workers === w),
  );
  const shards =
    workers === 1
      ? [localShard(options.client, groups[0], params, counters)]
      : groups.map((indices) => workerShard({ spec: options.client, indices, params, counters }));
  try {
    const joinedBy = nowUs() + options.timeoutMs * 1000;
    const concurrency = Math.max(1, Math.ceil((options.connectConcurrency ?? 50) / workers));
    const joins = await Promise.all(shards.map((sh) => sh.join(concurrency, joinedBy)));
    const failed = joins.reduce((sum, j) => sum + j.failed, 0);
    if (failed > 0) {
      const errors = joins.flatMap((j) => j.errors).slice(0, 5);
      throw new Error(`${failed} of ${n} clients did not join: ${errors.join('; ')}`);
    }

    const interval = await measureDeliveries(
      options.server,
      options.timeoutMs,
      () => {
        for (const shard of shards) shard.go();
      },
      Promise.all(shards.map((sh) => sh.done)),
    );
    for (const shard of shards) shard.stop();
    const reports = await Promise.all(shards.map((sh) => sh.report()));

    const sum = (key: keyof Omit<ShardReport, 'latencies'>) => reports.reduce((t, r) => t + r[key], 0);
    const delivered = sum('delivered');
    const latency = new Samples(delivered);
    for (const r of reports) for (const v of r.latencies) latency.push(v);
    const figures = deliveryFigures(
      {
        expected: s * m * perMessage,
        delivered,
        lastDeliveryUs: Math.max(...reports.map((r) => r.lastDeliveryUs)),
        duplicates: sum('duplicates'),
        outOfOrder: sum('outOfOrder'),
        missing: sum('missing'),
        foreign: sum('foreign'),
        latency,
      },
      interval,
    );
    return {
      scenario: 'fanout',
      server: options.server.label,
      clients: n,
      senders: s,
      messages: m,
      window,
      workers,
      warmupMessages: 0,
      ...figures,
      messagesPerSec: delivered / perMessage / figures.seconds,
      notices: sum('notices'),
    };
  } finally {
    await Promise.all(shards.map((sh) => sh.leave()));
  }
}
