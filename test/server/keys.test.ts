/**
 * Keys, reserved names and moderation over real TCP (spec 7.16-7.18): the reserved-names file
 * written 0600 and read back by the next server, a ban that survives the banned client's
 * reconnect, and the CLI refusing a corrupt state file without touching it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSavedReservations } from '../../src/chat/reservations.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { TEST_TIMEOUT_MS, useHarness } from './helpers.js';

const opKey = identityFromSeed(Buffer.alloc(32, 31));
const aliceKey = identityFromSeed(Buffer.alloc(32, 32));
const FEATURES = ['client-key', 'moderation', 'whois'];
const ENTRY = fileURLToPath(new URL('../../reference-server/index.js', import.meta.url));

describe('keys over TCP (7.16-7.18)', () => {
  const h = useHarness();

  it(
    'keeps a reserved name in its file (0600) for the next server; another key is refused it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-keys-'));
      const file = join(dir, 'reserved.json');
      const first = await h.start({ guards: { reservations: {} }, stateFiles: { reservations: file } });
      const alice = await h.v2(first, undefined, { features: FEATURES, clientKey: aliceKey });
      expect(await alice.join('alice')).toMatchObject({
        name: 'alice',
        key: aliceKey.fingerprint.slice(7, 19),
      });
      await alice.end();
      await first.close();
      const saved = parseSavedReservations(JSON.parse(readFileSync(file, 'utf8')));
      expect(saved.reservations.map((r) => [r.name, r.key])).toEqual([['alice', aliceKey.fingerprint]]);
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = await h.start({
        guards: { reservations: { saved } },
        stateFiles: { reservations: file },
      });
      const other = await h.v2(second, undefined, { features: FEATURES });
      expect(await other.tryJoin('Alice')).toMatchObject({ type: 'join_error', code: 'NAME_RESERVED' });
      const back = await h.v2(second, undefined, { features: FEATURES, clientKey: aliceKey });
      expect(await back.join('alice')).toMatchObject({ name: 'alice' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a banned key cannot come back by reconnecting; the log names the operator by fingerprint',
    async () => {
      const server = await h.start({ guards: { moderation: { operators: [opKey.fingerprint] } } });
      const op = await h.v2(server, undefined, { features: FEATURES, clientKey: opKey });
      expect(await op.join('op')).toMatchObject({ op: true });
      const troll = await h.v2(server, 'troll', { features: FEATURES, clientKey: aliceKey });
      op.endpoint.moderate({ type: 'ban', name: 'troll', duration: 600, reason: 'spam' });
      op.flush();
      await troll.waitForError('BANNED');
      expect(await op.waitFor('moderated')).toMatchObject({ action: 'ban', target: 'troll' });
      await server.waitForLog(
        new RegExp(`moderation: ${opKey.fingerprint.replace(/[+/]/g, '.')} \\("op"\\) ban 1 key`),
      );
      const again = await h.v2(server, undefined, { features: FEATURES, clientKey: aliceKey });
      await again.waitForError('BANNED');
      expect(server.logs.join('\n')).not.toContain('127.0.0.1');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses to start on a corrupt reserved-names or ban file, and leaves it as it was',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-keys-'));
      for (const flag of ['--reserve-names', '--ban-file']) {
        const file = join(dir, `${flag.slice(2)}.json`);
        writeFileSync(file, '{"version":1,"reserv', { mode: 0o644 });
        const proc = spawn(process.execPath, [ENTRY, '--port', '0', '--host', '127.0.0.1', flag, file], {
          env: { ...process.env, PARLEY_CONFIG_DIR: dir },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        proc.stderr.on('data', (d) => {
          stderr += d;
        });
        const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
        expect(code).toBe(1);
        expect(stderr).toMatch(/is not valid .*left as it is/);
        expect(readFileSync(file, 'utf8')).toBe('{"version":1,"reserv');
        expect(statSync(file).mode & 0o777).toBe(0o644);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
