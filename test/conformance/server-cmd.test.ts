/**
 * The suite's own machinery for servers it did not write: --server-cmd (start, watch, CRASHED,
 * restart), --isolate, the limit placeholders, health gating of absence cases, crash attribution
 * in words, and names and lines sized to the server's limits.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastClientStep } from '../../conformance/attribution.js';
import { type Case, CaseContext } from '../../conformance/case.js';
import { runCli } from '../../conformance/cli.js';
import { WireLog } from '../../conformance/driver.js';
import { countFrames } from '../../conformance/frame-count.js';
import { politeProbe } from '../../conformance/probe.js';
import { runSuite } from '../../conformance/runner.js';
import {
  checkTemplate,
  fillTemplate,
  placeholdersIn,
  ServerProcess,
} from '../../conformance/server-process.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { problems, runCases, startReference, suiteOptions } from './helpers.js';
import { onPacket } from './planting.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'fragile-server.mjs');
const command = (extra = '') => `node ${FIXTURE} --port {port}${extra}`;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string; json: Any }> {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-cmd-'));
  const file = join(dir, 'report.json');
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    [...args, '--json', file, '--timeout', '2000', '--handshake-timeout', '1000', '--no-color'],
    { stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
  );
  let json: Any = null;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // no report (a usage error)
  }
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}
// biome-ignore lint/suspicious/noExplicitAny: the JSON report is read loosely
type Any = any;
const verdicts = (json: Any) =>
  Object.fromEntries(json.cases.map((c: Any) => [c.id, c.verdict])) as Record<string, string>;

describe.concurrent('--server-cmd', () => {
  it('a case that kills the server is CRASHED with its exit and output; the server restarts and the run goes on', async () => {
    const { code, json } = await cli(
      '--server-cmd',
      command(),
      '--cases',
      'robustness/3.2/1,robustness/3.2/2,framing/3.2/1',
    );
    expect(code).toBe(1);
    const v = verdicts(json);
    expect(v['robustness/3.2/1']).toBe('CRASHED');
    expect(v['robustness/3.2/2']).toBe('OK');
    expect(v['framing/3.2/1']).toBe('OK');
    expect(v['sanity/2']).toBe('OK');
    const crash = json.cases.find((c: Any) => c.id === 'robustness/3.2/1');
    expect(crash.actual).toMatch(/exited with status 3 after a client \(junk\) sent 4096 byte/);
    expect(crash.actual).toMatch(/fatal: a connection opened with the byte 0xff/);
    expect(json.crashes).toEqual(['robustness/3.2/1']);
    expect(json.cases.some((c: Any) => /not run/.test(c.actual))).toBe(false);
  });

  it('--isolate starts a fresh server for every case', async () => {
    const starts = join(mkdtempSync(join(tmpdir(), 'conformance-starts-')), 'starts');
    const { code, json } = await cli(
      '--server-cmd',
      command(` --starts ${starts}`),
      '--isolate',
      '--cases',
      'framing/3.2/1,framing/3.2/2,framing/3.2/3',
    );
    expect(code).toBe(0);
    expect(json.cases).toHaveLength(5);
    // The pre-flight's server, then one per case.
    expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('{max-clients} gives the SERVER_FULL case a server of its own with 3; without it the case is INFORMATIONAL', async () => {
    const withIt = await cli(
      '--server-cmd',
      command(' --max-clients {max-clients}'),
      '--cases',
      'robustness/11/4',
    );
    expect(verdicts(withIt.json)['robustness/11/4']).toBe('OK');
    const without = await cli('--server-cmd', command(), '--cases', 'robustness/11/4');
    expect(verdicts(without.json)['robustness/11/4']).toBe('INFORMATIONAL');
    expect(without.json.cases.find((c: Any) => c.id === 'robustness/11/4').actual).toMatch(
      /maxClients is unknown/,
    );
  });

  it('7.9: the stopped reference says goodbye (OK); a server that just dies on SIGTERM is FAILED; without --server-cmd INFORMATIONAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-stop-'));
    const reference = [
      `node ${join(import.meta.dirname, '..', '..', 'reference-server')} --port {port} --host {host}`,
      `--identity ${join(dir, 'identity.pem')}`,
      '--max-per-address {max-per-address} --address-burst {address-burst} --address-rate {address-rate}',
    ].join(' ');
    const [good, dies] = await Promise.all([
      cli('--server-cmd', reference, '--cases', 'v2-chat/7.9/2'),
      cli('--server-cmd', command(), '--cases', 'v2-chat/7.9/2'),
    ]);
    expect(verdicts(good.json)['v2-chat/7.9/2']).toBe('OK');
    expect(verdicts(good.json)['sanity/2']).toBe('OK');
    const died = dies.json.cases.find((c: Any) => c.id === 'v2-chat/7.9/2');
    expect(died.verdict).toBe('FAILED');
    expect(died.actual).toMatch(/received nothing, then the close/);
    const server = await startReference('v2');
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), ['v2-chat/7.9/2']);
      const result = outcome.results.find((r) => r.case.id === 'v2-chat/7.9/2');
      expect(result?.verdict).toBe('INFORMATIONAL');
      expect(result?.actual).toMatch(/needs --server-cmd/);
    } finally {
      await server.close();
    }
  });

  it('keeps the connection that found a server ready open for a pristine case, until released', async () => {
    // One slot per address: while the readiness connection holds it, another connection is turned
    // away (a full server would close the readiness connection instead, as it has not joined: 11.2).
    const options = suiteOptions(0, 'legacy');
    const server = await ServerProcess.start(
      command(' --profile legacy --max-per-address 1 --handshake-timeout 60000'),
      options,
      {},
      15_000,
      true,
    );
    try {
      const target = { ...options, port: server.port };
      const busy = await politeProbe(target);
      expect(busy.ok).toBe(false);
      expect(busy.silentClose).toBe(true);
      server.release();
      let again = await politeProbe(target);
      for (let i = 0; i < 20 && !again.ok; i++) again = await politeProbe(target);
      expect(again.ok).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('checks its template and its companions', async () => {
    expect(() => checkTemplate('server --port 7')).toThrow(/must contain \{port\}/);
    expect(() => checkTemplate('server --port {port} --x {nonsense}')).toThrow(
      /unknown placeholder \{nonsense\}/,
    );
    expect(placeholdersIn('s {port} {max-clients} {rate-burst}')).toEqual(['max-clients', 'rate-burst']);
    const options = suiteOptions(1, 'v2', { maxClients: undefined });
    expect(fillTemplate('s -p {port} -h {host} -b {rate-burst}', '127.0.0.1', 99, options)).toBe(
      `s -p 99 -h 127.0.0.1 -b ${options.burst}`,
    );
    expect(fillTemplate('s {max-clients}', 'h', 1, options, { 'max-clients': 3 })).toBe('s 3');
    expect((await cli('--server-cmd', 'x', '--port', '1')).err).toMatch(/not both/);
    expect((await cli('--isolate', '--port', '1')).err).toMatch(/--isolate needs --server-cmd/);
    const broken = await cli('--server-cmd', 'exit 4 # {port}');
    expect(broken.code).toBe(3);
    expect(broken.err).toMatch(/cannot start the server .* exited with status 4/);
  });

  it('--help warns that the suite floods the room and documents the placeholders', async () => {
    const { out } = await cli('--help');
    expect(out).toMatch(/WARNING: the suite joins the room/);
    expect(out).toMatch(/\{max-clients\}/);
  });
});

describe('health gating and sizing', () => {
  it('an absence case fails when the server stopped serving chat (positive control)', async () => {
    // A server that forwards no chat line at all: "nothing delivered" would otherwise pass.
    const server = onPacket(await startReference('v2'), (original, _core, _conn, packet) =>
      packet.type === 'say' ? undefined : original(),
    );
    try {
      const absent: Case = {
        id: 'v2-chat/7.3/99',
        section: '7.3',
        profile: 'v2',
        level: 'MUST',
        description: 'a line that should reach nobody reaches nobody',
        specText: 'test',
        covers: [],
        accepts: ['nothing delivered'],
        absence: true,
        async run() {},
      };
      const outcome = await runSuite([absent], suiteOptions(server.port, 'v2'), {
        strict: false,
        expected: [],
      });
      expect(outcome.results[0].verdict).toBe('FAILED');
      expect(outcome.results[0].actual).toMatch(/positive control after the case failed/);
    } finally {
      await server.close();
    }
  });

  it('a server with unusual but legal limits (maxName 10, maxMessage 8, maxFrame 1024) fails no case', async () => {
    const limits = { maxName: 10, maxMessage: 8, maxFrame: 1024 };
    // Without moderation: a server offering it needs a record for a join_ok with the longest motd
    // (11.1), more than 1024 bytes, and refuses to start.
    const server = await startReference('v2', { limits, features: WITHOUT_MODERATION });
    try {
      const outcome = await runCases(suiteOptions(server.port, 'v2'), [
        'v2-chat',
        'v2-handshake/13.1',
        'framing',
      ]);
      expect(problems(outcome)).toEqual([]);
    } finally {
      await server.close();
    }
    // A hundred cases: on a loaded machine more than the default 30 s.
  }, 120_000);

  it('names and lines fit the limits, whatever they are', () => {
    for (let maxName = 1; maxName <= 24; maxName++) {
      const ctx = new CaseContext(suiteOptions(1, 'v2', { maxName, maxMessage: maxName }), {} as Case, 'z');
      const names = Array.from({ length: 20 }, () => ctx.name('somebodylong'));
      for (const name of names) {
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(maxName);
        expect(name).toMatch(/^[a-z0-9]+$/);
      }
      if (maxName > 1) expect(new Set(names).size).toBe(names.length);
      const line = ctx.line('a rather long line of chat');
      expect(line.length).toBeLessThanOrEqual(maxName);
      expect(ctx.line('a rather long line of chat')).toBe(line);
    }
  });

  it('names the step a server died at, in protocol terms', () => {
    const log = new WireLog();
    const frame = (text: string) => Buffer.from(`${String(text.length).padEnd(10)}${text}`);
    expect(countFrames(Buffer.concat([frame('{"a":1}'), frame('{}'), Buffer.from('12')]))).toBe(2);
    log.event('c1', 'connected from 127.0.0.1:5');
    log.data('c1', 's2c', 0, frame('{"typ":"iv_exc"}'));
    log.event('c1', 'client closed the connection');
    expect(lastClientStep(log, 'legacy')).toBe(
      'a client (c1) closed its connection during the handshake, after iv_exc and before key_exc, having received 1 frame(s) and sent 0 byte(s)',
    );
  });
});
