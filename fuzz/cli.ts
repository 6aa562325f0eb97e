/**
 * `node fuzz`: the command line. Parses options (exit 2 on a bad one), then runs a campaign or
 * replays an artifact. Returns the exit code instead of exiting, so tests can call it in-process.
 */
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ArtifactError } from './artifacts.js';
import { EXIT, type Io, replayArtifact, runCampaign } from './campaign.js';
import { PLANTS, plantInfo } from './plants.js';
import { repoRoot } from './targets/crypto.js';
import { DEFAULT_ATTACK_MS } from './targets/hostile.js';
import { DEFAULT_WAIT_MS } from './targets/server.js';
import { type ProfileChoice, TARGET_NAMES, type TargetName } from './targets/types.js';

function positiveNumber(name: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !(n > 0) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'whole ' : ''}number.`);
    }
    return n;
  };
}

function seed(value: string): number {
  if (!/^-?[0-9]+$/.test(value)) throw new InvalidArgumentError('the seed must be a whole number.');
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31)
    throw new InvalidArgumentError('the seed must fit in 32 bits.');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError('the port must be 1 to 65535.');
  return n;
}

function targetList(value: string): TargetName[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.includes('all')) return [...TARGET_NAMES];
  for (const n of names) {
    if (!TARGET_NAMES.includes(n as TargetName)) {
      throw new InvalidArgumentError(
        `unknown target ${JSON.stringify(n)}: choose from ${TARGET_NAMES.join(', ')}, all.`,
      );
    }
  }
  return [...new Set(names)] as TargetName[];
}

interface Options {
  target: TargetName[];
  seconds?: number;
  runs?: number;
  seed?: number;
  replay?: string;
  host?: string;
  port?: number;
  profile?: ProfileChoice;
  waitMs: number;
  attackMs?: number;
  shrinkSeconds: number;
  artifacts: string;
  plant?: string;
}

const PLANT_HELP = PLANTS.map((p) => `    ${p.name.padEnd(30)} ${p.target}: ${p.bug}`).join('\n');

function program(io: Io): Command {
  return new Command('node fuzz')
    .description(
      'Parley fuzz campaigns: property-based fuzzing (fast-check) of framing, key exchange, record ' +
        'encryption, the chat server (model-based) and a live server over TCP.',
    )
    .addOption(
      new Option(
        '--target <name>',
        `what to fuzz: ${TARGET_NAMES.join(', ')}, or all (a comma-separated list runs several)`,
      )
        .argParser(targetList)
        .default([...TARGET_NAMES], 'all'),
    )
    .addOption(
      new Option(
        '--seconds <n>',
        'time budget for the whole campaign, split over the targets (default 60)',
      ).argParser(positiveNumber('--seconds', false)),
    )
    .addOption(
      new Option('--runs <n>', 'runs per property (with --seconds: at most, within the time)').argParser(
        positiveNumber('--runs', true),
      ),
    )
    .option('--seed <s>', 'fast-check seed (default: random, printed)', seed)
    .option('--replay <file>', 'replay the counterexample of a failure artifact')
    .option('--host <h>', 'server target: fuzz this server instead of starting the reference server')
    .option('--port <p>', 'server target: its port (with --host)', port)
    .addOption(
      new Option(
        '--profile <name>',
        'wire profile of the session, server and hostile targets (default both; v2 with --host)',
      ).choices(['v2', 'legacy', 'both']),
    )
    .option(
      '--wait-ms <n>',
      'server target: bound on every network wait',
      positiveNumber('--wait-ms', true),
      DEFAULT_WAIT_MS,
    )
    .option(
      '--attack-ms <n>',
      `hostile target: how long each run's attack lasts (default ${DEFAULT_ATTACK_MS})`,
      positiveNumber('--attack-ms', true),
    )
    .option(
      '--shrink-seconds <n>',
      'time allowed to shrink a failure once found',
      positiveNumber('--shrink-seconds', false),
      10,
    )
    .option('--artifacts <dir>', 'where failure artifacts go', resolve(repoRoot(), 'fuzz/artifacts'))
    .option(
      '--plant <bug>',
      'FUZZER SELF-TEST ONLY: run against a deliberately broken implementation (listed below), to show that the fuzzer finds the bug',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 no failure, 1 a property failed (artifact written), 2 bad usage,\n' +
        '3 --runs not all run within --seconds (no failure, but not a pass for the runs that did not happen).\n' +
        '\nExamples:\n' +
        '  node fuzz --target all --seconds 60          a one-minute campaign of every target\n' +
        '  node fuzz --target framing --runs 50 --seed 1\n' +
        '  node fuzz --target server --host 127.0.0.1 --port 7878 --profile v2 --seconds 600\n' +
        '  node fuzz --replay fuzz/artifacts/<file>.json\n' +
        `\nPlanted bugs for --plant (each target's own tests use them; never a real run):\n${PLANT_HELP}\n`,
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) })
    .exitOverride();
}

/** Runs the fuzzer with `argv` (without `node` and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const cmd = program(io);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  const o = cmd.opts<Options>();
  const usage = (message: string) => {
    io.stderr.write(`error: ${message}\n(run with --help for usage)\n`);
    return EXIT.usage;
  };
  if ((o.host === undefined) !== (o.port === undefined)) return usage('--host and --port go together');
  const shrinkGraceMs = o.shrinkSeconds * 1000;
  if (o.replay) {
    try {
      return await replayArtifact({
        file: o.replay,
        host: o.host,
        port: o.port,
        waitMs: o.waitMs,
        attackMs: o.attackMs,
        shrinkGraceMs,
        io,
      });
    } catch (err) {
      if (err instanceof ArtifactError) return usage(err.message);
      throw err;
    }
  }
  const targets = TARGET_NAMES.filter((t) => o.target.includes(t));
  if (o.plant) {
    const info = plantInfo(o.plant);
    if (!info) return usage(`unknown planted bug ${JSON.stringify(o.plant)}; see --help for the list`);
    const owners = info.target === 'session+server' ? ['session', 'server'] : [info.target];
    if (!targets.some((t) => owners.includes(t)))
      return usage(`--plant ${o.plant} is a bug of the ${owners.join(' and ')} target`);
    if (o.host !== undefined) return usage('--plant needs the in-process reference server, not --host');
  }
  return (
    await runCampaign({
      targets,
      seconds: o.seconds ?? (o.runs === undefined ? 60 : undefined),
      runs: o.runs,
      seed: o.seed ?? randomInt(2 ** 31),
      profile: o.profile ?? (o.host !== undefined ? 'v2' : 'both'),
      plant: o.plant,
      host: o.host,
      port: o.port,
      waitMs: o.waitMs,
      attackMs: o.attackMs,
      artifactsDir: o.artifacts,
      shrinkGraceMs,
      command: 'node fuzz',
      io,
    })
  ).exitCode;
}
