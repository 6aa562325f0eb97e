import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientApp, type ClientAppOptions } from '../../reference-client/app/client-app.js';
import { loadConfig, loadKnownServers } from '../../reference-client/app/config.js';
import { plainLine } from '../../reference-client/view/line-format.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { startCorruptingProxy } from './support/corrupting-proxy.js';
import { startTestServer, type TestServer } from './support/tcp-server.js';
import { waitUntil } from './support/wait.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-app-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.stop());
  return s;
}

/** A port on 127.0.0.1 where nothing listens (taken, then freed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A server on 127.0.0.1 that answers every connection with bytes that are not Parley. */
async function notParley(): Promise<number> {
  const srv: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end('SSH-2.0-OpenSSH_9.6\r\n');
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
  return (srv.address() as { port: number }).port;
}

interface Harness {
  app: ClientApp;
  exitCode: () => number | null;
  lines: () => string[];
  waitLine: (pattern: RegExp) => Promise<string>;
}

function client(port: number, dir: string, options: Partial<ClientAppOptions> = {}): Harness {
  const app = new ClientApp({
    host: '127.0.0.1',
    port,
    profile: 'auto',
    interactive: false,
    exitOnRefusal: true,
    theme: 'nord',
    configDir: dir,
    knownServers: options.knownServers ?? loadKnownServers(dir),
    exportDir: join(dir, 'exported'),
    random01: () => 0,
    session: { timings: { pingMs: 0, idleTimeoutMs: 0 } },
    ...options,
  });
  let code: number | null = null;
  app.onExit((c) => {
    code = c;
  });
  cleanups.push(() => {
    if (code === null) app.requestQuit();
    return waitUntil(() => app.hasExited, 'the client to exit');
  });
  app.start();
  const lines = () => app.vm.state.lines.map((l) => plainLine(l, app.vm.viewer));
  return {
    app,
    exitCode: () => code,
    lines,
    waitLine: (pattern) =>
      waitUntil(() => lines().find((l) => pattern.test(l)), `a line matching ${pattern}`),
  };
}

describe('ClientApp', { timeout: 30_000 }, () => {
  it('records the key of a new server, then recognises it', async () => {
    const srv = await server();
    const dir = tempDir();
    const first = client(srv.port, dir, { name: 'alice' });
    await first.waitLine(/^joined as alice/);
    expect(first.lines()).toContain(
      `server key ${srv.fingerprint} (first connection to this server: key recorded in known_servers)`,
    );
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(srv.fingerprint);
    const second = client(srv.port, dir, { name: 'bob' });
    await second.waitLine(/^joined as bob/);
    expect(second.lines()).toContain(`server key ${srv.fingerprint} (matches known_servers)`);
  });

  it('refuses a changed key in --plain mode, naming both keys, and exits with status 1', async () => {
    const srv = await server({ seed: 1 });
    const dir = tempDir();
    const old = `SHA256:${'Q'.repeat(43)}`;
    writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${srv.port} ${old}\n`);
    const c = client(srv.port, dir, { name: 'alice' });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up');
    expect(c.exitCode()).toBe(1);
    const all = c.lines().join('\n');
    expect(all).toContain(`error FINGERPRINT_MISMATCH: the server key for 127.0.0.1:${srv.port} has CHANGED`);
    expect(all).toContain(old);
    expect(all).toContain(srv.fingerprint!);
    expect(all).not.toContain('joined as');
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(old);
  });

  it('accepts and records a changed key with --accept-new-key', async () => {
    const srv = await server({ seed: 2 });
    const dir = tempDir();
    writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${srv.port} SHA256:${'Q'.repeat(43)}\n`);
    const c = client(srv.port, dir, { name: 'alice', acceptNewKey: true });
    await c.waitLine(/^joined as alice/);
    expect(c.lines()).toContain(`server key ${srv.fingerprint} (new key accepted and recorded)`);
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(srv.fingerprint);
  });

  it('asks about a changed key in the TUI, and goes on after yes', async () => {
    const srv = await server({ seed: 3 });
    const dir = tempDir();
    writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${srv.port} SHA256:${'Q'.repeat(43)}\n`);
    const c = client(srv.port, dir, { name: 'alice', interactive: true, exitOnRefusal: false });
    await waitUntil(() => c.app.vm.phase === 'question', 'the question');
    c.app.insert('y');
    c.app.key('enter');
    await c.waitLine(/^joined as alice/);
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(srv.fingerprint);
  });

  it('refuses a key other than --fingerprint without asking', async () => {
    const srv = await server();
    const dir = tempDir();
    const pinned = `SHA256:${'Z'.repeat(43)}`;
    const c = client(srv.port, dir, { name: 'alice', fingerprint: pinned });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up');
    expect(c.exitCode()).toBe(1);
    expect(c.lines().join('\n')).toContain(
      `error FINGERPRINT_MISMATCH: the server key ${srv.fingerprint} is not the one given with --fingerprint (${pinned})`,
    );
  });

  it('stays refused in the TUI after refusing a server: no retry, no "connection lost"', async () => {
    const srv = await server();
    const pinned = `SHA256:${'Z'.repeat(43)}`;
    const c = client(srv.port, tempDir(), {
      name: 'alice',
      fingerprint: pinned,
      interactive: true,
      exitOnRefusal: false,
    });
    await c.waitLine(/^error FINGERPRINT_MISMATCH: /);
    await waitUntil(() => c.app.vm.state.status.connection === 'refused', 'the refusal');
    // Bob's join takes several round trips: by then this client has handled the close of the
    // connection it dropped itself.
    const other = client(srv.port, tempDir(), { name: 'bob' });
    await other.waitLine(/^joined as bob/);
    expect(c.app.vm.state.status.connection).toBe('refused');
    expect(c.lines().join('\n')).not.toMatch(/connection lost|retrying/);
  });

  it('refuses a known v2 server that now speaks legacy (downgrade)', async () => {
    const srv = await server({ profile: 'legacy' });
    const dir = tempDir();
    writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${srv.port} SHA256:${'Q'.repeat(43)}\n`);
    const c = client(srv.port, dir, { name: 'alice' });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up');
    expect(c.lines().join('\n')).toMatch(/error PROTOCOL_MISMATCH: this server is known as a v2 server/);
  });

  it('warns about legacy and joins', async () => {
    const srv = await server({ profile: 'legacy' });
    const c = client(srv.port, tempDir(), { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    expect(c.lines().join('\n')).toContain(
      'warning: this is a legacy (pyChat) server: the connection is NOT authenticated',
    );
  });

  it('writes /export to exported/chat-<timestamp>.txt', async () => {
    const srv = await server();
    const dir = tempDir();
    const c = client(srv.port, dir, { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    c.app.submitLine('hello world');
    c.app.submitLine('/me waves');
    await c.waitLine(/\* alice waves$/);
    c.app.submitLine('/export');
    const line = await c.waitLine(/^export written to /);
    const files = readdirSync(join(dir, 'exported'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^chat-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.txt$/);
    expect(line.endsWith(files[0])).toBe(true);
    const text = readFileSync(join(dir, 'exported', files[0]), 'utf8');
    expect(text).toMatch(/-!- alice joined\n.*<alice> hello world\n.*\* alice waves\n$/);
    // A second export in the same second does not overwrite the first.
    c.app.submitLine('[export_chat]');
    await waitUntil(() => readdirSync(join(dir, 'exported')).length === 2, 'a second export file');
  });

  it('remembers /theme in config.json (the TUI)', async () => {
    const srv = await server();
    const dir = tempDir();
    const c = client(srv.port, dir, {
      name: 'alice',
      interactive: true,
      exitOnRefusal: false,
      acceptNewKey: true,
    });
    await c.waitLine(/^joined as alice/);
    c.app.submitLine('/theme dark');
    expect(c.app.vm.state.theme).toBe('dark');
    // The TUI also remembers where it joined, and as whom, for the defaults of its next questions.
    expect(loadConfig(dir)).toEqual({ theme: 'dark', server: '127.0.0.1', port: srv.port, name: 'alice' });
  });

  it('reconnects after a server restart, re-joins with the same name and sends what was typed meanwhile', async () => {
    const srv = await server();
    const dir = tempDir();
    const c = client(srv.port, dir, { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    await srv.stop();
    await c.waitLine(
      /^warning: connection lost: the server closed the connection \(server shutting down\); retrying in/,
    );
    c.app.submitLine('typed while down');
    expect(c.lines()).toContain('queued: typed while down');
    await srv.start();
    // The server's echo of the queued line proves it was sent after the re-join.
    await c.waitLine(/^\[\d\d:\d\d:\d\d\] <alice> typed while down$/);
    expect(c.app.vm.state.me).toBe('alice');
    expect(c.lines().filter((l) => l.startsWith('joined as alice'))).toHaveLength(2);
    expect(c.lines()).not.toContain('queued: typed while down');
  });

  it('waits for a name instead of retrying when the connection drops before one was chosen', async () => {
    const srv = await server({ limits: { handshakeTimeoutMs: 200 } });
    const c = client(srv.port, tempDir());
    await c.waitLine(/^choose a name/);
    await c.waitLine(/HANDSHAKE_TIMEOUT.*will reconnect when you choose a name/);
    expect(c.app.vm.state.status.connection).toBe('idle');
    c.app.submitLine('alice');
    await c.waitLine(/^joined as alice/);
  });

  it('refuses a changed key when the user answers no, and stays off', async () => {
    const srv = await server({ seed: 4 });
    const dir = tempDir();
    const old = `SHA256:${'Q'.repeat(43)}`;
    writeFileSync(join(dir, 'known_servers'), `127.0.0.1:${srv.port} ${old}\n`);
    const c = client(srv.port, dir, { name: 'alice', interactive: true, exitOnRefusal: false });
    await waitUntil(() => c.app.vm.phase === 'question', 'the question');
    c.app.submitLine('n');
    await c.waitLine(/the new key was not accepted/);
    await waitUntil(() => c.app.vm.state.status.connection === 'refused', 'the refusal');
    expect(c.lines().join('\n')).not.toContain('joined as');
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(old);
  });

  it('says what could not be sent, with the text, and goes on', async () => {
    const srv = await server({ limits: { maxFrame: 1024, maxMessage: 100 }, features: WITHOUT_MODERATION });
    const c = client(srv.port, tempDir(), { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    c.app.submitLine('y'.repeat(1500));
    await c.waitLine(
      /^error MESSAGE_TOO_LONG: .* \(not sent: “y+”; back in the input line: Enter sends it again\)$/,
    );
    expect(c.app.vm.state.input).toBe('y'.repeat(1500));
    c.app.key('C-u');
    c.app.submitLine('short');
    await c.waitLine(/<alice> short$/);
  });

  it('says so when a theme, a server key or an export cannot be written', async () => {
    const srv = await server();
    const dir = tempDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    const c = client(srv.port, file, {
      name: 'alice',
      interactive: true,
      acceptNewKey: true,
      knownServers: new Map(),
      configWritable: false,
      exportDir: join(file, 'exported'),
    });
    await c.waitLine(/^joined as alice/);
    expect(c.lines().join('\n')).toContain('error: could not record the server key in known_servers');
    c.app.submitLine('/theme dark');
    expect(c.lines()).toContain(
      'warning: theme not saved: config.json could not be read (see above); fix or remove it',
    );
    c.app.submitLine('/export');
    await c.waitLine(/^error: export failed: /);
    expect(c.app.vm.idle).toBe(true);
  });

  it('exits 1 when input ends before a name was accepted', async () => {
    const srv = await server();
    const c = client(srv.port, tempDir());
    c.app.endOfInput();
    await waitUntil(() => c.exitCode() !== null, 'the client to leave');
    expect(c.exitCode()).toBe(1);
    expect(c.lines()).toContain('error: standard input ended before a name was accepted');
  });

  it('ends input by leaving once everything is sent', async () => {
    const srv = await server();
    const c = client(srv.port, tempDir());
    c.app.submitLine('alice');
    c.app.endOfInput();
    await waitUntil(() => c.exitCode() !== null, 'the client to leave');
    expect(c.exitCode()).toBe(0);
    expect(c.lines().some((l) => l.startsWith('joined as alice'))).toBe(true);
  });

  it('at the end of input, waits for the answer to the last line: a refusal is printed before the exit', async () => {
    // The join takes 2 of the 3 tokens (its rateCost, 7.8), `one` the last: `two` is refused.
    const srv = await server({ limits: { rateBurst: 3, ratePerSecond: 1 } });
    const c = client(srv.port, tempDir(), { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    c.app.submitLine('one');
    c.app.submitLine('two');
    c.app.endOfInput();
    await waitUntil(() => c.exitCode() !== null, 'the client to leave');
    expect(c.exitCode()).toBe(0);
    expect(c.lines()).toContainEqual(expect.stringMatching(/<alice> one$/));
    expect(c.lines()).toContainEqual(expect.stringMatching(/^error RATE_LIMITED: .*not sent: “two”/));
  });

  it('--plain gives up on a closed port after a bounded number of attempts: exit 1 and the reason', async () => {
    const port = await closedPort();
    const c = client(port, tempDir(), { name: 'x' });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up', 20_000);
    expect(c.exitCode()).toBe(1);
    expect(c.lines().at(-1)).toMatch(
      /^error: cannot join 127\.0\.0\.1:\d+: 3 attempts failed; the last: CONNECTION_LOST: nothing is listening on .* \(connection refused\)$/,
    );
  });

  it('--plain gives up when every join ends in DECRYPT_FAILED, instead of re-joining for ever', async () => {
    const srv = await server({ motd: 'welcome' });
    const proxy = await startCorruptingProxy(srv.port);
    cleanups.push(() => proxy.close());
    const c = client(proxy.port, tempDir(), { name: 'alice' });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up', 20_000);
    expect(c.exitCode()).toBe(1);
    expect(c.lines().filter((l) => l.startsWith('joined as alice')).length).toBeGreaterThanOrEqual(1);
    expect(proxy.connections).toBeLessThanOrEqual(3);
    expect(c.lines().at(-1)).toMatch(
      /^error: cannot join 127\.0\.0\.1:\d+: 3 connections in a row failed; the last: DECRYPT_FAILED: /,
    );
  });

  it('--plain hides the names config.json ignores; its own /ignore is for this run only, the TUI saves it', async () => {
    const srv = await server();
    const dir = tempDir();
    const alice = client(srv.port, dir, { name: 'alice', ignore: { bob: 'chat' } });
    await alice.waitLine(/^joined as alice/);
    const bob = client(srv.port, tempDir(), { name: 'bob' });
    const cat = client(srv.port, tempDir(), { name: 'cat' });
    await bob.waitLine(/^joined as bob/);
    await cat.waitLine(/^joined as cat/);
    bob.app.submitLine('from bob');
    await bob.waitLine(/<bob> from bob$/);
    alice.app.submitLine('/ignore cat');
    cat.app.submitLine('from cat');
    await cat.waitLine(/<cat> from cat$/);
    alice.app.submitLine('after');
    await alice.waitLine(/<alice> after$/);
    expect(alice.lines().filter((l) => /from (bob|cat)/.test(l))).toEqual([]);
    expect(alice.lines().some((l) => /-!- bob joined$/.test(l))).toBe(true);
    expect(loadConfig(dir).ignore).toBeUndefined();
    const tuiDir = tempDir();
    const tui = client(srv.port, tuiDir, {
      name: 'dan',
      interactive: true,
      exitOnRefusal: false,
      acceptNewKey: true,
    });
    await tui.waitLine(/^joined as dan/);
    tui.app.submitLine('/ignore Bob all');
    expect(loadConfig(tuiDir).ignore).toEqual({ Bob: 'all' });
  });

  it('--plain leaves with status 1 on /quit before it ever joined', async () => {
    const port = await closedPort();
    const c = client(port, tempDir(), { name: 'x' });
    c.app.submitLine('/quit');
    await waitUntil(() => c.exitCode() !== null, 'the client to leave');
    expect(c.exitCode()).toBe(1);
    expect(c.lines().join('\n')).toMatch(/error: left without ever joining 127\.0\.0\.1:\d+/);
  });

  it('--profile v2 against a legacy server says so, suggests --profile auto, and does not retry', async () => {
    const srv = await server({ profile: 'legacy' });
    const c = client(srv.port, tempDir(), { name: 'alice', profile: 'v2' });
    await waitUntil(() => c.exitCode() !== null, 'the client to give up');
    expect(c.exitCode()).toBe(1);
    const all = c.lines().join('\n');
    expect(all).toMatch(
      /PROTOCOL_MISMATCH: this server speaks legacy .*--profile auto \(or --profile legacy\)/,
    );
    expect(all).not.toMatch(/retrying|PACKET_MALFORMED/);
  });

  it('names a port that is not Parley, and /server moves to the right one without quitting (TUI)', async () => {
    const wrong = await notParley();
    const srv = await server();
    const dir = tempDir();
    const c = client(wrong, dir, { name: 'alice', interactive: true, exitOnRefusal: false });
    const line = await c.waitLine(/^warning: cannot connect to /);
    expect(line).toMatch(
      new RegExp(
        `^warning: cannot connect to 127\\.0\\.0\\.1:${wrong}: FRAME_HEADER_INVALID: .*does not look like a Parley server.* · /server HOST \\[PORT\\] to change server$`,
      ),
    );
    c.app.submitLine(`/server 127.0.0.1 ${srv.port}`);
    // First contact in the TUI: the key is shown and the user is asked, as SSH asks.
    await waitUntil(() => c.app.vm.phase === 'question', 'the first-contact question');
    expect(c.app.vm.prompt).toBe('trust this server? [y/N] ');
    expect(c.lines()).toContain(`server key ${srv.fingerprint}`);
    expect(loadKnownServers(dir).size).toBe(0);
    c.app.submitLine('y');
    await c.waitLine(/^joined as alice/);
    expect(c.lines()).toContain(
      `server key ${srv.fingerprint} (first connection to this server: key recorded in known_servers)`,
    );
    expect(loadKnownServers(dir).get(`127.0.0.1:${srv.port}`)).toBe(srv.fingerprint);
    expect(c.app.vm.state.status.server).toBe(`127.0.0.1:${srv.port}`);
    expect(loadKnownServers(dir).has(`127.0.0.1:${wrong}`)).toBe(false);
  });

  it('first contact in the TUI: answering no records nothing and stays off', async () => {
    const srv = await server();
    const dir = tempDir();
    const c = client(srv.port, dir, { name: 'alice', interactive: true, exitOnRefusal: false });
    await waitUntil(() => c.app.vm.phase === 'question', 'the first-contact question');
    c.app.submitLine('n');
    await c.waitLine(/^error: server not trusted: not connected/);
    expect(c.app.vm.state.status.connection).toBe('refused');
    expect(loadKnownServers(dir).size).toBe(0);
    expect(c.lines().join('\n')).not.toContain('joined as');
  });

  it('/reconnect while joined reconnects and re-joins', async () => {
    const srv = await server();
    const c = client(srv.port, tempDir(), { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    c.app.submitLine('/reconnect');
    await waitUntil(
      () => c.lines().filter((l) => l.startsWith('joined as alice')).length === 2,
      'a second join',
    );
  });

  it('legacy: reports everyone present once the list has come, not "1 user here"', async () => {
    const srv = await server({ profile: 'legacy' });
    const alice = client(srv.port, tempDir(), { name: 'alice' });
    await alice.waitLine(/^joined as alice/);
    const bob = client(srv.port, tempDir(), { name: 'bob' });
    await bob.waitLine(/^joined as bob/);
    const carol = client(srv.port, tempDir(), { name: 'carol' });
    await carol.waitLine(/^3 users here$/);
    expect(carol.lines()).toContain('joined as carol');
  });

  it('puts a line the server refused (RATE_LIMITED) back in the input line', async () => {
    // The join takes 2 of the 3 tokens (its rateCost, 7.8), `one` the last.
    const srv = await server({ limits: { rateBurst: 3, ratePerSecond: 1 } });
    const c = client(srv.port, tempDir(), { name: 'alice' });
    await c.waitLine(/^joined as alice/);
    for (const text of ['one', 'two', 'three']) c.app.submitLine(text);
    const refused = await c.waitLine(
      /^error RATE_LIMITED: .*\(not sent: “(two|three)”; back in the input line/,
    );
    const text = /not sent: “(\w+)”/.exec(refused)![1];
    expect(c.app.vm.state.input).toBe(text);
  });
});
