/**
 * The chat model: who is in the room, who must receive what, and the fast-check commands that
 * drive a chat server (the sans-IO core in memory, or a live server over TCP) and check it.
 *
 * How this works: the model knows the spec's rules (names 7.2/10.2, deliveries 7.3-7.7 and
 * 10.2-10.5, the token bucket 7.8) and nothing of the implementation. Each command acts on the
 * system through a `ChatSystem`, asks it to collect what every participant received, and
 * compares that, per participant and in order, with what the model says: exactly the expected
 * packets, each once, in order, with the same message id for every recipient of one message and
 * ids that only grow. A participant who is not mentioned must have received nothing.
 */
import fc from 'fast-check';
import {
  LEGACY_EXPORT_HEADER,
  LEGACY_MESSAGES,
  LEGACY_NAME_PATTERN,
  LEGACY_RESERVED_NAMES,
  LEGACY_SERVER_NAME,
  LIMITS,
  V2_NAME_PATTERN,
  V2_RESERVED_NAMES,
} from '../../src/generated/constants.js';
import { legacyPacket, serializeLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { pythonDateString, pythonJsonString } from '../../src/legacy/python-json.js';
import type { Profile } from '../targets/types.js';
import { ensure } from '../util.js';
import { describeObs, type ExportEntry, type Obs } from './observe.js';

/** A participant: a slot index, or the watcher. */
export type Who = number;
export const WATCHER: Who = -1;
export const WATCHER_NAME = 'watcher';

export type ClientAction =
  | { readonly kind: 'join'; readonly name: string }
  | { readonly kind: 'say' | 'me'; readonly text: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'who' | 'export' };

export type LeaveHow = 'goodbye' | 'hangup' | 'garbage';

/** Bytes sent on an extra connection that never joins (spec 4: answered by a protocol error). */
export interface ExtraSpec {
  /** `fresh`: before the handshake; `secured`: after it, as records under the real keys. */
  readonly stage: 'fresh' | 'secured';
  /** `mutate`: the honest next message with edits; `random`: bytes as given; `packets`: plaintext packets. */
  readonly source: 'mutate' | 'random' | 'packets';
  readonly bytes: Uint8Array;
  readonly edits: readonly {
    readonly at: number;
    readonly byte: number;
    readonly kind: 'set' | 'insert' | 'delete';
  }[];
}

export type Expect =
  | { readonly t: 'join_ok'; readonly name: string; readonly users: readonly string[] }
  | { readonly t: 'join_error'; readonly code: string }
  | { readonly t: 'message' | 'action'; readonly from: string; readonly text: string }
  | { readonly t: 'private'; readonly from: string; readonly to: string; readonly text: string }
  | { readonly t: 'user_list'; readonly users: readonly string[] }
  | { readonly t: 'user_joined'; readonly name: string }
  | { readonly t: 'user_left'; readonly name: string; readonly reason: string }
  | { readonly t: 'export'; readonly entries: readonly ExportEntry[]; readonly exact: boolean }
  | { readonly t: 'error'; readonly code: string }
  | { readonly t: 'fatal'; readonly code: string }
  | { readonly t: 'closed' }
  | { readonly t: 'refused'; readonly code: string }
  | { readonly t: 'approved_conn' | 'username_taken' }
  | { readonly t: 'list'; readonly typ: string; readonly names: readonly string[] }
  | { readonly t: 'default'; readonly from: string; readonly cont: string }
  | { readonly t: 'notice'; readonly code: string }
  | {
      readonly t: 'legacy_export';
      readonly lines: readonly string[];
      readonly exact: boolean;
      /** The server's maxFrame, when known: the oldest lines may go only if all would not fit. */
      readonly maxFrame: number;
    };

export type Expectations = Map<Who, Expect[]>;

/** What a system needs to know to collect a step's observations (TCP waits and barriers). */
export interface StepPlan {
  readonly label: string;
  /** The participant that acted, if any; its own replies are awaited first. */
  readonly actor: Who | null;
  /** The actor's connection ends in this step (the system waits for the server to close it). */
  readonly actorLeaves: boolean;
  /** Participants in the room after the step: the system may run a barrier on each. */
  readonly joined: readonly Who[];
  /** The expected observations, given what the actor saw (a lenient rate limit decides from it). */
  readonly expect: (actorSaw: readonly Obs[]) => Expectations;
}

/** The system under test, as the commands drive it. */
export interface ChatSystem {
  readonly profile: Profile;
  /** The server's limits; maxFrame only when the client knows it (v2 announces it, 5.1). */
  readonly limits: {
    readonly maxName: number;
    readonly maxMessage: number;
    readonly maxFrame?: number;
    /** A legacy server's maxFrame, when known out of band (legacy cannot announce it). */
    readonly legacyMaxFrame?: number;
  };
  /** Time allowed from connect to a chosen name (spec 11), when the model should apply it (a fake clock). */
  readonly handshakeTimeoutMs: number | null;
  /** The token bucket, when the system's clock is the model's (in memory); null: accept RATE_LIMITED. */
  readonly rate: { readonly burst: number; readonly perSecond: number } | null;
  /** The system's clock (ms), for the exact token bucket. */
  readonly now: number;
  /** Names in the room before the run started (a shared server), the watcher excluded. */
  readonly baseline: readonly string[];
  /** True when a watcher (participant -1, WATCHER_NAME) is in the room for the whole run. */
  readonly hasWatcher: boolean;
  /** Export checks compare the whole history (false: the run's history must be its tail). */
  readonly exactHistory: boolean;
  /** Whether `advance` is meaningful (a fake clock). */
  readonly canAdvance: boolean;
  connect(slot: Who): Promise<void>;
  /** Performs a client action: `refused` when the client declined to send it (6.1). */
  act(slot: Who, action: ClientAction): Promise<'sent' | 'refused'>;
  leave(slot: Who, how: LeaveHow, garbage: Uint8Array): Promise<void>;
  extra(spec: ExtraSpec): Promise<void>;
  advance(ms: number): Promise<void>;
  collect(plan: StepPlan): Promise<Map<Who, Obs[]>>;
  /** Anomalies seen since the last call: client errors, server INTERNAL_ERROR logs, writes after close. */
  problems(): string[];
}

// ---------------------------------------------------------------------------------------------
// The model

interface HistoryItem {
  readonly kind: 'message' | 'action' | 'join' | 'leave';
  readonly from: string;
  readonly text: string;
}

const foldV2 = (name: string): string => name.normalize('NFC').toLowerCase();

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

  /** The spec's name rules (7.2 for v2, 10.2 for legacy); null when the name is accepted. */
  nameVerdict(name: string): string | null {
    const length = [...name].length;
    const { maxName } = this.system.limits;
    if (this.profile === 'v2') {
      if (length === 0 || length > maxName || !V2_NAME_PATTERN.test(name)) return 'NAME_INVALID';
      if (V2_RESERVED_NAMES.some((r) => foldV2(r) === foldV2(name))) return 'NAME_RESERVED';
      if (this.names().some((n) => foldV2(n) === foldV2(name))) return 'NAME_TAKEN';
      return null;
    }
    if (length === 0 || length > maxName || !LEGACY_NAME_PATTERN.test(name)) return 'NAME_INVALID';
    if ((LEGACY_RESERVED_NAMES as readonly string[]).includes(name)) return 'NAME_RESERVED';
    if (this.names().includes(name)) return 'NAME_TAKEN';
    return null;
  }

  /** The member a v2 private message to `to` reaches (names compare case-insensitively). */
  memberNamed(to: string): { who: Who | null; name: string } | null {
    for (const [who, name] of this.members) if (foldV2(name) === foldV2(to)) return { who, name };
    const foreign = this.system.baseline.find((n) => foldV2(n) === foldV2(to));
    return foreign === undefined ? null : { who: null, name: foreign };
  }

  /** The token bucket (7.8). Returns true (token taken), false (limited), or null (lenient: ask the server). */
  takeToken(slot: Who): boolean | null {
    const rate = this.system.rate;
    if (!rate) return null;
    const now = this.system.now;
    const bucket = this.tokens.get(slot) ?? { tokens: rate.burst, at: now };
    const refill = ((now - bucket.at) / 1000) * rate.perSecond;
    bucket.tokens = Math.min(rate.burst, bucket.tokens + refill);
    bucket.at = now;
    this.tokens.set(slot, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
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
    if (this.profile === 'v2') this.record({ kind: 'join', from: name, text: '' });
  }

  left(slot: Who): void {
    const name = this.members.get(slot);
    this.waiting.delete(slot);
    this.members.delete(slot);
    this.tokens.delete(slot);
    this.lastId.delete(slot);
    this.openedAt.delete(slot);
    if (name === undefined) return;
    if (this.names().length === 0) {
      // The last one out takes the conversation along (7.7, 10.5).
      this.history = [];
      this.historyComplete = true;
    } else if (this.profile === 'v2') this.record({ kind: 'leave', from: name, text: '' });
  }

  record(item: HistoryItem): void {
    this.history.push(item);
  }

  /** Export entries as the spec defines them (7.7: messages, actions, joins, leaves). */
  exportEntries(): ExportEntry[] {
    return this.history.map((h) => ({ kind: h.kind, from: h.from, text: h.text }));
  }

  /** legacy export lines: `name> text` per chat line (10.5). */
  exportLines(): string[] {
    return this.history.filter((h) => h.kind === 'message').map((h) => `${h.from}> ${h.text}`);
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
        ensure(this.matches(w, o), account);
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

  private matches(w: Expect, o: Obs): boolean {
    switch (w.t) {
      case 'join_ok':
        return (
          o.t === 'join_ok' &&
          o.name === w.name &&
          sameSet(o.users, w.users) &&
          sortedCaseInsensitively(o.users)
        );
      case 'user_list':
        return o.t === 'user_list' && sameSet(o.users, w.users) && sortedCaseInsensitively(o.users);
      case 'join_error':
        return o.t === 'join_error' && o.code === w.code;
      case 'message':
      case 'action':
        return o.t === w.t && o.from === w.from && o.text === w.text;
      case 'private':
        return o.t === 'private' && o.from === w.from && o.to === w.to && o.text === w.text;
      case 'user_joined':
        return o.t === 'user_joined' && o.name === w.name;
      case 'user_left':
        return o.t === 'user_left' && o.name === w.name && o.reason === w.reason;
      case 'export': {
        if (o.t !== 'export') return false;
        const got = o.entries.map((e) => ({
          kind: e.kind,
          from: e.from,
          text: e.kind === 'message' || e.kind === 'action' ? e.text : '',
        }));
        const tail = w.exact ? got : got.slice(Math.max(0, got.length - w.entries.length));
        return JSON.stringify(tail) === JSON.stringify(w.entries);
      }
      case 'error':
        return o.t === 'error' && o.code === w.code && !o.fatal;
      case 'fatal':
        return o.t === 'error' && o.code === w.code && o.fatal;
      case 'closed':
        return o.t === 'closed';
      case 'refused':
        return o.t === 'refused' && o.code === w.code;
      case 'approved_conn':
      case 'username_taken':
        return o.t === w.t;
      case 'list':
        return o.t === 'list' && o.typ === w.typ && sameSet(o.names, w.names);
      case 'default':
        return o.t === 'default' && o.from === w.from && o.cont === w.cont;
      case 'notice':
        return o.t === 'default' && o.from === LEGACY_SERVER_NAME && o.cont.includes(w.code);
      case 'legacy_export':
        return o.t === 'legacy_export' && legacyExportMatches(o.cont, w.lines, w.exact, w.maxFrame);
    }
  }
}

/** The export text (10.5): the header, then one line per chat line, each ending in a newline. */
export function legacyExportText(lines: readonly string[]): string {
  return [LEGACY_EXPORT_HEADER, ...lines].map((l) => `${l}\n`).join('');
}

/**
 * The bytes a legacy frame needs for an export of `text`: Python's json.dumps escapes each
 * character into 1 to 6, the other fields take under 200, and base64 adds a third (9.1).
 */
function legacyExportFrameBytes(text: string): number {
  return Math.ceil(((pythonJsonString(text).length + 200) * 4) / 3);
}

/**
 * A legacy export is the whole log (10.5). It must fit one frame, so the oldest lines may be left
 * out, but only when the log with one line more would not fit (with 1 KiB of slack). On a shared
 * server (`exact` false) the run's own lines are the tail of what the server keeps.
 */
function legacyExportMatches(
  cont: string,
  lines: readonly string[],
  exact: boolean,
  maxFrame: number,
): boolean {
  for (let kept = lines.length; kept >= 0; kept--) {
    const text = legacyExportText(lines.slice(lines.length - kept));
    const body = text.slice(LEGACY_EXPORT_HEADER.length + 1);
    const same = exact
      ? cont === text || cont === text.slice(0, -1)
      : cont.startsWith(`${LEGACY_EXPORT_HEADER}\n`) && (cont.endsWith(body) || `${cont}\n`.endsWith(body));
    if (!same) continue;
    if (kept === lines.length) return true;
    const oneMore = legacyExportText(lines.slice(lines.length - kept - 1));
    return legacyExportFrameBytes(oneMore) > maxFrame - 1024;
  }
  return false;
}

function sameSet(a: readonly (string | null)[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

/**
 * "Sorted case-insensitively" (7.6): by the folded names in code unit order, or by a
 * case-insensitive collation; the spec does not say which, so either passes.
 */
function sortedCaseInsensitively(names: readonly string[]): boolean {
  const byFold = [...names].sort((a, b) => (foldV2(a) < foldV2(b) ? -1 : foldV2(a) > foldV2(b) ? 1 : 0));
  const byLocale = [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const fold = (list: readonly string[]) => list.map(foldV2).join('\u0000');
  return fold(names) === fold(byFold) || fold(names) === fold(byLocale);
}

export function describeExpect(e: Expect): string {
  const { t, ...rest } = e as Expect & Record<string, unknown>;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return fields ? `${t}(${fields})` : t;
}

// ---------------------------------------------------------------------------------------------
// Commands

type Cmd = fc.AsyncCommand<ChatModel, ChatSystem, false>;

const short = (text: string): string => JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}...` : text);

function expectMap(entries: Iterable<[Who, Expect[]]>): Expectations {
  const map: Expectations = new Map();
  for (const [who, list] of entries) if (list.length > 0) map.set(who, [...(map.get(who) ?? []), ...list]);
  return map;
}

/**
 * Runs one step: act, collect, compare. `outcome(limited)` says what is expected when the
 * command went through or was rate limited; `token` is the model's verdict (null: the server's
 * answer decides, for a clock the model does not own; `none`: the command takes no token).
 */
async function step(
  m: ChatModel,
  r: ChatSystem,
  label: string,
  actor: Who | null,
  act: () => Promise<unknown>,
  outcome: (limited: boolean) => Outcome,
  token: boolean | null | 'none',
): Promise<void> {
  await act();
  // A rate limit the model cannot predict (a live server's clock) is read from the actor's replies.
  const limitedBy = (saw: readonly Obs[]): boolean =>
    token === 'none'
      ? false
      : token === null
        ? saw.some(
            (o) =>
              (o.t === 'error' && o.code === 'RATE_LIMITED') ||
              (o.t === 'default' && o.from === LEGACY_SERVER_NAME && o.cont.includes('RATE_LIMITED')),
          )
        : !token;
  const normal = outcome(false);
  const plan: StepPlan = {
    label,
    actor,
    actorLeaves: normal.leaves ?? false,
    joined: [...m.members.keys(), ...(normal.joins && actor !== null ? [actor] : [])].filter(
      (who) => !(normal.leaves && who === actor),
    ),
    expect: (saw) => (limitedBy(saw) ? outcome(true).expect : normal.expect),
  };
  const seen = await r.collect(plan);
  const actorSaw = actor === null ? [] : (seen.get(actor) ?? []);
  const chosen = limitedBy(actorSaw) ? outcome(true) : normal;
  m.verify(plan, seen, chosen.expect);
  chosen.apply();
}

/** What a step should do: the observations, the model change, and the actor's membership change. */
interface Outcome {
  readonly expect: Expectations;
  readonly apply: () => void;
  readonly leaves?: boolean;
  readonly joins?: boolean;
}

/**
 * Commands name their participant by a pick among those it applies to (the 2nd joined slot...),
 * resolved when they run, so that almost every generated command does something.
 */
function slotsWhere(m: Readonly<ChatModel>, which: 'empty' | 'waiting' | 'joined' | 'connected'): Who[] {
  const out: Who[] = [];
  for (let slot = 0; slot < m.slotCount; slot++) {
    const ok =
      which === 'empty'
        ? !m.isConnected(slot)
        : which === 'waiting'
          ? m.waiting.has(slot)
          : which === 'joined'
            ? m.members.has(slot)
            : m.isConnected(slot);
    if (ok) out.push(slot);
  }
  return out;
}

abstract class OnSlot {
  constructor(
    readonly pick: number,
    private readonly which: 'empty' | 'waiting' | 'joined' | 'connected',
  ) {}
  protected resolve(m: Readonly<ChatModel>): Who {
    const slots = slotsWhere(m, this.which);
    return slots[this.pick % slots.length];
  }
  protected applies(m: Readonly<ChatModel>): boolean {
    return slotsWhere(m, this.which).length > 0;
  }
  /** How the counterexample names the participant: `joined[1]` is the second joined slot. */
  protected get ref(): string {
    return this.which === 'empty' ? '' : `${this.which}[${this.pick}]`;
  }
  /** The command, naming its participant `where`. */
  abstract describe(where: string): string;
  /** The step label in failure messages: the slot as resolved. */
  protected label(slot: Who): string {
    return this.describe(`slot ${slot}`);
  }
  /** The client refuses to send what cannot fit the server's frames: nothing reaches anyone. */
  /**
   * A packet whose record cannot fit the server's maxFrame (6.1). The client MUST NOT send it and
   * may refuse (nothing reaches anyone); if it sends it anyway, the server must refuse the frame
   * on its header (FRAME_TOO_LARGE, fatal for that connection only: the others see it leave).
   */
  protected async refusal(m: ChatModel, r: ChatSystem, slot: Who, action: ClientAction): Promise<void> {
    const sent = (await r.act(slot, action)) === 'sent';
    const outcome = (): Outcome =>
      sent
        ? { expect: expectMap(leaveNotices(m, slot, 'error')), apply: () => m.left(slot), leaves: true }
        : { expect: expectMap([[slot, [refused]]]), apply: () => {} };
    return step(m, r, this.label(slot), slot, async () => {}, outcome, 'none');
  }
  toString(): string {
    return this.describe(this.ref);
  }
}

class Connect extends OnSlot implements Cmd {
  constructor() {
    super(0, 'empty');
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m);
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.connect(slot),
      () => ({ expect: new Map(), apply: () => m.connected(slot) }),
      'none',
    );
  }
  describe(where: string): string {
    return `connect(${where})`;
  }
}

class Join extends OnSlot implements Cmd {
  constructor(
    pick: number,
    readonly name: string,
  ) {
    super(pick, 'waiting');
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m);
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    const verdict = m.nameVerdict(this.name);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: 'join', name: this.name }),
      () => {
        if (verdict !== null) {
          const reply: Expect =
            m.profile === 'v2' ? { t: 'join_error', code: verdict } : { t: 'username_taken' };
          return { expect: expectMap([[slot, [reply]]]), apply: () => {} };
        }
        const after = [...m.names(), this.name];
        const entries: [Who, Expect[]][] = [];
        if (m.profile === 'v2') {
          entries.push([slot, [{ t: 'join_ok', name: this.name, users: after }]]);
          for (const who of m.members.keys()) entries.push([who, [{ t: 'user_joined', name: this.name }]]);
        } else {
          // approved_conn, then every member (the new one too) gets the names of the others.
          const list = (own: string): Expect => ({
            t: 'list',
            typ: 'client_list_update_add',
            names: after.filter((n) => n !== own),
          });
          entries.push([slot, [{ t: 'approved_conn' }, list(this.name)]]);
          for (const [who, name] of m.members) entries.push([who, [list(name)]]);
        }
        return { expect: expectMap(entries), apply: () => m.joined(slot, this.name), joins: true };
      },
      'none',
    );
  }
  describe(where: string): string {
    return `join(${where}, ${short(this.name)})`;
  }
}

class Say extends OnSlot implements Cmd {
  constructor(
    pick: number,
    readonly kind: 'say' | 'me',
    readonly text: string,
  ) {
    super(pick, 'joined');
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m) && (this.kind === 'say' || m.profile === 'v2');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    const from = m.members.get(slot)!;
    const ignored = m.profile === 'legacy' && this.text === ''; // 10.3: an empty line is ignored
    if (overFrame(m, { type: this.kind, text: this.text })) {
      return this.refusal(m, r, slot, { kind: this.kind, text: this.text });
    }
    if (legacyOverFrame(m, from, this.text)) {
      const outcome = () => ({
        expect: expectMap(leaveNotices(m, slot, 'error')),
        apply: () => m.left(slot),
        leaves: true,
      });
      return step(
        m,
        r,
        this.label(slot),
        slot,
        () => r.act(slot, { kind: 'say', text: this.text }),
        outcome,
        'none',
      );
    }
    const token = ignored ? 'none' : m.takeToken(slot);
    const tooLong = [...this.text].length > r.limits.maxMessage;
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: this.kind, text: this.text }),
      (limited) => {
        if (ignored) return { expect: new Map(), apply: () => {} };
        if (limited) return { expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]), apply: () => {} };
        if (tooLong) return { expect: expectMap([[slot, [notice(m, 'MESSAGE_TOO_LONG')]]]), apply: () => {} };
        const entries: [Who, Expect[]][] = [];
        const kind = this.kind === 'say' ? 'message' : 'action';
        for (const who of m.members.keys()) {
          if (m.profile === 'v2') entries.push([who, [{ t: kind, from, text: this.text }]]);
          else if (who !== slot) entries.push([who, [{ t: 'default', from, cont: this.text }]]);
        }
        return { expect: expectMap(entries), apply: () => m.record({ kind, from, text: this.text }) };
      },
      token,
    );
  }
  describe(where: string): string {
    return `${this.kind}(${where}, ${short(this.text)})`;
  }
}

/**
 * Whether a v2 client must refuse to send `packet`: a record (UTF-8 JSON and the 16-byte tag)
 * larger than the server's announced maxFrame (6.1).
 */
function overFrame(m: ChatModel, packet: object): boolean {
  const maxFrame = m.system.limits.maxFrame;
  return (
    m.profile === 'v2' &&
    maxFrame !== undefined &&
    Buffer.byteLength(JSON.stringify(packet), 'utf8') + 16 > maxFrame
  );
}

const refused: Expect = { t: 'refused', code: 'MESSAGE_TOO_LONG' };

function notice(m: ChatModel, code: string): Expect {
  return m.profile === 'v2' ? { t: 'error', code } : { t: 'notice', code };
}

/** A private message's recipient: a member by pick (in some letter case), or any name. */
export type MsgTarget =
  | { readonly member: number; readonly variant: 'same' | 'upper' | 'lower' }
  | { readonly name: string };

class Msg extends OnSlot implements Cmd {
  private to = '';
  constructor(
    pick: number,
    readonly target: MsgTarget,
    readonly text: string,
  ) {
    super(pick, 'joined');
  }
  check(m: Readonly<ChatModel>): boolean {
    return m.profile === 'v2' && this.applies(m);
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    if ('name' in this.target) this.to = this.target.name;
    else {
      const names = [...m.members.values()];
      const name = names[this.target.member % names.length];
      this.to =
        this.target.variant === 'upper'
          ? name.toUpperCase()
          : this.target.variant === 'lower'
            ? name.toLowerCase()
            : name;
    }
    const from = m.members.get(slot)!;
    if (overFrame(m, { type: 'msg', to: this.to, text: this.text })) {
      return this.refusal(m, r, slot, { kind: 'msg', to: this.to, text: this.text });
    }
    const token = m.takeToken(slot);
    const tooLong = [...this.text].length > r.limits.maxMessage;
    const target = m.memberNamed(this.to);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: 'msg', to: this.to, text: this.text }),
      (limited) => {
        if (limited) return { expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]), apply: () => {} };
        if (tooLong) return { expect: expectMap([[slot, [notice(m, 'MESSAGE_TOO_LONG')]]]), apply: () => {} };
        if (!target) return { expect: expectMap([[slot, [notice(m, 'NO_SUCH_USER')]]]), apply: () => {} };
        // Delivered to the target and echoed to the sender, once each (7.4); never kept for export.
        const p: Expect = { t: 'private', from, to: target.name, text: this.text };
        const entries: [Who, Expect[]][] = [[slot, [p]]];
        if (target.who !== null && target.who !== slot) entries.push([target.who, [p]]);
        return { expect: expectMap(entries), apply: () => {} };
      },
      token,
    );
  }
  describe(where: string): string {
    const to =
      'name' in this.target
        ? short(this.target.name)
        : `members[${this.target.member}]${this.target.variant === 'same' ? '' : `.${this.target.variant}`}`;
    return `msg(${where}, to ${where.startsWith('slot') ? short(this.to) : to}, ${short(this.text)})`;
  }
}

class Query extends OnSlot implements Cmd {
  constructor(
    pick: number,
    readonly kind: 'who' | 'export',
  ) {
    super(pick, 'joined');
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m) && (this.kind === 'export' || m.profile === 'v2');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    const token = m.takeToken(slot);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: this.kind }),
      (limited) => {
        if (limited) return { expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]), apply: () => {} };
        let reply: Expect;
        if (this.kind === 'who') reply = { t: 'user_list', users: m.names() };
        else if (m.profile === 'v2')
          reply = { t: 'export', entries: m.exportEntries(), exact: m.historyComplete };
        else {
          const maxFrame = r.limits.maxFrame ?? r.limits.legacyMaxFrame ?? LIMITS.maxFrame;
          reply = { t: 'legacy_export', lines: m.exportLines(), exact: m.historyComplete, maxFrame };
        }
        return { expect: expectMap([[slot, [reply]]]), apply: () => {} };
      },
      token,
    );
  }
  describe(where: string): string {
    return `${this.kind}(${where})`;
  }
}

const REASONS: Record<LeaveHow, string> = { goodbye: 'quit', hangup: 'lost', garbage: 'error' };

/** What the others receive when `slot` leaves the room (7.6 user_left; 10.3 notice, 10.4 list). */
function leaveNotices(m: ChatModel, slot: Who, reason: string): [Who, Expect[]][] {
  const name = m.members.get(slot);
  if (name === undefined) return [];
  const names = m.names().filter((n) => n !== name);
  return [...m.members]
    .filter(([who]) => who !== slot)
    .map(([who, own]): [Who, Expect[]] =>
      m.profile === 'v2'
        ? [who, [{ t: 'user_left', name, reason }]]
        : [
            who,
            [
              { t: 'default', from: LEGACY_SERVER_NAME, cont: LEGACY_MESSAGES.left.replace('{name}', name) },
              { t: 'list', typ: 'disconnection', names: names.filter((n) => n !== own) },
            ],
          ],
    );
}

/**
 * A legacy client cannot know the server's maxFrame (nothing announces it): a line whose record
 * is larger is sent anyway, and the server must close the connection (FRAME_TOO_LARGE, 3.2).
 */
function legacyOverFrame(m: ChatModel, name: string, text: string): boolean {
  const maxFrame = m.system.limits.legacyMaxFrame;
  if (m.profile !== 'legacy' || maxFrame === undefined) return false;
  const plain = serializeLegacyPacket(
    legacyPacket('default', name, text, pythonDateString(m.system.now)),
    true,
  );
  return Math.ceil(plain.length / 3) * 4 > maxFrame;
}

class Leave extends OnSlot implements Cmd {
  constructor(
    pick: number,
    readonly how: LeaveHow,
    readonly garbage: Uint8Array,
  ) {
    super(pick, 'connected');
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m) && (this.how !== 'goodbye' || m.profile === 'v2');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.leave(slot, this.how, this.garbage),
      () => {
        const entries = leaveNotices(m, slot, REASONS[this.how]);
        return { expect: expectMap(entries), apply: () => m.left(slot), leaves: true };
      },
      'none',
    );
  }
  describe(where: string): string {
    return `leave(${where}, ${this.how})`;
  }
}

class Extra implements Cmd {
  constructor(readonly spec: ExtraSpec) {}
  check(): boolean {
    return true;
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    await step(
      m,
      r,
      this.toString(),
      null,
      () => r.extra(this.spec),
      () => ({ expect: new Map(), apply: () => {} }),
      'none',
    );
  }
  toString(): string {
    const s = this.spec;
    return `extra(${s.stage}, ${s.source}, ${s.bytes.length} bytes${s.edits.length ? `, ${s.edits.length} edits` : ''})`;
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    if (!r.canAdvance) return;
    const until = r.now + this.ms;
    // A connection still without a name when handshakeTimeoutMs has passed is closed (spec 11);
    // v2 says why first. Nobody else hears of it: it was never in the room.
    const timeout = r.handshakeTimeoutMs;
    const late =
      timeout === null ? [] : [...m.waiting].filter((slot) => m.openedAt.get(slot)! + timeout <= until);
    await step(
      m,
      r,
      this.toString(),
      null,
      () => r.advance(this.ms),
      () => ({
        expect: expectMap(
          late.map((slot): [Who, Expect[]] => [
            slot,
            m.profile === 'v2'
              ? [{ t: 'fatal', code: 'HANDSHAKE_TIMEOUT' }, { t: 'closed' }]
              : [{ t: 'closed' }],
          ]),
        ),
        apply: () => {
          for (const slot of late) m.left(slot);
        },
      }),
      'none',
    );
  }
  toString(): string {
    return `advance(${this.ms} ms)`;
  }
}

/** A last collection: nothing may still be on its way to anyone. */
export async function quiescence(m: ChatModel, r: ChatSystem): Promise<void> {
  const plan: StepPlan = {
    label: 'end of run',
    actor: null,
    actorLeaves: false,
    joined: [...m.members.keys()],
    expect: () => new Map(),
  };
  m.verify(plan, await r.collect(plan), new Map());
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const NAMES = ['alice', 'Bob', 'carol_1', 'd.e-f', 'Émile', 'øyvind', 'kate', 'åse', '42', WATCHER_NAME];
/** Same names to a case-insensitive eye (KELVIN SIGN, ANGSTROM SIGN), and plain case changes. */
const LOOKALIKES = [
  'ALICE',
  'bob',
  'Carol_1',
  'D.E-F',
  'émile',
  'ØYVIND',
  '\u212Aate',
  '\u212Bse',
  'Watcher',
];
const V2_ODD = [
  '',
  ' ',
  'has space',
  'semi;colon',
  'tab\there',
  'e\u0301',
  '\u{1F600}',
  'server',
  'SERVER',
  'Parley',
  'system',
  'a/b',
];
const LEGACY_ODD = [
  '',
  '*server*',
  'temp',
  'TEMP',
  'a\u0001b',
  'del\u007f',
  'has space',
  '\u{1F600}',
  'Temp ',
  'iv_exc',
];

export function nameArb(profile: Profile, maxNames: readonly number[]): fc.Arbitrary<string> {
  const maxName = Math.max(...maxNames);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 3, arbitrary: fc.constantFrom(...LOOKALIKES) },
    { weight: 2, arbitrary: fc.constantFrom(...(profile === 'v2' ? V2_ODD : LEGACY_ODD)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...maxNames), fc.integer({ min: 0, max: 1 }), fc.constantFrom('n', '\u00e9'))
        .map(([n, extra, unit]) => unit.repeat(n + extra)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: maxName + 2, size: 'max' }) },
  );
}

export function textArb(profile: Profile, maxMessages: readonly number[]): fc.Arbitrary<string> {
  // Lengths at each limit a run may have, in code points of 1 to 4 UTF-8 bytes.
  const around = fc
    .tuple(
      fc.constantFrom(...maxMessages),
      fc.integer({ min: -1, max: 1 }),
      fc.constantFrom('a', '\u{1F600}', '\u00e9'),
    )
    .map(([n, d, unit]) => unit.repeat(Math.max(1, n + d)));
  return fc.oneof(
    { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 24, size: 'max' }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12, size: 'max' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...(profile === 'legacy' ? [''] : []),
        'iv_exc',
        'key_exc hello',
        '{"typ": "setuser"}',
        '{"type":"join","name":"x"}\n{"type":"say"}',
        '\n',
        ' ',
        '\u0000',
        '\ud800 lone',
        'a\nb',
      ),
    },
    { weight: 1, arbitrary: around },
    // Long lines, a fraction of a limit: histories that reach the size of a frame.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...maxMessages),
          fc.integer({ min: 30, max: 100 }),
          fc.constantFrom('a', 'b c ', '\u00e9'),
        )
        .map(([n, percent, unit]) => unit.repeat(Math.max(1, Math.floor((n * percent) / 100 / unit.length)))),
    },
  );
}

const editsArb = fc.array(
  fc.record({
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
    kind: fc.constantFrom<'set' | 'insert' | 'delete'>('set', 'insert', 'delete'),
  }),
  { minLength: 1, maxLength: 3, size: 'max' },
);

/** Plaintext packets for a secured extra connection: broken JSON, wrong types, out-of-state packets. */
const packetsArb = fc
  .array(
    fc.oneof(
      fc.json({ maxDepth: 2 }),
      fc.constantFrom(
        '{"type":"say","text":"hi"}',
        '{"type":"who"}',
        '{"type":"export"}',
        '{"type":"client_hello"}',
        '{"type":"ping","n":-1}',
        '{"type":"ping","n":1}',
        '{"type":"goodbye"}',
        '{"type":"error","code":"NOPE","message":"x","fatal":false}',
        '{"type":"msg","to":"alice","text":""}',
        '{"type":"join","name":7}',
        '{"shost":"0.0.0.0","dhost":"0.0.0.0","username":"x","date":"d","cont":"hi","typ":"default","shouldParseContents":false}',
        '{"shost":"0.0.0.0","dhost":"0.0.0.0","username":"x","date":"d","cont":["a"],"typ":"export","shouldParseContents":true}',
        '',
        '\u00ff\u00fe',
      ),
    ),
    { minLength: 1, maxLength: 3, size: 'max' },
  )
  .map((parts) => Buffer.from(parts.join('\n'), 'utf8'));

export const extraArb: fc.Arbitrary<ExtraSpec> = fc.oneof(
  fc.record({
    stage: fc.constant('fresh' as const),
    source: fc.constant('mutate' as const),
    bytes: fc.constant(new Uint8Array()),
    edits: editsArb,
  }),
  fc.record({
    stage: fc.constantFrom<'fresh' | 'secured'>('fresh', 'secured'),
    source: fc.constant('random' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }),
    edits: fc.constant([]),
  }),
  fc.record({
    stage: fc.constant('secured' as const),
    source: fc.constant('packets' as const),
    bytes: packetsArb,
    edits: fc.constant([]),
  }),
  fc.record({
    stage: fc.constant('secured' as const),
    source: fc.constant('mutate' as const),
    bytes: fc.constant(new Uint8Array()),
    edits: editsArb,
  }),
);

/** Garbage a joined client sends to leave in error: always fatal at once (a header byte that is no digit). */
const leaveGarbageArb = fc
  .tuple(fc.constantFrom(...Buffer.from('x +-\t\0a')), fc.uint8Array({ maxLength: 20, size: 'max' }))
  .map(([first, rest]) => Buffer.concat([Buffer.from([first]), rest]));

function msgTarget(names: fc.Arbitrary<string>): fc.Arbitrary<MsgTarget> {
  return fc.oneof(
    fc.record({
      member: fc.nat({ max: 5 }),
      variant: fc.constantFrom<'same' | 'upper' | 'lower'>('same', 'same', 'upper', 'lower'),
    }),
    fc.record({ name: names }),
  );
}

export interface CommandOptions {
  readonly profile: Profile;
  readonly slots: number;
  /** The name and message limits the runs may have (texts and names are drawn around each). */
  readonly maxNames: readonly number[];
  readonly maxMessages: readonly number[];
  readonly advance: boolean;
  readonly extra: boolean;
}

export function commandArbs(o: CommandOptions): fc.Arbitrary<Cmd>[] {
  const pick = fc.nat({ max: o.slots - 1 });
  const names = nameArb(o.profile, o.maxNames);
  const texts = textArb(o.profile, o.maxMessages);
  const hows: LeaveHow[] = o.profile === 'v2' ? ['goodbye', 'hangup', 'garbage'] : ['hangup', 'garbage'];
  const weighted: { weight: number; arbitrary: fc.Arbitrary<Cmd> }[] = [
    { weight: 3, arbitrary: fc.constant(null).map(() => new Connect()) },
    { weight: 4, arbitrary: fc.tuple(pick, names).map(([p, n]) => new Join(p, n)) },
    { weight: 5, arbitrary: fc.tuple(pick, texts).map(([p, t]) => new Say(p, 'say', t)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(pick, fc.constantFrom(...hows), leaveGarbageArb)
        .map(([p, h, g]) => new Leave(p, h, g)),
    },
    { weight: 1, arbitrary: pick.map((p) => new Query(p, 'export')) },
  ];
  if (o.profile === 'v2') {
    weighted.push(
      { weight: 1, arbitrary: fc.tuple(pick, texts).map(([p, t]) => new Say(p, 'me', t)) },
      {
        weight: 2,
        arbitrary: fc.tuple(pick, msgTarget(names), texts).map(([p, to, t]) => new Msg(p, to, t)),
      },
      { weight: 1, arbitrary: pick.map((p) => new Query(p, 'who')) },
    );
  }
  if (o.extra) weighted.push({ weight: 1, arbitrary: extraArb.map((spec) => new Extra(spec)) });
  if (o.advance) {
    const ms = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 3000, max: 12_000 }) },
    );
    weighted.push({ weight: 2, arbitrary: ms.map((n) => new Advance(n)) });
  }
  return [fc.oneof(...weighted)];
}
