/**
 * Boundaries of the chat core that mutation testing (issue 22) found unpinned: how a fatal error
 * reads in a leave notice (7.6), the legacy export's trimming at exactly its budget (10.5), and
 * held presence notices split into records that each fit maxFrame (6.1, 7.6, 11).
 */
import { describe, expect, it } from 'vitest';
import type { ServerAction } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { leaveReason } from '../../src/chat/server-contract.js';
import { createV2Server, presenceHoldMs } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { FrameDecoder } from '../../src/framing/frame-codec.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

describe('leaveReason (7.6)', () => {
  it('reads the two timeouts as timeout, a lost connection as lost, anything else as error', () => {
    expect(leaveReason('HANDSHAKE_TIMEOUT')).toBe('timeout');
    expect(leaveReason('IDLE_TIMEOUT')).toBe('timeout');
    expect(leaveReason('CONNECTION_LOST')).toBe('lost');
    for (const code of ['SLOW_READER', 'PACKET_MALFORMED', 'INTERNAL_ERROR', 'RATE_EXCEEDED'] as const)
      expect(leaveReason(code)).toBe('error');
  });
});

describe('legacy export at its budget (10.5)', () => {
  // With maxFrame 1024 the export text may take floor(1024 x 3 / 4) - 512 = 256 JSON bytes: the
  // header costs 25 ('"{Start of conversation}"'), a line "alice> " + n letters costs n + 9.
  function exportAfter(texts: string[]): string {
    const server = createLegacyServer({
      keyAgreement: testKeyAgreement,
      random: seededRandom('budget'),
      limits: { maxFrame: 1024 },
    });
    const net = new MemoryNet<unknown>(server as never);
    const raw = new RawLegacyClient('budget alice');
    net.connect(raw);
    const send = (typ: string, cont: string) => {
      raw.send(legacyPacket(typ, 'alice', cont, '2026-12-06 12:00:00.000000'));
      net.settle();
    };
    send('setuser', 'alice');
    for (const text of texts) send('default', text);
    const before = raw.packets.length;
    send('export', '[export_chat]');
    const replies = raw.packets.slice(before);
    expect(replies.map((p) => p.typ)).toEqual(['export']);
    return replies[0].cont as string;
  }

  it('keeps every line when the log costs exactly the budget', () => {
    const first = 'x'.repeat(100); // 109
    const second = 'y'.repeat(113); // 122: 25 + 109 + 122 = 256
    expect(exportAfter([first, second])).toBe(`{Start of conversation}\nalice> ${first}\nalice> ${second}\n`);
  });

  it('drops the oldest line when the log costs one byte more', () => {
    const first = 'x'.repeat(100);
    const second = 'y'.repeat(114); // 257
    expect(exportAfter([first, second])).toBe(`{Start of conversation}\nalice> ${second}\n`);
  });
});

describe('held presence notices in records of at most maxFrame (6.1, 11)', () => {
  const identity = identityFromSeed(Buffer.alloc(32, 5));

  it('splits a join storm into several records, each within the watcher maxFrame, names all told', () => {
    const limits: Partial<Limits> = { maxFrame: 1024, maxMessage: 100, presenceBurst: 0 };
    const server = createV2Server({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('storm'),
      limits,
      features: WITHOUT_MODERATION,
    });
    const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
    const records: number[] = [];
    const watcher = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('watcher'),
      maxFrame: 1024,
    });
    const watcherId = net.connect(watcher);
    const apply = net.apply.bind(net);
    net.apply = (actions: ServerAction[]) => {
      for (const a of actions)
        if (a.kind === 'write' && a.id === watcherId) {
          const d = new FrameDecoder({ maxFrame: 1 << 20 });
          d.push(a.data);
          for (const f of d.drain()) records.push(f.body.length);
        }
      apply(actions);
    };
    watcher.join('watcher');
    net.settle();
    expect(watcher.state).toBe('JOINED');
    net.take(watcherId);

    const names = Array.from({ length: 60 }, (_, i) => `storm-member-${String(i).padStart(4, '0')}`);
    for (const name of names) {
      const c = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom(name) });
      net.connect(c);
      c.join(name);
      net.settle();
    }
    records.length = 0;
    net.now += presenceHoldMs({ ...LIMITS, ...limits }, 61);
    net.apply(server.tick(net.now));
    net.settle();

    expect(watcher.state).toBe('JOINED');
    const told = net
      .take(watcherId)
      .flatMap((e) => (e.kind === 'packet' && e.packet.type === 'users_joined' ? e.packet.names : []));
    expect(told).toEqual(names);
    expect(records.length).toBeGreaterThan(1);
    for (const size of records) expect(size).toBeLessThanOrEqual(1024);
  });
});
