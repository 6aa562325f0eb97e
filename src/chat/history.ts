/**
 * The conversation a server keeps in memory (spec 7.7, 10.5, limit `history`), and cursors that
 * read it a piece at a time.
 *
 * How this works: entries are numbered from 0 in the order they were recorded, for the life of
 * the history (clearing it does not reset the numbers). The history holds the last `capacity`
 * of them in an amortised ring (the oldest go in batches, not one shift per entry). A cursor is
 * two numbers, the next entry to read and the end it stops at, fixed when the cursor is made: so
 * a long export is produced as its reader drains it (11, sendWindowBytes), never copied whole,
 * and it costs the same whether the history holds ten entries or a million. What the ring drops
 * (or `clear` removes) before a cursor reaches it is skipped: a reader gets the entries that were
 * still held when it got to them, in order, each once.
 */
import type { LeaveReason } from '../generated/constants.js';

/** One entry of the conversation; join and leave entries carry the name (7.7, decision 1 of 2.1). */
export type HistoryEntry =
  | { readonly kind: 'message' | 'action'; readonly from: string; readonly text: string; readonly ts: number }
  | { readonly kind: 'join'; readonly name: string; readonly ts: number }
  | { readonly kind: 'leave'; readonly name: string; readonly reason: LeaveReason; readonly ts: number };

/** Reads a history from one entry up to an end fixed when it was made. */
export interface HistoryCursor {
  /** The next entry, or undefined when the cursor is done. */
  next(): HistoryEntry | undefined;
  /** True when `next` would return an entry (the end not reached, and entries left before it). */
  readonly more: boolean;
}

export class History {
  private entries: HistoryEntry[] = [];
  /** The number of entries[0]. */
  private base = 0;
  /** Index in `entries` of the oldest entry held. */
  private start = 0;

  constructor(private readonly capacity: number) {}

  /** Number of the next entry to be recorded. */
  get end(): number {
    return this.base + this.entries.length;
  }

  /** Number of the oldest entry held. */
  get first(): number {
    return this.base + this.start;
  }

  get size(): number {
    return this.entries.length - this.start;
  }

  record(entry: HistoryEntry): void {
    if (this.capacity <= 0) return;
    this.entries.push(entry);
    if (this.size > this.capacity) this.start++;
    this.compact();
  }

  /** Drops the oldest entry held, if any (the server-wide bound historyTotal, 7.15). */
  dropOldest(): void {
    if (this.size === 0) return;
    this.start++;
    this.compact();
  }

  /** The oldest entry held, or undefined when none is. */
  get oldest(): HistoryEntry | undefined {
    return this.at(this.first);
  }

  /** Gives back the space of dropped entries in batches, not one shift per entry. */
  private compact(): void {
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.base += this.start;
      this.start = 0;
    }
  }

  /** Entry number `n`, or undefined when it is not held (dropped, cleared or not yet recorded). */
  at(n: number): HistoryEntry | undefined {
    // Past the end the array holds nothing either.
    return n < this.first ? undefined : this.entries[n - this.base];
  }

  /** Every entry held, oldest first (a copy: for tests and small histories). */
  all(): HistoryEntry[] {
    return this.entries.slice(this.start);
  }

  /** A cursor over the entries held now, oldest first; entries recorded later are not read. */
  cursor(from = this.first): HistoryCursor {
    let pos = from;
    const end = this.end;
    const skip = () => {
      pos = Math.max(pos, this.first);
    };
    return {
      next: () => {
        skip();
        if (pos >= end) return undefined;
        return this.at(pos++);
      },
      get more() {
        skip();
        return pos < end;
      },
    };
  }

  clear(): void {
    this.base = this.end;
    this.entries = [];
    this.start = 0;
  }
}
