/**
 * The sans-IO chat server (spec 7, 10, 11) for both profiles, driven through test/support/
 * memory-net.ts with a fake clock: joins, name collisions, chat, private messages, actions, who,
 * export, leave notices, rate limits, lengths, timeouts, admission, shutdown, and isolation of one
 * connection's failure from the others. Legacy mitigations are checked on the bytes.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server, presenceHoldMs } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { FrameDecoder } from '../../src/framing/frame-codec.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { type LegacyPacket, legacyPacket } from '../../src/legacy/legacy-packet.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { type ClientLike, MemoryNet } from '../support/memory-net.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient, RawV2Client } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 9));

/** Advances the fake clock and returns the server's actions (also applied to the clients). */
function advance<E>(net: MemoryNet<E>, ms: number): ServerAction[] {
  net.now += ms;
  const actions = net.server.tick(net.now);
  net.apply(actions);
  net.settle();
  return actions;
}

/** Runs `call` against the chat server and applies its actions, returning them. */
function step<E>(net: MemoryNet<E>, call: (server: ChatServer<unknown>) => ServerAction[]): ServerAction[] {
  const actions = call(net.server);
  net.apply(actions);
  net.settle();
  return actions;
}

const closes = (actions: readonly ServerAction[]) =>
  actions.flatMap((a) => (a.kind === 'close' ? [{ id: a.id, code: a.error?.code ?? null }] : []));

const writesTo = (actions: readonly ServerAction[], id: number) =>
  actions.filter((a) => a.kind === 'write' && a.id === id);

/** The plaintext packets written to connection `id` (a refusal at accept, 5.10). */
const refusedPackets = (actions: readonly ServerAction[], id: number) =>
  writesTo(actions, id).flatMap((a) => {
    const d = new FrameDecoder({ maxFrame: 1 << 16 });
    d.push((a as { data: Buffer }).data);
    return d.drain().map((f) => JSON.parse(f.body.toString('utf8')));
  });

/** A peer that connects and then never says or reads anything. */
const silent = (): ClientLike<never> => ({
  receive: () => [],
  receiveEnd: () => [],
  takeOutput: () => Buffer.alloc(0),
});

/** Frames in a byte stream. */
function frameCount(bytes: Buffer): number {
  const d = new FrameDecoder({ maxFrame: 1 << 24 });
  d.push(bytes);
  return d.drain().length;
}

// ---------------------------------------------------------------------------------------------
// v2

type V2Net = MemoryNet<V2ClientConnectionEvent>;

function v2(
  limits: Partial<Limits> = {},
  extra: { motd?: string; deferWrites?: boolean; features?: readonly string[] } = {},
) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    limits,
    ...extra,
  });
  const net: V2Net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const clients = new Map<string, { client: V2ClientConnection; id: number }>();
  const connect = (seed: string, maxFrame?: number) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(seed),
      maxFrame,
    });
    const id = net.connect(client);
    return { client, id };
  };
  const join = (name: string, maxFrame?: number) => {
    const c = connect(`client ${name}`, maxFrame);
    c.client.join(name);
    net.settle();
    clients.set(name, c);
    return c;
  };
  const get = (name: string) => clients.get(name) as { client: V2ClientConnection; id: number };
  /** Packets client `name` has received since the last call (events other than packets dropped). */
  const packets = (name: string): V2ServerPacket[] =>
    net.take(get(name).id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  const events = (name: string) => net.take(get(name).id);
  return { server, net, connect, join, get, packets, events };
}

describe('v2 server: joining (7.2)', () => {
  it('accepts a name with join_ok and the user list, and tells the others', () => {
    const s = v2({}, { motd: 'be nice' });
    s.join('alice');
    expect(s.packets('alice')).toEqual([
      { type: 'join_ok', name: 'alice', users: ['alice'], motd: 'be nice' },
    ]);
    s.join('Bob');
    expect(s.packets('Bob')).toEqual([
      { type: 'join_ok', name: 'Bob', users: ['alice', 'Bob'], motd: 'be nice' },
    ]);
    expect(s.packets('alice')).toEqual([{ type: 'user_joined', name: 'Bob', ts: s.net.now }]);
    expect(s.server.room.names()).toEqual(['alice', 'Bob']);
  });

  it('refuses taken (any case), reserved and invalid names, and lets the client try again', () => {
    const s = v2();
    s.join('alice');
    s.packets('alice');
    const c = s.connect('carol');
    const tries: [string, string][] = [
      ['ALICE', 'NAME_TAKEN'],
      ['Server', 'NAME_RESERVED'],
      ['a b', 'NAME_INVALID'],
      ['x'.repeat(25), 'NAME_INVALID'],
    ];
    for (const [name, code] of tries) {
      c.client.join(name);
      s.net.settle();
      const got = s.net.take(c.id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
      expect(got).toEqual([expect.objectContaining({ type: 'join_error', code })]);
      expect(c.client.state).toBe('READY');
    }
    c.client.join('carol');
    s.net.settle();
    expect(c.client.state).toBe('JOINED');
    // Refusals tell nobody else.
    expect(s.packets('alice')).toEqual([{ type: 'user_joined', name: 'carol', ts: s.net.now }]);
  });
});

describe('v2 server: chat (7.3-7.7)', () => {
  it('answers a ping after the replies to the packets before it in the same read (6.1)', () => {
    const s = v2();
    s.join('alice');
    s.packets('alice');
    const alice = s.get('alice').client;
    alice.who();
    alice.say('first');
    alice.ping(77);
    s.net.settle(); // all three reach the server in one read
    expect(s.packets('alice').map((p) => p.type)).toEqual(['user_list', 'message', 'pong']);
  });

  it('stamps a chat line with the sender name, an id and the time, and sends it to everyone', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.packets('bob');
    s.get('alice').client.say('hello');
    s.get('alice').client.say('again');
    s.net.settle();
    const expected = [
      { type: 'message', id: 1, from: 'alice', text: 'hello', ts: s.net.now },
      { type: 'message', id: 2, from: 'alice', text: 'again', ts: s.net.now },
    ];
    expect(s.packets('alice')).toEqual(expected);
    expect(s.packets('bob')).toEqual(expected);
  });

  it('takes ids from one counter for message, action and private, from 1 (7.3); to oneself once (7.4)', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    const alice = s.get('alice').client;
    alice.say('one');
    alice.action('two');
    alice.privateMessage('bob', 'three');
    alice.say('x'.repeat(LIMITS.maxMessage + 1)); // refused: takes no id
    alice.privateMessage('ALICE', 'four');
    alice.say('five');
    s.net.settle();
    const got = s.packets('alice').filter((p) => 'id' in p);
    expect(got.map((p) => [p.type, 'id' in p ? p.id : null])).toEqual([
      ['message', 1],
      ['action', 2],
      ['private', 3],
      ['private', 4],
      ['message', 5],
    ]);
  });

  it('sends an action to everyone', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    s.packets('bob');
    s.get('alice').client.action('waves');
    s.net.settle();
    expect(s.packets('bob')).toEqual([
      { type: 'action', id: 1, from: 'alice', text: 'waves', ts: s.net.now },
    ]);
  });

  it('delivers a private message to its target and echoes it to the sender, nobody else', () => {
    const s = v2();
    for (const n of ['alice', 'bob', 'carol']) s.join(n);
    for (const n of ['alice', 'bob', 'carol']) s.packets(n);
    s.get('alice').client.privateMessage('BOB', 'psst');
    s.net.settle();
    const expected = { type: 'private', id: 1, from: 'alice', to: 'bob', text: 'psst', ts: s.net.now };
    expect(s.packets('alice')).toEqual([expected]);
    expect(s.packets('bob')).toEqual([expected]);
    expect(s.packets('carol')).toEqual([]);
  });

  it('delivers a private message to oneself once', () => {
    const s = v2();
    s.join('alice');
    s.packets('alice');
    s.get('alice').client.privateMessage('alice', 'note');
    s.net.settle();
    expect(s.packets('alice')).toHaveLength(1);
  });

  it('answers a private message to nobody with NO_SUCH_USER, not fatal', () => {
    const s = v2();
    s.join('alice');
    s.packets('alice');
    s.get('alice').client.privateMessage('ghost', 'hello?');
    s.net.settle();
    expect(s.packets('alice')).toEqual([
      expect.objectContaining({ type: 'error', code: 'NO_SUCH_USER', fatal: false }),
    ]);
    expect(s.get('alice').client.state).toBe('JOINED');
  });

  it('answers who with the names sorted case-insensitively', () => {
    const s = v2();
    for (const n of ['carol', 'Bob', 'alice']) s.join(n);
    s.packets('carol');
    s.get('carol').client.who();
    s.net.settle();
    expect(s.packets('carol')).toEqual([{ type: 'user_list', users: ['alice', 'Bob', 'carol'] }]);
  });

  it('exports the conversation: joins, lines, actions and leaves, never private messages', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    s.get('alice').client.say('hi');
    s.get('bob').client.action('waves');
    s.get('bob').client.privateMessage('alice', 'secret');
    s.net.settle();
    s.join('carol');
    s.get('carol').client.goodbye();
    s.net.settle();
    s.packets('alice');
    s.get('alice').client.requestExport();
    s.net.settle();
    const [reply] = s.packets('alice');
    expect(reply).toEqual({
      type: 'export_reply',
      done: true,
      entries: [
        { kind: 'join', from: 'alice', text: 'alice joined', ts: s.net.now },
        { kind: 'join', from: 'bob', text: 'bob joined', ts: s.net.now },
        { kind: 'message', from: 'alice', text: 'hi', ts: s.net.now },
        { kind: 'action', from: 'bob', text: 'waves', ts: s.net.now },
        { kind: 'join', from: 'carol', text: 'carol joined', ts: s.net.now },
        { kind: 'leave', from: 'carol', text: 'carol left', ts: s.net.now },
      ],
    });
  });

  it('splits a long export over several export_reply packets, the last with done, within maxFrame', () => {
    const s = v2({ maxFrame: 1024, maxMessage: 100, rateBurst: 1000 }, { features: WITHOUT_MODERATION });
    const { client, id } = s.join('alice', 1024);
    for (let i = 0; i < 40; i++) client.say(`line ${i} ${'x'.repeat(40)}`);
    s.net.settle();
    s.packets('alice');
    client.requestExport();
    // Every record the server writes fits the maxFrame it announced (6.1).
    const actions = step(s.net, (server) => server.data(id, client.takeOutput(), s.net.now));
    for (const w of writesTo(actions, id)) {
      const d = new FrameDecoder({ maxFrame: 1024 });
      d.push((w as { data: Buffer }).data);
      expect(d.drain().length).toBeGreaterThan(0);
    }
    const replies = s.packets('alice').filter((p) => p.type === 'export_reply');
    expect(replies.length).toBeGreaterThan(3);
    expect(replies.map((r) => r.done)).toEqual(replies.map((_, i) => i === replies.length - 1));
    const entries = replies.flatMap((r) => r.entries);
    expect(entries).toHaveLength(41);
    expect(entries[0].kind).toBe('join');
    expect(entries[40].text).toBe(`line 39 ${'x'.repeat(40)}`);
  });
});

describe('v2 server: long user lists (7.6)', () => {
  it('splits join_ok and user_list for a large room; the client sees each list whole', () => {
    const s = v2({ maxFrame: 1024, maxMessage: 100 }, { features: WITHOUT_MODERATION });
    const names = Array.from(
      { length: 12 },
      (_, i) => `member_${String(i).padStart(2, '0')}_${'n'.repeat(12)}`,
    );
    for (const n of names.slice(0, -1)) s.join(n, 1024);
    const sent = vi.spyOn(V2ServerConnection.prototype, 'sendEncoded');
    const last = names[names.length - 1];
    s.join(last, 1024);
    const parts = sent.mock.calls
      .flatMap(([json]) => json.toString('utf8').split('\n'))
      .map((text) => JSON.parse(text) as V2ServerPacket)
      .filter((p) => p.type === 'join_ok' || p.type === 'user_list');
    sent.mockRestore();
    // On the wire: a join_ok with more, then user_list parts, the last without more.
    expect(parts.length).toBeGreaterThan(2);
    expect(parts[0]).toMatchObject({ type: 'join_ok', more: true });
    expect(parts.slice(1).every((p) => p.type === 'user_list')).toBe(true);
    expect(parts.map((p) => (p as { more?: boolean }).more === true)).toEqual(
      parts.map((_, i) => i < parts.length - 1),
    );
    expect(s.packets(last)).toEqual([{ type: 'join_ok', name: last, users: names }]);
    s.get(last).client.who();
    s.net.settle();
    expect(s.packets(last)).toEqual([{ type: 'user_list', users: names }]);
  });

  it('leaves the motd room in join_ok: with the largest motd every part fits maxFrame (11.1)', () => {
    // 2498: what moderation needs with maxName 24 (11.1). Names of 3-byte characters fill a list
    // part with twice its bytes; without the motd's reserve join_ok would outgrow the record.
    const digits = '一二三四五六七八九十';
    const names = Array.from(
      { length: 12 },
      (_, i) => `${'中'.repeat(22)}${digits[i >> 1]}${digits[i % 10]}`,
    );
    const motd = '𝒜'.repeat(512); // 2048 bytes
    const s = v2({ maxFrame: 2498, maxMessage: 100 }, { motd });
    for (const n of names.slice(0, -1)) s.join(n, 2498);
    const last = names[names.length - 1];
    s.join(last, 2498);
    expect(s.get(last).client.state).toBe('JOINED');
    const got = s.packets(last).filter((p) => p.type === 'join_ok' || p.type === 'user_list');
    expect(got[0]).toMatchObject({ type: 'join_ok', motd });
    expect(got.flatMap((p) => (p as { users: string[] }).users).sort()).toEqual([...names].sort());
  });
});

describe('v2 server: leaving (7.6, 7.9)', () => {
  it('tells the others with user_left and the reason: quit, lost, error', () => {
    const s = v2();
    for (const n of ['alice', 'bob', 'carol', 'dave']) s.join(n);
    s.packets('alice');
    s.get('bob').client.goodbye();
    s.net.settle();
    s.net.hangUp(s.get('carol').id);
    s.net.inject(s.get('dave').id, Buffer.from('not a frame'));
    expect(s.packets('alice')).toEqual([
      { type: 'user_left', name: 'bob', reason: 'quit', ts: s.net.now },
      { type: 'user_left', name: 'carol', reason: 'lost', ts: s.net.now },
      { type: 'user_left', name: 'dave', reason: 'error', ts: s.net.now },
    ]);
    expect(s.server.room.names()).toEqual(['alice']);
  });

  it('reports a client that closes with an error packet as leaving with reason error (13.1)', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.get('bob').client.failWith(new Error('client bug'));
    s.net.settle();
    expect(s.packets('alice')).toEqual([{ type: 'user_left', name: 'bob', reason: 'error', ts: s.net.now }]);
  });

  it('says nothing about a connection that never joined', () => {
    const s = v2();
    s.join('alice');
    s.packets('alice');
    const c = s.connect('lurker');
    s.net.hangUp(c.id);
    expect(s.packets('alice')).toEqual([]);
  });
});

describe('v2 server: limits (7.3, 7.8, 11)', () => {
  it('drops a packet over the rate limit with a RATE_LIMITED notice, and keeps the connection', () => {
    // The join took 2 of the 5 tokens (its rateCost), so three lines pass.
    const s = v2({ rateBurst: 5, ratePerSecond: 1 });
    const alice = s.join('alice').client;
    s.packets('alice');
    for (let i = 0; i < 4; i++) alice.say(`m${i}`);
    s.net.settle();
    const got = s.packets('alice');
    expect(got.filter((p) => p.type === 'message').map((p) => (p as { text: string }).text)).toEqual([
      'm0',
      'm1',
      'm2',
    ]);
    expect(got.filter((p) => p.type === 'error')).toEqual([
      expect.objectContaining({ type: 'error', code: 'RATE_LIMITED', fatal: false }),
    ]);
    expect(alice.state).toBe('JOINED');
    advance(s.net, 1000); // one token back
    alice.say('later');
    s.net.settle();
    expect(s.packets('alice')).toEqual([expect.objectContaining({ type: 'message', text: 'later' })]);
  });

  it('charges a line for its fan-out: a token per fanoutTokenBytes queued for the room (7.8, 11)', () => {
    // Three members; a line of 1,000 characters queues about 3 kB for the room: 3 more tokens.
    const s = v2({ rateBurst: 10, ratePerSecond: 1, fanoutTokenBytes: 1024 });
    s.join('alice');
    s.join('bob');
    s.join('carol');
    const alice = s.get('alice').client;
    s.packets('alice');
    const long = 'x'.repeat(1000);
    // 8 tokens after the join: the first line passes and takes 1 + 3, the second passes and
    // takes the rest and more, the third finds the bucket in debt.
    for (let i = 0; i < 3; i++) alice.say(`${i}${long}`);
    s.net.settle();
    const got = s.packets('alice');
    expect(got.map((p) => (p.type === 'error' ? p.code : p.type))).toEqual([
      'message',
      'message',
      'RATE_LIMITED',
    ]);
    // Short lines cost their rateCost alone once the debt is paid.
    advance(s.net, 6000);
    for (let i = 0; i < 2; i++) alice.say(`short ${i}`);
    s.net.settle();
    expect(s.packets('alice').map((p) => p.type)).toEqual(['message', 'message']);
  });

  it('refuses a text longer than maxMessage characters with MESSAGE_TOO_LONG, not fatal', () => {
    const s = v2({ maxMessage: 10 });
    s.join('alice');
    s.join('bob');
    s.packets('bob');
    const alice = s.get('alice').client;
    s.packets('alice');
    alice.say('x'.repeat(11));
    alice.privateMessage('bob', 'y'.repeat(11));
    alice.say('👋'.repeat(10)); // 10 characters in 20 UTF-16 units: fits
    s.net.settle();
    expect(s.packets('alice').map((p) => (p.type === 'error' ? p.code : p.type))).toEqual([
      'MESSAGE_TOO_LONG',
      'MESSAGE_TOO_LONG',
      'message',
    ]);
    expect(s.packets('bob').map((p) => p.type)).toEqual(['message']);
  });

  it('closes a connection that has not joined in time with HANDSHAKE_TIMEOUT', () => {
    const s = v2({ handshakeTimeoutMs: 1000 });
    const c = s.connect('slow');
    s.net.take(c.id); // authenticated
    const raw = s.net.connect(silent() as never);
    expect(s.server.nextDeadline).toBe(s.net.now + 1000);
    expect(closes(advance(s.net, 999))).toEqual([]);
    const actions = advance(s.net, 1);
    expect(closes(actions)).toEqual([
      { id: c.id, code: 'HANDSHAKE_TIMEOUT' },
      { id: raw, code: 'HANDSHAKE_TIMEOUT' },
    ]);
    // The secured client is told why (a fatal error record); the raw one has no keys, so gets nothing.
    const events = s.net.take(c.id);
    expect(events[0]).toEqual({
      kind: 'error',
      error: expect.objectContaining({ code: 'HANDSHAKE_TIMEOUT', origin: 'remote' }),
    });
    expect(writesTo(actions, raw)).toEqual([]);
    expect(s.server.connectionCount).toBe(0);
  });

  it('does not time out a connection that has joined', () => {
    const s = v2({ handshakeTimeoutMs: 1000 });
    s.join('alice');
    expect(closes(advance(s.net, 5000))).toEqual([]);
  });

  it('rounds connection deadlines up to a grid, so one pass pings all that fell due in a step (11)', () => {
    const s = v2({ idlePingMs: 1000, idleTimeoutMs: 2500 }); // grid: 1000 / 20 = 50 ms
    const start = s.net.now; // on the grid
    const names = ['ann', 'bob', 'cat'];
    for (const [i, name] of names.entries()) {
      s.net.now = start + 7 + 14 * i; // last heard at three different moments: +7, +21, +35
      s.join(name);
    }
    for (const name of names) s.packets(name);
    // Exact deadlines would be +1007, +1021 and +1035: three passes. On the grid: one, at +1050.
    expect(s.server.nextDeadline).toBe(start + 1050);
    advance(s.net, start + 1050 - s.net.now);
    for (const name of names) expect(s.packets(name)).toEqual([{ type: 'ping', n: start + 1050 }]);
    // Their pongs were heard at +1050: the next deadline is again a grid point.
    expect(s.server.nextDeadline! % 50).toBe(0);
    expect(s.server.nextDeadline).toBe(start + 2050);
  });

  it('pings a quiet connection, then closes it with IDLE_TIMEOUT; a live one answers and stays', () => {
    const s = v2({ idlePingMs: 1000, idleTimeoutMs: 2500 });
    const alice = s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.packets('bob');
    s.net.clients.get(alice.id)!.toServer = false; // alice stops talking (her pongs never arrive)
    expect(closes(advance(s.net, 999))).toEqual([]);
    expect(s.packets('bob')).toEqual([]);
    advance(s.net, 1);
    expect(s.packets('alice')).toEqual([{ type: 'ping', n: s.net.now }]);
    expect(s.packets('bob')).toEqual([{ type: 'ping', n: s.net.now }]); // bob answers with pong
    expect(s.server.nextDeadline).not.toBeNull();
    const actions = advance(s.net, 1500);
    expect(closes(actions)).toEqual([{ id: alice.id, code: 'IDLE_TIMEOUT' }]);
    expect(s.packets('bob')).toContainEqual({
      type: 'user_left',
      name: 'alice',
      reason: 'timeout',
      ts: s.net.now,
    });
    expect(s.get('bob').client.state).toBe('JOINED');
  });

  it('closes with IDLE_TIMEOUT a member that trickles a record a byte at a time (11: a frame is heard when complete)', () => {
    const s = v2({ idlePingMs: 1000, idleTimeoutMs: 2500 });
    const alice = s.join('alice');
    s.packets('alice');
    // The first bytes of a frame, one a second: a header that promises a body that never ends.
    const trickle = Buffer.from('100       abcdefgh');
    const closed: { id: number; code: string | null }[] = [];
    const start = s.net.now;
    for (let i = 0; i < trickle.length && closed.length === 0; i++) {
      closed.push(...closes(advance(s.net, 500)));
      closed.push(
        ...closes(step(s.net, (server) => server.data(alice.id, trickle.subarray(i, i + 1), s.net.now))),
      );
      closed.push(...closes(advance(s.net, 500)));
    }
    expect(closed).toEqual([{ id: alice.id, code: 'IDLE_TIMEOUT' }]);
    // Closed within the idle timeout (and one step of the deadline grid), long before the trickle ends.
    expect(s.net.now - start).toBeLessThanOrEqual(2500 + 1000);
  });

  it('refuses a connection over maxClients with one plaintext refused packet, then the close (5.10)', () => {
    const s = v2({ maxClients: 1 });
    s.join('alice');
    const actions = s.server.open(99, s.net.now);
    expect(closes(actions)).toEqual([{ id: 99, code: 'SERVER_FULL' }]);
    expect(refusedPackets(actions, 99)).toEqual([
      { type: 'refused', code: 'SERVER_FULL', message: expect.stringContaining('1 connections') },
    ]);
    expect(actions.findIndex((a) => a.kind === 'write')).toBeLessThan(
      actions.findIndex((a) => a.kind === 'close'),
    );
    expect(s.server.connectionCount).toBe(1);
  });
});

describe('v2 server: one bucket for every packet (7.8)', () => {
  /** Sends `n` packets from `client` in one read (as a flood does) and returns what came back. */
  const flood = (
    s: ReturnType<typeof v2>,
    name: string,
    n: number,
    send: (c: V2ClientConnection) => void,
  ) => {
    s.packets(name);
    for (let i = 0; i < n; i++) send(s.get(name).client);
    s.net.settle();
    return s.events(name);
  };
  const kinds = (events: V2ClientConnectionEvent[]) =>
    events.map((e) =>
      e.kind === 'packet' ? (e.packet.type === 'error' ? e.packet.code : e.packet.type) : e.kind,
    );

  it('limits a ping flood: a burst of pongs, then RATE_LIMITED for a few, then silence', () => {
    const s = v2({ rateBurst: 6, ratePerSecond: 1, rateRefusalReplies: 2 });
    s.join('alice');
    const got = kinds(flood(s, 'alice', 30, (c) => c.ping(1)));
    // The join took 2 tokens: 4 pongs, 2 refusals answered, 24 dropped without a word.
    expect(got).toEqual(['pong', 'pong', 'pong', 'pong', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(s.get('alice').client.state).toBe('JOINED');
  });

  it('charges who 3 and export 8 tokens (their rateCost)', () => {
    const s = v2({ rateBurst: 11, ratePerSecond: 1, rateRefusalReplies: 10 });
    s.join('alice');
    // 9 tokens left after the join: three who replies, then refusals.
    expect(kinds(flood(s, 'alice', 4, (c) => c.who()))).toEqual([
      'user_list',
      'user_list',
      'user_list',
      'RATE_LIMITED',
    ]);
    advance(s.net, 20_000);
    // A full bucket (11) holds one export (8), not two: the second, asked once the first reply is
    // complete (so not refused as a second export in flight, 7.7), finds 3 tokens.
    expect(kinds(flood(s, 'alice', 1, (c) => c.requestExport()))).toEqual(['export_reply']);
    expect(kinds(flood(s, 'alice', 1, (c) => c.requestExport()))).toEqual(['RATE_LIMITED']);
  });

  it('limits a join flood before the room sees it, and a dropped join gets no verdict', () => {
    const s = v2({ rateBurst: 4, ratePerSecond: 1, rateRefusalReplies: 1 });
    s.join('alice');
    // A raw client: it may send join after join, as a flood does.
    const raw = new RawV2Client('x25519', 'join flood');
    const written = (actions: ServerAction[]) =>
      Buffer.concat(writesTo(actions, 500).map((a) => (a as { data: Buffer }).data));
    const hello = written(s.server.open(500, s.net.now));
    raw.open(written(s.server.data(500, raw.hello(hello), s.net.now))); // server_auth
    const joins = ['alice', 'ALICE', 'alice', 'bob'].map((name) => raw.seal({ type: 'join', name }));
    const got = raw.open(written(s.server.data(500, Buffer.concat(joins), s.net.now)));
    // Two joins (2 tokens each) are judged; the third is refused with a reply, the fourth dropped.
    expect(got.map((p) => (p.type === 'error' ? p.code : p.type))).toEqual([
      'join_error',
      'join_error',
      'RATE_LIMITED',
    ]);
    expect(s.server.room.names()).toEqual(['alice']);
    s.net.now += 2000;
    const again = raw.open(written(s.server.data(500, raw.seal({ type: 'join', name: 'bob' }), s.net.now)));
    expect(again[0]).toMatchObject({ type: 'join_ok', name: 'bob' });
    expect(s.server.room.names()).toEqual(['alice', 'bob']);
  });

  it('closes a connection that floods past rateRefusalBudget with RATE_EXCEEDED; the others see it leave', () => {
    const s = v2({ rateBurst: 3, ratePerSecond: 1, rateRefusalReplies: 1, rateRefusalBudget: 10 });
    s.join('alice');
    s.join('bob');
    s.packets('bob');
    const got = flood(s, 'alice', 1 + 10 + 1 + 5, (c) => c.say('x'));
    const errors = got.flatMap((e): { code: string }[] =>
      e.kind === 'packet' && e.packet.type === 'error' ? [e.packet] : e.kind === 'error' ? [e.error] : [],
    );
    // One line passes, one RATE_LIMITED reply, nine silent drops, then the eleventh refusal closes.
    expect(got.filter((e) => e.kind === 'packet' && e.packet.type === 'message')).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['RATE_LIMITED', 'RATE_EXCEEDED']);
    expect(s.server.room.names()).toEqual(['bob']);
    expect(s.packets('bob')).toEqual([
      expect.objectContaining({ type: 'message', from: 'alice' }),
      expect.objectContaining({ type: 'user_left', name: 'alice', reason: 'error' }),
    ]);
  });

  it('opens a new refusal window after rateRefusalWindowMs: the replies and the budget start again', () => {
    const s = v2({ rateBurst: 2, ratePerSecond: 1, rateRefusalReplies: 1, rateRefusalBudget: 3 });
    s.join('alice');
    expect(kinds(flood(s, 'alice', 3, (c) => c.say('x')))).toEqual(['RATE_LIMITED']);
    advance(s.net, LIMITS.rateRefusalWindowMs);
    // A full bucket again (2): two lines, then one refusal answered in the new window.
    expect(kinds(flood(s, 'alice', 3, (c) => c.say('y')))).toEqual(['message', 'message', 'RATE_LIMITED']);
    expect(s.get('alice').client.state).toBe('JOINED');
  });
});

describe('v2 server: admission per address (5.10, 11)', () => {
  const refusalCodes = (actions: readonly ServerAction[], id: number) =>
    refusedPackets(actions, id).map((p) => p.code);

  it('refuses one connection more than maxPerAddress from one address, not from another', () => {
    const s = v2({ maxPerAddress: 2 });
    s.net.connect(silent(), '192.0.2.1');
    s.net.connect(silent(), '::ffff:192.0.2.1');
    const third = s.server.open(100, s.net.now, '192.0.2.1');
    expect(refusalCodes(third, 100)).toEqual(['TOO_MANY_FROM_ADDRESS']);
    expect(closes(third)).toEqual([{ id: 100, code: 'TOO_MANY_FROM_ADDRESS' }]);
    const other = s.server.open(101, s.net.now, '192.0.2.2');
    expect(closes(other)).toEqual([]);
    expect(s.server.connectionCount).toBe(3);
  });

  it('counts an IPv6 address by its /64, and frees a slot when a connection ends', () => {
    const s = v2({ maxPerAddress: 1 });
    const first = s.net.connect(silent(), '2001:db8:1:2::1');
    expect(closes(s.server.open(100, s.net.now, '2001:db8:1:2:ffff::9'))).toEqual([
      { id: 100, code: 'TOO_MANY_FROM_ADDRESS' },
    ]);
    expect(closes(s.server.open(101, s.net.now, '2001:db8:1:3::1'))).toEqual([]);
    s.net.hangUp(first);
    advance(s.net, 1000);
    expect(closes(s.server.open(102, s.net.now, '2001:db8:1:2::7'))).toEqual([]);
  });

  it('refuses connections beyond the address bucket with ADDRESS_RATE_LIMITED, and serves again once it refills', () => {
    const s = v2({ maxPerAddress: 100, addressHandshakeBurst: 3, addressHandshakesPerSecond: 1 });
    for (let i = 0; i < 3; i++) s.net.connect(silent(), '198.51.100.7');
    const fourth = s.server.open(100, s.net.now, '198.51.100.7');
    expect(refusalCodes(fourth, 100)).toEqual(['ADDRESS_RATE_LIMITED']);
    expect(closes(s.server.open(101, s.net.now, '198.51.100.8'))).toEqual([]);
    s.net.now += 1000;
    expect(closes(s.server.open(102, s.net.now, '198.51.100.7'))).toEqual([]);
  });

  it('during a lockout from one address, newcomers from other addresses are served', () => {
    const s = v2({ maxClients: 12, maxPerAddress: 2 });
    // The attacker reopens as fast as it can: it never holds more than its two slots.
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      const actions = s.server.open(1000 + i, s.net.now, '203.0.113.66');
      if (closes(actions).length > 0) refused++;
    }
    expect(refused).toBe(48);
    const served = [];
    for (let i = 0; i < 10; i++) served.push(closes(s.server.open(2000 + i, s.net.now, `192.0.2.${i + 1}`)));
    expect(served.filter((c) => c.length === 0)).toHaveLength(10);
  });

  it('checks the address before the slots: a crowded address is told so, a full server makes room (11.2)', () => {
    const s = v2({ maxClients: 2, maxPerAddress: 1 });
    const first = s.net.connect(silent(), '192.0.2.1');
    s.net.connect(silent(), '192.0.2.2');
    expect(refusalCodes(s.server.open(100, s.net.now, '192.0.2.1'), 100)).toEqual(['TOO_MANY_FROM_ADDRESS']);
    expect(closes(s.server.open(101, s.net.now, '192.0.2.3'))).toEqual([
      { id: first, code: 'HANDSHAKE_TIMEOUT' },
    ]);
  });

  it('lets a v2 client report a refusal, as what the server says (unverified)', () => {
    const s = v2({ maxClients: 1 });
    s.join('alice');
    const c = s.connect('late');
    const events = s.net.take(c.id);
    expect(events).toEqual([
      {
        kind: 'refused',
        code: 'SERVER_FULL',
        message: expect.stringContaining('connections'),
      },
      { kind: 'closed', clean: true },
    ]);
    expect(c.client.state).toBe('CLOSED');
  });
});

describe('v2 server: shutdown (7.9)', () => {
  it('says goodbye to everyone, closes every connection, clears history and refuses newcomers', () => {
    const s = v2();
    s.join('alice');
    s.join('bob');
    const lurker = s.connect('lurker');
    s.get('alice').client.say('hi');
    s.net.settle();
    s.events('alice');
    s.events('bob');
    expect(s.server.room.entries().length).toBeGreaterThan(0);
    const actions = step(s.net, (server) => server.shutdown(s.net.now));
    expect(closes(actions).map((c) => c.id)).toEqual([s.get('alice').id, s.get('bob').id, lurker.id]);
    for (const n of ['alice', 'bob']) {
      expect(s.events(n)).toEqual([
        { kind: 'closed', clean: true, reason: 'server shutting down' },
        { kind: 'closed', clean: true },
      ]);
      expect(s.get(n).client.state).toBe('CLOSED');
    }
    expect(s.server.room.entries()).toEqual([]);
    expect(s.server.connectionCount).toBe(0);
    expect(closes(s.server.open(50, s.net.now))).toEqual([{ id: 50, code: 'SERVER_SHUTDOWN' }]);
  });
});

describe('v2 server: isolation', () => {
  it('fails only the connection that sent garbage', () => {
    const s = v2();
    const alice = s.join('alice');
    s.join('bob');
    const actions = step(s.net, (server) => server.data(alice.id, Buffer.from('\x00\x01garbage'), s.net.now));
    expect(closes(actions)).toEqual([{ id: alice.id, code: 'FRAME_HEADER_INVALID' }]);
    // Logged once, when the chat server closes it (not again as the endpoint's error event).
    expect(
      s.net.logs.filter((l) => l.includes(`conn ${alice.id}:`) && l.includes('FRAME_HEADER_INVALID')),
    ).toEqual([expect.stringMatching(/^info: conn \d+: closed: FRAME_HEADER_INVALID: /)]);
    s.packets('bob');
    s.get('bob').client.say('still here');
    s.net.settle();
    expect(s.packets('bob')).toEqual([expect.objectContaining({ type: 'message', text: 'still here' })]);
  });

  it('turns an exception inside the dialect into INTERNAL_ERROR for that connection only', () => {
    const s = v2();
    const alice = s.join('alice');
    s.join('bob');
    s.events('alice');
    s.packets('bob');
    const spy = vi.spyOn(s.server.dialect, 'read').mockImplementationOnce(() => {
      throw new TypeError('a bug');
    });
    alice.client.say('boom');
    const actions = step(s.net, (server) => server.data(alice.id, alice.client.takeOutput(), s.net.now));
    spy.mockRestore();
    expect(closes(actions)).toEqual([{ id: alice.id, code: 'INTERNAL_ERROR' }]);
    expect(s.events('alice')[0]).toEqual({
      kind: 'error',
      error: expect.objectContaining({ code: 'INTERNAL_ERROR', origin: 'remote' }),
    });
    expect(
      s.net.logs.some((l) => /^error: conn \d+: INTERNAL_ERROR: \S/.test(l)),
      s.net.logs.join('\n'),
    ).toBe(true);
    // Each join is logged with the connection and the name (11.5: a connection line).
    expect(
      s.net.logs.some((l) => /conn \d+: joined as "?bob"?$/.test(l)),
      s.net.logs.join('\n'),
    ).toBe(true);
    expect(s.packets('bob')).toEqual([{ type: 'user_left', name: 'alice', reason: 'error', ts: s.net.now }]);
    s.get('bob').client.say('fine');
    s.net.settle();
    expect(s.packets('bob')).toEqual([expect.objectContaining({ type: 'message', text: 'fine' })]);
  });

  it('logs a client error with fatal false and goes on; a fatal one ends the connection (4.3)', () => {
    const s = v2();
    const alice = s.join('alice');
    s.join('bob');
    s.packets('bob');
    // The client's own table lets it send `error` only as it fails; seal one by hand.
    const raw = alice.client as unknown as { sealer: { seal(b: Buffer): Buffer }; queue(b: Buffer): void };
    const send = (fatal: boolean) =>
      raw.queue(
        raw.sealer.seal(encodeV2Packet({ type: 'error', code: 'INTERNAL_ERROR', message: 'trouble', fatal })),
      );
    send(false);
    alice.client.say('still here');
    s.net.settle();
    expect(
      s.net.logs.some((l) => /client reported .*INTERNAL_ERROR.* \(not fatal\)/.test(l)),
      s.net.logs.join('\n'),
    ).toBe(true);
    expect(s.packets('bob')).toEqual([expect.objectContaining({ type: 'message', text: 'still here' })]);
    send(true);
    s.net.settle();
    expect(s.packets('bob')).toEqual([{ type: 'user_left', name: 'alice', reason: 'error', ts: s.net.now }]);
    // The fatal one is logged too, with the connection (it ended it).
    const reports = s.net.logs.filter((l) => /conn \d+: client reported .*INTERNAL_ERROR/.test(l));
    expect(reports, s.net.logs.join('\n')).toHaveLength(2);
  });

  it('closes a slow reader with SLOW_READER when the adapter gives up on it', () => {
    const s = v2();
    const alice = s.join('alice');
    s.join('bob');
    s.packets('bob');
    const actions = step(s.net, (server) => server.fail(alice.id, 'SLOW_READER', 'too slow', s.net.now));
    expect(closes(actions)).toEqual([{ id: alice.id, code: 'SLOW_READER' }]);
    expect(s.packets('bob')).toEqual([{ type: 'user_left', name: 'alice', reason: 'error', ts: s.net.now }]);
  });

  it('ignores calls for connections it does not hold', () => {
    const s = v2();
    expect(s.server.data(404, Buffer.from('x'), 0)).toEqual([]);
    expect(s.server.end(404, 0)).toEqual([]);
    expect(s.server.fail(404, 'SLOW_READER', 'x', 0)).toEqual([]);
    expect(s.server.connection(404)).toBeUndefined();
  });
});

describe('v2 server: writes', () => {
  it('coalesces what one call queues for a recipient into one write of one record', () => {
    const s = v2();
    const alice = s.join('alice');
    const bob = s.join('bob');
    for (let i = 0; i < 5; i++) alice.client.say(`m${i}`);
    const actions = step(s.net, (server) => server.data(alice.id, alice.client.takeOutput(), s.net.now));
    const toBob = writesTo(actions, bob.id);
    expect(toBob).toHaveLength(1);
    expect(frameCount((toBob[0] as { data: Buffer }).data)).toBe(1);
    expect(s.packets('bob').filter((p) => p.type === 'message')).toHaveLength(5);
  });

  it('with deferWrites, returns no writes until flush()', () => {
    const s = v2({}, { deferWrites: true });
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('d') });
    const open = s.server.open(1, s.net.now);
    expect(open.filter((a) => a.kind === 'write')).toEqual([]);
    expect(s.server.hasPendingWrites).toBe(true);
    const flushed = s.server.flush();
    expect(flushed.map((a) => a.kind)).toEqual(['write']);
    expect(s.server.hasPendingWrites).toBe(false);
    client.receive((flushed[0] as { data: Buffer }).data);
    expect(client.state).toBe('AWAIT_SERVER_AUTH');
  });
});

describe('v2 server: streamed flushes', () => {
  it('hands each connection its record as the adapter pulls it, sealing the next only after', () => {
    const s = v2({}, { deferWrites: true });
    for (const id of [1, 2, 3]) s.server.open(id, s.net.now); // three server_hellos queued
    const seen: string[] = [];
    for (const action of s.server.flushing()) {
      if (action.kind === 'write') {
        // The connections after this one still hold their output: nothing sealed ahead of time.
        const later = [1, 2, 3].filter((id) => id > action.id);
        expect(later.every((id) => s.server.connection(id)!.endpoint.pendingBytes > 0)).toBe(true);
        seen.push(`write ${action.id}`);
      } else seen.push(action.kind);
    }
    expect(seen).toEqual(['write 1', 'write 2', 'write 3']);
    expect(s.server.hasPendingWrites).toBe(false);
  });
});

describe('v2 server: presence batching in large rooms (11)', () => {
  it('holds user_joined for presenceBatchMs, and sends it before any later chat', () => {
    const s = v2({ presenceBatchMembers: 2, presenceBatchMs: 200 });
    s.join('alice');
    s.join('bob'); // room of 2: batched
    expect(s.packets('alice')).toEqual([expect.objectContaining({ type: 'join_ok' })]);
    advance(s.net, 200);
    expect(s.packets('alice')).toEqual([{ type: 'user_joined', name: 'bob', ts: s.net.now - 200 }]);
    expect(s.packets('bob')).toEqual([expect.objectContaining({ type: 'join_ok' })]); // never its own
    s.join('carol');
    s.packets('carol');
    s.get('bob').client.say('hi');
    s.net.settle();
    expect(s.packets('alice').map((p) => p.type)).toEqual(['user_joined', 'message']);
    expect(s.packets('carol').map((p) => p.type)).toEqual(['message']);
  });
});

describe('v2 server: how long presence is held grows with the room (11)', () => {
  it('is presenceBatchMs up to 1,000 members, then members x presenceBatchMs / 1000, up to presenceBatchMaxMs', () => {
    const limits = { presenceBatchMs: 200, presenceBatchMaxMs: 2000 };
    const holds = [2, 100, 1000, 1500, 5000, 10_000, 50_000].map((n) => presenceHoldMs(limits, n));
    expect(holds).toEqual([200, 200, 200, 300, 1000, 2000, 2000]);
  });

  it('never holds less than presenceBatchMs, nor more than the larger of the two limits', () => {
    expect(presenceHoldMs({ presenceBatchMs: 500, presenceBatchMaxMs: 100 }, 100_000)).toBe(500);
    expect(presenceHoldMs({ presenceBatchMs: 0, presenceBatchMaxMs: 2000 }, 100_000)).toBe(0);
  });
});

describe('v2 server: compact presence batches (7.6 users_joined/users_left, 11)', () => {
  /** A room of alice and bob where every later notice is batched; their packets taken. */
  function batchedRoom(limits: Partial<Limits> = {}, features?: readonly string[]) {
    const s = v2({ presenceBatchMembers: 2, presenceBatchMs: 200, ...limits }, { features });
    s.join('alice');
    s.join('bob');
    advance(s.net, 200);
    expect(s.packets('alice')).toEqual([
      expect.objectContaining({ type: 'join_ok' }),
      { type: 'user_joined', name: 'bob', ts: s.net.now - 200 },
    ]);
    s.packets('bob');
    return s;
  }

  it('sends a batch of joins as one users_joined in order; a member that joined mid-batch gets only the later names', () => {
    const s = batchedRoom();
    const t = s.net.now;
    s.join('carol');
    s.net.now += 5;
    s.join('dave');
    s.net.now += 5;
    s.join('erin');
    for (const n of ['carol', 'dave', 'erin']) s.packets(n); // their join_ok
    s.net.now = t + 200;
    advance(s.net, 0);
    const all = { type: 'users_joined', names: ['carol', 'dave', 'erin'], ts: t + 10 };
    expect(s.packets('alice')).toEqual([all]);
    expect(s.packets('bob')).toEqual([all]);
    expect(s.packets('carol')).toEqual([{ type: 'users_joined', names: ['dave', 'erin'], ts: t + 10 }]);
    expect(s.packets('dave')).toEqual([{ type: 'user_joined', name: 'erin', ts: t + 10 }]); // a run of one
    expect(s.packets('erin')).toEqual([]);
    expect(s.get('alice').client.state).toBe('JOINED');
  });

  it('keeps joins and leaves interleaved in order, one packet per run of one kind and reason', () => {
    const s = batchedRoom();
    for (const n of ['carol', 'dave', 'erin']) s.join(n);
    advance(s.net, 200);
    s.packets('alice');
    s.join('frank');
    s.join('gina');
    s.get('bob').client.goodbye();
    s.get('carol').client.goodbye();
    s.net.settle();
    s.net.hangUp(s.get('dave').id);
    s.get('erin').client.goodbye();
    s.net.settle();
    s.join('hank');
    advance(s.net, 200);
    const ts = s.net.now - 200;
    expect(s.packets('alice')).toEqual([
      { type: 'users_joined', names: ['frank', 'gina'], ts },
      { type: 'users_left', names: ['bob', 'carol'], reason: 'quit', ts },
      { type: 'user_left', name: 'dave', reason: 'lost', ts },
      { type: 'user_left', name: 'erin', reason: 'quit', ts },
      { type: 'user_joined', name: 'hank', ts },
    ]);
    expect(s.packets('gina').slice(1)).toEqual([
      { type: 'users_left', names: ['bob', 'carol'], reason: 'quit', ts },
      { type: 'user_left', name: 'dave', reason: 'lost', ts },
      { type: 'user_left', name: 'erin', reason: 'quit', ts },
      { type: 'user_joined', name: 'hank', ts },
    ]);
  });

  it('flushes a compact batch before a later chat line, in one record', () => {
    const s = batchedRoom();
    s.join('carol');
    s.join('dave');
    s.get('bob').client.say('hi');
    const writes = step(s.net, () => []);
    expect(writes).toEqual([]);
    expect(s.packets('alice')).toEqual([
      { type: 'users_joined', names: ['carol', 'dave'], ts: s.net.now },
      expect.objectContaining({ type: 'message', text: 'hi' }),
    ]);
  });

  it('splits a run longer than one packet may carry over several packets, every name once and in order', () => {
    // maxFrame 1024: a presence packet's JSON stays within 256 bytes (listBudget).
    const s = batchedRoom({ maxFrame: 1024, maxMessage: 100 }, WITHOUT_MODERATION);
    const names = Array.from(
      { length: 40 },
      (_, i) => `joiner${String(i).padStart(2, '0')}${'x'.repeat(14)}`,
    );
    for (const n of names) s.join(n);
    s.get('alice').client.goodbye();
    s.net.settle();
    for (const n of names) s.packets(n);
    advance(s.net, 200);
    const got = s.packets('bob');
    expect(got.length).toBeGreaterThan(3);
    expect(got.every((p) => Buffer.byteLength(JSON.stringify(p)) <= 256)).toBe(true);
    const joined = got.flatMap((p) =>
      p.type === 'users_joined' ? p.names : p.type === 'user_joined' ? [p.name] : [],
    );
    expect(joined).toEqual(names);
    expect(got.at(-1)).toEqual({ type: 'user_left', name: 'alice', reason: 'quit', ts: s.net.now - 200 });
    expect(s.get('bob').client.state).toBe('JOINED');
  });

  it('keeps plain notices when they go out at once (a small room at a human pace)', () => {
    const s = v2();
    for (const n of ['alice', 'bob', 'carol', 'dave']) s.join(n);
    s.get('bob').client.goodbye();
    s.get('carol').client.goodbye();
    s.net.settle();
    expect(s.packets('alice').map((p) => p.type)).toEqual([
      'join_ok',
      'user_joined',
      'user_joined',
      'user_joined',
      'user_left',
      'user_left',
    ]);
  });
});

describe('v2 server: presence bursts in small rooms (11)', () => {
  it('sends presenceBurst notices at once per window, then holds the rest until the window ends', () => {
    const s = v2({ presenceBurst: 3, presenceBatchMs: 200 });
    s.join('alice'); // 1st notice in this window (nobody to tell)
    s.join('bob'); // 2nd: at once
    s.join('carol'); // 3rd: at once
    expect(s.packets('alice').map((p) => p.type)).toEqual(['join_ok', 'user_joined', 'user_joined']);
    s.join('dave'); // 4th in the window: held
    expect(s.packets('alice')).toEqual([]);
    s.get('bob').client.say('hi'); // chat never overtakes a held notice
    s.net.settle();
    expect(s.packets('alice')).toEqual([
      { type: 'user_joined', name: 'dave', ts: s.net.now },
      expect.objectContaining({ type: 'message', text: 'hi' }),
    ]);
    advance(s.net, 200); // a new window: at once again
    s.join('erin');
    expect(s.packets('alice')).toEqual([{ type: 'user_joined', name: 'erin', ts: s.net.now }]);
  });

  it('delivers held notices when the window ends, even with no chat to push them', () => {
    const s = v2({ presenceBurst: 2, presenceBatchMs: 200 });
    s.join('alice');
    s.join('bob');
    s.join('carol'); // the 3rd notice in the window: held
    expect(s.packets('alice').map((p) => p.type)).toEqual(['join_ok', 'user_joined']);
    advance(s.net, 199);
    expect(s.packets('alice')).toEqual([]);
    advance(s.net, 1);
    expect(s.packets('alice')).toEqual([{ type: 'user_joined', name: 'carol', ts: s.net.now - 200 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// legacy

const DATE_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/;

function legacy(limits: Partial<Limits> = {}) {
  const server = createLegacyServer({
    keyAgreement: testKeyAgreement,
    random: seededRandom('legacy server'),
    limits,
  });
  const net = new MemoryNet<unknown>(server as never);
  const raws = new Map<string, { raw: RawLegacyClient; id: number }>();
  /** A raw client that joins as `name` (original-client behaviour, byte for byte checkable). */
  const join = (name: string) => {
    const raw = new RawLegacyClient(`legacy ${name}`);
    const id = net.connect(raw);
    raw.send(legacyPacket('setuser', name, name, '2026-11-27 14:00:01.000000'));
    net.settle();
    raws.set(name, { raw, id });
    return { raw, id };
  };
  const get = (name: string) => raws.get(name) as { raw: RawLegacyClient; id: number };
  let seen = new Map<string, number>();
  /** Packets client `name` received since the last call, after the handshake frames. */
  const packets = (name: string): LegacyPacket[] => {
    const all = get(name).raw.packets.slice(2);
    const from = seen.get(name) ?? 0;
    seen.set(name, all.length);
    return all.slice(from);
  };
  const say = (name: string, cont: string, typ = 'default') => {
    get(name).raw.send(legacyPacket(typ, name, cont, '2026-11-27 14:00:01.000000'));
    net.settle();
  };
  const reset = () => {
    seen = new Map();
  };
  return { server, net, join, get, packets, say, reset };
}

const summary = (p: LegacyPacket) => [p.typ, p.username, p.cont];

describe('legacy server: joining (10.2)', () => {
  it('approves a name, then sends every member the list of the others', () => {
    const s = legacy();
    s.join('alice');
    expect(s.packets('alice').map(summary)).toEqual([
      ['approved_conn', '*server*', '[*] You have joined the chat!'],
      ['client_list_update_add', '*server*', []],
    ]);
    s.join('bob');
    expect(s.packets('bob').map(summary)).toEqual([
      ['approved_conn', '*server*', '[*] You have joined the chat!'],
      ['client_list_update_add', '*server*', ['alice']],
    ]);
    expect(s.packets('alice').map(summary)).toEqual([['client_list_update_add', '*server*', ['bob']]]);
  });

  it.each([['alice'], ['*server*'], ['temp'], [''], ['a\tb'], ['x'.repeat(25)]])(
    'answers username_taken for %j, and the client may try again',
    (name) => {
      const s = legacy();
      s.join('alice');
      const raw = new RawLegacyClient('second');
      const id = s.net.connect(raw);
      raw.send(legacyPacket('setuser', 'temp', name, 'd'));
      s.net.settle();
      expect(raw.packets.slice(2).map(summary)).toEqual([
        ['username_taken', '*server*', '[*] Username already in use!'],
      ]);
      raw.send(legacyPacket('setuser', 'temp', 'zed', 'd'));
      s.net.settle();
      expect(raw.packets.slice(3).map((p) => p.typ)).toEqual(['approved_conn', 'client_list_update_add']);
      expect(s.server.room.nameOf(id)).toBe('zed');
    },
  );
});

describe('legacy server: chat and export (10.3, 10.5)', () => {
  it('forwards a line to every other member, not back to the sender', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.packets('bob');
    s.say('alice', 'hi bob');
    expect(s.packets('bob').map(summary)).toEqual([['default', 'alice', 'hi bob']]);
    expect(s.packets('alice')).toEqual([]);
  });

  it('stamps the real sender name and hides addresses, whatever the client claims', () => {
    const s = legacy();
    s.join('mallory');
    s.join('bob');
    s.packets('bob');
    const forged: LegacyPacket = {
      shost: '10.1.2.3',
      dhost: '10.9.9.9',
      username: 'alice',
      date: '1999-01-01 00:00:00',
      cont: 'trust me',
      typ: 'default',
      shouldParseContents: false,
    };
    s.get('mallory').raw.send(forged);
    s.net.settle();
    const [got] = s.packets('bob');
    expect(got).toMatchObject({ shost: '0.0.0.0', dhost: '0.0.0.0', username: 'mallory', cont: 'trust me' });
    expect(got.date).toMatch(DATE_RE);
    expect(got.date).not.toBe(forged.date);
  });

  it('treats an unknown typ as default and ignores an empty line', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.packets('bob');
    s.say('alice', 'odd', 'shout');
    s.say('alice', '');
    expect(s.packets('bob').map(summary)).toEqual([['default', 'alice', 'odd']]);
  });

  it('exports the log to the asker alone, starting with the original header', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.say('alice', 'hello from alice');
    s.say('bob', 'ciao è 👋');
    s.packets('alice');
    s.packets('bob');
    s.say('bob', '[export_chat]', 'export');
    expect(s.packets('bob').map(summary)).toEqual([
      ['export', '*server*', '{Start of conversation}\nalice> hello from alice\nbob> ciao è 👋\n'],
    ]);
    expect(s.packets('alice')).toEqual([]);
  });

  it('keeps each chat line on one export line, so a line break cannot forge another (10.5)', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.say('bob', 'hi\nalice> I hereby transfer my account\r\n\u001b[2Jdone');
    s.packets('bob');
    s.say('bob', '[export_chat]', 'export');
    const [reply] = s.packets('bob');
    expect(reply.cont).toBe(
      '{Start of conversation}\nbob> hi ↵ alice> I hereby transfer my account ↵ \uFFFD[2Jdone\n',
    );
  });

  it('keeps the newest lines when the log would not fit one frame', () => {
    const s = legacy({ maxFrame: 1024, rateBurst: 100 });
    s.join('alice');
    for (let i = 0; i < 30; i++) s.say('alice', `line ${i}`);
    s.packets('alice');
    s.say('alice', 'x', 'export');
    const [reply] = s.packets('alice');
    const text = reply.cont as string;
    expect(text.startsWith('{Start of conversation}\n')).toBe(true);
    expect(text.endsWith('alice> line 29\n')).toBe(true);
    expect(text).not.toContain('alice> line 0\n');
  });
});

describe('legacy server: leaving (10.4)', () => {
  it('sends a leave notice from *server* to allhosts, then the new list', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.join('carol');
    s.packets('bob');
    s.net.hangUp(s.get('alice').id);
    expect(s.packets('bob')).toEqual([
      expect.objectContaining({
        typ: 'default',
        username: '*server*',
        dhost: 'allhosts',
        cont: '[alice] has left the chat',
      }),
      expect.objectContaining({ typ: 'disconnection', cont: ['carol'], shouldParseContents: true }),
    ]);
  });

  it('clears the log when the last member leaves', () => {
    const s = legacy();
    s.join('alice');
    s.say('alice', 'hello');
    expect(s.server.room.entries()).toHaveLength(1);
    s.net.hangUp(s.get('alice').id);
    expect(s.server.room.entries()).toEqual([]);
  });
});

describe('legacy server: admission (5.10, 11)', () => {
  it('closes a connection over the address limit without a byte (legacy has no way to say why)', () => {
    const s = legacy({ maxPerAddress: 1 });
    s.net.connect(silent(), '192.0.2.1');
    const actions = s.server.open(100, s.net.now, '192.0.2.1');
    expect(closes(actions)).toEqual([{ id: 100, code: 'TOO_MANY_FROM_ADDRESS' }]);
    expect(writesTo(actions, 100)).toEqual([]);
  });

  it('closes a line flood past rateRefusalBudget, after a few notices', () => {
    const s = legacy({ rateBurst: 3, ratePerSecond: 1, rateRefusalReplies: 2, rateRefusalBudget: 5 });
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    for (let i = 0; i < 8; i++) s.get('alice').raw.send(legacyPacket('default', 'alice', `l${i}`, 'd'));
    s.net.settle();
    const notices = s.packets('alice').filter((p) => p.username === '*server*');
    expect(notices.map((p) => p.cont)).toEqual([
      expect.stringMatching(/\(RATE_LIMITED\)$/),
      expect.stringMatching(/\(RATE_LIMITED\)$/),
    ]);
    expect(s.server.room.names()).toEqual(['bob']);
  });
});

describe('legacy server: limits (11)', () => {
  it('answers a line over the rate limit with a RATE_LIMITED notice, not a disconnect', () => {
    // setuser took 2 of the 4 tokens (its rateCost), so two lines pass.
    const s = legacy({ rateBurst: 4, ratePerSecond: 1 });
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.packets('bob');
    for (const line of ['one', 'two', 'three']) s.say('alice', line);
    const notices = s.packets('alice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ typ: 'default', username: '*server*' });
    expect(notices[0].cont).toMatch(/\(RATE_LIMITED\)$/);
    expect(s.packets('bob').map((p) => p.cont)).toEqual(['one', 'two']);
    advance(s.net, 1000);
    s.say('alice', 'four');
    expect(s.packets('bob').map((p) => p.cont)).toEqual(['four']);
  });

  it('answers a line over maxMessage with a MESSAGE_TOO_LONG notice', () => {
    const s = legacy({ maxMessage: 5 });
    s.join('alice');
    s.join('bob');
    s.packets('alice');
    s.packets('bob');
    s.say('alice', 'toolong');
    expect(s.packets('alice')[0].cont).toMatch(/\(MESSAGE_TOO_LONG\)$/);
    expect(s.packets('bob')).toEqual([]);
  });

  it('closes a connection that has not chosen a name in time with HANDSHAKE_TIMEOUT', () => {
    const s = legacy({ handshakeTimeoutMs: 500 });
    const raw = new RawLegacyClient('late');
    const id = s.net.connect(raw);
    expect(closes(advance(s.net, 500))).toEqual([{ id, code: 'HANDSHAKE_TIMEOUT' }]);
  });

  it('has no idle ping or idle timeout (legacy has no ping)', () => {
    const s = legacy({ idlePingMs: 100, idleTimeoutMs: 200 });
    s.join('alice');
    s.packets('alice');
    const actions = advance(s.net, 10_000);
    expect(closes(actions)).toEqual([]);
    expect(s.packets('alice')).toEqual([]);
  });
});

describe('legacy server: mitigations on the wire', () => {
  it('sends nothing to a connection before its key exchange ends', () => {
    const s = legacy();
    const silentRaw = new RawLegacyClient('silent', false);
    s.net.connect(silentRaw);
    const keyed = new RawLegacyClient('keyed only');
    s.net.connect(keyed);
    s.join('alice');
    s.join('bob');
    s.say('alice', 'hi');
    s.net.hangUp(s.get('bob').id);
    expect(silentRaw.packets.map((p) => p.typ)).toEqual(['iv_exc', 'key_exc']);
    expect(keyed.packets.map((p) => p.typ)).toEqual(['iv_exc', 'key_exc']); // not joined: no lists
  });

  it('generates the IV and key pair per connection and hides the address in handshake frames', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    const [ivA, keyA] = s.get('alice').raw.packets;
    const [ivB, keyB] = s.get('bob').raw.packets;
    expect(ivA.cont).not.toBe(ivB.cont);
    expect(keyA.cont).not.toBe(keyB.cont);
    for (const p of [ivA, keyA])
      expect(p).toMatchObject({ shost: '0.0.0.0', dhost: '0.0.0.0', username: '*server*' });
  });

  it('keeps every body length a multiple of 10, so original clients survive bursts', () => {
    const s = legacy({ rateBurst: 1, ratePerSecond: 1, maxMessage: 40 });
    for (const n of ['alice', 'bob', 'zoë']) s.join(n);
    s.say('alice', 'a');
    s.say('alice', 'burst');
    s.say('bob', 'ciao è tutto ok? 👋');
    s.say('zoë', 'z'.repeat(41));
    s.say('bob', '[export_chat]', 'export');
    s.net.hangUp(s.get('alice').id);
    const bodies = ['bob', 'zoë'].flatMap((n) => s.get(n).raw.bodies);
    expect(bodies.length).toBeGreaterThan(15);
    for (const body of bodies) expect(body.length % 10).toBe(0);
  });

  it('lets the original-style client library join and chat (LegacyClientConnection)', () => {
    const s = legacy();
    const a = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('a'),
      clock: () => 0,
    });
    const b = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('b'),
      clock: () => 0,
    });
    const ia = s.net.connect(a);
    const ib = s.net.connect(b);
    a.join('alice');
    s.net.settle();
    b.join('bob');
    s.net.settle();
    s.net.take(ib);
    a.say('hi there');
    s.net.settle();
    expect(s.net.take(ib)).toEqual([
      {
        kind: 'packet',
        packet: expect.objectContaining({ typ: 'default', username: 'alice', cont: 'hi there' }),
      },
    ]);
    expect(a.state).toBe('JOINED');
    expect(s.net.take(ia).length).toBeGreaterThan(0);
  });
});

describe('legacy server: shutdown', () => {
  it('closes every connection without a word (legacy has no goodbye) and clears the log', () => {
    const s = legacy();
    s.join('alice');
    s.join('bob');
    s.say('alice', 'hi');
    const actions = step(s.net, (server) => server.shutdown(s.net.now));
    expect(closes(actions)).toEqual([
      { id: s.get('alice').id, code: null },
      { id: s.get('bob').id, code: null },
    ]);
    expect(actions.filter((a) => a.kind === 'write')).toEqual([]);
    expect(s.server.room.entries()).toEqual([]);
  });
});
