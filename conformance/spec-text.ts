/**
 * The spec text that cases quote, read from spec/parley.spec.json (never restated by hand).
 *
 * How this works: every string in the spec is split into numbered segments ("5.3 Each side
 * validates...") and sentences. `quote(section, phrase)` returns the sentence of that section
 * that contains the phrase, prefixed with its section; a phrase the spec no longer contains gives
 * a marked fallback that a test catches, so the suite notices when the spec changes under it.
 * `pkt()` and `tr()` build the coverage tags that coverage.ts checks against the generated tables.
 */
import spec from '../spec/parley.spec.json' with { type: 'json' };
import type { Profile } from '../src/generated/constants.js';
import { FRAMING_OUTCOMES } from '../src/generated/errors.js';

export const SPEC_NAME = `${spec.name} ${spec.version}`;

/** Marks a quote whose phrase the spec does not contain (tests look for it). */
export const MISSING_QUOTE = '(spec text not found:';

interface Segment {
  readonly section: string | null;
  readonly text: string;
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, out);
}

const SEGMENT_START = /(?:^|\s)(\d+\.\d+) (?=[A-Z`*])/g;

function segmentsOf(text: string): Segment[] {
  const starts = [...text.matchAll(SEGMENT_START)];
  if (starts.length === 0) return [{ section: null, text }];
  const out: Segment[] = [];
  if (starts[0].index > 0) out.push({ section: null, text: text.slice(0, starts[0].index).trim() });
  starts.forEach((m, i) => {
    const from = m.index + m[0].length;
    const to = i + 1 < starts.length ? starts[i + 1].index : text.length;
    out.push({ section: m[1], text: text.slice(from, to).trim() });
  });
  return out;
}

const ALL: Segment[] = (() => {
  const strings: string[] = [];
  collectStrings(spec, strings);
  return strings.flatMap(segmentsOf);
})();

function sentenceWith(text: string, phrase: string): string | undefined {
  const sentences = text.split(/(?<=[.;:])\s+(?=[A-Z`])/);
  const needle = phrase.toLowerCase();
  return sentences.find((s) => s.toLowerCase().includes(needle));
}

/** The sentence of `section` containing `phrase` (searched across the whole spec if needed). */
export function quote(section: string, phrase: string): string {
  const ordered = [...ALL.filter((s) => s.section === section), ...ALL.filter((s) => s.section !== section)];
  for (const segment of ordered) {
    const sentence = sentenceWith(segment.text, phrase);
    if (sentence) return `${segment.section ?? section} ${sentence}`;
  }
  return `${MISSING_QUOTE} section ${section}, "${phrase}")`;
}

/** A framing outcome row (3.2/N, 3.3/N) as a sentence. */
export function outcome(id: string): string {
  const row = FRAMING_OUTCOMES.find((o) => o.id === id);
  if (!row) return `${MISSING_QUOTE} framing outcome ${id})`;
  return `${row.id} ${row.input}: ${row.code ?? 'clean end'}. ${row.text}`;
}

type MachineKey = 'v2/server' | 'v2/client' | 'legacy/server' | 'legacy/client';

interface SpecTransition {
  readonly from: string;
  readonly on: string;
  readonly when?: string;
  readonly to: string;
  readonly does: string;
}

function specMachine(key: MachineKey): { section: string; transitions: readonly SpecTransition[] } {
  const [profile, role] = key.split('/') as [Profile, 'server' | 'client'];
  return spec.profiles[profile].machines[role] as never;
}

/** A transition row of section 13, as a sentence. */
export function transition(key: MachineKey, from: string, on: string, when?: string): string {
  const machine = specMachine(key);
  const row = machine.transitions.find(
    (t) => t.from === from && t.on === on && (t.when ?? null) === (when ?? null),
  );
  if (!row) return `${MISSING_QUOTE} transition ${key} ${from} ${on})`;
  return `${machine.section} ${key}: ${from} --${on}${when ? ` [${when}]` : ''}--> ${row.to}: ${row.does}.`;
}

/** A packet's description (v2 by type, legacy by typ). */
export function packetText(profile: Profile, type: string): string {
  const packets = spec.profiles[profile].packets as readonly {
    type?: string;
    typ?: string;
    section: string;
    text: string;
  }[];
  const row = packets.find((p) => (p.type ?? p.typ) === type);
  if (!row) return `${MISSING_QUOTE} packet ${profile} ${type})`;
  return `${row.section} \`${type}\`: ${row.text}`;
}

/** A limit's description (section 11). */
export function limitText(name: string): string {
  const row = spec.limits.find((l) => l.name === name);
  if (!row) return `${MISSING_QUOTE} limit ${name})`;
  return `11 ${name} (default ${row.default} ${row.unit}): ${row.text}`;
}

/** Coverage tag of a packet type. */
export function pkt(profile: Profile, type: string): string {
  return `packet:${profile}/${type}`;
}

/** Coverage tag of a transition; `event` is a packet type or `send:<type>`. */
export function tr(key: MachineKey, from: string, event: string, when?: string): string {
  return `transition:${key}:${from}:${event}${when ? `:${when}` : ''}`;
}

/** Joins quotes into one specText. */
export function texts(...parts: string[]): string {
  return parts.join(' | ');
}
