/**
 * Names kept in user-list order (spec 7.6): by their case-folded form, then by code point, as
 * members come and go, so that a list is read off without a sort per join.
 *
 * How this works: one sorted array of (order key, name), searched by bisection on insert and
 * removal. The server keeps one for each room (chat-room.ts); a rename moves the name in each.
 */
import type { NameRules } from '../generated/constants.js';
import { compareCodePoints, nameOrderKey } from './name-rules.js';

export class SortedNames {
  private readonly sorted: { key: string; name: string }[] = [];

  constructor(private readonly rules: NameRules) {}

  get size(): number {
    return this.sorted.length;
  }

  add(name: string): void {
    const key = nameOrderKey(this.rules, name);
    this.sorted.splice(this.position(key, name), 0, { key, name });
  }

  remove(name: string): void {
    const at = this.position(nameOrderKey(this.rules, name), name);
    if (this.sorted[at]?.name === name) this.sorted.splice(at, 1);
  }

  /** The names in order (a copy). */
  list(): string[] {
    return this.sorted.map((s) => s.name);
  }

  /** Binary search for where (key, name) sits. */
  private position(key: string, name: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.sorted[mid];
      const byKey = compareCodePoints(at.key, key);
      if (byKey < 0 || (byKey === 0 && compareCodePoints(at.name, name) < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
