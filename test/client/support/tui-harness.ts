/**
 * The TUI end-to-end tests' harness: a private tmux server, reference servers on 127.0.0.1 port 0,
 * and TUI clients started in it, all cleaned up after each test. Shared by the tui*.e2e tests.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CLIENT, Tmux } from './processes.js';
import { startTestServer, type TestServer } from './tcp-server.js';

export interface TuiHarness {
  readonly tmux: Tmux;
  server(options?: Parameters<typeof startTestServer>[0]): Promise<TestServer>;
  /**
   * Starts a TUI client; returns its tmux session name and its working directory. The first-contact
   * question is answered by --accept-new-key unless `ask` (each client has a fresh config directory).
   */
  tui(args: string, size?: { width: number; height: number }, ask?: boolean): { name: string; cwd: string };
  /** Starts another TUI client in the working directory (and config directory) of an earlier one. */
  tuiIn(cwd: string, args: string): string;
}

/** Sets up the hooks of a describe block; call it inside the block. */
export function useTuiHarness(): TuiHarness {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let tmux: Tmux | undefined;
  let sessions = 0;
  beforeAll(() => {
    tmux = new Tmux();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  afterAll(() => tmux?.close());
  return {
    get tmux() {
      return tmux!;
    },
    async server(options = {}) {
      const s = await startTestServer(options);
      cleanups.push(() => s.stop());
      return s;
    },
    tui(args, size, ask = false) {
      const name = `c${++sessions}`;
      const cwd = join(tmux!.dir, name);
      mkdirSync(join(cwd, 'config'), { recursive: true });
      start(name, cwd, `${args}${ask ? '' : ' --accept-new-key'}`, size);
      return { name, cwd };
    },
    tuiIn(cwd, args) {
      const name = `c${++sessions}`;
      start(name, cwd, args);
      return name;
    },
  };

  function start(name: string, cwd: string, args: string, size?: { width: number; height: number }): void {
    tmux!.start(
      name,
      `sh -c 'cd ${cwd} && exec node ${CLIENT} ${args}'`,
      { PARLEY_CONFIG_DIR: join(cwd, 'config') },
      size,
    );
    cleanups.push(() => {
      try {
        tmux!.keys(name, 'C-c');
      } catch {
        // the session is gone already
      }
    });
  }
}
