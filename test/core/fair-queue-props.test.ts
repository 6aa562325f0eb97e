/**
 * One member's queue (fair-queue.ts) against a model of what spec 11.3, 11 and 7.12 promise, under
 * random sequences of pushes (chat lines of a few senders, lines without a sender, barriers, away
 * notices), records taken at several limits and sheds. The model knows which packets wait, not the
 * order the turns choose, so it checks what every order must keep: nothing lost or given twice,
 * bytes counted, a record within its limit and in queue order, barriers in place, each sender's
 * lines in order, everything at once when it fits one record, the oldest first when taken in
 * order, the shed rule exactly, and one away notice per member. (The turns' own order is pinned by
 * the cases of fair-queue.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/session/fair-queue.js';

type Op =
  | { op: 'line'; sender: number | undefined; size: number }
  | { op: 'barrier'; size: number }
  | { op: 'away'; about: number; size: number }
  | { op: 'take'; limit: number; inOrder: boolean }
  | { op: 'shed'; excess: number };

interface Entry {
  readonly id: number;
  readonly kind: 'line' | 'barrier' | 'away';
  /** A line's sender (-1: none). */
  readonly sender: number;
  readonly about: number;
  readonly size: number;
  state: 'waiting' | 'taken' | 'dropped';
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('line' as const),
      sender: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 8 }),
      size: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('barrier' as const), size: fc.integer({ min: 1, max: 40 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('away' as const),
      about: fc.integer({ min: 0, max: 3 }),
      size: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('take' as const),
      limit: fc.constantFrom(1, 30, 100, 10_000),
      inOrder: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('shed' as const), excess: fc.integer({ min: -5, max: 200 }) }),
  },
);

/** Long runs of chat lines: many senders, one line a record, now and then a shed or a barrier. */
const runArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('line' as const),
      sender: fc.integer({ min: 0, max: 9 }),
      size: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('take' as const),
      limit: fc.constant(1),
      inOrder: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('take' as const),
      limit: fc.constantFrom(30, 100),
      inOrder: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('shed' as const), excess: fc.integer({ min: 1, max: 100 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('barrier' as const), size: fc.integer({ min: 1, max: 40 }) }),
  },
);

/** A packet whose text starts with its id, padded with dots to `size` bytes (at least the id's). */
const packet = (id: number, size: number) => Buffer.from(`${id}.`.padEnd(size, '.'));
const idOf = (b: Buffer) => Number(b.toString().split('.')[0]);

/** The model's shed (11.3): the oldest waiting line of the sender holding the most bytes, until done. */
function modelShed(entries: Entry[], excess: number): Set<number> {
  const dropped = new Set<number>();
  let left = excess;
  while (left > 0) {
    const bytes = new Map<number, { bytes: number; oldest: Entry }>();
    for (const e of entries) {
      if (e.kind !== 'line' || e.state !== 'waiting' || dropped.has(e.id)) continue;
      const s = bytes.get(e.sender) ?? { bytes: 0, oldest: e };
      s.bytes += e.size;
      bytes.set(e.sender, s);
    }
    let top: { bytes: number; oldest: Entry } | undefined;
    for (const s of bytes.values())
      if (!top || s.bytes > top.bytes || (s.bytes === top.bytes && s.oldest.id < top.oldest.id)) top = s;
    if (!top) break;
    dropped.add(top.oldest.id);
    left -= top.oldest.size;
  }
  return dropped;
}

function run(ops: readonly Op[]): void {
  const q = new FairQueue();
  const entries: Entry[] = [];
  const waiting = () => entries.filter((e) => e.state === 'waiting');
  for (const o of ops) {
    if (o.op === 'line' || o.op === 'barrier' || o.op === 'away') {
      const id = entries.length;
      const size = Math.max(o.size, String(id).length + 1);
      const sender = o.op === 'line' ? (o.sender ?? -1) : -1;
      const about = o.op === 'away' ? o.about : -1;
      const now = waiting();
      if (o.op === 'away')
        for (const e of now) if (e.kind === 'away' && e.about === about) e.state = 'dropped';
      entries.push({ id, kind: o.op, sender, about, size, state: 'waiting' });
      if (o.op === 'line') q.push(packet(id, size), true, o.sender);
      else if (o.op === 'barrier') q.push(packet(id, size), false);
      else q.push(packet(id, size), false, undefined, about);
    } else if (o.op === 'take') {
      const before = waiting();
      const parts = q.nextRecord(o.limit, o.inOrder);
      if (before.length === 0) {
        expect(parts).toBeNull();
        continue;
      }
      expect(parts).not.toBeNull();
      const ids = parts!.map(idOf);
      const total = parts!.reduce((sum, b) => sum + b.length, 0);
      expect(q.recordBytes).toBe(total);
      // Within the limit (a packet alone may exceed it), in queue order, each once and waiting.
      if (ids.length > 1) expect(total + ids.length - 1).toBeLessThanOrEqual(o.limit);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const all = before.reduce((sum, e) => sum + e.size, 0) + before.length - 1;
      // Everything at once when it fits; the oldest first when taken in order.
      if (all <= o.limit) expect(ids).toEqual(before.map((e) => e.id));
      if (o.inOrder) expect(ids).toEqual(before.slice(0, ids.length).map((e) => e.id));
      for (const id of ids) {
        const e = entries[id];
        expect(e.state).toBe('waiting');
        // Before it: no waiting line of its sender, no waiting barrier, and nothing at all for a barrier.
        const eLine = e.kind === 'line' && e.sender >= 0;
        for (const other of before) {
          if (other.id >= id || ids.includes(other.id)) continue;
          const oLine = other.kind === 'line' && other.sender >= 0;
          expect(eLine && oLine && e.sender !== other.sender, `${id} taken before ${other.id}`).toBe(true);
        }
      }
      for (const id of ids) entries[id].state = 'taken';
    } else {
      const expected = modelShed(entries, o.excess);
      const n = q.shed(o.excess);
      expect(n).toBe(expected.size);
      for (const id of expected) entries[id].state = 'dropped';
    }
    const now = waiting();
    expect(q.bytes).toBe(now.reduce((sum, e) => sum + e.size, 0));
    expect(q.empty).toBe(now.length === 0);
  }
  // Whatever still waits comes out, each once.
  const rest: number[] = [];
  for (let parts = q.nextRecord(10_000); parts !== null; parts = q.nextRecord(10_000))
    rest.push(...parts.map(idOf));
  expect(rest).toEqual(waiting().map((e) => e.id));
  expect(q.bytes).toBe(0);
}

describe('a member queue against its model (11.3, 11, 7.12)', () => {
  it('keeps every promise under random pushes, takes and sheds', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => run(ops)),
      { numRuns: 300 },
    );
  });

  it('keeps them in long mixed runs of many senders', () => {
    fc.assert(
      fc.property(fc.array(runArb, { minLength: 50, maxLength: 400 }), (ops) => run(ops)),
      { numRuns: 200 },
    );
  });

  it('keeps them over long runs, where its arrays are compacted under the head', () => {
    fc.assert(
      // About 9 takes in 23 ops against 12 lines: the queue grows, and its head passes the 1,024
      // packets after which the arrays are compacted.
      fc.property(fc.array(runArb, { minLength: 3500, maxLength: 4000 }), (ops) => run(ops)),
      { numRuns: 2 },
    );
  });
});
