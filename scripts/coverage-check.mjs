// Line coverage per folder, after `c8 vitest run` (npm test): c8 checks one threshold over all the
// files it measures; this holds each folder to its own. The core (src/) must stay at or above 90%
// of lines, each adapter at or above 85%, so that dead code in any of them shows.
//
//   node scripts/coverage-check.mjs [--summary coverage/coverage-summary.json]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';

export const FOLDERS = Object.freeze({ src: 90, 'reference-server': 85, 'reference-client': 85 });

/** Lines covered and found per folder, from c8's json-summary (keys are absolute file paths). */
export function linesByFolder(summary, root) {
  const totals = Object.fromEntries(Object.keys(FOLDERS).map((f) => [f, { covered: 0, total: 0 }]));
  for (const [file, counts] of Object.entries(summary)) {
    if (file === 'total') continue;
    const rel = path.relative(root, file).split(path.sep);
    // Source maps point the compiled files back at the TypeScript sources (src/..., not dist/src/...).
    const folder = rel[0] === 'dist' ? rel[1] : rel[0];
    if (!(folder in totals)) continue;
    totals[folder].covered += counts.lines.covered;
    totals[folder].total += counts.lines.total;
  }
  return totals;
}

/** The folders under their threshold, with their percentages, as lines to print. */
export function check(totals) {
  const report = [];
  let ok = true;
  for (const [folder, min] of Object.entries(FOLDERS)) {
    const { covered, total } = totals[folder];
    const pct = total === 0 ? 0 : (100 * covered) / total;
    const pass = total > 0 && pct >= min;
    ok &&= pass;
    report.push(
      `${pass ? 'ok  ' : 'LOW '} ${folder.padEnd(17)} ${pct.toFixed(2).padStart(6)}% of ${total} lines (min ${min}%)`,
    );
  }
  return { ok, report };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const opts = new Command('coverage-check')
    .description('Line coverage per folder: src/ >= 90%, reference-server/ and reference-client/ >= 85%.')
    .option('--summary <file>', "c8's json-summary", 'coverage/coverage-summary.json')
    .parse()
    .opts();
  const summary = JSON.parse(readFileSync(opts.summary, 'utf8'));
  const { ok, report } = check(linesByFolder(summary, process.cwd()));
  for (const line of report) console.log(line);
  if (!ok) {
    console.error('coverage-check: a folder is under its line coverage threshold');
    process.exitCode = 1;
  }
}
