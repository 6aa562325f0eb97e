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
// This file is the command line (arguments through commander, writing or checking the files); the loader, the checks and
// one emitter per generated file live in scripts/gen/.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import { genConstants } from './gen/emit-constants.mjs';
import { genErrors } from './gen/emit-errors.mjs';
import { genLegacyPackets } from './gen/emit-legacy-packets.mjs';
import { genMachines } from './gen/emit-machines.mjs';
import { genProtocol } from './gen/emit-protocol.mjs';
import { expandPattern, genUnicodeNames } from './gen/emit-unicode.mjs';
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
    ['src/generated/constants.ts', genConstants(spec, expandPattern(spec.profiles.v2.names.pattern, root))],
    ['src/generated/errors.ts', genErrors(spec)],
    ['src/generated/v2-packets.ts', genV2Packets(spec)],
    ['src/generated/legacy-packets.ts', genLegacyPackets(spec)],
    ['src/generated/machines.ts', genMachines(spec)],
    ['src/generated/unicode-names.ts', genUnicodeNames(root)],
    ['spec/PROTOCOL.md', genProtocol(spec)],
  ]);
}

/** The command line: `--check`, `--spec PATH`, `--out DIR` (commander prints --help and usage errors). */
function command(log, logError) {
  return new Command('gen')
    .description('Generate spec/spec.schema.json, src/generated/*.ts and spec/PROTOCOL.md from the spec.')
    .option('--check', 'write nothing; exit 1 listing the files that are out of date', false)
    .option('--spec <path>', 'read another spec', path.join(ROOT, SPEC_NAME))
    .option('--out <dir>', 'write under another root', ROOT)
    .allowExcessArguments(false)
    .configureOutput({
      writeOut: (text) => log(text.trimEnd()),
      writeErr: (text) => logError(text.trimEnd()),
    })
    .exitOverride();
}

/** Runs the generator; returns the exit code. */
export function main(argv, log = console.log, logError = console.error) {
  let opts;
  try {
    opts = command(log, logError).parse(argv, { from: 'user' }).opts();
  } catch (e) {
    // commander has printed the usage error or the help already.
    return e.exitCode === 0 ? 0 : 2;
  }
  opts.spec = path.resolve(opts.spec);
  opts.out = path.resolve(opts.out);
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
