/**
 * Planted faults for four bounds, part of the broken-servers set (broken-servers.ts takes them in):
 * the join budget (spec 7.10, caught by v2-chat/7.10/3), away notices under load (7.12, caught by
 * v2-chat/7.12/2), maxMutes (7.18, caught by v2-chat/7.18/7) and an error within maxFrame (11.1,
 * caught by v2-chat/11.1/9: the fault sends the message as the refusal made it, uncut).
 *
 * How this works: a join's backlog and away notices are one `budgeted` delivery whose packets are
 * chosen by the v2 dialect's room packets (v2-room-packets.ts, backlogWithin) from the bytes the
 * connection table hands it (connection-table.ts, deliver's joinBudget). The unbudgeted fault
 * hands it no bound, as servers before 7.10's budget did; the other keeps the bound but takes the
 * oldest lines that fit. The mute faults shadow one method or field of that server's own
 * moderation state (moderation.ts): its limits without maxMutes, or a `mute` that checks the count
 * before it looks for the mute it would replace. The away faults take apart the `stateOf` of the
 * away notices the connection table delivers: without it every notice is queued whole, as before
 * 7.12's rule; without its `about`, reasons are left out past half the limit but every notice is
 * kept.
 */
import { JOIN_BUDGET_QUEUE } from '../../conformance/cases/v2-join-budget.js';
import { SUITE_OPERATOR_FINGERPRINT } from '../../conformance/cases/v2-keys.js';
import { MUTE_CAP } from '../../conformance/cases/v2-mute.js';
import type { RunningServer } from '../../reference-server/server.js';
import type { Planted } from './fault.js';
import { GUARDED } from './key-faults.js';
import type { Any } from './planting.js';

/** A fault as broken-servers.ts plants it: every one here is of the v2 profile. */
export type BoundFault = Planted & { readonly profile: 'v2' };

/** The queue limit v2-chat/7.10/3 asks for, on the server and told to the suite. */
export const JOIN_BUDGET_SETTINGS = {
  server: { limits: { maxQueuedBytes: JOIN_BUDGET_QUEUE } },
  options: { maxQueuedBytes: JOIN_BUDGET_QUEUE },
} as const;

/** The guarded server (operators, reserved names) with maxMutes MUTE_CAP, and the suite told its flags. */
export const MUTE_CAP_SETTINGS = {
  server: { ...GUARDED, limits: { maxMutes: MUTE_CAP } },
  options: { serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT, '--max-mutes', String(MUTE_CAP)] },
} as const;

/** The queue limit v2-chat/7.12/2 asks for, on the server and told to the suite. */
const AWAY_LOAD_SETTINGS = JOIN_BUDGET_SETTINGS;

/** Rewrites the `stateOf` of every away notice this server's connection table delivers (7.12). */
function onAwayNotices(server: RunningServer, rewrite: (state: Any) => Any): RunningServer {
  const table = (server.chat as Any).table;
  const deliver = table.deliver.bind(table);
  table.deliver = (deliveries: readonly Any[], cap: number | null, budget: number) =>
    deliver(
      deliveries.map((d) => (d.stateOf ? { ...d, stateOf: rewrite(d.stateOf) } : d)),
      cap,
      budget,
    );
  return server;
}

/** Patches this one server's moderation state (room-guards.ts builds it). */
function onModeration(server: RunningServer, patch: (moderation: Any) => void): RunningServer {
  const moderation = (server.chat as Any).room?.guards?.moderation;
  if (!moderation) throw new Error('no moderation to plant a fault in');
  patch(moderation);
  return server;
}

export const BOUND_FAULTS: readonly BoundFault[] = [
  {
    name: 'quotes a refused packet whole in its error',
    profile: 'v2',
    fault:
      "an error's message quotes what the client sent, uncut: the refusal of a packet of nearly maxFrame is a record over maxFrame, which a client refuses (11.1)",
    caughtBy: 'v2-chat/11.1/9',
    plant(server) {
      const dialect = server.chat.dialect as Any;
      const create = dialect.createEndpoint.bind(dialect);
      dialect.createEndpoint = () => {
        const endpoint = create();
        endpoint.sendError = (error: Any) =>
          endpoint.send({ type: 'error', code: error.code, message: error.message, fatal: error.fatal });
        return endpoint;
      };
      return server;
    },
  },
  {
    name: 'sends a join its whole backlog',
    profile: 'v2',
    fault:
      "a join's backlog is queued whole, unbudgeted: a newcomer to a room whose backlog is more than its queue limit is ended with SLOW_READER for its own join (7.10)",
    caughtBy: 'v2-chat/7.10/3',
    ...JOIN_BUDGET_SETTINGS,
    plant(server) {
      const table = (server.chat as Any).table;
      const deliver = table.deliver.bind(table);
      table.deliver = (deliveries: Any, cap: number | null) =>
        deliver(deliveries, cap, Number.MAX_SAFE_INTEGER);
      return server;
    },
  },
  {
    name: 'budgets a join with the oldest lines',
    profile: 'v2',
    fault:
      "a join's backlog is budgeted, but with the oldest of the backlog's lines that fit: the newcomer misses the newest (7.10)",
    caughtBy: 'v2-chat/7.10/3',
    ...JOIN_BUDGET_SETTINGS,
    plant(server) {
      const packets = (server.chat.dialect as Any).packets;
      packets.backlogWithin = (recent: readonly Any[], left: number, room: Any, features: Any) => {
        for (let to = recent.length; to > 0; to--) {
          const made = packets.backlogPackets(recent.slice(0, to), room, features);
          if (made.reduce((sum: number, e: Any) => sum + e.packet.length, 0) <= left) return made;
        }
        return [];
      };
      return server;
    },
  },
  {
    name: 'keeps every away notice whole',
    profile: 'v2',
    fault:
      'every away notice is queued with its reason, none replaced: many members changing their away state at once end a room of prompt readers with SLOW_READER (7.12)',
    caughtBy: 'v2-chat/7.12/2',
    ...AWAY_LOAD_SETTINGS,
    plant: (server) => onAwayNotices(server, () => undefined),
  },
  {
    name: 'leaves away reasons out but keeps every notice',
    profile: 'v2',
    fault:
      'away reasons are left out past half the queue limit, but an unsent notice is not replaced by a newer one about the same member: the bare notices of many bursts still overrun it (7.12)',
    caughtBy: 'v2-chat/7.12/2',
    ...AWAY_LOAD_SETTINGS,
    plant: (server) => onAwayNotices(server, (state) => ({ brief: state.brief })),
  },
  {
    name: 'takes mutes beyond maxMutes',
    profile: 'v2',
    fault:
      'no bound on the mutes in force: a mute beyond maxMutes is made, not refused with RATE_LIMITED (7.18)',
    caughtBy: 'v2-chat/7.18/7',
    ...MUTE_CAP_SETTINGS,
    plant: (server) =>
      onModeration(server, (moderation) => {
        moderation.limits = { ...moderation.limits, maxMutes: Number.MAX_SAFE_INTEGER };
      }),
  },
  {
    name: 'refuses a replacing mute at maxMutes',
    profile: 'v2',
    fault:
      'with maxMutes in force, a mute of a listed target and scope is refused with RATE_LIMITED, though it would replace one (7.18)',
    caughtBy: 'v2-chat/7.18/7',
    ...MUTE_CAP_SETTINGS,
    plant: (server) =>
      onModeration(server, (moderation) => {
        const mute = moderation.mute.bind(moderation);
        moderation.mute = (target: Any, room: Any, duration: number, now: number, extra: Any) => {
          moderation.expireMutes(now);
          if (moderation.mutes.size >= moderation.limits.maxMutes) return null;
          return mute(target, room, duration, now, extra);
        };
      }),
  },
];
