/**
 * The attack bench's smoke run (bench/scenarios/attack-*.ts): cheap attacks with tiny parameters
 * against the real reference server, checking the report's shape and what the server must do
 * whatever its hardening. No timing assertions: the figures are measurements, not verdicts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttackResult } from '../../bench/scenarios/attack-kit.js';
import { NAME_CANDIDATES } from '../../bench/scenarios/attack-names.js';
import { ATTACK_NAMES, attackTable, runAttack } from '../../bench/scenarios/attack-run.js';
import { repoRoot } from '../../bench/server-process.js';

const built = existsSync(join(repoRoot(), 'dist', 'reference-server', 'main.js'));

const tiny = {
  honest: 2,
  paceMs: 200,
  baselineMs: 300,
  attackMs: 3000,
  quietMs: 0,
  drainMs: 10000,
  history: 30,
  lineChars: 100,
  connections: 3,
};

function expectShape(r: AttackResult, attack: string): void {
  expect(r).toMatchObject({ scenario: 'attack', attack });
  expect(r.honest.members).toBe(tiny.honest);
  // Every member says a line when the chat starts and when the attack starts, then one every
  // 200 ms; each line the server accepts reaches both members, or is counted as undelivered.
  expect(r.honest.linesSent).toBeGreaterThanOrEqual(tiny.honest);
  const accepted = r.honest.linesSent - r.honest.rateLimited;
  expect(r.honest.latencyMs.count).toBe(accepted * tiny.honest - r.honest.undelivered);
  if (r.honest.dropped === 0) expect(r.honest.baselineMs.count).toBeGreaterThanOrEqual(tiny.honest ** 2);
  expect(r.honest.dropped).toBe(r.honest.dropReasons.length);
  expect(r.loadAverage).toHaveLength(3);
  if (process.platform === 'linux') {
    expect(r.rss.beforeBytes).toBeGreaterThan(0);
    expect(r.rss.peakBytes).toBeGreaterThanOrEqual(r.rss.beforeBytes!);
    expect(r.rss.afterQuietBytes).toBeGreaterThan(0);
  }
}

describe('attack bench', () => {
  it('names every attack of issue 15', () => {
    expect(ATTACK_NAMES).toEqual([
      'export',
      'honest-export',
      'burst',
      'lockout',
      'lockout-spread',
      'lockout-networks',
      'lockout-lifted',
      'flood',
      'names',
      'logs',
      'trickle',
    ]);
  });
});

describe.skipIf(!built)('attack bench smoke run', () => {
  it('names: refuses the controls (the present name, another case of it, a reserved name)', {
    timeout: 60000,
  }, async () => {
    const r = await runAttack('names', tiny);
    expectShape(r, 'names');
    expect(r.counts).toMatchObject({
      controlsAccepted: '0/3',
      'name honest1': 'NAME_TAKEN',
      'name HONEST1': 'NAME_TAKEN',
      'name server': 'NAME_RESERVED',
    });
    // Every candidate got an answer: accepted, or refused with a name code (7.2).
    for (const c of NAME_CANDIDATES)
      expect(r.counts[`name ${c.label}`]).toMatch(/^(accepted|NAME_TAKEN|NAME_INVALID|NAME_RESERVED)$/);
    expect(attackTable([r])).toContain('names: controlsAccepted=0/3');
  });

  it('honest-export: a prompt reader gets the whole history (less what the chat pushed out), ending with done', {
    timeout: 90000,
  }, async () => {
    const r = await runAttack('honest-export', tiny);
    expectShape(r, 'honest-export');
    expect(r.counts).toMatchObject({
      filledEntries: tiny.history,
      promptOutcome: 'done',
      promptDone: true,
      promptDropped: false,
    });
    // The history is full (the server keeps `history` entries) and the honest members keep
    // talking: a line accepted after the export arrived and before its part was made drops the
    // oldest entry, which the export then leaves out (7.7: the conversation when the export
    // arrived, less what the history dropped before its part was made). So the export holds the
    // whole history less at most one entry per honest line, never more than the history.
    const entries = r.counts.promptEntries as number;
    expect(entries).toBeLessThanOrEqual(tiny.history);
    expect(entries).toBeGreaterThanOrEqual(tiny.history - r.honest.linesSent);
  });

  it('logs: refuses every connection past max-clients and reads the server output', {
    timeout: 60000,
  }, async () => {
    const r = await runAttack('logs', tiny);
    expectShape(r, 'logs');
    expect(r.serverFlags[0]).toMatch(/^--max-clients 4 /);
    expect(r.counts).toMatchObject({ refusals: tiny.connections, joinRefused: 'NAME_INVALID' });
    expect(r.logLines).toBeGreaterThan(0);
    for (const key of ['controlChars', 'escapeChars', 'forgedLines', 'longestLineKB'])
      expect(typeof r.counts[key]).toBe('number');
  });
});

describe('lockout addresses', () => {
  it('counts loopback addresses from 127.0.0.1 up, across octets', async () => {
    const { loopbackAddress } = await import('../../bench/scenarios/attack-lockout.js');
    expect(loopbackAddress(1)).toBe('127.0.0.1');
    expect(loopbackAddress(2)).toBe('127.0.0.2');
    expect(loopbackAddress(257)).toBe('127.0.1.1');
    expect(loopbackAddress((1 << 16) + 3)).toBe('127.1.0.3');
  });
});
