/**
 * No import cycles (scripts/import-cycles.mjs) in the core, the server and the tools built on them:
 * each module's dependencies point one way.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface CycleFinder {
  importGraph(dirs: readonly string[]): Map<string, string[]>;
  importCycles(graph: Map<string, string[]>): string[][];
}

const finder = (await import(
  pathToFileURL(path.join(ROOT, 'scripts/import-cycles.mjs')).href
)) as CycleFinder;

describe('import cycles', () => {
  it('has none in src, reference-server, bench and fuzz', () => {
    const dirs = ['src', 'reference-server', 'bench', 'fuzz'].map((d) => path.join(ROOT, d));
    const cycles = finder.importCycles(finder.importGraph(dirs));
    expect(cycles.map((c) => c.map((f) => path.relative(ROOT, f)))).toEqual([]);
  });

  it('finds a cycle through a type-only import and a dynamic one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cycles-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './sub/b.js';\nexport type A = B;\n");
    writeFileSync(path.join(dir, 'sub', 'b.ts'), "export type B = 1;\nawait import('../c.js');\n");
    writeFileSync(path.join(dir, 'c.ts'), "export { type A } from './a.js';\n");
    writeFileSync(path.join(dir, 'd.ts'), "import './a.js';\n");
    const cycles = finder.importCycles(finder.importGraph([dir]));
    expect(cycles.map((c) => c.map((f) => path.relative(dir, f)))).toEqual([['a.ts', 'c.ts', 'sub/b.ts']]);
  });
});
