/**
 * Shared fixtures for the reference-server integration tests: in-process servers on 127.0.0.1
 * with a captured log, clients that are torn down after each test, and a small log waiter.
 */
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import { createLogger } from '../../reference-server/logger.js';
import { type RunningServer, type ServerOptions, startServer } from '../../reference-server/server.js';
import { type Identity, identityFromSeed } from '../../src/crypto/identity.js';
import type { Limits, LogLevel, Profile } from '../../src/generated/constants.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { LOOPBACK_LIMITS } from '../support/loopback-limits.js';
import {
  connectLegacy,
  connectRaw,
  connectV2,
  DEFAULT_WAIT_MS,
  type LegacyConnectOptions,
  type LegacyTestClient,
  type RawTestClient,
  type V2ConnectOptions,
  type V2TestClient,
} from '../support/tcp-client.js';

/** Per-test time budget: waits are bounded well inside it. */
export const TEST_TIMEOUT_MS = 60_000;

export interface TestServer extends RunningServer {
  /** Every log line the server wrote, at `logLevel` (default: info, the CLI's default). */
  readonly logs: string[];
  /** Resolves with the first log line (already written or to come) matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export interface TestServerOptions {
  readonly profile?: Profile;
  readonly limits?: Partial<Limits>;
  readonly motd?: string;
  /** The v2 features offered (5.8); every one when absent. */
  readonly features?: readonly string[];
  readonly logLevel?: LogLevel;
  readonly identity?: Identity;
  /** Reserved names and moderation (7.17, 7.18), and their files. */
  readonly guards?: ServerOptions['guards'];
  readonly stateFiles?: ServerOptions['stateFiles'];
  readonly stateSaveMs?: number;
}

let sharedIdentity: Identity | null = null;

/** One identity per test file is plenty (the fingerprint is what tests compare). */
export function testIdentity(): Identity {
  sharedIdentity ??= identityFromSeed(randomBytes(32));
  return sharedIdentity;
}

interface Closable {
  destroy(): unknown;
}

/** Owns everything a test opens, and closes it after the test whatever happened. */
export class Harness {
  private readonly servers: RunningServer[] = [];
  private readonly clients: Closable[] = [];

  async start(options: TestServerOptions = {}): Promise<TestServer> {
    const logs: string[] = [];
    const listeners = new Set<() => void>();
    const logger = createLogger(options.logLevel ?? 'info', (line) => {
      logs.push(line.trimEnd());
      for (const listener of [...listeners]) listener();
    });
    const profile = options.profile ?? 'v2';
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      profile,
      keyAgreement: testKeyAgreement,
      identity: profile === 'v2' ? (options.identity ?? testIdentity()) : undefined,
      limits: { ...LOOPBACK_LIMITS, ...options.limits },
      motd: options.motd,
      features: options.features,
      guards: options.guards,
      stateFiles: options.stateFiles,
      stateSaveMs: options.stateSaveMs,
      logger,
    });
    this.servers.push(server);
    const waitForLog = (pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const hit = logs.find((l) => pattern.test(l));
          if (hit === undefined) return false;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(hit);
          return true;
        };
        const listener = () => void check();
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(
            new Error(`no log line matching ${pattern} within ${timeoutMs} ms; log:\n${logs.join('\n')}`),
          );
        }, timeoutMs);
        if (!check()) listeners.add(listener);
      });
    return { ...server, logs, waitForLog };
  }

  async v2(server: { port: number }, name?: string, options: V2ConnectOptions = {}): Promise<V2TestClient> {
    const client = await connectV2(server.port, { label: name ? `v2 ${name}` : undefined, ...options });
    this.clients.push(client);
    if (name !== undefined) await client.join(name);
    return client;
  }

  async legacy(
    server: { port: number },
    name?: string,
    options: LegacyConnectOptions = {},
  ): Promise<LegacyTestClient> {
    const client = await connectLegacy(server.port, {
      label: name ? `legacy ${name}` : undefined,
      ...options,
    });
    this.clients.push(client);
    if (name !== undefined) await client.join(name);
    return client;
  }

  async raw(server: { port: number }, label?: string): Promise<RawTestClient> {
    const client = await connectRaw(server.port, { label });
    this.clients.push(client);
    return client;
  }

  /** Registers something else to destroy after the test. */
  track<T extends Closable>(closable: T): T {
    this.clients.push(closable);
    return closable;
  }

  async cleanup(): Promise<void> {
    for (const client of this.clients.splice(0)) client.destroy();
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}

/** A Harness cleaned up after every test of the calling file. */
export function useHarness(): Harness {
  const harness = new Harness();
  afterEach(() => harness.cleanup());
  return harness;
}

/** A string no test will send by accident. */
export function marker(tag: string): string {
  return `${tag}-${randomBytes(6).toString('hex')}`;
}
