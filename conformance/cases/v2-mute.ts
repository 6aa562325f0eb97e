/**
 * What a mute covers (spec 7.18), seen from outside: a muted member's topic, new name and away
 * reason are refused with MUTED and reach nobody, while an away without a reason still passes;
 * a mute naming a room that does not exist is refused with NO_SUCH_ROOM; an unmute by name lifts
 * the address mute that covers a keyed member, and a mute whose member has left is listed and
 * lifted by its id; with maxMutes in force one more is refused with RATE_LIMITED and changes
 * nothing, while a replacing mute still fits and an unmute makes room.
 *
 * How this works: as the other moderation cases (v2-keys.ts), the suite's operator key is listed
 * with `--op` on a server the suite starts (--server-cmd); without it the cases are INFORMATIONAL.
 * That nothing reached the room is shown by order: the refused requests are answered first, then
 * an operator's line is the next thing a member of the room sees, with none of them before it.
 * maxMutes is not on the wire: its case asks for a server started with `--max-mutes` small (11),
 * fills the list with mutes of keys nobody joined with (7.18: any full fingerprint), and spends
 * at most a burst of rate tokens (7.8) on each operator connection, so that every RATE_LIMITED it
 * meets is the list's.
 */
import { fingerprintOf } from '../../src/crypto/identity.js';
import { V2_PACKET_INFO, type V2PacketOf, type V2ServerPacket } from '../../src/generated/v2-packets.js';
import { type Case, type CaseContext, describeReply } from '../case.js';
import { ConnectFailed } from '../driver.js';
import { limitText, pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { tag } from './markers.js';
import {
  clientAuth,
  joinAs,
  keyedMember,
  needFeatures,
  needFlag,
  SUITE_OPERATOR,
  SUITE_OPERATOR_FINGERPRINT,
  secondAddress,
  suiteKey,
} from './v2-keys.js';

/** A session past the handshake from the suite's second address (INFORMATIONAL when it cannot). */
async function fromAway(
  ctx: CaseContext,
  label: string,
  away: string,
  features: string[],
): Promise<V2Session> {
  let v2: V2Session;
  try {
    v2 = await ctx.v2Connect(label, away);
  } catch (err) {
    if (!(err instanceof ConnectFailed)) throw err;
    return ctx.fail(
      `a connection from ${away}`,
      `not checked: the suite cannot connect from ${away} (${err.code}), its second address to mute`,
      'MAY',
    );
  }
  await v2.handshake({ features, fingerprint: ctx.options.fingerprint });
  return v2;
}

const COVERS = texts(
  quote('7.18', 'What a mute covers, packet by packet'),
  quote('7.18', 'Each gets `error` MUTED (not fatal'),
);

/** An operator's answer, for a finding: an error's code, or that the action was made. */
const answered = (p: V2ServerPacket) =>
  p.type === 'moderated'
    ? `moderated ${p.action}${p.room === undefined ? '' : ` in ${p.room}`}: the server made it`
    : `${p.type} ${describeReply(p as { type: string; code?: string })}`;

/** The packets that would show the muted member's words to the room. */
const shows = (p: V2ServerPacket, name: string) =>
  p.type === 'topic_changed' || p.type === 'user_renamed' || (p.type === 'user_away' && p.name === name);

type Mute = V2PacketOf<'mute_list'>['mutes'][number];

/** maxMutes of the server v2-chat/7.18/7 asks for (`--max-mutes`): three fill the list in six tokens. */
export const MUTE_CAP = 3;

/** The number after `flag` in the server's flags (Case.serverArgs); INFORMATIONAL without it. */
function flagNumber(ctx: CaseContext, flag: string): number {
  needFlag(ctx, flag);
  const args = ctx.options.serverArgs ?? [];
  const value = Number(args[args.indexOf(flag) + 1]);
  if (!Number.isInteger(value) || value < 1)
    return ctx.fail(
      `a number after ${flag}`,
      `not checked: the server was started with ${args.join(' ')}`,
      'MAY',
    );
  return value;
}

/** Rate tokens (7.8) that `types` take, each its rateCost capped at the burst. */
function tokens(ctx: CaseContext, types: readonly (keyof typeof V2_PACKET_INFO)[]): number {
  return types.reduce((sum, t) => sum + Math.min(V2_PACKET_INFO[t].rateCost ?? 0, ctx.options.burst), 0);
}

/** Every mute in force, from `mutes` (its mute_list parts joined); null when an error came instead. */
async function muteList(ctx: CaseContext, op: V2Session, when: string): Promise<Mute[] | null> {
  op.send({ type: 'mutes' });
  const mutes: Mute[] = [];
  for (;;) {
    const { packet } = await ctx.attempt('mute_list', `after mutes, ${when}`, () =>
      op.until((p) => p.type === 'error' || p.type === 'mute_list', 'the mute list'),
    );
    if (packet.type !== 'mute_list') return null;
    mutes.push(...packet.mutes);
    if (!packet.more) return mutes;
  }
}

/** A mute list in words, for a finding. */
const listed = (mutes: readonly Mute[] | null) =>
  mutes === null
    ? 'an error instead of mute_list'
    : `[${mutes.map((m) => `${m.id} ${m.kind} ${m.target}`).join(', ')}]`;

export const v2MuteCases: readonly Case[] = [
  {
    id: 'v2-chat/7.18/4',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      "A muted member's topic, nick and away reason get MUTED (not fatal) and reach nobody; an away without a reason passes",
    specText: COVERS,
    covers: [pkt('v2', 'mute'), pkt('v2', 'topic'), pkt('v2', 'nick'), pkt('v2', 'away')],
    accepts: [
      'error MUTED, fatal false, for topic, nick and away with a reason; no topic_changed, user_renamed or user_away of it at a member of the room; user_away for an away without a reason',
      'without --server-cmd: INFORMATIONAL (needs --op)',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT],
    async run(ctx) {
      needFlag(ctx, '--op');
      await needFeatures(ctx, 'client-key', 'moderation', 'rooms', 'nick', 'away');
      const more = ['moderation', 'rooms', 'nick', 'away'];
      const op = await keyedMember(ctx, 'muteop', SUITE_OPERATOR, more);
      const loud = await keyedMember(ctx, 'muted', suiteKey(`muted ${tag()}`), more);
      const watch = await keyedMember(ctx, 'mutewatch', suiteKey(`mute watcher ${tag()}`), more);
      const name = loud.joined.name;
      op.v2.send({ type: 'mute', name, duration: 600, reason: 'conformance' });
      await ctx.attempt('moderated mute', 'to the operator', () =>
        op.v2.until((p) => p.type === 'moderated' && p.action === 'mute', 'the confirmation'),
      );
      const tries: [string, object][] = [
        ['topic', { type: 'topic', room: '#lobby', topic: `muted topic ${tag()}` }],
        ['nick', { type: 'nick', name: ctx.name('renamed') }],
        ['away with a reason', { type: 'away', reason: `muted reason ${tag()}` }],
      ];
      for (const [what, packet] of tries) {
        loud.v2.send(packet);
        const { packet: reply } = await ctx.attempt('an answer', `after ${what} from a muted member`, () =>
          loud.v2.until((p) => p.type === 'error' || p.type === 'join_error' || shows(p, name), 'the answer'),
        );
        ctx.check(
          reply.type === 'error' && reply.code === 'MUTED' && !reply.fatal,
          `error MUTED, fatal false, for ${what}`,
          `${reply.type} ${describeReply(reply as { type: string; code?: string })}`,
        );
      }
      // Answered, so handled: the operator's next line is the room's next news.
      const text = ctx.line(`after the mute ${tag()}`);
      op.v2.send({ type: 'say', text });
      const seen: V2ServerPacket[] = [];
      await ctx.attempt('the line', 'at a member of the room', () =>
        watch.v2.until((p) => {
          seen.push(p);
          return p.type === 'message' && p.text === text;
        }, 'the line'),
      );
      const leaked = seen.filter((p) => shows(p, name)).map((p) => p.type);
      ctx.check(
        leaked.length === 0,
        "none of the muted member's topic, rename or away reason at a member of the room",
        leaked.join(', '),
      );
      // Positive control: words of its own none, an away passes (a server refusing all would pass the rest).
      loud.v2.send({ type: 'away' });
      await ctx.attempt('user_away', 'at a member of the room, for an away without a reason', () =>
        watch.v2.until((p) => p.type === 'user_away' && p.name === name, 'user_away'),
      );
    },
  },
  {
    id: 'v2-chat/7.18/5',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      'A mute naming a room that does not exist gets NO_SUCH_ROOM (not fatal); one naming a room that exists is made',
    specText: quote('7.18', 'A `mute` whose `room` does not exist'),
    covers: [pkt('v2', 'mute'), pkt('v2', 'moderated')],
    accepts: [
      'error NO_SUCH_ROOM, fatal false, for a mute of a room nobody is in; moderated for a mute of #lobby',
      'without --server-cmd: INFORMATIONAL (needs --op)',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT],
    async run(ctx) {
      needFlag(ctx, '--op');
      await needFeatures(ctx, 'client-key', 'moderation', 'rooms');
      const more = ['moderation', 'rooms'];
      const op = await keyedMember(ctx, 'roomop', SUITE_OPERATOR, more);
      const target = await keyedMember(ctx, 'roommute', suiteKey(`room mute ${tag()}`), more);
      const name = target.joined.name;
      const answer = async (what: string) =>
        (
          await ctx.attempt('an answer', `after a mute of ${what}`, () =>
            op.v2.until(
              (p) => p.type === 'error' || (p.type === 'moderated' && p.action === 'mute'),
              'the answer',
            ),
          )
        ).packet;
      const nowhere = `#nx${tag()}`;
      op.v2.send({ type: 'mute', name, room: nowhere, duration: 60 });
      const refused = await answer(nowhere);
      ctx.check(
        refused.type === 'error' && refused.code === 'NO_SUCH_ROOM' && !refused.fatal,
        `error NO_SUCH_ROOM, fatal false, for a mute of ${nowhere} (no such room)`,
        answered(refused),
      );
      // Positive control: a room that exists is accepted.
      op.v2.send({ type: 'mute', name, room: '#lobby', duration: 60 });
      const made = await answer('#lobby');
      ctx.check(made.type === 'moderated', 'moderated for a mute of #lobby', answered(made));
    },
  },
  {
    id: 'v2-chat/7.18/6',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      "An unmute by a keyed member's name lifts the address mute that covers it; a mute whose member has left is in mute_list and lifted by its id",
    specText: texts(
      quote('7.18', '`unmute` by `name` lifts every mute that covers that joined member now'),
      quote('7.18', '`unmute` by `mute`, an id as `mute_list` shows it, lifts that one mute'),
    ),
    covers: [
      pkt('v2', 'unmute'),
      pkt('v2', 'mutes'),
      pkt('v2', 'mute_list'),
      tr('v2/server', 'JOINED', 'mutes'),
    ],
    accepts: [
      "the keyed member's line delivered after `unmute` of its name; the anonymous member's address mute in mute_list by its name, then gone from it after `unmute` by its id",
      'without --server-cmd: INFORMATIONAL (needs --op); INFORMATIONAL for a server that is not on a 127.x address',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT],
    async run(ctx) {
      needFlag(ctx, '--op');
      await needFeatures(ctx, 'client-key', 'moderation');
      // The address mute is of the suite's second address, so that the other cases' members go on.
      const away = secondAddress(ctx);
      const features = ['client-key', 'moderation'];
      const op = await keyedMember(ctx, 'unmuteop', SUITE_OPERATOR, ['moderation']);
      const anon = await fromAway(ctx, 'anonmuted', away, features);
      const anonName = (await joinAs(ctx, anon, ctx.name('anonmuted'))).name;
      const keyed = await fromAway(ctx, 'keyedmuted', away, features);
      keyed.send(clientAuth(suiteKey(`keyed muted ${tag()}`), keyed.transcript!));
      const keyedName = (await joinAs(ctx, keyed, ctx.name('keyedmuted'))).name;
      const answer = async (what: string) =>
        (
          await ctx.attempt('an answer', `after ${what}`, () =>
            op.v2.until(
              (p) => p.type === 'error' || p.type === 'moderated' || p.type === 'mute_list',
              'the answer',
            ),
          )
        ).packet;
      op.v2.send({ type: 'mute', name: anonName, duration: 120, reason: 'conformance' });
      const made = await answer('a mute of the anonymous member');
      if (made.type !== 'moderated') return ctx.fail('moderated for the mute', answered(made));
      /** What the keyed member's line comes back as: its own message, or an error. */
      const says = async (text: string) => {
        keyed.send({ type: 'say', text });
        const { packet } = await ctx.attempt('an answer', 'to a line of the keyed member', () =>
          keyed.until((p) => p.type === 'error' || (p.type === 'message' && p.text === text), 'its line'),
        );
        return packet;
      };
      const before = await says(ctx.line(`covered ${tag()}`));
      ctx.check(
        before.type === 'error' && before.code === 'MUTED',
        'error MUTED for a keyed member at the address of a muted anonymous member',
        `${before.type} ${describeReply(before as { type: string; code?: string })}`,
      );
      op.v2.send({ type: 'unmute', name: keyedName });
      const lifted = await answer(`an unmute of ${keyedName}`);
      ctx.check(lifted.type === 'moderated', `moderated for the unmute of ${keyedName}`, answered(lifted));
      const after = await says(ctx.line(`unmuted ${tag()}`));
      ctx.check(
        after.type === 'message',
        `the keyed member's line delivered after the unmute of its name (the address mute lifted)`,
        `${after.type} ${describeReply(after as { type: string; code?: string })}`,
      );
      // A mute of a member who then leaves: listed, and lifted by its id.
      op.v2.send({ type: 'mute', name: anonName, duration: 120 });
      await answer('a second mute of the anonymous member');
      anon.send({ type: 'goodbye' });
      await anon.drain(ctx.timeout);
      const list = async () => {
        op.v2.send({ type: 'mutes' });
        const { packet } = await ctx.attempt('mute_list', 'after mutes', () =>
          op.v2.until((p) => p.type === 'error' || (p.type === 'mute_list' && !p.more), 'the mute list'),
        );
        return packet.type === 'mute_list' ? packet.mutes : null;
      };
      const mutes = await list();
      const mute = mutes?.find((m) => m.name === anonName && m.kind === 'addr');
      if (!mute)
        return ctx.fail(`a mute of ${anonName} by address in mute_list`, JSON.stringify(mutes).slice(0, 200));
      op.v2.send({ type: 'unmute', mute: mute.id });
      const byId = await answer(`an unmute of mute ${mute.id}`);
      ctx.check(byId.type === 'moderated', `moderated for the unmute of mute ${mute.id}`, answered(byId));
      const left = await list();
      ctx.check(
        left !== null && !left.some((m) => m.id === mute.id),
        `mute ${mute.id} gone from mute_list`,
        JSON.stringify(left).slice(0, 200),
      );
    },
  },
  {
    id: 'v2-chat/7.18/7',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      'With maxMutes mutes in force, one more gets RATE_LIMITED (not fatal) and changes nothing; a replacing mute fits, and an unmute by id makes room',
    specText: texts(
      quote('7.18', 'would make more than maxMutes (11) mutes in force'),
      limitText('maxMutes'),
    ),
    covers: [pkt('v2', 'mute'), pkt('v2', 'mute_list'), pkt('v2', 'unmute')],
    accepts: [
      'moderated for each mute up to maxMutes; error RATE_LIMITED, fatal false, for one more, and mute_list unchanged; moderated for a mute of a listed key again (the list still full, that key under a new id); after an unmute by id, moderated for a new key',
      'without --server-cmd: INFORMATIONAL (needs --op and --max-mutes); INFORMATIONAL when the rate burst is below what one operator connection spends',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT, '--max-mutes', String(MUTE_CAP)],
    async run(ctx) {
      needFlag(ctx, '--op');
      const cap = flagNumber(ctx, '--max-mutes');
      await needFeatures(ctx, 'client-key', 'moderation');
      // 7.8: a mute costs tokens; a refusal for the rate would read as the list's own RATE_LIMITED.
      const spends = [
        tokens(ctx, ['client_auth', 'join', 'mutes', ...Array<'mute'>(cap + 1).fill('mute'), 'mutes']),
        tokens(ctx, ['client_auth', 'join', 'mute', 'mutes', 'unmute', 'mute', 'mutes']),
      ];
      if (Math.max(...spends) > ctx.options.burst)
        return ctx.fail(
          "a rate burst that holds one operator connection's packets",
          `not checked: an operator connection spends up to ${Math.max(...spends)} tokens for maxMutes ${cap}, more than the burst ${ctx.options.burst} (7.8)`,
          'MAY',
        );
      const mark = tag();
      let made = 0;
      /** A full fingerprint nobody joined with: 7.18 lets an operator mute any. */
      const freshKey = () => fingerprintOf(suiteKey(`mute cap ${mark} ${made++}`).publicKey);
      const mute = async (op: V2Session, key: string, what: string) => {
        op.send({ type: 'mute', key, duration: 600, reason: 'conformance' });
        const { packet } = await ctx.attempt('an answer', `after ${what}`, () =>
          op.until(
            (p) => p.type === 'error' || (p.type === 'moderated' && p.action === 'mute'),
            'the answer',
          ),
        );
        return packet;
      };
      const first = (await keyedMember(ctx, 'capop', SUITE_OPERATOR, ['moderation'])).v2;
      const before = await muteList(ctx, first, 'before the case');
      if (before === null || before.length > cap)
        return ctx.fail(`at most ${cap} mutes in mute_list (maxMutes)`, listed(before));
      const ours: string[] = [];
      for (let i = before.length; i < cap; i++) {
        const key = freshKey();
        const answer = await mute(first, key, `mute ${i + 1} of ${cap}`);
        if (answer.type !== 'moderated')
          return ctx.fail(`moderated for mute ${i + 1} of maxMutes ${cap}`, answered(answer));
        ours.push(key);
      }
      const full = await muteList(ctx, first, `with ${cap} mutes made`);
      if (full === null || full.length !== cap)
        return ctx.fail(`the ${cap} mutes in force in mute_list`, listed(full));
      const extra = freshKey();
      const over = await mute(first, extra, `a mute beyond maxMutes ${cap}`);
      ctx.check(
        over.type === 'error' && over.code === 'RATE_LIMITED' && !over.fatal,
        `error RATE_LIMITED, fatal false, for a mute that would make ${cap + 1} in force (maxMutes ${cap})`,
        answered(over),
      );
      const after = await muteList(ctx, first, 'after the mute beyond maxMutes');
      const ids = (mutes: readonly Mute[] | null) => (mutes ?? []).map((m) => m.id).join(',');
      ctx.check(
        after !== null && ids(after) === ids(full),
        `mute_list unchanged by the refused mute: ${listed(full)}`,
        listed(after),
      );
      // A connection of its own (a fresh burst) for the rest: a replacing mute at the limit fits.
      const second = (await keyedMember(ctx, 'capop2', SUITE_OPERATOR, ['moderation'])).v2;
      const target = full.find((m) => m.kind === 'key' && m.room === undefined && ours.includes(m.target));
      if (!target) return ctx.fail('a mute of the case in mute_list', listed(full));
      const again = await mute(second, target.target, `a mute of ${target.target} again, at the limit`);
      ctx.check(
        again.type === 'moderated',
        `moderated for a mute that replaces mute ${target.id} (the same key, server-wide) with maxMutes ${cap} in force`,
        answered(again),
      );
      const replaced = await muteList(ctx, second, 'after the replacing mute');
      const renewed = replaced?.find((m) => m.target === target.target);
      ctx.check(
        replaced !== null && replaced.length === cap && renewed !== undefined && renewed.id !== target.id,
        `${cap} mutes in force, ${target.target} among them under a new id (not ${target.id})`,
        listed(replaced),
      );
      // An unmute by id makes room: a new key's mute fits again.
      const others = (replaced ?? full).filter((m) => m.target !== target.target);
      const lift = others.find((m) => ours.includes(m.target)) ?? others[0] ?? renewed ?? target;
      second.send({ type: 'unmute', mute: lift.id });
      const { packet: unmuted } = await ctx.attempt('an answer', `after an unmute of mute ${lift.id}`, () =>
        second.until(
          (p) => p.type === 'error' || (p.type === 'moderated' && p.action === 'unmute'),
          'the answer',
        ),
      );
      ctx.check(
        unmuted.type === 'moderated',
        `moderated for the unmute of mute ${lift.id}`,
        answered(unmuted),
      );
      const fresh = freshKey();
      const room = await mute(second, fresh, `a mute of a new key after the unmute of mute ${lift.id}`);
      ctx.check(
        room.type === 'moderated',
        `moderated for a mute of a new key once mute ${lift.id} was lifted (${cap - 1} in force)`,
        answered(room),
      );
      const last = await muteList(ctx, second, 'at the end');
      ctx.check(
        last !== null &&
          last.length === cap &&
          last.some((m) => m.target === fresh) &&
          !last.some((m) => m.id === lift.id),
        `${cap} mutes in force: the new key's in, mute ${lift.id} gone`,
        listed(last),
      );
    },
  },
];
