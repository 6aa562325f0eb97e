/**
 * Framing cases on the byte stream (spec 3.1-3.3), both profiles: frames split across segments,
 * several frames in one segment, a frame of exactly maxFrame bytes, and the end of the stream.
 *
 * How this works: a valid client's opening (handshake and join) is cut into pieces and sent one
 * piece per segment, or several whole frames go out in one write; the server must answer exactly
 * as if each frame had come alone. While it waits, the case sends nothing more (not even a pong),
 * so a server that only handles frames when new bytes arrive is caught.
 */
import { randomBytes } from 'node:crypto';
import type { Case, CaseContext } from '../case.js';
import { pause } from '../driver.js';
import { lateClose } from '../expect.js';
import { outcome, pkt, quote, texts, tr } from '../spec-text.js';
import { chatRoundTrip, expectRefused, open, refusedOutcomes, validFrame } from './common.js';

/**
 * Pieces go out PACE_MS apart: written back to back, they may merge in the network stack before
 * the server reads, and a server that takes one read for one header (the original's recv(10))
 * would then pass by luck (a verdict that changed from run to run against it).
 */
const PACE_MS = 5;

/** Sends `pieces` one per segment, PACE_MS apart. */
async function sendPaced(conn: { writeFlushed(piece: Buffer): Promise<void> }, pieces: Buffer[]) {
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await pause(PACE_MS);
    await conn.writeFlushed(piece);
  }
}

/** A valid client's opening, cut into pieces by `split` and sent one piece per segment. */
async function splitSession(ctx: CaseContext, split: (bytes: Buffer) => Buffer[]): Promise<void> {
  const name = ctx.name('split');
  if (ctx.options.profile === 'v2') {
    const v2 = await ctx.v2Connect('split');
    await v2.readServerHello();
    const hello = v2.prepareClientHello();
    const bytes = Buffer.concat([hello, v2.seal({ type: 'join', name }), v2.seal({ type: 'who' })]);
    await sendPaced(v2.conn, split(bytes));
    await v2.readServerAuth();
    const reply = await v2.until((p) => p.type === 'join_ok' || p.type === 'join_error', 'join reply');
    if (reply.packet.type !== 'join_ok') ctx.fail('join_ok', reply.packet.type);
    await v2.until((p) => p.type === 'user_list', 'user_list');
    ctx.note('server_auth, join_ok and user_list arrived');
    return;
  }
  const legacy = await ctx.legacyConnect('split');
  await legacy.readHandshake();
  const bytes = Buffer.concat([
    legacy.prepareKeyExchange(),
    legacy.frame('setuser', name, { username: name }),
  ]);
  await sendPaced(legacy.conn, split(bytes));
  const { got } = await legacy.until(
    (r) => r.packet.typ === 'approved_conn' || r.packet.typ === 'username_taken',
    'setuser reply',
  );
  if (got.packet.typ !== 'approved_conn') ctx.fail('approved_conn', got.packet.typ);
  ctx.note('approved_conn arrived');
}

async function pipelined(ctx: CaseContext): Promise<void> {
  const lines = [
    ctx.line(`first ${randomBytes(3).toString('hex')}`),
    ctx.line(`second line, odd length ${randomBytes(2).toString('hex')}!`),
  ];
  const name = ctx.name('pipe');
  if (ctx.options.profile === 'v2') {
    const v2 = await ctx.v2Connect('pipe');
    // Send nothing else (not even a pong): a server that stalls would be woken up by new bytes.
    v2.autoPong = false;
    await v2.readServerHello();
    const hello = v2.prepareClientHello();
    const records = [{ type: 'join', name }, ...lines.map((t) => ({ type: 'say', text: t }))].map((p) =>
      v2.seal(p),
    );
    v2.conn.write(Buffer.concat([hello, ...records]));
    await v2.readServerAuth();
    for (const line of lines)
      await v2.until((p) => p.type === 'message' && p.text === line, `echo of "${line}"`);
    ctx.note(`${records.length + 1} frames in one segment, all processed`);
    return;
  }
  const legacy = await ctx.legacyConnect('pipe');
  await legacy.readHandshake();
  const frames = [
    legacy.prepareKeyExchange(false),
    legacy.frame('setuser', name, { username: name, pad: false }),
  ];
  legacy.name = name;
  frames.push(...lines.map((t) => legacy.frame('default', t, { pad: false })));
  frames.push(legacy.frame('export', '[export_chat]', { pad: false }));
  legacy.conn.write(Buffer.concat(frames));
  const sizes = frames.map((f) => f.length - 10).join(', ');
  const expected = 'every frame of a segment processed: approved_conn, then both lines in the export';
  const context = `${frames.length} frames (bodies of ${sizes} bytes) sent in one segment`;
  const exported = await ctx.attempt(expected, context, async () => {
    await legacy.until((r) => r.packet.typ === 'approved_conn', 'approved_conn');
    return (await legacy.until((r) => r.packet.typ === 'export', 'export reply')).got.packet.cont;
  });
  for (const line of lines) {
    if (!String(exported).includes(`${name}> ${line}`)) {
      ctx.fail(expected, `${context}: the export lacks "${name}> ${line}"`);
    }
  }
  ctx.note(`${frames.length} frames in one segment, all processed`);
}

export const framingStreamCases: Case[] = [
  {
    id: 'framing/3.1/1',
    section: '3.1',
    profile: 'both',
    level: 'MUST',
    description: 'Every frame the server sends has a strict header and a non-empty body',
    specText: quote('3.1', 'Senders MUST write the shortest decimal form'),
    covers: [pkt('v2', 'server_hello'), pkt('legacy', 'iv_exc')],
    accepts: [
      'every header matches ^[1-9][0-9]{0,9} *$ (the suite checks this on every frame of every case)',
    ],
    async run(ctx) {
      const failure = await chatRoundTrip(ctx, 'strict');
      if (failure) ctx.fail('a chat round trip with strictly framed frames', failure);
    },
  },
  {
    id: 'framing/3.1/2',
    section: '3.1',
    profile: 'both',
    level: 'MUST',
    description: 'Frames sent one byte per segment are reassembled',
    specText: texts(quote('3.2', 'checks each header byte as it arrives'), quote('3.1', 'A frame is HEADER')),
    covers: [
      tr('v2/server', 'AWAIT_CLIENT_HELLO', 'client_hello'),
      tr('legacy/server', 'AWAIT_KEY_EXC', 'key_exc'),
    ],
    accepts: ['the handshake and the join complete as if the frames had arrived whole'],
    async run(ctx) {
      await splitSession(ctx, (bytes) => {
        const pieces: Buffer[] = [];
        for (let i = 0; i < 24; i++) pieces.push(bytes.subarray(i, i + 1));
        for (let i = 24; i < bytes.length; i += 97) pieces.push(bytes.subarray(i, i + 97));
        return pieces;
      });
    },
  },
  {
    id: 'framing/3.1/3',
    section: '3.1',
    profile: 'both',
    level: 'MUST',
    description: 'Frames cut at random points, straddling segments, are reassembled',
    specText: quote('3.2', 'checks each header byte as it arrives'),
    covers: [pkt('v2', 'client_hello'), pkt('legacy', 'key_exc')],
    accepts: ['the handshake and the join complete'],
    async run(ctx) {
      await splitSession(ctx, (bytes) => {
        const cuts = new Set<number>([3, 10, 11]);
        while (cuts.size < 9) cuts.add(1 + (randomBytes(2).readUInt16BE() % (bytes.length - 1)));
        const sorted = [...cuts].sort((a, b) => a - b);
        return [0, ...sorted].map((from, i) => bytes.subarray(from, sorted[i] ?? bytes.length));
      });
    },
  },
  {
    id: 'framing/3.2/12',
    section: '3.2',
    profile: 'both',
    level: 'MUST',
    description: 'Several frames in one segment (pipelined, unpadded) are all processed in order',
    specText: texts(
      quote('3.2', 'checks each header byte as it arrives'),
      quote('8', 'back-to-back frames whose body length'),
    ),
    covers: [pkt('legacy', 'setuser'), tr('legacy/server', 'AWAIT_SETUSER', 'setuser', 'accepted')],
    accepts: [
      'v2: server_auth, join_ok and the echo of both lines',
      'legacy: approved_conn, and both lines in the export',
    ],
    run: pipelined,
  },
  {
    id: 'framing/3.2/13',
    section: '3.2',
    profile: 'v2',
    level: 'MUST',
    description: 'A frame of exactly maxFrame bytes is accepted',
    specText: texts(
      quote('3.2', 'a length greater than its maximum'),
      quote('11', 'Largest body a receiver accepts'),
    ),
    covers: [
      pkt('v2', 'ping'),
      pkt('v2', 'pong'),
      tr('v2/server', 'AWAIT_JOIN', 'ping'),
      tr('v2/client', 'READY', 'send:pong'),
    ],
    accepts: ['a pong to a ping padded with JSON whitespace to exactly maxFrame bytes'],
    async run(ctx) {
      const v2 = await ctx.v2('max');
      const max = v2.limits.maxFrame;
      const head = '{"type":"ping","n":7';
      v2.conn.write(v2.seal(Buffer.from(`${head}${' '.repeat(max - 16 - head.length - 1)}}`)));
      const reply = await v2.next('pong to a maxFrame-sized record');
      if (!reply) return ctx.fail('pong', 'the connection closed');
      if (reply.type !== 'pong' || reply.n !== 7) ctx.fail('pong with n 7', JSON.stringify(reply));
      ctx.note(`a ${max}-byte record was accepted`);
    },
  },
  {
    id: 'framing/3.3/1',
    section: '3.3',
    profile: 'both',
    level: 'MUST',
    description: 'A stream that ends inside a header is refused',
    specText: outcome('3.3/1'),
    covers: [],
    accepts: refusedOutcomes('FRAME_TRUNCATED', false),
    async run(ctx) {
      const o = await open(ctx, false, 'eof');
      o.conn.write(validFrame(o).subarray(0, 5));
      o.conn.end();
      await expectRefused(ctx, o, ['FRAME_TRUNCATED'], 'the end of the stream inside a header');
    },
  },
  {
    id: 'framing/3.3/2',
    section: '3.3',
    profile: 'both',
    level: 'SHOULD',
    description: 'A stream that ends between frames is closed by the server too',
    specText: outcome('3.3/2'),
    covers: [],
    accepts: ['the server closes its side'],
    async run(ctx) {
      const o = await open(ctx, false, 'eof');
      o.conn.end();
      if (!(await o.conn.waitClosed(ctx.timeout))) {
        ctx.fail(
          'the server closes its side',
          `the connection is still open ${ctx.timeout} ms after the client's end`,
        );
      }
      const late = lateClose(ctx, o.conn, false, "the client's end of the stream", {});
      if (late) ctx.fail('the server closes its side', late);
      ctx.note('closed');
    },
  },
  {
    id: 'framing/3.3/3',
    section: '3.3',
    profile: 'both',
    level: 'MUST',
    description: 'After the key exchange, a stream that ends inside a body is refused',
    specText: outcome('3.3/1'),
    covers: [],
    accepts: refusedOutcomes('FRAME_TRUNCATED', true),
    async run(ctx) {
      const o = await open(ctx, true, 'eof');
      const frame = validFrame(o);
      o.conn.write(frame.subarray(0, 10 + Math.floor((frame.length - 10) / 2)));
      o.conn.end();
      await expectRefused(ctx, o, ['FRAME_TRUNCATED'], 'the end of the stream inside a body');
    },
  },
];
