/**
 * The chat room (spec 7.2-7.7, 10.2-10.5): who is in it under which name, and the conversation
 * kept in memory for export. Profile-agnostic; the name rules come in as data from the spec.
 *
 * How this works: names map to connection ids both ways; v2 compares names case-insensitively
 * (a folded key), legacy exactly. History is a ring of at most `limit` entries, held in memory
 * only and cleared when the room empties or the server stops (the original's behaviour).
 */
import type { ErrorCode } from '../generated/errors.js';

export interface HistoryEntry {
  readonly kind: 'message' | 'action' | 'join' | 'leave';
  readonly from: string;
  readonly text: string;
  readonly ts: number;
}

export interface NameRules {
  readonly maxName: number;
  readonly pattern: RegExp;
  readonly reserved: readonly string[];
  readonly caseInsensitive: boolean;
}

export type NameVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'NAME_TAKEN' | 'NAME_INVALID' | 'NAME_RESERVED'>;
      readonly message: string;
    };

export class Room<Id> {
  private readonly byId = new Map<Id, string>();
  private readonly byKey = new Map<string, Id>();
  /** Names kept sorted by (folded key, name) as members come and go: no sort per join. */
  private readonly sorted: { key: string; name: string }[] = [];
  private history: HistoryEntry[] = [];
  private historyStart = 0;
  private sequence = 0;

  constructor(
    private readonly rules: NameRules,
    private readonly historyLimit: number,
  ) {}

  private key(name: string): string {
    return this.rules.caseInsensitive ? name.normalize('NFC').toLowerCase() : name;
  }

  /** Checks a wanted name against the rules and the people present (7.2). */
  checkName(name: string): NameVerdict {
    const length = [...name].length;
    if (length === 0 || length > this.rules.maxName) {
      return { ok: false, code: 'NAME_INVALID', message: `a name is 1 to ${this.rules.maxName} characters` };
    }
    if (!this.rules.pattern.test(name)) {
      return { ok: false, code: 'NAME_INVALID', message: 'a name may hold letters, digits, _ . and - only' };
    }
    const key = this.key(name);
    if (this.rules.reserved.some((r) => this.key(r) === key)) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved` };
    }
    if (this.byKey.has(key)) return { ok: false, code: 'NAME_TAKEN', message: `"${name}" is already in use` };
    return { ok: true };
  }

  join(id: Id, name: string): void {
    const key = this.key(name);
    this.byId.set(id, name);
    this.byKey.set(key, id);
    this.sorted.splice(this.position(key, name), 0, { key, name });
  }

  /** Binary search for where (key, name) sits in `sorted`. */
  private position(key: string, name: string): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.sorted[mid];
      if (at.key < key || (at.key === key && at.name < name)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes a member; returns the name it had, if it had joined. */
  leave(id: Id): string | undefined {
    const name = this.byId.get(id);
    if (name === undefined) return undefined;
    const key = this.key(name);
    this.byId.delete(id);
    this.byKey.delete(key);
    this.sorted.splice(this.position(key, name), 1);
    if (this.byId.size === 0) this.clearHistory();
    return name;
  }

  nameOf(id: Id): string | undefined {
    return this.byId.get(id);
  }

  /** Finds a member by name, following the room's comparison rule. */
  idOf(name: string): Id | undefined {
    return this.byKey.get(this.key(name));
  }

  get size(): number {
    return this.byId.size;
  }

  /** Member ids in join order. */
  members(): IterableIterator<Id> {
    return this.byId.keys();
  }

  /** Names sorted case-insensitively (7.6); legacy rooms sort exactly. */
  names(): string[] {
    return this.sorted.map((s) => s.name);
  }

  /** The next per-server message id (7.3). */
  nextId(): number {
    return this.sequence++;
  }

  record(entry: HistoryEntry): void {
    if (this.historyLimit <= 0) return;
    this.history.push(entry);
    // Amortised ring: drop the oldest in batches instead of shifting on every entry.
    if (this.history.length - this.historyStart > this.historyLimit) this.historyStart++;
    if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
      this.history = this.history.slice(this.historyStart);
      this.historyStart = 0;
    }
  }

  entries(): HistoryEntry[] {
    return this.history.slice(this.historyStart);
  }

  clearHistory(): void {
    this.history = [];
    this.historyStart = 0;
  }
}
