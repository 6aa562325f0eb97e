/**
 * The session fuzz target: model-based sequences pass against the real server core in both
 * profiles, and a core that drops or repeats one delivery, announces a rename twice, or sends a
 * newcomer a backlog one line short, is caught.
 */
import { describe, it } from 'vitest';
import { sessionPlant } from '../../fuzz/plants.js';
import { sessionProperties } from '../../fuzz/targets/session.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

describe('session fuzz target', () => {
  it.each(['v2', 'legacy'] as const)('holds for the real server core (%s)', async (profile) => {
    await expectHolds(byName(sessionProperties(), profile), 60);
  });

  it.each(['v2', 'legacy'] as const)('catches a dropped delivery (%s)', async (profile) => {
    const broken = sessionProperties(sessionPlant('drop-delivery')!, [profile]);
    await expectCatches(byName(broken, profile), /received \[.*\], expected/);
  });

  it.each(['v2', 'legacy'] as const)('catches a duplicated delivery (%s)', async (profile) => {
    const broken = sessionProperties(sessionPlant('duplicate-delivery')!, [profile]);
    await expectCatches(byName(broken, profile), /received \[.*\], expected/);
  });

  it('catches a legacy server that leaves a client whose setuser was dropped waiting (10.2)', async () => {
    const broken = sessionProperties(sessionPlant('legacy-join-waits')!, ['legacy']);
    await expectCatches(byName(broken, 'legacy'), /received \[.*\], expected/);
  });

  it('catches a rename announced twice (7.11)', async () => {
    const broken = sessionProperties(sessionPlant('rename-twice')!, ['v2']);
    await expectCatches(
      byName(broken, 'v2'),
      /nick\(.*received \[.*user_renamed.*user_renamed.*\], expected \[user_renamed\(/,
    );
  });

  it('catches a backlog without its oldest line (7.10)', async () => {
    const broken = sessionProperties(sessionPlant('backlog-drops-oldest')!, ['v2']);
    await expectCatches(
      byName(broken, 'v2'),
      /join\(.*received \[join_ok.*\], expected \[join_ok.*backlog\(/,
    );
  });
});
