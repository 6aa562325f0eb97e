/**
 * A real Parley server on 127.0.0.1 for the client tests: the reference server (its TCP adapter
 * around the sans-IO core), quiet, with a fixed identity so that a restart keeps the fingerprint.
 */

import { createLogger } from '../../../reference-server/logger.js';
import { type RunningServer, startServer } from '../../../reference-server/server.js';
import type { GuardsConfig } from '../../../src/chat/room-guards.js';
import { identityFromSeed } from '../../../src/crypto/identity.js';
import type { Limits, Profile } from '../../../src/generated/constants.js';
import { testKeyAgreement } from '../../support/key-agreement.js';
import { LOOPBACK_LIMITS } from '../../support/loopback-limits.js';

export interface TestServerOptions {
  readonly profile?: Profile;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Seeds the Ed25519 identity: same seed, same fingerprint. */
  readonly seed?: number;
  readonly motd?: string;
  /** The v2 features offered (5.8); every one when absent. */
  readonly features?: readonly string[];
  readonly limits?: Partial<Limits>;
  /** Reserved names and operators (7.17, 7.18), as --reserve-names and --op give them. */
  readonly guards?: GuardsConfig;
}

export interface TestServer {
  readonly port: number;
  readonly profile: Profile;
  /** The v2 server key fingerprint; null for legacy. */
  readonly fingerprint: string | null;
  /** Stops the server (v2: goodbye to every client). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same identity (and an empty room). */
  start(): Promise<void>;
  readonly running: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const profile = options.profile ?? 'v2';
  const identity = identityFromSeed(Buffer.alloc(32, options.seed ?? 7));
  const logger = createLogger('error', () => {});
  const launch = (port: number) =>
    startServer({
      host: '127.0.0.1',
      port,
      profile,
      keyAgreement: testKeyAgreement,
      identity: profile === 'v2' ? identity : undefined,
      motd: options.motd,
      features: options.features,
      limits: { ...LOOPBACK_LIMITS, ...options.limits },
      logger,
      guards: options.guards,
    });
  let server: RunningServer | null = await launch(options.port ?? 0);
  const port = server.port;
  return {
    port,
    profile,
    fingerprint: profile === 'v2' ? identity.fingerprint : null,
    get running() {
      return server !== null;
    },
    async stop() {
      const s = server;
      server = null;
      await s?.close();
    },
    async start() {
      if (server) return;
      server = await launch(port);
    },
  };
}
