// `npm run mutation`: StrykerJS over the core (stryker.config.json), then the per-file threshold
// check (scripts/mutation-check.mjs) over the files it mutated.
//
// Without options every file of the config's `mutate` (src/**/*.ts minus src/generated/) is
// mutated; the committed incremental file (reports/stryker-incremental.json) lets Stryker reuse
// the outcome of every mutant whose code and covering tests did not change. For CI and for a
// quick look at one change:
//   --since <ref>     mutate only the core files changed since the merge base with <ref>
//                     (committed, staged, unstaged or new); nothing changed: exit 0 at once
//   --mutate <files>  mutate only these files (or globs), comma separated
// A partial run checks each mutated file against --min-file; the total (--min-total) is checked
// only when the whole core was mutated.
//
// Exit codes: 0 ok, 1 a threshold missed, 2 bad usage, otherwise Stryker's own exit code.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

const CORE = /^src\/(?!generated\/).*\.ts$/;

function git(args) {
  const r = spawnSync('git', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** The core files that differ from the merge base of HEAD and `ref`, including uncommitted ones. */
function changedSince(ref) {
  const [base] = git(['merge-base', ref, 'HEAD']);
  const changed = [
    ...git(['diff', '--name-only', '--diff-filter=d', base, '--', 'src']),
    ...git(['ls-files', '--others', '--exclude-standard', '--', 'src']),
  ];
  return [...new Set(changed)].filter((f) => CORE.test(f) && existsSync(f)).sort();
}

function positiveInt(text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function main(argv) {
  const program = new Command('mutation')
    .description('mutation testing of the core with StrykerJS, then the per-file threshold check')
    .option('--since <ref>', 'mutate only the core files changed since the merge base with <ref>')
    .option('--mutate <files>', 'mutate only these files or globs (comma separated)')
    .option('--concurrency <n>', 'test runner processes (default: the config, 1)', positiveInt)
    .option('--incremental-file <path>', 'the incremental file to read and write (default: the config)')
    .option('--force', 'ignore the incremental file and run every mutant')
    .option('--min-file <pct>', 'lowest score any one mutated file may have', '80')
    .option('--min-total <pct>', 'lowest score of the whole core (full runs only)', '90')
    .exitOverride()
    .configureOutput({ writeErr: (t) => process.stderr.write(t) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return error.exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts();
  if (opts.since && opts.mutate) {
    process.stderr.write('mutation: --since and --mutate exclude each other\n');
    return 2;
  }

  let mutate = opts.mutate;
  if (opts.since) {
    let files;
    try {
      files = changedSince(opts.since);
    } catch (error) {
      process.stderr.write(`mutation: ${error.message}\n`);
      return 2;
    }
    if (files.length === 0) {
      process.stdout.write(`mutation: no core file changed since ${opts.since}; nothing to mutate\n`);
      return 0;
    }
    process.stdout.write(
      `mutation: ${files.length} core file(s) changed since ${opts.since}: ${files.join(' ')}\n`,
    );
    mutate = files.join(',');
  }

  // The package's exports hide its bin/ directory: find it beside its package.json.
  const pkg = createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json');
  const stryker = path.join(path.dirname(pkg), 'bin', 'stryker.js');
  const args = [stryker, 'run'];
  if (mutate) args.push('--mutate', mutate);
  if (opts.concurrency) args.push('--concurrency', String(opts.concurrency));
  if (opts.incrementalFile) args.push('--incrementalFile', opts.incrementalFile);
  if (opts.force) args.push('--force');
  const status = run(process.execPath, args);
  if (status !== 0) return status;

  const check = ['scripts/mutation-check.mjs', '--min-file', opts.minFile];
  check.push('--min-total', mutate ? '0' : opts.minTotal);
  // The report also carries the files the incremental file knows from earlier runs: judge only these.
  if (mutate) check.push('--files', mutate);
  return run(process.execPath, check);
}

process.exitCode = main(process.argv.slice(2));
