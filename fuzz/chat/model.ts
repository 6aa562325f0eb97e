/**
 * The chat model: who is in the room, what the server holds, and the check of every step's
 * observations against the expectations. The commands that drive a chat server (the sans-IO one in
 * memory, or a live server over TCP) are in commands.ts, their arbitraries in arbitraries.ts; this
 * module re-exports the vocabulary (types.ts) for the fuzz targets.
 *
 * How this works: the model knows the spec's rules (names 7.2/10.2, deliveries 7.3-7.7 and
 * 10.2-10.5, the token bucket 7.8) and nothing of the implementation. Each command acts on the
 * system through a `ChatSystem`, asks it to collect what every participant received, and
 * compares that, per participant and in order, with what the model says: exactly the expected
 * packets, each once, in order, with the same message id for every recipient of one message and
 * ids that only grow. A participant who is not mentioned must have received nothing.
 */
import { nameForm, sameName } from '../../src/chat/name-rules.js';
import {
  LEGACY_NAME_PATTERN,
  LEGACY_NAME_RULES,
  LEGACY_RESERVED_NAMES,
  V2_NAME_RULES,
  V2_RESERVED_NAMES,
} from '../../src/generated/constants.js';
import { displayText } from '../../src/text/untrusted-text.js';
import type { Profile } from '../targets/types.js';
import { ensure } from '../util.js';
import { describeExpect, matches, sameV2 } from './matching.js';
import { describeObs, type ExportEntry, type Obs } from './observe.js';
import {
  type ChatSystem,
  type Expectations,
  type StepPlan,
  WATCHER,
  WATCHER_NAME,
  type Who,
} from './types.js';

export { describeExpect, legacyExportText } from './matching.js';
export * from './types.js';

interface HistoryItem {
  readonly kind: 'message' | 'action' | 'join' | 'leave';
  readonly from: string;
  readonly text: string;
}

export class ChatModel {
  /** Joined participants and their names (join order). */
  readonly members = new Map<Who, string>();
  /** Participants connected (handshake done) but not joined. */
  readonly waiting = new Set<Who>();
  history: HistoryItem[] = [];
  /** Whether `history` is all the server holds (false until the room has been seen empty). */
  historyComplete: boolean;
  private readonly tokens = new Map<Who, { tokens: number; at: number }>();
  /** When each connected slot was accepted (the handshake timeout runs from there, spec 11). */
  readonly openedAt = new Map<Who, number>();
  private readonly lastId = new Map<Who, number>();
  /** Members away (7.12) and their reasons ('' for none), in the order they went away. */
  readonly away = new Map<Who, string>();
  /** When each member joined (the server's clock), for whois (7.13). */
  readonly joinedAt = new Map<Who, number>();
  /**
   * When each member last acted in public (7.13): a chat line or action, a rename, away or back;
   * joining starts it. A private message does not, nor anything refused.
   */
  readonly activeAt = new Map<Who, number>();

  constructor(
    readonly profile: Profile,
    readonly system: ChatSystem,
    /** Client slots the commands use (the watcher is not one). */
    readonly slotCount: number,
  ) {
    if (system.hasWatcher) this.members.set(WATCHER, WATCHER_NAME);
    this.historyComplete = system.exactHistory;
  }

  /** Every name in the room: the baseline (others on a shared server) and the members. */
  names(): string[] {
    return [...this.system.baseline, ...this.members.values()];
  }

  isConnected(slot: Who): boolean {
    return this.waiting.has(slot) || this.members.has(slot);
  }

  /** Whether `who` listed `feature` in its hello (even slots only) and the server offered it (5.8). */
  agrees(who: Who, feature: string): boolean {
    return who >= 0 && who % 2 === 0 && this.system.features.includes(feature);
  }

  /**
   * The spec's name rules (7.2 for v2, 10.2 for legacy); null when the name is accepted. `self`:
   * a member renaming (7.11), whose own name does not make the wanted one taken.
   */
  nameVerdict(name: string, self?: Who): string | null {
    const own = self === undefined ? undefined : this.members.get(self);
    const names = this.names().filter((n) => n !== own);
    const length = [...name].length;
    const { maxName } = this.system.limits;
    if (this.profile === 'v2') {
      const form = nameForm(V2_NAME_RULES, maxName, name);
      if (!form.ok) return 'NAME_INVALID';
      if (V2_RESERVED_NAMES.some((r) => sameV2(r, form.name))) return 'NAME_RESERVED';
      if (names.some((n) => sameV2(n, form.name))) return 'NAME_TAKEN';
      return null;
    }
    if (length === 0 || length > maxName || !LEGACY_NAME_PATTERN.test(name)) return 'NAME_INVALID';
    // Legacy names are compared by the keys of 7.2 too (10.2).
    if (LEGACY_RESERVED_NAMES.some((r) => sameName(LEGACY_NAME_RULES, r, name))) return 'NAME_RESERVED';
    if (names.some((n) => sameName(LEGACY_NAME_RULES, n, name))) return 'NAME_TAKEN';
    return null;
  }

  /** The name as the server records an accepted one: v2 in NFC (7.2), legacy as sent. */
  recordedName(name: string): string {
    return this.profile === 'v2' ? name.normalize('NFC') : name;
  }

  /** The member a v2 private message to `to` reaches (names compare case-insensitively). */
  memberNamed(to: string): { who: Who | null; name: string } | null {
    for (const [who, name] of this.members) if (sameV2(name, to)) return { who, name };
    const foreign = this.system.baseline.find((n) => sameV2(n, to));
    return foreign === undefined ? null : { who: null, name: foreign };
  }

  /**
   * The token bucket (7.8): `cost` tokens (the packet's rateCost, at most the burst). Returns true
   * (taken), false (limited), or null (lenient: ask the server).
   */
  takeToken(slot: Who, cost = 1): boolean | null {
    const rate = this.system.rate;
    if (!rate) return null;
    const now = this.system.now;
    const bucket = this.tokens.get(slot) ?? { tokens: rate.burst, at: now };
    const refill = ((now - bucket.at) / 1000) * rate.perSecond;
    bucket.tokens = Math.min(rate.burst, bucket.tokens + refill);
    bucket.at = now;
    this.tokens.set(slot, bucket);
    const take = Math.min(cost, rate.burst);
    if (bucket.tokens >= take) {
      bucket.tokens -= take;
      return true;
    }
    return false;
  }

  connected(slot: Who): void {
    this.waiting.add(slot);
    this.openedAt.set(slot, this.system.now);
    if (this.system.rate) this.tokens.set(slot, { tokens: this.system.rate.burst, at: this.system.now });
  }

  joined(slot: Who, name: string): void {
    this.waiting.delete(slot);
    this.members.set(slot, name);
    this.joinedAt.set(slot, this.system.now);
    this.activeAt.set(slot, this.system.now);
    if (this.profile === 'v2') this.record({ kind: 'join', from: name, text: '' });
  }

  left(slot: Who): void {
    const name = this.members.get(slot);
    this.waiting.delete(slot);
    this.members.delete(slot);
    this.tokens.delete(slot);
    this.lastId.delete(slot);
    this.openedAt.delete(slot);
    this.away.delete(slot); // away ends when the member leaves (7.12)
    this.joinedAt.delete(slot);
    this.activeAt.delete(slot);
    if (name === undefined) return;
    if (this.names().length === 0) {
      // The last one out takes the conversation along (7.7, 10.5).
      this.history = [];
      this.historyComplete = true;
    } else if (this.profile === 'v2') this.record({ kind: 'leave', from: name, text: '' });
  }

  /** A rename (7.11): the member keeps its place in join order and its away; history keeps the old name. */
  renamed(slot: Who, name: string): void {
    this.members.set(slot, name);
  }

  /** Member `slot` acted in public now (7.13). */
  active(slot: Who): void {
    this.activeAt.set(slot, this.system.now);
  }

  /** What a newcomer that agreed `backlog` is sent (7.10): the newest chat lines and actions. */
  backlogEntries(): ExportEntry[] {
    const chat = this.history.filter((h) => h.kind === 'message' || h.kind === 'action');
    const count = this.system.backlog;
    return count <= 0 ? [] : chat.slice(-count).map((h) => ({ kind: h.kind, from: h.from, text: h.text }));
  }

  record(item: HistoryItem): void {
    this.history.push(item);
  }

  /** Export entries as the spec defines them (7.7: messages, actions, joins, leaves). */
  exportEntries(): ExportEntry[] {
    return this.history.map((h) => ({ kind: h.kind, from: h.from, text: h.text }));
  }

  /** legacy export lines: `name> text` per chat line, each kept on one line (10.5). */
  exportLines(): string[] {
    return this.history
      .filter((h) => h.kind === 'message')
      .map((h) => `${displayText(h.from)}> ${displayText(h.text)}`);
  }

  // -------------------------------------------------------------------------------------------
  // Comparing observations with expectations

  /** Throws with a readable account when `seen` differs from `expected` for anyone. */
  verify(plan: StepPlan, seen: Map<Who, Obs[]>, expected: Expectations): void {
    const problems = this.system.problems();
    ensure(problems.length === 0, () => `${plan.label}: ${problems.join('; ')}`);
    const ids = new Map<string, number>();
    const everyone = new Set<Who>([...seen.keys(), ...expected.keys()]);
    for (const who of everyone) {
      if (plan.actorLeaves && who === plan.actor) continue;
      const got = seen.get(who) ?? [];
      const want = expected.get(who) ?? [];
      const label =
        who === WATCHER
          ? 'watcher'
          : `slot ${who}${this.members.has(who) ? ` (${this.members.get(who)})` : ''}`;
      const account = () =>
        `${plan.label}: ${label} received [${got.map(describeObs).join(', ')}], expected [${want.map(describeExpect).join(', ')}]`;
      ensure(got.length === want.length, account);
      want.forEach((w, i) => {
        const o = got[i];
        ensure(matches(w, o), account);
        if (o.t === 'message' || o.t === 'action' || o.t === 'private') {
          const key = `${o.t}/${o.from}/${o.text}`;
          const first = ids.get(key);
          ensure(
            first === undefined || first === o.id,
            () => `${plan.label}: one ${o.t} reached two members with ids ${first} and ${o.id}`,
          );
          ids.set(key, o.id);
          const last = this.lastId.get(who);
          ensure(
            last === undefined || o.id > last,
            () => `${plan.label}: ${label} got id ${o.id} after id ${last}: ids must grow`,
          );
          this.lastId.set(who, o.id);
        }
      });
    }
  }
}
