/**
 * Planted faults for bounds, part of the broken-servers set (broken-servers.ts takes them in):
 * the join budget (spec 7.10, caught by v2-chat/7.10/3).
 *
 * How this works: a join's backlog and away notices are one `budgeted` delivery whose packets are
 * chosen by the v2 dialect's room packets (v2-room-packets.ts, backlogWithin) from the bytes the
 * connection table hands it (connection-table.ts, deliver's joinBudget). The unbudgeted fault
 * hands it no bound, as servers before 7.10's budget did; the other keeps the bound but takes the
 * oldest lines that fit.
 */
import { JOIN_BUDGET_QUEUE } from '../../conformance/cases/v2-join-budget.js';
import type { Planted } from './fault.js';
import type { Any } from './planting.js';

/** A fault as broken-servers.ts plants it: every one here is of the v2 profile. */
export type BoundFault = Planted & { readonly profile: 'v2' };

/** The queue limit v2-chat/7.10/3 asks for, on the server and told to the suite. */
export const JOIN_BUDGET_SETTINGS = {
  server: { limits: { maxQueuedBytes: JOIN_BUDGET_QUEUE } },
  options: { maxQueuedBytes: JOIN_BUDGET_QUEUE },
} as const;

export const BOUND_FAULTS: readonly BoundFault[] = [
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
      table.deliver = (deliveries: Any, cap: number | null) => deliver(deliveries, cap, Number.MAX_SAFE_INTEGER);
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
];
