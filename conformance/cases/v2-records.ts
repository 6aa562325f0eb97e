/**
 * v2 record cases (spec 6): sequence numbers, associated data, coalesced packets, and every way a
 * record can be tampered with: bit flips, replay, reordering, dropping, truncation, reflection.
 *
 * How this works: the driver seals records itself, so a case can pick any key, sequence number and
 * AAD. A tampered record is followed in the same write by a valid-looking one; a server that skips
 * bad records instead of failing the connection answers the second and is caught. The server's
 * own records are opened strictly in sequence by the driver on every case (6.1).
 */
import { randomBytes } from 'node:crypto';
import { encodeFrame, encodeHeader } from '../../src/framing/frame-codec.js';
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { announcesLeave, leaveOf } from '../presence.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { keyedRefusalCase } from './v2-steps.js';

const DECRYPT = ['DECRYPT_FAILED'];
const failRule = quote('6.2', 'A record that fails authentication is DECRYPT_FAILED');

/** A case that sends `bytes(v2)` after the handshake and expects DECRYPT_FAILED or a close. */
function tampered(
  id: string,
  description: string,
  bytes: (v2: V2Session, ctx: CaseContext) => Promise<Buffer> | Buffer,
  codes = DECRYPT,
  specText = failRule,
): Case {
  return keyedRefusalCase({
    id,
    description,
    specText,
    codes,
    what: description.replace(/ is refused.*$/, '').toLowerCase(),
    session: (ctx) => ctx.v2('tamper'),
    bytes,
  });
}

function flip(record: Buffer, offset: number): Buffer {
  const out = Buffer.from(record);
  out[offset] ^= 0x01;
  return out;
}

/** A join record that a server which skips bad records would answer (it is what seq n should be). */
const follow = (v2: V2Session, seq: bigint) =>
  v2.seal({ type: 'join', name: `f${randomBytes(3).toString('hex')}` }, { seq });

export const v2RecordCases: Case[] = [
  {
    id: 'v2-records/6.1/1',
    section: '6.1',
    profile: 'v2',
    level: 'MUST',
    description: "The server's records use sequence numbers 0, 1, 2, ... (no nonce reused or skipped)",
    specText: quote('6.1', 'Each direction has its own key, IV and 64-bit sequence number'),
    covers: [
      tr('v2/server', 'JOINED', 'ping'),
      tr('v2/client', 'JOINED', 'send:ping'),
      tr('v2/client', 'JOINED', 'pong'),
      tr('v2/server', 'JOINED', 'who'),
      tr('v2/client', 'JOINED', 'send:who'),
      tr('v2/client', 'JOINED', 'user_list'),
      pkt('v2', 'who'),
      pkt('v2', 'user_list'),
    ],
    accepts: ['every server record opens under the s2c key with the next sequence number'],
    async run(ctx) {
      const v2 = await ctx.v2Joined('seq');
      for (let n = 1; n <= 5; n++) {
        v2.send({ type: 'ping', n });
        const { packet } = await v2.until((p) => p.type === 'pong', `pong ${n}`);
        if (packet.type === 'pong' && packet.n !== n) ctx.fail(`pong with n ${n}`, `pong with n ${packet.n}`);
      }
      await v2.who();
      ctx.note(
        `${v2.recordsReceived} server records opened in sequence${v2.coalesced ? `, ${v2.coalesced} coalesced` : ''}`,
      );
    },
  },
  tampered(
    'v2-records/6.1/2',
    'A record authenticated without its own header as AAD is refused',
    (v2) => {
      const plain = Buffer.from(JSON.stringify({ type: 'join', name: 'aad' }));
      return v2.seal(plain, { aad: encodeHeader(plain.length + 17) });
    },
    DECRYPT,
    quote('6.1', 'The associated data is the record'),
  ),
  {
    id: 'v2-records/6.1/3',
    section: '6.1',
    profile: 'v2',
    level: 'MUST',
    description: 'Several packets in one record (newline separated) are processed in order',
    specText: quote('6.1', 'The plaintext of a record is one or more packets'),
    covers: [],
    accepts: ['join_ok, then the echo of the line, then user_list'],
    async run(ctx) {
      const v2 = await ctx.v2('coalesce');
      const name = ctx.name('co');
      const text = ctx.line(`coalesced ${randomBytes(3).toString('hex')}`);
      const packets = [{ type: 'join', name }, { type: 'say', text }, { type: 'who' }].map((p) =>
        JSON.stringify(p),
      );
      v2.conn.write(v2.seal(packets.join('\n')));
      const expected = 'join_ok, message, user_list in that order';
      const order: string[] = [];
      await ctx.attempt(expected, 'after one record holding join, say and who', async () => {
        const joined = await v2.until(
          (p) => p.type === 'join_ok' || p.type === 'join_error' || p.type === 'error',
          'join_ok',
        );
        order.push(joined.packet.type);
        if (joined.packet.type !== 'join_ok') return;
        const said = await v2.until(
          (p) => p.type === 'message' || p.type === 'user_list' || p.type === 'error',
          'the echo',
        );
        order.push(said.packet.type);
        if (said.packet.type === 'message')
          order.push(
            (await v2.until((p) => p.type === 'user_list' || p.type === 'error', 'user_list')).packet.type,
          );
      });
      if (order.join() !== 'join_ok,message,user_list') ctx.fail(expected, order.join(', '));
    },
  },
  tampered(
    'v2-records/6.1/4',
    'A record holding an empty packet is refused',
    (v2) => v2.seal('{"type":"ping","n":1}\n\n{"type":"ping","n":2}'),
    ['PACKET_MALFORMED'],
    quote('6.1', 'an empty packet is PACKET_MALFORMED'),
  ),
  {
    id: 'v2-records/6.1/5',
    section: '6.1',
    profile: 'v2',
    level: 'MUST',
    description: 'A binary record sent before the handshake ends is refused',
    specText: texts(
      quote('6', 'After `client_hello`, every frame in both directions is a record'),
      quote('12', 'The body is not strict UTF-8 JSON'),
    ),
    covers: [],
    accepts: acceptsV2([], false),
    async run(ctx) {
      const v2 = await ctx.v2Connect('early');
      await v2.readServerHello();
      v2.conn.write(encodeFrame(randomBytes(48)));
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], 'a record in place of client_hello');
    },
  },
  tampered('v2-records/6.1/6', 'A plaintext packet after the handshake is refused', () =>
    encodeFrame(JSON.stringify({ type: 'join', name: 'plaintext' })),
  ),
  tampered(
    'v2-records/6.2/1',
    'A record with a flipped ciphertext bit is refused, and nothing after it is read',
    (v2) => {
      const bad = flip(v2.seal({ type: 'join', name: throwaway() }, { seq: 0n }), 12);
      return Buffer.concat([bad, follow(v2, 0n)]);
    },
  ),
  tampered(
    'v2-records/6.2/2',
    'A record with a flipped tag bit is refused, and nothing after it is read',
    (v2) => {
      const record = v2.seal({ type: 'join', name: throwaway() }, { seq: 0n });
      return Buffer.concat([flip(record, record.length - 1), follow(v2, 0n)]);
    },
  ),
  {
    id: 'v2-records/6.2/3',
    section: '6.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A replayed record is refused',
    specText: failRule,
    covers: [pkt('v2', 'say'), pkt('v2', 'message'), tr('v2/server', 'JOINED', 'say')],
    accepts: acceptsV2(DECRYPT, true),
    async run(ctx) {
      const v2 = await ctx.v2Joined('replay');
      const text = ctx.line(`replay ${randomBytes(3).toString('hex')}`);
      const record = v2.seal({ type: 'say', text });
      v2.conn.write(record);
      await v2.until((p) => p.type === 'message' && p.text === text, 'the echo of the first copy');
      v2.conn.write(record);
      await expectV2Rejection(ctx, v2, DECRYPT, 'a replayed record');
    },
  },
  tampered('v2-records/6.2/4', 'Records sent out of order are refused', (v2) => {
    const first = v2.seal({ type: 'ping', n: 1 });
    const second = v2.seal({ type: 'ping', n: 2 });
    return Buffer.concat([second, first]);
  }),
  tampered('v2-records/6.2/5', 'A record after a dropped one is refused', (v2) => {
    v2.seal({ type: 'ping', n: 1 });
    return v2.seal({ type: 'join', name: throwaway() });
  }),
  tampered('v2-records/6.2/6', 'A record shorter than its tag is refused', () => encodeFrame(randomBytes(8))),
  tampered('v2-records/6.2/7', 'A record with its last byte cut is refused', (v2) => {
    const record = v2.seal({ type: 'join', name: throwaway() });
    return encodeFrame(record.subarray(10, record.length - 1));
  }),
  tampered('v2-records/6.2/8', "A record sealed under the server's own (s2c) key is refused", (v2) =>
    v2.seal({ type: 'join', name: throwaway() }, { keys: v2.keys!.s2c, seq: 0n }),
  ),
  {
    id: 'v2-records/6.1/7',
    section: '6.1',
    profile: 'v2',
    level: 'MAY',
    description: 'Does the server coalesce queued packets into one record? (open: either is fine)',
    specText: quote('6.1', 'A sender MAY coalesce packets queued together into one record'),
    covers: [],
    accepts: ['one packet per record, or several (newline separated) per record'],
    async run(ctx) {
      const a = await ctx.v2Joined('burst');
      const b = await ctx.v2Joined('reader');
      const lines = Array.from({ length: 6 }, (_, i) =>
        ctx.line(`together ${i} ${randomBytes(2).toString('hex')}`),
      );
      a.send(...lines.map((text) => ({ type: 'say', text })));
      await b.until((p) => p.type === 'message' && p.text === lines[lines.length - 1], 'the last line');
      ctx.note(
        b.coalesced > 0
          ? `coalesces: ${b.coalesced} record(s) carried several packets`
          : 'one packet per record',
      );
    },
  },
  {
    id: 'v2-records/6.3/1',
    section: '6.3',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that vanishes without goodbye is announced as left (reason lost)',
    specText: texts(
      quote('6.3', 'a stream that ends without one after the handshake'),
      quote('7.6', 'for any reason'),
    ),
    covers: [pkt('v2', 'user_left'), tr('v2/client', 'JOINED', 'user_left')],
    accepts: ['user_left for the vanished user, with reason lost, to the others'],
    async run(ctx) {
      const a = await ctx.v2Joined('stay');
      const b = await ctx.v2Joined('vanish');
      const bName = b.name!;
      b.conn.end();
      const { packet } = await ctx.attempt(
        `user_left for ${bName}`,
        `after ${bName} closed without goodbye`,
        () => a.until(announcesLeave(bName), `user_left ${bName}`),
      );
      const left = leaveOf(packet, bName);
      if (left) {
        ctx.check(left.reason === 'lost', 'reason lost', `reason ${left.reason}`, 'SHOULD');
        ctx.note(`${packet.type} ${bName} (${left.reason})`);
      }
    },
  },
];

/** A throwaway, valid name for records that are never accepted. */
function throwaway(): string {
  return `t${randomBytes(4).toString('hex')}`;
}
