/**
 * Planted faults for fair order (spec 11.3), part of the broken-servers set (broken-servers.ts
 * takes them in).
 *
 * How this works: a member's queue learns who said a chat line from the sender that the server
 * hands with it (sendEncoded's third argument, connection-table.ts). The FIFO fault drops it for
 * one server's endpoints (onEachEndpoint), so every chat line waits in the order it was accepted,
 * as before 11.3, and shedding takes the oldest lines whoever said them.
 */
import type { Planted } from './fault.js';
import { onEachEndpoint } from './planting.js';

/** A fault as broken-servers.ts plants it: every one here is of the v2 profile. */
export type FairFault = Planted & { readonly profile: 'v2' };

/** Idle timers far longer than the case (11.3's case needs 30 s at least: a ping is a barrier). */
export const LONG_IDLE = { idlePingMs: 60_000, idleTimeoutMs: 90_000 } as const;

export const FAIR_FAULTS: readonly FairFault[] = [
  {
    name: 'serves a member queue in FIFO order',
    profile: 'v2',
    fault:
      "chat lines wait for a member in the order they were accepted: an honest line said in a flood waits behind the flood's backlog (11.3)",
    caughtBy: 'robustness/11.3/1',
    // The case moves megabytes to every member, and holds silent readers for seconds.
    alone: true,
    server: { limits: LONG_IDLE },
    options: LONG_IDLE,
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const send = endpoint.sendEncoded.bind(endpoint);
        endpoint.sendEncoded = (packet: Buffer, type?: string) => send(packet, type);
      }),
  },
];
