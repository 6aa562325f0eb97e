/**
 * End to end, --plain: the built client (`node reference-client --plain`) as child processes
 * against a real reference server on 127.0.0.1. Needs `npm run build` first (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainRun } from './support/plain-run.js';
import { BUILT, CLIENT } from './support/processes.js';

const { workspace, server, plain } = plainRun('parley-plain-');

describe.skipIf(!BUILT)(
  'node reference-client --plain (e2e; needs npm run build)',
  { timeout: 60_000 },
  () => {
    it('prints --help with the output format, and exits 2 on a bad option', () => {
      const help = spawnSync(process.execPath, [CLIENT, '--help'], { encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('--plain');
      expect(help.stdout).toContain('[14:05:09] <alice> hello');
      const bad = spawnSync(process.execPath, [CLIENT, '--port', '99999', '--plain'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/a port is a whole number from 1 to 65535/);
    });

    it('refuses bad or contradictory options (2), a TUI without a terminal (2) and a broken known_servers (1)', () => {
      const ws = workspace();
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [CLIENT, ...args], {
          encoding: 'utf8',
          input: '',
          env: { ...process.env, PARLEY_CONFIG_DIR: ws.configDir },
        });
      const fp = `SHA256:${'A'.repeat(43)}`;
      for (const [args, message] of [
        [['--plain', '--theme', 'mauve'], /choose one of nord, pure-black, dark, light/],
        [['--plain', '--fingerprint', 'abc'], /a fingerprint looks like SHA256:/],
        [['--plain', '--features', 'rooms,bogus'], /unknown feature bogus: use none or some of backlog,/],
        [
          ['--plain', '--accept-new-key', '--fingerprint', fp],
          /--accept-new-key and --fingerprint contradict/,
        ],
        [['-s', '127.0.0.1', '-p', '1'], /the TUI needs a terminal; use --plain/],
      ] as const) {
        const result = run(...args);
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stderr).toMatch(message);
      }
      writeFileSync(join(ws.configDir, 'known_servers'), 'not a line of known_servers\n');
      const broken = run('--plain', '-s', '127.0.0.1', '-p', '1');
      expect(broken.status).toBe(1);
      expect(broken.stderr).toMatch(/known_servers: line 1 is not "host:port SHA256:\.\.\."/);
    });

    it('joins, chats between two clients, /msg and /me', async () => {
      const srv = await server({ motd: 'be nice' });
      const alice = plain(srv, ['-u', 'alice']);
      await alice.waitLine(/^joined as alice \(1 user here\)$/);
      expect(alice.lines).toContain(
        `server key ${srv.fingerprint} (first connection to this server: key recorded in known_servers)`,
      );
      await alice.waitLine(/^\[\d\d:\d\d:\d\d\] -!- motd: be nice$/);
      const bob = plain(srv, ['-u', 'bob']);
      await bob.waitLine(/^joined as bob \(2 users here\)$/);
      // The server offers rooms and the client asks for them: --plain prefixes room lines (7.15).
      await alice.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] -!- bob joined$/);

      alice.send('hello bob');
      await bob.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] <alice> hello bob$/);
      await alice.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] <alice> hello bob$/);
      bob.send('/me waves');
      await alice.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] \* bob waves$/);
      alice.send('/msg bob just between us');
      await bob.waitLine(/^\[\d\d:\d\d:\d\d\] \[PM from alice\] just between us$/);
      await alice.waitLine(/^\[\d\d:\d\d:\d\d\] \[PM to bob\] just between us$/);
      alice.send('/msg nobody hello?');
      await alice.waitLine(/^error NO_SUCH_USER: /);
      alice.send('/bogus');
      await alice.waitLine(/^error: unknown command \/bogus/);

      bob.send('/quit');
      expect(await bob.exited).toBe(0);
      await alice.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] -!- bob left \(quit\)$/);
    });

    it('asks again after a taken name, reading the next line', async () => {
      const srv = await server();
      const alice = plain(srv, ['-u', 'alice']);
      await alice.waitLine(/^joined as alice/);
      const other = plain(srv, []);
      other.send('alice');
      other.send('alice2');
      other.send('I am the second alice');
      await other.waitLine(/^error NAME_TAKEN: /);
      await other.waitLine(/^joined as alice2 \(2 users here\)$/);
      await alice.waitLine(/<alice2> I am the second alice$/);
    });

    it('exits 1 with the reason when it cannot join: /quit at once, end of input after bounded retries', async () => {
      const ws = workspace();
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = String((probe.address() as { port: number }).port);
      await new Promise((resolve) => probe.close(resolve));
      const run = (input: string) =>
        spawnSync(process.execPath, [CLIENT, '--plain', '-s', '127.0.0.1', '-p', port, '-u', 'x'], {
          encoding: 'utf8',
          input,
          timeout: 40_000,
          env: { ...process.env, PARLEY_CONFIG_DIR: ws.configDir },
        });
      const quit = run('/quit\n');
      expect(quit.status).toBe(1);
      expect(quit.stdout).toMatch(/^error: left without ever joining 127\.0\.0\.1:\d+/m);
      const ended = run('hello\n');
      expect(ended.status).toBe(1);
      expect(ended.stdout.trimEnd().split('\n').at(-1)).toMatch(
        /^error: cannot join 127\.0\.0\.1:\d+: 3 attempts failed; the last: CONNECTION_LOST: nothing is listening/,
      );
    });

    it('switches /theme for this run only: the TUI theme saved in config.json stays', async () => {
      const srv = await server();
      const ws = workspace();
      writeFileSync(join(ws.configDir, 'config.json'), '{"theme": "light"}\n');
      const c = plain(srv, ['-u', 'alice', '--theme', 'nord'], ws);
      await c.waitLine(/^joined as alice/);
      c.send('/theme');
      await c.waitLine(/^themes: Nord \(current\), Pure Black, Dark, Light; \/theme NAME to switch$/);
      c.send('/theme Pure Black');
      await c.waitLine(/^theme: Pure Black$/);
      expect(JSON.parse(readFileSync(join(ws.configDir, 'config.json'), 'utf8'))).toEqual({ theme: 'light' });
    });

    it('writes /export to ./exported/chat-<timestamp>.txt with the conversation', async () => {
      const srv = await server();
      const ws = workspace();
      const bob = plain(srv, ['-u', 'bob']);
      await bob.waitLine(/^joined as bob/);
      const c = plain(srv, ['-u', 'alice'], ws);
      await c.waitLine(/^joined as alice/);
      bob.send('first line');
      await c.waitLine(/<bob> first line$/);
      c.send('/me reads');
      await c.waitLine(/\* alice reads$/);
      c.send('/export');
      const line = await c.waitLine(/^export written to /);
      const [file] = readdirSync(join(ws.cwd, 'exported'));
      expect(file).toMatch(/^chat-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.txt$/);
      expect(line).toBe(`export written to exported/${file}`);
      const lines = readFileSync(join(ws.cwd, 'exported', file), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual([
        '-!- bob joined',
        '-!- alice joined',
        '<bob> first line',
        '* alice reads',
      ]);
    });

    it('reconnects after a server restart and sends what was typed while down', async () => {
      const srv = await server();
      const c = plain(srv, ['-u', 'alice']);
      await c.waitLine(/^joined as alice/);
      await srv.stop();
      const lost = await c.waitLine(/^warning: connection lost: /);
      expect(lost).toMatch(
        /the server closed the connection \(server shutting down\); retrying in \d+\.\d s/,
      );
      c.send('sent while the server was down');
      await c.waitLine(/^queued: sent while the server was down$/);
      await srv.start();
      // The server's echo of the queued line proves it was sent after the re-join.
      await c.waitLine(/^#lobby \[\d\d:\d\d:\d\d\] <alice> sent while the server was down$/, 0, 20_000);
      expect(c.lines.filter((l) => l.startsWith('joined as alice'))).toHaveLength(2);
      expect(c.lines).toContain(`reconnected to 127.0.0.1:${srv.port}: v2, x25519+AES-256-GCM`);
    });

    it('leaves at the end of input once everything typed was sent', async () => {
      const srv = await server();
      const bob = plain(srv, ['-u', 'bob']);
      await bob.waitLine(/^joined as bob/);
      const c = plain(srv, []);
      c.send('alice');
      c.send('one');
      c.send('two');
      c.end();
      expect(await c.exited).toBe(0);
      await bob.waitLine(/<alice> two$/);
      await bob.waitLine(/-!- alice left \(quit\)$/);
    });

    it('refuses a changed server key and exits 1 unless --accept-new-key', async () => {
      const ws = workspace();
      const first = await server({ seed: 11 });
      const c1 = plain(first, ['-u', 'alice'], ws);
      await c1.waitLine(/^joined as alice/);
      c1.send('/quit');
      await c1.exited;
      const port = first.port;
      await first.stop();
      const impostor = await server({ seed: 12, port });
      const c2 = plain(impostor, ['-u', 'alice'], ws);
      expect(await c2.exited).toBe(1);
      const out = c2.lines.join('\n');
      expect(out).toContain(`error FINGERPRINT_MISMATCH: the server key for 127.0.0.1:${port} has CHANGED`);
      expect(out).toContain(`known key:     ${first.fingerprint}`);
      expect(out).toContain(`presented key: ${impostor.fingerprint}`);
      const c3 = plain(impostor, ['-u', 'alice', '--accept-new-key'], ws);
      await c3.waitLine(/^joined as alice/);
    });

    it('reports a full server as what the server says (unverified) and exits 1', async () => {
      const srv = await server({ limits: { maxClients: 1 } });
      const first = plain(srv, ['-u', 'alice']);
      await first.waitLine(/^joined as alice/);
      const late = plain(srv, ['-u', 'bob']);
      expect(await late.exited).toBe(1);
      expect(late.lines.join('\n')).toContain('SERVER_FULL: the server says it is full (unverified)');
    });

    it('speaks legacy with a warning; /msg says legacy has none', async () => {
      const srv = await server({ profile: 'legacy' });
      const alice = plain(srv, ['-u', 'alice']);
      await alice.waitLine(
        /^warning: this is a legacy \(pyChat\) server: the connection is NOT authenticated/,
      );
      await alice.waitLine(/^joined as alice/);
      const bob = plain(srv, ['-u', 'bob', '--profile', 'legacy']);
      await bob.waitLine(/^joined as bob/);
      await alice.waitLine(/-!- bob joined$/);
      bob.send('hi alice');
      await alice.waitLine(/<bob> hi alice$/);
      await bob.waitLine(/<bob> hi alice$/);
      bob.send('/msg alice secret');
      await bob.waitLine(/^error: legacy servers have no private messages: nothing was sent/);
      bob.send('/quit');
      await alice.waitLine(/-!- bob left$/);
    });
  },
);
