// Code generator: spec/parley.spec.json -> spec/spec.schema.json, src/generated/*.ts, spec/PROTOCOL.md.
//
//   node scripts/gen.mjs                 write every generated file
//   node scripts/gen.mjs --check         write nothing; exit 1 listing the files that are out of date
//   --spec PATH                          read another spec (default: spec/parley.spec.json)
//   --out DIR                            write under another root (default: the repository)
//
// Plain JavaScript so that it runs without a TypeScript build. The output is deterministic: the same
// spec always gives the same bytes.
//
// This file is the command line (arguments, writing or checking the files); the loader, the checks and
// one emitter per generated file live in scripts/gen/.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { genConstants } from './gen/emit-constants.mjs';
import { genErrors } from './gen/emit-errors.mjs';
import { genLegacyPackets } from './gen/emit-legacy-packets.mjs';
import { genMachines } from './gen/emit-machines.mjs';
import { genProtocol } from './gen/emit-protocol.mjs';
import { genUnicodeNames } from './gen/emit-unicode.mjs';
import { genV2Packets } from './gen/emit-v2-packets.mjs';
import { loadSpec } from './gen/load.mjs';
import { SPEC_NAME } from './gen/spec-model.mjs';
import { specFormat } from './spec-format.mjs';

export { checkReferences, formatPath, loadSpec, validateFormat } from './gen/load.mjs';
export { LOCAL_EVENTS } from './gen/spec-model.mjs';
export { q } from './gen/ts.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The generated files, relative to the output root. */
export const OUTPUT_FILES = Object.freeze([
  'spec/spec.schema.json',
  'src/generated/constants.ts',
  'src/generated/errors.ts',
  'src/generated/v2-packets.ts',
  'src/generated/legacy-packets.ts',
  'src/generated/machines.ts',
  'src/generated/unicode-names.ts',
  'spec/PROTOCOL.md',
]);

/** Every generated file for a valid spec (and the Unicode data under `root`): path -> content. */
export function generate(spec, root = ROOT) {
  const jsonSchema = z.toJSONSchema(specFormat);
  return new Map([
    ['spec/spec.schema.json', `${JSON.stringify(jsonSchema, null, 2)}\n`],
    ['src/generated/constants.ts', genConstants(spec)],
    ['src/generated/errors.ts', genErrors(spec)],
    ['src/generated/v2-packets.ts', genV2Packets(spec)],
    ['src/generated/legacy-packets.ts', genLegacyPackets(spec)],
    ['src/generated/machines.ts', genMachines(spec)],
    ['src/generated/unicode-names.ts', genUnicodeNames(root)],
    ['spec/PROTOCOL.md', genProtocol(spec)],
  ]);
}

function parseArgs(argv) {
  const opts = { check: false, spec: path.join(ROOT, SPEC_NAME), out: ROOT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') opts.check = true;
    else if (arg === '--spec' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      opts[arg.slice(2)] = path.resolve(value);
    } else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  return opts;
}

/** Runs the generator; returns the exit code. */
export function main(argv, log = console.log, logError = console.error) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    logError(`gen: ${e.message}`);
    return 2;
  }
  if (opts.help) {
    log('usage: node scripts/gen.mjs [--check] [--spec PATH] [--out DIR]');
    return 0;
  }
  const { spec, errors } = loadSpec(opts.spec);
  if (!spec) {
    const shown = path.relative(process.cwd(), opts.spec);
    logError(`gen: ${shown.startsWith('..') ? opts.spec : shown} is not a valid spec:`);
    for (const e of errors) logError(`  - ${e}`);
    return 1;
  }
  const files = generate(spec);
  if (opts.check) {
    const stale = [];
    for (const [rel, content] of files) {
      const file = path.join(opts.out, rel);
      if (!existsSync(file)) stale.push(`${rel} (missing)`);
      else if (readFileSync(file, 'utf8') !== content) stale.push(`${rel} (out of date)`);
    }
    if (stale.length) {
      logError('gen: generated files are not up to date with the spec:');
      for (const s of stale) logError(`  - ${s}`);
      logError('Run `npm run gen` to update them.');
      return 1;
    }
    log(`gen: all ${files.size} generated files are up to date.`);
    return 0;
  }
  for (const [rel, content] of files) {
    const file = path.join(opts.out, rel);
    const same = existsSync(file) && readFileSync(file, 'utf8') === content;
    if (!same) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    log(`${same ? 'unchanged' : 'wrote    '} ${rel}`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
