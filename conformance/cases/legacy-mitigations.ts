/**
 * legacy cases on Parley's mitigations of the original's defects (spec 8, 9.1, 11): encryption of
 * every chat line, nothing before the key exchange, no null in lists, the rate and length limits.
 *
 * How this works: as in legacy-chat.ts, each case joins clients under names unique to the run and
 * uses marker lines as barriers. These are the checks that tell the original pyChat server from a
 * Parley legacy server; most are SHOULDs, since the original's behaviour is documented, not banned.
 */
import type { Case } from '../case.js';
import { WaitTimeout } from '../driver.js';
import { limitText, quote, texts, tr } from '../spec-text.js';
import { barrier, joinAll, tag } from './legacy-chat.js';

export const legacyMitigationCases: Case[] = [
  {
    id: 'legacy-chat/9.1/1',
    section: '9.1',
    profile: 'legacy',
    level: 'MUST',
    description: 'A line containing "key_exc" or "iv_exc" is still encrypted',
    specText: texts(
      quote('9.1', 'Every later body is base64'),
      quote('8', 'recognises handshake frames by the substring'),
    ),
    covers: [],
    accepts: ['the line arrives as a record under the session key'],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'kwA', 'kwB');
      const text = `my key_exc and iv_exc ${tag()}`;
      a.sendPacket('default', text);
      const { got } = await b.until((r) => r.packet.cont === text, 'the line');
      if (got.encoding !== 'key')
        ctx.fail(
          'a record under the session key',
          `the line arrived ${got.encoding === 'plain' ? 'in plaintext' : 'under the None key'}: the server picks frames to leave unencrypted by their text`,
        );
    },
  },
  {
    id: 'legacy-chat/8.4/1',
    section: '8.4',
    profile: 'legacy',
    level: 'SHOULD',
    description: 'Nothing is sent to a connection before its key exchange ends, and lists hold no null',
    specText: texts(
      quote('8', 'sends nothing to a connection before its key exchange ends'),
      quote('8', 'sends list updates to connections that have not finished'),
    ),
    covers: [
      tr('legacy/client', 'READY', 'client_list_update_add'),
      tr('legacy/client', 'READY', 'disconnection'),
      tr('legacy/client', 'READY', 'default'),
      tr('legacy/client', 'AWAIT_SETUSER_REPLY', 'disconnection'),
      tr('legacy/client', 'AWAIT_SETUSER_REPLY', 'default'),
    ],
    accepts: [
      'no frame under the None key and no null in any list (list updates after the key exchange are tolerated)',
    ],
    async run(ctx) {
      const waiting = await ctx.legacyConnect('unkeyed');
      await waiting.readHandshake();
      const a = await ctx.legacyJoined('joiner');
      await a.until((r) => r.packet.typ === 'client_list_update_add', 'its list update');
      waiting.keyExchange();
      const reply = await waiting.join(ctx.name('late'));
      if (reply.typ !== 'approved_conn') return ctx.fail('approved_conn', reply.typ, 'MUST');
      await a.until(
        (r) =>
          r.packet.typ === 'client_list_update_add' && (r.packet.cont as unknown[]).includes(waiting.name),
        'the next list update',
      );
      const early = waiting.received.filter((r) => r.encoding === 'none');
      ctx.check(
        early.length === 0,
        'no frame before the key exchange ends',
        `${early.length} frame(s) (${early.map((r) => r.packet.typ).join(', ')}) encrypted under SHA-256("None") before the key exchange ended`,
      );
      const withNull = [...a.received, ...waiting.received].filter(
        (r) => Array.isArray(r.packet.cont) && r.packet.cont.includes(null),
      );
      ctx.check(
        withNull.length === 0,
        'lists of names only',
        `a list holds null: ${withNull[0] ? JSON.stringify(withNull[0].packet.cont) : ''}`,
      );
      const tolerated = waiting.received.filter(
        (r) => r.encoding === 'key' && r.packet.typ !== 'approved_conn',
      );
      if (tolerated.length) ctx.note(`before approval: ${tolerated.map((r) => r.packet.typ).join(', ')}`);
    },
  },
  {
    id: 'legacy-chat/11/1',
    section: '11',
    profile: 'legacy',
    level: 'SHOULD',
    description: 'Lines beyond the rate limit are dropped',
    specText: texts(limitText('rateBurst'), limitText('ratePerSecond')),
    covers: [],
    accepts: ['about a burst of lines (--burst) forwarded, the rest dropped'],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'floodA', 'floodB');
      const total = ctx.options.burst * 2 + 10;
      const sent = Array.from({ length: total }, (_, i) => `rate ${i} ${tag()}`);
      a.conn.write(Buffer.concat(sent.map((t) => a.frame('default', t))));
      let delivered = 0;
      try {
        await b.until((r) => sent.includes(String(r.packet.cont)) && ++delivered === total, 'all lines');
      } catch (err) {
        if (!(err instanceof WaitTimeout)) throw err;
      }
      ctx.check(
        delivered <= ctx.options.burst + 5,
        `at most about ${ctx.options.burst} lines forwarded (--burst)`,
        `${delivered} of ${total} lines sent at once were forwarded`,
      );
      ctx.note(`${delivered} of ${total} forwarded`);
    },
  },
  {
    id: 'legacy-chat/11/2',
    section: '11',
    profile: 'legacy',
    level: 'SHOULD',
    description: 'A line longer than maxMessage is not forwarded',
    specText: limitText('maxMessage'),
    covers: [],
    accepts: ['the long line reaches nobody (--max-message gives the limit)'],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'longA', 'longB');
      const long = `${tag()}${'z'.repeat(ctx.options.maxMessage)}`;
      a.sendPacket('default', long);
      const [got] = await barrier(ctx, a, [b]);
      ctx.check(
        !got.some((r) => r.packet.cont === long),
        'not forwarded',
        `a ${long.length}-character line was forwarded`,
      );
    },
  },
];
