/**
 * v2 name cases (spec 7.2): length, pattern, reserved and taken names, UTS #39 look-alikes and
 * NFC, each refusal followed by a join that must succeed (the server still admits).
 */
import { randomBytes } from 'node:crypto';
import type { Case, CaseContext } from '../case.js';
import { packetText, pkt, quote, texts, tr, transition } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { joinAll, tag } from './v2-steps.js';

async function expectJoinRefused(ctx: CaseContext, v2: V2Session, name: string, code: string): Promise<void> {
  const reply = await ctx.attempt(`join_error ${code}`, `joining as ${JSON.stringify(name)}`, () =>
    v2.join(name),
  );
  if (reply.type === 'join_ok')
    ctx.fail(`join_error ${code}`, `join_ok: the name ${JSON.stringify(name)} was accepted`);
  if (reply.type === 'error')
    ctx.fail(`join_error ${code} (the client may try again)`, `error ${reply.code} (fatal: ${reply.fatal})`);
  if (reply.type === 'join_error' && reply.code !== code)
    ctx.fail(`join_error ${code}`, `join_error ${reply.code} for ${JSON.stringify(name)}`);
}

/** A join that must be accepted: the positive control after refusals (the server still admits). */
async function expectJoinAccepted(ctx: CaseContext, v2: V2Session, name: string): Promise<void> {
  const reply = await ctx.attempt('join_ok', `joining as ${JSON.stringify(name)}`, () => v2.join(name));
  if (reply.type !== 'join_ok')
    ctx.fail(`join_ok for the free, valid name ${JSON.stringify(name)}`, `${reply.type} after the refusals`);
}

/**
 * A connection and the server's maxName when names of `least` characters fit; else the case stops
 * at MAY, not checked (`why` the server's names are too short for it).
 */
async function withNameRoom(
  ctx: CaseContext,
  label: string,
  least: number,
  expected: string,
  why: string,
): Promise<{ v2: V2Session; max: number }> {
  const v2 = await ctx.v2(label);
  const max = v2.limits.maxName;
  if (max < least) ctx.fail(expected, `not checked: maxName ${max} ${why}`, 'MAY');
  return { v2, max };
}

const nameRule = quote('7.2', 'A name is 1 to maxName characters');

export const v2NameCases: Case[] = [
  {
    id: 'v2-chat/7.2/1',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A valid free name is accepted: join_ok carries the name and every user, itself included',
    specText: texts(packetText('v2', 'join_ok'), transition('v2/server', 'AWAIT_JOIN', 'join', 'accepted')),
    covers: [
      pkt('v2', 'join'),
      pkt('v2', 'join_ok'),
      tr('v2/server', 'AWAIT_JOIN', 'join', 'accepted'),
      tr('v2/client', 'READY', 'send:join'),
      tr('v2/client', 'AWAIT_JOIN_REPLY', 'join_ok'),
    ],
    accepts: ['join_ok with name = the name asked for and users holding both members'],
    async run(ctx) {
      const a = await ctx.v2('first');
      const b = await ctx.v2('second');
      const [na, nb] = [ctx.name('first'), ctx.name('second')];
      const ra = await a.join(na);
      const rb = await b.join(nb);
      if (ra.type !== 'join_ok' || rb.type !== 'join_ok')
        return ctx.fail('join_ok twice', `${ra.type}, ${rb.type}`);
      ctx.check(ra.name === na, `join_ok name "${na}"`, `join_ok name "${ra.name}"`);
      ctx.check(ra.users.includes(na), `users including "${na}"`, `users ${JSON.stringify(ra.users)}`);
      ctx.check(
        rb.users.includes(na) && rb.users.includes(nb),
        `users including "${na}" and "${nb}"`,
        `users ${JSON.stringify(rb.users)}`,
      );
    },
  },
  {
    id: 'v2-chat/7.2/6',
    section: '7.2',
    profile: 'v2',
    level: 'MAY',
    description: 'Does join_ok carry a message of the day? (open: it is optional)',
    specText: packetText('v2', 'join_ok'),
    covers: [],
    accepts: ['join_ok with or without motd'],
    async run(ctx) {
      const v2 = await ctx.v2('motd');
      const reply = await v2.join(ctx.name('motd'));
      if (reply.type !== 'join_ok') return ctx.fail('join_ok', reply.type, 'MUST');
      ctx.note(reply.motd === undefined ? 'no motd' : `motd ${JSON.stringify(reply.motd.slice(0, 80))}`);
    },
  },
  {
    id: 'v2-chat/7.2/2',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'Invalid names get join_error NAME_INVALID and the client may try again',
    specText: texts(nameRule, transition('v2/server', 'AWAIT_JOIN', 'join', 'refused')),
    covers: [
      pkt('v2', 'join_error'),
      tr('v2/server', 'AWAIT_JOIN', 'join', 'refused'),
      tr('v2/client', 'AWAIT_JOIN_REPLY', 'join_error'),
    ],
    accepts: ['join_error NAME_INVALID for each, then join_ok for a valid name'],
    async run(ctx) {
      const v2 = await ctx.v2('names');
      const max = v2.limits.maxName;
      for (const name of [
        '',
        'has space',
        'semi;colon',
        'tab\tname',
        `emoji\u{1f600}`,
        'slash/name',
        'x'.repeat(max + 1),
      ]) {
        await expectJoinRefused(ctx, v2, name, 'NAME_INVALID');
      }
      const reply = await v2.join(ctx.name('valid'));
      if (reply.type !== 'join_ok') ctx.fail('join_ok after the refusals', reply.type);
    },
  },
  {
    id: 'v2-chat/7.2/3',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'Edge-case valid names are accepted: maxName long, Unicode letters, _ . -',
    specText: nameRule,
    covers: [],
    accepts: ['join_ok for each'],
    async run(ctx) {
      const probe = await ctx.v2('edge');
      const max = probe.limits.maxName;
      const long = `L${randomBytes(32).toString('hex')}`.slice(0, max);
      // Each name is cut to maxName; on a server with short names some become the same, and a
      // one-character name cannot hold `_ . -` between letters.
      const names = [long, `Zo\u00eb${tag()}`, `\u65e5\u672c${tag()}`, `a_b.c-d${tag()}`].map((n) =>
        n.slice(0, max),
      );
      for (const name of [...new Set(names)]) {
        const v2 = name === long ? probe : await ctx.v2('edge');
        const reply = await v2.join(name);
        // With names this short, another client may hold one of them: that proves the name valid.
        if (reply.type === 'join_error' && reply.code === 'NAME_TAKEN' && max < 4) continue;
        if (reply.type !== 'join_ok')
          ctx.fail(
            `join_ok for ${JSON.stringify(name)}`,
            `${reply.type}${'code' in reply ? ` ${reply.code}` : ''}`,
          );
      }
    },
  },
  {
    id: 'v2-chat/7.2/4',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'Reserved names, in any case, get join_error NAME_RESERVED',
    specText: texts(quote('7.2', 'with a reserved name NAME_RESERVED'), quote('7.2', 'Reserved')),
    covers: [],
    accepts: ['join_error NAME_RESERVED for each'],
    async run(ctx) {
      const v2 = await ctx.v2('reserved');
      // A reserved name longer than maxName may be refused for its length (NAME_INVALID) first.
      const fit = ['server', 'SERVER', 'Parley', 'system'].filter((n) => n.length <= v2.limits.maxName);
      if (fit.length === 0)
        ctx.fail(
          'join_error NAME_RESERVED',
          `not checked: maxName ${v2.limits.maxName} is shorter than every reserved name`,
          'MAY',
        );
      for (const name of fit) await expectJoinRefused(ctx, v2, name, 'NAME_RESERVED');
    },
  },
  {
    id: 'v2-chat/7.2/5',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A name in use, in any case, gets join_error NAME_TAKEN',
    specText: texts(quote('12', 'Another user has that name'), nameRule),
    covers: [],
    accepts: ['join_error NAME_TAKEN for the same name and for it in upper case'],
    async run(ctx) {
      const [a] = await joinAll(ctx, 'taken');
      const b = await ctx.v2('second');
      await expectJoinRefused(ctx, b, a.name!, 'NAME_TAKEN');
      await expectJoinRefused(ctx, b, a.name!.toUpperCase(), 'NAME_TAKEN');
    },
  },
  {
    id: 'v2-chat/7.2/9',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A look-alike of a name in use (1 as l, as capital I) gets join_error NAME_TAKEN',
    specText: texts(quote('7.2', 'same name when they share a key'), quote('7.2', 'A name has two keys')),
    covers: [],
    accepts: [
      'join_error NAME_TAKEN for each look-alike, then join_ok for a free name on the same connection',
    ],
    async run(ctx) {
      const { v2, max } = await withNameRoom(
        ctx,
        'lookalike',
        2,
        'join_error NAME_TAKEN',
        'leaves no room for a look-alike',
      );
      const member = await ctx.v2('member');
      const name = `${ctx.name('look').slice(0, max - 1)}1`;
      const joined = await ctx.attempt('join_ok', `joining as ${JSON.stringify(name)}`, () =>
        member.join(name),
      );
      if (joined.type !== 'join_ok') ctx.fail(`join_ok for the free, valid name "${name}"`, joined.type);
      for (const alike of [`${name.slice(0, -1)}l`, `${name.slice(0, -1)}I`])
        await expectJoinRefused(ctx, v2, alike, 'NAME_TAKEN');
      await expectJoinAccepted(ctx, v2, ctx.name('free'));
    },
  },
  {
    id: 'v2-chat/7.2/10',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description:
      'Names that mix scripts or hold code points UTS #39 does not allow (fullwidth, invisible) get NAME_INVALID',
    specText: texts(
      quote('7.2', 'MUST pass the identifier rules of Unicode UTS #39'),
      quote('7.2', 'highly restrictive'),
    ),
    covers: [],
    accepts: ['join_error NAME_INVALID for each, then join_ok for a free name on the same connection'],
    async run(ctx) {
      const { v2, max } = await withNameRoom(
        ctx,
        'uts39',
        3,
        'join_error NAME_INVALID',
        'is too short for the test names',
      );
      const base = ctx.name('mix').slice(0, max - 1);
      const bad = [
        `${base.slice(0, -1)}\u043e${base.slice(-1)}`, // a Cyrillic о among Latin letters
        `\uff41${base}`.slice(0, max), // a fullwidth a
        `${base.slice(0, -1)}\u200b${base.slice(-1)}`, // a zero-width space
        `${base}\u3164`, // a Hangul filler, drawn as nothing
      ];
      for (const name of bad) await expectJoinRefused(ctx, v2, name, 'NAME_INVALID');
      await expectJoinAccepted(ctx, v2, ctx.name('free'));
    },
  },
  {
    id: 'v2-chat/7.2/11',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A decomposed name joins in NFC: join_ok names it composed',
    specText: quote('7.2', 'that form is the name it records and sends'),
    covers: [],
    accepts: ['join_ok whose name is the NFC form of the name asked for'],
    async run(ctx) {
      const { v2, max } = await withNameRoom(
        ctx,
        'nfc',
        2,
        'join_ok in NFC',
        'is too short for a decomposed letter',
      );
      const wanted = `${ctx.name('nfc').slice(0, max - 1)}e\u0301`;
      const reply = await ctx.attempt('join_ok', `joining as ${JSON.stringify(wanted)}`, () =>
        v2.join(wanted),
      );
      if (reply.type !== 'join_ok') ctx.fail('join_ok', `${reply.type} for ${JSON.stringify(wanted)}`);
      else if (reply.name !== wanted.normalize('NFC'))
        ctx.fail(
          `join_ok name ${JSON.stringify(wanted.normalize('NFC'))}`,
          `name ${JSON.stringify(reply.name)}`,
        );
    },
  },
  {
    id: 'v2-chat/7.2/12',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description:
      'A look-alike of a case variant of a name in use gets NAME_TAKEN (with look3i in: LOOK3l, which reads as LOOK3I)',
    specText: texts(
      quote('7.2', 'Each key is then written in key classes'),
      quote('7.2', 'the two keys do not chain'),
    ),
    covers: [],
    accepts: [
      'join_error NAME_TAKEN for the capitals with l for the final i, then join_ok for a free name on the same connection',
    ],
    async run(ctx) {
      const { v2, max } = await withNameRoom(
        ctx,
        'classes',
        2,
        'join_error NAME_TAKEN',
        'leaves no room for a look-alike',
      );
      const member = await ctx.v2('member');
      const name = `${ctx.name('case').slice(0, max - 1)}i`;
      const joined = await ctx.attempt('join_ok', `joining as ${JSON.stringify(name)}`, () =>
        member.join(name),
      );
      if (joined.type !== 'join_ok') ctx.fail(`join_ok for the free, valid name "${name}"`, joined.type);
      // In capitals the final i is I, which reads as l: the look-alike shares no key with the
      // name unless keys are written in classes.
      await expectJoinRefused(ctx, v2, `${name.slice(0, -1).toUpperCase()}l`, 'NAME_TAKEN');
      await expectJoinAccepted(ctx, v2, ctx.name('free'));
    },
  },
];
