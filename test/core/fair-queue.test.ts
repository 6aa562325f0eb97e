/**
 * Fair order of one member's queue (spec 11.3): senders take turns, new senders first, barriers
 * keep their place, and shedding takes the largest sender's oldest lines. The queue alone, then a
 * v2 server under flow control on the injected clock (flow-harness.ts).
 */
import { describe, expect, it } from 'vitest';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { FairQueue } from '../../src/session/fair-queue.js';
import { drainAll, limits, v2 } from './flow-harness.js';

/** A packet whose bytes are `label` (padded to `size` bytes). */
const p = (label: string, size = label.length) => Buffer.from(label.padEnd(size, '.'));

/** Every packet the queue gives, record by record (labels only). */
function takeAll(q: FairQueue, limit = 1 << 20): string[][] {
  const records: string[][] = [];
  for (let parts = q.nextRecord(limit); parts !== null; parts = q.nextRecord(limit))
    records.push(parts.map((b) => b.toString().replace(/\.+$/, '')));
  return records;
}

/** Queues `n` chat lines of `sender`, labelled `${name}${i}`. */
function say(q: FairQueue, name: string, sender: number, n: number, size?: number) {
  for (let i = 1; i <= n; i++) q.push(p(`${name}${i}`, size), true, sender);
}

describe('fair order of one member queue (11.3)', () => {
  it('keeps the order of one sender and of barriers, and gives all of it as one record', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 3);
    q.push(p('join'), false);
    say(q, 'b', 2, 2);
    expect(q.bytes).toBe(3 * 2 + 4 + 2 * 2);
    expect(takeAll(q)).toEqual([['a1', 'a2', 'a3', 'join', 'b1', 'b2']]);
    expect(q.empty).toBe(true);
    expect(q.bytes).toBe(0);
  });

  it("serves an honest line said after a flooder's 20 lines second, not 21st", () => {
    const q = new FairQueue();
    say(q, 'f', 1, 20);
    q.push(p('h1'), true, 2);
    const order = takeAll(q, 1).flat();
    expect(order.slice(0, 2)).toEqual(['f1', 'h1']);
    expect(order.filter((x) => x.startsWith('f'))).toEqual(Array.from({ length: 20 }, (_, i) => `f${i + 1}`));
  });

  it("serves it next once the flooder's lines are being taken (what is in flight goes first)", () => {
    const q = new FairQueue();
    say(q, 'f', 1, 20);
    // Two records taken already: the flooder's lines are the ones being served.
    expect(takeAll1(q, 2)).toEqual(['f1', 'f2']);
    q.push(p('h1'), true, 2);
    expect(takeAll(q, 1).flat().slice(0, 2)).toEqual(['h1', 'f3']);
  });

  it('lets senders with a backlog take turns, one line each, each in its own order', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 3);
    say(q, 'b', 2, 3);
    say(q, 'c', 3, 2);
    expect(takeAll(q, 1).flat()).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3']);
  });

  it('puts a sender that had nothing waiting before those whose backlog is served', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 4);
    say(q, 'b', 2, 4);
    expect(takeAll1(q, 3)).toEqual(['a1', 'b1', 'a2']);
    q.push(p('c1'), true, 3);
    // b was served least recently, but c is new: c first, then the turns go on.
    expect(takeAll(q, 1).flat()).toEqual(['c1', 'b2', 'a3', 'b3', 'a4', 'b4']);
  });

  it('keeps the turns over a long run, past where the list of turns is compacted', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 100);
    say(q, 'b', 2, 100);
    say(q, 'c', 3, 100);
    const expected = Array.from({ length: 100 }, (_, i) => [`a${i + 1}`, `b${i + 1}`, `c${i + 1}`]).flat();
    expect(takeAll(q, 1).flat()).toEqual(expected);
  });

  it('keeps the turns, the runs and the barriers where its arrays are compacted under the head', () => {
    const q = new FairQueue();
    // 2,100 lines of three senders in one run, a barrier, then a run of a fourth: the head passes
    // the 1,024 packets after which the arrays are cut, in the middle of the first run.
    say(q, 'a', 1, 700);
    say(q, 'b', 2, 700);
    say(q, 'c', 3, 700);
    q.push(p('join'), false);
    say(q, 'd', 4, 2);
    say(q, 'a', 1, 1);
    const turns = Array.from({ length: 700 }, (_, i) => [`a${i + 1}`, `b${i + 1}`, `c${i + 1}`]).flat();
    // After the barrier a new run: d and a are new, d's line first; then a is new and d served.
    expect(takeAll(q, 1).flat()).toEqual([...turns, 'join', 'd1', 'a1', 'd2']);
  });

  it('counts a negative sender (no connection id) as no sender: a barrier', () => {
    const q = new FairQueue();
    say(q, 'f', 1, 3);
    q.push(p('x1'), true, -5);
    q.push(p('h1'), true, 2);
    say(q, 'f', 1, 1);
    expect(takeAll(q, 1).flat()).toEqual(['f1', 'f2', 'f3', 'x1', 'h1', 'f1']);
  });

  it('starts a new run, every sender new, past a notice replaced by a newer one (7.12)', () => {
    const q = new FairQueue();
    q.push(p('a1'), true, 1);
    q.push(p('away1'), false, undefined, 7);
    q.push(p('a2'), true, 1);
    expect(takeAll1(q, 1)).toEqual(['a1']);
    q.push(p('b1'), true, 2);
    // The newer notice leaves a hole where the first stood: a2 and b1 are a run of their own,
    // where a's line taken before the hole does not count, so a2 (the older) goes first.
    q.push(p('away2'), false, undefined, 7);
    expect(takeAll(q, 1).flat()).toEqual(['a2', 'b1', 'away2']);
  });

  it('keeps the server order among senders that each have one line waiting', () => {
    const q = new FairQueue();
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) q.push(p(`${name}1`), true, i + 1);
    expect(takeAll(q, 1).flat()).toEqual(['a1', 'b1', 'c1', 'd1']);
  });

  it('never moves a line across a barrier, either way', () => {
    const q = new FairQueue();
    say(q, 'f', 1, 3);
    q.push(p('left'), false);
    q.push(p('h1'), true, 2);
    say(q, 'g', 3, 2);
    q.push(p('pong'), false);
    q.push(p('h2'), true, 2);
    expect(takeAll(q, 1).flat()).toEqual(['f1', 'f2', 'f3', 'left', 'h1', 'g1', 'g2', 'pong', 'h2']);
  });

  it('treats chat lines without a sender (history at join) as barriers', () => {
    const q = new FairQueue();
    q.push(p('old1'), true);
    q.push(p('old2'), true);
    say(q, 'f', 1, 3);
    q.push(p('h1'), true, 2);
    expect(takeAll(q, 1).flat()).toEqual(['old1', 'old2', 'f1', 'h1', 'f2', 'f3']);
  });

  it('coalesces into records within the limit, a packet and a separator at a time', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 4, 10);
    say(q, 'b', 2, 1, 10);
    // 10 + 1 + 10 + 1 + 10 = 32 bytes fit a 32-byte record; a fourth packet does not. The turns
    // choose a1, b1, a2; in the record they keep the server's order.
    expect(takeAll(q, 32)).toEqual([
      ['a1', 'a2', 'b1'],
      ['a3', 'a4'],
    ]);
  });

  it('keeps the server order when everything waiting goes out at once, over several records', () => {
    const q = new FairQueue();
    say(q, 'f', 1, 3);
    q.push(p('h1'), true, 2);
    const records: string[] = [];
    for (let parts = q.nextRecord(1, true); parts !== null; parts = q.nextRecord(1, true))
      records.push(...parts.map((b) => b.toString()));
    expect(records).toEqual(['f1', 'f2', 'f3', 'h1']);
  });

  it('keeps the server order when everything waiting fits one record, senders mixed or not', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 3);
    q.push(p('b1'), true, 2);
    say(q, 'c', 3, 2);
    expect(takeAll(q)).toEqual([['a1', 'a2', 'a3', 'b1', 'c1', 'c2']]);
  });
});

describe('shedding a member queue (11.3, maxQueuedBytes)', () => {
  it('drops the oldest lines of the sender holding the most bytes, never the honest line', () => {
    const q = new FairQueue();
    say(q, 'f', 1, 20, 2000);
    q.push(p('h1', 2000), true, 2);
    expect(q.shed(9000)).toBe(5);
    expect(q.bytes).toBe(16 * 2000);
    const order = takeAll(q, 1).flat();
    expect(order).toContain('h1');
    expect(order.filter((x) => x.startsWith('f'))).toEqual(Array.from({ length: 15 }, (_, i) => `f${i + 6}`));
  });

  it('levels the senders down from the largest, ties to the one whose oldest line came first', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 3, 100);
    say(q, 'b', 2, 3, 100);
    say(q, 'c', 3, 1, 100);
    // a and b hold 300 each: a (older) first, then b, then a again.
    expect(q.shed(250)).toBe(3);
    expect(takeAll(q, 1).flat()).toEqual(['a3', 'b2', 'c1', 'b3']);
  });

  it('never sheds a barrier, and stops when no chat line is left', () => {
    const q = new FairQueue();
    q.push(p('reply', 100), false);
    say(q, 'a', 1, 2, 100);
    q.push(p('old', 100), true);
    expect(q.shed(10_000)).toBe(3);
    expect(takeAll(q)).toEqual([['reply']]);
  });

  it('keeps the turns right after a shed in the front run', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 6, 100);
    say(q, 'b', 2, 2, 100);
    expect(takeAll1(q, 2)).toEqual(['a1', 'b1']);
    expect(q.shed(300)).toBe(3);
    q.push(p('c1', 100), true, 3);
    // c is new; then a, served least recently (a1 before b1), then b.
    expect(takeAll(q, 1).flat()).toEqual(['c1', 'a5', 'b2', 'a6']);
  });
});

/** The next `n` packets, one record each. */
function takeAll1(q: FairQueue, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(...(q.nextRecord(1) ?? []).map((b) => b.toString().replace(/\.+$/, '')));
  return out;
}

describe('a new sender whose oldest line was shed (11.3)', () => {
  it('waits for the new senders whose oldest waiting line came before its own', () => {
    const q = new FairQueue();
    q.push(p('x1'), true, 3);
    q.push(p('a1', 100), true, 1);
    q.push(p('b1'), true, 2);
    q.push(p('a2'), true, 1);
    expect(takeAll1(q, 1)).toEqual(['x1']);
    // a and b are new; a1 (the most bytes) is shed, so a's oldest waiting line is a2, after b1.
    expect(q.shed(50)).toBe(1);
    expect(takeAll(q, 1).flat()).toEqual(['b1', 'a2']);
  });
});

describe('a new sender whose oldest line was shed before the turns began (11.3)', () => {
  it('waits for the new senders whose oldest waiting line came before its own', () => {
    const q = new FairQueue();
    q.push(p('c1'), true, 3);
    q.push(p('a1', 100), true, 1);
    q.push(p('b1'), true, 2);
    q.push(p('a2'), true, 1);
    expect(q.shed(50)).toBe(1);
    expect(takeAll(q, 1).flat()).toEqual(['c1', 'b1', 'a2']);
  });
});

describe('a sender whose lines were all taken (11.3)', () => {
  it('is new again, also when the queue was plain FIFO and emptied one record at a time', () => {
    const q = new FairQueue();
    q.push(p('a1'), true, 1);
    expect(takeAll1(q, 1)).toEqual(['a1']);
    expect(q.empty).toBe(true);
    q.push(p('a2'), true, 1);
    q.push(p('b1'), true, 2);
    expect(takeAll(q, 1).flat()).toEqual(['a2', 'b1']);
  });
});

describe('a sender whose waiting lines were all shed (11.3)', () => {
  it('is new again, also when its lines were being taken in plain FIFO order', () => {
    const q = new FairQueue();
    // Connection id 0 is a sender like any other.
    q.push(p('a1'), true, 0);
    q.push(p('a2', 100), true, 0);
    expect(takeAll1(q, 1)).toEqual(['a1']);
    q.push(p('b1'), true, 2);
    // a2, the most bytes, is shed: a has nothing waiting, and its next line is a new sender's.
    expect(q.shed(50)).toBe(1);
    q.push(p('a3'), true, 0);
    q.push(p('c1'), true, 3);
    expect(takeAll(q, 1).flat()).toEqual(['b1', 'a3', 'c1']);
  });

  it('stays served when a shed leaves it lines, its lines taken in FIFO order before', () => {
    const q = new FairQueue();
    say(q, 'a', 0, 3);
    expect(takeAll1(q, 1)).toEqual(['a1']);
    q.push(p('b1'), true, 2);
    q.push(p('c1', 100), true, 3);
    // c1 (the most bytes) is shed; a still has a2 and a3, waiting since a1 was taken: a is
    // served, b is new.
    expect(q.shed(50)).toBe(1);
    expect(takeAll(q, 1).flat()).toEqual(['b1', 'a2', 'a3']);
  });

  it('is new again when it says its next line, and goes first', () => {
    const q = new FairQueue();
    say(q, 'a', 1, 3);
    q.push(p('b1'), true, 2);
    q.push(p('b2', 100), true, 2);
    expect(q.nextRecord(1)?.map(String)).toEqual(['a1']);
    expect(q.nextRecord(1)?.map(String)).toEqual(['b1']);
    // b2, the most bytes, is shed: b has nothing waiting, though it was served in turn.
    expect(q.shed(50)).toBe(1);
    q.push(p('b3'), true, 2);
    expect(takeAll(q, 1).flat()).toEqual(['b3', 'a2', 'a3']);
  });
});

describe('a flood and an honest line at a member that stopped reading (11.3, flow control)', () => {
  const texts = (got: V2ServerPacket[]) => got.flatMap((x) => (x.type === 'message' ? [x.text] : []));

  it("delivers the honest line right after what was in flight, before the flooder's later lines", () => {
    const s = v2({ ...limits, sendWindowBytes: 8192 });
    const flood = s.join('flood');
    const honest = s.join('honest');
    s.join('bob');
    s.packets('bob');
    for (let i = 0; i < 20; i++) flood.client.say(`flood ${i} ${'x'.repeat(2000)}`);
    s.net.settle();
    // What was written to bob's socket before the honest line (a window's worth of records).
    const inFlight = texts(s.packets('bob'));
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.length).toBeLessThan(20);
    honest.client.say('honest line');
    s.net.settle();
    const after = texts(drainAll(s, 'bob'));
    // It goes into the first record sealed next (16 kB: at most 8 of these lines, which keep the
    // server's order inside it), before the rest of the flood.
    const at = after.indexOf('honest line');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(8);
    expect(after.length - at - 1).toBeGreaterThan(5);
    const floods = [...inFlight, ...after]
      .filter((t) => t.startsWith('flood'))
      .map((t) => Number(t.split(' ')[1]));
    expect(floods).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("sheds the flooder's lines, not the honest one, and everyone still chats", () => {
    const s = v2({ ...limits, maxQueuedBytes: 16 * 1024, sendWindowBytes: 4096 });
    const flood = s.join('flood');
    const honest = s.join('honest');
    s.join('bob');
    s.packets('bob');
    for (let i = 0; i < 20; i++) flood.client.say(`flood ${i} ${'x'.repeat(2000)}`);
    s.net.settle();
    honest.client.say('honest line');
    s.net.settle();
    s.drained('flood');
    s.drained('honest');
    const got = drainAll(s, 'bob');
    expect(texts(got)).toContain('honest line');
    expect(got).toContainEqual(
      expect.objectContaining({ type: 'error', code: 'LINES_SKIPPED', fatal: false }),
    );
    expect(s.closed('bob')).toBe(false);
    // Afterwards a line reaches everyone at once.
    honest.client.say('after');
    s.net.settle();
    for (const name of ['flood', 'honest', 'bob']) expect(texts(drainAll(s, name))).toContain('after');
  });
});
