/**
 * legacy cases on Parley's mitigations of the original's defects (spec 8, 9.1, 11): encryption of
 * every chat line, nothing before the key exchange, no null in lists, the rate and length limits.
 *
 * How this works: as in legacy-chat.ts, each case joins clients under names unique to the run and
 * uses marker lines as barriers. These are the checks that tell the original pyChat server from a
 * Parley legacy server; most are SHOULDs, since the original's behaviour is documented, not banned.
 */
import type { Case } from '../case.js';
import { pause, WaitTimeout } from '../driver.js';
import { limitText, quote, texts, tr } from '../spec-text.js';
import { barrier, joinAll, tag } from './legacy-chat.js';

const AUTHENTICATED =
  "a key exchange that proves the server's identity (v2 signs its transcript, 5.5); the legacy profile has no way to";

export const legacyMitigationCases: Case[] = [
  {
    // Every legacy server fails this case: it reports the profile's insecurity as the defect it is,
    // so that a run against a legacy server never reads as "secure".
    id: 'legacy-handshake/8/1',
    section: '8',
    profile: 'legacy',
    level: 'MUST',
    description:
      'The key exchange authenticates the server (legacy cannot: a man in the middle reads everything)',
    specText: quote('8', 'The Diffie-Hellman exchange is unauthenticated'),
    covers: [],
    accepts: [AUTHENTICATED],
    async run(ctx) {
      const s = await ctx.legacyConnect('mitm');
      const { keyExc } = await s.readHandshake();
      const extra = Object.keys(keyExc.packet).filter(
        (k) => !['shost', 'dhost', 'username', 'date', 'cont', 'typ', 'shouldParseContents'].includes(k),
      );
      ctx.fail(
        AUTHENTICATED,
        `unauthenticated key exchange: the server's key_exc carries a bare ${String(keyExc.packet.cont).length}-digit public value${extra.length ? ` (and ${extra.join(', ')})` : ''} with no signature or identity, so anyone on the path can run one exchange with each side and read and change every line (8: the legacy profile is insecure; use v2)`,
      );
    },
  },
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
      // The join took its rateCost (7.8), all of a burst of 1 or 2: wait for the bucket to refill
      // (ratePerSecond >= 1, 11) so that the burst holds at least one line.
      await pause(1100);
      const total = ctx.options.burst * 2 + 10;
      const sent = Array.from({ length: total }, (_, i) => ctx.line(`rate ${i} ${tag()}`));
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
      // Health gate: dropping everything is not a rate limit. The first lines of a burst pass, and
      // once the bucket refills (ratePerSecond >= 1, 11) the same sender is heard again.
      if (delivered === 0)
        ctx.fail(
          'the first lines of the burst forwarded, the rest dropped',
          `0 of ${total} lines were forwarded: the server dropped the whole burst, which is not a rate limit (a burst of ${ctx.options.burst} must pass)`,
          'MUST',
        );
      await pause(1100);
      const after = ctx.line(`after the flood ${tag()}`);
      a.sendPacket('default', after);
      try {
        await b.until((r) => r.packet.cont === after, 'a line sent after the bucket refilled');
      } catch (err) {
        if (!(err instanceof WaitTimeout)) throw err;
        ctx.fail(
          'a line sent after the bucket refilled is forwarded (positive control)',
          `the server stopped forwarding the sender's lines altogether (${delivered} of ${total} forwarded, then nothing): ${(err as Error).message}`,
          'MUST',
        );
      }
      ctx.note(`${delivered} of ${total} forwarded; a line 1.1 s later was forwarded`);
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
