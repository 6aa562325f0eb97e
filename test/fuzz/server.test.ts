/**
 * The server fuzz target: model-based sequences and garbage over TCP pass against the reference
 * server in both profiles (started in-process, and found by host and port), and a server that
 * drops or repeats one delivery is caught.
 */
import { afterAll, describe, it } from 'vitest';
import { plantDelivery } from '../../fuzz/plants.js';
import {
  externalServer,
  type LiveServer,
  openServerProperties,
  REFERENCE_SERVER,
  startReference,
} from '../../fuzz/targets/server.js';
import type { Profile } from '../../src/generated/constants.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

const WAIT_MS = 10_000;
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
});

async function open(impl: Parameters<typeof openServerProperties>[0], profile: Profile) {
  const target = await openServerProperties(impl, [profile], WAIT_MS);
  opened.push(target);
  return byName(target.properties, profile);
}

describe('server fuzz target', () => {
  it.each(['v2', 'legacy'] as const)('holds for the reference server (%s)', async (profile) => {
    await expectHolds(await open(REFERENCE_SERVER, profile), 25);
  });

  it('holds for a server given by host and port', async () => {
    const live: LiveServer = await startReference('v2');
    opened.push(live);
    await expectHolds(await open(externalServer(live.host, live.port), 'v2'), 10);
  });

  it.each(['v2', 'legacy'] as const)('catches a server that drops a delivery (%s)', async (profile) => {
    const impl = { start: () => startReference(profile, (core) => plantDelivery(core, 'drop')) };
    await expectCatches(await open(impl, profile), /received \[.*\], expected/, 100);
  });

  it.each(['v2', 'legacy'] as const)('catches a server that delivers twice (%s)', async (profile) => {
    const impl = { start: () => startReference(profile, (core) => plantDelivery(core, 'duplicate')) };
    await expectCatches(await open(impl, profile), /received \[.*\], expected/, 100);
  });
});
