import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpSession, type TcpSessionOptions } from '../../reference-client/session/tcp-session.js';
import { renderExportEntries } from '../../reference-client/view/export-text.js';
import type { SessionEvent } from '../../src/client/events.js';
import { sniffProfile } from '../../src/client/profile-sniffer.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { nextEvent } from './support/events.js';
import { startTestServer, type TestServer } from './support/tcp-server.js';
import { waitUntil } from './support/wait.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.stop());
  return s;
}

/** A session that records its events. */
function session(port: number, options: Partial<TcpSessionOptions> = {}) {
  const s = new TcpSession({ host: '127.0.0.1', port, timings: { pingMs: 0, idleTimeoutMs: 0 }, ...options });
  const events: SessionEvent[] = [];
  s.on((e) => events.push(e));
  cleanups.push(() => s.quit());
  return { s, events };
}

async function joinedAs(port: number, name: string, options: Partial<TcpSessionOptions> = {}) {
  const c = session(port, options);
  await c.s.connect();
  const joined = nextEvent(c.s, 'joined');
  c.s.join(name);
  await joined;
  return c;
}

describe('TcpSession over TCP, v2 profile', () => {
  it('authenticates the server, joins and reports the users', async () => {
    const srv = await server({ motd: 'hi all' });
    const { s, events } = session(srv.port);
    const ready = await s.connect();
    expect(ready).toMatchObject({ profile: 'v2', suite: 'x25519+AES-256-GCM', fingerprint: srv.fingerprint });
    const joined = nextEvent(s, 'joined');
    s.join('alice');
    expect(await joined).toMatchObject({ name: 'alice', users: ['alice'], motd: 'hi all' });
    expect(s.state).toBe('joined');
    expect(events.filter((e) => e.kind === 'state').map((e) => (e as { state: string }).state)).toEqual([
      'connecting',
      'handshaking',
      'ready',
      'joining',
      'joined',
    ]);
  });

  it('reports a taken name with its code, and lets the user try another', async () => {
    const srv = await server();
    await joinedAs(srv.port, 'alice');
    const { s } = session(srv.port);
    await s.connect();
    const refused = nextEvent(s, 'join-refused');
    s.join('ALICE');
    expect(await refused).toMatchObject({ code: 'NAME_TAKEN' });
    const joined = nextEvent(s, 'joined');
    s.join('bob');
    expect((await joined).users).toEqual(['alice', 'bob']);
  });

  it('carries chat, actions and private messages between two clients', async () => {
    const srv = await server();
    const a = await joinedAs(srv.port, 'alice');
    const bobJoined = nextEvent(a.s, 'presence');
    const b = await joinedAs(srv.port, 'bob');
    expect((await bobJoined).change).toMatchObject({ kind: 'joined', names: ['bob'] });
    expect(a.s.users).toEqual(['alice', 'bob']);

    const chat = nextEvent(b.s, 'message', (e) => e.message.kind === 'chat');
    a.s.say('hello bob');
    expect((await chat).message).toMatchObject({ kind: 'chat', from: 'alice', text: 'hello bob' });

    const action = nextEvent(a.s, 'message', (e) => e.message.kind === 'action');
    b.s.action('waves');
    expect((await action).message).toMatchObject({ kind: 'action', from: 'bob', text: 'waves' });

    const pm = nextEvent(b.s, 'message', (e) => e.message.kind === 'private');
    const echo = nextEvent(a.s, 'message', (e) => e.message.kind === 'private');
    a.s.privateMessage('bob', 'psst');
    expect((await pm).message).toMatchObject({ from: 'alice', to: 'bob', text: 'psst' });
    expect((await echo).message).toMatchObject({ from: 'alice', to: 'bob', text: 'psst' });

    const noSuchUser = nextEvent(a.s, 'error');
    a.s.privateMessage('nobody', 'hello?');
    expect(await noSuchUser).toMatchObject({ code: 'NO_SUCH_USER', fatal: false });

    const left = nextEvent(a.s, 'presence');
    await b.s.quit();
    expect((await left).change).toMatchObject({ kind: 'left', names: ['bob'], reason: 'quit' });
    expect(a.s.users).toEqual(['alice']);
  });

  it('reports a compact presence batch (users_joined, users_left) as one event each', async () => {
    // Every join after the first is held (a room of 2 is "large") until a chat line flushes it.
    const srv = await server({ limits: { presenceBatchMembers: 2, presenceBatchMs: 10_000 } });
    const a = await joinedAs(srv.port, 'alice');
    const [b, c] = await Promise.all(['bob', 'carol', 'dave'].map((n) => joinedAs(srv.port, n)));
    const joined = nextEvent(a.s, 'presence');
    const said = nextEvent(a.s, 'message');
    b.s.say('flush');
    expect([...(await joined).change.names].sort()).toEqual(['bob', 'carol', 'dave']);
    await said;
    expect(a.s.users).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(a.events.filter((e) => e.kind === 'presence')).toHaveLength(1);

    const left = nextEvent(a.s, 'presence', (e) => e.change.kind === 'left');
    await Promise.all([b.s.quit(), c.s.quit()]);
    a.s.who(); // answered after the held leaves
    expect((await left).change).toMatchObject({
      names: expect.arrayContaining(['bob', 'carol']),
      reason: 'quit',
    });
    expect(a.s.users).toEqual(['alice', 'dave']);
  });

  it('joins the parts of a user list split over several packets (join_ok more, user_list more)', async () => {
    const srv = await server({ limits: { maxFrame: 1024, maxMessage: 100 }, features: WITHOUT_MODERATION });
    const names = ['a', 'b', 'c', 'd'].map((x) => `${x}${'x'.repeat(22)}`);
    for (const name of names) await joinedAs(srv.port, name);
    const last = session(srv.port);
    await last.s.connect();
    const joined = nextEvent(last.s, 'joined');
    last.s.join('e'.repeat(23));
    expect((await joined).users).toEqual([...names, 'e'.repeat(23)]);
    const refreshed = nextEvent(last.s, 'users');
    last.s.who();
    expect((await refreshed).users).toHaveLength(5);
    expect(last.events.filter((e) => e.kind === 'joined')).toHaveLength(1);
  });

  it('renders the export, concatenating every export_reply until done', async () => {
    const srv = await server({
      limits: { maxFrame: 1024, maxMessage: 100, rateBurst: 100 },
      features: WITHOUT_MODERATION,
    });
    const a = await joinedAs(srv.port, 'alice');
    const lines = Array.from(
      { length: 30 },
      (_, i) => `message number ${i} with some padding to fill frames`,
    );
    for (const line of lines) a.s.say(line);
    await nextEvent(a.s, 'message', (e) => e.message.text === lines.at(-1));
    a.s.action('is done');
    await nextEvent(a.s, 'message', (e) => e.message.kind === 'action');
    const exported = nextEvent(a.s, 'export');
    a.s.requestExport();
    const { entries } = await exported;
    expect(entries).toHaveLength(32);
    const out = renderExportEntries(entries).split('\n');
    expect(out[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] -!- alice joined$/);
    expect(out[1]).toMatch(/\] <alice> message number 0 with/);
    expect(out[30]).toMatch(/\] <alice> message number 29 with/);
    expect(out[31]).toMatch(/\] \* alice is done$/);
  });

  it('refuses a server whose key is not the expected one, naming both keys', async () => {
    const srv = await server();
    const expected = `SHA256:${'A'.repeat(43)}`;
    const { s, events } = session(srv.port, { pinned: expected });
    await expect(s.connect()).rejects.toMatchObject({ code: 'FINGERPRINT_MISMATCH' });
    await s.closed();
    const refused = events.find((e) => e.kind === 'refused') as Extract<SessionEvent, { kind: 'refused' }>;
    expect(refused.lines[0]).toContain(expected);
    expect(refused.lines[0]).toContain(srv.fingerprint);
    expect(events.some((e) => e.kind === 'ready')).toBe(false);
  });

  it('reports the server going away: goodbye on shutdown', async () => {
    const srv = await server();
    const { s, events } = await joinedAs(srv.port, 'alice');
    await srv.stop();
    await s.closed();
    expect(events.at(-1)).toMatchObject({ kind: 'closed', byUser: false, goodbye: 'server shutting down' });
  });

  it('reports a refused connection as CONNECTION_LOST with a readable message', async () => {
    const srv = await server();
    const port = srv.port;
    await srv.stop();
    const { s, events } = session(port);
    await expect(s.connect()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(events.at(-1)).toMatchObject({
      kind: 'closed',
      error: {
        code: 'CONNECTION_LOST',
        message: `nothing is listening on 127.0.0.1:${port} (connection refused)`,
      },
    });
  });

  it('ends a session that never connected at once, quit or aborted', async () => {
    for (const end of [
      (s: TcpSession) => s.quit(),
      (s: TcpSession) => s.abort('CLIENT_RECONNECT', 'again'),
    ]) {
      const s = new TcpSession({ host: '127.0.0.1', port: 1 });
      const events: SessionEvent[] = [];
      s.on((e) => events.push(e));
      await end(s);
      expect(events.at(-1)).toMatchObject({ kind: 'closed', byUser: true });
      expect(s.state).toBe('closed');
    }
  });

  it('ends a quit cleanly with goodbye', async () => {
    const srv = await server();
    const { s, events } = await joinedAs(srv.port, 'alice');
    await s.quit();
    expect(events.at(-1)).toMatchObject({ kind: 'closed', byUser: true });
    expect((events.at(-1) as { error?: unknown }).error).toBeUndefined();
  });
});

describe('TcpSession over TCP, legacy profile', () => {
  it('recognises a legacy server by its first frame in auto mode', async () => {
    const srv = await server({ profile: 'legacy' });
    const { s } = session(srv.port);
    expect(await s.connect()).toEqual({
      kind: 'ready',
      profile: 'legacy',
      suite: 'modp14 (legacy) AES-256-CFB8, unauthenticated',
      fingerprint: null,
      trust: 'none',
      record: false,
    });
    expect(s.profile).toBe('legacy');
  });

  it('maps legacy packets to the same events: join, taken, chat (own lines shown locally), users, leave', async () => {
    const srv = await server({ profile: 'legacy' });
    const a = await joinedAs(srv.port, 'alice', { profile: 'legacy' });
    const joinNotice = nextEvent(a.s, 'presence');
    const b = session(srv.port);
    await b.s.connect();
    const taken = nextEvent(b.s, 'join-refused');
    b.s.join('alice');
    expect(await taken).toMatchObject({ code: 'NAME_TAKEN' });
    const joined = nextEvent(b.s, 'joined');
    b.s.join('bob');
    await joined;
    expect((await joinNotice).change).toMatchObject({ kind: 'joined', names: ['bob'] });
    await waitUntil(() => b.s.users.length === 2, "bob's user list to name both");
    expect(b.s.users).toEqual(['alice', 'bob']);

    const own = nextEvent(a.s, 'message');
    const other = nextEvent(b.s, 'message');
    a.s.say('hi from alice');
    expect((await own).message).toMatchObject({ kind: 'chat', from: 'alice', text: 'hi from alice' });
    expect((await other).message).toMatchObject({ kind: 'chat', from: 'alice', text: 'hi from alice' });

    expect(() => a.s.privateMessage('bob', 'x')).toThrow(/legacy servers have no private messages/);
    expect(() => a.s.action('x')).toThrow(/legacy servers have no actions/);

    const exported = nextEvent(a.s, 'export-text');
    a.s.requestExport();
    expect((await exported).text.trimEnd()).toBe('{Start of conversation}\nalice> hi from alice');

    const left = nextEvent(a.s, 'presence', (e) => e.change.kind === 'left');
    const list = nextEvent(a.s, 'users', (e) => e.users.length === 1);
    await b.s.quit();
    expect((await left).change.names).toEqual(['bob']);
    expect((await list).users).toEqual(['alice']);
  });

  it('treats a lost legacy connection (no goodbye in legacy) as CONNECTION_LOST', async () => {
    const srv = await server({ profile: 'legacy' });
    const { s, events } = await joinedAs(srv.port, 'alice');
    await srv.stop();
    await s.closed();
    expect(events.at(-1)).toMatchObject({
      kind: 'closed',
      byUser: false,
      error: { code: 'CONNECTION_LOST' },
    });
  });
});

describe('TcpSession against a broken server', () => {
  async function rawServer(reply: Buffer): Promise<number> {
    const srv: Server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(reply);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
    return (srv.address() as { port: number }).port;
  }

  it('reports a garbage frame as an error, never as chat', async () => {
    const port = await rawServer(Buffer.from('hello, this is not parley at all'));
    const { s, events } = session(port);
    await s.connect().catch(() => {});
    await s.closed();
    expect(events.some((e) => e.kind === 'message')).toBe(false);
    expect(events.at(-1)).toMatchObject({
      kind: 'closed',
      error: {
        code: 'FRAME_HEADER_INVALID',
        message: expect.stringMatching(
          /^127\.0\.0\.1:\d+ does not look like a Parley server: .*check the host and port/,
        ),
      },
    });
  });

  it('names a port that stays silent as probably not a Parley server, before the handshake timeout', async () => {
    const srv: Server = createServer(() => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
    const port = (srv.address() as { port: number }).port;
    const { s, events } = session(port);
    await s.connect().catch(() => {});
    await s.closed();
    expect(events.at(-1)).toMatchObject({
      kind: 'closed',
      error: { code: 'HANDSHAKE_TIMEOUT', message: expect.stringMatching(/probably not a Parley server/) },
    });
  });

  it('reports a body that is not a packet as PACKET_MALFORMED', async () => {
    const port = await rawServer(encodeFrame('{"type": "server_hello", "protocol": 3}'));
    const { s, events } = session(port);
    await s.connect().catch(() => {});
    await s.closed();
    expect(events.at(-1)).toMatchObject({ kind: 'closed', error: { code: 'PACKET_MALFORMED' } });
  });

  it('gives up on a server that never completes the handshake', async () => {
    const srv: Server = createServer(() => {});
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
    const port = (srv.address() as { port: number }).port;
    const { s, events } = session(port, { timings: { handshakeTimeoutMs: 200 } });
    await s.connect().catch(() => {});
    await s.closed();
    expect(events.at(-1)).toMatchObject({ kind: 'closed', error: { code: 'HANDSHAKE_TIMEOUT' } });
  });
});

describe('sniffProfile (spec 2)', () => {
  it('tells legacy (typ) from v2 (type) by the first body', () => {
    expect(sniffProfile(Buffer.from('{"shost": "0.0.0.0", "typ": "iv_exc"}'))).toBe('legacy');
    expect(sniffProfile(Buffer.from('{"type": "server_hello"}'))).toBe('v2');
    expect(sniffProfile(Buffer.from('not json'))).toBe('v2');
  });
});
