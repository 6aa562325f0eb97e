/**
 * v2 state-machine cases (spec 13.1 before JOINED, 7 packet validation) and the handshake timeout
 * (spec 11).
 *
 * How this works: after a valid handshake the case sends a packet the server's table does not
 * allow in AWAIT_JOIN, or one the packet table refuses; keys exist, so the server may name the
 * error in an error packet before it closes. The timeout cases wait for the server's own handshake
 * timeout (--handshake-timeout tells the suite what it is) and run alongside the other cases.
 */
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { packetText, pkt, quote, texts, tr, transition } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';

const CLOSED = acceptsV2([], false);

/** A packet the server must refuse in AWAIT_JOIN (keys exist: an error packet may come first). */
function unexpected(
  id: string,
  description: string,
  payload: (v2: V2Session) => Buffer | object,
  codes: string[],
): Case {
  return {
    id,
    section: '13.1',
    profile: 'v2',
    level: 'MUST',
    description,
    specText: quote('13', 'A packet that has no transition from the current state'),
    covers: [],
    accepts: acceptsV2(codes, true),
    async run(ctx) {
      const v2 = await ctx.v2('unexp');
      v2.conn.write(v2.seal(payload(v2)));
      await expectV2Rejection(ctx, v2, codes, description.replace(/ is refused$/, '').toLowerCase());
    },
  };
}

/** A silent client may meet the idle timeout first, when the server's is shorter. */
const TIMEOUTS = ['HANDSHAKE_TIMEOUT', 'IDLE_TIMEOUT'];

/** How long a timer case waits: the server's handshake timeout plus one suite timeout. */
const budget = (ctx: CaseContext) => ctx.options.handshakeTimeoutMs + ctx.options.timeoutMs;
const timeoutText = texts(
  quote('11', 'Time from accept to a chosen name'),
  quote('11', 'past it the server closes with HANDSHAKE_TIMEOUT'),
);

/** Keeps a connection busy with `tick()` every `step` ms until the server closes it or time is up. */
async function busyUntilClosed(
  ctx: CaseContext,
  v2: V2Session,
  started: number,
  tick: () => void,
): Promise<boolean> {
  const step = Math.max(50, Math.floor(ctx.options.handshakeTimeoutMs / 8));
  while (Date.now() - started < budget(ctx)) {
    tick();
    if (await v2.conn.wait(step, () => v2.conn.closed)) return true;
  }
  return v2.conn.closed;
}

function timeoutCase(
  id: string,
  description: string,
  covers: string[],
  accepts: string[],
  run: (ctx: CaseContext) => Promise<void>,
): Case {
  return {
    id,
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description,
    specText: timeoutText,
    covers,
    accepts,
    waitsFor: 'handshake-timeout',
    run,
  };
}

const lateClose = (ctx: CaseContext, what: string) =>
  `the connection is still open ${budget(ctx)} ms after it opened (${what}); the suite was told the server's handshake timeout is ${ctx.options.handshakeTimeoutMs} ms (--handshake-timeout)`;

export const v2StateCases: Case[] = [
  unexpected(
    'v2-handshake/13.1/2',
    'A second client_hello, as a record, is refused',
    (v2) => JSON.parse(v2.clientHello().frame.subarray(10).toString()),
    ['PACKET_UNEXPECTED'],
  ),
  unexpected(
    'v2-handshake/13.1/3',
    'say before join is refused',
    () => ({ type: 'say', text: 'too early' }),
    ['PACKET_UNEXPECTED'],
  ),
  {
    ...unexpected(
      'v2-handshake/13.1/4',
      'A server-only packet (message) from the client is refused',
      () => ({ type: 'message', id: 1, from: 'server', text: 'hi', ts: 1 }),
      ['PACKET_UNEXPECTED'],
    ),
    specText: quote('4.2', 'A packet of the other direction'),
  },
  {
    ...unexpected(
      'v2-handshake/13.1/8',
      'A join that breaks the packet table (a 300-character name) is refused',
      () => ({ type: 'join', name: 'n'.repeat(300) }),
      ['PACKET_MALFORMED'],
    ),
    specText: texts(packetText('v2', 'join'), quote('12', 'does not match the packet table')),
    covers: [tr('v2/client', 'AWAIT_JOIN_REPLY', 'error', 'fatal')],
  },
  unexpected('v2-handshake/7/1', 'A packet of unknown type is refused', () => ({ type: 'dance' }), [
    'PACKET_MALFORMED',
  ]),
  unexpected(
    'v2-handshake/7/2',
    'A record that is not JSON is refused',
    () => Buffer.from('not json at all'),
    ['PACKET_MALFORMED'],
  ),
  unexpected(
    'v2-handshake/7/3',
    'A record that is not UTF-8 is refused',
    () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ['PACKET_MALFORMED'],
  ),
  unexpected(
    'v2-handshake/7/4',
    'A packet with a field the table does not list is refused',
    () => ({ type: 'join', name: 'extra', admin: true }),
    ['PACKET_MALFORMED'],
  ),
  {
    id: 'v2-handshake/13.1/5',
    section: '13.1',
    profile: 'v2',
    level: 'MUST',
    description: 'goodbye before join: the server closes the connection',
    specText: transition('v2/server', 'AWAIT_JOIN', 'goodbye'),
    covers: [
      pkt('v2', 'goodbye'),
      tr('v2/server', 'AWAIT_JOIN', 'goodbye'),
      tr('v2/client', 'READY', 'send:goodbye'),
    ],
    accepts: ['the close, with no error packet (a goodbye in answer is allowed)'],
    async run(ctx) {
      const v2 = await ctx.v2('bye');
      v2.send({ type: 'goodbye', reason: 'conformance' });
      const seen = await v2.drain(ctx.timeout);
      const errors = seen.packets.filter((p) => p.type === 'error');
      if (errors.length)
        ctx.fail(
          'a quiet close',
          `error ${errors.map((e) => (e.type === 'error' ? e.code : '')).join()} after a goodbye`,
        );
      if (!seen.closed) ctx.fail('the close', `still open ${ctx.timeout} ms after goodbye`);
      ctx.note(seen.packets.some((p) => p.type === 'goodbye') ? 'answered goodbye, closed' : 'closed');
    },
  },
  {
    id: 'v2-handshake/13.1/6',
    section: '13.1',
    profile: 'v2',
    level: 'MUST',
    description: 'A fatal error packet before join: the server closes the connection',
    specText: transition('v2/server', 'AWAIT_JOIN', 'error', 'fatal'),
    covers: [pkt('v2', 'error'), tr('v2/server', 'AWAIT_JOIN', 'error', 'fatal')],
    accepts: ['the close, with no error packet in answer'],
    async run(ctx) {
      const v2 = await ctx.v2('err');
      v2.send({ type: 'error', code: 'INTERNAL_ERROR', message: 'conformance suite gives up', fatal: true });
      const seen = await v2.drain(ctx.timeout);
      if (!seen.closed) ctx.fail('the close', `still open ${ctx.timeout} ms after a fatal error packet`);
      ctx.note(`closed${seen.packets.length ? ` after ${seen.packets.map((p) => p.type).join(', ')}` : ''}`);
    },
  },
  {
    id: 'v2-handshake/13.1/7',
    section: '13.1',
    profile: 'v2',
    level: 'MUST',
    description: 'Before join, ping gets a pong with the same n and an unsolicited pong is ignored',
    specText: texts(
      transition('v2/server', 'AWAIT_JOIN', 'ping'),
      transition('v2/server', 'AWAIT_JOIN', 'pong'),
    ),
    covers: [
      tr('v2/server', 'AWAIT_JOIN', 'ping'),
      tr('v2/server', 'AWAIT_JOIN', 'pong'),
      tr('v2/client', 'READY', 'send:pong'),
    ],
    accepts: ['pong with the same n; the connection stays open'],
    async run(ctx) {
      const v2 = await ctx.v2('ping');
      v2.send({ type: 'pong', n: 99 });
      if (!(await v2.alive()))
        ctx.fail(
          'a pong with the same n',
          'no pong (or the connection closed) after an unsolicited pong and a ping',
        );
    },
  },
  timeoutCase(
    'v2-handshake/11/1',
    'A client that sends nothing is closed at the handshake timeout',
    [],
    CLOSED,
    async (ctx) => {
      const started = Date.now();
      const v2 = await ctx.v2Connect('silent');
      await v2.readServerHello();
      if (!(await v2.conn.waitClosed(budget(ctx) - (Date.now() - started))))
        ctx.fail('the close', lateClose(ctx, 'nothing was sent after connecting'));
      ctx.note(`closed after ${Date.now() - started} ms`);
    },
  ),
  timeoutCase(
    'v2-handshake/11/2',
    'A client that never joins is closed at the handshake timeout',
    [tr('v2/client', 'READY', 'error', 'fatal')],
    acceptsV2(TIMEOUTS, true),
    async (ctx) => {
      const started = Date.now();
      const v2 = await ctx.v2('nojoin');
      await expectV2Rejection(ctx, v2, TIMEOUTS, 'a handshake with no join', {
        waitMs: budget(ctx) - (Date.now() - started),
        byTimer: true,
      });
    },
  ),
  timeoutCase(
    'v2-handshake/11/3',
    'A client that trickles its client_hello is still closed at the handshake timeout',
    [],
    CLOSED,
    async (ctx) => {
      const started = Date.now();
      const v2 = await ctx.v2Connect('trickle');
      await v2.readServerHello();
      const frame = v2.clientHello().frame;
      let sent = 0;
      const closed = await busyUntilClosed(ctx, v2, started, () =>
        v2.conn.write(frame.subarray(sent, ++sent)),
      );
      if (!closed)
        ctx.fail('the close', lateClose(ctx, `one byte of client_hello sent every few ms, ${sent} so far`));
      ctx.note(`closed after ${Date.now() - started} ms, ${sent} bytes in`);
    },
  ),
  timeoutCase(
    'v2-handshake/11/4',
    'A client whose names keep being refused is still closed at the handshake timeout',
    [],
    acceptsV2(['HANDSHAKE_TIMEOUT'], true),
    async (ctx) => {
      const started = Date.now();
      const v2 = await ctx.v2('refused');
      let tries = 0;
      const closed = await busyUntilClosed(ctx, v2, started, () => {
        tries++;
        v2.send({ type: 'join', name: 'not a valid name' });
      });
      if (!closed) ctx.fail('the close', lateClose(ctx, `${tries} refused joins so far`));
      ctx.note(`closed after ${Date.now() - started} ms and ${tries} refused joins`);
    },
  ),
];
