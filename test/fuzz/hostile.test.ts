/**
 * The hostile fuzz target: its accounting catches what it must (a lost, repeated or reordered
 * honest line, an honest member dropped, a flood left connected, memory over the bound), and a
 * short live run against the built reference server holds, with every kind of hostile actor.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../bench/server-process.js';
import type { HostileOutcome } from '../../fuzz/chat/hostile.js';
import {
  type Arena,
  checkRun,
  hostileRun,
  type MemberAccount,
  rssBound,
  startArena,
} from '../../fuzz/targets/hostile.js';

const built = existsSync(join(repoRoot(), 'dist', 'reference-server', 'main.js'));

/** Three members who each said two lines, and each got all six. */
function room(): MemberAccount[] {
  const names = ['a', 'b', 'c'];
  return names.map((name) => ({
    name,
    lost: null,
    lines: new Map(names.map((n) => [n, [0, 1]])),
    skipped: 0,
    skippedUncounted: false,
    rateLimited: 0,
    sent: 2,
  }));
}

const flood = (closedByServer: boolean): HostileOutcome => ({
  spec: { kind: 'flood', packet: 'ping', beyond: true },
  sent: 500,
  errors: [],
  closedByServer,
  problems: [],
});

describe('hostile target: the accounts', () => {
  it('passes a room where every line arrived once, in order', () => {
    expect(() => checkRun(room(), [flood(true)], 100, 50)).not.toThrow();
  });

  it('fails a lost line, unless the server said it skipped one', () => {
    const members = room();
    (members[2].lines as Map<string, number[]>).set('a', [1]);
    expect(() => checkRun(members, [], null, null)).toThrow(/c misses 1 accepted honest lines, told of 0/);
    const told = members.map((m) => (m.name === 'c' ? { ...m, skipped: 1 } : m));
    expect(() => checkRun(told, [], null, null)).not.toThrow();
  });

  it('fails a line twice or out of order', () => {
    const members = room();
    (members[1].lines as Map<string, number[]>).set('c', [1, 0]);
    expect(() => checkRun(members, [], null, null)).toThrow(/b got c's lines out of order or twice/);
  });

  it('fails a sender whose own lines did not come back and were not refused', () => {
    const members = room().map((m) => (m.name === 'a' ? { ...m, sent: 3 } : m));
    expect(() => checkRun(members, [], null, null)).toThrow(/a said 3 lines, 2 came back/);
    const refused = members.map((m) => (m.name === 'a' ? { ...m, rateLimited: 1 } : m));
    expect(() => checkRun(refused, [], null, null)).not.toThrow();
  });

  it('fails an honest member dropped, a flood beyond the limit left connected, and memory over the bound', () => {
    const dropped = room().map((m) => (m.name === 'b' ? { ...m, lost: 'error SLOW_READER (fatal)' } : m));
    expect(() => checkRun(dropped, [], null, null)).toThrow(/honest b lost: error SLOW_READER/);
    expect(() => checkRun(room(), [flood(false)], null, null)).toThrow(/still connected/);
    const base = 50 * 2 ** 20;
    expect(() => checkRun(room(), [], base + rssBound() + 1, base)).toThrow(/over the bound/);
  });
});

describe.skipIf(!built)('hostile target: a short live run', { timeout: 120_000 }, () => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await startArena(10_000);
  }, 30_000);
  afterAll(async () => {
    await arena?.server.stop();
  });

  it('keeps the honest members whole under floods within and beyond the limit', async () => {
    const report = await hostileRun(
      arena,
      {
        actors: [
          { kind: 'flood', packet: 'long-say', beyond: false },
          { kind: 'flood', packet: 'who', beyond: true },
          { kind: 'flood', packet: 'export', beyond: true },
        ],
        longLines: true,
      },
      1500,
      1,
    );
    for (const m of report.honest) expect(m.sent).toBeGreaterThan(0);
    const beyond = report.outcomes.filter((o) => o.spec.kind === 'flood' && o.spec.beyond);
    for (const o of beyond) expect(o.errors).toContain('RATE_EXCEEDED');
  });

  it('keeps them whole beside exporters, non-readers, half-open handshakes, junk and a storm', async () => {
    const report = await hostileRun(
      arena,
      {
        actors: [
          { kind: 'exporter', reading: 'none' },
          { kind: 'non-reader' },
          { kind: 'half-open', count: 10, stage: 'partial-hello' },
          { kind: 'junk', what: 'bad-packet', times: 3 },
          { kind: 'storm', max: 60 },
        ],
        longLines: false,
      },
      1500,
      2,
    );
    const junk = report.outcomes.find((o) => o.spec.kind === 'junk')!;
    expect(junk.errors).toContain('PACKET_MALFORMED');
    const storm = report.outcomes.find((o) => o.spec.kind === 'storm')!;
    expect(storm.sent).toBe(60);
  });
});

describe('hostile target: the legacy accounts', () => {
  it('fails a line that reached no other member although it was not refused', async () => {
    const { checkLegacyRun } = await import('../../fuzz/targets/hostile-legacy.js');
    const member = (name: string, sent: number, lines: [string, number[]][], rateLimited = 0) =>
      ({ name, sent, rateLimited, lines: new Map(lines) }) as never;
    const a = member('a', 2, [['b', [0, 1]]]);
    const b = member('b', 2, [['a', [0]]]);
    expect(() => checkLegacyRun([a, b], [])).toThrow(/b got 1 of a's 2 lines; 0 were refused/);
    expect(() => checkLegacyRun([member('a', 2, [['b', [0, 1]]], 1), b], [])).not.toThrow();
    const left = {
      spec: { kind: 'flood', packet: 'say', beyond: true },
      sent: 900,
      closedByServer: false,
    } as const;
    expect(() => checkLegacyRun([], [left])).toThrow(
      /legacy flood\(say, beyond the limit\): 900 packets sent, still connected/,
    );
  });

  it('checks no echo of its own lines for a legacy member', () => {
    const legacy = room().map((m) => ({
      ...m,
      echoes: false,
      lines: new Map([...m.lines].filter(([n]) => n !== m.name)),
    }));
    expect(() => checkRun(legacy, [], null, null)).not.toThrow();
  });
});

describe.skipIf(!built)('hostile target: a short live legacy run', { timeout: 120_000 }, () => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await startArena(10_000, 'legacy');
  }, 30_000);
  afterAll(async () => {
    await arena?.server.stop();
  });

  it('keeps the honest legacy members whole under floods, a storm and junk', async () => {
    const { legacyHostileRun } = await import('../../fuzz/targets/hostile-legacy.js');
    const report = await legacyHostileRun(
      arena,
      {
        actors: [
          { kind: 'flood', packet: 'long-say', beyond: false },
          { kind: 'flood', packet: 'say', beyond: true },
          { kind: 'storm', max: 40 },
          { kind: 'junk', what: 'bad-record', times: 3 },
        ],
        longLines: true,
      },
      1500,
      3,
    );
    for (const m of report.honest) expect(m.received).toBeGreaterThan(0);
    expect(report.outcomes.find((o) => o.spec.kind === 'storm')!.sent).toBe(40);
    expect(report.outcomes.find((o) => o.spec.kind === 'flood' && o.spec.beyond)!.closedByServer).toBe(true);
  });
});
