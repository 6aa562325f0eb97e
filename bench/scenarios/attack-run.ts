/**
 * `node bench --scenario attack --attack NAME`: the attacks of issue 15, by name, and their table.
 * Each runs on a fresh server (attack-kit.ts); `all` runs them one after another.
 */
import { fmt, table } from '../stats.js';
import { burstAttack } from './attack-burst.js';
import { exportAttack } from './attack-export.js';
import { floodAttack } from './attack-flood.js';
import { honestExportAttack } from './attack-honest-export.js';
import {
  type AttackPlan,
  type AttackResult,
  type AttackSettings,
  DEFAULT_SETTINGS,
  underAttack,
} from './attack-kit.js';
import {
  lockoutAttack,
  lockoutLiftedAttack,
  lockoutNetworksAttack,
  lockoutSpreadAttack,
} from './attack-lockout.js';
import { logsAttack } from './attack-logs.js';
import { namesAttack } from './attack-names.js';
import { trickleAttack } from './attack-trickle.js';

export const ATTACKS = {
  export: exportAttack,
  'honest-export': honestExportAttack,
  burst: burstAttack,
  lockout: lockoutAttack,
  'lockout-spread': lockoutSpreadAttack,
  'lockout-networks': lockoutNetworksAttack,
  'lockout-lifted': lockoutLiftedAttack,
  flood: floodAttack,
  names: namesAttack,
  logs: logsAttack,
  trickle: trickleAttack,
} as const satisfies Record<string, AttackPlan>;

export type AttackName = keyof typeof ATTACKS;
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

/** Runs one attack on a fresh server; unset settings take DEFAULT_SETTINGS. */
export function runAttack(name: AttackName, settings: Partial<AttackSettings> = {}): Promise<AttackResult> {
  return underAttack(name, ATTACKS[name], { ...DEFAULT_SETTINGS, ...settings });
}

const mb = (bytes: number | null) => (bytes === null ? null : bytes / 2 ** 20);

/** The attacks' table, then each attack's own counts and the server flags it changed. */
export function attackTable(results: readonly AttackResult[]): string {
  const rows = results.map((r) => [
    r.attack,
    fmt(r.honest.baselineMs.p99, 1),
    fmt(r.honest.latencyMs.p50, 1),
    fmt(r.honest.latencyMs.p99, 1),
    fmt(r.honest.latencyMs.max, 1),
    `${r.honest.dropped}/${r.honest.members}`,
    fmt(r.honest.undelivered),
    fmt(r.honest.skipped),
    fmt(r.honest.rateLimited),
    fmt(r.honest.drainSeconds, 1),
    fmt(mb(r.rss.beforeBytes), 0),
    fmt(mb(r.rss.peakBytes), 0),
    fmt(mb(r.rss.afterQuietBytes), 0),
    fmt(r.loadgenLagMs.p99, 0),
    fmt(r.logLines),
    r.loadAverage.map((x) => x.toFixed(2)).join(' '),
  ]);
  let out = `attack: honest latency in ms (quiet p99 on the same server before the attack; then during it), honest lines undelivered after the drain and refused (RATE_LIMITED), chat lines (any sender's) the members were told were skipped (LINES_SKIPPED), server RSS in MB (after ${
    results[0]?.rss.quietSeconds ?? 0
  } s of quiet)\n${table(
    [
      'attack',
      'quiet p99',
      'p50',
      'p99',
      'max',
      'dropped',
      'undelivered',
      'skipped',
      'refused',
      'drain s',
      'RSS before',
      'peak',
      'after',
      'loadgen lag p99',
      'log lines',
      'load avg',
    ],
    rows,
  )}`;
  for (const r of results) {
    const counts = Object.entries(r.counts)
      .map(([k, v]) => `${k}=${v === null ? '-' : typeof v === 'number' ? fmt(v) : v}`)
      .join(', ');
    out += `\n${r.attack}: ${counts}`;
    if (r.honest.dropReasons.length) out += `\n  dropped: ${r.honest.dropReasons.join(', ')}`;
    for (const f of r.serverFlags) out += `\n  server flags: ${f}`;
  }
  return out;
}
