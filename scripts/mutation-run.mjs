// `npm run mutation`: StrykerJS over the core (stryker.config.json), then the per-file threshold
// check (scripts/mutation-check.mjs) over the files it mutated.
//
// Without options every file of the config's `mutate` (src/**/*.ts minus src/generated/) is
// mutated; the committed incremental file (reports/stryker-incremental.json) lets Stryker reuse
// the outcome of every mutant whose code and covering tests did not change. For CI and for a
// quick look at one change:
//   --since <ref>     mutate only the core files changed since the merge base with <ref>
//                     (committed, staged, unstaged or new); nothing changed: exit 0 at once
//   --lines           with --since: mutate only the lines the change touched (git diff -U0
//                     hunks; a new file whole), so the cost follows the size of the change
//   --max-lines <n>   with --lines: mutate at most n changed lines (the first ones, file by file);
//                     the lines left out are listed, so a cap that bites is never silent
//   --mutate <files>  mutate only these files (or globs), comma separated
//   --print           print what would be mutated (Stryker's --mutate argument) and stop
//   --timeout-ms <ms> Stryker's timeoutMS (the config's 10000 otherwise); PARLEY_MUTATION_FUZZ=0
//                     leaves the fuzz targets out of the test set (vitest.mutation.config.ts)
// A partial run checks each mutated file against --min-file; the total (--min-total) is checked
// only when the whole core was mutated.
//
// Exit codes: 0 ok, 1 a threshold missed, 2 bad usage, otherwise Stryker's own exit code.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { readOptions } from './cli-options.mjs';

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

/**
 * The line ranges (1-based, inclusive) of each file that differ from the merge base with `ref`:
 * the `+` side of every hunk of `git diff -U0`; an untracked file is one range, the whole file.
 */
function changedRanges(ref, files) {
  const [base] = git(['merge-base', ref, 'HEAD']);
  const untracked = new Set(git(['ls-files', '--others', '--exclude-standard', '--', 'src']));
  return files.map((file) => {
    if (untracked.has(file)) {
      const lines = readFileSync(file, 'utf8').split('\n').length;
      return { file, ranges: [[1, lines]] };
    }
    const ranges = [];
    for (const line of git(['diff', '-U0', base, '--', file])) {
      const hunk = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!hunk) continue;
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      if (count > 0) ranges.push([start, start + count - 1]); // count 0: lines only removed
    }
    return { file, ranges };
  });
}

/** At most `max` lines of the ranges, in order; returns the kept ranges and the ones cut. */
function capRanges(changed, max) {
  let left = max;
  const kept = [];
  const cut = [];
  for (const { file, ranges } of changed) {
    for (const [start, end] of ranges) {
      const size = end - start + 1;
      if (left >= size) {
        kept.push(`${file}:${start}-${end}`);
        left -= size;
      } else if (left > 0) {
        kept.push(`${file}:${start}-${start + left - 1}`);
        cut.push(`${file}:${start + left}-${end}`);
        left = 0;
      } else {
        cut.push(`${file}:${start}-${end}`);
      }
    }
  }
  return { kept, cut };
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
    .option('--lines', 'with --since: mutate only the changed lines, not the whole files')
    .option('--max-lines <n>', 'with --lines: mutate at most this many changed lines', positiveInt)
    .option('--mutate <files>', 'mutate only these files or globs (comma separated)')
    .option('--print', 'print what would be mutated and stop')
    .option('--concurrency <n>', 'test runner processes (default: the config, 1)', positiveInt)
    .option(
      '--timeout-ms <ms>',
      "a mutant's time beyond the dry run's before it counts as a timeout (default: the config)",
      positiveInt,
    )
    .option('--incremental-file <path>', 'the incremental file to read and write (default: the config)')
    .option('--force', 'ignore the incremental file and run every mutant')
    .option('--min-file <pct>', 'lowest score any one mutated file may have', '80')
    .option('--min-total <pct>', 'lowest score of the whole core (full runs only)', '90');
  const read = readOptions(program, argv);
  if (read.opts === undefined) return read.exitCode;
  const opts = read.opts;
  if (opts.since && opts.mutate) {
    process.stderr.write('mutation: --since and --mutate exclude each other\n');
    return 2;
  }

  if ((opts.lines || opts.maxLines) && !opts.since) {
    process.stderr.write('mutation: --lines and --max-lines need --since\n');
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
    if (opts.lines) {
      let ranges;
      try {
        ranges = changedRanges(opts.since, files);
      } catch (error) {
        process.stderr.write(`mutation: ${error.message}\n`);
        return 2;
      }
      const { kept, cut } = capRanges(ranges, opts.maxLines ?? Number.MAX_SAFE_INTEGER);
      if (kept.length === 0) {
        process.stdout.write('mutation: the change only removed lines; nothing to mutate\n');
        return 0;
      }
      if (cut.length > 0) {
        process.stdout.write(
          `mutation: over --max-lines ${opts.maxLines}; not mutated this run: ${cut.join(' ')}\n`,
        );
      }
      mutate = kept.join(',');
    }
  }

  if (opts.print) {
    process.stdout.write(`${mutate ?? '(the config: every core file)'}\n`);
    return 0;
  }

  // The package's exports hide its bin/ directory: find it beside its package.json.
  const pkg = createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json');
  const stryker = path.join(path.dirname(pkg), 'bin', 'stryker.js');
  const args = [stryker, 'run'];
  if (mutate) args.push('--mutate', mutate);
  if (opts.concurrency) args.push('--concurrency', String(opts.concurrency));
  if (opts.timeoutMs) args.push('--timeoutMS', String(opts.timeoutMs));
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
