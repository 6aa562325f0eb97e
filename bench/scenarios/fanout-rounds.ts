/**
 * fanout rounds: the fan-out workload against each server in turn, several times, alternated.
 *
 * Why: a round of 10 senders x 200 lines lasts a fraction of a second, and this machine's speed
 * drifts by 20-50% over minutes (RESULTS.md, round 7). With one round per server, one server after
 * the other, a drift between the two passed for a difference between the servers. Here the rounds
 * alternate (first server, second, first, second, ...), each on a freshly started server with its
 * own warm-up round, so that no server sits idle (collecting its garbage, say) through another's
 * round. Each server's row is its median round by deliveries/s; each pair of rounds run back to
 * back also gives a ratio, which the drift moves least.
 */
import type { ClientSpec } from '../load-client.js';
import type { ServerUnderTest } from '../server-process.js';
import type { FanoutResult, RoundFigures } from './fanout.js';

export interface FanoutContender {
  readonly start: () => Promise<ServerUnderTest>;
  readonly client: (server: ServerUnderTest) => ClientSpec;
  /** Clients connecting at once while the room fills. */
  readonly connectConcurrency: number;
  /** A peer that may be missing (not installed): left out if it does not start in round one. */
  readonly optional?: boolean;
}

/** One round on a running server: a warm-up round, then the measured one. */
export type FanoutRound = (
  server: ServerUnderTest,
  client: ClientSpec,
  connectConcurrency: number,
) => Promise<FanoutResult>;

const figures = (r: FanoutResult): RoundFigures => ({
  deliveriesPerSec: r.deliveriesPerSec,
  p99Ms: r.latencyMs.p99,
  serverUsPerDelivery: r.serverUsPerDelivery,
});

/**
 * The round to report for one server: the median by deliveries/s (the lower of the middle two for
 * an even count), with every round's figures attached. A round that lost, repeated or reordered a
 * delivery is reported instead, so that a failure is never hidden behind a median.
 */
export function medianRound(rounds: readonly FanoutResult[]): FanoutResult {
  if (rounds.length === 0) throw new Error('medianRound: no rounds');
  const all = rounds.map(figures);
  const failed = rounds.find((r) => !r.exactlyOnce);
  if (failed) return { ...failed, rounds: all };
  const sorted = [...rounds].sort((a, b) => a.deliveriesPerSec - b.deliveriesPerSec);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rounds: all };
}

/**
 * Runs `rounds` alternated rounds of every contender and returns one row per contender that ran. An
 * optional contender whose server does not start in its first round is left out (`unavailable` says
 * why); any other failure ends the run.
 */
export async function runFanoutRounds(
  contenders: readonly FanoutContender[],
  rounds: number,
  round: FanoutRound,
  unavailable: (err: Error) => void = () => {},
): Promise<FanoutResult[]> {
  const results = contenders.map((): FanoutResult[] => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, contender] of contenders.entries()) {
      if (r > 0 && results[i].length === 0) continue; // left out in round one
      let server: ServerUnderTest;
      try {
        server = await contender.start();
      } catch (err) {
        if (r > 0 || !contender.optional) throw err;
        unavailable(err as Error);
        continue;
      }
      try {
        results[i].push(await round(server, contender.client(server), contender.connectConcurrency));
      } finally {
        await server.stop();
      }
    }
  }
  return results.filter((list) => list.length > 0).map(medianRound);
}
