/**
 * A legacy member that does not read while the room floods (spec 11, maxQueuedBytes): legacy never
 * sheds, so the member is closed with SLOW_READER, and what the server holds for it stays within
 * its limit even when one read brings many chat lines (the adapter may read megabytes from many
 * sockets before its flush). Its unread queue is dropped at the close, not written.
 */
import { describe, expect, it } from 'vitest';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

const DATE = '2026-12-06 06:00:00.000000';
const LIMIT = 16 * 1024;

describe('legacy flood into a member that never reads (11 maxQueuedBytes)', () => {
  it('seals no more than its limit for it, then closes it without writing its queue', () => {
    const server = createLegacyServer({
      keyAgreement: testKeyAgreement,
      random: seededRandom('overrun'),
      limits: { maxQueuedBytes: LIMIT, sendWindowBytes: 4096, rateBurst: 200, maxMessage: 4000 },
      flowControl: true,
    });
    const net = new MemoryNet<unknown>(server as never);
    const written = new Map<number, number>();
    const apply = net.apply.bind(net);
    net.apply = (actions) => {
      for (const a of actions)
        if (a.kind === 'write') written.set(a.id, (written.get(a.id) ?? 0) + a.data.length);
      apply(actions);
    };
    const join = (name: string) => {
      const raw = new RawLegacyClient(`overrun ${name}`);
      const id = net.connect(raw);
      for (let i = 0; i < 3; i++) net.apply(server.drained([id], net.now));
      net.settle();
      raw.send(legacyPacket('setuser', name, name, DATE));
      net.settle();
      for (let i = 0; i < 3; i++) net.apply(server.drained([id], net.now));
      return { raw, id };
    };
    const alice = join('alice');
    const carol = join('carol');
    const before = written.get(carol.id) ?? 0;
    // Carol's socket never drains from here on. The peak of what waits for her is watched at each
    // packet queued for her.
    const endpoint = server.connection(carol.id)!.endpoint;
    let peak = 0;
    const send = endpoint.sendEncoded.bind(endpoint);
    endpoint.sendEncoded = (packet, type) => {
      send(packet, type);
      peak = Math.max(peak, endpoint.pendingBytes);
    };
    // 100 lines of about 2.7 KB sealed, all in one read: one turn of the server, no flush between.
    for (let i = 0; i < 100; i++)
      alice.raw.send(legacyPacket('default', 'alice', `${i} ${'y'.repeat(2000)}`, DATE));
    net.settle();
    expect(net.clients.get(carol.id)!.closed).toBe(true);
    expect(net.logs.some((l) => l.includes(`conn ${carol.id}: SLOW_READER`))).toBe(true);
    // One frame past the limit at most (the one that crossed it); before, all 100 were sealed.
    expect(peak).toBeLessThan(LIMIT + 4096);
    expect((written.get(carol.id) ?? 0) - before).toBeLessThan(LIMIT);
    // Alice, who reads, stays.
    expect(net.clients.get(alice.id)!.closed).toBe(false);
  });
});
