/**
 * `node bench`: the command line. Starts the server under test as a separate process (or uses
 * --target), drives it from this process with many client connections, runs the chosen scenarios,
 * prints a table per scenario and, with --json, writes every figure to a file.
 *
 * Every scenario is bounded in clients, messages and time (--timeout), and all traffic goes to
 * 127.0.0.1 unless --target says otherwise. With --peer ngircd the fanout workload also runs
 * against ngircd, started by the bench on loopback, and both rows and their ratio are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ClientSpec, Receiver } from './load-client.js';
import { NGIRCD_INSTALL_HINT, startNgircd } from './ngircd.js';
import { summariseProfiles } from './profile-summary.js';
import type { AttackResult } from './scenarios/attack-kit.js';
import { ATTACK_NAMES, type AttackName, attackTable, runAttack } from './scenarios/attack-run.js';
import { type FanoutResult, runFanout } from './scenarios/fanout.js';
import { type FanoutContender, runFanoutRounds } from './scenarios/fanout-rounds.js';
import { type HandshakeResult, runHandshake } from './scenarios/handshake.js';
import { type HandshakePartsResult, runHandshakeParts } from './scenarios/handshake-parts.js';
import { type IdleResult, runIdle } from './scenarios/idle.js';
import { type RoomsResult, runRooms } from './scenarios/rooms.js';
import {
  externalServer,
  type Profile,
  repoRoot,
  type ServerUnderTest,
  startParleyServer,
} from './server-process.js';
import { fmt, ratio, table } from './stats.js';

const SCENARIOS = ['fanout', 'rooms', 'handshake', 'handshake-parts', 'idle', 'attack', 'all'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

function whole(name: string, min: number, max = 1_000_000_000) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return n;
  };
}

/** `--server-env NAME=VALUE`, repeatable: collects into one environment. */
function serverEnv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
  if (!m) throw new InvalidArgumentError(`--server-env takes NAME=VALUE, got "${value}".`);
  return { ...previous, [m[1]]: m[2] };
}

function sizes(value: string): number[] {
  const list = value.split(',').map((v) => whole('--idle-sizes', 1, 100000)(v.trim()));
  if (list.length === 0) throw new InvalidArgumentError('--idle-sizes needs at least one size.');
  return list;
}

function target(value: string): string {
  if (!/^[^\s:]+:\d+$/.test(value)) throw new InvalidArgumentError('--target must be HOST:PORT.');
  return value;
}

interface Options {
  scenario: ScenarioName;
  clients: number;
  rooms: number;
  senders: number;
  messages: number;
  window: number;
  workers: number;
  warmup: number;
  rounds: number;
  profile: Profile;
  receiver: Receiver;
  target?: string;
  peer?: 'ngircd';
  handshakes: number;
  concurrency: number;
  idleSizes?: number[];
  settle: number;
  timeout: number;
  cpuProf?: string;
  serverRoot?: string;
  serverFlags?: string;
  serverEnv?: Record<string, string>;
  attack: AttackName | 'all';
  honest: number;
  attackSeconds: number;
  quiet: number;
  attackConnections?: number;
  json?: string;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly kernel: string;
  readonly memoryGb: number;
  readonly openFileLimit: number | null;
  /** The commit of this checkout, `+dirty` when src/ or reference-server/ have uncommitted changes. */
  readonly commit: string | null;
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly startedAt: string;
  readonly results: (
    | FanoutResult
    | RoomsResult
    | HandshakeResult
    | HandshakePartsResult
    | IdleResult
    | AttackResult
  )[];
  readonly profiles: {
    file: string;
    totalMs: number;
    top: { fn: string; where: string; ms: number; percent: number }[];
  }[];
}

function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repoRoot(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'reference-server') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    kernel: release(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    openFileLimit: openFileLimit(),
    commit: gitCommit(),
  };
}

const mb = (bytes: number | null | undefined) => (bytes == null ? null : bytes / 2 ** 20);
const log = (line: string) => process.stderr.write(`${line}\n`);

function fanoutTable(results: readonly FanoutResult[]): string {
  const first = results[0];
  const head =
    `fanout: ${first.clients} clients, ${first.senders} senders x ${first.messages} messages, ` +
    `window ${first.window}, load generator threads ${first.workers}` +
    (first.warmupMessages > 0 ? `, after a warm-up round of ${first.senders} x ${first.warmupMessages}` : '');
  const rows = results.map((r) => [
    r.server,
    fmt(r.deliveries),
    fmt(r.seconds, 3),
    fmt(r.deliveriesPerSec),
    fmt(r.latencyMs.p50, 2),
    fmt(r.latencyMs.p95, 2),
    fmt(r.latencyMs.p99, 2),
    r.exactlyOnce
      ? 'yes'
      : `NO (dup ${r.duplicates}, missing ${r.missing}, order ${r.outOfOrder}, other ${r.foreign})`,
    fmt(r.serverCpuMs),
    fmt(r.serverCpuPercent),
    fmt(r.serverUsPerDelivery, 2),
    fmt(mb(r.serverPeakRssBytes), 1),
    fmt(r.loadgenCpuPercent),
  ]);
  let out = `${head}\n${table(
    [
      'server',
      'deliveries',
      'seconds',
      'deliveries/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'exactly once',
      'srv CPU ms',
      'srv CPU %',
      'srv us/delivery',
      'srv peak RSS MB',
      'loadgen CPU %',
    ],
    rows,
  )}`;
  const saturated = results.filter((r) => r.loadgenCpuPercent >= 90 * r.workers).map((r) => r.server);
  if (saturated.length > 0) {
    out +=
      `\nnote: the load generator was busy ${saturated.length > 1 ? 'in these runs' : 'in this run'} ` +
      `(${saturated.join(', ')}): deliveries/s is a floor for the server; srv us/delivery is its cost.`;
  }
  if ((first.rounds?.length ?? 0) > 1) {
    out += `\nrows: each server's median of ${first.rounds!.length} alternated rounds by deliveries/s; every round:`;
    for (const r of results)
      out += `\n  ${r.server}: ${(r.rounds ?? []).map((x) => fmt(x.deliveriesPerSec)).join(', ')} deliveries/s`;
  }
  const peer = results.find((r) => r.server === 'ngircd');
  const ours = results.find((r) => r.server !== 'ngircd');
  if (peer && ours) {
    out +=
      `\nratio ${ours.server} / ngircd: deliveries/s ${ratio(ours.deliveriesPerSec, peer.deliveriesPerSec)}, ` +
      `p99 latency ${ratio(ours.latencyMs.p99, peer.latencyMs.p99)}, ` +
      `server CPU per delivery ${ratio(ours.serverUsPerDelivery, peer.serverUsPerDelivery)}`;
    const pairs = (ours.rounds ?? []).map((r, i) =>
      ratio(r.deliveriesPerSec, peer.rounds?.[i]?.deliveriesPerSec),
    );
    if (pairs.length > 1) out += `\n  deliveries/s, round by round: ${pairs.join(', ')}`;
  }
  return out;
}

function roomsTable(r: RoomsResult): string {
  const head =
    `rooms: ${r.clients} clients in ${r.rooms} rooms, one sender per room x ${r.messages} messages, ` +
    `window ${r.window}, one load generator thread`;
  const row = [
    r.server,
    fmt(r.deliveries),
    fmt(r.seconds, 3),
    fmt(r.deliveriesPerSec),
    fmt(r.latencyMs.p50, 2),
    fmt(r.latencyMs.p99, 2),
    r.exactlyOnce
      ? 'yes'
      : `NO (dup ${r.duplicates}, missing ${r.missing}, order ${r.outOfOrder}, other room ${r.foreign})`,
    fmt(r.serverUsPerDelivery, 2),
    fmt(mb(r.serverPeakRssBytes), 1),
    fmt(r.loadgenCpuPercent),
  ];
  const columns = ['server', 'deliveries', 'seconds', 'deliveries/s', 'p50 ms', 'p99 ms', 'exactly once'];
  return `${head}\n${table([...columns, 'srv us/delivery', 'srv peak RSS MB', 'loadgen CPU %'], [row])}`;
}

function handshakeTable(result: HandshakeResult): string {
  const rows = result.runs.map((r) => [
    r.run,
    fmt(r.connections),
    fmt(r.concurrency),
    fmt(r.joined),
    fmt(r.seconds, 3),
    fmt(r.handshakesPerSec),
    fmt(r.latencyMs.p50, 2),
    fmt(r.latencyMs.p95, 2),
    fmt(r.latencyMs.p99, 2),
    fmt(r.serverCpuMs),
    fmt(r.serverCpuMsPerHandshake, 3),
    fmt(r.loadgenCpuMs),
    fmt(r.loadgenCpuMsPerHandshake, 3),
  ]);
  return `handshake: ${result.server}, server peak RSS ${fmt(mb(result.serverPeakRssBytes), 1)} MB\n${table(
    [
      'run',
      'connections',
      'in flight',
      'joined',
      'seconds',
      'handshakes/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'srv CPU ms',
      'per hs',
      'loadgen CPU ms',
      'per hs',
    ],
    rows,
  )}`;
}

function partsTable(result: HandshakePartsResult): string {
  const { core, tcp } = result;
  return `handshake parts: ${fmt(result.handshakes)} handshakes, ${fmt(result.room)} members in the room, frames ${result.pattern.join('/')} bytes\n${table(
    ['part', 'server µs/hs', 'client µs/hs'],
    [
      ['protocol: sans-IO cores, no sockets', fmt(core.serverUs), fmt(core.clientUs)],
      ['server key pair, made ahead (key pool)', fmt(core.keyPairUs), '-'],
      ['I/O: the same frames over TCP, no protocol', fmt(tcp.serverUs), fmt(tcp.clientUs)],
      ['sum', fmt(core.serverUs + core.keyPairUs + tcp.serverUs), fmt(core.clientUs + tcp.clientUs)],
    ],
  )}`;
}

function idleTable(result: IdleResult): string {
  const rows = result.steps.map((s) => [
    fmt(s.clients),
    fmt(s.joined),
    fmt(s.joinSeconds, 2),
    fmt(s.joinServerCpuMs),
    fmt(mb(s.rssBytes), 1),
    fmt(s.bytesPerClient === null ? null : s.bytesPerClient / 1024, 1),
  ]);
  return `idle: ${result.server}, idle server RSS ${fmt(mb(result.idleRssBytes), 1)} MB, peak RSS ${fmt(
    mb(result.serverPeakRssBytes),
    1,
  )} MB\n${table(['clients', 'joined', 'join s', 'join srv CPU ms', 'srv RSS MB', 'KB per client'], rows)}`;
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description(
      'Parley benchmarks: fan-out throughput and latency, handshakes, and idle memory, against the ' +
        'reference server started as a separate process (or --target), optionally next to ngircd; ' +
        '--scenario attack runs the attacks of issue 15 against a fresh server each.',
    )
    .addOption(
      new Option('--scenario <name>', 'what to run (all: every scenario but attack)')
        .choices([...SCENARIOS])
        .default('all'),
    )
    .option(
      '--clients <n>',
      'clients in the room (fanout), in the burst (handshake), or the idle size',
      whole('--clients', 2, 100000),
      100,
    )
    .option(
      '--rooms <n>',
      'rooms: rooms the clients are dealt to, one sender each',
      whole('--rooms', 1, 100000),
      100,
    )
    .option('--senders <n>', 'fanout: clients that send', whole('--senders', 1, 100000), 10)
    .option('--messages <n>', 'fanout: lines each sender sends', whole('--messages', 1, 1000000), 200)
    .option('--window <n>', 'fanout: lines a sender may have in flight', whole('--window', 1, 100000), 32)
    .option('--workers <n>', 'fanout: load generator threads', whole('--workers', 1, 64), 1)
    .option(
      '--warmup <n>',
      'fanout: lines each sender sends in an unmeasured round first, on the same server (0: none)',
      whole('--warmup', 0, 1000000),
      200,
    )
    .option(
      '--rounds <n>',
      'fanout: measured rounds per server, alternated between the servers, each on a freshly ' +
        'started server (a --target server is reused); the median is reported',
      whole('--rounds', 1, 1000),
      3,
    )
    .addOption(
      new Option('--receiver <kind>', 'v2 load clients: parse message packets lean or all through the core')
        .choices(['lean', 'full'])
        .default('lean'),
    )
    .addOption(new Option('--profile <name>', 'wire profile').choices(['v2', 'legacy']).default('v2'))
    .option(
      '--target <host:port>',
      'use this running server instead of starting one (no process figures)',
      target,
    )
    .addOption(
      new Option('--peer <name>', 'also run fanout against this server, started on loopback').choices([
        'ngircd',
      ]),
    )
    .option(
      '--handshakes <n>',
      'handshake: connections in the sustained run (0 skips it); handshake-parts: handshakes timed',
      whole('--handshakes', 0),
      2000,
    )
    .option(
      '--concurrency <n>',
      'handshake: connections in flight in the sustained run; handshake-parts: members in the room',
      whole('--concurrency', 1),
      50,
    )
    .option('--idle-sizes <list>', 'idle: room sizes, comma-separated (default 1000,10000)', sizes)
    .option(
      '--settle <ms>',
      'idle: quiet time before reading memory (once quiet, the server collects at once and V8 ' +
        'gives its young generation back within about 5-20 s)',
      whole('--settle', 0, 600000),
      30000,
    )
    .option('--timeout <s>', 'longest any one scenario may take', whole('--timeout', 1, 3600), 300)
    .option('--cpu-prof <dir>', 'write a V8 CPU profile of the reference server and summarise it')
    .option(
      '--server-root <dir>',
      'start the reference server of this built Parley checkout (before/after runs)',
    )
    .option('--server-flags <flags>', 'node/V8 flags for the reference server process, space-separated')
    .option(
      '--server-env <name=value>',
      'an environment variable for the reference server process only (repeatable)',
      serverEnv,
    )
    .addOption(
      new Option(
        '--attack <name>',
        'attack: which attack of issue 15 to run on a fresh server (all: each in turn)',
      )
        .choices([...ATTACK_NAMES, 'all'])
        .default('all'),
    )
    .option('--honest <n>', 'attack: honest members chatting during the attack', whole('--honest', 1, 100), 3)
    .option(
      '--attack-seconds <s>',
      'attack: how long an attack keeps going (floods, newcomers, waiting on exports)',
      whole('--attack-seconds', 1, 600),
      5,
    )
    .option(
      '--quiet <s>',
      'attack: quiet time after the attack before the server RSS is read again',
      whole('--quiet', 0, 600),
      5,
    )
    .option(
      '--attack-connections <n>',
      'attack: attacking connections (export 10, burst 100, lockout the free slots, logs 50 refusals)',
      whole('--attack-connections', 1, 100000),
    )
    .option('--json <file>', 'write every figure to this file')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    });
  program.parse();
  const opts = program.opts<Options>();
  const explicitClients = program.getOptionValueSource('clients') === 'cli';
  // `all` is the measurements of the quiet server; attacks run only when asked for.
  const run = (name: Exclude<ScenarioName, 'all'>) =>
    opts.scenario === name || (opts.scenario === 'all' && name !== 'attack');
  const timeoutMs = opts.timeout * 1000;
  const machine = machineInfo();
  const report: BenchReport = {
    machine,
    command: `node bench ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date().toISOString(),
    results: [],
    profiles: [],
  };
  if (opts.cpuProf) mkdirSync(opts.cpuProf, { recursive: true });

  const idleSizes = opts.idleSizes ?? (explicitClients ? [opts.clients] : [1000, 10000]);
  const biggest = Math.max(opts.clients, run('idle') ? Math.max(...idleSizes) : 0);
  if (machine.openFileLimit !== null && machine.openFileLimit < biggest + 256) {
    log(
      `warning: this process may open ${machine.openFileLimit} files, fewer than ${biggest} clients need; ` +
        'raise it first (ulimit -n 65536).',
    );
  }

  const parley = async (): Promise<ServerUnderTest> =>
    opts.target
      ? externalServer(opts.target, `${opts.profile} @ ${opts.target}`)
      : startParleyServer({
          profile: opts.profile,
          cpuProfDir: opts.cpuProf,
          root: opts.serverRoot,
          nodeFlags: opts.serverFlags?.split(/\s+/).filter(Boolean),
          env: opts.serverEnv,
        });
  const parleyClient = (server: ServerUnderTest): ClientSpec => ({
    kind: opts.profile,
    receiver: opts.receiver,
    host: server.host,
    port: server.port,
  });
  const withServer = async <T>(
    start: () => Promise<ServerUnderTest>,
    body: (s: ServerUnderTest) => Promise<T>,
  ) => {
    const server = await start();
    try {
      return await body(server);
    } finally {
      await server.stop();
    }
  };
  const printed: string[] = [];
  const print = (text: string) => {
    printed.push(text);
    process.stdout.write(`${text}\n\n`);
  };
  /** A scenario's result: into the report, and printed as `show` makes it a table. */
  const keep = <R extends (typeof report.results)[number]>(result: R, show: (result: R) => string) => {
    report.results.push(result);
    print(show(result));
  };
  /** Runs a scenario on a fresh server (ours, or --target), handed the server and a client for it. */
  const onParley = <R>(scenario: (server: ServerUnderTest, client: ClientSpec) => Promise<R>) =>
    withServer(parley, (s) => scenario(s, parleyClient(s)));

  if (run('fanout')) {
    // A warm-up round first, on the same server and load generator, so that neither side is
    // measured while its JIT compiler is still at work (the C peer has no such start-up cost).
    const fanout = async (server: ServerUnderTest, client: ClientSpec, concurrency: number) => {
      const round = (messages: number) =>
        runFanout({
          server,
          client,
          workers: opts.workers,
          clients: opts.clients,
          senders: opts.senders,
          messages,
          window: opts.window,
          timeoutMs,
          connectConcurrency: concurrency,
        });
      if (opts.warmup > 0) {
        const warm = await round(opts.warmup);
        if (!warm.exactlyOnce)
          throw new Error(`${server.label}: the warm-up round lost or repeated deliveries`);
      }
      return { ...(await round(opts.messages)), warmupMessages: opts.warmup };
    };
    const contenders: FanoutContender[] = [{ start: parley, client: parleyClient, connectConcurrency: 50 }];
    if (opts.peer === 'ngircd') {
      contenders.push({
        start: () => startNgircd(),
        client: (s) => ({ kind: 'irc', host: s.host, port: s.port }),
        connectConcurrency: 10,
        optional: true,
      });
    }
    log(`fanout: ${opts.profile}${opts.peer ? ` and ${opts.peer}` : ''}, ${opts.rounds} round(s) each...`);
    const rows = await runFanoutRounds(contenders, opts.rounds, fanout, (err) =>
      log(err.message === NGIRCD_INSTALL_HINT ? err.message : `ngircd run failed: ${err.message}`),
    );
    report.results.push(...rows);
    print(fanoutTable(rows));
  }

  if (run('rooms')) {
    if (opts.profile !== 'v2') log('rooms: v2 only (feature rooms), skipped');
    else {
      log(`rooms: ${opts.clients} clients in ${opts.rooms} rooms...`);
      const result = await onParley((server, client) =>
        runRooms({
          server,
          client,
          clients: opts.clients,
          // Two members a room at least: `all` with the default 100 clients gets 50 rooms.
          rooms: Math.min(opts.rooms, Math.floor(opts.clients / 2)),
          messages: opts.messages,
          window: opts.window,
          timeoutMs,
        }),
      );
      keep(result, roomsTable);
    }
  }

  if (run('handshake')) {
    log(`handshake: ${opts.profile}...`);
    const result = await onParley((server, client) =>
      runHandshake({
        server,
        client,
        clients: opts.clients,
        handshakes: opts.handshakes,
        concurrency: opts.concurrency,
        timeoutMs,
      }),
    );
    keep(result, handshakeTable);
  }

  if (run('handshake-parts')) {
    // It times this checkout's cores and this machine's TCP, whatever server --target names.
    if (opts.profile !== 'v2') log('handshake-parts: v2 only, skipped');
    else if (opts.target)
      log('handshake-parts: measures this checkout on this machine, not --target: skipped');
    else {
      log('handshake-parts: v2...');
      const result = await runHandshakeParts({ handshakes: opts.handshakes || 2000, room: opts.concurrency });
      keep(result, partsTable);
    }
  }

  if (run('idle')) {
    log(`idle: ${opts.profile}, sizes ${idleSizes.join(', ')}...`);
    const result = await onParley((server, client) =>
      runIdle({ server, client, sizes: idleSizes, settleMs: opts.settle, timeoutMs }),
    );
    keep(result, idleTable);
  }

  if (run('attack')) {
    if (opts.profile !== 'v2' || opts.target) {
      log('attack: v2 on a server the bench starts (no --target, no legacy): skipped');
    } else {
      const names = opts.attack === 'all' ? ATTACK_NAMES : [opts.attack];
      const rows: AttackResult[] = [];
      for (const name of names) {
        log(`attack ${name}...`);
        rows.push(
          await runAttack(name, {
            honest: opts.honest,
            attackMs: opts.attackSeconds * 1000,
            quietMs: opts.quiet * 1000,
            connections: opts.attackConnections,
          }),
        );
      }
      report.results.push(...rows);
      print(attackTable(rows));
    }
  }

  if (opts.cpuProf) {
    for (const p of summariseProfiles(opts.cpuProf)) {
      const top = p.entries.slice(0, 25);
      report.profiles.push({ file: p.file, totalMs: p.totalMs, top });
      print(
        `server CPU profile ${p.file} (${fmt(p.totalMs)} ms sampled), top self time:\n${table(
          ['function', 'where', 'ms', '%'],
          top.map((e) => [e.fn, e.where, fmt(e.ms, 1), fmt(e.percent, 1)]),
        )}`,
      );
    }
  }

  process.stdout.write(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, node ${machine.node}, ` +
      `Linux ${machine.kernel}, commit ${machine.commit ?? 'unknown'}\n`,
  );
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${opts.json}`);
  }
  const failed = report.results.some(
    (r) =>
      ((r.scenario === 'fanout' || r.scenario === 'rooms') && !r.exactlyOnce) ||
      (r.scenario === 'handshake' && r.runs.some((x) => x.failed > 0)) ||
      (r.scenario === 'idle' && r.steps.some((x) => x.failed > 0)),
  );
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
