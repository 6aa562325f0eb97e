// Merges StrykerJS incremental reports (mutation-testing-report JSON) written by separate runs,
// for example one per part of the core run side by side in separate checkouts, into one report
// that a later `npm run mutation` can start from.
//
// Why it is more than a union: a report names its tests by number ("1058"), and the numbers are
// only meaningful inside the report that wrote them (each run numbers the tests of its own dry
// run). So every mutant's `coveredBy` and `killedBy` are rewritten to the merged report's numbers
// through the test's file and name, which is all the vitest runner reports about a test and all
// that Stryker's incremental diff matches tests by.
//
// Later reports win: a source file's mutants come from the last report that has it. A run's
// incremental file carries every file an earlier run knew, not only those it mutated, and Stryker
// rewrites those carried entries too, so a part's report is best given as `report=files`, the
// files its run mutated (its --mutate list), and only they come from it. A test
// file's tests from the last report whose copy of it equals the file in the working tree (else
// the last report that has it). A mutant pointing at a test that the chosen copy lacks keeps a
// test of that name, so Stryker sees it as removed and runs the mutant again rather than trusting
// an outcome it cannot check.
//
// Usage: node scripts/mutation-merge.mjs --out <file> <report>[=<files>] [<report>[=<files>]...]
// Exit codes: 0 written, 2 bad usage or an unreadable report.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { fileMatcher, readOptions } from './cli-options.mjs';

/** Each report's test id -> "file\0name", from its testFiles section. */
function testKeys(report) {
  const keys = new Map();
  for (const [file, { tests }] of Object.entries(report.testFiles ?? {})) {
    for (const t of tests) keys.set(t.id, `${file}\0${t.name}`);
  }
  return keys;
}

/** The copy of each test file the merged report keeps: the working tree's, when a report has it. */
function chooseTestFiles(reports) {
  const chosen = new Map();
  for (const report of reports) {
    for (const [file, entry] of Object.entries(report.testFiles ?? {})) {
      const onDisk = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      const held = chosen.get(file);
      const heldMatches = held !== undefined && held.source === onDisk;
      if (!heldMatches || entry.source === onDisk) chosen.set(file, entry);
    }
  }
  return chosen;
}

function mergeReports(reports) {
  if (reports.length === 0) throw new Error('no report to merge');
  const chosen = chooseTestFiles(reports);
  const ids = new Map(); // "file\0name" -> merged id
  const testFiles = {};
  const add = (file, name, rest = {}) => {
    const key = `${file}\0${name}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = String(ids.size);
      ids.set(key, id);
      testFiles[file] ??= { ...chosen.get(file), tests: [] };
      testFiles[file].tests.push({ ...rest, id, name });
    }
    return id;
  };
  for (const [file, entry] of chosen) {
    for (const { id: _old, name, ...rest } of entry.tests) add(file, name, rest);
  }

  const files = {};
  for (const report of reports) {
    const keys = testKeys(report);
    const remap = (list) =>
      (list ?? []).flatMap((old) => {
        const key = keys.get(old);
        if (key === undefined) return [];
        const [file, name] = key.split('\0');
        return [add(file, name)];
      });
    for (const [file, entry] of Object.entries(report.files ?? {})) {
      if (!report.mutated(file)) continue;
      files[file] = {
        ...entry,
        mutants: entry.mutants.map((m) => ({
          ...m,
          coveredBy: remap(m.coveredBy),
          killedBy: remap(m.killedBy),
        })),
      };
    }
  }
  const { mutated: _m, ...last } = reports[reports.length - 1];
  return { ...last, files, testFiles };
}

function main(argv) {
  const program = new Command('mutation-merge')
    .description('merge StrykerJS incremental reports of separate runs into one')
    .requiredOption('--out <file>', 'where to write the merged report')
    .argument(
      '<reports...>',
      'the reports, oldest first (later ones win); `report=files` takes only those source files (comma separated, globs) from it',
    );
  const read = readOptions(program, argv);
  if (read.opts === undefined) return read.exitCode;
  let reports;
  try {
    reports = program.args.map((arg) => {
      // `report=files`: only these source files come from this report (the ones its run mutated).
      const at = arg.indexOf('=');
      const file = at === -1 ? arg : arg.slice(0, at);
      const report = JSON.parse(readFileSync(file, 'utf8'));
      report.mutated = at === -1 ? () => true : fileMatcher(arg.slice(at + 1));
      return report;
    });
  } catch (error) {
    process.stderr.write(`mutation-merge: ${error.message}\n`);
    return 2;
  }
  const merged = mergeReports(reports);
  writeFileSync(read.opts.out, JSON.stringify(merged));
  const mutants = Object.values(merged.files).reduce((n, f) => n + f.mutants.length, 0);
  const tests = Object.values(merged.testFiles).reduce((n, f) => n + f.tests.length, 0);
  process.stdout.write(
    `${read.opts.out}: ${Object.keys(merged.files).length} files, ${mutants} mutants, ${tests} tests\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
