/**
 * A v2 server under flow control, driven through memory-net with a fake clock: a test says when a
 * client's socket has drained, as the TCP adapter does (spec 11: sendWindowBytes, replyPassBytes).
 * Shared by the output-flow and room-list tests.
 */
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { Limits } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';

export const identity = identityFromSeed(Buffer.alloc(32, 7));

export function v2(limits: Partial<Limits> = {}) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    limits,
    flowControl: true,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const ids = new Map<string, number>();
  /** Every write, by connection. */
  const writes: { id: number; bytes: number }[] = [];
  const run = (actions: ServerAction[]) => {
    for (const a of actions) if (a.kind === 'write') writes.push({ id: a.id, bytes: a.data.length });
    net.apply(actions);
    net.settle();
    return actions;
  };
  const original = net.apply.bind(net);
  net.apply = (actions) => {
    for (const a of actions) if (a.kind === 'write') writes.push({ id: a.id, bytes: a.data.length });
    original(actions);
  };
  /** A member joined as `name`, listing `features` (the client's default list when not given). */
  const join = (name: string, features?: readonly string[]) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`client ${name}`),
      ...(features ? { features } : {}),
    });
    const id = net.connect(client);
    // The handshake's writes each wait for a drain, as a socket's would.
    for (let i = 0; i < 3; i++) drained(name, id);
    client.join(name);
    net.settle();
    for (let i = 0; i < 3; i++) drained(name, id);
    ids.set(name, id);
    return { client, id };
  };
  const id = (name: string) => ids.get(name)!;
  /** The socket of `name` took everything written to it. */
  const drained = (name: string, conn = id(name)) =>
    run(server.drained([conn], net.now)).filter((a) => a.kind !== 'log' && a.id === conn);
  const packets = (name: string): V2ServerPacket[] =>
    net.take(id(name)).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  const closed = (name: string) => net.clients.get(id(name))!.closed;
  return { server: server as ChatServer<unknown>, net, join, id, drained, packets, closed, writes, run };
}

/** Fills the history: `count` lines of `chars` characters said by a member of its own. */
export function fill(s: ReturnType<typeof v2>, count: number, chars: number) {
  const f = s.join('filler');
  for (let i = 0; i < count; i++) {
    f.client.say(`${i} ${'h'.repeat(chars)}`);
    s.net.settle();
    s.drained('filler');
  }
  s.packets('filler');
}

/** Drains `name` until nothing more comes; returns the packets it got. */
export function drainAll(s: ReturnType<typeof v2>, name: string): V2ServerPacket[] {
  const got: V2ServerPacket[] = [];
  for (let i = 0; i < 10_000; i++) {
    const wrote = s.drained(name).length;
    got.push(...s.packets(name));
    if (wrote === 0) return got;
  }
  throw new Error('never drained');
}

export const limits: Partial<Limits> = { rateBurst: 100_000, ratePerSecond: 100_000, maxMessage: 4000 };
