// Import cycles among the TypeScript modules under the given folders.
//
//   node scripts/import-cycles.mjs              every TypeScript folder (npm run lint runs this)
//   node scripts/import-cycles.mjs src bench    only these; prints each cycle, exit 1 if any
//
// A module's dependencies are the relative modules it names in `import ... from`, `export ... from`
// (type-only ones included: they tie the modules' designs together too), `import '...'` and
// `await import(...)`.
// The cycles are the strongly connected components of more than one module (Tarjan's algorithm).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const STATIC = /^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms;
const DYNAMIC = /import\('(\.[^']+)'\)/g;
const BARE = /^import\s+'(\.[^']+)'/gm;

/** The folders with TypeScript modules, checked when none are named. */
export const FOLDERS = [
  'src',
  'reference-server',
  'reference-client',
  'conformance',
  'fuzz',
  'bench',
  'tools',
  'test',
];

function tsFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      if (name !== 'node_modules') tsFiles(file, out);
    } else if (file.endsWith('.ts')) out.push(path.resolve(file));
  }
  return out;
}

/** Module -> the modules it imports, for every .ts file under `dirs`. */
export function importGraph(dirs) {
  const files = new Set(dirs.flatMap((d) => tsFiles(d)));
  const graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(STATIC), ...text.matchAll(BARE), ...text.matchAll(DYNAMIC)].map(
      (m) => m[1],
    );
    const deps = specifiers
      .map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')))
      .filter((target) => files.has(target));
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** Every import cycle in `graph`, each as a list of modules. */
export function importCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dirs = process.argv.slice(2);
  const graph = importGraph((dirs.length ? dirs : FOLDERS).map((d) => path.resolve(root, d)));
  const cycles = importCycles(graph);
  for (const cycle of cycles) console.log(`cycle: ${cycle.map((f) => path.relative(root, f)).join(' <-> ')}`);
  console.log(`${cycles.length} import cycle(s) among ${graph.size} modules`);
  process.exitCode = cycles.length ? 1 : 0;
}
