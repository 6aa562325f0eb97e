/**
 * Fan-out rounds (bench/scenarios/fanout-rounds.ts): which round a server's row reports, and the
 * order the rounds run in, with stand-in servers and rounds (no network).
 */
import { describe, expect, it } from 'vitest';
import type { FanoutResult } from '../../bench/scenarios/fanout.js';
import { type FanoutContender, medianRound, runFanoutRounds } from '../../bench/scenarios/fanout-rounds.js';
import type { ServerUnderTest } from '../../bench/server-process.js';

/** A round's result with the fields these tests read; the rest do not matter here. */
function round(server: string, deliveriesPerSec: number, exactlyOnce = true): FanoutResult {
  return {
    scenario: 'fanout',
    server,
    deliveriesPerSec,
    exactlyOnce,
    latencyMs: { count: 1, p50: 1, p95: 2, p99: deliveriesPerSec / 1000, max: 3, mean: 1 },
    serverUsPerDelivery: 0.5,
  } as FanoutResult;
}

describe('medianRound', () => {
  it('reports the middle round by deliveries/s, with every round in the order they ran', () => {
    const picked = medianRound([round('a', 900), round('a', 1200), round('a', 1000)]);
    expect(picked.deliveriesPerSec).toBe(1000);
    expect(picked.rounds?.map((r) => r.deliveriesPerSec)).toEqual([900, 1200, 1000]);
    expect(picked.rounds?.[1]).toEqual({ deliveriesPerSec: 1200, p99Ms: 1.2, serverUsPerDelivery: 0.5 });
  });

  it('takes the lower of the middle two for an even count, and the only one of one', () => {
    expect(medianRound([round('a', 4), round('a', 1), round('a', 3), round('a', 2)]).deliveriesPerSec).toBe(
      2,
    );
    expect(medianRound([round('a', 7)]).deliveriesPerSec).toBe(7);
  });

  it('reports a round that broke exactly-once, however fast', () => {
    const picked = medianRound([round('a', 900), round('a', 5000, false), round('a', 1000)]);
    expect(picked.exactlyOnce).toBe(false);
    expect(picked.deliveriesPerSec).toBe(5000);
  });

  it('refuses no rounds at all', () => {
    expect(() => medianRound([])).toThrow('no rounds');
  });
});

describe('runFanoutRounds', () => {
  /** A contender whose servers log their start and stop; `fails` makes its starts throw. */
  function contender(label: string, log: string[], fails = false, optional = false): FanoutContender {
    let started = 0;
    return {
      optional,
      connectConcurrency: 1,
      client: (s) => ({ kind: 'irc', host: s.host, port: s.port }),
      start: async () => {
        const n = started++;
        if (fails) throw new Error(`${label} is not installed`);
        log.push(`start ${label}${n}`);
        return {
          label,
          host: '127.0.0.1',
          port: 1,
          monitor: null,
          stop: async () => {
            log.push(`stop ${label}${n}`);
          },
        } satisfies ServerUnderTest;
      },
    };
  }

  const fakeRound = (log: string[], speeds: Record<string, number[]>) => {
    const next: Record<string, number> = {};
    return async (server: ServerUnderTest) => {
      const i = next[server.label] ?? 0;
      next[server.label] = i + 1;
      log.push(`round ${server.label}${i}`);
      return round(server.label, speeds[server.label][i]);
    };
  };

  it('alternates the servers, a fresh one per round, and reports each one median', async () => {
    const log: string[] = [];
    const rows = await runFanoutRounds(
      [contender('p', log), contender('n', log)],
      3,
      fakeRound(log, { p: [10, 30, 20], n: [5, 6, 4] }),
    );
    expect(log).toEqual([
      'start p0',
      'round p0',
      'stop p0',
      'start n0',
      'round n0',
      'stop n0',
      'start p1',
      'round p1',
      'stop p1',
      'start n1',
      'round n1',
      'stop n1',
      'start p2',
      'round p2',
      'stop p2',
      'start n2',
      'round n2',
      'stop n2',
    ]);
    expect(rows.map((r) => [r.server, r.deliveriesPerSec])).toEqual([
      ['p', 20],
      ['n', 5],
    ]);
  });

  it('leaves out an optional peer that does not start, and says why', async () => {
    const log: string[] = [];
    const why: string[] = [];
    const rows = await runFanoutRounds(
      [contender('p', log), contender('n', log, true, true)],
      2,
      fakeRound(log, { p: [10, 30] }),
      (err) => why.push(err.message),
    );
    expect(rows.map((r) => r.server)).toEqual(['p']);
    expect(why).toEqual(['n is not installed']);
  });

  it('fails when a server that is not optional does not start', async () => {
    const log: string[] = [];
    await expect(runFanoutRounds([contender('p', log, true)], 2, fakeRound(log, {}))).rejects.toThrow(
      'p is not installed',
    );
  });

  it('stops the server when its round fails, and fails the run', async () => {
    const log: string[] = [];
    const failing = async () => {
      throw new Error('the round timed out');
    };
    await expect(runFanoutRounds([contender('p', log)], 2, failing)).rejects.toThrow('the round timed out');
    expect(log).toEqual(['start p0', 'stop p0']);
  });
});
