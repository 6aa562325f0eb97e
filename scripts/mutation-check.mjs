// Reads StrykerJS's JSON report (reports/mutation/mutation.json, written by `npm run mutation`),
// prints the mutation score of every file and fails (exit 1) when a file is below --min-file or
// the whole report is below --min-total (issue 22: every file at least 80%, the core at least 90%).
//
// Stryker's own `thresholds.break` judges only the total, which a few strong files can lift over
// a weak one; this check is per file. The score is Stryker's: detected (killed or timed out) over
// valid mutants (detected, survived, or not covered by any test); mutants that do not compile or
// that Stryker ignored do not count.
//
// A run of part of the core still writes every file the incremental file knows into the report;
// --files limits the table and the thresholds to the files that run mutated; a file named with
// line ranges (file:start-end, as mutation-run.mjs --lines passes them) is judged by the mutants on
// those lines only, whatever else of it the incremental file carried into the report.
//
// Usage: node scripts/mutation-check.mjs [--report <path>] [--min-file 80] [--min-total 90]
//        [--files <files or globs, comma separated>] [--survivors]
// Exit codes: 0 all thresholds met, 1 a threshold missed, 2 bad usage or no readable report.

import { readdirSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { fileMatcher, readOptions } from './cli-options.mjs';

const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Counts of one file's (or all files') mutants by outcome, and the score they give. */
function tally(mutants) {
  const t = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed') t.killed++;
    else if (m.status === 'Timeout') t.timeout++;
    else if (m.status === 'Survived') t.survived++;
    else if (m.status === 'NoCoverage') t.noCoverage++;
    else t.invalid++; // CompileError, RuntimeError, Ignored, Pending
  }
  const detected = t.killed + t.timeout;
  const valid = detected + t.survived + t.noCoverage;
  // A file whose every mutant was invalid has nothing left to detect: it cannot be below a threshold.
  return { ...t, valid, score: valid === 0 ? 100 : (100 * detected) / valid };
}

/**
 * The core files (every .ts file under src/ but src/generated/, the config's `mutate`) that `report` has no
 * entry for, so that a total over the committed incremental file (parts of the core run at
 * different times) says what it leaves out.
 */
function unmeasured(report) {
  const core = readdirSync('src', { recursive: true })
    .map((f) => `src/${String(f).split('\\').join('/')}`)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('src/generated/'));
  return core.filter((f) => !(f in (report.files ?? {}))).sort();
}

/**
 * The line ranges named in a --files list (`file:start-end`, or Stryker's `file:l:c-l:c`), by
 * file; a file also named whole is judged whole. A run of the changed lines (mutation-run.mjs
 * --lines) names ranges, and its report also carries the file's other mutants from the
 * incremental file: only the mutants that start on those lines are the change's.
 */
function lineRanges(list) {
  const ranges = new Map();
  const whole = new Set();
  for (const entry of list.split(',').map((e) => e.trim())) {
    const m = /^(.*?):(\d+)(?::\d+)?-(\d+)(?::\d+)?$/.exec(entry);
    if (!m) {
      if (entry) whole.add(entry);
      continue;
    }
    const [, file, start, end] = m;
    ranges.set(file, [...(ranges.get(file) ?? []), [Number(start), Number(end)]]);
  }
  for (const file of whole) ranges.delete(file);
  return ranges;
}

/** Per-file rows (sorted by path) and their total, from a parsed mutation-testing report. */
function scores(report, selected, ranges = new Map()) {
  const within = (file, mutants) => {
    const lines = ranges.get(file);
    if (lines === undefined) return mutants;
    return mutants.filter((m) =>
      lines.some(([a, b]) => m.location.start.line >= a && m.location.start.line <= b),
    );
  };
  const entries = Object.entries(report.files ?? {})
    .filter(([file]) => selected(file))
    .map(([file, f]) => [file, { ...f, mutants: within(file, f.mutants) }]);
  const files = entries
    .map(([file, { mutants }]) => ({ file, ...tally(mutants) }))
    .sort((a, b) => a.file.localeCompare(b.file));
  const total = tally(entries.flatMap(([, f]) => f.mutants));
  return { files, total };
}

function pct(text) {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('a percentage from 0 to 100');
  return n;
}

function row(cells) {
  const [name, ...rest] = cells;
  return `${String(name).padEnd(44)} ${rest.map((c) => String(c).padStart(8)).join(' ')}`;
}

function main(argv) {
  const program = new Command('mutation-check')
    .description('per-file and total mutation score thresholds over a StrykerJS JSON report')
    .option('--report <path>', 'the JSON report', 'reports/mutation/mutation.json')
    .option('--min-file <pct>', 'lowest score any one file may have', pct, 80)
    .option('--min-total <pct>', 'lowest score of all files together (0: not checked)', pct, 90)
    .option('--files <list>', 'only these files or globs, comma separated (default: every file)')
    .option('--survivors', 'list every surviving and uncovered mutant');
  const read = readOptions(program, argv);
  if (read.opts === undefined) return read.exitCode;
  const opts = read.opts;

  let report;
  try {
    report = JSON.parse(readFileSync(opts.report, 'utf8'));
  } catch (error) {
    process.stderr.write(`mutation-check: cannot read ${opts.report}: ${error.message}\n`);
    return 2;
  }
  const selected = opts.files ? fileMatcher(opts.files) : () => true;
  const { files, total } = scores(report, selected, opts.files ? lineRanges(opts.files) : undefined);
  if (files.length === 0) {
    const which = opts.files ? ` matching ${opts.files}` : '';
    process.stderr.write(`mutation-check: ${opts.report} lists no mutated files${which}\n`);
    return 2;
  }

  const failures = [];
  const lines = [row(['file', 'score %', 'killed', 'timeout', 'survived', 'no cov', 'invalid'])];
  for (const f of files) {
    const low = f.score < opts.minFile;
    if (low) failures.push(`${f.file}: ${f.score.toFixed(1)}% < ${opts.minFile}%`);
    lines.push(
      row([
        f.file,
        `${low ? '!' : ''}${f.score.toFixed(1)}`,
        f.killed,
        f.timeout,
        f.survived,
        f.noCoverage,
        f.invalid,
      ]),
    );
  }
  lines.push(
    row([
      'total',
      total.score.toFixed(1),
      total.killed,
      total.timeout,
      total.survived,
      total.noCoverage,
      total.invalid,
    ]),
  );
  if (opts.minTotal > 0 && total.score < opts.minTotal) {
    failures.push(`total: ${total.score.toFixed(1)}% < ${opts.minTotal}%`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // A total over part of the core is no score of the core: name what it leaves out. (A file with
  // nothing to mutate, types or re-exports only, is never in a report, so this cannot fail a run.)
  if (!opts.files) {
    const missing = unmeasured(report);
    if (missing.length > 0)
      process.stdout.write(
        `not in the report (${missing.length} core files: never measured, or nothing to mutate): ${missing.join(' ')}\n`,
      );
  }

  if (opts.survivors) {
    for (const [file, { mutants }] of Object.entries(report.files).filter(([f]) => selected(f))) {
      for (const m of mutants.filter((x) => UNDETECTED.has(x.status))) {
        const at = `${file}:${m.location.start.line}:${m.location.start.column}`;
        process.stdout.write(`${m.status} ${at} ${m.mutatorName} -> ${JSON.stringify(m.replacement)}\n`);
      }
    }
  }

  if (failures.length > 0) {
    process.stdout.write(`\nmutation-check: FAILED\n  ${failures.join('\n  ')}\n`);
    return 1;
  }
  const totalNote = opts.minTotal > 0 ? `, total >= ${opts.minTotal}%` : '';
  process.stdout.write(`\nmutation-check: ok (every file >= ${opts.minFile}%${totalNote})\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
