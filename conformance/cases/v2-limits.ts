/**
 * v2 cases at the edges of the limits the server announces (server_hello, 5.1): names of 1 and of
 * maxName + 1 characters, texts of exactly maxMessage characters for each kind of line.
 *
 * How this works: every size comes from the server's own server_hello, never from the spec's
 * defaults, so a server with unusual but legal limits (maxName 1, maxMessage 5) is judged by what
 * it announced. A size the packet table cannot carry (a name over 256 characters) makes the case
 * INFORMATIONAL instead of a false failure.
 */
import { randomBytes } from 'node:crypto';
import type { Case, CaseContext } from '../case.js';
import { quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, expectNotice, isText, joinAll } from './v2-steps.js';

/** A text of exactly `n` characters that is unlikely to be sent twice in a run. */
export function textOf(n: number): string {
  const letters = randomBytes(n)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]);
  return letters.padEnd(n, 'q').slice(0, n);
}

const nameRule = quote('7.2', 'A name is 1 to maxName characters');
const lengthRule = quote('11', 'Longest chat, private or action text');

/** Fits a maxMessage text, with the packet around it, in the server's maxFrame? */
function fitsFrame(ctx: CaseContext, v2: V2Session): boolean {
  if (v2.limits.maxMessage * 4 + 512 <= v2.limits.maxFrame) return true;
  ctx.fail(
    'a maxMessage text that fits in maxFrame',
    `not checked: maxMessage ${v2.limits.maxMessage} may not fit a ${v2.limits.maxFrame}-byte frame`,
    'MAY',
  );
}

type Kind = 'say' | 'me' | 'msg';
const DELIVERED: Record<Kind, string> = { say: 'message', me: 'action', msg: 'private' };

function exactLength(id: string, kind: Kind): Case {
  return {
    id,
    section: id.split('/')[1],
    profile: 'v2',
    level: 'MUST',
    description: `A ${kind} of exactly maxMessage characters is delivered`,
    specText: texts(lengthRule, quote('11', 'Longer text gets MESSAGE_TOO_LONG')),
    covers: [],
    accepts: [`the ${DELIVERED[kind]} reaches its receiver whole`],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'edge', 'peer');
      fitsFrame(ctx, a);
      const text = textOf(a.limits.maxMessage);
      a.send(kind === 'msg' ? { type: 'msg', to: b.name, text } : { type: kind, text });
      await ctx.attempt(
        `the ${a.limits.maxMessage}-character ${kind} delivered`,
        `waiting at ${b.conn.label}`,
        () => b.until(isText(DELIVERED[kind], text), `the ${DELIVERED[kind]}`),
      );
    },
  };
}

function tooLong(id: string, kind: 'me' | 'msg'): Case {
  return {
    id,
    section: id.split('/')[1],
    profile: 'v2',
    level: 'MUST',
    description: `A ${kind} one character over maxMessage gets MESSAGE_TOO_LONG (not fatal) and goes nowhere`,
    specText: quote('11', 'Longer text gets MESSAGE_TOO_LONG'),
    covers: [],
    accepts: ['error MESSAGE_TOO_LONG with fatal: false; nothing delivered; the connection stays'],
    absence: true,
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'over', 'peer');
      fitsFrame(ctx, a);
      const text = textOf(a.limits.maxMessage + 1);
      a.send(kind === 'msg' ? { type: 'msg', to: b.name, text } : { type: kind, text });
      await expectNotice(ctx, a, 'MESSAGE_TOO_LONG', `a ${kind} of ${text.length} characters`);
      const [seen] = await barrier(ctx, a, [b]);
      ctx.check(
        !seen.some((p) => 'text' in p && p.text === text),
        'the long text delivered nowhere',
        'the other client got it',
      );
    },
  };
}

export const v2LimitCases: Case[] = [
  exactLength('v2-chat/7.3/5', 'say'),
  exactLength('v2-chat/7.4/4', 'msg'),
  exactLength('v2-chat/7.5/2', 'me'),
  tooLong('v2-chat/7.4/5', 'msg'),
  tooLong('v2-chat/7.5/3', 'me'),
  {
    id: 'v2-chat/7.2/7',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A name of one character is accepted',
    specText: nameRule,
    covers: [],
    accepts: ['join_ok'],
    async run(ctx) {
      const v2 = await ctx.v2('one');
      // A one-letter name may be held by another client; try a few before judging.
      for (const letter of textOf(6)) {
        const reply = await v2.join(letter);
        if (reply.type === 'join_ok') return;
        if (reply.type !== 'join_error' || reply.code !== 'NAME_TAKEN')
          ctx.fail(`join_ok for "${letter}"`, `${reply.type}${'code' in reply ? ` ${reply.code}` : ''}`);
      }
      ctx.fail('join_ok for a free one-letter name', 'six one-letter names were all NAME_TAKEN', 'MAY');
    },
  },
  {
    id: 'v2-chat/7.2/8',
    section: '7.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A name of maxName + 1 characters gets join_error NAME_INVALID',
    specText: nameRule,
    covers: [],
    accepts: ['join_error NAME_INVALID; the client may try again'],
    async run(ctx) {
      const v2 = await ctx.v2('long');
      const length = v2.limits.maxName + 1;
      if (length > 256)
        ctx.fail(
          'a name the packet table can carry',
          `not checked: maxName ${length - 1} leaves no room`,
          'MAY',
        );
      const reply = await v2.join(textOf(length));
      if (reply.type !== 'join_error' || reply.code !== 'NAME_INVALID')
        ctx.fail(
          'join_error NAME_INVALID',
          `${reply.type}${'code' in reply ? ` ${reply.code}` : ''} for a ${length}-character name (maxName ${length - 1})`,
        );
      const again = await v2.join(ctx.name('retry'));
      if (again.type !== 'join_ok') ctx.fail('join_ok for a valid name after the refusal', again.type);
    },
  },
];
