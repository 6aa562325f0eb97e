/**
 * The log's bound (spec 11.5): whether a line about one connection is written, and the summary
 * lines of those that were not.
 *
 * How this works: a connection line is charged to the network prefix of its connection's address
 * (admission.ts `prefixKey`: an IPv4 /24, an IPv6 /48; connections with no address share one
 * prefix). Each prefix has a token bucket of logLineBurst lines refilled at logLinesPerSecond, and
 * the server one of 10 x logTotalLinesPerSecond refilled at logTotalLinesPerSecond; a line is
 * written when both hold a token, else counted for its prefix. The first line counted opens a
 * window of LOG_SUMMARY_WINDOW_MS; when it ends, `summary` gives one line per prefix that had
 * lines counted (the LOG_SUMMARY_PREFIXES with the most) and one for the rest. So the log grows
 * by a bounded number of lines a second whatever clients do: a client rotating through the
 * addresses of one /24 had the server write a line per connection, about 330 a second. Time is
 * passed in; nothing here keeps a clock.
 */
import type { Limits } from '../generated/constants.js';
import { prefixKey } from './admission.js';
import { refill, type TokenBucket } from './rate-limit.js';

export type LogBudgetLimits = Pick<Limits, 'logLineBurst' | 'logLinesPerSecond' | 'logTotalLinesPerSecond'>;

/** How long counted lines are summed up before their summary is written (11.5). */
export const LOG_SUMMARY_WINDOW_MS = 10_000;
/** Prefixes named in the summary of one window; the rest share one line (11.5). */
export const LOG_SUMMARY_PREFIXES = 10;
/** The server's bucket holds this many seconds of logTotalLinesPerSecond (11.5). */
const TOTAL_BURST_SECONDS = 10;
/** The prefix of connections whose address the adapter could not tell. */
const NO_ADDRESS = 'unknown addresses';
/** From this many prefixes on (or twice those kept at the last prune), `charge` prunes the table. */
export const PRUNE_AT = 4096;

interface PrefixEntry extends TokenBucket {
  /** Lines not written in the current window. */
  counted: number;
}

export class LogBudget {
  private readonly prefixes = new Map<string, PrefixEntry>();
  private readonly total: TokenBucket = { tokens: 0, at: Number.NEGATIVE_INFINITY };
  private readonly totalBurst: number;
  /** When the current summary window opened, or null: no line is counted. */
  private since: number | null = null;
  private pruneAt = PRUNE_AT;

  constructor(private readonly limits: LogBudgetLimits) {
    this.totalBurst = TOTAL_BURST_SECONDS * limits.logTotalLinesPerSecond;
    this.total.tokens = this.totalBurst;
  }

  /** How many prefixes the budget holds now (what it costs in memory: pruned, see PRUNE_AT). */
  get held(): number {
    return this.prefixes.size;
  }

  /** When the counted lines are due to be summed up, or null when none are counted. */
  get due(): number | null {
    return this.since === null ? null : this.since + LOG_SUMMARY_WINDOW_MS;
  }

  /**
   * A connection line about a connection from `address` (its key, admission.ts; undefined: not
   * told) at `now`: true when it is written, false when it is only counted.
   */
  charge(address: string | undefined, now: number): boolean {
    const { logLineBurst: burst, logLinesPerSecond: perSecond } = this.limits;
    const key = address === undefined ? NO_ADDRESS : prefixKey(address);
    let entry = this.prefixes.get(key);
    if (entry === undefined) {
      if (this.prefixes.size >= this.pruneAt) this.prune(now);
      entry = { tokens: burst, at: now, counted: 0 };
      this.prefixes.set(key, entry);
    }
    refill(entry, burst, perSecond, now);
    refill(this.total, this.totalBurst, this.limits.logTotalLinesPerSecond, now);
    if (entry.tokens >= 1 && this.total.tokens >= 1) {
      entry.tokens--;
      this.total.tokens--;
      return true;
    }
    entry.counted++;
    this.since ??= now;
    return false;
  }

  /**
   * The summary lines once the window has ended at `now` (none before it, or when nothing is
   * counted): e.g. `log bound (11.5): 412 more lines about connections from 127.0.0.0/24 within
   * 10 s were not written`, the prefixes with the most first, then one line for the rest.
   */
  summary(now: number): string[] {
    if (this.since === null || now - this.since < LOG_SUMMARY_WINDOW_MS) return [];
    this.since = null;
    const counted: [string, number][] = [];
    for (const [key, entry] of this.prefixes) {
      if (entry.counted === 0) continue;
      counted.push([key, entry.counted]);
      entry.counted = 0;
    }
    counted.sort((a, b) => b[1] - a[1]);
    const seconds = LOG_SUMMARY_WINDOW_MS / 1000;
    const line = (count: number, from: string) =>
      `log bound (11.5): ${count} more line${count === 1 ? '' : 's'} about connections from ${from} within ${seconds} s ${count === 1 ? 'was' : 'were'} not written`;
    const lines = counted.slice(0, LOG_SUMMARY_PREFIXES).map(([key, count]) => line(count, key));
    const rest = counted.slice(LOG_SUMMARY_PREFIXES);
    if (rest.length > 0) {
      const count = rest.reduce((sum, [, n]) => sum + n, 0);
      lines.push(line(count, `${rest.length} other network${rest.length === 1 ? '' : 's'}`));
    }
    return lines;
  }

  /** Forgets the prefixes with nothing counted whose bucket is full again. */
  private prune(now: number): void {
    const { logLineBurst: burst, logLinesPerSecond: perSecond } = this.limits;
    for (const [key, entry] of this.prefixes) {
      if (entry.counted > 0) continue;
      refill(entry, burst, perSecond, now);
      if (entry.tokens >= burst) this.prefixes.delete(key);
    }
    // Amortised: the next prune is as many new prefixes away as this one kept.
    this.pruneAt = Math.max(PRUNE_AT, 2 * this.prefixes.size);
  }
}
