/**
 * `node reference-server` as a child process (issue: command line): what it prints, the identity
 * file, option errors (exit 2), identity errors (exit 1), the legacy warning, SIGTERM/SIGINT
 * (goodbye, exit 0), that chat text never reaches the log at the default level, and that the
 * process survives garbage. The child runs the build in dist/; it is rebuilt first when stale.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LIMIT_INFO } from '../../src/generated/constants.js';
import { LOOPBACK_FLAGS } from '../support/loopback-limits.js';
import { seededRandom } from '../support/seeded-random.js';
import { connectLegacy, connectRaw, connectV2, DEFAULT_WAIT_MS, withTimeout } from '../support/tcp-client.js';
import { Harness, marker, TEST_TIMEOUT_MS } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'reference-server');
const BUILT_MAIN = join(ROOT, 'dist', 'reference-server', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles reference-server/main.ts and what it imports into dist/ when the build is older than the sources. */
async function ensureBuilt(): Promise<void> {
  const built = (() => {
    try {
      return statSync(BUILT_MAIN).mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'reference-server')));
  if (built >= sources) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  // The same options as tsconfig.json, limited to the server's own import graph.
  const args = [
    tsc,
    'reference-server/main.ts',
    ...['--outDir', 'dist', '--rootDir', '.', '--target', 'ES2022', '--module', 'NodeNext'],
    ...['--moduleResolution', 'NodeNext', '--strict', '--esModuleInterop', '--skipLibCheck'],
    ...['--resolveJsonModule', '--sourceMap', '--types', 'node'],
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT }, (err, stdout) => {
      // Type errors still emit JavaScript; only a missing output is fatal here.
      if (err && statSync(BUILT_MAIN, { throwIfNoEntry: false }) === undefined)
        reject(new Error(`${err.message}\n${stdout}`));
      else resolve();
    });
  });
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `node reference-server` child. */
class Cli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly listeners = new Set<() => void>();

  constructor(readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      for (const l of [...this.listeners]) l();
    });
    proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      for (const l of [...this.listeners]) l();
    });
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const l of [...this.listeners]) l();
    });
  }

  /** Resolves with the first match of `pattern` on stdout (bounded; rejects if the process exits first). */
  waitForStdout(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let exited = false;
      void this.exited.then(() => {
        exited = true;
      });
      const check = () => {
        const m = this.stdout.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (exited || this.proc.exitCode !== null) {
          done();
          reject(
            new Error(
              `server exited before printing ${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            ),
          );
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(
          new Error(
            `no ${pattern} on stdout within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** The exit status, bounded. */
  exit(timeoutMs = DEFAULT_WAIT_MS): Promise<Exit> {
    return withTimeout(this.exited, timeoutMs, 'the server process to exit', () => this.proc.kill('SIGKILL'));
  }
}

describe('node reference-server', { timeout: TEST_TIMEOUT_MS }, () => {
  const running: Cli[] = [];
  const h = new Harness();
  let configDir = '';
  let workDir = '';

  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  afterEach(async () => {
    await h.cleanup();
    for (const cli of running.splice(0)) if (cli.proc.exitCode === null) cli.proc.kill('SIGKILL');
    if (configDir) rmSync(configDir, { recursive: true, force: true });
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    configDir = '';
    workDir = '';
  });

  afterAll(() => h.cleanup());

  const freshDirs = () => {
    configDir = mkdtempSync(join(tmpdir(), 'parley-config-'));
    workDir = mkdtempSync(join(tmpdir(), 'parley-cwd-'));
  };

  /** Spawns the CLI with a private config dir and working directory. */
  const run = (args: string[]): Cli => {
    if (!configDir) freshDirs();
    const proc = spawn(process.execPath, [ENTRY, ...args], {
      cwd: workDir,
      env: { ...process.env, PARLEY_CONFIG_DIR: configDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cli = new Cli(proc);
    running.push(cli);
    return cli;
  };

  /** Starts the CLI on a free port and resolves once it listens. */
  const start = async (args: string[] = []) => {
    const cli = run(['--port', '0', '--host', '127.0.0.1', ...args]);
    const m = await cli.waitForStdout(
      /Parley server listening on 127\.0\.0\.1:(\d+) \(profile (v2|legacy)\)/,
    );
    const port = Number(m[1]);
    let fingerprint: string | null = null;
    if (m[2] === 'v2')
      fingerprint = (await cli.waitForStdout(/server fingerprint: (SHA256:[A-Za-z0-9+/]{43})/))[1];
    return { cli, port, fingerprint };
  };

  it('documents its options and the default port in --help', async () => {
    const cli = run(['--help']);
    expect((await cli.exit()).code).toBe(0);
    expect(cli.stdout).toContain('7878');
    for (const option of [
      '--port',
      '--host',
      '--profile',
      '--identity',
      '--max-clients',
      '--max-frame',
      '--history',
      '--motd',
      '--log-level',
      '--log-format',
    ]) {
      expect(cli.stdout).toContain(option);
    }
  });

  it('prints where it listens, the profile and the fingerprint; creates the identity (0600) and reuses it', async () => {
    const first = await start();
    const identityPath = join(configDir, 'server-identity.pem');
    expect(first.cli.stdout).toContain(`created a new server identity in ${identityPath}`);
    expect(statSync(identityPath).mode & 0o777).toBe(0o600);
    const client = h.track(await connectV2(first.port));
    expect(client.fingerprint).toBe(first.fingerprint);
    first.cli.proc.kill('SIGTERM');
    expect((await first.cli.exit()).code).toBe(0);

    const pem = readFileSync(identityPath);
    const second = await start();
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.cli.stdout).not.toContain('created a new server identity');
    expect(readFileSync(identityPath)).toEqual(pem);
    second.cli.proc.kill('SIGINT');
    expect((await second.cli.exit()).code).toBe(0);

    // --identity elsewhere: another key, created there.
    const other = join(configDir, 'nested', 'other.pem');
    const third = await start(['--identity', other]);
    expect(third.fingerprint).not.toBe(first.fingerprint);
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });

  it('refuses a corrupt or unreadable identity file with exit code 1 and leaves it untouched', async () => {
    freshDirs();
    const identityPath = join(configDir, 'server-identity.pem');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    for (const content of ['this is not a key\n', '', rsa as string]) {
      writeFileSync(identityPath, content, { mode: 0o600 });
      const cli = run(['--port', '0', '--host', '127.0.0.1']);
      expect((await cli.exit()).code).toBe(1);
      expect(cli.stderr).toContain(identityPath);
      expect(cli.stderr).toMatch(/not a valid Ed25519 private key/);
      expect(cli.stdout).not.toContain('listening');
      expect(readFileSync(identityPath, 'utf8')).toBe(content);
    }
    const directory = join(configDir, 'a-directory.pem');
    mkdirSync(directory);
    const cli = run(['--port', '0', '--host', '127.0.0.1', '--identity', directory]);
    expect((await cli.exit()).code).toBe(1);
    expect(cli.stderr).toMatch(/cannot read identity file/);
  });

  it('refuses an identity file others may read (like OpenSSH), and starts once it is 0600', async () => {
    freshDirs();
    const identityPath = join(configDir, 'server-identity.pem');
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    writeFileSync(identityPath, key);
    chmodSync(identityPath, 0o644);
    const refused = run(['--port', '0', '--host', '127.0.0.1']);
    expect((await refused.exit()).code).toBe(1);
    expect(refused.stderr).toContain(`identity file ${identityPath} has permissions 0644`);
    expect(refused.stderr).toContain(`chmod 600 ${identityPath}`);
    expect(refused.stdout).not.toContain('listening');
    expect(readFileSync(identityPath, 'utf8')).toBe(key);
    expect(statSync(identityPath).mode & 0o777).toBe(0o644);
    chmodSync(identityPath, 0o600);
    const started = await start();
    expect(started.cli.stdout).not.toContain('created a new server identity');
    started.cli.proc.kill('SIGTERM');
    expect((await started.cli.exit()).code).toBe(0);
  });

  it('exits with code 2 and a clear message on an invalid option', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', '70000'], /port must be between 0 and 65535/],
      [['--port', 'abc'], /port must be a whole number/],
      [['--port'], /argument missing/],
      [['--profile', 'v3'], /Allowed choices are v2, legacy/],
      [['--max-clients', '0'], /maxClients must be between/],
      [['--max-frame', '10'], /maxFrame must be between/],
      [['--history', '-3'], /history|unknown option/],
      [['--log-level', 'loud'], /Allowed choices are error, warn, info, debug/],
      [
        ['--send-window', '100'],
        /'--send-window <bytes>' argument '100' is invalid\. sendWindowBytes must be between 4096 and 16777216/,
      ],
      [['--max-queued-total', '1e9'], /maxTotalQueuedBytes must be a whole number/],
      [['--presence-burst', '0'], /presenceBurst must be between 1 and 1000000/],
      [['--presence-batch-members', '1'], /presenceBatchMembers must be between 2 and/],
      [['--presence-batch-ms', '20000'], /presenceBatchMs must be between 0 and 10000/],
      [['--presence-batch-max-ms', '-1'], /presence-batch-max-ms|unknown option/],
      [['--log-burst', 'many'], /logLineBurst must be a whole number/],
      [['--max-handshake-frame', '70000'], /maxHandshakeFrame must be between 1024 and 65536/],
      [['--fanout-token-bytes', '10'], /fanoutTokenBytes must be between 1024 and 1073741824/],
      [['--max-mutes', '0'], /maxMutes must be between 1 and 100000/],
      [['--log-rate', '0'], /logLinesPerSecond must be between 1 and 1000000/],
      [['--log-rate-total', '0'], /logTotalLinesPerSecond must be between 1 and 1000000/],
      [['--idle-ping', '95000'], /--idle-timeout \(90000 ms\) must be longer than --idle-ping/],
      [['--bogus'], /unknown option '--bogus'/],
      [['surplus'], /too many arguments/],
    ];
    for (const [args, message] of cases) {
      const cli = run(args);
      const exit = await cli.exit();
      expect(exit.code, args.join(' ')).toBe(2);
      expect(cli.stderr, args.join(' ')).toMatch(message);
      expect(cli.stdout).not.toContain('listening');
    }
  });

  it('refuses to start (exit 1) when a stamped message could outgrow maxFrame, saying what to change', async () => {
    const cli = run(['--port', '0', '--host', '127.0.0.1', '--max-frame', '1024']);
    const exit = await cli.exit();
    expect(exit.code).toBe(1);
    // The server offers client-key by default, so a stamped line may carry the sender's key (7.16).
    expect(cli.stderr).toMatch(
      // With rooms offered (the default), a chat line with its room is the largest (7.15).
      /\(with the sender's key, 7\.16\) take 12322 bytes, over maxFrame 1024 \(spec 11\.1\): raise maxFrame to at least 12322 or lower maxMessage to at most 117/,
    );
    expect(cli.stdout).not.toContain('listening');
    const plain = run(['--port', '0', '--host', '127.0.0.1', '--max-frame', '1024', '--features', 'nick']);
    expect((await plain.exit()).code).toBe(1);
    expect(plain.stderr).toMatch(/at least 12298 or lower maxMessage to at most 121/);
  });

  it('refuses moderation where a join_ok with the largest motd outgrows maxFrame, and starts without it', async () => {
    // 11.1, 7.18: 2048 bytes of motd + 12 x maxName 24 + 162 = 2498 > 1024.
    const small = ['--max-frame', '1024', '--max-message', '100'];
    const cli = run(['--port', '0', '--host', '127.0.0.1', ...small]);
    expect((await cli.exit()).code).toBe(1);
    expect(cli.stderr).toMatch(
      /join_ok with a motd of 512 characters take 2498 bytes, over maxFrame 1024 \(spec 11\.1, 7\.18\): raise maxFrame to at least 2498 or offer no moderation/,
    );
    expect(cli.stdout).not.toContain('listening');
    const others = 'structured-export,backlog,nick,away,whois,rooms,client-key';
    const { cli: started } = await start([...small, '--features', others]);
    expect(started.stderr).toBe('');
    // A motd given at start-up counts by its size, moderation or not: 900 + 288 + 162 = 1350.
    const long = run([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      ...small,
      '--features',
      others,
      '--motd',
      '中'.repeat(300),
    ]);
    expect((await long.exit()).code).toBe(1);
    expect(long.stderr).toMatch(
      /the motd given \(900 bytes\) take 1350 bytes.*at least 1350 or shorten the motd$/m,
    );
  });

  it('offers the features it is told to (5.8), and refuses a name the spec does not define', async () => {
    const bad = run(['--features', 'no-such-feature']);
    expect((await bad.exit()).code).toBe(2);
    expect(bad.stderr).toMatch(/unknown feature no-such-feature/);
    const { cli } = await start(['--features', 'none']);
    expect(cli.stderr).toBe('');
  });

  it('warns that the legacy profile is insecure, serves legacy clients, and stops on SIGINT', async () => {
    const { cli, port, fingerprint } = await start(['--profile', 'legacy']);
    expect(fingerprint).toBeNull();
    expect(cli.stderr).toMatch(/WARNING: the legacy profile is insecure/);
    expect(cli.stdout).not.toContain('fingerprint');
    const alice = h.track(await connectLegacy(port));
    const bob = h.track(await connectLegacy(port));
    await alice.join('alice');
    await bob.join('bob');
    alice.say('hi bob');
    expect((await bob.waitFor('default')).cont).toBe('hi bob');
    cli.proc.kill('SIGINT');
    expect((await cli.exit()).code).toBe(0);
    await Promise.all([alice.closed, bob.closed]);
  });

  it('writes its log as JSON lines with --log-format json', async () => {
    const { cli, port } = await start(['--log-format', 'json', '--log-level', 'debug']);
    const alice = h.track(await connectV2(port));
    await alice.join('alice');
    cli.proc.kill('SIGTERM');
    expect((await cli.exit()).code).toBe(0);
    const entries = cli.stderr
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l));
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(Object.keys(e)).toEqual(['time', 'level', 'message']);
    expect(entries.map((e) => e.message)).toContainEqual(expect.stringMatching(/joined as "alice"/));
  });

  it('says goodbye to v2 clients on SIGTERM and exits 0', async () => {
    const { cli, port } = await start();
    const alice = h.track(await connectV2(port));
    const bob = h.track(await connectV2(port));
    await alice.join('alice');
    await bob.join('bob');
    const pending = h.track(await connectV2(port));
    cli.proc.kill('SIGTERM');
    for (const c of [alice, bob, pending]) {
      expect(await c.waitForGoodbye()).toBeTypeOf('string');
      await c.closed;
    }
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
  });

  it('passes the limits on the command line to the server', async () => {
    const { port } = await start([
      '--max-clients',
      '2',
      '--history',
      '2',
      '--motd',
      'hello there',
      '--max-frame',
      '4096',
      '--max-message',
      '600',
    ]);
    const alice = h.track(await connectV2(port));
    expect(alice.endpoint.limits).toMatchObject({ maxFrame: 4096 });
    expect((await alice.join('alice')).motd).toBe('hello there');
    const bob = h.track(await connectV2(port));
    await bob.join('bob');
    const third = h.track(await connectRaw(port));
    await third.closed;
    expect(third.frames().map((f) => JSON.parse(f.body.toString('utf8')))).toEqual([
      expect.objectContaining({ type: 'refused', code: 'SERVER_FULL' }),
    ]);
    for (const text of ['one', 'two', 'three']) alice.say(text);
    await bob.waitForPacket('message', (m) => m.text === 'three');
    expect((await bob.requestExport()).map((e) => e.text)).toEqual(['two', 'three']);
  });

  it('starts with the queue, presence, moderation and log-bound flags at legal values (11, 11.5)', async () => {
    const { cli } = await start([
      ...['--max-handshake-frame', '1024', '--reply-pass-bytes', '4096', '--fanout-token-bytes', '1024'],
      ...['--reservations-per-key', '1', '--max-reservations', '1', '--max-bans', '1', '--max-mutes', '1'],
      ...['--send-window', '4096', '--max-queued-total', '1099511627776', '--slow-reader-timeout', '1000'],
      ...['--presence-batch-members', '2', '--presence-burst', '1', '--presence-batch-ms', '0'],
      ...['--presence-batch-max-ms', '60000', '--log-burst', '1', '--log-rate', '1', '--log-rate-total', '1'],
    ]);
    expect(cli.stderr).toBe('');
  });

  it('has the flag the spec names for each limit (11), and refuses by it per address', async () => {
    const help = run(['--help']);
    await help.exit();
    for (const info of Object.values(LIMIT_INFO)) {
      if (info.serverFlag) expect(help.stdout).toContain(`${info.serverFlag} <`);
    }
    const { port } = await start(['--max-per-address', '1']);
    h.track(await connectV2(port));
    const second = h.track(await connectRaw(port));
    await second.closed;
    expect(second.frames().map((f) => JSON.parse(f.body.toString('utf8')))).toEqual([
      expect.objectContaining({ type: 'refused', code: 'TOO_MANY_FROM_ADDRESS' }),
    ]);
  });

  it('fails with exit code 1 when the port is taken', async () => {
    const { port } = await start();
    const cli = run(['--port', String(port), '--host', '127.0.0.1']);
    expect((await cli.exit()).code).toBe(1);
    expect(cli.stderr).toMatch(/cannot listen on 127\.0\.0\.1/);
  });

  it('makes no new identity when the port is taken at a first start', async () => {
    const { port } = await start();
    const fresh = join(configDir, 'never-made', 'identity.pem');
    const cli = run(['--port', String(port), '--host', '127.0.0.1', '--identity', fresh]);
    expect((await cli.exit()).code).toBe(1);
    expect(cli.stderr).toMatch(/cannot listen on 127\.0\.0\.1/);
    expect(cli.stdout).not.toContain('created a new server identity');
    expect(existsSync(fresh)).toBe(false);
  });

  for (const profile of ['v2', 'legacy'] as const) {
    it(`${profile}: never logs chat text at the default log level and writes nothing about the chat to disk`, async () => {
      const { cli, port } = await start(['--profile', profile, '--max-message', '100']);
      const secret = marker('SECRET');
      if (profile === 'v2') {
        const alice = h.track(await connectV2(port));
        const bob = h.track(await connectV2(port));
        await alice.join('alice');
        await bob.join('bob');
        alice.say(`say ${secret}`);
        alice.action(`me ${secret}`);
        alice.privateMessage('bob', `msg ${secret}`);
        alice.privateMessage('nobody', `msg ${secret}`);
        alice.say(`${secret} ${'x'.repeat(200)}`);
        await bob.waitFor('private');
        await alice.waitForError('MESSAGE_TOO_LONG');
        await bob.requestExport();
        // A malformed packet carrying the text is logged by its code only.
        bob.sendJson({ type: 'say', text: secret, extra: secret });
        await bob.closed;
        await alice.goodbye();
      } else {
        const alice = h.track(await connectLegacy(port));
        const bob = h.track(await connectLegacy(port));
        await alice.join('alice');
        await bob.join('bob');
        alice.say(`say ${secret}`);
        alice.say(`${secret} ${'x'.repeat(200)}`);
        await bob.waitFor('default');
        await alice.waitFor('default', (p) => p.username === '*server*');
        await bob.requestExport();
        bob.sealRaw(`{"typ": "default", "cont": "${secret}"}`);
        await bob.closed;
        await alice.end();
      }
      cli.proc.kill('SIGTERM');
      expect((await cli.exit()).code).toBe(0);
      expect(cli.stderr).not.toContain(secret);
      expect(cli.stdout).not.toContain(secret);
      expect(cli.stderr).toMatch(/PACKET_MALFORMED/); // the failure itself is logged
      // Nothing in the working directory; only the identity in the config directory.
      expect(readdirSync(workDir)).toEqual([]);
      expect(readdirSync(configDir)).toEqual(profile === 'v2' ? ['server-identity.pem'] : []);
    });
  }

  it('survives a stream of garbage connections and keeps serving its clients', async () => {
    const { cli, port } = await start(['--handshake-timeout', '1000', '--burst', '1000', ...LOOPBACK_FLAGS]);
    const alice = h.track(await connectV2(port));
    const bob = h.track(await connectV2(port));
    await alice.join('alice');
    await bob.join('bob');
    const random = seededRandom('cli garbage');
    for (let i = 0; i < 40; i++) {
      const raw = h.track(await connectRaw(port));
      const junk = random(1 + (random(1)[0] % 200) * 10);
      raw.write(i % 2 === 0 ? junk : Buffer.concat([encodeFrame(junk), junk]));
      if (i % 3 === 0) raw.destroy();
      alice.say(`line ${i}`);
    }
    for (let i = 0; i < 40; i++) await bob.waitForPacket('message', (m) => m.text === `line ${i}`);
    expect(bob.packets('message')).toHaveLength(40);
    expect(cli.proc.exitCode).toBeNull();
    const carol = h.track(await connectV2(port));
    await carol.join('carol');
    cli.proc.kill('SIGTERM');
    expect((await cli.exit()).code).toBe(0);
  });
});
