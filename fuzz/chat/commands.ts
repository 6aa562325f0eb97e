/**
 * The commands fast-check runs against a chat system: connect, join, say/me, msg, who/export,
 * leave, an extra connection, and advancing a fake clock; and the final quiescence check.
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
  overFrame,
  short,
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
          entries.push([slot, [{ t: 'join_ok', name: name, users: after }]]);
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
        return { expect: expectMap(entries), apply: () => m.record({ kind, from, text: this.text }) };
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
