/**
 * Runs cases against a server and turns what happened into verdicts.
 *
 * How this works: the sanity case runs first; cases that wait for a server timer start next, all
 * at once, and run alongside the others; every other case runs alone, in order, each under a cap
 * so that nothing can hang the run. After each case a liveness probe (connect, read the opening
 * frame) checks that the server still answers; once it does not, the remaining cases are not run
 * and the report names the case after which it stopped. The sanity case runs again last. Results
 * are then matched against the expected-failures list, which decides the exit code.
 */
import {
  type Case,
  CaseContext,
  CaseStop,
  type Finding,
  type SuiteOptions,
  type Verdict,
  verdictOf,
} from './case.js';
import { ConnectFailed, RawConnection, ServerViolation, WaitTimeout, WireLog } from './driver.js';

export interface CaseResult {
  readonly case: Case;
  readonly verdict: Verdict;
  readonly durationMs: number;
  readonly expected: string;
  readonly actual: string;
  readonly findings: readonly Finding[];
  readonly notes: readonly string[];
  readonly wire: WireLog;
  /** Set by the expected-failures match. */
  expectation?: 'expected-failure' | 'unexpected-failure' | 'unexpected-pass';
}

export interface ExpectedFailure {
  readonly id: string;
  /** The failure's `actual` text must start with this, if given. */
  readonly prefix?: string;
  readonly line: number;
}

export interface RunOutcome {
  readonly results: CaseResult[];
  /** The case after which the server stopped answering, if it did. */
  readonly killedBy: string | null;
  readonly durationMs: number;
  readonly unexpectedFailures: CaseResult[];
  readonly unexpectedPasses: CaseResult[];
  readonly exitCode: 0 | 1;
}

export interface RunHooks {
  onResult?(result: CaseResult): void;
}

/** Longest a case may run: many waits, plus the server timer it waits for. */
export function capFor(c: Case, options: SuiteOptions): number {
  const timer =
    c.waitsFor === 'handshake-timeout'
      ? options.handshakeTimeoutMs
      : c.waitsFor === 'idle-timeout'
        ? (options.idleTimeoutMs ?? 0)
        : 0;
  return Math.max(20_000, options.timeoutMs * 15) + timer;
}

function describeError(err: unknown, c: Case): Finding {
  const expected = c.accepts.join('; or ');
  if (err instanceof WaitTimeout) return { level: c.level, expected, actual: err.message };
  if (err instanceof ServerViolation) return { level: 'MUST', expected, actual: err.message };
  if (err instanceof ConnectFailed)
    return { level: 'MUST', expected, actual: `cannot connect: ${err.message}` };
  const text = err instanceof Error ? err.message : String(err);
  return { level: 'MUST', expected, actual: `internal error in the suite: ${text}` };
}

export async function runCase(c: Case, options: SuiteOptions, tag: string): Promise<CaseResult> {
  const ctx = new CaseContext(options, c, tag);
  const started = performance.now();
  const cap = capFor(c, options);
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<'cap'>((resolve) => {
    timer = setTimeout(() => resolve('cap'), cap);
  });
  try {
    const how = await Promise.race([c.run(ctx).then(() => 'done' as const), capped]);
    if (how === 'cap') {
      ctx.findings.push({
        level: 'MUST',
        expected: c.accepts.join('; or '),
        actual: `the case did not finish within ${cap} ms`,
      });
    }
  } catch (err) {
    if (!(err instanceof CaseStop)) ctx.findings.push(describeError(err, c));
  } finally {
    clearTimeout(timer);
    ctx.close();
  }
  const findings = [...ctx.findings];
  const verdict = verdictOf(findings, c.level);
  const order = { MUST: 0, SHOULD: 1, MAY: 2 } as const;
  const worst = [...findings].sort((a, b) => order[a.level] - order[b.level])[0];
  const more =
    findings.length > 1 ? ` (and ${findings.length - 1} more finding${findings.length > 2 ? 's' : ''})` : '';
  return {
    case: c,
    verdict,
    durationMs: Math.round(performance.now() - started),
    expected: worst?.expected ?? c.accepts.join('; or '),
    actual: worst ? `${worst.actual}${more}` : ctx.notes.join('; ') || 'as expected',
    findings,
    notes: [...ctx.notes],
    wire: ctx.log,
  };
}

/** Does the server still answer? Connect and read one frame, trying twice. */
export async function probe(options: SuiteOptions): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let conn: RawConnection | null = null;
    try {
      conn = await RawConnection.open({
        ...options,
        label: 'probe',
        log: new WireLog(),
        timeoutMs: options.timeoutMs,
      });
      if ((await conn.nextFrame(options.timeoutMs)) !== null) return true;
    } catch {
      // try again
    } finally {
      conn?.destroy();
    }
  }
  return false;
}

function notRun(c: Case, killer: string): CaseResult {
  return {
    case: c,
    verdict: 'FAILED',
    durationMs: 0,
    expected: c.accepts.join('; or '),
    actual: `not run: the server stopped answering after case ${killer}`,
    findings: [],
    notes: [],
    wire: new WireLog(),
  };
}

/** Parses an expected-failures file: `case-id [message prefix]` per line, `#` comments. */
export function parseExpectedFailures(text: string): ExpectedFailure[] {
  const out: ExpectedFailure[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [id, ...rest] = line.split(/\s+/);
    const prefix = rest.join(' ');
    out.push(prefix ? { id, prefix, line: i + 1 } : { id, line: i + 1 });
  });
  return out;
}

/** Marks each result against the list; returns what makes the run fail. */
export function matchExpectations(
  results: CaseResult[],
  expected: readonly ExpectedFailure[],
  strict: boolean,
): { unexpectedFailures: CaseResult[]; unexpectedPasses: CaseResult[] } {
  const unexpectedFailures: CaseResult[] = [];
  const unexpectedPasses: CaseResult[] = [];
  for (const result of results) {
    const listed = expected.filter((e) => e.id === result.case.id);
    const failed = result.verdict === 'FAILED' || result.verdict === 'NON-STRICT';
    if (listed.length > 0) {
      if (!failed) {
        result.expectation = 'unexpected-pass';
        unexpectedPasses.push(result);
      } else if (listed.some((e) => e.prefix === undefined || result.actual.startsWith(e.prefix))) {
        result.expectation = 'expected-failure';
      } else {
        result.expectation = 'unexpected-failure';
        unexpectedFailures.push(result);
      }
    } else if (result.verdict === 'FAILED' || (strict && result.verdict === 'NON-STRICT')) {
      result.expectation = 'unexpected-failure';
      unexpectedFailures.push(result);
    }
  }
  return { unexpectedFailures, unexpectedPasses };
}

export async function runSuite(
  cases: readonly Case[],
  options: SuiteOptions,
  settings: { strict: boolean; expected: readonly ExpectedFailure[] },
  hooks: RunHooks = {},
): Promise<RunOutcome> {
  const started = performance.now();
  const first = cases.find((c) => c.id === 'sanity/1');
  const last = cases.find((c) => c.id === 'sanity/2');
  const middle = cases.filter((c) => c !== first && c !== last);
  const timed = middle.filter((c) => c.waitsFor);
  const plain = middle.filter((c) => !c.waitsFor);
  const tagOf = (c: Case) => cases.indexOf(c).toString(36);
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    hooks.onResult?.(r);
  };
  let killedBy: string | null = null;

  if (first) report(await runCase(first, options, tagOf(first)));
  const running = timed.map((c) => runCase(c, options, tagOf(c)));
  for (const c of plain) {
    if (killedBy) {
      report(notRun(c, killedBy));
      continue;
    }
    report(await runCase(c, options, tagOf(c)));
    if (!(await probe(options))) killedBy = c.id;
  }
  // Timer cases were running all along; they report after the others.
  for (const pending of running) report(await pending);
  if (last) {
    const result = await runCase(last, options, tagOf(last));
    if (killedBy && result.verdict === 'FAILED') {
      report({ ...result, actual: `the server stopped answering after case ${killedBy}: ${result.actual}` });
    } else report(result);
  }
  const { unexpectedFailures, unexpectedPasses } = matchExpectations(
    results,
    settings.expected,
    settings.strict,
  );
  return {
    results,
    killedBy,
    durationMs: Math.round(performance.now() - started),
    unexpectedFailures,
    unexpectedPasses,
    exitCode: unexpectedFailures.length > 0 || unexpectedPasses.length > 0 ? 1 : 0,
  };
}
