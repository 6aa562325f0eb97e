/**
 * Runs cases against a server and turns what happened into verdicts.
 *
 * How this works: the sanity case runs first; cases that wait for a server timer start next, all
 * at once, and run alongside the others; every other case runs alone, in order, each under a cap
 * so that nothing can hang the run. After each case a liveness probe (connect, read the opening
 * frame) checks that the server still answers; once it does not, the remaining cases are not run
 * and the report names the case after which it stopped. The sanity case runs again last, and after
 * it a case that stops the server (7.9), when the suite can stop it. Results
 * are then matched against the expected-failures list, which decides the exit code.
 */

import { lastClientStep, stoppedAnswering } from './attribution.js';
import {
  type Case,
  CaseContext,
  CaseStop,
  type Finding,
  isFailure,
  type SuiteOptions,
  type Verdict,
  verdictOf,
} from './case.js';
import { ConnectFailed, ServerViolation, WaitTimeout, WireLog } from './driver.js';
import { probe, withServerLimits } from './probe.js';
import {
  describeExit,
  type LimitOverrides,
  type LimitPlaceholder,
  placeholdersIn,
  ServerProcess,
  withOverrides,
} from './server-process.js';
import {
  control,
  outsideLimits,
  RAISE_ADDRESS_LIMITS,
  refusedNotDead,
  silentlyRefused,
} from './verdict-gates.js';

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
  /** The case after which the server stopped answering, if it did (without --server-cmd). */
  readonly killedBy: string | null;
  /** The cases that killed the server (verdict CRASHED). */
  readonly crashes: readonly string[];
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

const PROBE_REFUSED = `the liveness probe after the case was closed at accept without a frame, and the server answered again after a pause: not a crash, but its per-address limits (11); ${RAISE_ADDRESS_LIMITS}`;

function withNote(result: CaseResult, note: string): CaseResult {
  return { ...result, notes: [...result.notes, note] };
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
    if (how === 'done' && c.absence) await control(ctx, c);
  } catch (err) {
    if (!(err instanceof CaseStop)) ctx.findings.push(describeError(err, c));
  } finally {
    clearTimeout(timer);
    await ctx.leavePolitely();
    ctx.close();
  }
  const judged = outsideLimits(ctx, c) ?? [...ctx.findings];
  const findings = (await silentlyRefused(ctx, c, judged)) ?? judged;
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

function notRun(c: Case, why: string): CaseResult {
  return {
    case: c,
    verdict: 'FAILED',
    durationMs: 0,
    expected: c.accepts.join('; or '),
    actual: `not run: ${why}`,
    findings: [],
    notes: [],
    wire: new WireLog(),
  };
}

/** The result of a case during which the server died or stopped answering. */
export function crashed(result: CaseResult, what: string): CaseResult {
  const finding: Finding = {
    level: 'MUST',
    expected: 'the server keeps serving (4: errors close one connection, the process carries on)',
    actual: what,
  };
  return {
    ...result,
    verdict: 'CRASHED',
    expected: finding.expected,
    actual: what,
    findings: [finding, ...result.findings],
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
    const failed = isFailure(result.verdict) || result.verdict === 'NON-STRICT';
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
    } else if (isFailure(result.verdict) || (strict && result.verdict === 'NON-STRICT')) {
      result.expectation = 'unexpected-failure';
      unexpectedFailures.push(result);
    }
  }
  return { unexpectedFailures, unexpectedPasses };
}

/** With --server-cmd: the command template, and whether every case gets a fresh server. */
export interface ServerControl {
  readonly template: string;
  readonly isolate: boolean;
  /** A server already started (the pre-flight's); the runner takes it over. */
  readonly first?: ServerProcess;
}

/**
 * Runs the cases. Without `control` they all run against the one server at options.port; once it
 * stops answering the rest are not run. With `control` the suite owns the server: a case that kills
 * it is CRASHED and the server is restarted for the next.
 */
export async function runSuite(
  cases: readonly Case[],
  options: SuiteOptions,
  settings: { strict: boolean; expected: readonly ExpectedFailure[] },
  hooks: RunHooks = {},
  control?: ServerControl,
): Promise<RunOutcome> {
  const started = performance.now();
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    hooks.onResult?.(r);
  };
  let killedBy: string | null = null;
  if (control) {
    let first = control.first;
    if (!first) first = await ServerProcess.start(control.template, options);
    const known = await withServerLimits({ ...options, port: first.port });
    await runManaged(cases, known, { ...control, first }, report);
  } else {
    killedBy = await runFixed(cases, await withServerLimits(options), report);
  }
  const { unexpectedFailures, unexpectedPasses } = matchExpectations(
    results,
    settings.expected,
    settings.strict,
  );
  return {
    results,
    killedBy,
    crashes: results.filter((r) => r.verdict === 'CRASHED').map((r) => r.case.id),
    durationMs: Math.round(performance.now() - started),
    unexpectedFailures,
    unexpectedPasses,
    exitCode: unexpectedFailures.length > 0 || unexpectedPasses.length > 0 ? 1 : 0,
  };
}

interface Plan {
  first?: Case;
  last?: Case;
  timed: Case[];
  plain: Case[];
  /** Cases that stop the server (7.9): on a server of their own, or after everything else. */
  stopping: Case[];
  tagOf(c: Case): string;
}

function plan(cases: readonly Case[]): Plan {
  const first = cases.find((c) => c.id === 'sanity/1');
  const last = cases.find((c) => c.id === 'sanity/2');
  const middle = cases.filter((c) => c !== first && c !== last && !c.stopsServer);
  return {
    first,
    last,
    timed: middle.filter((c) => c.waitsFor),
    plain: middle.filter((c) => !c.waitsFor),
    stopping: cases.filter((c) => c.stopsServer),
    tagOf: (c) => cases.indexOf(c).toString(36),
  };
}

/** Against a server the user started: the case after which it stops answering is CRASHED. */
async function runFixed(
  cases: readonly Case[],
  options: SuiteOptions,
  report: (r: CaseResult) => void,
): Promise<string | null> {
  const p = plan(cases);
  let killedBy: string | null = null;
  let why = '';
  if (p.first) report(await runCase(p.first, options, p.tagOf(p.first)));
  const running = p.timed.map((c) => runCase(c, options, p.tagOf(c)));
  // Without a way to stop the server, a stopping case only says it needs one (INFORMATIONAL).
  const plain = options.stopServer ? p.plain : [...p.plain, ...p.stopping];
  for (const c of plain) {
    if (killedBy) {
      report(notRun(c, `the server stopped answering after case ${killedBy} (${why})`));
      continue;
    }
    const result = await runCase(c, options, p.tagOf(c));
    const alive = await probe(options);
    if (alive.ok) {
      report(result);
      continue;
    }
    if (await refusedNotDead(options, alive)) {
      report(withNote(result, PROBE_REFUSED));
      continue;
    }
    killedBy = c.id;
    why = stoppedAnswering(alive, result.wire, options.profile);
    report(
      crashed(
        result,
        `${why}. The suite cannot restart a server it did not start; --server-cmd lets it, and run the other cases`,
      ),
    );
  }
  // Timer cases were running all along; they report after the others.
  for (const pending of running) report(await pending);
  if (p.last) {
    const result = await runCase(p.last, options, p.tagOf(p.last));
    if (killedBy && result.verdict === 'FAILED') {
      report({ ...result, actual: `the server stopped answering after case ${killedBy}: ${result.actual}` });
    } else report(result);
  }
  // The server ends here: nothing runs after a case that stopped it.
  if (options.stopServer) {
    const [stopper, ...rest] = p.stopping;
    if (stopper) report(await runCase(stopper, options, p.tagOf(stopper)));
    for (const c of rest) report(notRun(c, `the server was stopped by case ${stopper.id}`));
  }
  return killedBy;
}

/** Judges a case run on a server the suite started: did the server survive it? */
async function judge(server: ServerProcess, result: CaseResult, options: SuiteOptions): Promise<CaseResult> {
  const alive = server.exit ? null : await probe(options);
  if (alive?.ok && !server.exit) return result;
  // A legacy server refusing the probe at accept (its per-address limits) is not dead.
  if (alive && (await refusedNotDead(options, alive)) && !server.exit) return withNote(result, PROBE_REFUSED);
  const exit = server.exit ?? (await server.waitExit(1000));
  const output = server.output();
  const tail = output ? `; its last output:\n${output}` : '';
  const step = lastClientStep(result.wire, options.profile);
  const trigger = step ? ` after ${step}` : '';
  if (exit) return crashed(result, `the server process ${describeExit(exit)}${trigger}${tail}`);
  await server.stop();
  return crashed(
    result,
    `${stoppedAnswering(alive!, result.wire, options.profile)}; the process was still running, so the suite stopped it${tail}`,
  );
}

/**
 * With --server-cmd: the suite starts, watches and restarts the server. Plain cases share one
 * server, restarted after any case that did not pass; timer cases, cases that need a setting, a
 * pristine server (Case.pristine) or that stop the server get one each; with --isolate every case
 * does.
 */
async function runManaged(
  cases: readonly Case[],
  options: SuiteOptions,
  control: ServerControl,
  report: (r: CaseResult) => void,
): Promise<void> {
  const p = plan(cases);
  const named = new Set(placeholdersIn(control.template));
  let shared: ServerProcess | null = control.isolate ? null : (control.first ?? null);
  if (control.isolate) await control.first?.stop();
  let cannotStart: string | null = null;

  const overridesOf = (c: Case): LimitOverrides | null => {
    const wanted = Object.entries(c.needs ?? {}).filter(([k]) => named.has(k as LimitPlaceholder));
    return wanted.length ? (Object.fromEntries(wanted) as LimitOverrides) : null;
  };
  /**
   * With --isolate, the next case's server is started while the current case runs (a server with
   * the ordinary settings; a case that needs others, or a pristine one, starts its own), and a
   * used server is stopped while the next case runs: a slow start costs the run once, not per case.
   */
  let spare: Promise<ServerProcess> | null = null;
  const stopping: Promise<void>[] = [];
  const ordinary = (c: Case) => !overridesOf(c) && !c.pristine;
  const all = [p.first, ...p.timed, ...p.plain, ...p.stopping, p.last].filter((c) => c !== undefined);
  let ordinaryLeft = all.filter(ordinary).length;
  const serverFor = (c: Case, overrides: LimitOverrides): Promise<ServerProcess> => {
    const taken = ordinary(c) ? spare : null;
    if (ordinary(c)) {
      spare = null;
      ordinaryLeft--;
    }
    const server = taken ?? ServerProcess.start(control.template, options, overrides, undefined, c.pristine);
    if (control.isolate && !spare && ordinaryLeft > 0) {
      spare = server.catch(() => null).then(() => ServerProcess.start(control.template, options));
      spare.catch(() => {});
    }
    return server;
  };
  /**
   * A case on a server of its own, stopped afterwards. A case that stops the server (7.9) may
   * send it SIGTERM; the process ending then is what the case asked for, not a crash.
   */
  const alone = async (c: Case, overrides: LimitOverrides = {}): Promise<CaseResult> => {
    let server: ServerProcess;
    try {
      server = await serverFor(c, overrides);
    } catch (err) {
      return { ...notRun(c, (err as Error).message), verdict: 'CRASHED' };
    }
    try {
      const o = withOverrides({ ...options, port: server.port }, overrides);
      if (c.stopsServer) {
        const stopServer = async () => server.signal('SIGTERM');
        return await runCase(c, { ...o, stopServer }, p.tagOf(c));
      }
      const result = await runCase(c, o, p.tagOf(c));
      server.release();
      return await judge(server, result, o);
    } finally {
      stopping.push(server.stop());
    }
  };
  /** A case on the shared server, restarted first if a case before killed it. */
  const onShared = async (c: Case): Promise<CaseResult> => {
    if (cannotStart) return notRun(c, cannotStart);
    if (!shared) {
      try {
        shared = await ServerProcess.start(control.template, options);
      } catch (err) {
        cannotStart = `the server could not be restarted: ${(err as Error).message}`;
        return notRun(c, cannotStart);
      }
    }
    const o = { ...options, port: shared.port };
    const result = await judge(shared, await runCase(c, o, p.tagOf(c)), o);
    // A case that failed may have left the server degraded (a dead handler, a wedged room) in a
    // way no probe sees; the next case gets a fresh server, so a failure never cascades.
    if (result.verdict !== 'OK') {
      await shared.stop();
      shared = null;
    }
    return result;
  };
  const runOne = (c: Case): Promise<CaseResult> => {
    const overrides = overridesOf(c);
    if (overrides || c.stopsServer || c.pristine) return alone(c, overrides ?? {});
    return control.isolate ? alone(c) : onShared(c);
  };

  try {
    if (p.first) report(await runOne(p.first));
    // Timer cases each get a server of their own, so a crash is theirs alone.
    const running = p.timed.map((c) => alone(c, overridesOf(c) ?? {}));
    for (const c of [...p.plain, ...p.stopping]) report(await runOne(c));
    for (const pending of running) report(await pending);
    if (p.last) report(await runOne(p.last));
  } finally {
    await (shared as ServerProcess | null)?.stop();
    const left = await (spare as Promise<ServerProcess> | null)?.catch(() => null);
    await left?.stop();
    await Promise.all(stopping);
  }
}
