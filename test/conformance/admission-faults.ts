/**
 * Planted faults for refusals at accept (spec 11.4), part of the broken-servers set
 * (broken-servers.ts takes them in).
 *
 * How this works: the chat server's door (lifecycle.ts -> accept-gate.ts) asks one Admission
 * (admission.ts) whether a connection is served. Each fault wraps that object's `admit` for one
 * server: one gives back the token a refused connection took (refusals free, as before 11.4), the
 * other drops the `quiet` mark, so every refusal past the bucket gets its own record.
 */
import type { Planted } from './fault.js';
import type { Any } from './planting.js';

/** A fault as broken-servers.ts plants it: every one here is of the v2 profile. */
export type AdmissionFault = Planted & { readonly profile: 'v2' };

/** The settings robustness/11.4/1 needs, on the server and told to the suite. */
export const REFUSAL_SETTINGS = {
  server: { limits: { maxPerAddress: 2, addressHandshakeBurst: 4, addressHandshakesPerSecond: 2 } },
  options: { maxPerAddress: 2, addressBurst: 4, addressRate: 2 },
} as const;

/** Wraps the server's Admission#admit: `wrap(admit, admission, address)` decides instead. */
function onAdmit(
  server: Any,
  wrap: (admit: () => Any, admission: Any, address: string | undefined) => Any,
): Any {
  const admission = server.chat.life.gate.admission;
  const admit = admission.admit.bind(admission);
  admission.admit = (address: string | undefined, ...rest: unknown[]) =>
    wrap(() => admit(address, ...rest), admission, address);
  return server;
}

export const ADMISSION_FAULTS: readonly AdmissionFault[] = [
  {
    name: 'takes no token for a refusal',
    profile: 'v2',
    fault:
      'a connection refused with TOO_MANY_FROM_ADDRESS gives its token back: an address reopens refused sockets as fast as it can, each refused with a record (11.4)',
    caughtBy: 'robustness/11.4/1',
    // Counted against a clock: beside the concurrent faults' servers (the same event loop), the
    // storm took seconds, the bucket refilled meanwhile, and the fault went unseen (2 of 3 runs).
    alone: true,
    ...REFUSAL_SETTINGS,
    plant: (server) =>
      onAdmit(server, (admit, admission, address) => {
        const entry = address === undefined ? undefined : admission.addresses.get(address);
        const before = entry ? { tokens: entry.tokens, at: entry.at } : undefined;
        const refusal = admit();
        if (refusal && refusal.code !== 'ADDRESS_RATE_LIMITED' && before) Object.assign(entry, before);
        return refusal;
      }),
  },
  {
    name: 'writes a record for every refusal past the bucket',
    profile: 'v2',
    fault:
      'every connection that finds its address bucket empty gets its own refused ADDRESS_RATE_LIMITED record: a storm costs a write each (11.4)',
    caughtBy: 'robustness/11.4/1',
    // Counted against a clock: beside the concurrent faults' servers (the same event loop), the
    // storm took seconds, the bucket refilled meanwhile, and the fault went unseen (2 of 3 runs).
    alone: true,
    ...REFUSAL_SETTINGS,
    plant: (server) =>
      onAdmit(server, (admit) => {
        const refusal = admit();
        return refusal?.quiet ? { code: refusal.code, message: refusal.message } : refusal;
      }),
  },
];
