/**
 * Spec coverage: which packet types and state-machine transitions the cases exercise.
 *
 * How this works: the universe comes from the generated tables (V2_PACKET_TYPES, LEGACY_TYPS and
 * every (state, event, guard) of MACHINES), so a transition added to the spec shows up here as
 * uncovered until a case claims it. Cases claim items with `covers` tags (spec-text.ts builds
 * them); a tag that names nothing in the spec is reported too, so typos cannot inflate the figure.
 */
import { LEGACY_TYPS } from '../src/generated/legacy-packets.js';
import { MACHINES } from '../src/generated/machines.js';
import { V2_PACKET_TYPES } from '../src/generated/v2-packets.js';
import type { Case, Profile } from './case.js';
import { pkt, tr } from './spec-text.js';

export interface CoverageSet {
  readonly all: readonly string[];
  readonly covered: readonly string[];
  readonly missing: readonly string[];
}

export interface Coverage {
  readonly profiles: readonly Profile[];
  readonly packets: CoverageSet;
  readonly transitions: CoverageSet;
  /** Tags that cases claim but that name no packet or transition of the spec. */
  readonly unknown: readonly string[];
}

export function specPackets(profile: Profile): string[] {
  const types: readonly string[] = profile === 'v2' ? V2_PACKET_TYPES : LEGACY_TYPS;
  return types.map((t) => pkt(profile, t));
}

export function specTransitions(profile: Profile): string[] {
  const out: string[] = [];
  for (const [key, machine] of Object.entries(MACHINES)) {
    if (!key.startsWith(`${profile}/`)) continue;
    for (const [state, events] of Object.entries(
      machine.table as Record<string, Record<string, readonly { when: string | null }[]>>,
    )) {
      for (const [event, options] of Object.entries(events)) {
        for (const option of options) out.push(tr(key as never, state, event, option.when ?? undefined));
      }
    }
  }
  return out;
}

function set(all: string[], claimed: Set<string>): CoverageSet {
  return { all, covered: all.filter((t) => claimed.has(t)), missing: all.filter((t) => !claimed.has(t)) };
}

/** Coverage of `cases` over the given profiles' packets and transitions. */
export function coverageOf(cases: readonly Case[], profiles: readonly Profile[]): Coverage {
  const claimed = new Set(
    cases.filter((c) => c.profile === 'both' || profiles.includes(c.profile)).flatMap((c) => c.covers),
  );
  const packets = profiles.flatMap(specPackets);
  const transitions = profiles.flatMap(specTransitions);
  const known = new Set([
    ...(['v2', 'legacy'] as const).flatMap(specPackets),
    ...(['v2', 'legacy'] as const).flatMap(specTransitions),
  ]);
  const allClaimed = new Set(cases.flatMap((c) => c.covers));
  return {
    profiles,
    packets: set(packets, claimed),
    transitions: set(transitions, claimed),
    unknown: [...allClaimed].filter((t) => !known.has(t)),
  };
}

const percent = (s: CoverageSet) =>
  s.all.length === 0 ? 100 : Math.floor((s.covered.length / s.all.length) * 100);

/** One summary line, e.g. "packets 22/22 (100%), transitions 58/64 (90%)". */
export function coverageLine(c: Coverage): string {
  return `packets ${c.packets.covered.length}/${c.packets.all.length} (${percent(c.packets)}%), transitions ${c.transitions.covered.length}/${c.transitions.all.length} (${percent(c.transitions)}%)`;
}

/** Readable lines listing what is not covered (transition tags shortened to machine: event). */
export function missingLines(c: Coverage): string[] {
  const lines: string[] = [];
  if (c.packets.missing.length)
    lines.push(`packets not covered: ${c.packets.missing.map((t) => t.slice('packet:'.length)).join(', ')}`);
  if (c.transitions.missing.length) {
    lines.push('transitions not covered:');
    for (const t of c.transitions.missing) lines.push(`  ${t.slice('transition:'.length)}`);
  }
  if (c.unknown.length) lines.push(`tags that name nothing in the spec: ${c.unknown.join(', ')}`);
  return lines;
}
