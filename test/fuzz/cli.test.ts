/**
 * `node fuzz`: the command line, in-process (runCli) and as a process. A clean campaign exits 0
 * with a summary; a planted bug exits 1, writes an artifact and prints the replay command, and
 * --replay reproduces the same counterexample; bad usage exits 2; a time limit that stops --runs
 * short exits 3 and says how many runs happened.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../fuzz/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    tty: false,
    cwd: root,
  });
  return { code, out, err };
}

describe('node fuzz', () => {
  it('runs a clean campaign, prints the summary and exits 0', async () => {
    const r = await run('--target', 'framing', '--runs', '50', '--seed', '1', '--artifacts', dir);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/Parley fuzz: framing \| seed 1 \| 50 runs per property/);
    expect(r.out).toMatch(/framing\/roundtrip\s+50\s+0\s+0/);
    expect(r.out).toMatch(/framing\/garbage\s+50\s+0\s+0/);
    expect(r.out).toMatch(/no failure in 100 runs/);
  });

  it('writes an artifact for a planted bug, exits 1, and --replay reproduces it', async () => {
    const failing = await run(
      '--target',
      'crypto',
      '--runs',
      '100',
      '--seed',
      '7',
      '--plant',
      'reused-nonce',
      '--artifacts',
      dir,
    );
    expect(failing.code).toBe(1);
    expect(failing.out).toMatch(/FAILED crypto\/v2-roundtrip after \d+ runs/);
    const replay = /replay: {3}(node fuzz --replay (\S+v2-roundtrip\S+\.json))/.exec(failing.out);
    expect(replay).not.toBeNull();
    const file = join(root, replay![2]);
    const artifact = JSON.parse(readFileSync(file, 'utf8'));
    expect(artifact).toMatchObject({
      target: 'crypto',
      property: 'v2-roundtrip',
      seed: 7,
      options: { plant: 'reused-nonce' },
    });
    expect(artifact.command).toBe(replay![1]);
    expect(JSON.stringify(artifact.counterexample)).toMatch(/\$hex/);

    const again = await run('--replay', file);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/REPRODUCED: crypto\/v2-roundtrip fails again on the same counterexample/);
    expect(again.out).toContain(artifact.error.split('\n')[0]);
  });

  it('replays a shrunk command sequence (session target) to the same failure', async () => {
    const failing = await run(
      ...['--target', 'session', '--profile', 'legacy', '--runs', '200', '--seed', '5'],
      ...['--plant', 'duplicate-delivery', '--artifacts', dir],
    );
    expect(failing.code).toBe(1);
    const file = join(
      root,
      /replay: {3}node fuzz --replay (\S+session-legacy\S+\.json)/.exec(failing.out)![1],
    );
    expect(readFileSync(file, 'utf8')).toMatch(/replayPath=/);
    const again = await run('--replay', file);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/REPRODUCED: session\/legacy fails again on the same counterexample/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await run('--target', 'nope')).code).toBe(2);
    expect((await run('--runs', '0')).code).toBe(2);
    expect((await run('--host', '127.0.0.1')).code).toBe(2);
    expect((await run('--plant', 'drop-delivery', '--target', 'framing')).code).toBe(2);
    expect((await run('--replay', join(dir, 'missing.json'))).code).toBe(2);
  });

  it('reports the runs actually made when the time limit stops --runs short (exit 3)', async () => {
    const r = await run(
      '--target',
      'session',
      '--profile',
      'v2',
      '--runs',
      '100000000',
      '--seconds',
      '0.3',
      '--seed',
      '3',
      '--artifacts',
      dir,
    );
    expect(r.code).toBe(3);
    const runs = Number(/session\/v2\s+(\d+)/.exec(r.out)?.[1]);
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan(100000000);
    expect(r.out).toMatch(/INCOMPLETE/);
  });

  it('prints help with the planted bugs marked as a self-test', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--target <name>/);
    expect(r.out).toMatch(/FUZZER SELF-TEST ONLY/);
    expect(r.out).toMatch(/decoder-off-by-one/);
  });

  it.skipIf(!existsSync(join(root, 'dist/fuzz/main.js')))('runs as `node fuzz` (the built command)', () => {
    const r = spawnSync(
      process.execPath,
      ['fuzz', '--target', 'framing', '--runs', '50', '--seed', '1', '--artifacts', dir],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Summary \(seed 1\)/);
    expect(r.stdout).toMatch(/no failure in 100 runs/);
    expect(readdirSync(dir).every((f) => !f.startsWith('framing'))).toBe(true);
  });
});
