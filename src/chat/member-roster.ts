/**
 * Who is on the server (spec 7.2, 7.11-7.13, 10.2): each joined member's name, whether it is
 * away, when it joined and last acted in public, and whether it agreed the feature rooms (7.15).
 * These facts are server-wide; the rooms (room-set.ts) scope chat, presence and history.
 *
 * How this works: names map to member ids both ways. A name is found under every key the
 * profile's name rules give it (generated from the spec, applied by name-rules.ts: v2 records
 * names in NFC and compares them by their UTS #39 skeleton key, legacy exactly), and no two
 * members share a key, so two spellings of one name are one name. The model (room.ts) asks and
 * records here; this module only holds and answers, and calls nobody.
 */
import type { NameRules } from '../generated/constants.js';
import { nameForm, nameKeys } from './name-rules.js';
import type { NameVerdict } from './room-decision.js';

/** When a member joined and last acted in public: spoke, renamed, went away or came back (7.13). */
export interface Seen {
  joined: number;
  active: number;
}

export class MemberRoster<Id> {
  /** Each member's name, in join order (a rename keeps the member's place). */
  private readonly byId = new Map<Id, string>();
  /** Every key of every member's name (name-rules.ts): no two members share one. */
  private readonly byKey = new Map<string, Id>();
  /** Members away (7.12), with their reason ('' for none), in the order they went away. */
  private readonly awayBy = new Map<Id, string>();
  private readonly seen = new Map<Id, Seen>();
  /** Members that agreed the feature rooms (7.15): only they may leave `#lobby`'s 2.0 forms. */
  private readonly roomsAware = new Set<Id>();

  constructor(
    private readonly rules: NameRules,
    private readonly maxName: number,
  ) {}

  /**
   * A wanted name against the rules and the names in use (7.2, 10.2): its recorded form, or why
   * not. `self`: a member renaming (7.11), whose own keys do not count as taken.
   */
  check(wanted: string, self?: Id): NameVerdict {
    const form = nameForm(this.rules, this.maxName, wanted);
    if (!form.ok) return { ok: false, code: 'NAME_INVALID', message: form.message };
    const name = form.name;
    const keys = nameKeys(this.rules, name);
    if (this.rules.reserved.some((r) => nameKeys(this.rules, r).some((k) => keys.includes(k)))) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved` };
    }
    if (keys.some((k) => this.byKey.has(k) && this.byKey.get(k) !== self)) {
      return { ok: false, code: 'NAME_TAKEN', message: `"${name}" is already in use` };
    }
    return { ok: true, name };
  }

  /** Member `id` joined at `now` as `name` (checked); `roomsAware`: it agreed rooms (7.15). */
  join(id: Id, name: string, now: number, roomsAware: boolean): void {
    this.add(id, name);
    this.seen.set(id, { joined: now, active: now });
    if (roomsAware) this.roomsAware.add(id);
  }

  /** Member `id` is now called `name` (checked); returns its old name (7.11). */
  rename(id: Id, name: string): string {
    const from = this.byId.get(id)!;
    // byId keeps its place (join order); only the keys move.
    this.unkey(from);
    this.add(id, name);
    return from;
  }

  /** Member `id`, called `name`, left: every fact of it goes. */
  remove(id: Id, name: string): void {
    this.byId.delete(id);
    this.unkey(name);
    this.awayBy.delete(id);
    this.seen.delete(id);
    this.roomsAware.delete(id);
  }

  /** Member `id` did something public that ends idleness (7.13); a private message does not. */
  active(id: Id, now: number): void {
    const seen = this.seen.get(id);
    if (seen) seen.active = now;
  }

  /** When member `id` joined and last acted in public (7.13). */
  seenOf(id: Id): Seen | undefined {
    return this.seen.get(id);
  }

  /** Member `id` is away now, with `reason` ('' for none, 7.12). */
  goAway(id: Id, reason: string): void {
    this.awayBy.set(id, reason);
  }

  /** Member `id` is back; false when it was not away (7.12: nothing to tell). */
  comeBack(id: Id): boolean {
    return this.awayBy.delete(id);
  }

  /** Member `id`'s away reason ('' for none), undefined when it is not away (7.12). */
  awayOf(id: Id): string | undefined {
    return this.awayBy.get(id);
  }

  /** The members among `ids` away now, in the order they went away, with their reasons. */
  awayAmong(ids: ReadonlySet<Id>): { id: Id; name: string; reason: string }[] {
    const out: { id: Id; name: string; reason: string }[] = [];
    for (const [id, reason] of this.awayBy)
      if (ids.has(id)) out.push({ id, name: this.byId.get(id)!, reason });
    return out;
  }

  /** Whether member `id` agreed the feature rooms (7.15), and so gets packets with `room`. */
  speaksRooms(id: Id): boolean {
    return this.roomsAware.has(id);
  }

  nameOf(id: Id): string | undefined {
    return this.byId.get(id);
  }

  /** Finds a member by name, following the profile's comparison rule. */
  idOf(name: string): Id | undefined {
    for (const key of nameKeys(this.rules, name)) {
      const id = this.byKey.get(key);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Members joined to the server. */
  get size(): number {
    return this.byId.size;
  }

  /** Member ids in join order. */
  members(): IterableIterator<Id> {
    return this.byId.keys();
  }

  /** Records `name` as member `id`'s. */
  private add(id: Id, name: string): void {
    this.byId.set(id, name);
    for (const key of nameKeys(this.rules, name)) this.byKey.set(key, id);
  }

  /** Drops `name`'s keys. */
  private unkey(name: string): void {
    for (const key of nameKeys(this.rules, name)) this.byKey.delete(key);
  }
}
