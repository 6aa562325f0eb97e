/**
 * The peer server: ngircd (the Debian package), started by the bench on loopback for one run.
 *
 * How this works: a minimal ngircd.conf is written to a temporary folder: listen on 127.0.0.1 on a
 * free port, no DNS or IDENT lookups, no PAM, no per-IP connection cap, long nicks, and
 * `MaxPenaltyTime = 0`, which turns ngircd's flood penalty off (ngircd.conf(5), [Limits]). ngircd
 * still handles at most 3 commands per client per main-loop pass and drops a client whose unread
 * input passes its read buffer; the fanout scenario's send window keeps every client well under
 * that. ngircd runs in the foreground (`-n`) so that its pid is the one sampled. Where it is not
 * installed, the error says how to install it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ProcessMonitor, type ServerUnderTest, spawnServer } from './server-process.js';

export const NGIRCD_INSTALL_HINT =
  'ngircd is not installed. On Debian or Ubuntu: apt-get install ngircd (or sudo apt-get install ngircd).';

/** The ngircd binary, or null when it is not installed. */
export function findNgircd(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'ngircd'))) return join(dir, 'ngircd');
  }
  return null;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export function ngircdConfig(port: number, dir: string): string {
  return [
    '# Written by the Parley bench for one run; see ngircd.conf(5).',
    '[Global]',
    '  Name = bench.parley.invalid',
    '  Info = Parley benchmark peer',
    '  Listen = 127.0.0.1',
    `  Ports = ${port}`,
    '  MotdPhrase = bench',
    `  PidFile = ${join(dir, 'ngircd.pid')}`,
    '[Limits]',
    '  MaxConnections = 0',
    '  MaxConnectionsIP = 0',
    '  MaxJoins = 0',
    '  MaxNickLength = 30',
    // 0 disables flood penalties altogether (the default, -1, has no cap).
    '  MaxPenaltyTime = 0',
    '  PingTimeout = 600',
    '  PongTimeout = 600',
    '[Options]',
    '  DNS = no',
    '  Ident = no',
    '  PAM = no',
    '',
  ].join('\n');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts ngircd on 127.0.0.1 and resolves once it accepts connections. */
export async function startNgircd(startTimeoutMs = 10000): Promise<ServerUnderTest> {
  const binary = findNgircd();
  if (!binary) throw new Error(NGIRCD_INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-ngircd-'));
  const port = await freePort();
  const conf = join(dir, 'ngircd.conf');
  writeFileSync(conf, ngircdConfig(port, dir));
  const child = spawnServer([binary, '-n', '-f', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => {
    if (stderr.length < 20000) stderr += t;
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const host = '127.0.0.1';
  const until = Date.now() + startTimeoutMs;
  while (!(await canConnect(host, port))) {
    if (exited || Date.now() > until) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`ngircd did not start on ${host}:${port}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const monitor = new ProcessMonitor(child.pid!);
  let stopping: Promise<void> | null = null;
  return {
    label: 'ngircd',
    host,
    port,
    monitor,
    stop() {
      stopping ??= (async () => {
        monitor.stop();
        if (!exited) {
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await gone;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
