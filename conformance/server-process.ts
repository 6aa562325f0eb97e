/**
 * `--server-cmd`: the suite starts the server under test itself, watches it, and restarts it.
 *
 * How this works: the command is a template. `{port}` becomes a free port the suite picked (it
 * binds port 0 on the host, reads the number and lets it go), `{host}` the address, and each limit
 * placeholder (`{max-clients}`, `{max-queued-bytes}`, ...) the value the suite wants the server to
 * run with: the value it was told on the command line for ordinary cases, or the one a case needs
 * (SERVER_FULL starts its own server with `{max-clients}` = 3). So any implementation whose flags
 * can say it is checked for it, whatever the flags are called. The process runs through `sh -c`
 * with its own process group, so stopping it stops any child it started. Its output is kept (the
 * last lines) for the report of a case that kills it; readiness is a polite probe (probe.ts), never
 * a bare connect-and-close, which kills some servers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { LIMITS } from '../src/generated/constants.js';
import type { SuiteOptions } from './case.js';
import type { RawConnection } from './driver.js';
import { type Probe, politeProbe } from './probe.js';

/** The limit placeholders a --server-cmd may contain, and the SuiteOptions field each fills. */
export const LIMIT_PLACEHOLDERS = {
  'max-clients': 'maxClients',
  'max-queued-bytes': 'maxQueuedBytes',
  'rate-burst': 'burst',
  'handshake-timeout': 'handshakeTimeoutMs',
  'max-name': 'maxName',
  'max-message': 'maxMessage',
  'max-frame': 'maxFrame',
  'rate-replies': 'rateReplies',
  'rate-budget': 'rateBudget',
  'max-per-address': 'maxPerAddress',
  'address-burst': 'addressBurst',
  'address-rate': 'addressRate',
} as const satisfies Record<string, keyof SuiteOptions>;

export type LimitPlaceholder = keyof typeof LIMIT_PLACEHOLDERS;
export type LimitOverrides = Partial<Record<LimitPlaceholder, number>>;

/** One line per placeholder, for --help and the README. */
export const PLACEHOLDER_HELP = [
  '{port}              a free port the suite picked (required)',
  '{host}              the address the suite connects to (--host)',
  '{max-clients}       most connections at once; SERVER_FULL cases start a server with 3',
  '{max-queued-bytes}  unsent bytes allowed for a slow reader; SLOW_READER cases use 4096',
  '{rate-burst}        chat packets a client may burst (--burst)',
  '{handshake-timeout} ms from accept to a chosen name (--handshake-timeout)',
  '{max-name}, {max-message}, {max-frame}  the limits of the same names (--max-name, ...)',
  '{rate-replies}, {rate-budget}  RATE_LIMITED replies per window, refusals before RATE_EXCEEDED',
  '{max-per-address}   connections per address; the suite connects from one, so 1000 but in its case (3)',
  '{address-burst}     new connections an address may open at once; 1000 but in its case (3)',
  '{address-rate}      new connections per second per address after the burst; 1000',
];

/** Where a template has no value for a placeholder it names. */
export class ServerCommandError extends Error {}

/** The placeholders the template uses (`{port}` and `{host}` excluded). */
export function placeholdersIn(template: string): LimitPlaceholder[] {
  return (Object.keys(LIMIT_PLACEHOLDERS) as LimitPlaceholder[]).filter((p) => template.includes(`{${p}}`));
}

/** Checks a template: it must name {port}, and only placeholders the suite knows. */
export function checkTemplate(template: string): void {
  if (!template.includes('{port}'))
    throw new ServerCommandError('--server-cmd must contain {port}, where the server is told its port');
  const known = new Set(['port', 'host', ...Object.keys(LIMIT_PLACEHOLDERS)]);
  for (const m of template.matchAll(/\{([a-z-]+)\}/g)) {
    if (!known.has(m[1]))
      throw new ServerCommandError(
        `--server-cmd names an unknown placeholder {${m[1]}} (known: ${[...known].map((k) => `{${k}}`).join(' ')})`,
      );
  }
}

/** The command line with every placeholder filled in. */
export function fillTemplate(
  template: string,
  host: string,
  port: number,
  options: SuiteOptions,
  overrides: LimitOverrides = {},
): string {
  let out = template.replaceAll('{port}', String(port)).replaceAll('{host}', host);
  for (const [placeholder, field] of Object.entries(LIMIT_PLACEHOLDERS)) {
    const value = overrides[placeholder as LimitPlaceholder] ?? options[field];
    if (value !== undefined) out = out.replaceAll(`{${placeholder}}`, String(value));
  }
  return out;
}

/** A free TCP port on `host`, as the kernel hands one out for port 0. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** How a server process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `killed by signal ${exit.signal}`;
  return `exited with status ${exit.code}`;
}

const TAIL_LINES = 12;

/** One running instance of the server under test. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exitInfo: ExitInfo | null = null;
  private readonly tail: string[] = [];
  private partial = '';
  private exited!: Promise<ExitInfo>;
  /** The connection that found the server ready, when start() was asked to keep it. */
  private held: RawConnection | null = null;

  private constructor(
    readonly command: string,
    readonly host: string,
    readonly port: number,
  ) {}

  /**
   * Starts the command and resolves once the server answers a polite probe; throws a
   * ServerCommandError (with the output) when it exits first or does not answer in `startMs`.
   * With `keepProbe` the probe that found it ready stays connected until release() or stop().
   */
  static async start(
    template: string,
    options: SuiteOptions,
    overrides: LimitOverrides = {},
    startMs = 15_000,
    keepProbe = false,
  ): Promise<ServerProcess> {
    const port = await freePort(options.host);
    const command = fillTemplate(template, options.host, port, options, overrides);
    const server = new ServerProcess(command, options.host, port);
    server.spawn();
    const deadline = performance.now() + startMs;
    const target = { ...options, port };
    let last: Probe = { ok: false, step: 'connecting', detail: 'not tried yet' };
    while (performance.now() < deadline) {
      if (server.exitInfo) break;
      last = await politeProbe(target, Math.min(options.timeoutMs, 2000), keepProbe);
      if (last.ok) {
        server.held = last.held ?? null;
        return server;
      }
      if (server.exitInfo) break;
      await Promise.race([new Promise((r) => setTimeout(r, 100)), server.exited]);
    }
    await server.stop();
    const why = server.exitInfo
      ? `it ${describeExit(server.exitInfo)} before it answered`
      : `it did not answer within ${startMs} ms (last try: ${last.detail})`;
    throw new ServerCommandError(
      `cannot start the server with \`${command}\`: ${why}${server.output() ? `; its last output:\n${server.output()}` : ''}`,
    );
  }

  private spawn(): void {
    const child = spawn('sh', ['-c', this.command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const take = (chunk: Buffer) => this.keep(chunk.toString('utf8'));
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', (err) => {
        this.keep(`cannot run sh: ${err.message}\n`);
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  private keep(text: string): void {
    const lines = (this.partial + text).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.tail.push(line.slice(0, 400));
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  /** The last lines the server printed (stderr and stdout), joined. */
  output(): string {
    return [...this.tail, ...(this.partial.trim() ? [this.partial.slice(0, 400)] : [])].join('\n');
  }

  /** Null while the process runs. */
  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  /** Waits up to `ms` for the process to end on its own; its exit, or null. */
  async waitExit(ms: number): Promise<ExitInfo | null> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const out = await Promise.race([
      this.exited,
      new Promise<null>((r) => {
        timer = setTimeout(() => r(null), ms);
      }),
    ]);
    clearTimeout(timer);
    return out;
  }

  /** Sends `s` to the process group (the shell and whatever it started), if it still runs. */
  signal(s: NodeJS.Signals): void {
    const child = this.child;
    if (!child || this.exitInfo || child.pid === undefined) return;
    try {
      process.kill(-child.pid, s);
    } catch {
      // already gone
    }
  }

  /** Closes the connection kept from the readiness probe, if any. */
  release(): void {
    this.held?.destroy();
    this.held = null;
  }

  /** Stops the process group (SIGTERM, then SIGKILL after a second). */
  async stop(): Promise<void> {
    this.release();
    if (this.exitInfo) return;
    this.signal('SIGTERM');
    if ((await this.waitExit(1000)) === null) {
      this.signal('SIGKILL');
      await this.waitExit(2000);
    }
  }
}

const SPEC_DEFAULTS: Record<LimitPlaceholder, number> = {
  'max-clients': LIMITS.maxClients,
  'max-queued-bytes': LIMITS.maxQueuedBytes,
  'rate-burst': LIMITS.rateBurst,
  'handshake-timeout': LIMITS.handshakeTimeoutMs,
  'max-name': LIMITS.maxName,
  'max-message': LIMITS.maxMessage,
  'max-frame': LIMITS.maxFrame,
  'rate-replies': LIMITS.rateRefusalReplies,
  'rate-budget': LIMITS.rateRefusalBudget,
  // The suite opens all its connections from one address, many at once: its own need, not the
  // spec default (the per-address cases get a server of their own with small values).
  'max-per-address': 1000,
  'address-burst': 1000,
  'address-rate': 1000,
};

/**
 * The options the suite runs with once it starts the server itself: every limit the template
 * names is then a setting the suite chose (the flag's value, or the spec default), so it is known.
 */
export function withTemplateLimits(options: SuiteOptions, template: string): SuiteOptions {
  const out: Record<string, unknown> = { ...options };
  for (const placeholder of placeholdersIn(template)) {
    const field = LIMIT_PLACEHOLDERS[placeholder];
    out[field] ??= SPEC_DEFAULTS[placeholder];
  }
  return out as unknown as SuiteOptions;
}

/** The options a case runs with on a server started with `overrides`. */
export function withOverrides(options: SuiteOptions, overrides: LimitOverrides): SuiteOptions {
  const out: Record<string, unknown> = { ...options };
  for (const [placeholder, value] of Object.entries(overrides))
    out[LIMIT_PLACEHOLDERS[placeholder as LimitPlaceholder]] = value;
  return out as unknown as SuiteOptions;
}
