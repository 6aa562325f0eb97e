/**
 * The commands fast-check runs against a chat system: connect, join, say/me, msg, who/export,
 * the 2.1 features (nick, away/back, whois; the backlog comes with a join), leave, an extra
 * connection, and advancing a fake clock; and the final quiescence check.
 */
import { LIMITS } from '../../src/generated/constants.js';
import { LEGACY_PACKET_INFO } from '../../src/generated/legacy-packets.js';
import { V2_PACKET_INFO } from '../../src/generated/v2-packets.js';
import type { ChatModel } from './model.js';
import {
  type Cmd,
  expectMap,
  leaveNotices,
  legacyOverFrame,
  notice,
  OnSlot,
  type Outcome,
  overFrame,
  short,
  slotsWhere,
  step,
} from './step.js';
import type { ChatSystem, Expect, ExtraSpec, LeaveHow, StepPlan, Who } from './types.js';

export class Connect extends OnSlot implements Cmd {
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

export class Join extends OnSlot implements Cmd {
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
    // A join takes its rateCost like every packet (7.8): a dropped one gets no verdict.
    const cost = m.profile === 'v2' ? V2_PACKET_INFO.join.rateCost : LEGACY_PACKET_INFO.setuser.rateCost;
    const token = m.takeToken(slot, cost);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: 'join', name: this.name }),
      (limited) => {
        if (limited) {
          // legacy has no reply to a dropped setuser (10.2): the server closes the connection
          // (RATE_EXCEEDED) rather than leave the client waiting. It was never in the room.
          if (m.profile === 'legacy')
            return { expect: expectMap([[slot, [{ t: 'closed' }]]]), apply: () => m.left(slot) };
          return { expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]), apply: () => {} };
        }
        if (verdict !== null) {
          const reply: Expect =
            m.profile === 'v2' ? { t: 'join_error', code: verdict } : { t: 'username_taken' };
          return { expect: expectMap([[slot, [reply]]]), apply: () => {} };
        }
        const name = m.recordedName(this.name);
        const after = [...m.names(), name];
        const entries: [Who, Expect[]][] = [];
        if (m.profile === 'v2') {
          // join_ok, then the backlog (7.10), then one user_away per member away (7.12).
          const own: Expect[] = [{ t: 'join_ok', name: name, users: after }];
          const backlog = m.agrees(slot, 'backlog') ? m.backlogEntries() : [];
          if (backlog.length > 0) own.push({ t: 'backlog', entries: backlog });
          if (m.agrees(slot, 'away'))
            for (const [who, reason] of m.away) own.push(awayNotice(m.members.get(who)!, true, reason));
          entries.push([slot, own]);
          for (const who of m.members.keys()) entries.push([who, [{ t: 'user_joined', name: name }]]);
        } else {
          // approved_conn, then every member (the new one too) gets the names of the others.
          const list = (own: string): Expect => ({
            t: 'list',
            typ: 'client_list_update_add',
            names: after.filter((n) => n !== own),
          });
          entries.push([slot, [{ t: 'approved_conn' }, list(name)]]);
          for (const [who, name] of m.members) entries.push([who, [list(name)]]);
        }
        return { expect: expectMap(entries), apply: () => m.joined(slot, name), joins: true };
      },
      token,
    );
  }
  describe(where: string): string {
    return `join(${where}, ${short(this.name)})`;
  }
}

export class Say extends OnSlot implements Cmd {
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
    // Every packet takes its rateCost (7.8), an empty legacy line too: it is ignored only after.
    const token = m.takeToken(slot);
    const tooLong = [...this.text].length > r.limits.maxMessage;
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: this.kind, text: this.text }),
      (limited) => {
        if (limited) return { expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]), apply: () => {} };
        if (ignored) return { expect: new Map(), apply: () => {} };
        if (tooLong) return { expect: expectMap([[slot, [notice(m, 'MESSAGE_TOO_LONG')]]]), apply: () => {} };
        const entries: [Who, Expect[]][] = [];
        const kind = this.kind === 'say' ? 'message' : 'action';
        for (const who of m.members.keys()) {
          if (m.profile === 'v2') entries.push([who, [{ t: kind, from, text: this.text }]]);
          else if (who !== slot) entries.push([who, [{ t: 'default', from, cont: this.text }]]);
        }
        const apply = () => {
          m.record({ kind, from, text: this.text });
          m.active(slot);
        };
        return { expect: expectMap(entries), apply };
      },
      token,
    );
  }
  describe(where: string): string {
    return `${this.kind}(${where}, ${short(this.text)})`;
  }
}

/** A private message's recipient: a member by pick (in some letter case), or any name. */
export type MsgTarget =
  | { readonly member: number; readonly variant: 'same' | 'upper' | 'lower' }
  | { readonly name: string };

/** The name a target stands for now. */
function targetName(m: Readonly<ChatModel>, target: MsgTarget): string {
  if ('name' in target) return target.name;
  const names = [...m.members.values()];
  const name = names[target.member % names.length];
  return target.variant === 'upper'
    ? name.toUpperCase()
    : target.variant === 'lower'
      ? name.toLowerCase()
      : name;
}

function describeTarget(target: MsgTarget, where: string, resolved: string): string {
  if (where.startsWith('slot')) return short(resolved);
  if ('name' in target) return short(target.name);
  return `members[${target.member}]${target.variant === 'same' ? '' : `.${target.variant}`}`;
}

/** A user_away as the model expects it: the reason only when one was given (7.12). */
function awayNotice(name: string, away: boolean, reason: string): Expect {
  return { t: 'user_away', name, away, ...(reason === '' ? {} : { reason }) };
}

export class Msg extends OnSlot implements Cmd {
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
    this.to = targetName(m, this.target);
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
        if (target.who !== null && target.who !== slot) {
          entries.push([target.who, [p]]);
          // 7.12: the sender is told the target is away, right after its echo.
          const reason = m.away.get(target.who);
          if (reason !== undefined && m.agrees(slot, 'away'))
            entries.push([slot, [awayNotice(target.name, true, reason)]]);
        }
        return { expect: expectMap(entries), apply: () => {} };
      },
      token,
    );
  }
  describe(where: string): string {
    return `msg(${where}, to ${describeTarget(this.target, where, this.to)}, ${short(this.text)})`;
  }
}

export class Query extends OnSlot implements Cmd {
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
    const info = m.profile === 'v2' ? V2_PACKET_INFO[this.kind] : LEGACY_PACKET_INFO.export;
    const token = m.takeToken(slot, info.rateCost);
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

/**
 * A command of a 2.1 feature (5.8): its participant is picked among the joined slots that agreed
 * the feature, since a client sends nothing of a feature it did not agree.
 */
abstract class OnFeatureSlot extends OnSlot {
  constructor(
    pick: number,
    readonly feature: string,
  ) {
    super(pick, 'joined');
  }
  private agreeing(m: Readonly<ChatModel>): Who[] {
    return slotsWhere(m, 'joined').filter((slot) => m.agrees(slot, this.feature));
  }
  protected override resolve(m: Readonly<ChatModel>): Who {
    const slots = this.agreeing(m);
    return slots[this.pick % slots.length];
  }
  protected override applies(m: Readonly<ChatModel>): boolean {
    return m.profile === 'v2' && this.agreeing(m).length > 0;
  }
  protected override get ref(): string {
    return `${this.feature}[${this.pick}]`;
  }
  check(m: Readonly<ChatModel>): boolean {
    return this.applies(m);
  }
}

const rateLimited = (m: ChatModel, slot: Who): Outcome => ({
  expect: expectMap([[slot, [notice(m, 'RATE_LIMITED')]]]),
  apply: () => {},
});

/** A rename (7.11): the name rules and keys of join, the renamer's own keys excepted. */
export class Nick extends OnFeatureSlot implements Cmd {
  constructor(
    pick: number,
    readonly name: string,
  ) {
    super(pick, 'nick');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    const from = m.members.get(slot)!;
    const verdict = m.nameVerdict(this.name, slot);
    const token = m.takeToken(slot, V2_PACKET_INFO.nick.rateCost);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: 'nick', name: this.name }),
      (limited) => {
        if (limited) return rateLimited(m, slot);
        if (verdict !== null)
          return { expect: expectMap([[slot, [{ t: 'join_error', code: verdict }]]]), apply: () => {} };
        const to = m.recordedName(this.name);
        // Once to every member that agreed nick, the renamer included; a 2.0 member sees a
        // leave (quit) and a join instead, so that its user list stays right.
        const entries: [Who, Expect[]][] = [];
        for (const who of m.members.keys()) {
          if (m.agrees(who, 'nick')) entries.push([who, [{ t: 'user_renamed', from, to }]]);
          else if (who !== slot)
            entries.push([
              who,
              [
                { t: 'user_left', name: from, reason: 'quit' },
                { t: 'user_joined', name: to },
              ],
            ]);
        }
        const apply = () => {
          m.renamed(slot, to);
          m.active(slot);
        };
        return { expect: expectMap(entries), apply };
      },
      token,
    );
  }
  describe(where: string): string {
    return `nick(${where}, ${short(this.name)})`;
  }
}

/** Away with an optional reason, or back (7.12): told to every member that agreed away. */
export class Away extends OnFeatureSlot implements Cmd {
  constructor(
    pick: number,
    readonly kind: 'away' | 'back',
    readonly reason?: string,
  ) {
    super(pick, 'away');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    const name = m.members.get(slot)!;
    const token = m.takeToken(slot, V2_PACKET_INFO[this.kind].rateCost);
    const action =
      this.kind === 'away' ? { kind: 'away' as const, reason: this.reason } : { kind: 'back' as const };
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, action),
      (limited) => {
        if (limited) return rateLimited(m, slot);
        const away = this.kind === 'away';
        // Back when not away announces nothing (it still counts as a public act, 7.13).
        if (!away && !m.away.has(slot)) return { expect: new Map(), apply: () => m.active(slot) };
        const reason = away ? (this.reason ?? '') : '';
        const entries: [Who, Expect[]][] = [...m.members.keys()]
          .filter((who) => m.agrees(who, 'away'))
          .map((who) => [who, [awayNotice(name, away, reason)]]);
        const apply = () => {
          if (away) m.away.set(slot, reason);
          else m.away.delete(slot);
          m.active(slot);
        };
        return { expect: expectMap(entries), apply };
      },
      token,
    );
  }
  describe(where: string): string {
    return this.kind === 'away'
      ? `away(${where}${this.reason === undefined ? '' : `, ${short(this.reason)}`})`
      : `back(${where})`;
  }
}

/** About one member (7.13): a whois_reply to the asker only, or NO_SUCH_USER. */
export class Whois extends OnFeatureSlot implements Cmd {
  private name = '';
  constructor(
    pick: number,
    readonly target: MsgTarget,
  ) {
    super(pick, 'whois');
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    const slot = this.resolve(m);
    this.name = targetName(m, this.target);
    const target = m.memberNamed(this.name);
    const token = m.takeToken(slot, V2_PACKET_INFO.whois.rateCost);
    await step(
      m,
      r,
      this.label(slot),
      slot,
      () => r.act(slot, { kind: 'whois', name: this.name }),
      (limited) => {
        if (limited) return rateLimited(m, slot);
        if (!target) return { expect: expectMap([[slot, [notice(m, 'NO_SUCH_USER')]]]), apply: () => {} };
        // Features run only where the run owns the room (ChatSystem.features): no foreign members.
        if (target.who === null) throw new Error(`whois of ${target.name}, a member the model does not know`);
        const reason = m.away.get(target.who);
        const reply: Expect = {
          t: 'whois_reply',
          name: target.name,
          joined: m.joinedAt.get(target.who)!,
          idle: Math.max(0, r.now - m.activeAt.get(target.who)!),
          away: reason !== undefined,
          ...(reason ? { reason } : {}),
        };
        return { expect: expectMap([[slot, [reply]]]), apply: () => {} };
      },
      token,
    );
  }
  describe(where: string): string {
    return `whois(${where}, ${describeTarget(this.target, where, this.name)})`;
  }
}

const REASONS: Record<LeaveHow, string> = { goodbye: 'quit', hangup: 'lost', garbage: 'error' };

export class Leave extends OnSlot implements Cmd {
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

export class Extra implements Cmd {
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

export class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  async run(m: ChatModel, r: ChatSystem): Promise<void> {
    if (!r.canAdvance) return;
    const until = r.now + this.ms;
    // A connection still without a name when handshakeTimeoutMs has passed is closed (spec 11),
    // at the server's next deadline step (ChatServer.deadlineGrid); v2 says why first. Nobody else
    // hears of it: it was never in the room.
    const timeout = r.handshakeTimeoutMs;
    const grid = r.deadlineGrid;
    const dueBy = (slot: Who) => Math.ceil((m.openedAt.get(slot)! + timeout!) / grid) * grid <= until;
    const late = timeout === null ? [] : [...m.waiting].filter(dueBy);
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
