/**
 * v2 chat cases, part 2 (spec 7.6-7.9, 11): the user list, join and leave notices, export, ping,
 * the rate limit, goodbye and the idle timers.
 *
 * How this works: as in part 1, unique names and marker lines (barriers) make "exactly once" and
 * "nobody else" observable. The rate limit and idle limits are not announced on the wire, so the
 * suite takes them from the command line (--burst, --idle-ping, --idle-timeout); the idle cases
 * run only when the idle timeout is given, and wait for it alongside the other cases.
 */
import { LIMITS } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { WaitTimeout } from '../driver.js';
import { expectV2Rejection } from '../expect.js';
import { announcesLeave, countNotices, leaveOf, type Notice, notices } from '../presence.js';
import { limitText, packetText, pkt, quote, texts, tr, transition } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, joinAll, tag } from './v2-chat.js';

/** Not checked without the server's idle settings: an INFORMATIONAL finding, with the reason. */
function needsIdle(ctx: CaseContext): number {
  const idle = ctx.options.idleTimeoutMs;
  if (idle === undefined) {
    return ctx.fail(
      'the server closes idle clients',
      "not checked: the server's idle timeout is not announced on the wire; pass --idle-timeout MS (and --idle-ping MS) to check it",
      'MAY',
    );
  }
  return idle;
}

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

export const v2RoomCases: Case[] = [
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
    id: 'v2-chat/7.7/1',
    section: '7.7',
    profile: 'v2',
    level: 'MUST',
    description: 'export_reply holds joins, lines, actions and leaves, oldest first, and no private message',
    specText: packetText('v2', 'export_reply'),
    covers: [
      pkt('v2', 'export'),
      pkt('v2', 'export_reply'),
      tr('v2/server', 'JOINED', 'export'),
      tr('v2/client', 'JOINED', 'send:export'),
      tr('v2/client', 'JOINED', 'export_reply'),
    ],
    accepts: [
      "entries join A, join B, message, action, leave B in that order (among this case's), the last reply done: true",
    ],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'expA', 'expB');
      const line = ctx.line(`exported ${tag()}`);
      const act = ctx.line(`acts ${tag()}`);
      const secret = ctx.line(`private ${tag()}`);
      a.send(
        { type: 'say', text: line },
        { type: 'me', text: act },
        { type: 'msg', to: b.name, text: secret },
      );
      await a.until((p) => p.type === 'private' && p.text === secret, 'the private echo');
      b.send({ type: 'goodbye' });
      await a.until(announcesLeave(b.name!), 'user_left');
      a.send({ type: 'export' });
      const entries: { kind: string; from: string; text: string; ts: number }[] = [];
      for (;;) {
        const { packet } = await a.until((p) => p.type === 'export_reply', 'export_reply');
        if (packet.type !== 'export_reply') break;
        // Joins and leaves name their user in `name` (structured) or `from` (the 2.0 form), 7.7.
        for (const e of packet.entries)
          entries.push({ kind: e.kind, from: e.name ?? e.from ?? '', text: e.text ?? '', ts: e.ts });
        if (packet.done) break;
      }
      const named = entries.filter((e) => e.from === a.name || e.from === b.name);
      // With very short names (a small maxName) an earlier case may have used the same ones: this
      // case's entries start at A's last join.
      const start = named.map((e) => e.kind === 'join' && e.from === a.name).lastIndexOf(true);
      const ours = named.slice(Math.max(0, start));
      const shape = ours.map(
        (e) =>
          `${e.kind}:${e.from === a.name ? 'A' : 'B'}${e.kind === 'message' ? `:${e.text === line}` : ''}`,
      );
      const want = 'join:A join:B message:A:true action:A leave:B';
      // A server keeps only its last `history` entries, and that setting is not announced: an
      // export shorter than this case's five entries that ends as expected is a short history.
      if (shape.join(' ') !== want && entries.length < 5 && want.endsWith(shape.join(' ')))
        ctx.fail(
          'join A, join B, message A, action A, leave B',
          `not checked: the export holds ${entries.length} entries (the server's history is shorter than this case's 5)`,
          'MAY',
        );
      ctx.check(shape.join(' ') === want, 'join A, join B, message A, action A, leave B', shape.join(' '));
      ctx.check(
        !entries.some((e) => e.text.includes(secret)),
        'no private message in the export',
        'the private message is in the export',
      );
      ctx.check(
        entries.every((e, i) => i === 0 || e.ts >= entries[i - 1].ts),
        'oldest first',
        'timestamps go back in time',
      );
    },
  },
  {
    id: 'v2-chat/7.8/1',
    section: '7.8',
    profile: 'v2',
    level: 'MUST',
    description: 'In the room, ping gets a pong with the same n and an unsolicited pong is ignored',
    specText: packetText('v2', 'ping'),
    covers: [
      tr('v2/server', 'JOINED', 'ping'),
      tr('v2/server', 'JOINED', 'pong'),
      tr('v2/client', 'JOINED', 'send:pong'),
      tr('v2/client', 'JOINED', 'pong'),
    ],
    accepts: ['pong with the same n'],
    async run(ctx) {
      const [a] = await joinAll(ctx, 'pinger');
      a.send({ type: 'pong', n: 5 });
      if (!(await a.alive())) ctx.fail('pong with the same n', 'no pong (or the connection closed)');
    },
  },
  {
    id: 'v2-chat/7.8/2',
    section: '7.8',
    profile: 'v2',
    level: 'MUST',
    description: 'Lines beyond the rate limit get RATE_LIMITED (not fatal) and are dropped',
    specText: texts(limitText('rateBurst'), limitText('ratePerSecond')),
    covers: [],
    accepts: [
      'at least one error RATE_LIMITED with fatal: false, at most about a burst of lines delivered, the connection still served',
    ],
    async run(ctx) {
      const [a] = await joinAll(ctx, 'flood');
      const burst = ctx.options.burst;
      const total = burst * 2 + 10;
      const lines = Array.from({ length: total }, (_, i) => ctx.line(`rate ${i} ${tag()}`));
      const started = Date.now();
      a.send(...lines.map((text) => ({ type: 'say', text })));
      // Every line is answered: delivered (the echo) or refused (RATE_LIMITED). A ping is no barrier
      // here: a server may answer it before it has processed the lines that came first.
      const skipped: V2ServerPacket[] = [];
      const answered = (p: V2ServerPacket) =>
        (p.type === 'message' && p.from === a.name) || (p.type === 'error' && p.code === 'RATE_LIMITED');
      try {
        await a.until((p) => (answered(p) ? skipped.push(p) : 0) === total, `answers to ${total} lines`);
      } catch (err) {
        if (!(err instanceof WaitTimeout)) throw err;
      }
      const limited = skipped.filter((p) => p.type === 'error' && p.code === 'RATE_LIMITED');
      const delivered = skipped.filter((p) => p.type === 'message' && p.from === a.name).length;
      if (!(await a.alive())) ctx.fail('the connection still served after the burst', 'no pong');
      if (limited.length === 0) {
        ctx.fail(
          'error RATE_LIMITED',
          `all ${delivered} of ${total} lines were delivered and none refused (the suite assumed a burst of ${burst}: --burst)`,
        );
      }
      ctx.check(
        limited.every((p) => p.type === 'error' && !p.fatal),
        'RATE_LIMITED with fatal: false',
        'RATE_LIMITED came with fatal: true',
      );
      const allowance = burst + Math.ceil(((Date.now() - started) / 1000) * 100) + 2;
      ctx.check(
        delivered <= allowance,
        `at most about ${burst} lines delivered`,
        `${delivered} delivered`,
        'SHOULD',
      );
      ctx.note(`${delivered} delivered, ${limited.length} RATE_LIMITED`);
    },
  },
  {
    id: 'v2-chat/7.9/1',
    section: '7.9',
    profile: 'v2',
    level: 'MUST',
    description: 'join, pong and goodbye in one write: join_ok, then the server closes',
    specText: packetText('v2', 'goodbye'),
    covers: [
      tr('v2/client', 'AWAIT_JOIN_REPLY', 'send:goodbye'),
      tr('v2/client', 'AWAIT_JOIN_REPLY', 'send:pong'),
    ],
    accepts: ['join_ok, then the close, with no error'],
    async run(ctx) {
      const v2 = await ctx.v2('quick');
      v2.send(
        { type: 'join', name: ctx.name('quick') },
        { type: 'pong', n: 1 },
        { type: 'goodbye', reason: 'just passing' },
      );
      const seen = await v2.drain(ctx.timeout);
      const types = seen.packets.map((p) => p.type);
      ctx.check(types[0] === 'join_ok', 'join_ok first', types.join(', ') || 'nothing');
      ctx.check(!types.includes('error'), 'no error', types.join(', '));
      if (!seen.closed) ctx.fail('the close after goodbye', `still open ${ctx.timeout} ms after goodbye`);
    },
  },
  {
    id: 'v2-chat/11/1',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'An idle client is pinged, and closed with IDLE_TIMEOUT when it does not answer',
    specText: texts(limitText('idlePingMs'), limitText('idleTimeoutMs')),
    covers: [tr('v2/client', 'JOINED', 'ping'), tr('v2/client', 'JOINED', 'error', 'fatal')],
    accepts: ['a ping, then error IDLE_TIMEOUT (fatal) and the close, or the close alone'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'idle');
      a.autoPong = false;
      const started = Date.now();
      const ping = ctx.options.idlePingMs ?? idle;
      const { packet } = await ctx.attempt(
        'a ping from the server',
        `silent for ${ping + ctx.timeout} ms (the suite was told the server pings after ${ping} ms: --idle-ping)`,
        () => a.until((p) => p.type === 'ping' || p.type === 'error', 'a ping', ping + ctx.timeout),
      );
      if (packet.type === 'error') return ctx.fail('a ping first', `error ${packet.code} before any ping`);
      await expectV2Rejection(ctx, a, ['IDLE_TIMEOUT'], 'a client that never answers', {
        waitMs: Math.max(0, started + idle + ctx.timeout - Date.now()),
        byTimer: true,
      });
    },
  },
  {
    id: 'v2-chat/11/5',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description:
      'A client that trickles a record a byte at a time is still pinged and closed with IDLE_TIMEOUT',
    specText: texts(
      limitText('idleTimeoutMs'),
      quote('11', 'A peer is heard when a frame from it is complete'),
    ),
    covers: [],
    accepts: [
      'a ping, then error IDLE_TIMEOUT (fatal) and the close, or the close alone, while bytes still trickle',
    ],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'trickle');
      a.autoPong = false;
      const started = Date.now();
      // A header that promises a body, then the body a byte at a time: no frame is ever complete.
      const bytes = Buffer.from(`1000      ${'x'.repeat(200)}`);
      let sent = 0;
      const timer = setInterval(
        () => {
          if (sent < bytes.length) a.conn.write(bytes.subarray(sent, ++sent));
        },
        Math.max(20, Math.floor(idle / 20)),
      );
      try {
        const ping = ctx.options.idlePingMs ?? idle;
        const { packet } = await ctx.attempt(
          'a ping from the server',
          `no ping within ${ping + ctx.timeout} ms while a byte came every ${Math.floor(idle / 20)} ms: the server counts the bytes of an unfinished frame as hearing from the client`,
          () => a.until((p) => p.type === 'ping' || p.type === 'error', 'a ping', ping + ctx.timeout),
        );
        if (packet.type === 'error') return ctx.fail('a ping first', `error ${packet.code} before any ping`);
        await expectV2Rejection(ctx, a, ['IDLE_TIMEOUT'], 'a client that trickles a record', {
          waitMs: Math.max(0, started + idle + ctx.timeout - Date.now()),
          byTimer: true,
        });
      } finally {
        clearInterval(timer);
      }
    },
  },
  {
    id: 'v2-chat/11/3',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that has not joined yet is pinged too when it is silent',
    specText: limitText('idlePingMs'),
    covers: [tr('v2/client', 'READY', 'ping')],
    accepts: ['a ping before the handshake timeout ends the connection'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      needsIdle(ctx);
      const ping = ctx.options.idlePingMs;
      if (ping === undefined || ping * 2 > ctx.options.handshakeTimeoutMs) {
        return ctx.fail(
          'a ping before join',
          `not checked: needs --idle-ping at most half --handshake-timeout (got ${ping ?? 'none'} and ${ctx.options.handshakeTimeoutMs} ms)`,
          'MAY',
        );
      }
      const v2 = await ctx.v2('unjoined');
      v2.autoPong = false;
      const wait = ctx.options.handshakeTimeoutMs + ctx.timeout;
      await ctx.attempt(
        'a ping',
        `silent and not joined for up to ${wait} ms (the suite was told the server pings after ${ping} ms: --idle-ping)`,
        () => v2.until((p) => p.type === 'ping', 'a ping', wait),
      );
    },
  },
  {
    id: 'v2-chat/11/2',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that answers pings stays connected past the idle timeout',
    specText: texts(limitText('idleTimeoutMs'), transition('v2/server', 'JOINED', 'pong')),
    covers: [],
    accepts: ['the connection is still served after idleTimeout + the suite timeout'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'awake');
      const until = Date.now() + idle + ctx.timeout;
      while (Date.now() < until) {
        try {
          const got = await a.next('nothing');
          if (!got) return ctx.fail('the connection stays', `closed after ${a.pingsSeen} answered pings`);
          if (got.type === 'error') return ctx.fail('no error', `error ${got.code}`);
        } catch (err) {
          if (!(err instanceof WaitTimeout)) throw err;
        }
      }
      if (!(await a.alive())) ctx.fail('the connection still served', 'no pong');
      ctx.note(`${a.pingsSeen} pings answered`);
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
