/**
 * The chat server's output under flow control (spec 11: sendWindowBytes, maxQueuedBytes,
 * maxTotalQueuedBytes, slowReaderMs; 7.7 one export in flight), driven through memory-net with a
 * fake clock: a test says when a client's socket has drained, as the TCP adapter does.
 */
import { describe, expect, it } from 'vitest';
import type { ServerAction } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { drainAll, fill, limits, v2 } from './flow-harness.js';
import { RawLegacyClient } from './helpers.js';

const DATE = '2026-11-27 14:00:01.000000';

describe('export under flow control (7.7, 11 sendWindowBytes)', () => {
  it('is produced a window at a time as the socket drains, and arrives whole, in order', () => {
    const s = v2({ ...limits, sendWindowBytes: 8192 });
    fill(s, 200, 2000);
    const alice = s.join('alice');
    s.packets('alice');
    const before = s.writes.length;
    alice.client.requestExport();
    s.net.settle();
    const first = s.packets('alice');
    // Only the first window went out: 200 lines of 2 kB do not fit.
    expect(first.filter((p) => p.type === 'export_reply').length).toBeGreaterThan(0);
    expect(first.some((p) => p.type === 'export_reply' && p.done)).toBe(false);
    const rest = drainAll(s, 'alice');
    const replies = [...first, ...rest].filter((p) => p.type === 'export_reply');
    expect(replies.at(-1)).toMatchObject({ done: true });
    const lines = replies.flatMap((p) =>
      p.type === 'export_reply' ? p.entries.filter((e) => e.kind === 'message') : [],
    );
    expect(lines.map((e) => Number(e.text?.split(' ')[0]))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // No write to alice was much over the window (one record of at most 16 kB may top it up).
    const toAlice = s.writes.slice(before).filter((w) => w.id === alice.id);
    expect(toAlice.length).toBeGreaterThan(10);
    expect(Math.max(...toAlice.map((w) => w.bytes))).toBeLessThanOrEqual(8192 + 16 * 1024 + 64);
    expect(s.closed('alice')).toBe(false);
  });

  it('answers a second export while one is in flight with a non-fatal RATE_LIMITED; the first completes once', () => {
    const s = v2({ ...limits, sendWindowBytes: 8192 });
    fill(s, 100, 2000);
    const alice = s.join('alice');
    s.packets('alice');
    alice.client.requestExport();
    alice.client.requestExport();
    s.net.settle();
    const got = [...s.packets('alice'), ...drainAll(s, 'alice')];
    const errors = got.filter((p) => p.type === 'error');
    expect(errors).toEqual([expect.objectContaining({ code: 'RATE_LIMITED', fatal: false })]);
    expect(got.filter((p) => p.type === 'export_reply' && p.done)).toHaveLength(1);
    // Once it is done, another export is answered again.
    alice.client.requestExport();
    s.net.settle();
    const again = [...s.packets('alice'), ...drainAll(s, 'alice')];
    expect(again.filter((p) => p.type === 'export_reply' && p.done)).toHaveLength(1);
    expect(again.some((p) => p.type === 'error')).toBe(false);
  });

  it('drops the reply of a member that leaves while it is produced', () => {
    const s = v2({ ...limits, sendWindowBytes: 8192 });
    fill(s, 50, 2000);
    const alice = s.join('alice');
    alice.client.requestExport();
    s.net.settle();
    s.net.hangUp(alice.id);
    expect(s.server.connection(alice.id)).toBeUndefined();
    expect(s.server.queuedBytes).toBeLessThan(64 * 1024);
  });
});

describe('exports share one budget per pass (11 replyPassBytes)', () => {
  it('produces about replyPassBytes of a reply per pass, and the reply still arrives whole, in order', () => {
    const s = v2({ ...limits, sendWindowBytes: 65536, replyPassBytes: 4096 });
    fill(s, 60, 2000);
    const alice = s.join('alice');
    s.packets('alice');
    const before = s.writes.length;
    alice.client.requestExport();
    s.net.settle();
    const got = [...s.packets('alice'), ...drainAll(s, 'alice')];
    const replies = got.filter((p) => p.type === 'export_reply');
    expect(replies.at(-1)).toMatchObject({ done: true });
    const lines = replies.flatMap((p) =>
      p.type === 'export_reply' ? p.entries.filter((e) => e.kind === 'message') : [],
    );
    expect(lines.map((e) => Number(e.text?.split(' ')[0]))).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // A part (about 20 kB here) is more than a pass's budget: one part per pass, so one per write,
    // where the 64 kB window alone lets about three go in each.
    const toAlice = s.writes.slice(before).filter((w) => w.id === alice.id);
    expect(Math.max(...toAlice.map((w) => w.bytes))).toBeLessThan(32 * 1024);
    expect(s.closed('alice')).toBe(false);
  });

  it('serves the reply the last pass left waiting first, so that askers take turns', () => {
    const s = v2({ ...limits, sendWindowBytes: 65536, replyPassBytes: 4096 });
    fill(s, 60, 2000);
    const alice = s.join('alice');
    const bob = s.join('bob');
    alice.client.requestExport();
    s.net.settle();
    bob.client.requestExport();
    s.net.settle();
    s.packets('alice');
    s.packets('bob');
    const wrote = (actions: ServerAction[]) =>
      actions.flatMap((a) => (a.kind === 'write' ? [a.id] : [])).sort((x, y) => x - y);
    // Both sockets drained in one turn: the pass's budget goes to alice, bob waits.
    expect(wrote(s.run(s.server.drained([alice.id, bob.id], s.net.now)))).toEqual([alice.id]);
    // The next pass (alice's socket has not drained yet) serves bob, who waited.
    expect(wrote(s.run(s.server.drained([], s.net.now)))).toEqual([bob.id]);
    // Both drained again: alice came back first, so she is served, and bob waits again.
    expect(wrote(s.run(s.server.drained([alice.id, bob.id], s.net.now)))).toEqual([alice.id]);
    expect(wrote(s.run(s.server.drained([], s.net.now)))).toEqual([bob.id]);
  });
});

describe('fan-out to a member that reads slowly (11 maxQueuedBytes, LINES_SKIPPED)', () => {
  it('says "1 chat line was skipped" when one was', () => {
    // The fewest lines of 2 kB that make bob's queue shed: one more than fit.
    for (let count = 1; count <= 60; count++) {
      const s = v2({ ...limits, maxQueuedBytes: 64 * 1024, sendWindowBytes: 8192 });
      const alice = s.join('alice');
      s.join('bob');
      s.packets('bob');
      for (let i = 0; i < count; i++) {
        alice.client.say(`${i} ${'x'.repeat(2000)}`);
        s.net.settle();
        s.drained('alice');
      }
      const skipped = drainAll(s, 'bob').filter((p) => p.type === 'error');
      if (skipped.length === 0) continue;
      expect(skipped).toEqual([
        {
          type: 'error',
          code: 'LINES_SKIPPED',
          message:
            '1 chat line was skipped: the room spoke faster than this connection read (export has them)',
          fatal: false,
        },
      ]);
      return;
    }
    expect.unreachable('60 lines of 2 kB never made a 64 KiB queue shed');
  });

  it('skips the oldest chat lines for it, tells it how many once it caught up, and keeps it', () => {
    const s = v2({ ...limits, maxQueuedBytes: 64 * 1024, sendWindowBytes: 8192 });
    const alice = s.join('alice');
    s.join('bob');
    s.packets('bob');
    // bob's socket takes nothing while alice says 100 lines of 2 kB (200 kB).
    for (let i = 0; i < 100; i++) {
      alice.client.say(`${i} ${'x'.repeat(2000)}`);
      s.net.settle();
      s.drained('alice');
    }
    expect(s.server.connection(s.id('bob'))).toBeDefined();
    const got = drainAll(s, 'bob');
    const lines = got.filter((p) => p.type === 'message');
    const skipped = got.filter((p) => p.type === 'error');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ code: 'LINES_SKIPPED', fatal: false });
    const n = Number((skipped[0] as { message: string }).message.split(' ')[0]);
    expect(n + lines.length).toBe(100);
    expect(n).toBeGreaterThan(50);
    expect((skipped[0] as { message: string }).message).toBe(
      `${n} chat lines were skipped: the room spoke faster than this connection read (export has them)`,
    );
    // What it got is the newest lines, in order.
    const ids = lines.map((p) => (p.type === 'message' ? Number(p.text.split(' ')[0]) : -1));
    expect(ids).toEqual(ids.slice().sort((a, b) => a - b));
    expect(ids.at(-1)).toBe(99);
    // alice, who read, got every line.
    expect(s.packets('alice').filter((p) => p.type === 'message')).toHaveLength(100);
    expect(s.closed('bob')).toBe(false);
  });

  it('never skips a line for a member that keeps reading', () => {
    const s = v2({ ...limits, maxQueuedBytes: 64 * 1024, sendWindowBytes: 8192 });
    const alice = s.join('alice');
    s.join('bob');
    s.packets('bob');
    const got: V2ServerPacket[] = [];
    for (let i = 0; i < 100; i++) {
      alice.client.say(`${i} ${'x'.repeat(2000)}`);
      s.net.settle();
      s.drained('alice');
      s.drained('bob');
      got.push(...s.packets('bob'));
    }
    got.push(...drainAll(s, 'bob'));
    expect(got.filter((p) => p.type === 'message')).toHaveLength(100);
    expect(got.some((p) => p.type === 'error')).toBe(false);
  });

  it('closes with SLOW_READER a member whose socket takes nothing for slowReaderMs', () => {
    const s = v2({ ...limits, slowReaderMs: 5000 });
    const alice = s.join('alice');
    s.join('bob');
    alice.client.say('hello');
    s.net.settle();
    s.drained('alice');
    s.net.advance(4000);
    expect(s.closed('bob')).toBe(false);
    s.drained('alice');
    s.net.advance(1500);
    expect(s.closed('bob')).toBe(true);
    expect(s.net.logs.some((l) => l.includes('SLOW_READER'))).toBe(true);
    expect(s.packets('alice')).toContainEqual(
      expect.objectContaining({ type: 'user_left', name: 'bob', reason: 'error' }),
    );
  });

  it('holds every member to its share while the server-wide total is over maxTotalQueuedBytes', () => {
    const s = v2({
      ...limits,
      maxQueuedBytes: 1 << 20,
      maxTotalQueuedBytes: 256 * 1024,
      sendWindowBytes: 8192,
    });
    const alice = s.join('alice');
    for (const name of ['b1', 'b2', 'b3']) s.join(name);
    for (let i = 0; i < 200; i++) {
      alice.client.say(`${i} ${'x'.repeat(2000)}`);
      s.net.settle();
      s.drained('alice');
    }
    // Five connections share 256 kB: each of the three that read nothing holds about 51 kB at most.
    expect(s.server.queuedBytes).toBeLessThanOrEqual(256 * 1024 + 3 * 8192);
    for (const name of ['b1', 'b2', 'b3']) {
      expect(s.closed(name)).toBe(false);
      const got = drainAll(s, name);
      expect(got.some((p) => p.type === 'error' && p.code === 'LINES_SKIPPED')).toBe(true);
    }
  });
});

describe('legacy: no way to say lines were skipped (11 maxQueuedBytes)', () => {
  it('closes a member over its queue limit with SLOW_READER', () => {
    const server = createLegacyServer({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy'),
      limits: { ...limits, maxQueuedBytes: 16 * 1024, sendWindowBytes: 4096 },
      flowControl: true,
    });
    const net = new MemoryNet<unknown>(server as never);
    const ids: number[] = [];
    const drainAll = () => {
      for (const id of ids) {
        net.apply(server.drained([id], net.now));
        net.settle();
      }
    };
    const join = (name: string) => {
      const raw = new RawLegacyClient(`legacy ${name}`);
      ids.push(net.connect(raw));
      for (let i = 0; i < 3; i++) drainAll();
      raw.send(legacyPacket('setuser', name, name, DATE));
      net.settle();
      for (let i = 0; i < 3; i++) drainAll();
      return { raw, id: ids.at(-1)! };
    };
    const a = join('alice');
    const b = join('bob');
    for (let i = 0; i < 40 && !net.clients.get(b.id)!.closed; i++) {
      a.raw.send(legacyPacket('default', 'alice', `${i} ${'y'.repeat(2000)}`, DATE));
      net.settle();
      net.apply(server.drained([a.id], net.now));
    }
    const bid = b.id;
    expect(net.clients.get(bid)!.closed).toBe(true);
    expect(net.logs.some((l) => l.includes('SLOW_READER'))).toBe(true);
  });
});
