/**
 * What every command shares: running one step (act, collect, compare, apply), resolving a command's
 * participant from its pick, and the expectations several commands build (notices, leaving, refusals).
 */
import type fc from 'fast-check';
import { LEGACY_MESSAGES, LEGACY_SERVER_NAME } from '../../src/generated/constants.js';
import { legacyPacket, serializeLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { pythonDateString } from '../../src/legacy/python-json.js';
import type { ChatModel } from './model.js';
import type { Obs } from './observe.js';
import type { ChatSystem, ClientAction, Expect, Expectations, StepPlan, Who } from './types.js';

export type Cmd = fc.AsyncCommand<ChatModel, ChatSystem, false>;

export const short = (text: string): string =>
  JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}...` : text);

export function expectMap(entries: Iterable<[Who, Expect[]]>): Expectations {
  const map: Expectations = new Map();
  for (const [who, list] of entries) if (list.length > 0) map.set(who, [...(map.get(who) ?? []), ...list]);
  return map;
}

/**
 * Runs one step: act, collect, compare. `outcome(limited)` says what is expected when the
 * command went through or was rate limited; `token` is the model's verdict (null: the server's
 * answer decides, for a clock the model does not own; `none`: the command takes no token).
 */
export async function step(
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
              // legacy: a dropped setuser closes the connection (10.2); anything else closed
              // where a notice is due fails the comparison all the same.
              (o.t === 'closed' && m.profile === 'legacy') ||
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
export interface Outcome {
  readonly expect: Expectations;
  readonly apply: () => void;
  readonly leaves?: boolean;
  readonly joins?: boolean;
}

/**
 * Commands name their participant by a pick among those it applies to (the 2nd joined slot...),
 * resolved when they run, so that almost every generated command does something.
 */
export function slotsWhere(
  m: Readonly<ChatModel>,
  which: 'empty' | 'waiting' | 'joined' | 'connected',
): Who[] {
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

export abstract class OnSlot {
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

/**
 * Whether a v2 client must refuse to send `packet`: a record (UTF-8 JSON and the 16-byte tag)
 * larger than the server's announced maxFrame (6.1).
 */
export function overFrame(m: ChatModel, packet: object): boolean {
  const maxFrame = m.system.limits.maxFrame;
  return (
    m.profile === 'v2' &&
    maxFrame !== undefined &&
    Buffer.byteLength(JSON.stringify(packet), 'utf8') + 16 > maxFrame
  );
}

export const refused: Expect = { t: 'refused', code: 'MESSAGE_TOO_LONG' };

export function notice(m: ChatModel, code: string): Expect {
  return m.profile === 'v2' ? { t: 'error', code } : { t: 'notice', code };
}

/** What the others receive when `slot` leaves the room (7.6 user_left; 10.3 notice, 10.4 list). */
export function leaveNotices(m: ChatModel, slot: Who, reason: string): [Who, Expect[]][] {
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
export function legacyOverFrame(m: ChatModel, name: string, text: string): boolean {
  const maxFrame = m.system.limits.legacyMaxFrame;
  if (m.profile !== 'legacy' || maxFrame === undefined) return false;
  const plain = serializeLegacyPacket(
    legacyPacket('default', name, text, pythonDateString(m.system.now)),
    true,
  );
  return Math.ceil(plain.length / 3) * 4 > maxFrame;
}
