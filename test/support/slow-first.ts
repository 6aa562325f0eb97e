/**
 * The order vitest starts test files in: the slowest first, so that they run beside the many short
 * files instead of after them. vitest orders a run by the durations it cached from the last one;
 * a clean checkout (CI) has no cache and runs the files in the order it found them, which put the
 * smallest-limits sweeps (minutes each) last and made `npm test` about twice as long as its
 * slowest file. The files named here go first, in this order (slowest first, as measured in a CI
 * run); the others follow in vitest's own order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files by how long they ran in a CI run, slowest first (seconds, on 2 cores). */
export const SLOW_FILES: readonly string[] = [
  'test/conformance/limits-sweep-v2.test.ts', // ~220
  'test/conformance/limits-sweep-legacy.test.ts', // ~100
  'test/conformance/reference.test.ts', // ~38
  'test/server/cli.test.ts', // ~30
  'test/conformance/broken.test.ts', // ~30
  'test/conformance/server-cmd.test.ts', // ~25
  'test/client/tui.e2e.test.ts', // ~22
  'test/client/plain.e2e.test.ts', // ~17
];

/** Rank of a file: its place in SLOW_FILES, or after all of them. */
function rank(spec: TestSpecification): number {
  const at = SLOW_FILES.findIndex((file) => spec.moduleId.endsWith(file));
  return at < 0 ? SLOW_FILES.length : at;
}

export class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: the other files keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
