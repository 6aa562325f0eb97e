/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went: self time per function.
 *
 * How this works: each sample names the innermost frame that was running, and timeDeltas give the
 * time since the previous sample; adding each delta to its sample's function gives self time.
 * Functions are keyed by name and source location, so that one function reached by many call paths
 * counts once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly fn: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export function selfTimes(profile: CpuProfile): { totalMs: number; entries: SelfTime[] } {
  const byNode = new Map<number, CpuProfileNode>();
  for (const node of profile.nodes) byNode.set(node.id, node);
  const totals = new Map<string, { fn: string; where: string; us: number }>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    const frame = byNode.get(id)?.callFrame;
    if (!frame) return;
    const fn = frame.functionName || '(anonymous)';
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const entry = totals.get(key) ?? { fn, where, us: 0 };
    entry.us += dt;
    totals.set(key, entry);
    totalUs += dt;
  });
  const entries = [...totals.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({
      fn: e.fn,
      where: e.where,
      ms: e.us / 1000,
      percent: totalUs ? (100 * e.us) / totalUs : 0,
    }));
  return { totalMs: totalUs / 1000, entries };
}

/** The newest .cpuprofile files in `dir`, read and summarised. */
export function summariseProfiles(dir: string): { file: string; totalMs: number; entries: SelfTime[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => {
      const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
      return { file: join(dir, f), ...selfTimes(profile) };
    });
}
