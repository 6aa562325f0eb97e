/**
 * The command line: --list without a server, the exit codes (0, 1, 2, 3), the JSON and JUnit
 * reports, and --expected-failures (an unexpected failure and an unexpected pass both fail).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../conformance/cli.js';
import type { RunningServer } from '../../reference-server/server.js';
import { FAULTS } from './broken-servers.js';
import { startReference, TIMERS } from './helpers.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const timers = ['--timeout', '1000', '--handshake-timeout', String(TIMERS.handshakeTimeoutMs)];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Checks that every tag opened is closed, in order: enough to call the XML well formed here. */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of xml
    .replace(/<\?xml[^>]*\?>/, '')
    .matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!close) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0 && !/[<>]/.test(xml.replace(/<[^>]*>/g, ''));
}

describe('node conformance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-conformance-'));
  let reference: RunningServer;
  let noRate: RunningServer;

  beforeAll(async () => {
    reference = await startReference('v2');
    noRate = await FAULTS.find((f) => f.name === 'has no rate limit')!.start();
  });
  afterAll(async () => {
    await reference?.close();
    await noRate?.close();
  });

  it('--list prints every case with its spec text and the coverage, without connecting', async () => {
    const { code, out } = await cli('--list');
    expect(code).toBe(0);
    expect(out).toContain('framing/3.2/4');
    expect(out).toContain('legacy-chat/10.3/2');
    expect(out).toMatch(/spec: {4}3\.2\/4 header with a non-digit/);
    // Every packet of 2.2 has a case (the rooms cases of 7.15 and the keys cases of 7.16-7.18 included).
    expect(out).toMatch(/Spec coverage \(v2\): packets 53\/53/);
  });

  it('--help documents the exit codes', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/3 {2}the server cannot be reached/);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('--port', 'x')).code).toBe(2);
    expect((await cli('--port', '1', '--profile', 'v3')).code).toBe(2);
    expect((await cli()).err).toMatch(/--port or --server-cmd is required/);
    expect((await cli('--port', String(reference.port), '--cases', 'nothing/*')).code).toBe(2);
  });

  it('a server that cannot be reached exits 3 with a clear message', async () => {
    const { code, err } = await cli('--port', String(await freePort()), '--timeout', '500');
    expect(code).toBe(3);
    expect(err).toMatch(/cannot reach the server at 127\.0\.0\.1:\d+ \(ECONNREFUSED/);
  });

  it('the wrong --profile is a usage error that names the right one', async () => {
    const { code, err } = await cli('--port', String(reference.port), '--profile', 'legacy');
    expect(code).toBe(2);
    expect(err).toMatch(/speaks the v2 profile; run with --profile v2/);
  });

  it('writes a JSON record per case and well-formed JUnit XML', async () => {
    const json = join(dir, 'out', 'report.json');
    const junit = join(dir, 'out', 'report.xml');
    const { code, out } = await cli(
      '--port',
      String(reference.port),
      ...timers,
      '--cases',
      'framing/3.2/*',
      '--json',
      json,
      '--junit',
      junit,
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/Result: PASSED/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.cases.length).toBeGreaterThan(10);
    for (const record of report.cases) {
      expect(record).toMatchObject({
        verdict: 'OK',
        durationMs: expect.any(Number),
        expected: expect.any(String),
        actual: expect.any(String),
      });
      expect(record.wireLog.length).toBeGreaterThan(0);
    }
    expect(report.cases[1].wireLog.some((e: { hex?: string }) => /^[0-9a-f]+$/.test(e.hex ?? ''))).toBe(true);
    const xml = readFileSync(junit, 'utf8');
    expect(balanced(xml)).toBe(true);
    expect(xml.match(/<testcase /g)?.length).toBe(report.cases.length);
  });

  describe('--expected-failures', () => {
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const rate = ['--cases', 'v2-chat/7.8/2', ...timers];
    /** Runs the rate case against `server` with an expected-failures file holding `text`. */
    const runExpecting = (server: RunningServer, name: string, text: string) =>
      cli('--port', String(server.port), ...rate, '--expected-failures', file(name, text));

    it('an unexpected failure fails the run, and JUnit marks it', async () => {
      const junit = join(dir, 'unexpected.xml');
      const { code, out } = await cli('--port', String(noRate.port), ...rate, '--junit', junit);
      expect(code).toBe(1);
      expect(out).toMatch(/FAILED +v2-chat\/7\.8\/2/);
      expect(out).toMatch(/actual +all 50 of 50 lines were delivered/);
      expect(readFileSync(junit, 'utf8')).toMatch(/<failure type="FAILED"/);
    });

    it('a listed failure passes the run, with or without a matching message prefix', async () => {
      expect((await runExpecting(noRate, 'a', '# known\nv2-chat/7.8/2\n')).code).toBe(0);
      expect((await runExpecting(noRate, 'b', 'v2-chat/7.8/2 all 50 of 50\n')).code).toBe(0);
    });

    it('a listed failure with another message fails the run', async () => {
      expect((await runExpecting(noRate, 'c', 'v2-chat/7.8/2 no answer\n')).code).toBe(1);
    });

    it('an unexpected pass fails the run', async () => {
      const { code, out } = await runExpecting(reference, 'd', 'v2-chat/7.8/2\n');
      expect(code).toBe(1);
      expect(out).toMatch(/unexpected pass/);
    });

    it('an unknown case id or a missing file is a usage error', async () => {
      expect(
        (await cli('--port', String(reference.port), '--expected-failures', file('e', 'framing/9.9/9\n')))
          .err,
      ).toMatch(/unknown case id/);
      expect(
        (await cli('--port', String(reference.port), '--expected-failures', join(dir, 'missing'))).code,
      ).toBe(2);
    });
  });

  it.skipIf(!existsSync('dist/conformance/main.js'))('runs as `node conformance` (built)', () => {
    const run = spawnSync(process.execPath, ['conformance', '--list'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('sanity/1');
  });
});
