/**
 * `node reference-server`: the command line. Parses and checks options (exit 2 on a bad one),
 * loads or creates the identity (exit 1 if it is unusable), starts the server, prints where it
 * listens and the fingerprint clients should see, and stops cleanly on SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseSavedBans } from '../src/chat/moderation.js';
import { parseSavedReservations } from '../src/chat/reservations.js';
import type { GuardsConfig } from '../src/chat/room-guards.js';
import { isParleyError } from '../src/errors.js';
import {
  DEFAULT_PORT,
  LIMIT_INFO,
  type LimitName,
  LOG_LEVELS,
  type LogLevel,
  PROFILES,
  type Profile,
} from '../src/generated/constants.js';
import { V2_FEATURE_NAMES } from '../src/generated/v2-packets.js';
import { defaultIdentityPath, IdentityFileError, loadOrCreateIdentity } from './identity-file.js';
import { createLogger, LOG_FORMATS, type LogFormat } from './logger.js';
import { startServer } from './server.js';
import { readStateFile, StateFileError } from './state-file.js';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** `--op`: a full key fingerprint (7.18), repeatable. */
function operator(value: string, previous: string[] = []): string[] {
  if (!FINGERPRINT.test(value)) {
    throw new InvalidArgumentError(
      `${value} is not a full key fingerprint (SHA256: and 43 base64 characters).`,
    );
  }
  return [...previous, value];
}

/** The fingerprints of an ops file: one per line, `#` starts a comment (7.18). */
function readOpsFile(path: string): string[] {
  const out: string[] = [];
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!FINGERPRINT.test(line)) throw new Error(`line ${i + 1} is not a full key fingerprint`);
    out.push(line);
  });
  return out;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return n;
  };
}

function limit(name: LimitName) {
  const info = LIMIT_INFO[name];
  return integer(name, info.min, info.max);
}

/** `--features`: `none`, or comma-separated names from the spec's registry (5.8). */
function featureList(value: string): string[] {
  if (value === 'none') return [];
  const names = value.split(',');
  const unknown = names.filter((n) => !V2_FEATURE_NAMES.includes(n));
  if (unknown.length) {
    const known = V2_FEATURE_NAMES.length ? V2_FEATURE_NAMES.join(', ') : 'none yet';
    throw new InvalidArgumentError(`unknown feature ${unknown.join(', ')} (known: ${known}).`);
  }
  return [...new Set(names)];
}

/** Help text for a limit option, with its range and default from the spec (11). */
function limitHelp(name: LimitName, text: string): string {
  const info = LIMIT_INFO[name];
  return `${text} (${info.min}-${info.max}, default ${info.default})`;
}

const program = new Command('reference-server')
  .description(
    'Parley reference server: a self-hosted, anonymous, encrypted chat room.\n' +
      'Clients connect with `node reference-client -s HOST -p PORT`.',
  )
  .option(
    '-p, --port <n>',
    `TCP port to listen on (0 picks a free one)`,
    integer('port', 0, 65535),
    DEFAULT_PORT,
  )
  .option('--host <addr>', 'address to listen on', '0.0.0.0')
  .addOption(new Option('--profile <name>', 'wire profile').choices([...PROFILES]).default('v2'))
  .option('--identity <file>', 'Ed25519 identity key file (created on first start)', defaultIdentityPath())
  .option('--max-clients <n>', limitHelp('maxClients', 'most connections at once'), limit('maxClients'))
  .option('--max-frame <bytes>', limitHelp('maxFrame', 'largest frame body accepted'), limit('maxFrame'))
  .option('--max-message <chars>', limitHelp('maxMessage', 'longest chat message'), limit('maxMessage'))
  .option('--max-name <chars>', limitHelp('maxName', 'longest user name'), limit('maxName'))
  .option('--history <n>', limitHelp('history', 'chat entries kept in memory for export'), limit('history'))
  .option(
    '--backlog <n>',
    limitHelp('backlog', 'v2: newest chat lines sent to a newcomer (0: none)'),
    limit('backlog'),
  )
  .option(
    '--history-total <n>',
    limitHelp('historyTotal', 'chat entries kept in memory over all rooms'),
    limit('historyTotal'),
  )
  .option('--max-rooms <n>', limitHelp('maxRooms', 'v2: rooms besides #lobby at once'), limit('maxRooms'))
  .option(
    '--max-rooms-per-member <n>',
    limitHelp('maxRoomsPerMember', 'v2: rooms one member may be in, #lobby included'),
    limit('maxRoomsPerMember'),
  )
  .option(
    '--max-room-name <chars>',
    limitHelp('maxRoomName', "v2: longest room name after the '#'"),
    limit('maxRoomName'),
  )
  .option('--max-topic <chars>', limitHelp('maxTopic', 'v2: longest room topic'), limit('maxTopic'))
  .option('--motd <text>', 'message of the day shown on join (v2)')
  .option('--reserve-names <file>', 'v2: keep names for the first key that holds them, in this file (7.17)')
  .option(
    '--op <fingerprint>',
    'v2: an operator, by the full fingerprint of its key (7.18; repeatable)',
    operator,
  )
  .option('--ops-file <file>', 'v2: operators, one full key fingerprint per line, # comments (7.18)')
  .option('--ban-file <file>', 'v2: keep key bans in this file across restarts (7.18)')
  .option(
    '--ops-see-addresses',
    "v2: operators' whois shows members' addresses, not only their hashes (7.18)",
  )
  .option(
    '--max-mutes <n>',
    limitHelp('maxMutes', 'v2: most mutes in force at once (7.18)'),
    limit('maxMutes'),
  )
  .option(
    '--reservation-days <n>',
    limitHelp('reservationDays', 'v2: days a reserved name stays unused before it expires (7.17)'),
    limit('reservationDays'),
  )
  .option(
    '--features <list>',
    'v2 features to offer (5.8): comma-separated names, or none for a 2.0 server_hello (default: all)',
    featureList,
  )
  .option(
    '--handshake-timeout <ms>',
    limitHelp('handshakeTimeoutMs', 'time allowed from connect to a chosen name'),
    limit('handshakeTimeoutMs'),
  )
  .option(
    '--idle-ping <ms>',
    limitHelp('idlePingMs', 'v2: ping a client silent for this long'),
    limit('idlePingMs'),
  )
  .option(
    '--idle-timeout <ms>',
    limitHelp('idleTimeoutMs', 'v2: drop a client silent for this long'),
    limit('idleTimeoutMs'),
  )
  .option(
    '--rate <n>',
    limitHelp('ratePerSecond', 'rate tokens per second per client (a chat line costs 1)'),
    limit('ratePerSecond'),
  )
  .option('--burst <n>', limitHelp('rateBurst', 'rate bucket size per client'), limit('rateBurst'))
  .option(
    '--rate-replies <n>',
    limitHelp('rateRefusalReplies', 'RATE_LIMITED replies per client per refusal window'),
    limit('rateRefusalReplies'),
  )
  .option(
    '--rate-budget <n>',
    limitHelp('rateRefusalBudget', 'refused packets per window before RATE_EXCEEDED closes'),
    limit('rateRefusalBudget'),
  )
  .option(
    '--rate-window <ms>',
    limitHelp('rateRefusalWindowMs', 'the window refusals are counted in'),
    limit('rateRefusalWindowMs'),
  )
  .option(
    '--max-per-address <n>',
    limitHelp('maxPerAddress', 'most connections at once from one address (IPv6: one /64)'),
    limit('maxPerAddress'),
  )
  .option(
    '--max-prefix-addresses <n>',
    limitHelp(
      'maxAddressesPerPrefix',
      'addresses of one network (IPv4 /24, IPv6 /48) holding connections at once',
    ),
    limit('maxAddressesPerPrefix'),
  )
  .option(
    '--address-burst <n>',
    limitHelp('addressHandshakeBurst', 'new connections one address may open at once'),
    limit('addressHandshakeBurst'),
  )
  .option(
    '--address-rate <n>',
    limitHelp('addressHandshakesPerSecond', 'new connections per second per address, after the burst'),
    limit('addressHandshakesPerSecond'),
  )
  .option(
    '--max-queued <bytes>',
    limitHelp('maxQueuedBytes', 'bytes queued for one client before its chat lines are skipped'),
    limit('maxQueuedBytes'),
  )
  .option(
    '--max-queued-total <bytes>',
    limitHelp('maxTotalQueuedBytes', 'bytes queued across all clients (then each gets its share)'),
    limit('maxTotalQueuedBytes'),
  )
  .option(
    '--slow-reader-timeout <ms>',
    limitHelp('slowReaderMs', 'drop a client whose socket takes nothing for this long'),
    limit('slowReaderMs'),
  )
  .option('--no-fast-paths', 'run without the speed shortcuts (the same bytes on the wire, slower)')
  .addOption(new Option('--log-level <level>', 'log detail').choices([...LOG_LEVELS]).default('info'))
  .addOption(
    new Option('--log-format <format>', 'log lines as text or as JSON objects, one a line')
      .choices([...LOG_FORMATS])
      .default('text'),
  )
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

interface Options {
  port: number;
  host: string;
  profile: Profile;
  identity: string;
  maxClients?: number;
  maxFrame?: number;
  maxMessage?: number;
  maxName?: number;
  history?: number;
  backlog?: number;
  historyTotal?: number;
  maxRooms?: number;
  maxRoomsPerMember?: number;
  maxRoomName?: number;
  maxTopic?: number;
  motd?: string;
  reservationDays?: number;
  maxMutes?: number;
  reserveNames?: string;
  op?: string[];
  opsFile?: string;
  banFile?: string;
  opsSeeAddresses?: boolean;
  features?: string[];
  handshakeTimeout?: number;
  idlePing?: number;
  idleTimeout?: number;
  rate?: number;
  burst?: number;
  rateReplies?: number;
  rateBudget?: number;
  rateWindow?: number;
  maxPerAddress?: number;
  maxPrefixAddresses?: number;
  addressBurst?: number;
  addressRate?: number;
  maxQueued?: number;
  maxQueuedTotal?: number;
  slowReaderTimeout?: number;
  fastPaths: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<Options>();
  const idlePing = opts.idlePing ?? LIMIT_INFO.idlePingMs.default;
  const idleTimeout = opts.idleTimeout ?? LIMIT_INFO.idleTimeoutMs.default;
  if (idleTimeout <= idlePing) {
    // A client must get its ping before it can be dropped for silence (11).
    const message = `--idle-timeout (${idleTimeout} ms) must be longer than --idle-ping (${idlePing} ms).`;
    program.error(`error: ${message}`, { exitCode: 2 });
  }
  const logger = createLogger(opts.logLevel, undefined, opts.logFormat);
  const out = (line: string) => process.stdout.write(`${line}\n`);

  let identity: ReturnType<typeof loadOrCreateIdentity>['identity'] | undefined;
  if (opts.profile === 'v2') {
    // A first start whose port is taken must not leave a new identity behind: clients would be
    // told of a key that never served them. So the port is tried before the identity is made.
    if (!existsSync(opts.identity) && opts.port !== 0) {
      const busy = await portProblem(opts.host, opts.port);
      if (busy) {
        process.stderr.write(`error: cannot listen on ${opts.host}:${opts.port}: ${busy}\n`);
        process.exit(1);
      }
    }
    try {
      const loaded = loadOrCreateIdentity(opts.identity);
      identity = loaded.identity;
      if (loaded.created) out(`created a new server identity in ${opts.identity}`);
    } catch (err) {
      if (err instanceof IdentityFileError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
  } else {
    process.stderr.write(
      'WARNING: the legacy profile is insecure (unauthenticated key exchange, a fixed IV, no integrity).\n' +
        'It exists only so that the original pyChat clients can connect. Use the default v2 profile otherwise.\n',
    );
  }

  // 7.17, 7.18: state files and operators are read before anything starts; a bad one stops here.
  let guards: GuardsConfig;
  try {
    const reservations = opts.reserveNames
      ? { saved: readStateFile(opts.reserveNames, 'reserved names', parseSavedReservations) }
      : undefined;
    const operators = [...(opts.op ?? [])];
    if (opts.opsFile) {
      try {
        operators.push(...readOpsFile(opts.opsFile));
      } catch (err) {
        throw new StateFileError(`the ops file ${opts.opsFile} cannot be used: ${(err as Error).message}`);
      }
    }
    const banFile = opts.banFile ? { saved: readStateFile(opts.banFile, 'ban', parseSavedBans) } : undefined;
    const moderation =
      operators.length > 0 || banFile
        ? { operators, opsSeeAddresses: opts.opsSeeAddresses, ...(banFile ? { banFile } : {}) }
        : undefined;
    guards = { ...(reservations ? { reservations } : {}), ...(moderation ? { moderation } : {}) };
  } catch (err) {
    if (err instanceof StateFileError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const limits = Object.fromEntries(
    Object.entries({
      maxClients: opts.maxClients,
      maxFrame: opts.maxFrame,
      maxMessage: opts.maxMessage,
      maxName: opts.maxName,
      history: opts.history,
      backlog: opts.backlog,
      historyTotal: opts.historyTotal,
      maxRooms: opts.maxRooms,
      maxRoomsPerMember: opts.maxRoomsPerMember,
      maxRoomName: opts.maxRoomName,
      maxTopic: opts.maxTopic,
      handshakeTimeoutMs: opts.handshakeTimeout,
      idlePingMs: opts.idlePing,
      idleTimeoutMs: opts.idleTimeout,
      ratePerSecond: opts.rate,
      rateBurst: opts.burst,
      rateRefusalReplies: opts.rateReplies,
      rateRefusalBudget: opts.rateBudget,
      rateRefusalWindowMs: opts.rateWindow,
      maxPerAddress: opts.maxPerAddress,
      maxAddressesPerPrefix: opts.maxPrefixAddresses,
      addressHandshakeBurst: opts.addressBurst,
      addressHandshakesPerSecond: opts.addressRate,
      maxQueuedBytes: opts.maxQueued,
      maxTotalQueuedBytes: opts.maxQueuedTotal,
      slowReaderMs: opts.slowReaderTimeout,
      reservationDays: opts.reservationDays,
      maxMutes: opts.maxMutes,
    }).filter(([, v]) => v !== undefined),
  );

  // Signal handlers go in before anything is announced: a supervisor that stops the server as soon
  // as it reads the listening line must get the clean stop (goodbye, exit 0), not a default kill.
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log('info', `${signal}: saying goodbye to clients and stopping`);
    if (!server) process.exit(0);
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    server = await startServer({
      port: opts.port,
      host: opts.host,
      profile: opts.profile,
      identity,
      limits,
      motd: opts.motd,
      features: opts.features,
      guards,
      stateFiles: { reservations: opts.reserveNames, bans: opts.banFile },
      logger,
      tuneMemory: true,
      fastPaths: opts.fastPaths,
    });
  } catch (err) {
    // 11.1: limits under which a stamped packet could outgrow maxFrame; the message says what to raise.
    if (isParleyError(err) && err.code === 'LIMITS_INCONSISTENT') {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`error: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (stopping) {
    await server.close();
    process.exit(0);
  }
  out(`Parley server listening on ${server.host}:${server.port} (profile ${server.profile})`);
  if (server.fingerprint) out(`server fingerprint: ${server.fingerprint}`);
}

/** Why `host:port` cannot be listened on right now, or null if it can (the trial is closed again). */
function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const trial = createServer();
    trial.once('error', (err) => resolve(err.message));
    trial.listen({ host, port, exclusive: true }, () => trial.close(() => resolve(null)));
  });
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
