/**
 * Cases for the chat features of spec 2.1 (5.8 registry; 7.10 backlog, 7.11 nick, 7.12 away, 7.13 whois).
 *
 * How this works: each case first asks the server what it offers (a probe connection reads
 * server_hello and leaves). A feature the server does not offer is not an error (5.8: a server
 * offers what it chooses): the case notes it and passes. Otherwise the case's members list the
 * feature, and the driver (v2-driver.ts) still refuses any packet of a feature not agreed.
 */
import type { V2PacketOf, V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { pause } from '../driver.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, joinedWith, offeredFeatures, tag } from './v2-steps.js';

type BacklogEntry = V2PacketOf<'backlog'>['entries'][number];

/**
 * The backlog a newcomer gets right after join_ok (7.10): every part up to `done`, and nothing
 * else before it. Ends with a marker from `from` so that a server that sends no backlog is seen.
 */
async function readBacklog(ctx: CaseContext, joiner: V2Session, from: V2Session): Promise<BacklogEntry[]> {
  const marker = ctx.line(`after the backlog ${tag()}`);
  from.send({ type: 'say', text: marker });
  const entries: BacklogEntry[] = [];
  for (;;) {
    const { packet, skipped } = await ctx.attempt('the backlog', 'right after join_ok', () =>
      joiner.until(
        (p: V2ServerPacket) => p.type === 'backlog' || (p.type === 'message' && p.text === marker),
        'a backlog packet',
      ),
    );
    if (skipped.length > 0)
      ctx.fail('the backlog first after join_ok', `${skipped.map((p) => p.type).join(', ')} before it`);
    if (packet.type !== 'backlog')
      ctx.fail('a backlog packet after join_ok', 'the next chat line, no backlog');
    if (packet.type !== 'backlog') return entries;
    entries.push(...packet.entries);
    if (packet.done) return entries;
  }
}

const same = (e: BacklogEntry | undefined, kind: string, from: string, text: string) =>
  e !== undefined && e.kind === kind && e.from === from && e.text === text;

const show = (e: BacklogEntry | undefined) =>
  e ? `${e.kind} <${e.from}> ${JSON.stringify(e.text)}` : 'nothing';

export const v2FeatureChatCases: Case[] = [
  {
    id: 'v2-chat/7.10/1',
    section: '7.10',
    profile: 'v2',
    level: 'MUST',
    description: 'A newcomer that agreed backlog gets the newest chat lines and actions first, oldest first',
    specText: texts(
      quote('7.10', 'arrive after `join_ok` in `backlog` packets'),
      quote('7.10', 'right after `join_ok` and its `user_list` parts and before anything else, oldest first'),
    ),
    covers: [pkt('v2', 'backlog')],
    accepts: [
      'a backlog ending with the two lines said before the join, in the order said',
      'nothing to check when the server does not offer backlog',
    ],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('backlog')) {
        ctx.note('the server does not offer backlog (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'backloga');
      const line = ctx.line(`said before ${tag()}`);
      const action = ctx.line(`did before ${tag()}`);
      a.send({ type: 'say', text: line }, { type: 'me', text: action });
      await barrier(ctx, a, [a]);
      const b = await joinedWith(ctx, 'backlogb', ['backlog']);
      const entries = await readBacklog(ctx, b, a);
      const strays = entries.filter((e) => e.kind !== 'message' && e.kind !== 'action');
      ctx.check(strays.length === 0, 'only chat lines and actions', `${strays.length} other entries`);
      // The marker from the barrier is the newest; the line and the action come just before it.
      const [first, second] = entries.slice(-3, -1);
      ctx.check(same(first, 'message', a.name!, line), `the line "${line}"`, `${show(first)} in its place`);
      ctx.check(
        same(second, 'action', a.name!, action),
        `the action "${action}"`,
        `${show(second)} in its place`,
      );
      ctx.note(`${entries.length} backlog entries`);
    },
  },
  {
    id: 'v2-chat/7.10/2',
    section: '7.10',
    profile: 'v2',
    level: 'MUST',
    description: 'Private messages are never in the backlog',
    specText: quote('7.10', 'Private messages are never in the history'),
    covers: [pkt('v2', 'backlog')],
    accepts: ['a backlog without the private message said before the join'],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('backlog')) {
        ctx.note('the server does not offer backlog (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'backlogp');
      const secret = ctx.line(`private before ${tag()}`);
      a.send({ type: 'msg', to: a.name!, text: secret });
      await barrier(ctx, a, [a]);
      const b = await joinedWith(ctx, 'backlogq', ['backlog']);
      const entries = await readBacklog(ctx, b, a);
      ctx.check(
        !entries.some((e) => e.text === secret),
        'no private message in the backlog',
        `the private "${secret}" is in it`,
      );
    },
  },
  {
    id: 'v2-chat/7.11/1',
    section: '7.11',
    profile: 'v2',
    level: 'MUST',
    description: 'A rename is announced as user_renamed with nick, and as a leave and a join without it',
    specText: texts(
      quote('7.11', 'an accepted one is announced with `user_renamed`'),
      quote(
        '7.11',
        'as a `user_left` of the old name (reason `quit`) followed by a `user_joined` of the new one',
      ),
    ),
    covers: [pkt('v2', 'nick'), pkt('v2', 'user_renamed'), tr('v2/server', 'JOINED', 'nick')],
    accepts: [
      'user_renamed at both members with nick; user_left (quit) and user_joined, or their batched forms, at the one without',
      'nothing to check when the server does not offer nick',
    ],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('nick')) {
        ctx.note('the server does not offer nick (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'nicka', ['nick']);
      const b = await joinedWith(ctx, 'nickb', ['nick']);
      const plain = await joinedWith(ctx, 'nickplain');
      const old = a.name!;
      const wanted = ctx.name('renamed');
      a.send({ type: 'nick', name: wanted });
      const isRename = (p: V2ServerPacket) => p.type === 'user_renamed' && p.from === old && p.to === wanted;
      for (const [who, at] of [
        ['the renamed member', a],
        ['another member with nick', b],
      ] as const) {
        await ctx.attempt(`user_renamed ${old} -> ${wanted}`, `at ${who}`, () =>
          at.until(isRename, 'user_renamed'),
        );
      }
      const left = (p: V2ServerPacket) =>
        (p.type === 'user_left' && p.name === old && p.reason === 'quit') ||
        (p.type === 'users_left' && p.names.includes(old) && p.reason === 'quit');
      const joined = (p: V2ServerPacket) =>
        (p.type === 'user_joined' && p.name === wanted) ||
        (p.type === 'users_joined' && p.names.includes(wanted));
      await ctx.attempt(`user_left (quit) for ${old}`, 'at a member without nick', () =>
        plain.until(left, 'the leave of the old name'),
      );
      await ctx.attempt(`user_joined for ${wanted}`, 'at a member without nick, after the leave', () =>
        plain.until(joined, 'the join of the new name'),
      );
      const users = await plain.who();
      ctx.check(
        users.includes(wanted) && !users.includes(old),
        `${wanted} listed, ${old} not`,
        users.join(', '),
      );
    },
  },
  {
    id: 'v2-chat/7.11/2',
    section: '7.11',
    profile: 'v2',
    level: 'MUST',
    description: 'A rename to a name taken by another member is refused with join_error NAME_TAKEN',
    specText: quote(
      '7.11',
      'A refused name gets `join_error` with NAME_INVALID, NAME_RESERVED or NAME_TAKEN',
    ),
    covers: [pkt('v2', 'nick')],
    accepts: ['join_error NAME_TAKEN, and the member keeps its name', 'nothing to check without nick'],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('nick')) {
        ctx.note('the server does not offer nick (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'nicktaker', ['nick']);
      const b = await joinedWith(ctx, 'nickowner');
      const taken = b.name!.toUpperCase();
      a.send({ type: 'nick', name: taken });
      const { packet } = await ctx.attempt('join_error NAME_TAKEN', `renaming to "${taken}"`, () =>
        a.until((p) => p.type === 'join_error' || p.type === 'user_renamed', 'the answer to nick'),
      );
      if (packet.type !== 'join_error' || packet.code !== 'NAME_TAKEN')
        ctx.fail('join_error NAME_TAKEN', `${packet.type} ${JSON.stringify(packet)}`);
      const users = await b.who();
      ctx.check(users.includes(a.name!), `${a.name} keeps its name`, users.join(', '));
    },
  },
  {
    id: 'v2-chat/7.12/1',
    section: '7.12',
    profile: 'v2',
    level: 'MUST',
    description: 'Going away is told to the room, and to whoever sends the away member a private message',
    specText: texts(
      quote('7.12', 'Sent to every joined client that agreed `away`, the sender included'),
      quote('7.12', 'to the sender of a private message to an away member, right after the echo'),
    ),
    covers: [
      pkt('v2', 'away'),
      pkt('v2', 'back'),
      pkt('v2', 'user_away'),
      tr('v2/server', 'JOINED', 'away'),
      tr('v2/server', 'JOINED', 'back'),
    ],
    accepts: [
      'user_away at both members with away, user_away right after the echo of a private message, user_away (back) after back',
      'nothing to check when the server does not offer away',
    ],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('away')) {
        ctx.note('the server does not offer away (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'awaya', ['away']);
      const b = await joinedWith(ctx, 'awayb', ['away']);
      const reason = ctx.line(`lunch ${tag()}`);
      a.send({ type: 'away', reason });
      const isAway = (p: V2ServerPacket) =>
        p.type === 'user_away' && p.name === a.name && p.away && p.reason === reason;
      await ctx.attempt(`user_away for ${a.name}`, 'at the member who went away', () =>
        a.until(isAway, 'user_away'),
      );
      await ctx.attempt(`user_away for ${a.name}`, 'at another member with away', () =>
        b.until(isAway, 'user_away'),
      );
      const text = ctx.line(`are you there ${tag()}`);
      b.send({ type: 'msg', to: a.name!, text });
      await ctx.attempt('the echo of the private message', 'at its sender', () =>
        b.until((p) => p.type === 'private' && p.text === text, 'the echo'),
      );
      const next = await ctx.attempt(
        'the away notice',
        'right after the echo of a private message to an away member',
        () => b.next('the away notice'),
      );
      if (!next || !isAway(next))
        ctx.fail(`user_away for ${a.name} with "${reason}"`, next ? JSON.stringify(next) : 'nothing');
      a.send({ type: 'back' });
      await ctx.attempt(`user_away (back) for ${a.name}`, 'after back', () =>
        b.until((p) => p.type === 'user_away' && p.name === a.name && !p.away, 'user_away (back)'),
      );
    },
  },
  {
    id: 'v2-chat/7.13/1',
    section: '7.13',
    profile: 'v2',
    level: 'MUST',
    description:
      'whois tells when a member joined, how long idle and whether away, and NO_SUCH_USER for nobody',
    specText: texts(
      quote('7.13', '`joined`: when the member joined'),
      quote('7.13', 'A name nobody has gets `error` NO_SUCH_USER'),
    ),
    covers: [pkt('v2', 'whois'), pkt('v2', 'whois_reply'), tr('v2/server', 'JOINED', 'whois')],
    accepts: [
      'a whois_reply about the member asked for (its name, joined no later than now, away with its reason); NO_SUCH_USER for a free name',
      'nothing to check when the server does not offer whois',
    ],
    async run(ctx) {
      const features = await offeredFeatures(ctx);
      if (!features.includes('whois')) {
        ctx.note('the server does not offer whois (5.8): nothing to check');
        return;
      }
      const before = Date.now() - 60_000;
      const a = await joinedWith(
        ctx,
        'whoisa',
        features.filter((f) => f === 'away'),
      );
      const b = await joinedWith(ctx, 'whoisb', ['whois']);
      const reason = features.includes('away') ? ctx.line(`out ${tag()}`) : undefined;
      if (reason) a.send({ type: 'away', reason });
      await barrier(ctx, a, [b]);
      b.send({ type: 'whois', name: a.name!.toUpperCase() });
      const { packet } = await ctx.attempt('whois_reply', `asking about ${a.name}`, () =>
        b.until((p) => p.type === 'whois_reply' || p.type === 'error', 'the whois answer'),
      );
      if (packet.type !== 'whois_reply') return ctx.fail('whois_reply', JSON.stringify(packet));
      ctx.check(packet.name === a.name, `name ${a.name}`, `name ${packet.name}`);
      ctx.check(
        packet.joined >= before && packet.joined <= Date.now() + 60_000,
        'joined about now',
        `joined ${packet.joined}`,
      );
      if (reason)
        ctx.check(packet.away && packet.reason === reason, `away: ${reason}`, JSON.stringify(packet));
      const nobody = ctx.name('nobody');
      b.send({ type: 'whois', name: nobody });
      const answer = await ctx.attempt('error NO_SUCH_USER', `asking about "${nobody}"`, () =>
        b.until((p) => p.type === 'whois_reply' || p.type === 'error', 'the whois answer'),
      );
      const got = answer.packet;
      ctx.check(
        got.type === 'error' && got.code === 'NO_SUCH_USER' && !got.fatal,
        'NO_SUCH_USER',
        JSON.stringify(got),
      );
    },
  },
  {
    id: 'v2-chat/7.13/2',
    section: '7.13',
    profile: 'v2',
    level: 'MUST',
    description: 'whois idle counts public acts only: a private message does not reset it',
    specText: quote('7.13', 'A private message (`msg`) does not reset it'),
    covers: [],
    accepts: [
      "an idle of at least the time between the member's last chat line and its later private message (by the server's own ts)",
      'nothing to check when the server does not offer whois',
    ],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('whois')) {
        ctx.note('the server does not offer whois (5.8): nothing to check');
        return;
      }
      const a = await joinedWith(ctx, 'idlea');
      const b = await joinedWith(ctx, 'idleb', ['whois']);
      const c = await joinedWith(ctx, 'idlec');
      const line = ctx.line(`public ${tag()}`);
      a.send({ type: 'say', text: line });
      const { packet: said } = await ctx.attempt('the chat line', `at ${b.conn.label}`, () =>
        b.until((p) => p.type === 'message' && p.text === line, 'the chat line'),
      );
      // Long enough that an idle restarted by the private message is told apart from one that was not.
      await pause(400);
      const text = ctx.line(`private ${tag()}`);
      a.send({ type: 'msg', to: c.name!, text });
      const { packet: sent } = await ctx.attempt('the private message', `at ${c.conn.label}`, () =>
        c.until((p) => p.type === 'private' && p.text === text, 'the private message'),
      );
      b.send({ type: 'whois', name: a.name! });
      const { packet } = await ctx.attempt('whois_reply', `asking about ${a.name}`, () =>
        b.until((p) => p.type === 'whois_reply' || p.type === 'error', 'the whois answer'),
      );
      if (packet.type !== 'whois_reply') return ctx.fail('whois_reply', JSON.stringify(packet));
      if (said.type !== 'message' || sent.type !== 'private') return;
      const quiet = sent.ts - said.ts;
      ctx.check(
        packet.idle >= quiet,
        `idle of at least ${quiet} ms (the chat line at ts ${said.ts}, the private message at ts ${sent.ts})`,
        `idle ${packet.idle} ms: the private message restarted it, so whoever polls whois learns when a member sends private messages`,
      );
    },
  },
];
