/**
 * Hostile, legacy (spec 10, 11; issue 15): the `--profile legacy` reference server under attack,
 * with honest legacy members in the room whose lines are accounted for.
 *
 * How this works: as the v2 property (hostile.ts) does, on an arena of its own (a legacy server
 * process with the same limits): three honest members join from one address, one to four legacy
 * actors attack (fuzz/chat/legacy-hostile.ts: floods of chat lines or setuser within and beyond
 * the rate limit, a reconnect storm from one address, junk frames), and the members say numbered
 * lines at a fifth of the rate limit. The run ends with each member's last line awaited by the
 * others (legacy has no ping). The properties, those of v2 as far as legacy can tell them:
 * - no honest member is disconnected or refused its name;
 * - every receiver has each other honest sender's lines in order, once each, and every line the
 *   sender was not told was refused (a legacy server never skips one, 11);
 * - a flood beyond the rate limit is closed by the server (7.8: past the budget, or the first
 *   setuser it drops, L1);
 * - no error-level log line, and the server's RSS stays under the same bound as v2's.
 */
import fc from 'fast-check';
import {
  describeLegacyHostile,
  LegacyHonestMember,
  LegacyHostileActor,
  type LegacyHostileSpec,
  type LegacyOutcome,
  settleLegacy,
} from '../chat/legacy-hostile.js';
import { ensure } from '../util.js';
import { type Arena, checkRun, mib, playRun, type RunCast, rssBound } from './hostile.js';
import type { FuzzProperty } from './types.js';

const legacyHostileArb: fc.Arbitrary<LegacyHostileSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('flood' as const),
    packet: fc.constantFrom('say' as const, 'long-say' as const, 'setuser' as const),
    beyond: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('storm' as const), max: fc.integer({ min: 10, max: 200 }) }),
  fc.record({
    kind: fc.constant('junk' as const),
    what: fc.constantFrom('bytes' as const, 'frame' as const, 'bad-record' as const),
    times: fc.integer({ min: 1, max: 10 }),
  }),
);

export interface LegacyHostileRun {
  readonly actors: readonly LegacyHostileSpec[];
  readonly longLines: boolean;
}

export const legacyHostileRunArb: fc.Arbitrary<LegacyHostileRun> = fc.record({
  actors: fc.array(legacyHostileArb, { minLength: 1, maxLength: 4 }),
  longLines: fc.boolean(),
});

/** What a legacy run saw, for tests and diagnostics. */
export interface LegacyRunReport {
  readonly honest: readonly { name: string; sent: number; received: number; rateLimited: number }[];
  readonly outcomes: readonly LegacyOutcome[];
  readonly peakRss: number | null;
}

/** Every line of each sender, but those it was told were refused, reached every other member. */
export function checkLegacyRun(
  members: readonly LegacyHonestMember[],
  outcomes: readonly LegacyOutcome[],
): void {
  for (const s of members)
    for (const r of members) {
      if (r === s) continue;
      const got = r.lines.get(s.name)?.length ?? 0;
      ensure(
        got >= s.sent - s.rateLimited,
        () => `${r.name} got ${got} of ${s.name}'s ${s.sent} lines; ${s.rateLimited} were refused`,
      );
    }
  for (const o of outcomes)
    if (o.spec.kind === 'flood' && o.spec.beyond)
      ensure(
        o.closedByServer,
        () => `${describeLegacyHostile(o.spec)}: ${o.sent} packets sent, still connected`,
      );
}

const LEGACY_CAST: RunCast<LegacyHonestMember, LegacyHostileSpec, LegacyOutcome> = {
  tag: 'L',
  actorTag: 'L',
  join: (where, name, address, seed) => LegacyHonestMember.join(where, name, address, seed),
  actor: (spec, where, addresses, rate, seed, name) =>
    new LegacyHostileActor(spec, where, addresses, rate, seed, name),
  settle: settleLegacy,
};

/** One legacy run: the honest room, the attack, the accounts (a property failure throws). */
export async function legacyHostileRun(
  arena: Arena,
  run: LegacyHostileRun,
  attackMs: number,
  seed: number,
): Promise<LegacyRunReport> {
  const { members, outcomes, peak } = await playRun(arena, run, attackMs, seed, LEGACY_CAST);
  checkRun(members, [], peak, arena.baseRss);
  checkLegacyRun(members, outcomes);
  return {
    honest: members.map((m) => ({
      name: m.name,
      sent: m.sent,
      received: [...m.lines.values()].reduce((k, got) => k + got.length, 0),
      rateLimited: m.rateLimited,
    })),
    outcomes,
    peakRss: peak,
  };
}

/** The legacy property over a started legacy arena. */
export function legacyHostileProperty(arena: Arena, attackMs: number): FuzzProperty {
  return {
    name: 'legacy',
    description: `legacy reference server (child process) at ${arena.where.host}:${arena.where.port}: honest members keep every line under floods, reconnect storms and junk; RSS under ${mib(rssBound())} MiB over its start`,
    property: fc.asyncProperty(
      legacyHostileRunArb,
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      async (run, seed) => {
        await legacyHostileRun(arena, run, attackMs, seed);
      },
    ),
  };
}
