/**
 * v2 presence cases (spec 7.6, 11): the user list, join and leave notices (user_joined,
 * user_left and their batched forms), each exactly once at every member and in order.
 *
 * How this works: unique names and marker lines (barriers, v2-steps.ts) make "exactly once" and
 * "nobody else" observable; the presence-batch case fills a room past presenceBatchMembers.
 */
import { LIMITS } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { announcesLeave, countNotices, leaveOf, type Notice, notices } from '../presence.js';
import { limitText, packetText, pkt, quote, texts, tr, transition } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, joinAll } from './v2-steps.js';

const EVERY_NOTICE_ONCE =
  'every member gets each later join and leave exactly once and in order, as user_joined/user_left or inside users_joined/users_left (with the reason given)';

/** A notice as the presence-batch case compares it: `+name` joined, `-name` left. */
const shown = (n: Notice) => `${n.kind === 'joined' ? '+' : '-'}${n.name}`;

/** Where two notice lists first differ, in words (null when they are equal). */
function difference(expected: readonly string[], got: readonly string[]): string | null {
  const i = expected.findIndex((e, k) => got[k] !== e);
  if (i === -1 && got.length === expected.length) return null;
  const at = i === -1 ? expected.length : i;
  return `${expected.length} notices expected, ${got.length} received; notice ${at + 1} is ${got[at] ?? 'missing'} where ${expected[at] ?? 'nothing more'} was expected (+ joined, - left)`;
}

export const v2PresenceCases: Case[] = [
  {
    id: 'v2-chat/7.6/1',
    section: '7.6',
    profile: 'v2',
    level: 'MUST',
    description: 'who gets the user list, sorted case-insensitively',
    specText: packetText('v2', 'user_list'),
    covers: [pkt('v2', 'who'), pkt('v2', 'user_list')],
    accepts: ['user_list holding both members, the lower-case name first'],
    async run(ctx) {
      const [b, a] = await joinAll(ctx, 'Bob', 'alice');
      const users = await a.who();
      if (!users.includes(a.name!) || !users.includes(b.name!))
        return ctx.fail(`users including ${a.name} and ${b.name}`, JSON.stringify(users));
      const simple = users.filter((u) => /^[A-Za-z0-9]+$/.test(u));
      const sorted = simple.every((u, i) => i === 0 || simple[i - 1].toLowerCase() <= u.toLowerCase());
      ctx.check(
        sorted &&
          a.name!.toLowerCase() < b.name!.toLowerCase() === users.indexOf(a.name!) < users.indexOf(b.name!),
        'names sorted case-insensitively',
        JSON.stringify(users),
      );
    },
  },
  {
    id: 'v2-chat/7.6/2',
    section: '7.6',
    profile: 'v2',
    level: 'MUST',
    description: 'user_joined goes once to every other joined client, not to the joiner, not for refusals',
    specText: texts(
      packetText('v2', 'user_joined'),
      quote('5.7', 'every other joined client gets `user_joined`'),
    ),
    covers: [pkt('v2', 'user_joined'), tr('v2/client', 'JOINED', 'user_joined')],
    accepts: [
      'one user_joined for the newcomer at each earlier member, none at the newcomer, none for a refused name',
    ],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'early1', 'early2');
      const refused = await ctx.v2('refused');
      await refused.join(a.name!);
      const [c] = await joinAll(ctx, 'late');
      const [atA, atB, atC] = await barrier(ctx, c, [a, b, c]);
      const n = (ps: V2ServerPacket[], name: string) => countNotices(ps, 'joined', name);
      ctx.check(
        n(atC, c.name!) === 0,
        'no user_joined at the newcomer for itself',
        `the newcomer got ${n(atC, c.name!)} user_joined for itself`,
      );
      ctx.check(
        n(atA, c.name!) === 1,
        'one user_joined at the first member',
        `the first member got ${n(atA, c.name!)} user_joined ${c.name}`,
      );
      ctx.check(
        n(atB, c.name!) === 1,
        'one user_joined at the second member',
        `the second member got ${n(atB, c.name!)} user_joined ${c.name}`,
      );
      ctx.check(n(atA, a.name!) === 0, 'no user_joined for a refused join', 'a refused join was announced');
    },
  },
  {
    id: 'v2-chat/7.6/3',
    section: '7.6',
    profile: 'v2',
    level: 'MUST',
    description: 'A goodbye is announced once to every remaining client as user_left (quit)',
    specText: texts(packetText('v2', 'user_left'), transition('v2/server', 'JOINED', 'goodbye')),
    covers: [
      pkt('v2', 'goodbye'),
      pkt('v2', 'user_left'),
      tr('v2/server', 'JOINED', 'goodbye'),
      tr('v2/client', 'JOINED', 'send:goodbye'),
      tr('v2/client', 'JOINED', 'user_left'),
    ],
    accepts: ['one user_left with reason quit at each remaining member'],
    async run(ctx) {
      const [a, b, c] = await joinAll(ctx, 'stayA', 'stayB', 'leaver');
      c.send({ type: 'goodbye' });
      const { packet } = await ctx.attempt(`user_left ${c.name}`, 'after a goodbye', () =>
        a.until(announcesLeave(c.name!), 'user_left'),
      );
      // A users_left batch may announce the leave twice in one packet: count the rest of it too.
      const again = notices(packet).filter((n) => n.kind === 'left' && n.name === c.name).length - 1;
      const [atA, atB] = await barrier(ctx, a, [a, b]);
      const moreAtA = again + countNotices(atA, 'left', c.name!);
      ctx.check(
        moreAtA === 0,
        'no second user_left',
        `the first member got ${moreAtA + 1} user_left ${c.name}`,
      );
      const left = atB.flatMap((p) => leaveOf(p, c.name!) ?? []);
      const atBCount = countNotices(atB, 'left', c.name!);
      ctx.check(
        atBCount === 1,
        'one user_left at the second member',
        `the second member got ${atBCount} user_left ${c.name}`,
      );
      if (left[0]) ctx.check(left[0].reason === 'quit', 'reason quit', `reason ${left[0].reason}`, 'SHOULD');
    },
  },
  {
    id: 'v2-chat/7.6/4',
    section: '7.6',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that sends a fatal error is announced as user_left (error)',
    specText: transition('v2/server', 'JOINED', 'error', 'fatal'),
    covers: [pkt('v2', 'error'), tr('v2/server', 'JOINED', 'error', 'fatal')],
    accepts: ['user_left with reason error at the other member'],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'witness', 'failing');
      b.send({
        type: 'error',
        code: 'INTERNAL_ERROR',
        message: 'conformance suite fails on purpose',
        fatal: true,
      });
      const { packet } = await ctx.attempt(`user_left ${b.name}`, 'after a fatal error packet', () =>
        a.until(announcesLeave(b.name!), 'user_left'),
      );
      const left = leaveOf(packet, b.name!);
      if (left) ctx.check(left.reason === 'error', 'reason error', `reason ${left.reason}`, 'SHOULD');
      ctx.check(await b.conn.waitClosed(ctx.timeout), 'the failing connection closed', 'still open');
    },
  },
  {
    id: 'v2-chat/11/4',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description:
      'In a room of presenceBatchMembers, a burst of joins and leaves reaches every member once each, in order',
    specText: texts(
      limitText('presenceBatchMembers'),
      packetText('v2', 'users_joined'),
      packetText('v2', 'users_left'),
    ),
    covers: [
      pkt('v2', 'users_joined'),
      pkt('v2', 'users_left'),
      tr('v2/client', 'JOINED', 'users_joined'),
      tr('v2/client', 'JOINED', 'users_left'),
    ],
    accepts: [EVERY_NOTICE_ONCE],
    async run(ctx) {
      // Each step is awaited (join_ok, or the leaver's close), so this is the server's order too.
      const happened: Notice[] = [];
      const members: V2Session[] = [];
      /** How many notices each member was there for when it joined: it hears the ones after. */
      const heardFrom = new Map<V2Session, number>();
      const join = async (base: string) => {
        keepAlive();
        const s = await ctx.v2Joined(base);
        happened.push({ kind: 'joined', name: s.name! });
        heardFrom.set(s, happened.length);
        members.push(s);
      };
      const leave = async (s: V2Session, how: 'quit' | 'error') => {
        keepAlive();
        s.send(
          how === 'quit'
            ? { type: 'goodbye' }
            : {
                type: 'error',
                code: 'INTERNAL_ERROR',
                message: 'conformance suite fails on purpose',
                fatal: true,
              },
        );
        if (!(await s.conn.waitClosed(ctx.timeout)))
          ctx.fail('the server closes a connection that left', `${s.conn.label} still open after ${how}`);
        happened.push({ kind: 'left', name: s.name!, reason: how });
        members.splice(members.indexOf(s), 1);
      };
      // Nobody reads until the end: an unsolicited pong (7.8: ignored) keeps the members from
      // timing out on a slow machine, and is no packet a server answers.
      // It goes out on a clock (half the idle ping, at most 300 ms), since a loaded machine may
      // take longer than an idle timeout for a few dozen joins.
      let kept = Date.now();
      const keepAlive = () => {
        // An unsolicited pong takes a rate token (7.8): a few a second, well within the refill.
        if (Date.now() - kept < Math.min(1000, (ctx.options.idleTimeoutMs ?? 90_000) / 3)) return;
        kept = Date.now();
        for (const m of members) m.send({ type: 'pong', n: 0 });
      };
      const size = LIMITS.presenceBatchMembers;
      const names = 36 ** Math.min(ctx.maxName(), 8);
      if (names < size * 3)
        ctx.fail(
          EVERY_NOTICE_ONCE,
          `not checked: maxName ${ctx.maxName()} leaves too few names for a room of ${size}`,
          'MAY',
        );
      for (let i = 0; i < size; i++) {
        await join('early');
        keepAlive();
      }
      const burst = members.length;
      for (let i = 0; i < 10; i++) await join('burst');
      const [b0, b1, b2, b3] = members.slice(burst, burst + 4);
      await leave(b0, 'quit');
      await leave(b1, 'quit');
      await leave(members[0], 'quit');
      await leave(b2, 'error');
      await join('late');
      await join('late');
      await leave(b3, 'quit');
      const ours = new Set(happened.map((n) => n.name));
      const seen = await barrier(ctx, members[0], members);
      let compact = 0;
      members.forEach((m, i) => {
        const got = seen[i].flatMap(notices).filter((n) => ours.has(n.name));
        const expected = happened.slice(heardFrom.get(m));
        compact += seen[i].filter((p) => p.type === 'users_joined' || p.type === 'users_left').length;
        const wrong = difference(expected.map(shown), got.map(shown));
        if (wrong) ctx.fail(EVERY_NOTICE_ONCE, `at ${m.name} (${m.conn.label}): ${wrong}`);
        const reasons = got.flatMap((n, k) => {
          const want = expected[k];
          return n.kind === 'left' && want.kind === 'left' && n.reason !== want.reason
            ? [`${n.name} left (${n.reason}), expected ${want.reason}`]
            : [];
        });
        if (reasons.length > 0) ctx.check(false, 'each leave with its reason', reasons.join('; '), 'SHOULD');
      });
      ctx.note(
        `${members.length} members, ${happened.length} joins and leaves; ${compact} users_joined/users_left packets received`,
      );
    },
  },
];
