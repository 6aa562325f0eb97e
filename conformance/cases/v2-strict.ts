/**
 * What spec 2.1 made precise in v2 chat: strict JSON (7.1), one id counter from 1 (7.3), a private
 * message to oneself (7.4) and a client's non-fatal error (4.3); and that the error a server sends
 * for a packet it refuses fits maxFrame however much of the packet it quotes (11.1).
 *
 * How this works: the JSON cases seal a record whose text JSON.parse would take (`1.0`, a key
 * twice, a byte-order mark) and expect the refusal PACKET_MALFORMED; the base64 case sends a
 * client_hello whose nonce is not canonical. The others watch what a joined client receives after
 * its own packets, with a marker line as the barrier (v2-chat.ts).
 */
import { randomBytes } from 'node:crypto';
import { V2_TAG_BYTES } from '../../src/generated/constants.js';
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, tag } from './v2-steps.js';

const jsonText = quote('7.1', 'A receiver MUST refuse with PACKET_MALFORMED');

/** A joined client seals `body` (raw text) as one record; the server must refuse it. */
function badJson(id: string, description: string, body: () => Buffer): Case {
  return {
    id,
    section: '7.1',
    profile: 'v2',
    level: 'MUST',
    description,
    specText: jsonText,
    covers: [],
    accepts: acceptsV2(['PACKET_MALFORMED'], true),
    async run(ctx) {
      const v2 = await ctx.v2Joined('json');
      v2.conn.write(v2.seal(body()));
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], description.replace(/ is refused$/, ''));
    },
  };
}

/** Every packet with an id that `v2` received up to its marker line. */
async function stamped(ctx: CaseContext, v2: V2Session): Promise<{ type: string; id: number }[]> {
  const [seen] = await barrier(ctx, v2, [v2]);
  return seen.flatMap((p) => ('id' in p ? [{ type: p.type, id: p.id }] : []));
}

const text = (s: string) => Buffer.from(s, 'utf8');

/**
 * A `say` with an unknown key of control characters (6 bytes each in JSON), as long as a record of
 * the server's maxFrame allows with `margin` bytes to spare: a refusal that quotes the key whole
 * needs more than the record it answers.
 */
export function sayWithLongKey(maxFrame: number, margin = 24): Buffer {
  const bare = '{"type":"say","text":"x","":1}';
  const chars = Math.floor((maxFrame - V2_TAG_BYTES - margin - bare.length) / 6);
  return text(JSON.stringify({ type: 'say', text: 'x', ['\u0001'.repeat(chars)]: 1 }));
}

export const v2StrictCases: Case[] = [
  badJson('v2-handshake/7.1/1', 'A ping whose n is written 1.0 is refused', () =>
    text('{"type":"ping","n":1.0}'),
  ),
  badJson('v2-handshake/7.1/2', 'A say with the key text twice is refused', () =>
    text(`{"type":"say","text":"first ${tag()}","text":"second"}`),
  ),
  badJson('v2-handshake/7.1/3', 'A packet after a UTF-8 byte-order mark is refused', () =>
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"type":"who"}')]),
  ),
  badJson('v2-handshake/7.1/4', 'A ping whose n is 2^53 is refused', () =>
    text('{"type":"ping","n":9007199254740992}'),
  ),
  {
    id: 'v2-handshake/7.1/5',
    section: '7.1',
    profile: 'v2',
    level: 'MUST',
    description: 'A client_hello whose nonce is not canonical base64 (unused bits set) is refused',
    specText: jsonText,
    covers: [],
    accepts: acceptsV2([], false),
    async run(ctx) {
      const v2 = await ctx.v2Connect('base64');
      await v2.readServerHello();
      const nonce = randomBytes(32).toString('base64'); // 43 characters then one `=`
      const bent = `${nonce.slice(0, 42)}${nonce[42] === 'B' ? 'C' : 'B'}=`; // B and C leave bits set
      const { frame } = v2.clientHello();
      const body = JSON.parse(frame.subarray(10).toString('utf8'));
      v2.conn.write(
        v2.clientHello({ extra: { nonce: bent }, share: Buffer.from(body.share, 'base64') }).frame,
      );
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], `the nonce ${bent}`);
    },
  },
  {
    id: 'v2-chat/7.3/10',
    section: '7.3',
    profile: 'v2',
    level: 'MUST',
    description: 'message, action and private take ids from one counter: positive and increasing',
    specText: quote('7.3', 'take their `id` from one counter per server run'),
    covers: [],
    accepts: ['ids of at least 1, each larger than the one before, across the three types'],
    async run(ctx) {
      const v2 = await ctx.v2Joined('ids');
      v2.send(
        { type: 'say', text: ctx.line(`one ${tag()}`) },
        { type: 'me', text: ctx.line(`two ${tag()}`) },
        { type: 'msg', to: v2.name!, text: ctx.line(`three ${tag()}`) },
        { type: 'say', text: ctx.line(`four ${tag()}`) },
      );
      const ids = await stamped(ctx, v2);
      ctx.check(ids.length >= 4, 'an id on each of the four lines', `${ids.length} packets with an id`);
      ids.forEach((p, i) => {
        ctx.check(p.id >= 1, 'ids from 1', `${p.type} has id ${p.id}`);
        const before = ids[i - 1];
        if (before)
          ctx.check(
            p.id > before.id,
            'increasing ids',
            `${p.type} ${p.id} after ${before.type} ${before.id}`,
          );
      });
      ctx.note(ids.map((p) => `${p.type} ${p.id}`).join(', '));
    },
  },
  {
    id: 'v2-chat/7.4/10',
    section: '7.4',
    profile: 'v2',
    level: 'MUST',
    description: 'A private message to oneself is delivered once',
    specText: quote('7.4', 'A private message to oneself'),
    covers: [],
    accepts: ['exactly one private packet for a msg to the sender'],
    async run(ctx) {
      const v2 = await ctx.v2Joined('selfmsg');
      const line = ctx.line(`to me ${tag()}`);
      v2.send({ type: 'msg', to: v2.name!, text: line });
      const [seen] = await barrier(ctx, v2, [v2]);
      const got = seen.filter((p) => p.type === 'private' && p.text === line).length;
      if (got !== 1) ctx.fail('one private packet', `${got} private packets for one msg to oneself`);
    },
  },
  {
    id: 'v2-chat/11.1/9',
    section: '11.1',
    profile: 'v2',
    level: 'MUST',
    description: 'The error for a packet that names an unknown key of nearly maxFrame fits maxFrame',
    specText: quote('11.1', 'An `error` whose message quotes what a client sent'),
    covers: [],
    accepts: [
      'PACKET_MALFORMED (fatal) in a record within the maxFrame the server announced, then the close',
    ],
    async run(ctx) {
      const v2 = await ctx.v2Joined('quoter');
      v2.conn.write(v2.seal(sayWithLongKey(v2.limits.maxFrame)));
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], 'a say with an unknown key');
    },
  },
  {
    id: 'v2-chat/4.3/1',
    section: '4.3',
    profile: 'v2',
    level: 'MUST',
    description: 'A client error with fatal false does not end the connection',
    specText: texts(
      quote('4.3', 'with `fatal: false` is reported'),
      quote('13', 'a v2 client may send `goodbye` or `error`'),
    ),
    covers: [
      tr('v2/server', 'AWAIT_JOIN', 'error', 'nonfatal'),
      tr('v2/server', 'JOINED', 'error', 'nonfatal'),
    ],
    accepts: ['the connection stays, before join and in the room: a ping after each error is answered'],
    async run(ctx) {
      const v2 = await ctx.v2('softerr');
      const soft = { type: 'error', code: 'INTERNAL_ERROR', message: 'a hiccup', fatal: false };
      v2.send(soft);
      if (!(await v2.alive()))
        ctx.fail('a pong after the error before join', 'no pong: the connection ended');
      const name = ctx.name('softerr');
      const reply = await v2.join(name);
      if (reply.type !== 'join_ok')
        ctx.fail(`join_ok for "${name}"`, `${reply.type} after a non-fatal error`);
      v2.send(soft);
      if (!(await v2.alive()))
        ctx.fail('a pong after the error in the room', 'no pong: the connection ended');
      const line = ctx.line(`after ${tag()}`);
      v2.send({ type: 'say', text: line });
      await ctx.attempt('the line after the error', 'after a non-fatal error', () =>
        v2.until((p) => p.type === 'message' && p.text === line, 'the line'),
      );
    },
  },
];
