import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The test set that `npm run mutation` (StrykerJS, stryker.config.json) runs against each mutant:
// the in-process tests only (test/core, the client core's tests on an in-memory network or a
// scripted server, and the fuzz targets that run in-process). Tests that spawn processes, talk TCP
// to a server, or run the built dist/ never load the mutated sources, so they would only cost
// time; sans-io.test.ts reads the sources as text, which Stryker has rewritten with its mutant
// switches.
//
// Stryker runs the tests in a copy of the repository at .stryker-tmp/sandbox-*/, where the
// repository root's sibling `shared/` (the recorded legacy session) is not beside it. There the
// sandbox gets a link to the real one: $PARLEY_SHARED if set, else the project's own sibling.
const root = path.dirname(fileURLToPath(import.meta.url));
const sandboxed = path.basename(path.dirname(root)) === '.stryker-tmp';
const sibling = path.join(root, '..', 'shared');
if (sandboxed && !existsSync(sibling)) {
  const real = process.env.PARLEY_SHARED ?? path.join(root, '..', '..', '..', 'shared');
  if (existsSync(real)) {
    try {
      symlinkSync(path.resolve(real), sibling, 'dir');
    } catch (error) {
      // Another Stryker worker may have linked it first.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

// PARLEY_MUTATION_FUZZ=0 leaves the fuzz targets out: for the hub files (chat-server, v2-dialect,
// the v2 connections, fair-queue) that nearly every test covers, each of their campaigns runs
// hundreds of properties per mutant (bench/MUTATION.md). Fewer tests can only kill fewer mutants,
// so a score measured without them is a lower bound.
const withFuzz = process.env.PARLEY_MUTATION_FUZZ !== '0';
const FUZZ = [
  'test/fuzz/crypto.test.ts',
  'test/fuzz/framing.test.ts',
  'test/fuzz/kex.test.ts',
  'test/fuzz/observe.test.ts',
  'test/fuzz/session.test.ts',
];

export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/client/client-session.test.ts',
      'test/client/member-keys.test.ts',
      'test/client/presence.test.ts',
      'test/client/room-book.test.ts',
      'test/client/rooms-session.test.ts',
      'test/client/*-mutants.test.ts',
      'test/client/trust.test.ts',
      ...(withFuzz ? FUZZ : []),
    ],
    exclude: ['test/core/sans-io.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
