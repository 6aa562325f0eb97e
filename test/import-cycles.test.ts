/**
 * No import cycles (scripts/import-cycles.mjs, also run by `npm run lint`) in any TypeScript folder:
 * each module's dependencies point one way.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface CycleFinder {
  readonly FOLDERS: readonly string[];
  importGraph(dirs: readonly string[]): Map<string, string[]>;
  importCycles(graph: Map<string, string[]>): string[][];
}

const finder = (await import(
  pathToFileURL(path.join(ROOT, 'scripts/import-cycles.mjs')).href
)) as CycleFinder;

describe('import cycles', () => {
  it('has none in any folder: the core, the adapters, the suites, the tools and the tests', () => {
    const dirs = finder.FOLDERS.map((d) => path.join(ROOT, d));
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

  it('finds a cycle through an import for its side effects only', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cycles-'));
    writeFileSync(path.join(dir, 'a.ts'), "import './b.js';\n");
    writeFileSync(path.join(dir, 'b.ts'), "import { x } from './a.js';\nexport const y = x;\n");
    const cycles = finder.importCycles(finder.importGraph([dir]));
    expect(cycles.map((c) => c.map((f) => path.relative(dir, f)))).toEqual([['a.ts', 'b.ts']]);
  });
});
