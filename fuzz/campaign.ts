/**
 * Runs fuzz campaigns: each property of each target under fc.check, within a time budget or a
 * number of runs, with a progress line, artifacts for failures, a summary, and replays.
 *
 * How this works: a fast-check plugin wraps every run of a property. Before a run it checks the
 * budget: past the deadline (or the run cap) it interrupts, so a campaign never starts a run it
 * has no time for and never abandons one half way (an async run keeps its sockets until its own
 * cleanup). After a run it counts what happened, for the progress line. Once a run fails, fast-check
 * shrinks; shrinking gets its own allowance (shrinkGraceMs) past the moment of the failure, so a
 * failure found just before the deadline still shrinks. The counts reported are fast-check's own:
 * runs actually executed, never the runs asked for. `--seconds N` splits N over the targets, and
 * each target's share over its properties, recomputed as each one ends, so time a fast target
 * leaves over goes to the next.
 */
import { relative } from 'node:path';
import fc from 'fast-check';
import { type Artifact, encodeValue, readArtifact, writeArtifact } from './artifacts.js';
import { plantedImpl } from './plants.js';
import { TARGETS } from './targets/index.js';
import type { FuzzProperty, ProfileChoice, TargetName, TargetOptions } from './targets/types.js';

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Whether stderr is a terminal (the progress line is redrawn in place). */
  readonly tty: boolean;
  /** Directory that printed paths are relative to. */
  readonly cwd: string;
}

export interface CampaignOptions {
  readonly targets: readonly TargetName[];
  readonly seconds?: number;
  readonly runs?: number;
  readonly seed: number;
  readonly profile: ProfileChoice;
  readonly plant?: string;
  readonly host?: string;
  readonly port?: number;
  readonly waitMs?: number;
  readonly attackMs?: number;
  readonly artifactsDir: string;
  readonly shrinkGraceMs: number;
  /** The command that starts the fuzzer, for printed replay commands (`node fuzz`). */
  readonly command: string;
  readonly io: Io;
}

export interface PropertyResult {
  readonly target: TargetName;
  readonly property: string;
  readonly runs: number;
  readonly shrinks: number;
  readonly failed: boolean;
  /** The time budget ended the property (not a failure: `runs` were run). */
  readonly timeLimited: boolean;
  /** Runs asked for with --runs that the time limit did not let happen. */
  readonly missingRuns: number;
  readonly ms: number;
  readonly error?: string;
  readonly counterexample?: string;
  readonly artifact?: string;
}

export interface CampaignResult {
  readonly results: readonly PropertyResult[];
  readonly exitCode: number;
}

/** Exit codes: 1 a property failed, 3 --runs not all run within --seconds. */
export const EXIT = { ok: 0, failure: 1, usage: 2, incomplete: 3 } as const;

// ---------------------------------------------------------------------------------------------
// The budget plugin

interface Budget {
  readonly deadline?: number;
  readonly maxRuns?: number;
  readonly shrinkGraceMs: number;
}

interface BudgetState {
  runs: number;
  shrinkSteps: number;
  failedAt: number | null;
  stoppedByTime: boolean;
}

function isFailure(result: unknown): boolean {
  return result !== null && typeof result === 'object' && !fc.PreconditionFailure.isFailure(result);
}

function budgetPlugin(budget: Budget, state: BudgetState, onStep: () => void): fc.UniversalPlugin {
  return () => ({
    decorateRun: (nested) => (value) => {
      const now = Date.now();
      if (state.failedAt === null) {
        const late = budget.deadline !== undefined && now >= budget.deadline;
        if (late || (budget.maxRuns !== undefined && state.runs >= budget.maxRuns)) {
          state.stoppedByTime ||= late;
          return new fc.PreconditionFailure(true);
        }
      } else if (now >= Math.max(budget.deadline ?? 0, state.failedAt) + budget.shrinkGraceMs) {
        return new fc.PreconditionFailure(true);
      }
      const record = (result: unknown) => {
        if (state.failedAt === null) {
          state.runs++;
          if (isFailure(result)) state.failedAt = Date.now();
        } else state.shrinkSteps++;
        onStep();
      };
      const out = nested(value);
      if (out instanceof Promise) {
        return out.then((result) => {
          record(result);
          return result;
        }) as typeof out;
      }
      record(out);
      return out;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Progress

class Progress {
  private lastDraw = 0;
  private drawn = false;
  private timer: NodeJS.Timeout | null = null;
  totalRuns = 0;
  failures = 0;

  constructor(
    private readonly io: Io,
    private readonly started: number,
    private readonly budgetMs: number | undefined,
  ) {}

  private line(label: string, state: BudgetState, propStart: number, propDeadline?: number): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const total = this.budgetMs
      ? `${elapsed.toFixed(0)}s/${(this.budgetMs / 1000).toFixed(0)}s`
      : `${elapsed.toFixed(0)}s`;
    const own = propDeadline
      ? ` ${((Date.now() - propStart) / 1000).toFixed(1)}s/${((propDeadline - propStart) / 1000).toFixed(1)}s`
      : '';
    const status =
      state.failedAt !== null
        ? ` FAILED after ${state.runs} runs, shrinking (${state.shrinkSteps} tries)`
        : ` ${state.runs} runs${own}`;
    return `[${total}] ${label}:${status} | total ${this.totalRuns + state.runs} runs, ${this.failures} failures`;
  }

  start(label: string, state: () => BudgetState, propStart: number, propDeadline?: number): void {
    this.lastDraw = Date.now();
    this.timer = setInterval(() => this.update(label, state(), propStart, propDeadline, true), 1000);
    this.timer.unref();
    if (this.io.tty) this.update(label, state(), propStart, propDeadline, true);
  }

  update(label: string, state: BudgetState, propStart: number, propDeadline?: number, force = false): void {
    const now = Date.now();
    const every = this.io.tty ? 150 : 10_000;
    if (!force && now - this.lastDraw < every) return;
    if (!this.io.tty && force && this.lastDraw !== 0 && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const text = this.line(label, state, propStart, propDeadline);
    if (this.io.tty) {
      this.io.stderr.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else this.io.stderr.write(`${text}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  clear(): void {
    if (this.io.tty && this.drawn) this.io.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Running one property

interface Outcome {
  readonly details: fc.RunDetails<unknown>;
  readonly state: BudgetState;
}

const freshState = (): BudgetState => ({ runs: 0, shrinkSteps: 0, failedAt: null, stoppedByTime: false });

async function check(
  prop: FuzzProperty,
  params: { seed: number; numRuns?: number; path?: string; endOnFailure?: boolean },
  budget: Budget,
  onStep: (state: BudgetState) => void,
  state: BudgetState = freshState(),
): Promise<Outcome> {
  const details = (await fc.check(prop.property, {
    seed: params.seed,
    numRuns: params.numRuns ?? 2 ** 31 - 1,
    path: params.path,
    endOnFailure: params.endOnFailure,
    plugins: [budgetPlugin(budget, state, () => onStep(state))],
  })) as fc.RunDetails<unknown>;
  return { details, state };
}

export function errorText(err: unknown, stack = false): string {
  if (err instanceof Error) {
    const head = err.name === 'PropertyViolation' ? err.message : `${err.name}: ${err.message}`;
    if (!stack || !err.stack || err.name === 'PropertyViolation') return head;
    return `${head}\n${err.stack.split('\n').slice(1, 8).join('\n')}`;
  }
  return String(err);
}

function clip(text: string, max = 1500): string {
  return text.length > max
    ? `${text.slice(0, max)}... (${text.length} characters; the artifact has all of it)`
    : text;
}

const fmtSeconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

// ---------------------------------------------------------------------------------------------
// Campaigns

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const deadline = o.seconds !== undefined ? started + o.seconds * 1000 : undefined;
  const progress = new Progress(o.io, started, o.seconds !== undefined ? o.seconds * 1000 : undefined);
  const results: PropertyResult[] = [];
  const limit = [
    o.seconds !== undefined ? `${o.seconds} s` : null,
    o.runs !== undefined ? `${o.runs} runs per property` : null,
  ]
    .filter(Boolean)
    .join(', at most ');
  o.io.stderr.write(
    `Parley fuzz: ${o.targets.join(', ')} | seed ${o.seed} | ${limit} | profile ${o.profile}` +
      `${o.plant ? ` | PLANTED BUG ${o.plant} (fuzzer self-test)` : ''}\n`,
  );
  const targetOptions: TargetOptions = {
    profile: o.profile,
    plant: o.plant,
    plants: plantedImpl,
    host: o.host,
    port: o.port,
    waitMs: o.waitMs,
    attackMs: o.attackMs,
    note: (line) => {
      progress.clear();
      o.io.stderr.write(`${line}\n`);
    },
  };

  for (const [i, name] of o.targets.entries()) {
    const targetDeadline =
      deadline !== undefined ? Date.now() + (deadline - Date.now()) / (o.targets.length - i) : undefined;
    let open: Awaited<ReturnType<(typeof TARGETS)[TargetName]['open']>>;
    const setupStart = Date.now();
    try {
      open = await TARGETS[name].open(targetOptions);
    } catch (err) {
      progress.clear();
      const error = `setup failed: ${errorText(err)}`;
      o.io.stdout.write(`\nFAILED ${name}: ${error}\n`);
      results.push({
        target: name,
        property: '(setup)',
        runs: 0,
        shrinks: 0,
        failed: true,
        timeLimited: false,
        missingRuns: 0,
        ms: Date.now() - setupStart,
        error,
      });
      progress.failures++;
      continue;
    }
    try {
      for (const [j, prop] of open.properties.entries()) {
        const propStart = Date.now();
        const propDeadline =
          targetDeadline !== undefined
            ? propStart + Math.max(0, targetDeadline - propStart) / (open.properties.length - j)
            : undefined;
        const label = `${name}/${prop.name}`;
        const onStep = (state: BudgetState) => progress.update(label, state, propStart, propDeadline);
        let outcome: Outcome;
        const state = freshState();
        progress.start(label, () => state, propStart, propDeadline);
        try {
          outcome = await check(
            prop,
            { seed: o.seed, numRuns: o.runs },
            { deadline: propDeadline, shrinkGraceMs: o.shrinkGraceMs },
            onStep,
            state,
          );
        } finally {
          progress.stop();
        }
        const result = report(o, name, prop, outcome, Date.now() - propStart);
        results.push(result);
        progress.totalRuns += result.runs;
        if (result.failed) progress.failures++;
        if (!o.io.tty) {
          o.io.stderr.write(
            `${label}: ${result.runs} runs in ${fmtSeconds(result.ms)}, ${result.failed ? 'FAILED' : 'passed'}\n`,
          );
        }
      }
    } finally {
      await open.close();
    }
  }
  progress.clear();
  printSummary(o, results, Date.now() - started);
  const failed = results.some((r) => r.failed);
  const incomplete = results.some((r) => r.missingRuns > 0);
  return { results, exitCode: failed ? EXIT.failure : incomplete ? EXIT.incomplete : EXIT.ok };
}

/** Turns fast-check's run details into a result; writes the artifact of a failure. */
function report(
  o: CampaignOptions,
  target: TargetName,
  prop: FuzzProperty,
  outcome: Outcome,
  ms: number,
): PropertyResult {
  const { details, state } = outcome;
  const base = { target, property: prop.name, ms };
  const runs = details.numRuns;
  const missingRuns = o.runs !== undefined && !details.failed ? Math.max(0, o.runs - runs) : 0;
  if (!details.failed || (details.counterexamplePath === null && details.interrupted)) {
    // An interruption before any run (a budget already spent) is no failure: zero runs, said so.
    return { ...base, runs, shrinks: 0, failed: false, timeLimited: state.stoppedByTime, missingRuns };
  }
  if (details.counterexamplePath === null) {
    const error = `fast-check stopped: ${details.numSkips} runs skipped by preconditions`;
    o.io.stdout.write(`\nFAILED ${target}/${prop.name}: ${error}\n`);
    return { ...base, runs, shrinks: 0, failed: true, timeLimited: false, missingRuns: 0, error };
  }
  const counterexample = fc.stringify(details.counterexample);
  const error = errorText(details.errorInstance, true);
  const artifactPath = writeArtifact(
    o.artifactsDir,
    {
      format: 'parley-fuzz-artifact/1',
      target,
      property: prop.name,
      seed: details.seed,
      path: details.counterexamplePath,
      runs,
      shrinks: details.numShrinks,
      counterexample: encodeValue(details.counterexample),
      counterexampleText: counterexample,
      error,
      options: { profile: o.profile, plant: o.plant, host: o.host, port: o.port, attackMs: o.attackMs },
      createdAt: new Date().toISOString(),
    },
    (file) => `${o.command} --replay ${relative(o.io.cwd, file) || file}`,
  );
  const replay = `${o.command} --replay ${relative(o.io.cwd, artifactPath) || artifactPath}`;
  o.io.stdout.write(
    `\nFAILED ${target}/${prop.name} after ${runs} runs (${details.numShrinks} shrinks)` +
      `${details.interrupted ? ', shrinking cut short by the time limit' : ''}\n` +
      `  property: ${prop.description}\n` +
      `  counterexample: ${clip(counterexample)}\n` +
      `  error: ${clip(error).split('\n').join('\n    ')}\n` +
      `  seed ${details.seed}, path ${details.counterexamplePath}\n` +
      `  artifact: ${relative(o.io.cwd, artifactPath) || artifactPath}\n` +
      `  replay:   ${replay}\n`,
  );
  return {
    ...base,
    runs,
    shrinks: details.numShrinks,
    failed: true,
    timeLimited: false,
    missingRuns: 0,
    error,
    counterexample,
    artifact: artifactPath,
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function printSummary(o: CampaignOptions, results: readonly PropertyResult[], ms: number): void {
  const w = Math.max(24, ...results.map((r) => r.target.length + r.property.length + 3));
  const row = (label: string, runs: number, shrinks: number, failures: number, time: number, note = '') =>
    `${pad(label, w)} ${pad(String(runs), 9, true)} ${pad(String(shrinks), 8, true)} ${pad(String(failures), 9, true)} ${pad(fmtSeconds(time), 8, true)}${note ? `  ${note}` : ''}\n`;
  let out = `\nSummary (seed ${o.seed}${o.plant ? `, planted bug ${o.plant}` : ''}):\n`;
  out += `${pad('target/property', w)} ${pad('runs', 9, true)} ${pad('shrinks', 8, true)} ${pad('failures', 9, true)} ${pad('time', 8, true)}\n`;
  const sum = (list: readonly PropertyResult[]) => ({
    runs: list.reduce((n, r) => n + r.runs, 0),
    shrinks: list.reduce((n, r) => n + r.shrinks, 0),
    failures: list.filter((r) => r.failed).length,
    ms: list.reduce((n, r) => n + r.ms, 0),
  });
  for (const target of o.targets) {
    const list = results.filter((r) => r.target === target);
    for (const r of list) {
      const note = r.failed
        ? `FAILED${r.artifact ? `: ${relative(o.io.cwd, r.artifact)}` : r.error ? `: ${r.error}` : ''}`
        : r.missingRuns > 0
          ? `INCOMPLETE: the time limit stopped it ${r.missingRuns} runs short of ${o.runs}`
          : r.timeLimited
            ? 'time budget used'
            : '';
      out += row(`  ${target}/${r.property}`, r.runs, r.shrinks, r.failed ? 1 : 0, r.ms, note);
    }
    const t = sum(list);
    out += row(target, t.runs, t.shrinks, t.failures, t.ms);
  }
  const all = sum(results);
  out += row('all', all.runs, all.shrinks, all.failures, ms);
  const verdict =
    all.failures > 0
      ? `${all.failures} ${all.failures === 1 ? 'property' : 'properties'} FAILED`
      : results.some((r) => r.missingRuns > 0)
        ? `no failure in ${all.runs} runs, but fewer runs than asked for: INCOMPLETE`
        : `no failure in ${all.runs} runs`;
  out += `${verdict}.\n`;
  o.io.stdout.write(out);
}

// ---------------------------------------------------------------------------------------------
// Replay

export interface ReplayOptions {
  readonly file: string;
  readonly host?: string;
  readonly port?: number;
  readonly waitMs?: number;
  readonly attackMs?: number;
  readonly shrinkGraceMs: number;
  readonly io: Io;
}

/** Replays an artifact's counterexample: exit 1 when it fails again, 0 when it passes now. */
export async function replayArtifact(r: ReplayOptions): Promise<number> {
  const artifact: Artifact = readArtifact(r.file);
  const opts = artifact.options;
  r.io.stderr.write(
    `Replaying ${artifact.target}/${artifact.property} from ${r.file} (seed ${artifact.seed}, path ${artifact.path}` +
      `${opts.plant ? `, planted bug ${opts.plant}` : ''})\n`,
  );
  // A session or server property is one profile: open only that one.
  const perProfile =
    (artifact.target === 'session' || artifact.target === 'server') &&
    ['v2', 'legacy'].includes(artifact.property);
  const open = await TARGETS[artifact.target].open({
    profile: perProfile
      ? (artifact.property as ProfileChoice)
      : ((opts.profile as ProfileChoice | undefined) ?? 'both'),
    plant: opts.plant,
    plants: plantedImpl,
    host: r.host ?? opts.host,
    port: r.port ?? opts.port,
    waitMs: r.waitMs,
    attackMs: r.attackMs ?? opts.attackMs,
    note: (line) => r.io.stderr.write(`${line}\n`),
  });
  try {
    const prop = open.properties.find((p) => p.name === artifact.property);
    if (!prop) {
      r.io.stderr.write(
        `error: target ${artifact.target} has no property ${artifact.property} (with these options)\n`,
      );
      return EXIT.usage;
    }
    // A command sequence is rebuilt from the replayPath fast-check printed with it.
    const replayPath = /replayPath="([^"]*)"/.exec(artifact.counterexampleText)?.[1];
    const replayed =
      replayPath !== undefined && prop.withReplayPath
        ? { ...prop, property: prop.withReplayPath(replayPath) }
        : prop;
    const { details } = await check(
      replayed,
      { seed: artifact.seed, path: artifact.path, endOnFailure: true },
      { maxRuns: 1, shrinkGraceMs: r.shrinkGraceMs },
      () => {},
    );
    if (!details.failed || details.counterexamplePath === null) {
      r.io.stdout.write(
        `PASSED: ${artifact.target}/${artifact.property} no longer fails on this counterexample.\n`,
      );
      return EXIT.ok;
    }
    const text = fc.stringify(details.counterexample);
    const same =
      JSON.stringify(encodeValue(details.counterexample)) === JSON.stringify(artifact.counterexample);
    r.io.stdout.write(
      `REPRODUCED: ${artifact.target}/${artifact.property} fails again${same ? ' on the same counterexample' : ' (on a different counterexample than recorded)'}\n` +
        `  counterexample: ${clip(text)}\n` +
        `  error: ${clip(errorText(details.errorInstance, true)).split('\n').join('\n    ')}\n`,
    );
    return EXIT.failure;
  } finally {
    await open.close();
  }
}
