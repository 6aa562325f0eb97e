/**
 * Session (spec 7, 10, 11): model-based sequences against the sans-IO chat server, in memory.
 *
 * How this works: each run builds a fresh chat server (through an injected factory, so a test can
 * hand over one that drops or duplicates a delivery) and real client endpoints, and plays a
 * fast-check command sequence on it: connects, joins with valid, taken, reserved, invalid and
 * look-alike names, renames (nick), away and back, whois, the backlog a newcomer is sent (the
 * 2.1 features, agreed by the even slots only, so that 2.0 clients share the room), chat lines, actions, private messages, user lists, exports, disconnects of every
 * kind, garbage from extra connections, and the clock moving. After each command the model
 * (fuzz/chat/model.ts) says exactly who must have received what; the rate limiter is modelled
 * exactly, since the clock is the harness's.
 */
import fc from 'fast-check';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { type Identity, identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import { V2_FEATURE_NAMES } from '../../src/generated/v2-packets.js';
import { commandArbs } from '../chat/arbitraries.js';
import { quiescence } from '../chat/commands.js';
import { MemoryChat } from '../chat/memory.js';
import { ChatModel } from '../chat/model.js';
import { ROOM_LIMITS, roomsCommandArbs, runRooms } from '../chat/rooms.js';
import { seededBytes } from '../util.js';
import {
  type FuzzProperty,
  type FuzzTarget,
  type Profile,
  planted,
  profilesOf,
  staticTarget,
} from './types.js';

/**
 * Limits common to every run: a small token bucket (RATE_LIMITED is reachable), the handshake
 * timeout at its default (the clock moves by up to 12 s a step), and idle pings and timeouts
 * short enough to happen (clients answer pings, so nobody should ever time out idle), and presence
 * notices sent at once.
 */
export const SESSION_LIMITS: Partial<Limits> = {
  rateBurst: 5,
  ratePerSecond: 2,
  // The model expects a RATE_LIMITED reply to each refusal: the cap on replies (7.8) and the budget
  // are tested on their own (test/core/chat-server.test.ts, the conformance suite).
  rateRefusalReplies: 1_000_000,
  rateRefusalBudget: 1_000_000,
  handshakeTimeoutMs: 10_000,
  idlePingMs: 2_000,
  idleTimeoutMs: 5_000,
  // The model expects presence notices at once in these small rooms: no burst batching (spec 11,
  // presenceBurst), which test/core/chat-server.test.ts covers on its own.
  presenceBurst: 1_000_000,
  // A short backlog (7.10), so that a newcomer's is often the history's newest part, not all of it.
  backlog: 3,
};

/** The features the even slots agree (5.8); the odd slots are 2.0 clients. */
export const SESSION_FEATURES: readonly string[] = ['backlog', 'nick', 'away', 'whois'];

/**
 * Frame, message and name limits, one set per run. Each set is consistent: the longest message
 * fits a record within maxFrame, as the spec requires of every sender (6.1). Small frames make
 * user lists and exports split into several packets (v2), and legacy exports, which must fit one
 * frame, leave out their oldest lines.
 */
export const SESSION_CONFIGS: Readonly<
  Record<Profile, readonly Pick<Limits, 'maxFrame' | 'maxMessage' | 'maxName'>[]>
> = {
  v2: [
    { maxFrame: 1024, maxMessage: 40, maxName: 8 },
    { maxFrame: 4096, maxMessage: 200, maxName: 24 },
    { maxFrame: 65_536, maxMessage: 2000, maxName: 24 },
  ],
  legacy: [
    { maxFrame: 4096, maxMessage: 200, maxName: 24 },
    { maxFrame: 65_536, maxMessage: 40, maxName: 24 },
    { maxFrame: 65_536, maxMessage: 2000, maxName: 8 },
  ],
};

/**
 * What the fuzzed server offers: every feature but `moderation`, which nothing here drives and
 * which needs a record of about 2.5 KB for a join_ok with the longest motd (11.1), more than the
 * smallest maxFrame above.
 */
const FUZZED_FEATURES: readonly string[] = V2_FEATURE_NAMES.filter((f) => f !== 'moderation');

export const SESSION_IDENTITY: Identity = identityFromSeed(Buffer.alloc(32, 0x2a));

export interface ServerOptions {
  readonly identity: Identity;
  readonly random: (size: number) => Buffer;
  readonly limits: Partial<Limits>;
}

/** The implementation under test: a factory of sans-IO chat servers. */
export interface SessionImpl {
  createServer(profile: Profile, options: ServerOptions): ChatServer<unknown>;
}

export const REAL_SESSION: SessionImpl = {
  createServer(profile, options) {
    const server =
      profile === 'v2'
        ? createV2Server({
            identity: options.identity,
            random: options.random,
            limits: options.limits,
            features: FUZZED_FEATURES,
          })
        : createLegacyServer({ random: options.random, limits: options.limits });
    return server as ChatServer<unknown>;
  },
};

export const SESSION_SLOTS = 4;

/** One property per profile. */
export function sessionProperties(
  impl: SessionImpl = REAL_SESSION,
  profiles: readonly Profile[] = ['v2', 'legacy'],
): FuzzProperty[] {
  return profiles.map((profile) => {
    const configs = SESSION_CONFIGS[profile];
    const arbs = commandArbs({
      profile,
      slots: SESSION_SLOTS,
      maxNames: configs.map((c) => c.maxName),
      maxMessages: configs.map((c) => c.maxMessage),
      advance: true,
      extra: true,
    });
    const property = (replayPath?: string) =>
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.nat({ max: configs.length - 1 }),
        fc.commands(arbs, { maxCommands: 40, size: '+1', replayPath }),
        async (seed, config, cmds) => {
          const limits = { ...LIMITS, ...SESSION_LIMITS, ...configs[config] };
          const server = impl.createServer(profile, {
            identity: SESSION_IDENTITY,
            random: seededBytes(`session/${seed}`),
            limits,
          });
          const system = new MemoryChat({
            profile,
            server,
            identity: SESSION_IDENTITY,
            limits: { maxName: limits.maxName, maxMessage: limits.maxMessage, maxFrame: limits.maxFrame },
            rate: { burst: limits.rateBurst, perSecond: limits.ratePerSecond },
            handshakeTimeoutMs: limits.handshakeTimeoutMs,
            seed,
            features: SESSION_FEATURES,
            backlog: limits.backlog,
          });
          const model = new ChatModel(profile, system, SESSION_SLOTS);
          await fc.asyncModelRun(() => ({ model, real: system }), cmds);
          await quiescence(model, system);
        },
      );
    return {
      name: profile,
      description: `${profile}: joins, names, messages, private messages, exports, disconnects, garbage and time against the chat server, checked against a model of who receives what`,
      property: property(),
      withReplayPath: property,
    };
  });
}

/**
 * Rooms (7.15): members that agreed `rooms` join, part, speak and set topics in a few rooms (names
 * that are the same room by 7.2's keys among them), checked against a model of who is where: every
 * line reaches each member of its room exactly once and nobody else (fuzz/chat/rooms.ts).
 */
export function roomsProperty(impl: SessionImpl = REAL_SESSION): FuzzProperty {
  const arbs = roomsCommandArbs();
  const property = (replayPath?: string) =>
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.commands(arbs, { maxCommands: 40, size: '+1', replayPath }),
      async (seed, cmds) => {
        const limits = {
          ...LIMITS,
          ...SESSION_LIMITS,
          ...ROOM_LIMITS,
          rateBurst: 1_000_000,
          ratePerSecond: 1_000_000,
        };
        const server = impl.createServer('v2', {
          identity: SESSION_IDENTITY,
          random: seededBytes(`rooms/${seed}`),
          limits,
        });
        await runRooms(server, SESSION_IDENTITY, seed, cmds);
      },
    );
  return {
    name: 'rooms',
    description:
      'v2 rooms: joins, parts, lines, topics, lists and leaves in several rooms, checked against a model of who is where (each line once to each member of its room, to nobody else)',
    property: property(),
    withReplayPath: property,
  };
}

export const sessionTarget: FuzzTarget = {
  name: 'session',
  description: 'chat server state machine (spec 7, 10, 11): model-based command sequences in memory',
  async open(options) {
    const impl = (planted(options, 'session') as SessionImpl | null) ?? REAL_SESSION;
    const profiles = profilesOf(options.profile);
    const rooms = profiles.includes('v2') ? [roomsProperty(impl)] : [];
    return staticTarget([...sessionProperties(impl, profiles), ...rooms]);
  },
};
