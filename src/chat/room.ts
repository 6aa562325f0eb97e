/**
 * The chat room (spec 7.2-7.8, 10.2-10.5): the one place that decides. Who is in it under which
 * name, whether a chat packet may go out (rate limit, length), what id and time it gets, whom it
 * reaches, and the conversation kept in memory for export. Wire-agnostic: a request comes in as
 * data, a decision goes out as data, and a wire dialect (v2-dialect.ts, legacy-dialect.ts) turns
 * the decision into its own packets. The room never calls anyone.
 *
 * How this works: names map to member ids both ways under the profile's name rules (generated
 * from the spec, applied by name-rules.ts: v2 records names in NFC and compares them by their
 * UTS #39 skeleton key, legacy exactly). The rate limit (7.8) is not the room's: every packet is
 * charged before it reaches the room, in one place (chat-server.ts, rate-limit.ts). History is a ring of at most `history` entries, held in memory only and cleared
 * when the room empties or the server stops (the original's behaviour).
 * A member may be keyed (7.16): the key its connection proved before joining is one of its facts,
 * with its address hash and the features it agreed (MemberFacts). Reserved names (7.17) and the
 * operators' bans and mutes (7.18) are checked here too, from reservations.ts and moderation.ts
 * when the server has them; the moderation requests themselves are decided in moderate.ts.
 */

import { shortFingerprint } from '../crypto/identity.js';
import { type ParleyError, parleyError } from '../errors.js';
import type { LeaveReason, Limits, NameRules } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { V2PacketOf } from '../generated/v2-packets.js';
import { History, type HistoryEntry } from './history.js';
import type { Moderation } from './moderation.js';
import { compareCodePoints, nameForm, nameKeys, nameOrderKey } from './name-rules.js';
import type { Reservations } from './reservations.js';

export type { HistoryEntry } from './history.js';

/** A chat line or action of the history (what a backlog holds, 7.10). */
export type ChatEntry = HistoryEntry & { readonly kind: 'message' | 'action' };

export type NameVerdict =
  | { readonly ok: true; readonly name: string }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'NAME_TAKEN' | 'NAME_INVALID' | 'NAME_RESERVED'>;
      readonly message: string;
    };

/** A moderation request as the room gets it (the packets of 7.18 without `type`). */
export type RoomModerationRequest =
  | { readonly kind: 'kick'; readonly name: string; readonly reason?: string }
  | {
      readonly kind: 'ban';
      readonly name?: string;
      readonly key?: string;
      readonly addr?: string;
      readonly duration: number;
      readonly reason?: string;
    }
  | { readonly kind: 'unban'; readonly ban: number }
  | { readonly kind: 'bans' }
  | {
      readonly kind: 'mute';
      readonly name: string;
      readonly room?: string;
      readonly duration: number;
      readonly reason?: string;
    }
  | { readonly kind: 'unmute'; readonly name: string; readonly room?: string }
  | { readonly kind: 'motd'; readonly text: string };

/** A member's facts besides its name, fixed when it joins (7.16, 7.18). */
export interface MemberFacts {
  /** The full fingerprint of the key its connection proved (7.16), or null: anonymous. */
  readonly fingerprint: string | null;
  /** Its key's short fingerprint, or null. */
  readonly key: string | null;
  /** Its key is an operator's (7.18). */
  readonly op: boolean;
  /** Its address hash (7.18), or null when the address is unknown or the server does not moderate. */
  readonly addr: string | null;
  /** Its address as the server counts it (11), kept only for `--ops-see-addresses`; else null. */
  readonly address: string | null;
  /** The v2 features its connection agreed (5.8); none for legacy. */
  readonly features: ReadonlySet<string>;
}

/** How a connection joins: what the server knows of it besides the wanted name. */
export interface JoinContext {
  /** The address as the server counts it (admission.ts addressKey), when known. */
  readonly address?: string;
  readonly features?: ReadonlySet<string>;
}

/** A keyed member as lists show it (7.16). */
export interface KeyedName {
  readonly key: string;
  readonly op: boolean;
}

const NO_FEATURES: ReadonlySet<string> = new Set();

/** What a member asks of the room; a dialect reads it off its own packets. */
export type RoomRequest =
  | ({ readonly kind: 'join'; readonly name: string } & JoinContext)
  /** The connection proved its key (client_auth, 7.16): the full fingerprint. */
  | { readonly kind: 'prove'; readonly fingerprint: string }
  | RoomModerationRequest
  | { readonly kind: 'say'; readonly text: string; readonly action: boolean }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'who' }
  | { readonly kind: 'export' }
  | { readonly kind: 'nick'; readonly name: string }
  /** Away with an optional reason, or back (`reason: null`), feature away (7.12). */
  | { readonly kind: 'away'; readonly reason: string | null; readonly away: boolean }
  | { readonly kind: 'whois'; readonly name: string };

/**
 * A member away or back (feature away, 7.12): the fields of user_away, so that the room's decision
 * and the client's event (client/events.ts) are one declaration, derived from the spec's packet.
 */
export type AwayNews = { readonly kind: 'away' } & Readonly<Omit<V2PacketOf<'user_away'>, 'type'>>;

/** About one member (feature whois, 7.13): the fields of whois_reply, for the room and the client. */
export type WhoisFacts = { readonly kind: 'whois' } & Readonly<Omit<V2PacketOf<'whois_reply'>, 'type'>>;

/** What the room decided; `by` is the member who asked (or left). */
export type RoomDecision<Id> =
  | { readonly kind: 'joined'; readonly by: Id; readonly name: string; readonly ts: number }
  | { readonly kind: 'refused'; readonly by: Id; readonly verdict: Exclude<NameVerdict, { ok: true }> }
  | {
      readonly kind: 'message';
      readonly by: Id;
      readonly id: number;
      readonly from: string;
      readonly text: string;
      readonly action: boolean;
      readonly ts: number;
    }
  | {
      readonly kind: 'private';
      readonly by: Id;
      readonly target: Id;
      readonly id: number;
      readonly from: string;
      readonly to: string;
      readonly text: string;
      readonly ts: number;
      /** The target is away (7.12): the sender is told, with this reason ('' for none). */
      readonly targetAway?: string;
    }
  | { readonly kind: 'who'; readonly by: Id }
  | { readonly kind: 'export'; readonly by: Id }
  /** A rename (feature nick, 7.11); a refused one is `rename-refused`. */
  | {
      readonly kind: 'renamed';
      readonly by: Id;
      readonly from: string;
      readonly to: string;
      readonly ts: number;
    }
  | (AwayNews & { readonly by: Id })
  /** About one member (feature whois, 7.13): never an address. */
  | (WhoisFacts & { readonly by: Id })
  /** Nothing to tell anyone (back when not away, 7.12). */
  | { readonly kind: 'none'; readonly by: Id }
  | { readonly kind: 'rename-refused'; readonly by: Id; readonly verdict: Exclude<NameVerdict, { ok: true }> }
  | { readonly kind: 'notice'; readonly by: Id; readonly error: ParleyError; readonly log?: string }
  /**
   * Members removed (7.18: kicked or banned, or a banned key or address found at client_auth or
   * join): the server ends each `targets` connection with `error`, and they leave with `reason`.
   * `announce`: the `moderated` news, when an operator acted (to the members that agreed
   * moderation, the targets aside); `log`: the line to log.
   */
  | {
      readonly kind: 'removed';
      readonly by: Id;
      readonly targets: readonly Id[];
      readonly error: ParleyError;
      readonly reason: Extract<LeaveReason, 'kicked' | 'banned'>;
      readonly announce?: ModeratedNews;
      readonly log: string;
    }
  /** An operator acted (7.18): `moderated` to the operator alone, or to every member that agreed moderation. */
  | {
      readonly kind: 'moderated';
      readonly by: Id;
      readonly to: 'operator' | 'all';
      readonly announce: ModeratedNews;
      readonly log: string;
    }
  /** The bans in force, for the operator who asked (7.18). */
  | { readonly kind: 'ban-list'; readonly by: Id; readonly bans: readonly BanEntry[]; readonly log: string }
  | {
      readonly kind: 'left';
      readonly by: Id;
      readonly name: string;
      readonly reason: LeaveReason;
      readonly ts: number;
    };

/** The fields of a `moderated` packet (7.18). */
export type ModeratedNews = Readonly<Omit<V2PacketOf<'moderated'>, 'type'>>;

/** One entry of ban_list (7.18). */
export type BanEntry = V2PacketOf<'ban_list'>['bans'][number];

/** The limits the room applies (11). */
export type RoomLimits = Pick<Limits, 'maxName' | 'maxMessage' | 'history'>;

/** What a server may add to its room: reserved names (7.17), operators and bans (7.18). */
export interface RoomGuards {
  readonly reservations?: Reservations;
  readonly moderation?: Moderation;
  /** Decides the operators' requests (moderate.ts); with `moderation`. */
  readonly moderate?: <Id>(
    room: Room<Id>,
    by: Id,
    request: RoomModerationRequest,
    now: number,
  ) => RoomDecision<Id>;
}

export class Room<Id> {
  private readonly byId = new Map<Id, string>();
  /** Every key of every member's name (name-rules.ts): no two members share one. */
  private readonly byKey = new Map<string, Id>();
  /** Names kept sorted by (order key, name) as members come and go: no sort per join. */
  private readonly sorted: { key: string; name: string }[] = [];
  /** The conversation kept for export (7.7, 10.5): history.ts. */
  readonly history: History;
  /** Members away (7.12), with their reason ('' for none). */
  private readonly awayBy = new Map<Id, string>();
  /** When each member joined and last acted in public: spoke, renamed, went away or back (7.13). */
  private readonly seen = new Map<Id, { joined: number; active: number }>();
  private sequence = 0;
  /** Facts of every joined member (7.16, 7.18). */
  private readonly facts = new Map<Id, MemberFacts>();
  /** Keys proved by connections that have not joined yet (7.16). */
  private readonly proven = new Map<Id, string>();
  /** Keyed members by name, for the lists (7.16): most members are anonymous, so this stays small. */
  private readonly keyedNames = new Map<string, KeyedName>();

  /**
   * `presenceInHistory`: joins and leaves are part of the conversation kept for export (v2, 7.7);
   * legacy exports chat lines only (10.5).
   */
  constructor(
    private readonly rules: NameRules,
    private readonly limits: RoomLimits,
    private readonly presenceInHistory = false,
    readonly guards: RoomGuards = {},
  ) {
    this.history = new History(limits.history);
  }

  /** Decides on one request from member (or joiner) `by` at `now`; null when nothing follows. */
  decide(by: Id, request: RoomRequest, now: number): RoomDecision<Id> {
    switch (request.kind) {
      case 'join': {
        const facts = this.factsFor(by, request);
        const verdict = this.checkName(request.name, undefined, facts.fingerprint, now);
        if (!verdict.ok) return { kind: 'refused', by, verdict };
        // 7.18: a ban made after this connection was accepted or proved its key.
        const banned = this.bannedAt(by, facts, now);
        if (banned) return banned;
        this.proven.delete(by);
        this.join(by, verdict.name, facts, now);
        return { kind: 'joined', by, name: verdict.name, ts: now };
      }
      case 'prove': {
        const banned = this.bannedAt(by, { fingerprint: request.fingerprint, addr: null }, now);
        if (banned) return banned;
        this.proven.set(by, request.fingerprint);
        return { kind: 'none', by };
      }
      case 'say': {
        const refused = this.checkLength(by, request.text);
        if (refused) return refused;
        const muted = this.checkMuted(by, now);
        if (muted) return muted;
        const from = this.byId.get(by)!;
        this.active(by, now);
        this.history.record({
          kind: request.action ? 'action' : 'message',
          from,
          text: request.text,
          ts: now,
        });
        return {
          kind: 'message',
          by,
          id: ++this.sequence,
          from,
          text: request.text,
          action: request.action,
          ts: now,
        };
      }
      case 'msg': {
        const refused = this.checkLength(by, request.text);
        if (refused) return refused;
        const target = this.idOf(request.to);
        if (target === undefined) {
          const error = parleyError('NO_SUCH_USER', `nobody called "${request.to}" is here`);
          return { kind: 'notice', by, error };
        }
        const from = this.byId.get(by)!;
        const to = this.byId.get(target)!;
        // No this.active here: idle counts public acts only (7.13), or polling whois would tell
        // who is sending private messages.
        const id = ++this.sequence;
        const targetAway = target === by ? undefined : this.awayBy.get(target);
        const decision = { kind: 'private', by, target, id, from, to, text: request.text, ts: now } as const;
        return targetAway === undefined ? decision : { ...decision, targetAway };
      }
      case 'who':
      case 'export':
        return { kind: request.kind, by };
      case 'nick': {
        const fingerprint = this.facts.get(by)?.fingerprint ?? null;
        const verdict = this.checkName(request.name, by, fingerprint, now);
        if (!verdict.ok) return { kind: 'rename-refused', by, verdict };
        this.active(by, now);
        const from = this.byId.get(by)!;
        // byId keeps its place (join order); the keys and the sorted entry move.
        this.unkey(from);
        this.add(by, verdict.name);
        const keyed = this.keyedNames.get(from);
        if (keyed) {
          this.keyedNames.delete(from);
          this.keyedNames.set(verdict.name, keyed);
        }
        // 7.17: the old name was last used now; the new one is the key's (when free).
        this.guards.reservations?.release(from, fingerprint, now);
        this.guards.reservations?.take(verdict.name, fingerprint, now);
        return { kind: 'renamed', by, from, to: verdict.name, ts: now };
      }
      case 'whois': {
        const target = this.idOf(request.name);
        if (target === undefined) {
          const error = parleyError('NO_SUCH_USER', `nobody called "${request.name}" is here`);
          return { kind: 'notice', by, error };
        }
        const { joined, active } = this.seen.get(target) ?? { joined: now, active: now };
        const reason = this.awayBy.get(target);
        const name = this.byId.get(target)!;
        const idle = Math.max(0, now - active);
        const away = reason !== undefined;
        return {
          kind: 'whois',
          by,
          name,
          joined,
          idle,
          away,
          ...(reason ? { reason } : {}),
          ...this.whoisKeys(by, target),
        };
      }
      case 'kick':
      case 'ban':
      case 'unban':
      case 'bans':
      case 'mute':
      case 'unmute':
      case 'motd':
        // Decided in moderate.ts, handed in with the guards (room-guards.ts): no operator, no moderation.
        if (this.guards.moderate) return this.guards.moderate(this, by, request, now);
        return {
          kind: 'notice',
          by,
          error: parleyError('NOT_OPERATOR', 'this server has no operators (7.18)'),
        };
      case 'away': {
        this.active(by, now);
        const name = this.byId.get(by)!;
        if (!request.away) {
          if (!this.awayBy.delete(by)) return { kind: 'none', by };
          return { kind: 'away', by, name, away: false, ts: now };
        }
        const reason = request.reason ?? '';
        this.awayBy.set(by, reason);
        return { kind: 'away', by, name, away: true, ...(reason === '' ? {} : { reason }), ts: now };
      }
    }
  }

  /** Member `by` left; the others are to be told (7.6, 10.4). Null when it had never joined. */
  leave(by: Id, reason: LeaveReason, now: number): RoomDecision<Id> | null {
    this.proven.delete(by);
    const name = this.byId.get(by);
    if (name === undefined) return null;
    this.remove(by, name);
    this.awayBy.delete(by);
    this.seen.delete(by);
    const fingerprint = this.facts.get(by)?.fingerprint ?? null;
    this.facts.delete(by);
    this.keyedNames.delete(name);
    this.guards.reservations?.release(name, fingerprint, now);
    // The last one out takes the conversation along (7.7, 10.5); otherwise the leave is kept.
    if (this.byId.size === 0) this.clearHistory();
    else if (this.presenceInHistory) this.history.record({ kind: 'leave', name, reason, ts: now });
    return { kind: 'left', by, name, reason, ts: now };
  }

  /**
   * Checks a wanted name against the rules and the people present (7.2, 10.2). `self`: a member
   * renaming (7.11), whose own keys do not count as taken.
   */
  checkName(wanted: string, self?: Id, fingerprint: string | null = null, now = 0): NameVerdict {
    const form = nameForm(this.rules, this.limits.maxName, wanted);
    if (!form.ok) return { ok: false, code: 'NAME_INVALID', message: form.message };
    const name = form.name;
    const keys = nameKeys(this.rules, name);
    if (this.rules.reserved.some((r) => nameKeys(this.rules, r).some((k) => keys.includes(k)))) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved` };
    }
    if (keys.some((k) => this.byKey.has(k) && this.byKey.get(k) !== self)) {
      return { ok: false, code: 'NAME_TAKEN', message: `"${name}" is already in use` };
    }
    // 7.17: a name another key owns (checked after NAME_TAKEN: a name in use is taken either way).
    if (this.guards.reservations?.refuses(name, fingerprint, now)) {
      return { ok: false, code: 'NAME_RESERVED', message: `"${name}" is reserved for its owner's key` };
    }
    return { ok: true, name };
  }

  private join(id: Id, name: string, facts: MemberFacts, now: number): void {
    this.add(id, name);
    this.seen.set(id, { joined: now, active: now });
    this.facts.set(id, facts);
    if (facts.key !== null) this.keyedNames.set(name, { key: facts.key, op: facts.op });
    this.guards.reservations?.take(name, facts.fingerprint, now);
    if (this.presenceInHistory) this.history.record({ kind: 'join', name, ts: now });
  }

  /** A joiner's facts: the key it proved, its address hash, its features (7.16, 7.18). */
  private factsFor(by: Id, context: JoinContext): MemberFacts {
    const fingerprint = this.proven.get(by) ?? null;
    const moderation = this.guards.moderation;
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

  /** 7.18: the BANNED removal of connection `by` when a ban covers its key or address. */
  private bannedAt(
    by: Id,
    who: { fingerprint: string | null; addr: string | null },
    now: number,
  ): RoomDecision<Id> | null {
    const ban = this.guards.moderation?.bannedBy(who, now);
    if (!ban) return null;
    const error = parleyError(
      'BANNED',
      `you are banned from this server${ban.reason ? `: ${ban.reason}` : ''}`,
    );
    return { kind: 'removed', by, targets: [by], error, reason: 'banned', log: `refused by ban ${ban.id}` };
  }

  /** 7.18: a MUTED notice when a mute covers member `by`. */
  private checkMuted(by: Id, now: number): RoomDecision<Id> | null {
    const facts = this.facts.get(by);
    if (!facts || !this.guards.moderation?.muted(facts, now)) return null;
    return { kind: 'notice', by, error: parleyError('MUTED', 'an operator muted you: nobody got that line') };
  }

  /** whois_reply's key and address fields, as the asker may see them (7.16, 7.18). */
  private whoisKeys(asker: Id, target: Id): Partial<WhoisFacts> {
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

  /** True when a ban covers this address (its counting key, 11) now (7.18: refused at accept). */
  addressBanned(address: string | undefined, now: number): boolean {
    const moderation = this.guards.moderation;
    if (!moderation || address === undefined) return false;
    return (
      moderation.bannedBy({ fingerprint: null, addr: moderation.addressHash(address) }, now) !== undefined
    );
  }

  /** A joined member's facts (7.16, 7.18). */
  factsOf(id: Id): MemberFacts | undefined {
    return this.facts.get(id);
  }

  /** The keyed members among `names`, as lists show them (7.16). */
  keysAmong(names: readonly string[]): { name: string; key: string; op?: true }[] {
    const out: { name: string; key: string; op?: true }[] = [];
    if (this.keyedNames.size === 0) return out;
    for (const name of names) {
      const keyed = this.keyedNames.get(name);
      if (keyed) out.push(keyed.op ? { name, key: keyed.key, op: true } : { name, key: keyed.key });
    }
    return out;
  }

  /** Whether any member is keyed (7.16): lists carry `keys` only then. */
  get anyKeyed(): boolean {
    return this.keyedNames.size > 0;
  }

  /** Member `id` did something public that ends idleness (7.13); a private message does not. */
  private active(id: Id, now: number): void {
    const seen = this.seen.get(id);
    if (seen) seen.active = now;
  }

  /** Records `name` as member `id`'s: both maps and the sorted list. */
  private add(id: Id, name: string): void {
    this.byId.set(id, name);
    for (const key of nameKeys(this.rules, name)) this.byKey.set(key, id);
    const order = nameOrderKey(this.rules, name);
    this.sorted.splice(this.position(order, name), 0, { key: order, name });
  }

  /** Forgets member `id`'s `name` (add's reverse). */
  private remove(id: Id, name: string): void {
    this.byId.delete(id);
    this.unkey(name);
  }

  /** Drops `name`'s keys and its place in the sorted list. */
  private unkey(name: string): void {
    for (const key of nameKeys(this.rules, name)) this.byKey.delete(key);
    this.sorted.splice(this.position(nameOrderKey(this.rules, name), name), 1);
  }

  /** A MESSAGE_TOO_LONG notice when `text` is over maxMessage characters (7.3). */
  private checkLength(by: Id, text: string): RoomDecision<Id> | null {
    const max = this.limits.maxMessage;
    if (text.length <= max || [...text].length <= max) return null;
    const message = `a message is at most ${max} characters`;
    return { kind: 'notice', by, error: parleyError('MESSAGE_TOO_LONG', message) };
  }

  /** Binary search for where (key, name) sits in `sorted`. */
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

  /** Members away now, in join order, with their reasons ('' for none) (7.12). */
  awayMembers(): { name: string; reason: string }[] {
    const out: { name: string; reason: string }[] = [];
    for (const [id, reason] of this.awayBy) out.push({ name: this.byId.get(id)!, reason });
    return out;
  }

  nameOf(id: Id): string | undefined {
    return this.byId.get(id);
  }

  /** Finds a member by name, following the room's comparison rule. */
  idOf(name: string): Id | undefined {
    for (const key of nameKeys(this.rules, name)) {
      const id = this.byKey.get(key);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Member ids in join order. */
  members(): IterableIterator<Id> {
    return this.byId.keys();
  }

  /** Names sorted by their case-folded form (7.6); legacy rooms sort exactly. */
  names(): string[] {
    return this.sorted.map((s) => s.name);
  }

  /** Every history entry held, oldest first (a copy; an export reads a cursor instead: history.ts). */
  entries(): HistoryEntry[] {
    return this.history.all();
  }

  /**
   * The newest `count` chat lines and actions of the kept history, oldest first: a newcomer's
   * backlog (7.10). The same entries export returns, never more (the rule is stated once, 7.10).
   */
  recentChat(count: number): ChatEntry[] {
    const out: ChatEntry[] = [];
    for (let n = this.history.end - 1; n >= this.history.first && out.length < count; n--) {
      const entry = this.history.at(n)!;
      if (entry.kind === 'message' || entry.kind === 'action') out.push(entry as ChatEntry);
    }
    return out.reverse();
  }

  clearHistory(): void {
    this.history.clear();
  }
}
