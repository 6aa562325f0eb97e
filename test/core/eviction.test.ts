/**
 * A full server and connections that have not joined (spec 11.2; accept-gate.ts, admission.ts,
 * connection-table.ts): a newcomer that passes the per-address checks takes the slot of the
 * oldest connection that has not joined, which is closed with HANDSHAKE_TIMEOUT; joined members are
 * never closed for it, and SERVER_FULL comes only when every connection held has joined. The
 * lockout test runs an attacker with many addresses on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';
import { REFUSAL_LOG_WINDOW_MS } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { Limits } from '../../src/generated/constants.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { type ClientLike, MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));

/** A peer that connects and then never says or reads anything. */
const silent = (): ClientLike<never> => ({
  receive: () => [],
  receiveEnd: () => [],
  takeOutput: () => Buffer.alloc(0),
});

const closes = (actions: readonly ServerAction[]) =>
  actions.flatMap((a) => (a.kind === 'close' ? [{ id: a.id, code: a.error?.code ?? null }] : []));

const logLines = (actions: readonly ServerAction[]) =>
  actions.flatMap((a) => (a.kind === 'log' ? [a.message] : []));

function v2(limits: Partial<Limits>) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('eviction'),
    limits,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  /** A client whose handshake is done (keys agreed) and that has not joined. */
  const ready = (seed: string, address?: string) => {
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom(seed) });
    const id = net.connect(client, address);
    return { client, id };
  };
  const join = (name: string, address?: string) => {
    const c = ready(`client ${name}`, address);
    c.client.join(name);
    net.settle();
    return c;
  };
  return { server, net, ready, join };
}

describe('a full server serves a newcomer in the slot of a connection that has not joined (11.2)', () => {
  it('closes the oldest connection not joined with HANDSHAKE_TIMEOUT, never a joined member', () => {
    const s = v2({ maxClients: 4 });
    const alice = s.join('alice');
    const quiet = s.net.connect(silent());
    const keyed = s.ready('keyed');
    const bob = s.join('bob');
    expect(s.server.connectionCount).toBe(4);
    // The first newcomer takes the silent connection's slot (accepted before `keyed`).
    const first = s.server.open(100, s.net.now);
    expect(closes(first)).toEqual([{ id: quiet, code: 'HANDSHAKE_TIMEOUT' }]);
    s.net.apply(first);
    // The next takes `keyed`'s, which has keys: it is told why in an error packet.
    s.net.apply(s.server.open(101, s.net.now));
    expect(s.net.take(keyed.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'error',
          error: expect.objectContaining({ code: 'HANDSHAKE_TIMEOUT' }),
        }),
      ]),
    );
    expect(keyed.client.state).not.toBe('READY');
    // The newcomers themselves have not joined either: the older of them goes first.
    expect(closes(s.server.open(102, s.net.now))).toEqual([{ id: 100, code: 'HANDSHAKE_TIMEOUT' }]);
    expect(alice.client.state).toBe('JOINED');
    expect(bob.client.state).toBe('JOINED');
    expect(s.server.connectionCount).toBe(4);
  });

  it('refuses SERVER_FULL only when every connection held has joined', () => {
    const s = v2({ maxClients: 2 });
    s.join('alice');
    s.join('bob');
    expect(closes(s.server.open(100, s.net.now))).toEqual([{ id: 100, code: 'SERVER_FULL' }]);
  });

  it('applies the per-address checks first: a newcomer they refuse closes nobody', () => {
    const s = v2({ maxClients: 2, maxPerAddress: 1 });
    s.join('alice', '192.0.2.1');
    s.net.connect(silent(), '192.0.2.2');
    expect(closes(s.server.open(100, s.net.now, '192.0.2.1'))).toEqual([
      { id: 100, code: 'TOO_MANY_FROM_ADDRESS' },
    ]);
    expect(s.server.connectionCount).toBe(2);
  });

  it('logs the first close of a window and sums up the rest (no line per connection)', () => {
    const s = v2({ maxClients: 1, handshakeTimeoutMs: 600_000 });
    s.net.connect(silent());
    const actions: ServerAction[] = [];
    for (let id = 100; id < 150; id++) actions.push(...s.server.open(id, s.net.now));
    expect(closes(actions)).toHaveLength(50);
    expect(logLines(actions).filter((l) => l.includes('closed') || l.includes('HANDSHAKE'))).toEqual([
      'conn 1: closed before it joined: server full, its slot went to conn 100',
    ]);
    const summary = logLines(s.server.tick(s.net.now + REFUSAL_LOG_WINDOW_MS));
    expect(summary).toEqual([
      `closed 49 more connections that had not joined within ${REFUSAL_LOG_WINDOW_MS / 1000} s: server full`,
    ]);
  });

  it('legacy: closes the oldest connection that has not sent an approved setuser, without a word', () => {
    const server = createLegacyServer({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy eviction'),
      limits: { maxClients: 2 },
    });
    const net = new MemoryNet<unknown>(server as never);
    const alice = new RawLegacyClient('legacy alice');
    const aliceId = net.connect(alice);
    alice.send(legacyPacket('setuser', 'alice', 'alice', '2026-11-27 14:00:01.000000'));
    net.settle();
    // Key exchange done, no setuser yet.
    const waiting = new RawLegacyClient('legacy waiting');
    const waitingId = net.connect(waiting);
    const written = waiting.packets.length;
    const newcomer = server.open(100, net.now);
    expect(closes(newcomer)).toEqual([{ id: waitingId, code: 'HANDSHAKE_TIMEOUT' }]);
    net.apply(newcomer);
    expect(waiting.packets.length).toBe(written);
    // Every connection held has joined now but the newcomer: the next one takes its slot.
    expect(closes(server.open(101, net.now))).toEqual([{ id: 100, code: 'HANDSHAKE_TIMEOUT' }]);
    expect(net.clients.get(aliceId)?.closed).toBe(false);
  });
});

/**
 * An attacker with addresses in many /24s keeps every free slot full of silent connections,
 * opening from each address as fast as its connection bucket lets it, every 100 ms of a fake clock;
 * a newcomer arrives every 500 ms, finishes its handshake at once, and sends `join` 100 ms later
 * (while the attacker opens more).
 */
function lockout(chat: ChatServer<unknown>, net: MemoryNet<V2ClientConnectionEvent>): number {
  const attackers = Array.from({ length: 32 }, (_, i) => `10.${i % 8}.${Math.floor(i / 8)}.9`);
  let nextId = 10_000;
  const attack = () => {
    for (const address of attackers) {
      // Open until the address's limits refuse one; a silent connection is all it keeps.
      for (;;) {
        const id = nextId++;
        const actions = chat.open(id, net.now, address);
        net.apply(actions);
        if (closes(actions).some((c) => c.id === id)) break;
      }
    }
  };
  const step = () => {
    net.advance(100);
    attack();
  };
  for (let t = 0; t < 20; t++) step(); // 2 s: every bucket spent, every slot held
  let joined = 0;
  for (let n = 0; n < 10; n++) {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`newcomer ${n}`),
    });
    net.connect(client, `192.0.2.${n + 1}`);
    step();
    if (client.state === 'READY') client.join(`newcomer${n}`);
    net.settle();
    if (client.state === 'JOINED') joined++;
    for (let t = 0; t < 4; t++) step();
  }
  return joined;
}

describe('a lockout by many addresses (11.2)', () => {
  const limits = {
    maxClients: 64,
    maxPerAddress: 8,
    maxAddressesPerPrefix: 16,
    addressHandshakeBurst: 8,
    addressHandshakesPerSecond: 2,
    handshakeTimeoutMs: 10_000,
  };

  it('lets every newcomer join while 32 addresses in 8 networks reopen silent connections', () => {
    const s = v2(limits);
    expect(lockout(s.server as never, s.net)).toBe(10);
  });

  it('would lock them out without the rule (the same attack on a server that refuses when full)', () => {
    const s = v2(limits);
    // The planted fault: the gate is never told of a connection it could close.
    const table = (s.server as unknown as { table: { oldestUnjoined: () => undefined } }).table;
    table.oldestUnjoined = () => undefined;
    expect(lockout(s.server as never, s.net)).toBe(0);
  });
});
