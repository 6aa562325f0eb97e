/**
 * Reports: the console (progress lines, a summary table, coverage, the result), a JSON document
 * with one record per case (verdict, duration, expected, actual, hex wire log), and JUnit XML.
 *
 * How this works: the console reporter is fed each result as it arrives, prints the area header
 * when the area changes, and expected/actual under anything that is not OK. Colours are used only
 * on a terminal and never when NO_COLOR is set. The JSON and JUnit writers are pure functions of
 * the run outcome, so tests can parse what they produce.
 */
import { areaOf, type Case, type SuiteOptions, VERDICTS, type Verdict } from './case.js';
import { type Coverage, coverageLine, missingLines } from './coverage.js';
import type { CaseResult, RunOutcome } from './runner.js';
import { SPEC_NAME } from './spec-text.js';

export type Write = (line: string) => void;

const COLOURS: Record<Verdict | 'dim' | 'bold', string> = {
  OK: '\x1b[32m',
  'NON-STRICT': '\x1b[33m',
  INFORMATIONAL: '\x1b[36m',
  FAILED: '\x1b[31m',
  CRASHED: '\x1b[35m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
};
const MARK: Record<Verdict, string> = {
  OK: '✓',
  'NON-STRICT': '!',
  INFORMATIONAL: 'i',
  FAILED: '✗',
  CRASHED: '☠',
};
const LABEL: Record<Verdict, string> = {
  OK: 'OK',
  'NON-STRICT': 'NON-STRICT',
  INFORMATIONAL: 'INFO',
  FAILED: 'FAILED',
  CRASHED: 'CRASHED',
};

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

export interface ConsoleOptions {
  readonly colour: boolean;
  readonly verbose?: boolean;
  /** Terminal width; lines are cut to it. Without one (a log, CI) nothing is cut. */
  readonly columns?: number;
}

export class ConsoleReporter {
  private area = '';
  private timers = false;
  private idWidth = 20;

  constructor(
    private readonly write: Write,
    private readonly options: ConsoleOptions,
  ) {}

  private paint(kind: keyof typeof COLOURS, text: string): string {
    return this.options.colour ? `${COLOURS[kind]}${text}\x1b[0m` : text;
  }

  header(options: SuiteOptions, cases: readonly Case[], strict: boolean): void {
    const timed = cases.filter((c) => c.waitsFor).length;
    this.idWidth = Math.max(...cases.map((c) => c.id.length));
    this.write(this.paint('bold', `Parley conformance suite (${SPEC_NAME})`));
    this.write(
      `  target    ${options.host}:${options.port}, profile ${options.profile}${strict ? ', strict' : ''}`,
    );
    const idle =
      options.profile === 'legacy'
        ? ''
        : options.idleTimeoutMs === undefined
          ? '; idle timeout not given (idle cases not checked)'
          : `; idle ping ${options.idlePingMs ?? '?'} ms, idle timeout ${options.idleTimeoutMs} ms`;
    this.write(
      `  waits     ${options.timeoutMs} ms per wait; server handshake timeout ${options.handshakeTimeoutMs} ms${idle}`,
    );
    this.write(
      `  cases     ${cases.length}${timed ? ` (${timed} wait for server timers and run alongside the others)` : ''}`,
    );
  }

  result(r: CaseResult): void {
    const area = r.case.waitsFor ? 'server timers' : areaOf(r.case.id);
    if (r.case.waitsFor && !this.timers) {
      this.timers = true;
      this.area = area;
      this.write('');
      this.write(
        `${this.paint('bold', area)} ${this.paint('dim', "(these waited for the server's own timeouts, alongside the cases above)")}`,
      );
    } else if (area !== this.area) {
      this.area = area;
      this.write('');
      this.write(this.paint('bold', area));
    }
    const expectation =
      r.expectation === 'expected-failure'
        ? ' (expected)'
        : r.expectation === 'unexpected-pass'
          ? ' (unexpected pass)'
          : '';
    const label = this.paint(r.verdict, `${MARK[r.verdict]} ${LABEL[r.verdict].padEnd(10)}`);
    const ms = this.paint('dim', `${r.durationMs} ms`.padStart(8));
    const head = `  ${label} ${r.case.id.padEnd(this.idWidth)} ${ms}  `;
    const room = this.options.columns
      ? this.options.columns - (head.length - (label.length - 12) - (ms.length - 8))
      : 0;
    const text = r.case.description + expectation;
    this.write(`${head}${room > 10 ? clip(text, room) : text}`);
    if (r.verdict === 'INFORMATIONAL' && r.findings.length === 0) {
      this.write(`      observed  ${r.actual}`);
    } else if (r.verdict !== 'OK') {
      this.write(`      expected  ${r.expected}`);
      this.write(`      actual    ${r.actual}`);
    }
    if (this.options.verbose && r.verdict !== 'OK')
      for (const line of r.wire.toText()) this.write(this.paint('dim', `      ${line}`));
  }

  summary(outcome: RunOutcome, coverage: Coverage, strict: boolean): void {
    const rows = new Map<string, Record<Verdict, number>>();
    const total = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    for (const r of outcome.results) {
      const area = areaOf(r.case.id);
      const row =
        rows.get(area) ?? (Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>);
      row[r.verdict]++;
      total[r.verdict]++;
      rows.set(area, row);
    }
    const line = (name: string, row: Record<Verdict, number>) =>
      `  ${name.padEnd(18)}${VERDICTS.map((v, i) => String(row[v]).padStart([6, 12, 6, 8, 9][i])).join('')}${String(VERDICTS.reduce((n, v) => n + row[v], 0)).padStart(8)}`;
    this.write('');
    this.write(
      this.paint(
        'bold',
        `${'Summary'.padEnd(20)}${'OK'.padStart(6)}${'NON-STRICT'.padStart(12)}${'INFO'.padStart(6)}${'FAILED'.padStart(8)}${'CRASHED'.padStart(9)}${'total'.padStart(8)}`,
      ),
    );
    for (const [area, row] of rows) this.write(line(area, row));
    this.write(this.paint('bold', line('all', total)));
    this.write('');
    this.write(`Spec coverage of the suite (${coverage.profiles.join(', ')}): ${coverageLine(coverage)}`);
    const missing = coverage.packets.missing.length + coverage.transitions.missing.length;
    if (missing) this.write(this.paint('dim', `  ${missing} not covered; \`conformance --list\` names them`));
    if (coverage.unknown.length)
      this.write(`  tags that name nothing in the spec: ${coverage.unknown.join(', ')}`);
    if (outcome.killedBy)
      this.write(this.paint('FAILED', `The server stopped answering after case ${outcome.killedBy}.`));
    else if (outcome.crashes.length)
      this.write(
        this.paint(
          'CRASHED',
          `The server died in ${outcome.crashes.length} case(s), restarted after each: ${outcome.crashes.join(', ')}`,
        ),
      );
    const expected = outcome.results.filter((r) => r.expectation === 'expected-failure').length;
    if (expected || outcome.unexpectedPasses.length) {
      this.write(
        `Expected failures: ${expected} matched; unexpected passes: ${outcome.unexpectedPasses.map((r) => r.case.id).join(', ') || 'none'}`,
      );
    }
    const seconds = (outcome.durationMs / 1000).toFixed(1);
    if (outcome.exitCode === 0) {
      const soft =
        total['NON-STRICT'] && !strict
          ? ` (${total['NON-STRICT']} NON-STRICT: a SHOULD is broken; --strict fails on these)`
          : '';
      this.write(this.paint('OK', `Result: PASSED${soft} in ${seconds} s`));
    } else {
      const ids = [...outcome.unexpectedFailures, ...outcome.unexpectedPasses].map((r) => r.case.id);
      const shown = ids.slice(0, 8).join(', ') + (ids.length > 8 ? `, and ${ids.length - 8} more` : '');
      this.write(
        this.paint(
          'FAILED',
          `Result: FAILED (${ids.length} case${ids.length === 1 ? '' : 's'}: ${shown}) in ${seconds} s`,
        ),
      );
    }
  }
}

/** The JSON report: the run, then one record per case. */
export function jsonReport(
  outcome: RunOutcome,
  options: SuiteOptions,
  coverage: Coverage,
  strict: boolean,
): object {
  const counts = Object.fromEntries(
    VERDICTS.map((v) => [v, outcome.results.filter((r) => r.verdict === v).length]),
  );
  return {
    suite: 'parley-conformance',
    spec: SPEC_NAME,
    target: { host: options.host, port: options.port, profile: options.profile },
    strict,
    timeoutMs: options.timeoutMs,
    durationMs: outcome.durationMs,
    exitCode: outcome.exitCode,
    killedBy: outcome.killedBy,
    crashes: outcome.crashes,
    counts,
    unexpectedFailures: outcome.unexpectedFailures.map((r) => r.case.id),
    unexpectedPasses: outcome.unexpectedPasses.map((r) => r.case.id),
    coverage: {
      packets: {
        covered: coverage.packets.covered.length,
        total: coverage.packets.all.length,
        missing: coverage.packets.missing,
      },
      transitions: {
        covered: coverage.transitions.covered.length,
        total: coverage.transitions.all.length,
        missing: coverage.transitions.missing,
      },
    },
    cases: outcome.results.map((r) => {
      const wire = r.wire.toJSON();
      return {
        id: r.case.id,
        section: r.case.section,
        level: r.case.level,
        description: r.case.description,
        verdict: r.verdict,
        expectation: r.expectation ?? null,
        durationMs: r.durationMs,
        expected: r.expected,
        actual: r.actual,
        findings: r.findings,
        notes: r.notes,
        accepts: r.case.accepts,
        wireLog: wire.entries,
        wireLogTruncated: wire.truncated,
      };
    }),
  };
}

const escapeXml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** JUnit XML: one testsuite per area; FAILED (and NON-STRICT with --strict) are failures. */
export function junitReport(outcome: RunOutcome, options: SuiteOptions, strict: boolean): string {
  const areas = new Map<string, CaseResult[]>();
  for (const r of outcome.results) areas.set(areaOf(r.case.id), [...(areas.get(areaOf(r.case.id)) ?? []), r]);
  const failing = (r: CaseResult) =>
    r.expectation === 'unexpected-failure' || r.expectation === 'unexpected-pass';
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = outcome.results.filter(failing).length;
  out.push(
    `<testsuites name="parley-conformance ${escapeXml(`${options.host}:${options.port} ${options.profile}`)}" tests="${outcome.results.length}" failures="${failures}" time="${(outcome.durationMs / 1000).toFixed(3)}">`,
  );
  for (const [area, results] of areas) {
    const time = results.reduce((n, r) => n + r.durationMs, 0) / 1000;
    const skipped = results.filter((r) => r.expectation === 'expected-failure').length;
    out.push(
      `  <testsuite name="${escapeXml(area)}" tests="${results.length}" failures="${results.filter(failing).length}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    );
    for (const r of results) {
      out.push(
        `    <testcase classname="${escapeXml(area)}" name="${escapeXml(`${r.case.id} ${r.case.description}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`,
      );
      const body = escapeXml(
        `verdict: ${r.verdict} (${r.case.level})\nexpected: ${r.expected}\nactual: ${r.actual}`,
      );
      if (failing(r)) {
        const message =
          r.expectation === 'unexpected-pass' ? 'unexpected pass (listed in --expected-failures)' : r.actual;
        out.push(`      <failure type="${r.verdict}" message="${escapeXml(message)}">${body}</failure>`);
      } else if (r.expectation === 'expected-failure') {
        out.push(`      <skipped message="${escapeXml(`expected failure: ${r.actual}`)}"/>`);
      } else if (r.verdict !== 'OK') {
        out.push(`      <system-out>${body}${strict ? '' : ''}</system-out>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** `--list`: every case with its level, profile, description, spec text and accepted outcomes. */
export function listCases(write: Write, cases: readonly Case[], coverages: readonly Coverage[]): void {
  write(`Parley conformance suite: ${cases.length} cases (${SPEC_NAME})`);
  let area = '';
  for (const c of cases) {
    if (areaOf(c.id) !== area) {
      area = areaOf(c.id);
      write('');
      write(area);
    }
    const timer = c.waitsFor ? `, waits for the ${c.waitsFor}` : '';
    write(`  ${c.id}  [${c.level}, ${c.profile}${timer}]  ${c.description}`);
    write(`      spec:    ${c.specText}`);
    write(`      accepts: ${c.accepts.join('; or ')}`);
  }
  write('');
  for (const coverage of coverages) {
    write(`Spec coverage (${coverage.profiles.join(', ')}): ${coverageLine(coverage)}`);
    for (const l of missingLines(coverage)) write(`  ${l}`);
  }
}
