/**
 * What the chat model knows of its members besides their names (spec 7.16, 7.18): the key each
 * connection proved, its address hash and the features it agreed.
 *
 * How this works: a connection's `client_auth` (7.16) comes before its `join`, so a proved key
 * waits here by connection id until the join makes it one of the member's facts (MemberFacts);
 * the facts stay fixed while the member stays (a rename keeps the key). Keyed members are also
 * kept by name, so that the lists (join_ok, user_list, users_joined) can add `keys` without
 * looking at every member: most members are anonymous, so that map stays small. Nothing here
 * decides: the model (room.ts) asks, and the dialects render only what a member may see.
 */
import { shortFingerprint } from '../crypto/identity.js';
import type { Moderation } from './moderation.js';
import type { JoinContext, MemberFacts, WhoisFacts } from './room-decision.js';

/** A keyed member as lists show it (7.16). */
export interface KeyedName {
  readonly key: string;
  readonly op: boolean;
}

const NO_FEATURES: ReadonlySet<string> = new Set();

export class MemberKeys<Id> {
  /** Facts of every joined member (7.16, 7.18). */
  private readonly facts = new Map<Id, MemberFacts>();
  /** Keys proved by connections that have not joined yet (7.16). */
  private readonly proven = new Map<Id, string>();
  /** Keyed members by name, for the lists (7.16). */
  private readonly keyedNames = new Map<string, KeyedName>();

  /** Connection `by` proved the key of this full fingerprint (client_auth, 7.16). */
  prove(by: Id, fingerprint: string): void {
    this.proven.set(by, fingerprint);
  }

  /** A joiner's facts: the key it proved, its address hash, its features (7.16, 7.18). */
  factsFor(by: Id, context: JoinContext, moderation: Moderation | undefined): MemberFacts {
    const fingerprint = this.proven.get(by) ?? null;
    const address = context.address ?? null;
    return {
      fingerprint,
      key: fingerprint === null ? null : shortFingerprint(fingerprint),
      op: moderation?.isOperator(fingerprint) ?? false,
      addr: moderation && address !== null ? moderation.addressHash(address) : null,
      address: moderation?.opsSeeAddresses ? address : null,
      features: context.features ?? NO_FEATURES,
    };
  }

  /** Member `id` joined as `name` with these facts. */
  joined(id: Id, name: string, facts: MemberFacts): void {
    this.proven.delete(id);
    this.facts.set(id, facts);
    if (facts.key !== null) this.keyedNames.set(name, { key: facts.key, op: facts.op });
  }

  /** A member renamed (7.11): its key follows it. */
  renamed(from: string, to: string): void {
    const keyed = this.keyedNames.get(from);
    if (!keyed) return;
    this.keyedNames.delete(from);
    this.keyedNames.set(to, keyed);
  }

  /** Connection `id` (joined as `name`, if it joined) is gone; its fingerprint, if any. */
  gone(id: Id, name: string | undefined): string | null {
    this.proven.delete(id);
    const fingerprint = this.facts.get(id)?.fingerprint ?? null;
    this.facts.delete(id);
    if (name !== undefined) this.keyedNames.delete(name);
    return fingerprint;
  }

  /** A joined member's facts (7.16, 7.18). */
  of(id: Id): MemberFacts | undefined {
    return this.facts.get(id);
  }

  /** The keyed members among `names`, as lists show them (7.16). */
  among(names: readonly string[]): { name: string; key: string; op?: true }[] {
    const out: { name: string; key: string; op?: true }[] = [];
    if (this.keyedNames.size === 0) return out;
    for (const name of names) {
      const keyed = this.keyedNames.get(name);
      if (keyed) out.push(keyed.op ? { name, key: keyed.key, op: true } : { name, key: keyed.key });
    }
    return out;
  }

  /** Whether any member is keyed (7.16): lists carry `keys` only then. */
  get any(): boolean {
    return this.keyedNames.size > 0;
  }

  /** whois_reply's key and address fields, as the asker may see them (7.16, 7.18). */
  whois(asker: Id, target: Id): Partial<WhoisFacts> {
    const seer = this.facts.get(asker);
    const facts = this.facts.get(target);
    if (!seer || !facts) return {};
    const out: { fingerprint?: string; op?: true; addr?: string; address?: string } = {};
    if (seer.features.has('client-key') && facts.fingerprint !== null) {
      out.fingerprint = facts.fingerprint;
      if (facts.op) out.op = true;
    }
    if (seer.op && seer.features.has('moderation')) {
      if (facts.addr !== null) out.addr = facts.addr;
      if (facts.address !== null) out.address = facts.address;
    }
    return out;
  }
}
