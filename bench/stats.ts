/**
 * Benchmark arithmetic and printing: latency percentiles, rates, and plain-text tables.
 *
 * How this works: latencies are collected as microseconds in a growable Float64Array (one slot per
 * delivery, no per-sample objects) and summarised once at the end with nearest-rank percentiles
 * over a sorted copy. Tables are fixed-width text so that a run's output pastes into RESULTS.md.
 */

/** A growable array of numbers (microseconds), cheap enough to record every delivery. */
export class Samples {
  private data: Float64Array;
  private count = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  /** Appends every sample of `other`. */
  addAll(other: Samples): void {
    for (let i = 0; i < other.count; i++) this.push(other.data[i]);
  }

  /** A sorted copy of the samples. */
  sorted(): Float64Array {
    return this.data.slice(0, this.count).sort();
  }
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile (0 < p <= 100) of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summarises microsecond samples as milliseconds. */
export function summarise(samples: Samples): LatencySummary {
  const sorted = samples.sorted();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p95: ms(percentile(sorted, 95)),
    p99: ms(percentile(sorted, 99)),
    max: ms(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
    mean: ms(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

/** Monotonic time in microseconds (the same clock in every thread of this process). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Formats a number for a table: thousands separators, `digits` decimals, `-` for null/NaN. */
export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats a ratio `a / b` as `1.23x`, or `-` when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (!a || !b || Number.isNaN(a) || Number.isNaN(b)) return '-';
  return `${(a / b).toFixed(2)}x`;
}

/** A plain-text table: a header row, a rule, then the rows; numbers right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => /^[-0-9.,x%]*$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
