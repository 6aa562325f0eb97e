/**
 * The server under test, as a separate process: spawning the reference server, finding its port,
 * sampling its CPU time and memory, and stopping it.
 *
 * How this works: `node reference-server --port 0 --host 127.0.0.1 ...` is started through
 * `sh -c 'ulimit -n ...; exec node ...'` so that the child may hold 10k sockets and its pid is the
 * node process itself. The port comes from the `listening on HOST:PORT` line on stdout. CPU time is
 * utime + stime from /proc/<pid>/stat; memory is VmRSS (now) and VmHWM (peak) from
 * /proc/<pid>/status. A sampler polls VmRSS as well, so that a peak is known even where VmHWM is
 * not. Off Linux the figures are null, never invented.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Profile } from '../src/generated/constants.js';

export type { Profile };

/** CPU and memory of a process, as sampled from /proc. */
export interface ProcessSample {
  /** user + system CPU time, milliseconds. */
  readonly cpuMs: number | null;
  /** Resident set size now, bytes. */
  readonly rssBytes: number | null;
  /** Peak resident set size (VmHWM, or the sampler's peak), bytes. */
  readonly peakRssBytes: number | null;
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Reads CPU time and memory of `pid` from /proc; nulls where /proc is missing. */
export function readProcess(pid: number): ProcessSample {
  let cpuMs: number | null = null;
  let rssBytes: number | null = null;
  let peakRssBytes: number | null = null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    cpuMs = ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    // not Linux, or the process is gone
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : null;
    };
    rssBytes = kb('VmRSS');
    peakRssBytes = kb('VmHWM');
  } catch {
    // as above
  }
  return { cpuMs, rssBytes, peakRssBytes };
}

/** Polls a process's RSS so that the peak is known; stops itself when told or when the pid is gone. */
export class ProcessMonitor {
  private peak = 0;
  private last: ProcessSample = { cpuMs: null, rssBytes: null, peakRssBytes: null };
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 50,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  private poll(): ProcessSample {
    const s = readProcess(this.pid);
    if (s.rssBytes !== null || s.cpuMs !== null) this.last = s;
    if (s.rssBytes !== null && s.rssBytes > this.peak) this.peak = s.rssBytes;
    return this.last;
  }

  /** The current figures, with the larger of VmHWM and the sampled peak. */
  sample(): ProcessSample {
    const s = this.poll();
    const peaks = [s.peakRssBytes, this.peak || null].filter((v): v is number => v !== null);
    return { ...s, peakRssBytes: peaks.length ? Math.max(...peaks) : null };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A server the load generator can reach, with process figures when the bench started it. */
export interface ServerUnderTest {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** null for a --target server the bench did not start. */
  readonly monitor: ProcessMonitor | null;
  stop(): Promise<void>;
}

/** The repository root: the folder holding reference-server/index.js, from src or from dist. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'reference-server', 'index.js')) && existsSync(join(dir, 'package.json')))
      return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('cannot find the repository root (reference-server/index.js)');
}

export interface ParleyServerOptions {
  readonly profile: Profile;
  /** A Parley checkout whose built reference server to start (default: this repository). */
  readonly root?: string;
  readonly maxClients?: number;
  /** Chat messages per second per client (the default 10/s would throttle a load test). */
  readonly rate?: number;
  readonly burst?: number;
  readonly handshakeTimeoutMs?: number;
  /** Write a V8 CPU profile of the server into this folder (node --cpu-prof). */
  readonly cpuProfDir?: string;
  /** Extra reference-server arguments. */
  readonly extraArgs?: readonly string[];
  /** Extra node/V8 flags for the server process (e.g. --max-semi-space-size=1). */
  readonly nodeFlags?: readonly string[];
  /**
   * Environment variables for the server process only, over the bench's own (e.g. LD_PRELOAD of
   * another C allocator): the load generator keeps its environment.
   */
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  /** Sees everything the server writes to stdout and stderr (the attack bench reads its logs). */
  readonly onOutput?: (text: string) => void;
}

const LISTENING = /listening on ([^\s:]+):(\d+) \(profile (\w+)\)/;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/** The shell prefix that raises the open-file limit to the hard limit (10k clients need it). */
const RAISE_NOFILE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; exec "$@"';

/** Spawns a server process (argv[0] and its arguments) with the open-file limit raised. */
export function spawnServer(argv: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn('sh', ['-c', RAISE_NOFILE, 'sh', ...argv], options);
}

/** Starts `node reference-server` on 127.0.0.1, port 0, and resolves once it listens. */
export async function startParleyServer(options: ParleyServerOptions): Promise<ServerUnderTest> {
  const root = options.root ? resolve(options.root) : repoRoot();
  if (!existsSync(join(root, 'reference-server', 'index.js')))
    throw new Error(`no reference-server/index.js under ${root} (build it first: npm run build)`);
  const identityDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const args = [
    join(root, 'reference-server', 'index.js'),
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--profile',
    options.profile,
    '--identity',
    join(identityDir, 'identity.pem'),
    '--log-level',
    'warn',
    '--rate',
    String(options.rate ?? 100000),
    '--burst',
    String(options.burst ?? 100000),
    '--max-clients',
    String(options.maxClients ?? 100000),
    '--handshake-timeout',
    String(options.handshakeTimeoutMs ?? 600000),
    // Every load client connects from 127.0.0.1: the per-address limits (spec 11) are lifted, and
    // an attack that measures them sets them again in extraArgs (the last value of a flag wins).
    ...['--max-per-address', '100000', '--max-prefix-addresses', '1000000'],
    ...['--address-burst', '100000', '--address-rate', '100000'],
    ...(options.extraArgs ?? []),
  ];
  const nodeArgs = [
    ...(options.nodeFlags ?? []),
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
  ];
  const child = spawnServer([process.execPath, ...nodeArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: root,
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => {
    if (stderr.length < 20000) stderr += t;
    options.onOutput?.(t);
  });
  if (options.onOutput) child.stdout!.on('data', options.onOutput);

  const address = await new Promise<{ host: string; port: number }>((resolveAddr, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the reference server did not start in time\n${stderr}`));
    }, options.startTimeoutMs ?? 15000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (t: string) => {
      out += t;
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveAddr({ host: m[1], port: Number(m[2]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the reference server exited with ${code} before listening\n${stderr}`));
    });
  });

  const monitor = new ProcessMonitor(child.pid!);
  let stopping: Promise<void> | null = null;
  return {
    label:
      `parley ${options.profile}` +
      (options.root ? ` @ ${options.root}` : '') +
      (options.nodeFlags?.length ? ` [${options.nodeFlags.join(' ')}]` : '') +
      (options.env ? ` {${Object.keys(options.env).join(' ')}}` : ''),
    host: address.host,
    port: address.port,
    monitor,
    stop() {
      stopping ??= (async () => {
        monitor.stop();
        child.kill('SIGTERM');
        // The server says goodbye, flushes, and exits; --cpu-prof writes its profile on that exit.
        if (!(await waitForExit(child, 10000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 2000);
        }
        rmSync(identityDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** A server given with --target: reachable, but its process is not ours to measure. */
export function externalServer(target: string, label: string): ServerUnderTest {
  const m = /^(.+):(\d+)$/.exec(target);
  if (!m) throw new Error(`--target must be HOST:PORT, got ${target}`);
  return { label, host: m[1], port: Number(m[2]), monitor: null, stop: async () => {} };
}
