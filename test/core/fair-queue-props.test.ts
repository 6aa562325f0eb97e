/**
 * One member's queue (fair-queue.ts) against a model of what spec 11.3, 11 and 7.12 promise, under
 * random sequences of pushes (chat lines of a few senders, lines without a sender, barriers, away
 * notices), records taken at several limits and sheds. The model is 11.3 written the slow way:
 * each take looks at the whole queue and picks by the rule's words (runs between barriers, new
 * senders by their oldest waiting line, then the sender served longest ago), so every record must
 * hold exactly the packets the model picks. Beside it, what every order must keep: nothing lost or
 * given twice, bytes counted, a record within its limit and in queue order, barriers in place,
 * each sender's lines in order, everything at once when it fits one record, everything in order
 * when taken in order, the shed rule exactly, and one away notice per member.
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

/** The operations, each with its own ranges; `mix` weighs them into one arbitrary. */
const size = (max = 40) => fc.integer({ min: 1, max });
const line = (sender: fc.Arbitrary<number | undefined>, max = 40): fc.Arbitrary<Op> =>
  fc.record({ op: fc.constant('line' as const), sender, size: size(max) });
const barrier = (): fc.Arbitrary<Op> => fc.record({ op: fc.constant('barrier' as const), size: size() });
const away = (maxAbout: number, max = 40): fc.Arbitrary<Op> =>
  fc.record({
    op: fc.constant('away' as const),
    about: fc.integer({ min: 0, max: maxAbout }),
    size: size(max),
  });
const take = (
  limit: fc.Arbitrary<number>,
  inOrder: fc.Arbitrary<boolean> = fc.constant(false),
): fc.Arbitrary<Op> => fc.record({ op: fc.constant('take' as const), limit, inOrder });
const shed = (min: number, max: number): fc.Arbitrary<Op> =>
  fc.record({ op: fc.constant('shed' as const), excess: fc.integer({ min, max }) });
const mix = (...parts: [weight: number, arbitrary: fc.Arbitrary<Op>][]): fc.Arbitrary<Op> =>
  fc.oneof(...parts.map(([weight, arbitrary]) => ({ weight, arbitrary })));

/** Everything, a few senders and lines without one, records of every size, in order or not. */
const opArb = mix(
  [6, line(fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined, freq: 8 }))],
  [1, barrier()],
  [1, away(3)],
  [3, take(fc.constantFrom(1, 30, 100, 10_000), fc.boolean())],
  [1, shed(-5, 200)],
);

/** Long runs of chat lines: many senders, one line a record, now and then a shed or a barrier. */
const runArb = mix(
  [12, line(fc.integer({ min: 0, max: 9 }))],
  [8, take(fc.constant(1))],
  [1, take(fc.constantFrom(30, 100), fc.boolean())],
  [1, shed(1, 100)],
  [1, barrier()],
);

/** Few senders, one line a record, sheds often: senders empty and come back in the same run. */
const fewArb = mix(
  [5, line(fc.integer({ min: 0, max: 2 }), 60)],
  [4, take(fc.constant(1))],
  [2, shed(1, 60)],
  [1, away(1, 20)],
);

/** A packet whose text starts with its id, padded with dots to `size` bytes (at least the id's). */
const packet = (id: number, size: number) => Buffer.from(`${id}.`.padEnd(size, '.'));
const idOf = (b: Buffer) => Number(b.toString().split('.')[0]);

/** A chat line with its sender: the packets that take turns; every other one ends a run (11.3). */
const isLine = (e: Entry) => e.kind === 'line' && e.sender >= 0;

/**
 * The turns of the run at the head (11.3): the senders that are not new, each with when its last
 * line was taken. `sep` names the run (the barrier before it, taken or replaced, or -1).
 */
interface Turn {
  sep: number;
  served: Map<number, number>;
  clock: number;
}

/** The run at the head: the barrier before it and each sender's oldest waiting line in it. */
function headRun(entries: readonly Entry[]): { head: Entry; sep: number; oldest: Map<number, Entry> } | null {
  const h = entries.findIndex((e) => e.state === 'waiting');
  if (h < 0) return null;
  let sep = -1;
  for (let j = h - 1; j >= 0; j--)
    if (!isLine(entries[j])) {
      sep = j;
      break;
    }
  const oldest = new Map<number, Entry>();
  for (let j = h; j < entries.length && isLine(entries[j]); j++) {
    const e = entries[j];
    if (e.state === 'waiting' && !oldest.has(e.sender)) oldest.set(e.sender, e);
  }
  return { head: entries[h], sep, oldest };
}

/** A sender with no line waiting in the run is new again; another run starts with all new. */
function forget(entries: readonly Entry[], turn: Turn): void {
  const run = headRun(entries);
  if (run === null || run.sep !== turn.sep) {
    turn.served.clear();
    turn.sep = run?.sep ?? -2;
    return;
  }
  for (const s of [...turn.served.keys()]) if (!run.oldest.has(s)) turn.served.delete(s);
}

/** The packet that goes next by 11.3's words, or undefined. */
function modelNext(entries: readonly Entry[], turn: Turn): Entry | undefined {
  const run = headRun(entries);
  if (run === null) return undefined;
  if (!isLine(run.head)) return run.head;
  let best: Entry | undefined;
  for (const [s, e] of run.oldest)
    if (!turn.served.has(s) && (best === undefined || e.id < best.id)) best = e;
  if (best !== undefined) return best;
  let at = Number.POSITIVE_INFINITY;
  for (const [s, e] of run.oldest) {
    const t = turn.served.get(s)!;
    if (t < at) {
      at = t;
      best = e;
    }
  }
  return best;
}

/** The model's record: packets picked one by one while they fit (the first always), in queue order. */
function modelRecord(entries: Entry[], turn: Turn, limit: number, inOrder: boolean): number[] {
  const picked: Entry[] = [];
  let bytes = 0;
  for (;;) {
    const e = inOrder ? entries.find((x) => x.state === 'waiting') : modelNext(entries, turn);
    if (e === undefined) break;
    if (picked.length > 0 && bytes + picked.length + e.size > limit) break;
    picked.push(e);
    bytes += e.size;
    e.state = 'taken';
    if (isLine(e)) {
      turn.served.delete(e.sender);
      turn.served.set(e.sender, turn.clock++);
    }
    forget(entries, turn);
  }
  return picked.map((e) => e.id).sort((a, b) => a - b);
}

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
  const turn: Turn = { sep: -2, served: new Map(), clock: 0 };
  const takeOne = (limit: number, inOrder: boolean) => {
    const before = waiting();
    const parts = q.nextRecord(limit, inOrder);
    if (before.length === 0) {
      expect(parts).toBeNull();
      return;
    }
    expect(parts).not.toBeNull();
    const ids = parts!.map(idOf);
    const total = parts!.reduce((sum, b) => sum + b.length, 0);
    expect(q.recordBytes).toBe(total);
    // Within the limit (a packet alone may exceed it), in queue order, each once and waiting.
    if (ids.length > 1) expect(total + ids.length - 1).toBeLessThanOrEqual(limit);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const all = before.reduce((sum, e) => sum + e.size, 0) + before.length - 1;
    // Everything at once when it fits; the oldest first when taken in order.
    if (all <= limit) expect(ids).toEqual(before.map((e) => e.id));
    if (inOrder) expect(ids).toEqual(before.slice(0, ids.length).map((e) => e.id));
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
    // Exactly the packets 11.3's turns pick.
    expect(ids).toEqual(modelRecord(entries, turn, limit, inOrder));
  };
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
      forget(entries, turn);
    } else if (o.op === 'take') {
      // Taken in order, everything waiting goes (the caller's promise, nextRecord): record after record.
      do takeOne(o.limit, o.inOrder);
      while (o.inOrder && waiting().length > 0);
    } else {
      const expected = modelShed(entries, o.excess);
      const n = q.shed(o.excess);
      expect(n).toBe(expected.size);
      for (const id of expected) entries[id].state = 'dropped';
      forget(entries, turn);
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

  it('keeps them with few senders that empty and come back, sheds between takes', () => {
    fc.assert(
      fc.property(fc.array(fewArb, { minLength: 5, maxLength: 60 }), (ops) => run(ops)),
      { numRuns: 1000 },
    );
  });

  it('keeps them over long runs, where its arrays are compacted under the head', () => {
    fc.assert(
      // About 9 takes in 23 ops against 12 lines: the queue grows, and its head passes the 1,024
      // packets after which the arrays are compacted.
      fc.property(fc.array(runArb, { minLength: 3500, maxLength: 4000 }), (ops) => run(ops)),
      // A failure is reported as found: shrinking thousands of ops takes minutes.
      { numRuns: 2, endOnFailure: true },
    );
  });
});
