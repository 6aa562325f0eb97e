/**
 * Writes the test vectors in spec/vectors/ from tools/vector-builder.ts.
 *
 * Usage: `npm run vectors` writes every file; `npm run vectors -- --check` writes nothing and exits 1,
 * listing the files that are missing or differ from what the builder makes now.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderVectorFile, VECTOR_FILES } from './vector-builder.js';

/** The repository root: the nearest folder above this script that holds package.json. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('make-vectors: no package.json above this script');
    dir = up;
  }
  return dir;
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`make-vectors: unknown argument ${unknown[0]} (usage: make-vectors [--check])`);
    return 2;
  }
  const dir = path.join(repoRoot(), 'spec', 'vectors');
  const differing: string[] = [];
  if (!check) mkdirSync(dir, { recursive: true });
  for (const [name, build] of Object.entries(VECTOR_FILES)) {
    const file = path.join(dir, name);
    const text = renderVectorFile(build());
    const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (check) {
      if (current !== text) differing.push(path.relative(process.cwd(), file));
    } else if (current !== text) {
      writeFileSync(file, text);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  if (differing.length > 0) {
    console.error(`make-vectors: these files differ from the builder (run npm run vectors):`);
    for (const f of differing) console.error(`  ${f}`);
    return 1;
  }
  if (check) console.log('make-vectors: every vector file is up to date');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
