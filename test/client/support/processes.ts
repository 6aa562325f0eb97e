/**
 * Drives the real client as a child process (--plain) or inside tmux (the TUI), for end-to-end
 * tests. Every wait is bounded and polls or listens: no fixed sleeps.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.js';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const CLIENT = join(REPO, 'reference-client', 'index.js');
export const BUILT = existsSync(join(REPO, 'dist', 'reference-client', 'app', 'main.js'));

/** A --plain client: stdin lines in, stdout lines out. */
export class PlainClient {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = '';

  constructor(args: readonly string[], options: { cwd: string; configDir: string }) {
    this.proc = spawn(process.execPath, [CLIENT, '--plain', ...args], {
      cwd: options.cwd,
      env: { ...process.env, PARLEY_CONFIG_DIR: options.configDir, NO_COLOR: '1' },
    });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop()!;
      this.lines.push(...parts);
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolveExit) => this.proc.on('close', (code) => resolveExit(code ?? -1)));
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  end(): void {
    this.proc.stdin.end();
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }

  /** Waits for a line matching `pattern` at or after line `from`; returns it. */
  async waitLine(pattern: RegExp, from = 0, timeoutMs = 10_000): Promise<string> {
    return waitUntil(
      () => this.lines.slice(from).find((l) => pattern.test(l)),
      `a line matching ${pattern} (got:\n${this.lines.join('\n')}\n${this.stderr.join('')})`,
      timeoutMs,
    );
  }
}

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** A private tmux server (its own socket), for driving the TUI in a real pseudo-terminal. */
export class Tmux {
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-tmux-'));
  private readonly socket = join(this.dir, 'sock');

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Starts `command` in a new session `name` of the given size; the shell prints EXIT <status> after. */
  start(name: string, command: string, env: Record<string, string>, size = { width: 110, height: 30 }): void {
    const exports = Object.entries({ LANG: 'C.UTF-8', ...env })
      .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    this.tmux(
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(size.width),
      '-y',
      String(size.height),
      `env ${exports} ${command}; echo "EXIT $?"; sleep 600`,
    );
  }

  /** Types text (literally) into a session; `keys` are tmux key names like Enter, Tab, C-c. */
  type(name: string, text: string): void {
    this.tmux('send-keys', '-t', `=${name}:`, '-l', text);
  }

  keys(name: string, ...keys: string[]): void {
    this.tmux('send-keys', '-t', `=${name}:`, ...keys);
  }

  /** Pastes text as a terminal does: between bracketed-paste markers when the program asked for them. */
  paste(name: string, text: string): void {
    this.tmux('set-buffer', '-b', name, '--', text);
    this.tmux('paste-buffer', '-p', '-d', '-b', name, '-t', `=${name}:`);
  }

  /** The pseudo-terminal device of a session's pane (what is written to it shows on the screen). */
  paneTty(name: string): string {
    return this.tmux('display-message', '-p', '-t', `=${name}:`, '#{pane_tty}').trim();
  }

  resize(name: string, width: number, height: number): void {
    this.tmux('resize-window', '-t', `=${name}:`, '-x', String(width), '-y', String(height));
  }

  screen(name: string): string {
    return this.tmux('capture-pane', '-p', '-t', `=${name}:`);
  }

  /** Waits until the screen matches; returns the screen. */
  async waitFor(name: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    let last = '';
    try {
      return await waitUntil(
        () => {
          last = this.screen(name);
          return pattern.test(last) ? last : null;
        },
        `${pattern} on the screen of ${name}`,
        timeoutMs,
        50,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; the screen was:\n${last}`);
    }
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
