/**
 * `node conformance`: the command line. Parses options (usage errors exit 2), lists cases without
 * connecting (--list), checks that the server answers and speaks the chosen profile (exit 3 when it
 * cannot be reached), runs the suite, prints progress and a summary, writes the JSON and JUnit
 * reports, and returns the exit code. `runCli` takes its output functions as parameters so tests
 * run it in-process; main.ts is the process entry point.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LIMITS } from '../src/generated/constants.js';
import type { Case, Profile, SuiteOptions } from './case.js';
import { ALL_CASES, casesFor } from './cases/index.js';
import { coverageOf } from './coverage.js';
import { politeProbe, withServerLimits } from './probe.js';
import { ConsoleReporter, jsonReport, junitReport, listCases, type Write } from './report.js';
import { type ExpectedFailure, parseExpectedFailures, runSuite } from './runner.js';
import { checkTemplate, PLACEHOLDER_HELP, ServerProcess, withTemplateLimits } from './server-process.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export interface CliIo {
  readonly stdout: Write;
  readonly stderr: Write;
  /** Colour the console output (default: stdout is a terminal and NO_COLOR is unset). */
  readonly colour?: boolean;
  /** The terminal's width, if output goes to one. */
  readonly columns?: number;
}

class UsageError extends Error {}

function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}.`);
    return Number(value);
  };
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

/** `*` matches anything (slashes included), `?` one character; a plain id also matches its children. */
export function globMatcher(patterns: readonly string[]): (id: string) => boolean {
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(/[*?]/.test(p) ? `^${body}$` : `^${body}(/.*)?$`);
  });
  return (id) => regexes.some((r) => r.test(id));
}

function program(io: CliIo): Command {
  return new Command('conformance')
    .description(
      'Black-box conformance suite for Parley servers (any implementation): runs cases per spec section\n' +
        'and gives each a verdict: OK, NON-STRICT (a SHOULD is broken), INFORMATIONAL, FAILED (a MUST is broken).',
    )
    .option('--host <addr>', 'server address', '127.0.0.1')
    .option('-p, --port <n>', 'server port (or let --server-cmd start the server)', integer('--port', 1))
    .option(
      '--server-cmd <cmd>',
      'start the server under test with this shell command, on a port the suite picks ({port}); a case that\n' +
        'kills it is CRASHED and the server is restarted (placeholders below)',
    )
    .option('--isolate', 'with --server-cmd: a fresh server for every case')
    .addOption(
      new Option('--profile <name>', 'wire profile the server speaks')
        .choices(['v2', 'legacy'])
        .default('v2'),
    )
    .option(
      '--cases <glob>',
      'run only matching case ids (repeatable, comma-separated; e.g. framing/3.2/*)',
      collect,
      [],
    )
    .option('--exclude <glob>', 'skip matching case ids (repeatable, comma-separated)', collect, [])
    .option('--strict', 'fail the run on NON-STRICT verdicts too')
    .option('--timeout <ms>', 'longest wait for any one answer', integer('--timeout', 50), 2000)
    .option('--json <file>', 'write a JSON report: one record per case, with a hex wire log')
    .option('--junit <file>', 'write a JUnit XML report')
    .option(
      '--expected-failures <file>',
      'case ids known to fail, one per line, optionally with a message prefix',
    )
    .option('--list', 'list every case with the spec text it checks, and the spec coverage; do not connect')
    .option(
      '--handshake-timeout <ms>',
      "the server's handshake timeout (not announced on the wire)",
      integer('--handshake-timeout', 1),
      LIMITS.handshakeTimeoutMs,
    )
    .option('--idle-ping <ms>', "v2: the server's idle ping interval", integer('--idle-ping', 1))
    .option(
      '--idle-timeout <ms>',
      "v2: the server's idle timeout; the idle cases run only when it is given",
      integer('--idle-timeout', 1),
    )
    .option('--burst <n>', "the server's rate limit burst", integer('--burst', 1), LIMITS.rateBurst)
    .option(
      '--rate-replies <n>',
      "the server's RATE_LIMITED replies per refusal window",
      integer('--rate-replies', 0),
      LIMITS.rateRefusalReplies,
    )
    .option(
      '--rate-budget <n>',
      "the server's refusals per window before RATE_EXCEEDED",
      integer('--rate-budget', 1),
      LIMITS.rateRefusalBudget,
    )
    .option(
      '--max-per-address <n>',
      "the server's maxPerAddress (not announced); its case needs it or {max-per-address}",
      integer('--max-per-address', 1),
    )
    .option(
      '--address-burst <n>',
      "the server's addressHandshakeBurst (not announced); its case needs it or {address-burst}",
      integer('--address-burst', 1),
    )
    .option(
      '--max-frame <bytes>',
      "legacy: the server's maxFrame (v2 servers announce theirs)",
      integer('--max-frame', 1),
      LIMITS.maxFrame,
    )
    .option(
      '--max-message <chars>',
      "legacy: the server's maxMessage (v2 servers announce theirs)",
      integer('--max-message', 1),
      LIMITS.maxMessage,
    )
    .option(
      '--max-name <chars>',
      "legacy: the server's maxName (v2 servers announce theirs)",
      integer('--max-name', 1),
    )
    .option(
      '--max-clients <n>',
      "the server's maxClients (not announced); the SERVER_FULL cases need it or {max-clients}",
      integer('--max-clients', 1),
    )
    .option(
      '--max-queued-bytes <bytes>',
      "the server's maxQueuedBytes (not announced); the SLOW_READER cases need it or {max-queued-bytes}",
      integer('--max-queued-bytes', 1),
    )
    .option(
      '--max-room-name <chars>',
      "v2 rooms: the server's maxRoomName (default: the spec's)",
      integer('--max-room-name', 1),
    )
    .option(
      '--max-rooms-per-member <n>',
      "v2 rooms: the server's maxRoomsPerMember (default: the spec's)",
      integer('--max-rooms-per-member', 1),
    )
    .option(
      '--max-rooms <n>',
      "v2 rooms: the server's maxRooms (default: the spec's)",
      integer('--max-rooms', 0),
    )
    .option(
      '--max-topic <chars>',
      "v2 rooms: the server's maxTopic (default: the spec's)",
      integer('--max-topic', 0),
    )
    .option('--fingerprint <fp>', 'v2: the identity fingerprint the server must present (SHA256:...)')
    .option('-v, --verbose', 'print the wire log of every case that is not OK')
    .option('--no-color', 'no colours in the console output')
    .addHelpText(
      'after',
      '\nWARNING: the suite joins the room of the server it tests and floods it (hundreds of lines, joins and\n' +
        'leaves that everyone there sees; cases try to overload and crash it). Point it only at a server no one\n' +
        'is using, or let --server-cmd start a private one.\n' +
        "\n--server-cmd placeholders (the suite fills them in; map them to your server's own flags):\n" +
        PLACEHOLDER_HELP.map((l) => `  ${l}`).join('\n') +
        '\nA limit the command does not name, and no flag tells, is unknown: cases that need it are INFORMATIONAL.\n' +
        "  node conformance --server-cmd 'node reference-server --port {port} --host 127.0.0.1 --max-clients {max-clients}'\n" +
        '\nExit codes:\n' +
        '  0  no case FAILED (with --strict: none NON-STRICT either); listed expected failures do not count\n' +
        '  1  a case FAILED or CRASHED unexpectedly, or a case listed in --expected-failures passed\n' +
        '  2  usage error (bad option, unreadable --expected-failures file, wrong --profile for the server)\n' +
        '  3  the server cannot be reached (or --server-cmd cannot start it)\n' +
        '\nThe sanity cases (sanity/1, sanity/2) always run, first and last, unless --exclude names them.\n' +
        'For a fast run against the reference server, start it with short timers and tell the suite:\n' +
        '  node reference-server --port 7878 --handshake-timeout 1000 --idle-ping 500 --idle-timeout 1500\n' +
        '  node conformance --port 7878 --handshake-timeout 1000 --idle-ping 500 --idle-timeout 1500\n',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (t) => io.stdout(t.replace(/\n$/, '')),
      writeErr: (t) => io.stderr(t.replace(/\n$/, '')),
    });
}

interface Options {
  host: string;
  port?: number;
  profile: Profile;
  cases: string[];
  exclude: string[];
  strict?: boolean;
  timeout: number;
  json?: string;
  junit?: string;
  expectedFailures?: string;
  list?: boolean;
  handshakeTimeout: number;
  idlePing?: number;
  idleTimeout?: number;
  burst: number;
  rateReplies: number;
  rateBudget: number;
  maxPerAddress?: number;
  addressBurst?: number;
  maxFrame: number;
  maxMessage: number;
  maxName?: number;
  maxClients?: number;
  maxQueuedBytes?: number;
  maxRoomName?: number;
  maxRoomsPerMember?: number;
  maxRooms?: number;
  maxTopic?: number;
  serverCmd?: string;
  isolate?: boolean;
  fingerprint?: string;
  verbose?: boolean;
  color: boolean;
}

function select(all: readonly Case[], opts: Options): Case[] {
  const include = opts.cases.length ? globMatcher(opts.cases) : () => true;
  const exclude = globMatcher(opts.exclude);
  const chosen = all.filter((c) => (c.id.startsWith('sanity/') || include(c.id)) && !exclude(c.id));
  if (opts.cases.length && !chosen.some((c) => !c.id.startsWith('sanity/'))) {
    throw new UsageError(`no ${opts.profile} case matches --cases ${opts.cases.join(',')} (see --list)`);
  }
  return chosen;
}

function loadExpected(path: string): ExpectedFailure[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --expected-failures file ${path}: ${(err as Error).message}`);
  }
  const entries = parseExpectedFailures(text);
  const known = new Set(ALL_CASES.map((c) => c.id));
  const unknown = entries.find((e) => !known.has(e.id));
  if (unknown) throw new UsageError(`${path}:${unknown.line}: unknown case id "${unknown.id}" (see --list)`);
  return entries;
}

/**
 * Connects once and reads the server's whole opening (politely: see probe.ts); returns an error
 * message and exit code, or the limits the server announced.
 */
async function preflight(options: SuiteOptions): Promise<{ code: number; message: string } | null> {
  const where = `${options.host}:${options.port}`;
  const seen = await politeProbe(options);
  if (!seen.ok) {
    const message =
      seen.step === 'connecting'
        ? `cannot reach the server at ${where} (${seen.detail.replace(/^the connection was not accepted \((.*)\)$/, '$1')}). Is it running, and is this the right port?`
        : seen.detail.includes('sent nothing')
          ? `connected to ${where}, but the server sent nothing within ${options.timeoutMs} ms: is it a Parley server? (a Parley server speaks first)`
          : `the server at ${where} closed the connection without a word`;
    return { code: EXIT.unreachable, message };
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(seen.frames?.[0]?.toString('utf8') ?? '');
  } catch {
    return null; // not JSON: the cases will say what is wrong
  }
  const spoken = 'typ' in body ? 'legacy' : 'type' in body ? 'v2' : null;
  if (spoken && spoken !== options.profile) {
    return {
      code: EXIT.usage,
      message: `the server at ${where} speaks the ${spoken} profile; run with --profile ${spoken}`,
    };
  }
  return null;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = program(io);
  let opts: Options;
  try {
    cmd.parse([...argv], { from: 'user' });
    opts = cmd.opts<Options>();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  const colour = opts.color && (io.colour ?? false);
  try {
    if (opts.list) {
      const profiles: Profile[] =
        cmd.getOptionValueSource('profile') === 'cli' ? [opts.profile] : ['v2', 'legacy'];
      const listed = profiles.length === 1 ? select(casesFor(profiles[0]), opts) : select(ALL_CASES, opts);
      listCases(
        io.stdout,
        listed,
        profiles.map((p) => coverageOf(ALL_CASES, [p])),
      );
      return EXIT.ok;
    }
    if (opts.port === undefined && !opts.serverCmd)
      throw new UsageError('--port or --server-cmd is required (or use --list)');
    if (opts.port !== undefined && opts.serverCmd)
      throw new UsageError('--server-cmd picks the port itself: give --port or --server-cmd, not both');
    if (opts.isolate && !opts.serverCmd) throw new UsageError('--isolate needs --server-cmd');
    if (opts.serverCmd) {
      try {
        checkTemplate(opts.serverCmd);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    const cases = select(casesFor(opts.profile), opts);
    const expected = opts.expectedFailures ? loadExpected(opts.expectedFailures) : [];
    let options: SuiteOptions = {
      host: opts.host,
      port: opts.port ?? 0,
      profile: opts.profile,
      timeoutMs: opts.timeout,
      handshakeTimeoutMs: opts.handshakeTimeout,
      idlePingMs: opts.idlePing,
      idleTimeoutMs: opts.idleTimeout,
      burst: opts.burst,
      rateReplies: opts.rateReplies,
      rateBudget: opts.rateBudget,
      maxPerAddress: opts.maxPerAddress,
      addressBurst: opts.addressBurst,
      maxFrame: opts.maxFrame,
      maxMessage: opts.maxMessage,
      maxName: opts.maxName,
      maxClients: opts.maxClients,
      maxQueuedBytes: opts.maxQueuedBytes,
      maxRoomName: opts.maxRoomName,
      maxRoomsPerMember: opts.maxRoomsPerMember,
      maxRooms: opts.maxRooms,
      maxTopic: opts.maxTopic,
      fingerprint: opts.fingerprint,
    };
    let first: ServerProcess | undefined;
    if (opts.serverCmd) {
      options = withTemplateLimits(options, opts.serverCmd);
      try {
        first = await ServerProcess.start(opts.serverCmd, options);
      } catch (err) {
        io.stderr(`error: ${(err as Error).message}`);
        return EXIT.unreachable;
      }
      options = { ...options, port: first.port };
    }
    const problem = await preflight(options);
    if (problem) {
      await first?.stop();
      io.stderr(`error: ${problem.message}`);
      return problem.code;
    }
    options = await withServerLimits(options);
    const control = opts.serverCmd
      ? { template: opts.serverCmd, isolate: Boolean(opts.isolate), first }
      : undefined;
    const reporter = new ConsoleReporter(io.stdout, { colour, verbose: opts.verbose, columns: io.columns });
    reporter.header(options, cases, Boolean(opts.strict));
    if (opts.serverCmd)
      io.stdout(
        `  server    started by the suite${opts.isolate ? ', a fresh one for every case' : ', restarted after a case that fails'}: ${opts.serverCmd}`,
      );
    const outcome = await runSuite(
      cases,
      options,
      { strict: Boolean(opts.strict), expected },
      { onResult: (r) => reporter.result(r) },
      control,
    );
    const coverage = coverageOf(casesFor(opts.profile), [opts.profile]);
    reporter.summary(outcome, coverage, Boolean(opts.strict));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    };
    try {
      if (opts.json)
        write(
          opts.json,
          `${JSON.stringify(jsonReport(outcome, options, coverage, Boolean(opts.strict)), null, 2)}\n`,
        );
      if (opts.junit) write(opts.junit, junitReport(outcome, options, Boolean(opts.strict)));
    } catch (err) {
      io.stderr(`error: cannot write a report: ${(err as Error).message}`);
      return EXIT.usage;
    }
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
}
