/**
 * The idle collector (reference-server/idle-gc.ts): one full collection once memory stops growing
 * well above where the last collection left it, none while it grows or when it grew little. Driven
 * by hand with a fake memory reading; then the real V8 collector, exposed at run time.
 */
import { describe, expect, it } from 'vitest';
import {
  collectableBytes,
  exposedGc,
  IdleCollector,
  youngGenerationBytes,
} from '../../reference-server/idle-gc.js';

const MB = 1024 * 1024;

/**
 * A collector over a fake memory reading: a full collection frees what grew above 50 MB (`calls`
 * has the reading each one saw); the young generation shrinks at the `shrinksAt`-th young
 * collection. `log` has every collection in order.
 */
function fake(start = 50 * MB, young?: { shrinksAt: number; settleLooks?: number }) {
  let memory = start;
  let youngBytes = 32 * MB;
  const calls: number[] = [];
  const log: string[] = [];
  const collector = new IdleCollector({
    memory: () => memory,
    gc: () => {
      calls.push(memory);
      log.push('full');
      memory = Math.min(memory, 50 * MB);
    },
    ...(young && {
      youngGc: () => {
        log.push('young');
        if (log.filter((what) => what === 'young').length === young.shrinksAt) youngBytes = 1 * MB;
      },
      youngBytes: () => youngBytes,
      settleLooks: young.settleLooks ?? 4,
    }),
    quietGrowthBytes: 1 * MB,
    minGrowthBytes: 8 * MB,
  });
  return {
    collector,
    calls,
    log,
    set: (bytes: number) => {
      memory = bytes;
    },
  };
}

/** A collector that also settles the young generation (see fake). */
const settling = (shrinksAt: number, settleLooks = 4) => fake(50 * MB, { shrinksAt, settleLooks });

describe('IdleCollector', () => {
  it('collects once when a burst is over, not while it lasts', () => {
    const { collector, calls, set } = fake();
    set(80 * MB); // the burst
    expect(collector.check()).toBe(false); // still growing
    set(120 * MB);
    expect(collector.check()).toBe(false);
    set(120.5 * MB); // quiet now: less than 1 MB more since the last look
    expect(collector.check()).toBe(true);
    expect(calls).toEqual([120.5 * MB]);
    expect(collector.check()).toBe(false); // back at the baseline: nothing more to do
    expect(collector.collections).toBe(1);
  });

  it('leaves a quiet server alone when it grew less than the threshold', () => {
    const { collector, calls, set } = fake();
    set(55 * MB);
    expect(collector.check()).toBe(false); // grew 5 MB in one look: still growing
    expect(collector.check()).toBe(false); // quiet, but only 5 MB above the baseline
    expect(calls).toEqual([]);
  });

  it('counts growth from the lowest point seen (clients left, or V8 collected on its own)', () => {
    const { collector, calls, set } = fake(100 * MB);
    set(40 * MB);
    expect(collector.check()).toBe(false);
    set(47 * MB);
    expect(collector.check()).toBe(false); // 7 MB since the last look: growing
    expect(collector.check()).toBe(false); // quiet, 7 MB above the low point of 40
    set(48.5 * MB);
    expect(collector.check()).toBe(false); // 1.5 MB since the last look: growing again
    expect(collector.check()).toBe(true); // quiet, 8.5 MB above the low point
    expect(calls).toEqual([48.5 * MB]);
  });
});

describe('IdleCollector: the young generation after a burst', () => {
  it('runs young collections at the quiet looks after a full one until the young generation shrank', () => {
    const { collector, log, set } = settling(3);
    set(120 * MB);
    collector.check(); // growing
    expect(collector.check()).toBe(true); // quiet: the full collection
    expect(log).toEqual(['full']);
    for (let look = 0; look < 6; look++) collector.check();
    expect(log).toEqual(['full', 'young', 'young', 'young']); // shrank at the third: done
    expect(collector.youngCollections).toBe(3);
  });

  it('gives up after settleLooks looks when V8 keeps its young generation', () => {
    const { collector, log, set } = settling(Number.POSITIVE_INFINITY, 4);
    set(120 * MB);
    collector.check();
    collector.check();
    for (let look = 0; look < 10; look++) collector.check();
    expect(log).toEqual(['full', 'young', 'young', 'young', 'young']);
  });

  it('runs none while memory grows, and none before any full collection', () => {
    const { collector, log, set } = settling(Number.POSITIVE_INFINITY);
    collector.check();
    collector.check();
    expect(log).toEqual([]); // quiet, but nothing collected yet: nothing to settle
    set(120 * MB);
    collector.check();
    collector.check(); // the full collection
    set(55 * MB);
    collector.check(); // growing again (too little for another full one): no young collection
    expect(log).toEqual(['full']);
    collector.check(); // quiet again
    expect(log).toEqual(['full', 'young']);
  });
});

describe('exposedGc', () => {
  it("returns V8's full collection, which frees what nothing references", async () => {
    const gc = exposedGc();
    expect(gc?.full).toBeTypeOf('function');
    const ref = (() => new WeakRef({ payload: Buffer.alloc(1024) }))();
    // A WeakRef target made in this job is kept until the job ends (ECMA-262 KeepDuringJob).
    await new Promise((turn) => setImmediate(turn));
    gc!.full();
    expect(ref.deref()).toBeUndefined();
    expect(collectableBytes()).toBeGreaterThan(0);
  });

  it("also returns V8's young-generation collection, and the young generation's resident size", () => {
    const gc = exposedGc();
    expect(() => gc!.young()).not.toThrow();
    expect(youngGenerationBytes()).toBeGreaterThan(0);
  });
});
