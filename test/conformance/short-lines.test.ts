/**
 * Lines a case says are sized to the maxMessage the suite was told: distinct within a case, and a
 * case that needs more distinct lines than fit is INFORMATIONAL, not FAILED (the smallest-limits
 * sweep, limits-sweep-v2.test.ts, depends on it).
 */
import { describe, expect, it } from 'vitest';
import type { Case } from '../../conformance/case.js';
import { CaseContext, CaseStop } from '../../conformance/case.js';
import { suiteOptions } from './helpers.js';

describe('lines sized to a small maxMessage', () => {
  it('are distinct within a case, and a case that needs more than fit is INFORMATIONAL', () => {
    const ctx = new CaseContext(suiteOptions(1, 'v2', { maxMessage: 1 }), {} as Case, 'z');
    const lines = Array.from({ length: 62 }, (_, i) => ctx.line(`line number ${i}`));
    expect(new Set(lines).size).toBe(62);
    expect(lines.every((l) => l.length === 1)).toBe(true);
    expect(ctx.line('line number 7')).toBe(lines[7]);
    let stop: unknown;
    try {
      ctx.line('one line too many');
    } catch (err) {
      stop = err;
    }
    expect(stop).toBeInstanceOf(CaseStop);
    expect((stop as CaseStop).finding.level).toBe('MAY');
  });
});
