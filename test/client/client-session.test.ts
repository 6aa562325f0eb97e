/**
 * The sans-IO client session (src/client/client-session.ts) on a fake clock and an in-memory
 * network (test/support/memory-net.ts) against the sans-IO servers of both profiles: the
 * handshake and its timeout, keepalive, profile sniffing, trust in the server's key and presence.
 */
import { describe, expect, it } from 'vitest';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import {
  ClientSession,
  type ClientSessionOptions,
  FIRST_BYTE_TIMEOUT_MS,
} from '../../src/client/client-session.js';
import type { SessionEvent } from '../../src/client/events.js';
import { EXPORT_TIMEOUT_MS } from '../../src/client/pending-requests.js';
import { RoomReader } from '../../src/client/room-reader.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { Limits, Profile } from '../../src/generated/constants.js';
import { LIMITS } from '../../src/generated/constants.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 9));
const OTHER = `SHA256:${'Q'.repeat(43)}`;

function net(profile: Profile = 'v2', limits: Partial<Limits> = {}, features?: readonly string[]) {
  const server =
    profile === 'v2'
      ? createV2Server({
          keyAgreement: testKeyAgreement,
          identity,
          random: seededRandom('server'),
          limits,
          features,
        })
      : createLegacyServer({
          keyAgreement: testKeyAgreement,
          random: seededRandom('server'),
          limits,
          clock: () => 0,
        } as never);
  return new MemoryNet<SessionEvent>(server as never);
}

/** A session connected over `n`; returns it, its connection id and the kinds of its events. */
function connect(n: MemoryNet<SessionEvent>, options: Partial<ClientSessionOptions> = {}, seed = 'c') {
  const session = new ClientSession({ random: seededRandom(seed), server: 'test:1', ...options });
  const early = [...session.connect(n.now), ...session.open(n.now)];
  const id = n.connect({
    receive: (chunk) => session.receive(chunk, n.now),
    receiveEnd: () => session.receiveEnd(n.now),
    takeOutput: () => session.takeOutput(),
  });
  n.events(id).unshift(...early);
  /** Runs a user action and moves its output. */
  const act = (f: () => SessionEvent[]) => {
    n.events(id).push(...f());
    n.settle();
  };
  return { session, id, act };
}

const kinds = (events: readonly SessionEvent[]) =>
  events.map((e) => (e.kind === 'state' ? `state:${e.state}` : e.kind));

function joined(n: MemoryNet<SessionEvent>, name: string, options: Partial<ClientSessionOptions> = {}) {
  const c = connect(n, options, name);
  c.act(() => c.session.join(name));
  return c;
}

describe('ClientSession: handshake and trust (5.6)', () => {
  it('names a server of the other profile than the one asked for, and suggests --profile auto', () => {
    for (const [server, asked, says] of [
      ['legacy', 'v2', /^this server speaks legacy .*not v2 .*--profile auto \(or --profile legacy\)/],
      ['v2', 'legacy', /^this server speaks v2, not legacy .*--profile auto \(or --profile v2\)/],
    ] as const) {
      const n = net(server);
      const { session } = connect(n, { profile: asked });
      expect(session.hangUp, asked).toBe('destroy');
      expect(session.transportClosed(n.now).at(-1)).toMatchObject({
        kind: 'closed',
        error: { code: 'PROTOCOL_MISMATCH', message: expect.stringMatching(says) },
      });
    }
  });

  it('authenticates a new v2 server, asks to record its key, and joins', () => {
    const n = net();
    const { session, id, act } = connect(n);
    expect(kinds(n.take(id))).toEqual(['state:connecting', 'state:handshaking', 'state:ready', 'ready']);
    expect(session.ready).toEqual({
      profile: 'v2',
      suite: 'x25519+AES-256-GCM',
      fingerprint: identity.fingerprint,
      trust: 'new',
    });
    act(() => session.join('alice'));
    const events = n.take(id);
    expect(kinds(events)).toEqual(['state:joining', 'state:joined', 'joined']);
    expect(events.at(-1)).toMatchObject({ kind: 'joined', name: 'alice', users: ['alice'] });
  });

  it('says whether the key is to be recorded: not when known, yes for a pinned key not yet recorded', () => {
    const known = connect(net(), { known: identity.fingerprint });
    expect(known.session.ready?.trust).toBe('known');
    const n = net();
    const pinned = connect(n, { pinned: identity.fingerprint });
    expect(n.take(pinned.id).find((e) => e.kind === 'ready')).toMatchObject({
      trust: 'pinned',
      record: true,
    });
  });

  it('refuses a server whose key is not the pinned one, naming both keys, and sends it nothing encrypted', () => {
    const n = net();
    const { session, id } = connect(n, { pinned: OTHER });
    const events = n.take(id);
    expect(events.find((e) => e.kind === 'refused')).toEqual({
      kind: 'refused',
      code: 'FINGERPRINT_MISMATCH',
      lines: [
        `the server key ${identity.fingerprint} is not the one given with --fingerprint (${OTHER})`,
        'someone may be intercepting the connection, or the server key changed; refusing to connect',
      ],
    });
    expect(session.hangUp).toBe('destroy');
    expect(session.ready).toBeNull();
    expect(session.takeOutput()).toHaveLength(0);
    expect(session.transportClosed(n.now).at(-1)).toMatchObject({
      kind: 'closed',
      byUser: true,
      error: { code: 'FINGERPRINT_MISMATCH' },
    });
  });

  it('asks about a changed key and goes on, recording it, once accepted', () => {
    const n = net();
    const { session, id } = connect(n, { known: OTHER, changedKey: 'ask' });
    expect(n.take(id).at(-1)).toEqual({ kind: 'key-changed', known: OTHER, presented: identity.fingerprint });
    expect(session.ready).toBeNull();
    expect(() => session.join('alice')).toThrow(/not connected/);
    expect(session.answerKey(true).at(-1)).toMatchObject({ kind: 'ready', trust: 'accepted', record: true });
  });

  it('drops the connection when a changed key is not accepted', () => {
    const { session } = connect(net(), { known: OTHER, changedKey: 'ask' });
    session.answerKey(false);
    expect(session.hangUp).toBe('destroy');
    expect(session.transportClosed(0).at(-1)).toMatchObject({
      byUser: true,
      error: { code: 'FINGERPRINT_MISMATCH', message: 'the new server key was not accepted' },
    });
  });

  it('accepts a changed key by option, saying which key it replaces; refuses it by default', () => {
    const n = net();
    const accepting = connect(n, { known: OTHER, changedKey: 'accept' });
    expect(n.take(accepting.id).at(-1)).toMatchObject({
      kind: 'ready',
      trust: 'accepted',
      record: true,
      replaced: OTHER,
    });
    const refusing = connect(n, { known: OTHER });
    const refused = n.take(refusing.id).at(-1);
    expect(refused).toMatchObject({ kind: 'refused', code: 'FINGERPRINT_MISMATCH' });
    expect((refused as Extract<SessionEvent, { kind: 'refused' }>).lines[0]).toBe(
      'the server key for test:1 has CHANGED since the last connection',
    );
  });

  it('tells a legacy server by its first frame (--profile auto) and refuses it when the server was known by key', () => {
    const n = net('legacy');
    const { session, id } = connect(n);
    expect(session.profile).toBe('legacy');
    expect(n.take(id).at(-1)).toMatchObject({
      kind: 'ready',
      profile: 'legacy',
      trust: 'none',
      record: false,
    });
    const downgraded = connect(n, { known: OTHER });
    expect(n.take(downgraded.id).at(-1)).toMatchObject({ kind: 'refused', code: 'PROTOCOL_MISMATCH' });
    const asked = connect(n, { known: OTHER, profile: 'legacy' });
    expect(asked.session.ready?.profile).toBe('legacy');
  });
});

describe('ClientSession: timing on a fake clock (11)', () => {
  it('names a server silent for FIRST_BYTE_TIMEOUT_MS after connecting as probably not Parley', () => {
    const session = new ClientSession({ random: seededRandom('t'), server: 'example.org:22' });
    session.connect(1000);
    session.open(1000);
    expect(session.nextDeadline).toBe(1000 + FIRST_BYTE_TIMEOUT_MS);
    session.tick(1000 + FIRST_BYTE_TIMEOUT_MS - 1);
    expect(session.hangUp).toBeNull();
    session.tick(1000 + FIRST_BYTE_TIMEOUT_MS);
    expect(session.hangUp).toBe('destroy');
    expect(session.transportClosed(4000).at(-1)).toMatchObject({
      kind: 'closed',
      error: {
        code: 'HANDSHAKE_TIMEOUT',
        message: expect.stringMatching(
          /^example\.org:22 sent nothing within 2 s .*probably not a Parley server/,
        ),
      },
    });
    // A first byte, even of an unfinished frame, ends that wait: the handshake timeout remains.
    const slow = new ClientSession({ random: seededRandom('u') });
    slow.connect(1000);
    slow.open(1000);
    slow.receive(Buffer.from('12'), 1500);
    expect(slow.nextDeadline).toBe(1000 + LIMITS.clientHandshakeTimeoutMs);
  });

  it('gives up on an export the server does not answer within EXPORT_TIMEOUT_MS', () => {
    for (const profile of ['v2', 'legacy'] as const) {
      const n = net(profile);
      const { session, id } = joined(n, 'alice', { timings: { pingMs: 0, idleTimeoutMs: 0 } });
      n.take(id);
      session.requestExport(); // never delivered: the server never answers
      expect(session.nextDeadline, profile).toBe(n.now + EXPORT_TIMEOUT_MS);
      expect(session.tick(n.now + EXPORT_TIMEOUT_MS - 1)).toEqual([]);
      expect(session.tick(n.now + EXPORT_TIMEOUT_MS)).toEqual([{ kind: 'export-timeout', seconds: 10 }]);
      expect(session.nextDeadline).toBeNull();
    }
  });

  it('forgets an export once answered: no timeout follows', () => {
    const n = net();
    const { session, id, act } = joined(n, 'alice', { timings: { pingMs: 0, idleTimeoutMs: 0 } });
    act(() => session.requestExport());
    expect(n.take(id).some((e) => e.kind === 'export')).toBe(true);
    expect(session.nextDeadline).toBeNull();
  });

  it('gives up on a handshake that does not end within clientHandshakeTimeoutMs', () => {
    const session = new ClientSession({ random: seededRandom('t'), timings: { firstByteMs: 0 } });
    session.connect(1000);
    session.open(1000);
    expect(session.nextDeadline).toBe(1000 + LIMITS.clientHandshakeTimeoutMs);
    session.tick(1000 + LIMITS.clientHandshakeTimeoutMs - 1);
    expect(session.hangUp).toBeNull();
    session.tick(1000 + LIMITS.clientHandshakeTimeoutMs);
    expect(session.hangUp).toBe('destroy');
    expect(session.transportClosed(20_000).at(-1)).toMatchObject({
      kind: 'closed',
      byUser: false,
      error: { code: 'HANDSHAKE_TIMEOUT', message: 'the server did not complete the handshake within 15 s' },
    });
  });

  it('pings a silent server after clientPingMs and gives up after clientIdleTimeoutMs', () => {
    const n = net('v2', { idlePingMs: 3_600_000, idleTimeoutMs: 7_200_000 });
    const { session, id } = joined(n, 'alice');
    const start = n.now;
    expect(session.nextDeadline).toBe(start + LIMITS.clientPingMs);
    // The server answers the ping: the pong counts as hearing from it.
    n.now = start + LIMITS.clientPingMs;
    n.events(id).push(...session.tick(n.now));
    n.settle();
    expect(session.nextDeadline).toBe(n.now + LIMITS.clientPingMs);
    expect(session.hangUp).toBeNull();
    // A server that answers nothing (the ping is never delivered): one ping, then the end.
    const heard = n.now;
    session.tick(heard + LIMITS.clientPingMs);
    const ping = session.takeOutput();
    expect(ping.length).toBeGreaterThan(0);
    expect(session.nextDeadline).toBe(heard + LIMITS.clientIdleTimeoutMs);
    session.tick(heard + LIMITS.clientIdleTimeoutMs - 1);
    expect(session.takeOutput()).toHaveLength(0); // no second ping
    expect(session.hangUp).toBeNull();
    session.tick(heard + LIMITS.clientIdleTimeoutMs);
    expect(session.hangUp).toBe('destroy');
    expect(session.transportClosed(n.now).at(-1)).toMatchObject({
      error: {
        code: 'CONNECTION_LOST',
        message: `nothing heard from the server for ${LIMITS.clientIdleTimeoutMs / 1000} s`,
      },
    });
  });

  it('keeps no keepalive before joining or on legacy, and none when the timings are 0', () => {
    const n = net();
    expect(connect(n).session.nextDeadline).toBeNull(); // ready, not joined
    const off = joined(n, 'bob', { timings: { pingMs: 0, idleTimeoutMs: 0 } });
    expect(off.session.nextDeadline).toBeNull();
    const legacy = joined(net('legacy'), 'carol');
    expect(legacy.session.state).toBe('joined');
    expect(legacy.session.nextDeadline).toBeNull();
  });
});

describe('ClientSession: the room, in either profile', () => {
  it('reports a v2 presence run as one event and keeps the user list', () => {
    const n = net('v2', { presenceBatchMembers: 2, presenceBatchMs: 10_000 });
    const a = joined(n, 'alice');
    for (const name of ['bob', 'carol', 'dave']) joined(n, name);
    n.take(a.id);
    // A chat line flushes the held joins (spec 11): one run, then the line.
    const c = joined(n, 'erin');
    c.act(() => c.session.say('flush'));
    const events = n.take(a.id);
    const presence = events.filter((e) => e.kind === 'presence');
    expect(presence).toHaveLength(1);
    expect(presence[0]).toMatchObject({
      change: { kind: 'joined', names: ['bob', 'carol', 'dave', 'erin'] },
    });
    expect(a.session.users).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });

  it('turns legacy packets into the same events: joins, own lines, server notices, leaves, the list', () => {
    const n = net('legacy');
    const a = joined(n, 'alice');
    const b = joined(n, 'bob');
    const events = n.take(a.id);
    expect(events.find((e) => e.kind === 'presence')).toMatchObject({
      change: { kind: 'joined', names: ['bob'] },
    });
    expect(a.session.users).toEqual(['alice', 'bob']);
    // A legacy server forwards chat to the others only: the session reports our own line.
    a.act(() => a.session.say('hi'));
    expect(n.take(a.id)).toContainEqual({
      kind: 'message',
      message: { kind: 'chat', from: 'alice', text: 'hi', ts: n.now, room: '#lobby' },
    });
    expect(a.session.who()).toEqual([{ kind: 'users', room: '#lobby', users: ['alice', 'bob'] }]);
    expect(() => a.session.privateMessage('bob', 'x')).toThrow(/legacy servers have no private messages/);
    n.hangUp(b.id);
    const left = n.take(a.id);
    expect(left.find((e) => e.kind === 'presence')).toMatchObject({
      change: { kind: 'left', names: ['bob'] },
    });
    expect(a.session.users).toEqual(['alice']);
  });

  it('shows a legacy *server* line that is not a leave as a notice', () => {
    const reader = new RoomReader();
    reader.name = 'alice';
    expect(
      reader.read(
        { typ: 'default', username: '*server*', cont: 'be nice', date: '', shost: '', dhost: '' } as never,
        5,
      ),
    ).toEqual([
      {
        kind: 'message',
        message: { kind: 'notice', from: '*server*', text: 'be nice', ts: 5, room: '#lobby' },
      },
    ]);
  });

  it('refuses a send the connection cannot make with a ParleyError, and goes on', () => {
    const n = net('v2', { maxFrame: 1024, maxMessage: 100 }, WITHOUT_MODERATION);
    const { session } = joined(n, 'alice');
    expect(() => session.say('x'.repeat(2000))).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LONG', name: 'ParleyError', fatal: false }),
    );
    expect(() => session.say('short')).not.toThrow();
    expect(session.state).toBe('joined');
    expect(session.hangUp).toBeNull();
  });
});

describe('ClientSession: endings', () => {
  it('reports a server that closes before its first frame', () => {
    const session = new ClientSession({ random: seededRandom('e') });
    session.connect(0);
    session.open(0);
    session.receiveEnd(1);
    expect(session.hangUp).toBe('end');
    expect(session.transportClosed(2).at(-1)).toMatchObject({
      error: { code: 'CONNECTION_LOST', message: 'the server closed the connection during the handshake' },
    });
  });

  it('reports a connection that ended with no reason as CONNECTION_LOST, and one the user ended as nothing', () => {
    const lost = new ClientSession({ random: seededRandom('e') });
    lost.connect(0);
    expect(lost.transportClosed(1)).toEqual([
      { kind: 'state', state: 'closed' },
      {
        kind: 'closed',
        byUser: false,
        goodbye: undefined,
        error: { code: 'CONNECTION_LOST', message: 'the connection ended', fatal: true },
      },
    ]);
    expect(lost.transportClosed(2)).toEqual([]); // once
    const quit = new ClientSession({ random: seededRandom('e') });
    quit.connect(0);
    quit.quit();
    expect(quit.transportClosed(1).at(-1)).toEqual({
      kind: 'closed',
      byUser: true,
      goodbye: undefined,
      error: undefined,
    });
  });

  it('aborts at once, keeping the reason as the error', () => {
    const { session } = joined(net(), 'alice');
    session.abort('CLIENT_RECONNECT', 'reconnecting');
    expect(session.hangUp).toBe('destroy');
    expect(session.takeOutput()).toHaveLength(0);
    expect(session.transportClosed(0).at(-1)).toMatchObject({
      byUser: true,
      error: { code: 'CLIENT_RECONNECT' },
    });
  });

  it('says goodbye on quit (v2): the others hear that the user quit', () => {
    const n = net();
    const a = joined(n, 'alice');
    const b = joined(n, 'bob');
    n.take(a.id);
    b.act(() => b.session.quit('bye now'));
    expect(b.session.hangUp).toBe('end');
    expect(n.take(a.id).find((e) => e.kind === 'presence')).toMatchObject({
      change: { kind: 'left', names: ['bob'], reason: 'quit' },
    });
  });
});
