/**
 * The hostile target (fuzz/targets/hostile.ts for v2, hostile-legacy.ts for legacy): one arena per
 * profile chosen (`--profile`, default both), each a server process with its property. The
 * campaign shares the target's time between its properties (campaign.ts), so a run of both
 * profiles takes as long as a run of one did.
 */
import { type Arena, DEFAULT_ATTACK_MS, hostileProperty, startArena } from './hostile.js';
import { legacyHostileProperty } from './hostile-legacy.js';
import { type FuzzTarget, type OpenTarget, type Profile, profilesOf } from './types.js';

export async function openHostile(
  waitMs: number,
  attackMs: number,
  profiles: readonly Profile[] = ['v2'],
): Promise<OpenTarget> {
  const arenas: Arena[] = [];
  try {
    for (const profile of profiles) arenas.push(await startArena(waitMs, profile));
  } catch (err) {
    await Promise.all(arenas.map((a) => a.server.stop()));
    throw err;
  }
  return {
    properties: arenas.map((a) =>
      a.profile === 'v2' ? hostileProperty(a, attackMs) : legacyHostileProperty(a, attackMs),
    ),
    close: async () => {
      await Promise.all(arenas.map((a) => a.server.stop()));
    },
  };
}

export const hostileTarget: FuzzTarget = {
  name: 'hostile',
  description:
    'a live v2 or legacy server under attack, honest members accounted for, memory bounded (7.8, 11)',
  async open(options) {
    const open = await openHostile(
      options.waitMs ?? 5000,
      options.attackMs ?? DEFAULT_ATTACK_MS,
      profilesOf(options.profile),
    );
    for (const p of open.properties) options.note?.(`hostile/${p.name}: ${p.description.split(': ')[0]}`);
    return open;
  },
};
