/**
 * The benchmark's smoke run: each scenario completes against the real reference server (a separate
 * process) and counts deliveries exactly. No timing assertions: this is not a performance test.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFanout } from '../../bench/scenarios/fanout.js';
import { runHandshake } from '../../bench/scenarios/handshake.js';
import { runHandshakeParts } from '../../bench/scenarios/handshake-parts.js';
import { runIdle } from '../../bench/scenarios/idle.js';
import { runRooms } from '../../bench/scenarios/rooms.js';
import { repoRoot, type ServerUnderTest, startParleyServer } from '../../bench/server-process.js';
import { percentile, Samples, summarise } from '../../bench/stats.js';
import { servesRooms } from '../../fuzz/chat/rooms.js';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { Profile } from '../../src/generated/constants.js';
import { testKeyAgreement } from '../support/key-agreement.js';

const built = existsSync(join(repoRoot(), 'dist', 'reference-server', 'main.js'));
const benchBuilt = existsSync(join(repoRoot(), 'dist', 'bench', 'main.js'));
/** Whether this checkout's v2 core offers rooms (5.8): the rooms scenario needs it. */
const roomsServed = (() => {
  const identity = identityFromSeed(randomBytes(32));
  return servesRooms(
    createV2Server({ keyAgreement: testKeyAgreement, identity, random: randomBytes }) as ChatServer<unknown>,
    identity,
  );
})();

let server: ServerUnderTest | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

const clientsOf = (s: ServerUnderTest, kind: Profile) => ({ kind, host: s.host, port: s.port });

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises microsecond samples in milliseconds', () => {
    const samples = new Samples(2);
    for (let i = 1; i <= 100; i++) samples.push(i * 1000);
    expect(summarise(samples)).toMatchObject({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

/** A tiny IRC relay: enough of RFC 2812 for the IRC driver (welcome, join, channel messages). */
function fakeIrcServer(): Promise<{ server: Server; port: number }> {
  const members = new Map<Socket, string>();
  const server = createServer((socket) => {
    let nick = '';
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('close', () => members.delete(socket));
    socket.on('data', (text: string) => {
      pending += text;
      for (let eol = pending.indexOf('\r\n'); eol >= 0; eol = pending.indexOf('\r\n')) {
        const line = pending.slice(0, eol);
        pending = pending.slice(eol + 2);
        const [command, ...rest] = line.split(' ');
        if (command === 'NICK') nick = rest[0];
        else if (command === 'USER') socket.write(`:fake 001 ${nick} :Welcome\r\nPING :fake\r\n`);
        else if (command === 'JOIN') {
          members.set(socket, nick);
          socket.write(`:${nick}!u@h JOIN ${rest[0]}\r\n:fake 366 ${nick} ${rest[0]} :End of NAMES list\r\n`);
        } else if (command === 'PRIVMSG') {
          for (const [other] of members) if (other !== socket) other.write(`:${nick}!u@h ${line}\r\n`);
        } else if (command === 'QUIT') socket.end();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}

describe('bench IRC driver', () => {
  it('runs the fanout workload against an IRC server', { timeout: 30000 }, async () => {
    const { server: irc, port } = await fakeIrcServer();
    try {
      const result = await runFanout({
        server: { label: 'fake irc', host: '127.0.0.1', port, monitor: null, stop: async () => {} },
        client: { kind: 'irc', host: '127.0.0.1', port },
        clients: 4,
        senders: 2,
        messages: 15,
        window: 3,
        timeoutMs: 20000,
      });
      // IRC does not echo a line to its sender: 2 x 15 x 3.
      expect(result).toMatchObject({ completed: true, deliveries: 90, exactlyOnce: true, serverCpuMs: null });
    } finally {
      irc.close();
    }
  });
});

describe.skipIf(!built)('bench smoke run', () => {
  it('fanout (v2) delivers every line to every member exactly once', { timeout: 60000 }, async () => {
    server = await startParleyServer({ profile: 'v2' });
    const result = await runFanout({
      server,
      client: clientsOf(server, 'v2'),
      clients: 5,
      senders: 2,
      messages: 20,
      window: 4,
      timeoutMs: 30000,
    });
    // v2 echoes a line to its sender too: 2 senders x 20 lines x 5 members.
    expect(result).toMatchObject({
      completed: true,
      expectedDeliveries: 200,
      deliveries: 200,
      exactlyOnce: true,
      duplicates: 0,
      missing: 0,
      outOfOrder: 0,
      foreign: 0,
      notices: 0,
    });
    expect(result.latencyMs.count).toBe(200);
  });

  it.skipIf(!roomsServed)(
    "rooms (v2) delivers every line to exactly its room's members once",
    {
      timeout: 60000,
    },
    async () => {
      server = await startParleyServer({ profile: 'v2' });
      const result = await runRooms({
        server,
        client: clientsOf(server, 'v2'),
        clients: 9,
        rooms: 3,
        messages: 20,
        window: 4,
        timeoutMs: 30000,
      });
      // Each member gets its own room's 20 lines: 9 x 20; a line of another room is foreign.
      expect(result).toMatchObject({ completed: true, deliveries: 180, exactlyOnce: true, foreign: 0 });
    },
  );

  it('fanout (legacy) delivers every line to every other member exactly once', {
    timeout: 60000,
  }, async () => {
    server = await startParleyServer({ profile: 'legacy' });
    const result = await runFanout({
      server,
      client: clientsOf(server, 'legacy'),
      clients: 5,
      senders: 2,
      messages: 20,
      window: 4,
      timeoutMs: 30000,
    });
    // legacy forwards to the others only: 2 x 20 x 4.
    expect(result).toMatchObject({ completed: true, deliveries: 160, exactlyOnce: true, notices: 0 });
  });

  it('handshake joins every client in both runs', { timeout: 60000 }, async () => {
    server = await startParleyServer({ profile: 'v2' });
    const result = await runHandshake({
      server,
      client: clientsOf(server, 'v2'),
      clients: 20,
      handshakes: 30,
      concurrency: 5,
      timeoutMs: 30000,
    });
    expect(result.runs.map((r) => [r.run, r.joined, r.failed])).toEqual([
      ['burst', 20, 0],
      ['sustained', 30, 0],
    ]);
    expect(result.runs[0].latencyMs.count).toBe(20);
    // CPU per handshake is the run's CPU over the clients it joined, for both processes.
    for (const run of result.runs) {
      expect(run.loadgenCpuMsPerHandshake).toBeCloseTo(run.loadgenCpuMs / run.joined, 9);
      if (process.platform === 'linux') {
        expect(run.serverCpuMs).not.toBeNull(); // clock ticks: a short run may read 0 ms
        expect(run.serverCpuMsPerHandshake).toBeCloseTo(run.serverCpuMs! / run.joined, 9);
      }
    }
  });

  it('handshake-parts times the cores and replays their frames over TCP', { timeout: 60000 }, async () => {
    const result = await runHandshakeParts({ handshakes: 40, room: 5 });
    // Six flights: server_hello, client_hello, server_auth, join, join_ok, goodbye. server_hello
    // carries both shares (32 + 256 bytes, base64) and is the largest; the join_ok of a room of five
    // holds their names.
    expect(result.pattern).toHaveLength(6);
    expect(Math.max(...result.pattern)).toBe(result.pattern[0]);
    expect(result.pattern[0]).toBeGreaterThan(10 + 4 * (256 / 3));
    for (const us of [result.core.serverUs, result.core.clientUs, result.core.keyPairUs])
      expect(us).toBeGreaterThan(0);
    expect(result.tcp.clientUs).toBeGreaterThan(0);
    expect(result.tcp.serverUs).toBeGreaterThan(0);
  });

  it('idle holds every client joined and reads the server memory', { timeout: 60000 }, async () => {
    server = await startParleyServer({ profile: 'v2' });
    const result = await runIdle({
      server,
      client: clientsOf(server, 'v2'),
      sizes: [50, 20],
      settleMs: 50,
      timeoutMs: 30000,
    });
    expect(result.steps.map((s) => [s.clients, s.joined, s.failed])).toEqual([
      [20, 20, 0],
      [50, 50, 0],
    ]);
    if (process.platform === 'linux') expect(result.idleRssBytes).toBeGreaterThan(0);
  });

  it('starts the server with the environment it is given, over its own', { timeout: 30000 }, async () => {
    server = await startParleyServer({ profile: 'v2', env: { PARLEY_BENCH_PROBE: 'allocator=x' } });
    expect(server.label).toBe('parley v2 {PARLEY_BENCH_PROBE}');
    if (process.platform !== 'linux') return;
    const environ = readFileSync(`/proc/${server.monitor!.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('PARLEY_BENCH_PROBE=allocator=x');
    expect(environ).toContain(`PATH=${process.env.PATH}`);
  });

  it.skipIf(!benchBuilt)('refuses a --server-env without NAME=VALUE before starting anything', () => {
    const run = spawnSync(process.execPath, [join(repoRoot(), 'bench', 'index.js'), '--server-env', '1X=y'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--server-env takes NAME=VALUE, got "1X=y"');
  });

  it.skipIf(!benchBuilt)('runs through the command line and writes the figures', { timeout: 90000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-test-'));
    try {
      const json = join(dir, 'out.json');
      const run = spawnSync(
        process.execPath,
        [
          join(repoRoot(), 'bench', 'index.js'),
          '--scenario',
          'fanout',
          '--clients',
          '4',
          '--senders',
          '2',
          '--messages',
          '10',
          '--workers',
          '2',
          '--json',
          json,
        ],
        { encoding: 'utf8', timeout: 80000 },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('fanout: 4 clients, 2 senders x 10 messages');
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.results[0]).toMatchObject({
        scenario: 'fanout',
        workers: 2,
        deliveries: 80,
        exactlyOnce: true,
      });
      // Three alternated rounds by default, each round's figures kept beside the median's.
      expect(report.results[0].rounds).toHaveLength(3);
      expect(run.stdout).toContain("rows: each server's median of 3 alternated rounds");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
