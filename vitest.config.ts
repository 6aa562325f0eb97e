import { defineConfig } from 'vitest/config';
import { SlowFirst } from './test/support/slow-first.js';

// Tests import the project's TypeScript sources by their usual relative paths. Under c8 (which sets
// NODE_V8_COVERAGE), those imports resolve to the compiled JavaScript in dist/ (`npm test` builds
// first) and Node loads it natively, so c8 sees real modules with source maps and reports coverage
// against src/*.ts, for the test process and the child processes tests spawn alike. Without c8
// (`npx vitest`), tests run straight from the TypeScript sources.
const underCoverage = Boolean(process.env.NODE_V8_COVERAGE);
const compiled =
  /^((?:\.\.\/)+)(src|reference-server|reference-client|conformance|fuzz|bench|tools)\/(.*)\.js$/;

export default defineConfig({
  resolve: {
    alias: underCoverage ? [{ find: compiled, replacement: '$1dist/$2/$3.js' }] : [],
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'coverage/vitest-results.json' }]],
    pool: 'threads',
    // Two files at a time: most wait on servers and sockets, not the CPU (vitest's default is one
    // fewer than the cores, one on a 2-core CI machine).
    maxWorkers: 2,
    // The slowest files first, beside the rest (test/support/slow-first.ts).
    sequence: { sequencer: SlowFirst },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    server: { deps: { external: underCoverage ? [/\/dist\//] : [] } },
  },
});
