/**
 * What an end-to-end --plain test file sets up per test: fresh workspaces (a cwd with a config
 * folder), reference servers on 127.0.0.1 and --plain clients (processes.ts), each stopped or
 * removed after the test, newest first.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { PlainClient } from './processes.js';
import { startTestServer, type TestServer } from './tcp-server.js';

export interface Workspace {
  readonly cwd: string;
  readonly configDir: string;
}

/** Registers the clean-up with the test file (call at its top level); `prefix` names the temporary folders. */
export function plainRun(prefix: string) {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  function workspace(): Workspace {
    const cwd = mkdtempSync(join(tmpdir(), prefix));
    cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
    const configDir = join(cwd, 'config');
    mkdirSync(configDir);
    return { cwd, configDir };
  }

  async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
    const s = await startTestServer(options);
    cleanups.push(() => s.stop());
    return s;
  }

  function plain(srv: TestServer, args: readonly string[], ws = workspace()): PlainClient {
    const c = new PlainClient(['-s', '127.0.0.1', '-p', String(srv.port), ...args], ws);
    cleanups.push(async () => {
      c.kill();
      await c.exited;
    });
    return c;
  }

  return { workspace, server, plain };
}
