import type { Case, CaseContext } from '../case.js';
import { WaitTimeout } from '../driver.js';
import { expectV2Rejection } from '../expect.js';
import { limitText, quote, texts, tr, transition } from '../spec-text.js';
import { joinAll } from './v2-steps.js';

/** Not checked without the server's idle settings: an INFORMATIONAL finding, with the reason. */
function needsIdle(ctx: CaseContext): number {
  const idle = ctx.options.idleTimeoutMs;
  if (idle === undefined) {
    return ctx.fail(
      'the server closes idle clients',
      "not checked: the server's idle timeout is not announced on the wire; pass --idle-timeout MS (and --idle-ping MS) to check it",
      'MAY',
    );
  }
  return idle;
}

export const v2IdleCases: Case[] = [
  {
    id: 'v2-chat/11/1',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'An idle client is pinged, and closed with IDLE_TIMEOUT when it does not answer',
    specText: texts(limitText('idlePingMs'), limitText('idleTimeoutMs')),
    covers: [tr('v2/client', 'JOINED', 'ping'), tr('v2/client', 'JOINED', 'error', 'fatal')],
    accepts: ['a ping, then error IDLE_TIMEOUT (fatal) and the close, or the close alone'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'idle');
      a.autoPong = false;
      const started = Date.now();
      const ping = ctx.options.idlePingMs ?? idle;
      const { packet } = await ctx.attempt(
        'a ping from the server',
        `silent for ${ping + ctx.timeout} ms (the suite was told the server pings after ${ping} ms: --idle-ping)`,
        () => a.until((p) => p.type === 'ping' || p.type === 'error', 'a ping', ping + ctx.timeout),
      );
      if (packet.type === 'error') return ctx.fail('a ping first', `error ${packet.code} before any ping`);
      await expectV2Rejection(ctx, a, ['IDLE_TIMEOUT'], 'a client that never answers', {
        waitMs: Math.max(0, started + idle + ctx.timeout - Date.now()),
        byTimer: true,
      });
    },
  },
  {
    id: 'v2-chat/11/5',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description:
      'A client that trickles a record a byte at a time is still pinged and closed with IDLE_TIMEOUT',
    specText: texts(
      limitText('idleTimeoutMs'),
      quote('11', 'A peer is heard when a frame from it is complete'),
    ),
    covers: [],
    accepts: [
      'a ping, then error IDLE_TIMEOUT (fatal) and the close, or the close alone, while bytes still trickle',
    ],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'trickle');
      a.autoPong = false;
      const started = Date.now();
      // A header that promises a body, then the body a byte at a time: no frame is ever complete.
      const bytes = Buffer.from(`1000      ${'x'.repeat(200)}`);
      let sent = 0;
      const timer = setInterval(
        () => {
          if (sent < bytes.length) a.conn.write(bytes.subarray(sent, ++sent));
        },
        Math.max(20, Math.floor(idle / 20)),
      );
      try {
        const ping = ctx.options.idlePingMs ?? idle;
        const { packet } = await ctx.attempt(
          'a ping from the server',
          `no ping within ${ping + ctx.timeout} ms while a byte came every ${Math.floor(idle / 20)} ms: the server counts the bytes of an unfinished frame as hearing from the client`,
          () => a.until((p) => p.type === 'ping' || p.type === 'error', 'a ping', ping + ctx.timeout),
        );
        if (packet.type === 'error') return ctx.fail('a ping first', `error ${packet.code} before any ping`);
        await expectV2Rejection(ctx, a, ['IDLE_TIMEOUT'], 'a client that trickles a record', {
          waitMs: Math.max(0, started + idle + ctx.timeout - Date.now()),
          byTimer: true,
        });
      } finally {
        clearInterval(timer);
      }
    },
  },
  {
    id: 'v2-chat/11/3',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that has not joined yet is pinged too when it is silent',
    specText: limitText('idlePingMs'),
    covers: [tr('v2/client', 'READY', 'ping')],
    accepts: ['a ping before the handshake timeout ends the connection'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      needsIdle(ctx);
      const ping = ctx.options.idlePingMs;
      if (ping === undefined || ping * 2 > ctx.options.handshakeTimeoutMs) {
        return ctx.fail(
          'a ping before join',
          `not checked: needs --idle-ping at most half --handshake-timeout (got ${ping ?? 'none'} and ${ctx.options.handshakeTimeoutMs} ms)`,
          'MAY',
        );
      }
      const v2 = await ctx.v2('unjoined');
      v2.autoPong = false;
      const wait = ctx.options.handshakeTimeoutMs + ctx.timeout;
      await ctx.attempt(
        'a ping',
        `silent and not joined for up to ${wait} ms (the suite was told the server pings after ${ping} ms: --idle-ping)`,
        () => v2.until((p) => p.type === 'ping', 'a ping', wait),
      );
    },
  },
  {
    id: 'v2-chat/11/2',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that answers pings stays connected past the idle timeout',
    specText: texts(limitText('idleTimeoutMs'), transition('v2/server', 'JOINED', 'pong')),
    covers: [],
    accepts: ['the connection is still served after idleTimeout + the suite timeout'],
    waitsFor: 'idle-timeout',
    async run(ctx) {
      const idle = needsIdle(ctx);
      const [a] = await joinAll(ctx, 'awake');
      const until = Date.now() + idle + ctx.timeout;
      while (Date.now() < until) {
        try {
          const got = await a.next('nothing');
          if (!got) return ctx.fail('the connection stays', `closed after ${a.pingsSeen} answered pings`);
          if (got.type === 'error') return ctx.fail('no error', `error ${got.code}`);
        } catch (err) {
          if (!(err instanceof WaitTimeout)) throw err;
        }
      }
      if (!(await a.alive())) ctx.fail('the connection still served', 'no pong');
      ctx.note(`${a.pingsSeen} pings answered`);
    },
  },
];
