/**
 * Reserved names (spec 7.17): the first keyed member to hold a name owns it, and anyone else
 * asking for it, by the 7.2 keys, gets NAME_RESERVED until the reservation expires.
 *
 * How this works: each reservation is found by every key of its name (name-rules.ts, passed in as
 * `keysOf`), like a member's name in the room. Taking a name as its owner marks it held and sets
 * its time of last use; leaving it sets that time again; an unheld reservation older than
 * reservationDays is dropped when next looked at. A key owns at most reservationsPerKey names (its
 * least recently used one goes) and the server at most maxReservations (when full, nothing new is
 * reserved). Time is passed in; what changed is handed to the server with `takeSave`, and the
 * adapter writes the file (reference-server/state-file.ts): nothing here does I/O.
 */
import type { Limits } from '../generated/constants.js';

/** One reservation as the file keeps it: the name as held (NFC), the owner's full fingerprint, last use (ms). */
export interface Reservation {
  readonly name: string;
  readonly key: string;
  readonly used: number;
}

export interface SavedReservations {
  readonly version: 1;
  readonly reservations: readonly Reservation[];
}

interface Entry {
  name: string;
  readonly key: string;
  used: number;
  held: boolean;
  readonly keys: readonly string[];
}

/** What taking a name did: reserved it (new), refreshed the owner's, or could not (the table is full). */
export type TakeResult = 'reserved' | 'refreshed' | 'full' | 'none';

const DAY_MS = 86_400_000;

export class Reservations {
  private readonly byKey = new Map<string, Entry>();
  private readonly entries = new Set<Entry>();
  private unsaved = false;

  constructor(
    private readonly limits: Pick<Limits, 'reservationDays' | 'reservationsPerKey' | 'maxReservations'>,
    private readonly keysOf: (name: string) => readonly string[],
    saved?: SavedReservations,
  ) {
    for (const r of saved?.reservations ?? []) {
      const keys = keysOf(r.name);
      // A name whose keys another entry already has (a file edited by hand) keeps the first.
      if (keys.some((k) => this.byKey.has(k))) continue;
      this.add({ name: r.name, key: r.key, used: r.used, held: false, keys });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The full fingerprint that owns `name` now, or undefined when it is free (7.17). */
  ownerOf(name: string, now: number): string | undefined {
    return this.find(this.keysOf(name), now)?.key;
  }

  /** True when `name` is reserved for a key other than `fingerprint` (null: an anonymous asker). */
  refuses(name: string, fingerprint: string | null, now: number): boolean {
    const owner = this.ownerOf(name, now);
    return owner !== undefined && owner !== fingerprint;
  }

  /** The member keyed `fingerprint` now holds `name` (a join or a rename, 7.17). */
  take(name: string, fingerprint: string | null, now: number): TakeResult {
    if (fingerprint === null) return 'none';
    const keys = this.keysOf(name);
    const found = this.find(keys, now);
    if (found) {
      if (found.key !== fingerprint) return 'none';
      found.held = true;
      found.used = now;
      found.name = name;
      this.unsaved = true;
      return 'refreshed';
    }
    const own = [...this.entries].filter((e) => e.key === fingerprint);
    if (own.length >= this.limits.reservationsPerKey) {
      const oldest = own.reduce((a, b) => (b.used < a.used ? b : a));
      this.drop(oldest);
    } else if (this.entries.size >= this.limits.maxReservations) {
      this.expireAll(now);
      if (this.entries.size >= this.limits.maxReservations) return 'full';
    }
    this.add({ name, key: fingerprint, used: now, held: true, keys });
    this.unsaved = true;
    return 'reserved';
  }

  /** The member keyed `fingerprint` no longer holds `name` (it left or renamed away): last used now. */
  release(name: string, fingerprint: string | null, now: number): void {
    if (fingerprint === null) return;
    const found = this.find(this.keysOf(name), now);
    if (!found || found.key !== fingerprint) return;
    found.held = false;
    found.used = now;
    this.unsaved = true;
  }

  /** Every reservation, for the file, when something changed since the last call; else null. */
  takeSave(): SavedReservations | null {
    if (!this.unsaved) return null;
    this.unsaved = false;
    const reservations = [...this.entries].map(({ name, key, used }) => ({ name, key, used }));
    return { version: 1, reservations };
  }

  /**
   * The live reservation any of `keys` finds (7.2: a shared key is one name). A name's keys may
   * lead to two reservations (Greek `Μαρια` reads as `μαρια` by its first key and as Latin `Mapia`
   * by its second): an expired one is dropped and the search goes on, so the other still counts.
   */
  private find(keys: readonly string[], now: number): Entry | undefined {
    for (const k of keys) {
      const entry = this.byKey.get(k);
      if (!entry) continue;
      if (!this.expired(entry, now)) return entry;
      this.drop(entry);
    }
    return undefined;
  }

  private expired(entry: Entry, now: number): boolean {
    return !entry.held && now - entry.used >= this.limits.reservationDays * DAY_MS;
  }

  private expireAll(now: number): void {
    for (const entry of [...this.entries]) if (this.expired(entry, now)) this.drop(entry);
  }

  private add(entry: Entry): void {
    this.entries.add(entry);
    for (const k of entry.keys) this.byKey.set(k, entry);
  }

  /** Each key leads to the one entry that lists it: `add` comes only after `find` found none. */
  private drop(entry: Entry): void {
    this.entries.delete(entry);
    for (const k of entry.keys) this.byKey.delete(k);
    this.unsaved = true;
  }
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * Reads a reservations file's JSON (7.17), or throws an Error saying what is wrong: the adapter
 * refuses to start on it and leaves the file alone.
 */
export function parseSavedReservations(json: unknown): SavedReservations {
  const fail = (why: string): never => {
    throw new Error(why);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('not a JSON object');
  const o = json as Record<string, unknown>;
  if (o.version !== 1) fail('unknown version (expected 1)');
  if (!Array.isArray(o.reservations)) fail('`reservations` is not a list');
  const reservations = (o.reservations as unknown[]).map((r, i): Reservation => {
    const e = (r ?? {}) as Record<string, unknown>;
    const where = `reservation ${i + 1}`;
    if (typeof e.name !== 'string' || e.name.length === 0) fail(`${where}: no name`);
    if (typeof e.key !== 'string' || !FINGERPRINT.test(e.key))
      fail(`${where}: the key is not a full fingerprint`);
    if (!Number.isSafeInteger(e.used) || (e.used as number) < 0) fail(`${where}: bad time of last use`);
    return { name: e.name as string, key: e.key as string, used: e.used as number };
  });
  return { version: 1, reservations };
}
