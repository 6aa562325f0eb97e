/**
 * The reference server under bad input and load (issue: robustness; spec 3, 4, 11): timeouts, the
 * rate limit, length limits, maxClients, slow readers, and every kind of broken peer. Each failure
 * closes that one connection with its code (v2: an error packet first where keys exist) and a log
 * line; the other clients carry on.
 */
import { describe, expect, it } from 'vitest';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import type { ErrorCode } from '../../src/generated/errors.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  connectRaw,
  type LegacyTestClient,
  type RawTestClient,
  type V2TestClient,
} from '../support/tcp-client.js';
import { marker, TEST_TIMEOUT_MS, type TestServer, useHarness } from './helpers.js';

/** A chat line from `from` reaches `to`: the room still works. */
async function stillChatting(from: V2TestClient, to: V2TestClient): Promise<void> {
  const text = marker('alive');
  from.say(text);
  await to.waitForPacket('message', (m) => m.text === text);
}

async function stillChattingLegacy(from: LegacyTestClient, to: LegacyTestClient): Promise<void> {
  const text = marker('alive');
  from.say(text);
  await to.waitFor('default', (p) => p.cont === text);
}

/** A client_hello packet with these fields and an all-zero nonce. */
function clientHelloPacket(protocol: string, group: string, share: Buffer): Record<string, string> {
  return {
    type: 'client_hello',
    protocol,
    group,
    share: share.toString('base64'),
    nonce: Buffer.alloc(32).toString('base64'),
  };
}

/** The same as a plaintext frame, the way a client_hello travels. */
function clientHello(protocol: string, group: string, share: Buffer): Buffer {
  return encodeFrame(JSON.stringify(clientHelloPacket(protocol, group, share)));
}

/** A log line naming `code` for some connection. */
function codeLog(code: ErrorCode): RegExp {
  return new RegExp(`conn \\d+: .*${code}`);
}

/**
 * The storm tests are about garbage, not the rate limit: each client says 20 lines as fast as the
 * storms allow, and with the default bucket (20 tokens, 10 a second, 2 of them spent on the join)
 * a fast machine sends them in under 0.2 s, so the limit (7.8) would drop the last ones (legacy
 * drops them without a word) and the test would fail for a reason it does not test.
 */
const UNMETERED = { rateBurst: 100_000, ratePerSecond: 100_000 } as const;

describe('reference server, timeouts', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('v2: closes a connection that does not finish the handshake and join in time', async () => {
    // Long enough for alice to join first on a busy machine.
    const server = await h.start({ limits: { handshakeTimeoutMs: 1000 } });
    const alice = await h.v2(server, 'alice');
    const mute = await h.raw(server, 'never answers');
    const nameless = await h.v2(server);
    // No keys: closed without a word after server_hello.
    await mute.closed;
    expect(mute.frames().map((f) => JSON.parse(f.body.toString()).type)).toEqual(['server_hello']);
    // Keys but no name: an error packet first.
    expect(await nameless.waitForError('HANDSHAKE_TIMEOUT')).toMatchObject({ fatal: true });
    await nameless.closed;
    await server.waitForLog(codeLog('HANDSHAKE_TIMEOUT'));
    // A joined client is not subject to it.
    await stillChatting(alice, alice);
  });

  it('legacy: closes a connection that does not finish the key exchange and setuser in time', async () => {
    const server = await h.start({ profile: 'legacy', limits: { handshakeTimeoutMs: 1000 } });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const mute = await h.raw(server, 'never answers');
    const nameless = await h.legacy(server);
    await Promise.all([mute.closed, nameless.closed]);
    expect(mute.frames()).toHaveLength(2);
    await server.waitForLog(codeLog('HANDSHAKE_TIMEOUT'));
    await stillChattingLegacy(alice, bob);
  });

  it('v2: pings a silent client, keeps one that answers, and drops one that does not with IDLE_TIMEOUT', async () => {
    const server = await h.start({ limits: { idlePingMs: 150, idleTimeoutMs: 2000 } });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    bob.mute();
    expect(await bob.waitFor('ping')).toMatchObject({ type: 'ping' });
    expect(await bob.waitForError('IDLE_TIMEOUT')).toMatchObject({ fatal: true });
    await bob.closed;
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'bob', reason: 'timeout' });
    await server.waitForLog(codeLog('IDLE_TIMEOUT'));
    // alice answered every ping (her endpoint pongs by itself) for longer than the idle timeout.
    for (let i = 0; i < 15; i++) await alice.waitFor('ping');
    expect(alice.isOpen).toBe(true);
    await stillChatting(alice, alice);
  });
});

describe('reference server, limits', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('v2: rate-limits chat packets with a RATE_LIMITED reply, keeps the connection, and refills', async () => {
    // The join takes 2 of the 5 tokens (its rateCost). The idle ping after 2 s of silence doubles as
    // a clock: by then two tokens have refilled, one for the pong and one for the line.
    const server = await h.start({ limits: { rateBurst: 5, ratePerSecond: 1, idlePingMs: 2000 } });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    for (let i = 0; i < 5; i++) alice.endpoint.say(`burst ${i}`);
    alice.flush(); // one write: the server sees all five at one instant
    const limited = [await alice.waitForError('RATE_LIMITED'), await alice.waitForError('RATE_LIMITED')];
    expect(limited.every((e) => !e.fatal)).toBe(true);
    for (let i = 0; i < 3; i++) expect((await bob.waitFor('message')).text).toBe(`burst ${i}`);

    await alice.waitFor('ping');
    alice.say('after the refill');
    expect((await bob.waitFor('message')).text).toBe('after the refill');
    expect(bob.packets('message').map((m) => m.text)).toEqual([
      'burst 0',
      'burst 1',
      'burst 2',
      'after the refill',
    ]);
    expect(alice.isOpen).toBe(true);
  });

  it('legacy: rate-limits chat lines with a notice from *server*, not a disconnect', async () => {
    // setuser takes 2 of the 4 tokens (its rateCost): two lines pass.
    const server = await h.start({ profile: 'legacy', limits: { rateBurst: 4, ratePerSecond: 1 } });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    for (let i = 0; i < 4; i++) alice.endpoint.say(`burst ${i}`);
    alice.flush();
    const notice = await alice.waitFor('default', (p) => p.username === '*server*');
    expect(notice.cont).toContain('RATE_LIMITED');
    await bob.waitFor('default', (p) => p.cont === 'burst 1');
    expect(alice.isOpen).toBe(true);
    bob.say('bob is not limited');
    await alice.waitFor('default', (p) => p.cont === 'bob is not limited');
    expect(bob.packets('default').map((p) => p.cont)).toEqual(['burst 0', 'burst 1']);
  });

  it('v2: answers a text over maxMessage with MESSAGE_TOO_LONG and drops it; counts characters', async () => {
    const server = await h.start({ limits: { maxMessage: 20 } });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    alice.say('x'.repeat(21));
    expect(await alice.waitForError('MESSAGE_TOO_LONG')).toMatchObject({ fatal: false });
    alice.action('y'.repeat(21));
    await alice.waitForError('MESSAGE_TOO_LONG');
    alice.privateMessage('bob', 'z'.repeat(21));
    await alice.waitForError('MESSAGE_TOO_LONG');
    const emoji = '👋'.repeat(20); // 20 characters, 40 UTF-16 units
    alice.say(emoji);
    expect((await bob.waitFor('message')).text).toBe(emoji);
    expect(bob.packets('message')).toHaveLength(1);
    expect(bob.packets('action')).toEqual([]);
    expect(bob.packets('private')).toEqual([]);
  });

  it('legacy: drops a line over maxMessage with a notice', async () => {
    const server = await h.start({ profile: 'legacy', limits: { maxMessage: 20 } });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    alice.say('x'.repeat(21));
    expect((await alice.waitFor('default', (p) => p.username === '*server*')).cont).toContain(
      'MESSAGE_TOO_LONG',
    );
    alice.say('x'.repeat(20));
    expect((await bob.waitFor('default')).cont).toBe('x'.repeat(20));
    expect(bob.packets('default')).toHaveLength(1);
  });

  it('v2: a frame over maxFrame is FRAME_TOO_LARGE, fatal for that connection only', async () => {
    const server = await h.start({
      limits: { maxFrame: 1024, maxMessage: 100 },
      features: WITHOUT_MODERATION,
    });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const big = await h.v2(server, 'big');
    // Our client refuses to send it (6.1), so seal the oversized record by hand.
    expect(() => big.say('b'.repeat(1100))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LONG' }));
    big.sealRaw(JSON.stringify({ type: 'say', text: 'b'.repeat(1100) }));
    expect(await big.waitForError('FRAME_TOO_LARGE')).toMatchObject({ fatal: true });
    await big.closed;
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'big', reason: 'error' });
    await stillChatting(alice, bob);
  });

  it('a full server makes room for a newcomer by closing its oldest connection not joined (11.2), refuses SERVER_FULL once all have joined, and admits again when one leaves', async () => {
    for (const profile of ['v2', 'legacy'] as const) {
      const server = await h.start({ profile, limits: { maxClients: 2 } });
      const handshakeFrames = profile === 'v2' ? 1 : 2;
      const join = (name: string) => (profile === 'v2' ? h.v2(server, name) : h.legacy(server, name));
      const alice = await join('alice');
      const second = await h.raw(server, 'second');
      await second.waitForFrames(handshakeFrames);
      const third = await h.raw(server, 'third');
      await third.waitForFrames(handshakeFrames);
      await second.closed;
      await server.waitForLog(/closed before it joined: server full/);
      // `third` has not joined: bob takes its slot, and then every connection held has joined.
      const bob = await join('bob');
      await third.closed;
      const fourth = await h.raw(server, 'fourth');
      await fourth.closed;
      // v2 says why in one plaintext `refused` packet (5.10); legacy has no way to.
      if (profile === 'v2') {
        expect(fourth.frames().map((f) => JSON.parse(f.body.toString('utf8')))).toEqual([
          expect.objectContaining({ type: 'refused', code: 'SERVER_FULL' }),
        ]);
      } else expect(fourth.received.length).toBe(0);
      await server.waitForLog(codeLog('SERVER_FULL'));
      await alice.destroy();
      await server.waitForLog(/"alice" left/);
      const fifth = await h.raw(server, 'fifth');
      await fifth.waitForFrames(handshakeFrames);
      await bob.destroy();
      await server.close();
    }
  });

  it('v2: a reader that reads nothing has chat lines skipped, is closed with SLOW_READER once its socket takes nothing for slowReaderMs, and the others get every line', async () => {
    const server = await h.start({
      limits: {
        maxQueuedBytes: 1 << 20,
        slowReaderMs: 1000,
        maxMessage: 32768,
        maxFrame: 262144,
        rateBurst: 100000,
        ratePerSecond: 100000,
      },
    });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const slow = await h.v2(server, 'slow');
    slow.pause();
    const filler = 'x'.repeat(30000);
    let sent = 0;
    const slowGone = () => bob.packets('user_left').some((p) => p.name === 'slow');
    while (!slowGone() && sent < 3000) {
      for (let i = 0; i < 10; i++) alice.say(`${sent++} ${filler}`);
      await bob.waitForPacket('message', (m) => m.text.startsWith(`${sent - 1} `));
    }
    expect(slowGone()).toBe(true);
    expect(bob.packets('user_left').find((p) => p.name === 'slow')).toMatchObject({ reason: 'error' });
    await server.waitForLog(codeLog('SLOW_READER'));
    // bob got every line, in order, while slow was stuck.
    const ids = bob.packets('message').map((m) => Number(m.text.split(' ')[0]));
    expect(ids).toEqual(Array.from({ length: sent }, (_, i) => i));
    slow.resume();
    await slow.closed;
    await stillChatting(alice, bob);
  });
});

interface V2Case {
  readonly name: string;
  readonly code: ErrorCode;
  /** Joined before the attack (default true). */
  readonly joined?: boolean;
  readonly attack: (victim: V2TestClient) => void;
}

const V2_CASES: V2Case[] = [
  { name: 'a header with a letter', code: 'FRAME_HEADER_INVALID', attack: (v) => v.write('12a       xx') },
  {
    name: 'a header with a leading space',
    code: 'FRAME_HEADER_INVALID',
    attack: (v) => v.write(' 12       '),
  },
  { name: 'a zero-length frame', code: 'FRAME_EMPTY', attack: (v) => v.write('0         ') },
  { name: 'a frame over maxFrame', code: 'FRAME_TOO_LARGE', attack: (v) => v.write('99999999  ') },
  {
    name: 'a record that is not JSON',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sealRaw('not json at all'),
  },
  {
    name: 'a record that is not UTF-8',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sealRaw(Buffer.from([0xff, 0xfe])),
  },
  { name: 'an unknown packet type', code: 'PACKET_MALFORMED', attack: (v) => v.sendJson({ type: 'dance' }) },
  { name: 'a packet missing a field', code: 'PACKET_MALFORMED', attack: (v) => v.sendJson({ type: 'say' }) },
  {
    name: 'a packet with an extra field',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sendJson({ type: 'say', text: 'hi', from: 'bob' }),
  },
  { name: 'a JSON array', code: 'PACKET_MALFORMED', attack: (v) => v.sendJson([1, 2, 3]) },
  {
    name: 'join when joined',
    code: 'PACKET_UNEXPECTED',
    attack: (v) => v.sendJson({ type: 'join', name: 'again' }),
  },
  {
    name: 'client_hello after the handshake',
    code: 'PACKET_UNEXPECTED',
    attack: (v) => v.sendJson(clientHelloPacket('parley/2', 'x25519', Buffer.alloc(32, 9))),
  },
  {
    name: 'say before join',
    code: 'PACKET_UNEXPECTED',
    joined: false,
    attack: (v) => v.sendJson({ type: 'say', text: 'too early' }),
  },
  {
    name: 'a server packet',
    code: 'PACKET_UNEXPECTED', // 4.2: a packet of the other direction
    attack: (v) => v.sendJson({ type: 'message', id: 1, from: 'x', text: 'y', ts: 1 }),
  },
  {
    name: 'a bit-flipped record',
    code: 'DECRYPT_FAILED',
    attack: (v) => {
      v.endpoint.say('tampered');
      const record = v.endpoint.takeOutput();
      record[record.length - 20] ^= 0x01;
      v.write(record);
    },
  },
  {
    name: 'a replayed record',
    code: 'DECRYPT_FAILED',
    attack: (v) => {
      v.endpoint.say('once');
      const record = v.endpoint.takeOutput();
      v.write(Buffer.concat([record, record]));
    },
  },
  {
    name: 'a record cut short by the end of the stream',
    code: 'FRAME_TRUNCATED',
    attack: (v) => {
      v.endpoint.say('cut');
      const record = v.endpoint.takeOutput();
      v.write(record.subarray(0, record.length - 5));
      v.socket.end();
    },
  },
];

describe('reference server, broken v2 peers', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it.each(V2_CASES)(
    'closes only the connection that sends $name ($code), with an error packet first',
    async (c) => {
      const server = await h.start();
      const alice = await h.v2(server, 'alice');
      const bob = await h.v2(server, 'bob');
      const victim = await h.v2(server, c.joined === false ? undefined : 'victim');
      c.attack(victim);
      const reported = await victim.waitForError(c.code);
      expect(reported).toMatchObject({ code: c.code, fatal: true });
      await victim.closed;
      if (c.joined !== false) {
        expect(await alice.waitFor('user_left')).toMatchObject({ name: 'victim', reason: 'error' });
      }
      await server.waitForLog(codeLog(c.code));
      await stillChatting(alice, bob);
      await stillChatting(bob, alice);
    },
  );

  it('closes a connection whose first frame is not client_hello, without an error packet (no keys yet)', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    for (const [bytes, code] of [
      [encodeFrame(JSON.stringify({ type: 'say', text: 'hi' })), 'PACKET_UNEXPECTED'],
      [encodeFrame('{"type":"client_hello"'), 'PACKET_MALFORMED'],
      [clientHello('parley/1', 'x25519', Buffer.alloc(32, 9)), 'PROTOCOL_MISMATCH'],
      [clientHello('parley/2', 'p256', Buffer.alloc(32, 9)), 'GROUP_UNSUPPORTED'],
      [clientHello('parley/2', 'x25519', Buffer.alloc(32)), 'PUBLIC_VALUE_INVALID'],
      [clientHello('parley/2', 'modp14', Buffer.alloc(256, 0xff)), 'PUBLIC_VALUE_INVALID'],
    ] as const) {
      const raw = await h.raw(server);
      await raw.waitForFrames(1);
      raw.write(bytes);
      await raw.closed;
      expect(raw.frames().map((f) => JSON.parse(f.body.toString()).type)).toEqual(['server_hello']);
      await server.waitForLog(codeLog(code));
    }
    await stillChatting(alice, alice);
  });

  it('closes a client that sends an error packet and tells the others it left with an error', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const victim = await h.v2(server, 'victim');
    victim.sendJson({ type: 'error', code: 'INTERNAL_ERROR', message: 'client gave up', fatal: true });
    await victim.closed;
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'victim', reason: 'error' });
  });

  it('contains an exception thrown while handling one connection (INTERNAL_ERROR) and carries on', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const victim = await h.v2(server, 'victim');
    const dialect = server.chat.dialect as { read: (...args: unknown[]) => unknown };
    const original = dialect.read.bind(dialect);
    dialect.read = (...args: unknown[]) => {
      const event = args[0] as { kind: string; packet?: { type: string; text?: string } };
      if (event.packet?.text === 'boom') throw new Error('a bug in the dialect');
      return original(...args);
    };
    victim.say('boom');
    expect(await victim.waitForError('INTERNAL_ERROR')).toMatchObject({ fatal: true });
    await victim.closed;
    await server.waitForLog(codeLog('INTERNAL_ERROR'));
    await stillChatting(alice, bob);
  });

  it('contains an exception thrown by the chat server itself in the adapter and carries on', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const victim = await h.v2(server, 'victim');
    const chat = server.chat as ChatServer<unknown> & { data: ChatServer<unknown>['data'] };
    const original = chat.data.bind(chat);
    let armed = true;
    chat.data = (id, chunk, now) => {
      if (armed && chat.room.nameOf(id) === 'victim') {
        armed = false;
        throw new Error('unexpected failure');
      }
      return original(id, chunk, now);
    };
    victim.say('anything');
    await victim.closed;
    await server.waitForLog(/INTERNAL_ERROR/);
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'victim' });
    await stillChatting(alice, bob);
  });
});

interface LegacyCase {
  readonly name: string;
  readonly code: ErrorCode;
  readonly joined?: boolean;
  readonly attack: (victim: LegacyTestClient) => void;
}

const legacyJson = (typ: string, cont: unknown) =>
  JSON.stringify({
    shost: '0.0.0.0',
    dhost: '0.0.0.0',
    username: 'victim',
    date: '2026-11-27 14:00:00.000000',
    cont,
    typ,
    shouldParseContents: false,
  });

const LEGACY_CASES: LegacyCase[] = [
  { name: 'a header with a sign', code: 'FRAME_HEADER_INVALID', attack: (v) => v.write('+12       xx') },
  { name: 'a frame over maxFrame', code: 'FRAME_TOO_LARGE', attack: (v) => v.write('99999999  ') },
  {
    name: 'a body that is not base64',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.write(encodeFrame('**not base64**')),
  },
  {
    name: 'a record that is not JSON',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sealRaw('definitely not json'),
  },
  {
    name: 'a packet missing keys',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sealRaw(JSON.stringify({ typ: 'default', cont: 'x' })),
  },
  {
    name: 'a list as a chat line',
    code: 'PACKET_MALFORMED',
    attack: (v) => v.sealRaw(legacyJson('default', ['a'])),
  },
  {
    name: 'a chat line before setuser',
    code: 'PACKET_UNEXPECTED',
    joined: false,
    attack: (v) => v.sealRaw(legacyJson('default', 'too early')),
  },
  {
    name: 'setuser when joined',
    code: 'PACKET_UNEXPECTED',
    attack: (v) => v.sealRaw(legacyJson('setuser', 'other')),
  },
  {
    name: 'a bit-flipped record',
    code: 'PACKET_MALFORMED',
    attack: (v) => {
      v.endpoint.say('tampered');
      const frame = v.endpoint.takeOutput();
      const cipher = Buffer.from(frame.subarray(10).toString('latin1'), 'base64');
      cipher[0] ^= 0x40; // CFB8: garbles the opening `{"shost"` of the JSON
      v.write(encodeFrame(cipher.toString('base64')));
    },
  },
  {
    name: 'a record cut short by the end of the stream',
    code: 'FRAME_TRUNCATED',
    attack: (v) => {
      v.endpoint.say('cut');
      const frame = v.endpoint.takeOutput();
      v.write(frame.subarray(0, frame.length - 3));
      v.socket.end();
    },
  },
];

describe('reference server, broken legacy peers', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it.each(LEGACY_CASES)('closes only the connection that sends $name ($code)', async (c) => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const victim = await h.legacy(server, c.joined === false ? undefined : 'victim');
    c.attack(victim);
    await victim.closed;
    await server.waitForLog(codeLog(c.code));
    if (c.joined !== false) {
      const notice = await alice.waitFor('default', (p) => p.username === '*server*');
      expect(notice.cont).toBe('[victim] has left the chat');
      expect((await alice.waitFor('disconnection')).cont).toEqual(['bob']);
    }
    await stillChattingLegacy(alice, bob);
    await stillChattingLegacy(bob, alice);
  });

  it('closes a connection whose key exchange is broken', async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    for (const [body, code] of [
      [legacyJson('key_exc', '1'), 'PUBLIC_VALUE_INVALID'],
      [legacyJson('key_exc', 'not a number'), 'PUBLIC_VALUE_INVALID'],
      [legacyJson('setuser', 'alice'), 'PACKET_UNEXPECTED'],
      [legacyJson('key_exc', ['123']), 'PACKET_MALFORMED'],
      ['{"typ": "key_exc"', 'PACKET_MALFORMED'],
    ] as const) {
      const raw = await h.raw(server);
      await raw.waitForFrames(2);
      raw.write(encodeFrame(body));
      await raw.closed;
      expect(raw.frames()).toHaveLength(2);
      await server.waitForLog(codeLog(code));
    }
    await stillChattingLegacy(alice, bob);
  });
});

/** Random junk in shapes a broken or hostile peer might send. */
function garbage(random: (n: number) => Buffer, i: number): Buffer {
  const junk = random(1 + (random(2).readUInt16BE() % 3000));
  switch (i % 6) {
    case 0:
      return junk;
    case 1:
      return Buffer.concat([Buffer.from(`${junk.length}`.padEnd(10, ' ')), junk]);
    case 2:
      return Buffer.from(junk.toString('base64'));
    case 3:
      return encodeFrame(`{"type":"client_hello","x":"${junk.toString('hex')}"}`);
    case 4:
      return Buffer.concat([encodeFrame(junk.toString('base64')), junk]);
    default:
      return Buffer.from(`${random(1)[0] % 10}`.repeat(10));
  }
}

async function garbageStorm(server: TestServer, seed: string, count: number): Promise<RawTestClient[]> {
  const random = seededRandom(seed);
  const raws: RawTestClient[] = [];
  for (let i = 0; i < count; i++) {
    const raw = await connectRaw(server.port, { label: `garbage ${i}` });
    raws.push(raw);
    const bytes = garbage(random, i);
    // Some write everything at once, some in small pieces, some hang up mid-way.
    if (i % 3 === 0) raw.write(bytes);
    else for (let off = 0; off < bytes.length; off += 7) raw.write(bytes.subarray(off, off + 7));
    if (i % 4 === 0) raw.end();
    if (i % 5 === 0) raw.destroy();
  }
  return raws;
}

describe('reference server under a stream of garbage', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('v2: survives garbage connections while two clients chat, and they see every message', async () => {
    const server = await h.start({ limits: { handshakeTimeoutMs: 2000, ...UNMETERED } });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const rounds = 20;
    for (let r = 0; r < rounds; r++) {
      const raws = await garbageStorm(server, `v2 storm ${r}`, 6);
      for (const raw of raws) h.track(raw);
      alice.say(`a${r}`);
      bob.say(`b${r}`);
    }
    for (const c of [alice, bob]) {
      for (let r = 0; r < rounds; r++) {
        await c.waitForPacket('message', (m) => m.text === `a${r}`);
        await c.waitForPacket('message', (m) => m.text === `b${r}`);
      }
      expect(c.packets('message')).toHaveLength(2 * rounds);
    }
    // And it still takes new clients.
    const carol = await h.v2(server, 'carol');
    await stillChatting(carol, alice);
  });

  it('legacy: survives garbage connections while two clients chat, and they see every message', async () => {
    const server = await h.start({ profile: 'legacy', limits: { handshakeTimeoutMs: 2000, ...UNMETERED } });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const rounds = 20;
    for (let r = 0; r < rounds; r++) {
      const raws = await garbageStorm(server, `legacy storm ${r}`, 6);
      for (const raw of raws) h.track(raw);
      alice.say(`a${r}`);
      bob.say(`b${r}`);
    }
    for (let r = 0; r < rounds; r++) {
      await bob.waitFor('default', (p) => p.cont === `a${r}`);
      await alice.waitFor('default', (p) => p.cont === `b${r}`);
    }
    expect(alice.packets('default')).toHaveLength(rounds);
    expect(bob.packets('default')).toHaveLength(rounds);
    const carol = await h.legacy(server, 'carol');
    await stillChattingLegacy(carol, alice);
  });
});
