/**
 * A worker thread that runs one FanoutShard, for load generators spread over several cores.
 *
 * How this works: the run passes the client spec, the room indices of this shard's clients, the
 * workload and the shared counters as workerData; then it sends commands (join, go, stop, report,
 * leave) and this thread answers each with one message. Latencies come back as a transferred
 * buffer, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FanoutParams, FanoutShard, type SharedCounters } from './fanout-shard.js';
import { type ClientSpec, createClient } from './load-client.js';

export interface WorkerInit {
  readonly spec: ClientSpec;
  readonly indices: readonly number[];
  readonly params: FanoutParams;
  readonly counters: SharedCounters;
}

export type WorkerCommand =
  | { readonly cmd: 'join'; readonly concurrency: number; readonly deadlineUs: number }
  | { readonly cmd: 'go' }
  | { readonly cmd: 'stop' }
  | { readonly cmd: 'report' }
  | { readonly cmd: 'leave' };

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  const clients = init.indices.map((i) => createClient(init.spec, `c${i}`));
  const shard = new FanoutShard(clients, init.indices, init.params, init.counters);
  port.on('message', async (message: WorkerCommand) => {
    try {
      switch (message.cmd) {
        case 'join':
          port.postMessage({ evt: 'join', ...(await shard.join(message.concurrency, message.deadlineUs)) });
          return;
        case 'go':
          shard.go();
          shard.done.then(() => port.postMessage({ evt: 'done' }));
          return;
        case 'stop':
          shard.stop();
          return;
        case 'report': {
          const report = shard.report();
          port.postMessage({ evt: 'report', report }, [report.latencies.buffer as ArrayBuffer]);
          return;
        }
        case 'leave':
          await shard.leave();
          port.postMessage({ evt: 'leave' });
          return;
      }
    } catch (err) {
      port.postMessage({ evt: 'error', message: (err as Error).message });
    }
  });
}
