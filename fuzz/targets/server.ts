/**
 * Server (spec 7, 10, 4): the session model over real TCP against a live server, plus garbage.
 *
 * How this works: by default the reference server is started in this process on 127.0.0.1, port
 * 0, once per profile, and kept for the whole campaign (state that builds up across runs is part
 * of what is fuzzed); with --host/--port, that server is used instead. Each run connects a
 * watcher that stays in the room, plays a command sequence from the same model as the session
 * target (joins, names, chat, private messages, exports, disconnects), and injects garbage from
 * extra connections: random bytes, mutated hellos, records that fail authentication, and
 * authenticated packets that are malformed or out of state. After each step every participant
 * must have received exactly what the model says (nothing lost, duplicated or reordered) and the
 * watcher's barrier proves the server still answers. An in-process server's error log is
 * watched too: INTERNAL_ERROR is a bug, whatever the input. Each run closes everything it opened
 * and waits for the server to close its side, so the next run finds the room as it was.
 */
import fc from 'fast-check';
import type { Logger } from '../../reference-server/logger.js';
import { startServer } from '../../reference-server/server.js';
import type { ChatServer } from '../../src/chat/chat-server.js';
import type { Identity } from '../../src/crypto/identity.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import { commandArbs } from '../chat/arbitraries.js';
import { quiescence } from '../chat/commands.js';
import { ChatModel } from '../chat/model.js';
import { TcpChat } from '../chat/tcp.js';
import { ensure } from '../util.js';
import {
  type DeliveryPlant,
  type FuzzProperty,
  type FuzzTarget,
  type OpenTarget,
  type Profile,
  planted,
  profilesOf,
} from './types.js';

export interface LiveServer {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  /** The fingerprint clients must see (v2), or null to trust the first one seen. */
  readonly fingerprint: string | null;
  /** Error-level log lines and INTERNAL_ERRORs since the last call (in-process servers only). */
  problems(): string[];
  /** Its name and message limits, when known (legacy cannot announce them). */
  readonly limits?: {
    readonly maxName: number;
    readonly maxMessage: number;
    readonly legacyMaxFrame?: number;
  };
  /** A planted bug to re-arm at the start of every run. */
  readonly plant?: DeliveryPlant;
  close(): Promise<void>;
}

/** The implementation under test: something that starts (or finds) a live server. */
export interface ServerImpl {
  start(profile: Profile): Promise<LiveServer>;
}

/** Limits of the in-process server: a small maxMessage (reachable), no rate limit or timeout in the way. */
export const LIVE_LIMITS: Partial<Limits> = {
  maxMessage: 40,
  rateBurst: 100_000,
  ratePerSecond: 100_000,
  // Every actor connects from 127.0.0.1: no per-address limit (spec 11) in the way either.
  maxPerAddress: 100_000,
  addressHandshakeBurst: 100_000,
  addressHandshakesPerSecond: 100_000,
  handshakeTimeoutMs: 600_000,
  idlePingMs: 3_600_000,
  idleTimeoutMs: 7_200_000,
  // Presence at once in small rooms, as the model expects (lateMs 0 below): no burst batching.
  presenceBurst: 1_000_000,
};

export const LIVE_IDENTITY: Identity = identityFromSeed(Buffer.alloc(32, 0x3c));

/** Starts the reference server in this process, optionally with a planted delivery bug. */
export async function startReference(
  profile: Profile,
  plant?: (chat: ChatServer<unknown>) => DeliveryPlant,
): Promise<LiveServer> {
  const found: string[] = [];
  const logger: Logger = {
    level: 'debug',
    log(level, message) {
      if (level === 'error' || message.includes('INTERNAL_ERROR'))
        found.push(`server logged ${level}: ${message}`);
    },
  };
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    profile,
    identity: LIVE_IDENTITY,
    limits: LIVE_LIMITS,
    logger,
  });
  return {
    host: '127.0.0.1',
    port: server.port,
    profile,
    fingerprint: profile === 'v2' ? LIVE_IDENTITY.fingerprint : null,
    limits: {
      maxName: LIVE_LIMITS.maxName ?? LIMITS.maxName,
      maxMessage: LIVE_LIMITS.maxMessage ?? LIMITS.maxMessage,
      ...(profile === 'legacy' ? { legacyMaxFrame: LIVE_LIMITS.maxFrame ?? LIMITS.maxFrame } : {}),
    },
    problems: () => found.splice(0),
    plant: plant?.(server.chat),
    close: () => server.close(),
  };
}

export const REFERENCE_SERVER: ServerImpl = { start: (profile) => startReference(profile) };

/** A server somebody else runs: nothing to start or stop. */
export function externalServer(host: string, port: number): ServerImpl {
  return {
    async start(profile) {
      return { host, port, profile, fingerprint: null, problems: () => [], close: async () => {} };
    },
  };
}

export const SERVER_SLOTS = 3;
export const DEFAULT_WAIT_MS = 5000;

function serverProperty(live: LiveServer, waitMs: number): FuzzProperty {
  const profile = live.profile;
  // Command shapes use the in-process limits; a foreign server's are read from its hello per run.
  const arbs = commandArbs({
    profile,
    slots: SERVER_SLOTS,
    maxNames: [live.limits?.maxName ?? LIMITS.maxName],
    maxMessages: [live.limits?.maxMessage ?? LIMITS.maxMessage],
    advance: false,
    extra: true,
  });
  let fingerprint = live.fingerprint;
  const property = (replayPath?: string) =>
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.commands(arbs, { maxCommands: 25, size: '+1', replayPath }),
      async (seed, cmds) => {
        live.plant?.reset();
        const system = await TcpChat.open({
          host: live.host,
          port: live.port,
          profile,
          fingerprint,
          waitMs,
          seed,
          limits: live.limits,
          // The reference server sends at once in rooms below presenceBatchMembers (ours hold 4), with
          // presenceBurst raised in LIVE_LIMITS.
          lateMs: live.limits ? 0 : Math.max(waitMs, (LIMITS.presenceBatchMs ?? 200) * 2),
          serverProblems: () => live.problems(),
        });
        fingerprint ??= system.serverFingerprint;
        let failure: unknown = null;
        try {
          const model = new ChatModel(profile, system, SERVER_SLOTS);
          await fc.asyncModelRun(() => ({ model, real: system }), cmds);
          await quiescence(model, system);
        } catch (err) {
          failure = err;
        }
        const stuck = await system.close();
        if (failure !== null) throw failure;
        ensure(stuck.length === 0, () => `closing the run: ${stuck.join('; ')}`);
        const late = live.problems();
        ensure(late.length === 0, () => `closing the run: ${late.join('; ')}`);
      },
    );
  return {
    name: profile,
    description: `${profile} over TCP at ${live.host}:${live.port}: the session model, garbage from extra connections, and a watcher that must see every delivery once, in order`,
    property: property(),
    withReplayPath: property,
  };
}

/** Starts (or finds) one server per profile and builds one property for each. */
export async function openServerProperties(
  impl: ServerImpl,
  profiles: readonly Profile[],
  waitMs = DEFAULT_WAIT_MS,
): Promise<OpenTarget> {
  const servers: LiveServer[] = [];
  try {
    for (const profile of profiles) servers.push(await impl.start(profile));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return {
    properties: servers.map((s) => serverProperty(s, waitMs)),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

export const serverTarget: FuzzTarget = {
  name: 'server',
  description: 'a live server over TCP (spec 7, 10, 4): the session model, garbage, and a watcher',
  async open(options) {
    const external = options.host !== undefined && options.port !== undefined;
    const profiles = external
      ? profilesOf(options.profile === 'both' ? 'v2' : options.profile)
      : profilesOf(options.profile);
    let impl: ServerImpl = REFERENCE_SERVER;
    if (external) impl = externalServer(options.host!, options.port!);
    else if (options.plant) {
      const plant = planted(options, 'server') as ((chat: ChatServer<unknown>) => DeliveryPlant) | null;
      if (plant) impl = { start: (profile) => startReference(profile, plant) };
    }
    const open = await openServerProperties(impl, profiles, options.waitMs ?? DEFAULT_WAIT_MS);
    for (const p of open.properties) options.note?.(`server/${p.name}: ${p.description.split(': ')[0]}`);
    return open;
  },
};
