/**
 * Text rules an outside tester found open (spec 2.1, issues 15 and 17): every JSON string is
 * Unicode text (7.1), the mark checks on v2 names (7.2 (c)), and legacy names that hide controls,
 * invisible characters or look like a member's name (10.2).
 *
 * How this works: the JSON case seals a `say` whose text holds an escaped lone surrogate and
 * expects PACKET_MALFORMED. The name cases try each bad name on one connection (a refusal lets the
 * client try again) and end with a free name that must still be accepted, so a server that refuses
 * everything cannot pass.
 */
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import type { LegacySession } from '../legacy-driver.js';
import { announcesLeave, leaveOf } from '../presence.js';
import { quote } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { offeredFeatures, tag } from './v2-steps.js';

const show = (name: string) => JSON.stringify(name);

async function expectV2Invalid(ctx: CaseContext, v2: V2Session, name: string): Promise<void> {
  const reply = await ctx.attempt('join_error NAME_INVALID', `joining as ${show(name)}`, () => v2.join(name));
  if (reply.type === 'join_ok')
    ctx.fail('join_error NAME_INVALID', `join_ok: the name ${show(name)} was accepted`);
  if (reply.type === 'error') ctx.fail('join_error NAME_INVALID', `error ${reply.code} for ${show(name)}`);
  if (reply.type === 'join_error' && reply.code !== 'NAME_INVALID')
    ctx.fail('join_error NAME_INVALID', `join_error ${reply.code} for ${show(name)}`);
}

async function expectLegacyTaken(ctx: CaseContext, s: LegacySession, name: string): Promise<void> {
  const reply = await ctx.attempt('username_taken', `setuser ${show(name)}`, () => s.join(name));
  if (reply.typ !== 'username_taken')
    ctx.fail('username_taken', `${reply.typ}: the name ${show(name)} was accepted`);
}

export const v2TextRuleCases: Case[] = [
  {
    id: 'v2-handshake/7.1/21',
    section: '7.1',
    profile: 'v2',
    level: 'MUST',
    description: 'A say whose text holds an escaped lone surrogate is refused',
    specText: quote('7.1', 'an escaped lone surrogate'),
    covers: [],
    accepts: acceptsV2(['PACKET_MALFORMED'], true),
    async run(ctx) {
      const v2 = await ctx.v2Joined('surrogate');
      v2.conn.write(v2.seal(Buffer.from(`{"type":"say","text":"x\\ud800y ${tag()}"}`, 'utf8')));
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], 'a say holding \\ud800');
    },
  },
  {
    id: 'v2-chat/7.2/21',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description:
      'Names whose marks fail the UTS #39 5.4 checks get NAME_INVALID (a dot above i, a mark twice, 5 marks)',
    specText: quote('7.2', 'optional checks of UTS #39 section 5.4'),
    covers: [],
    accepts: ['join_error NAME_INVALID for each, then join_ok for a free name'],
    async run(ctx) {
      const v2 = await ctx.v2('marks');
      for (const name of [
        'li\u0307',
        'l\u0131\u0307',
        'j\u0307o',
        'a\u0301\u0301',
        `a${'\u0301'.repeat(22)}`,
        'a\u0300\u0301\u0302\u0303\u0304',
      ]) {
        await expectV2Invalid(ctx, v2, name);
      }
      // The positive control: the server still admits (a fresh name, drawn again if a small
      // maxName makes it taken).
      await ctx.v2Joined('marks');
    },
  },
  {
    id: 'legacy-chat/10.2/21',
    section: '10.2',
    profile: 'legacy',
    level: 'MUST',
    description:
      'Legacy names with controls, invisible characters or edge spaces, and look-alikes of a member or *server*, get username_taken',
    specText: quote('10.2', 'A Parley legacy server refuses'),
    covers: [],
    accepts: ['username_taken for each, then approved_conn for a free name'],
    async run(ctx) {
      const member = await ctx.legacyJoined('look');
      const n = member.name!;
      // One name per connection: a legacy server may close a connection that sends setuser
      // after setuser (the rate limit, 10.2), which is not what this case is about.
      const names = [
        n.toUpperCase(),
        `${n}\u200b`,
        `\u200b${n}`,
        `\u202e${n}`,
        ` ${n}`,
        `${n} `,
        ' *server*',
        '\u200b*server*',
        '*SERVER*',
        'x\u009b2J',
        'x\u0085y',
        '\u00a0',
      ];
      let s = await ctx.legacy('lookalike');
      for (const [i, name] of names.entries()) {
        if (i > 0) s = await ctx.legacy('lookalike');
        await expectLegacyTaken(ctx, s, name);
      }
      await ctx.legacyJoined('free');
    },
  },
  {
    id: 'v2-chat/7.1/22',
    section: '7.1',
    profile: 'v2',
    level: 'MUST',
    description:
      'A reason holding a line break or another control (goodbye, away) is refused as PACKET_MALFORMED and never relayed',
    specText: quote('7.1', 'A `reason` is one line'),
    covers: [],
    accepts: [
      'error PACKET_MALFORMED (fatal) and the close for each; the others see the member leave with reason error, and no user_away with the reason',
    ],
    async run(ctx) {
      const witness = await ctx.v2Joined('witness');
      const bad = [`gone\nserver> forged ${tag()}`, `x\u0085y ${tag()}`, `a\u2028b ${tag()}`];
      for (const [i, reason] of bad.entries()) {
        const s = await ctx.v2Joined(`bye${i}`);
        s.conn.write(s.seal(Buffer.from(JSON.stringify({ type: 'goodbye', reason }), 'utf8')));
        await expectV2Rejection(ctx, s, ['PACKET_MALFORMED'], `a goodbye reason ${JSON.stringify(reason)}`);
        const { packet } = await ctx.attempt(`user_left for ${s.name}`, `at ${witness.conn.label}`, () =>
          witness.until(announcesLeave(s.name!), 'user_left'),
        );
        ctx.check(
          leaveOf(packet, s.name!)?.reason === 'error',
          `user_left ${s.name} with reason error (a refused packet, 4)`,
          `reason ${leaveOf(packet, s.name!)?.reason}: the goodbye with reason ${JSON.stringify(reason)} was taken as a clean quit`,
        );
      }
      const offered = await offeredFeatures(ctx);
      if (!offered.includes('away')) {
        ctx.note('the server does not offer away (5.8): only goodbye checked');
        return;
      }
      const watcher = await ctx.v2Connect('watcher');
      await watcher.handshake({ features: ['away'], fingerprint: ctx.options.fingerprint });
      if ((await watcher.join(ctx.name('watcher'))).type !== 'join_ok') ctx.fail('join_ok', 'a join refused');
      const s = await ctx.v2Connect('away');
      await s.handshake({ features: ['away'], fingerprint: ctx.options.fingerprint });
      const name = ctx.name('away');
      if ((await s.join(name)).type !== 'join_ok') ctx.fail('join_ok', 'a join refused');
      const reason = bad[0];
      s.conn.write(s.seal(Buffer.from(JSON.stringify({ type: 'away', reason }), 'utf8')));
      await expectV2Rejection(ctx, s, ['PACKET_MALFORMED'], `an away reason ${JSON.stringify(reason)}`);
      const { skipped } = await ctx.attempt(`user_left for ${name}`, `at ${watcher.conn.label}`, () =>
        watcher.until(announcesLeave(name), 'user_left'),
      );
      const relayed = skipped.find((p) => p.type === 'user_away' && p.name === name);
      ctx.check(
        relayed === undefined,
        'no user_away with the refused reason',
        `the reason was relayed: ${JSON.stringify(relayed)}`,
      );
    },
  },
];
