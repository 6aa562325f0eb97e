/**
 * The idle collector (reference-server/idle-gc.ts): one full collection once memory stops growing
 * well above where the last collection left it, none while it grows or when it grew little. Driven
 * by hand with a fake memory reading; then the real V8 collector, exposed at run time.
 */
import { describe, expect, it } from 'vitest';
import { collectableBytes, exposedGc, IdleCollector } from '../../reference-server/idle-gc.js';

const MB = 1024 * 1024;

function fake(start = 50 * MB) {
  let memory = start;
  const calls: number[] = [];
  const collector = new IdleCollector({
    memory: () => memory,
    // A collection frees what grew above 50 MB.
    gc: () => {
      calls.push(memory);
      memory = Math.min(memory, 50 * MB);
    },
    quietGrowthBytes: 1 * MB,
    minGrowthBytes: 8 * MB,
  });
  return {
    collector,
    calls,
    set: (bytes: number) => {
      memory = bytes;
    },
  };
}

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

describe('exposedGc', () => {
  it("returns V8's full collection, which frees what nothing references", async () => {
    const gc = exposedGc();
    expect(gc).toBeTypeOf('function');
    const ref = (() => new WeakRef({ payload: Buffer.alloc(1024) }))();
    // A WeakRef target made in this job is kept until the job ends (ECMA-262 KeepDuringJob).
    await new Promise((turn) => setImmediate(turn));
    gc!();
    expect(ref.deref()).toBeUndefined();
    expect(collectableBytes()).toBeGreaterThan(0);
  });
});
