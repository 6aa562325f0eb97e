/**
 * Robustness cases (both profiles) and the sanity case: garbage, slow senders, many connections,
 * a flooding client, a reset, and "two clients can chat" before and after everything else.
 *
 * How this works: each case abuses the server on some connections and, while or after it does,
 * checks that two fresh clients can still join and exchange a line (chatRoundTrip). A server that
 * stops answering fails here, and the runner's liveness probe names the case that killed it.
 */
import { randomBytes } from 'node:crypto';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import type { Case, CaseContext } from '../case.js';
import { pause, type RawConnection } from '../driver.js';
import { announcesLeave } from '../presence.js';
import { quote, texts } from '../spec-text.js';
import { chatRoundTrip, expectRefused, open, settleLegacy } from './common.js';

const ROUND_TRIP = 'two fresh clients still join and exchange a line';

async function stillServes(ctx: CaseContext, during: string): Promise<void> {
  const failure = await chatRoundTrip(ctx, 'rt');
  if (failure) ctx.fail(ROUND_TRIP, `${during}, the server did not serve other clients: ${failure}`);
}

function garbageCase(id: string, description: string, what: string, bytes: () => Buffer): Case {
  return {
    id,
    section: '3.2',
    profile: 'both',
    level: 'MUST',
    description,
    specText: quote('3.2', 'MUST reject a header'),
    covers: [],
    accepts: [`the close (v2: no keys yet, so no error packet; legacy has none), then ${ROUND_TRIP}`],
    async run(ctx) {
      const o = await open(ctx, false, 'junk');
      o.conn.write(bytes());
      await expectRefused(ctx, o, ['FRAME_HEADER_INVALID'], what);
      await stillServes(ctx, 'after the garbage');
    },
  };
}

/** Sends one more byte of a never-ending header on each connection every `stepMs`, until stopped. */
function trickle(conns: RawConnection[], stepMs: number): () => void {
  let stopped = false;
  void (async () => {
    for (let i = 0; !stopped; i++) {
      for (const c of conns) c.write(Buffer.from(i === 0 ? '1' : '0'));
      await pause(stepMs);
    }
  })();
  return () => {
    stopped = true;
  };
}

export const sanityCase = (id: string, description: string): Case => ({
  id,
  section: '1',
  profile: 'both',
  level: 'MUST',
  description,
  specText: quote('1', 'the client chooses a name and chats'),
  covers: [],
  accepts: [ROUND_TRIP],
  async run(ctx) {
    await stillServes(ctx, 'in the sanity check');
  },
});

export const robustnessCases: Case[] = [
  garbageCase('robustness/3.2/1', 'Random bytes are refused', '4 KiB of random bytes', () =>
    Buffer.concat([Buffer.from([0xff]), randomBytes(4095)]),
  ),
  garbageCase('robustness/3.2/2', 'An HTTP request is refused', 'an HTTP request', () =>
    Buffer.from('GET / HTTP/1.1\r\nHost: parley\r\n\r\n'),
  ),
  garbageCase('robustness/3.2/3', 'A TLS ClientHello is refused', 'a TLS ClientHello', () =>
    Buffer.from('16030100a5010000a10303', 'hex'),
  ),
  {
    id: 'robustness/11/1',
    section: '11',
    profile: 'both',
    level: 'MUST',
    description: 'Slow senders (slowloris) do not stop the server serving others',
    specText: texts(quote('11', 'Time from accept to a chosen name'), quote('1', 'One server, many clients')),
    covers: [],
    accepts: [`${ROUND_TRIP} while 10 connections trickle a header one byte at a time`],
    async run(ctx) {
      const slow = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.raw(`slow${i}`)));
      const stop = trickle(slow, 50);
      try {
        await stillServes(ctx, 'while 10 connections trickled bytes');
      } finally {
        stop();
      }
    },
  },
  {
    id: 'robustness/11/2',
    section: '11',
    profile: 'both',
    level: 'MUST',
    description: 'Many simultaneous connections are all answered',
    specText: texts(quote('11', 'Connections a server holds at once'), quote('1', 'The server speaks first')),
    covers: [],
    accepts: [`each of 64 connections gets the opening frame, then ${ROUND_TRIP}`],
    async run(ctx) {
      const conns = await Promise.all(Array.from({ length: 64 }, (_, i) => ctx.raw(`many${i}`)));
      const silent = (
        await Promise.all(
          conns.map((c) =>
            c.nextFrame(ctx.timeout * 2).then(
              () => 0,
              () => 1,
            ),
          ),
        )
      ).reduce<number>((a, b) => a + b, 0);
      if (silent > 0)
        ctx.fail(
          'an opening frame on every connection',
          `${silent} of 64 connections got nothing within ${ctx.timeout * 2} ms`,
        );
      await stillServes(ctx, 'with 64 other connections open');
      for (const c of conns) c.destroy();
    },
  },
  {
    id: 'robustness/11/3',
    section: '11',
    profile: 'both',
    level: 'MUST',
    description: 'A client flooding the server does not stop it serving others',
    specText: texts(limitText(), quote('11', 'Bytes a server may hold for one connection')),
    covers: [],
    accepts: [
      `${ROUND_TRIP} while a joined client writes 1 MiB of chat (at most 4096 records) without reading`,
    ],
    async run(ctx) {
      const line = { type: 'say', text: ctx.line(`flood ${'f'.repeat(200)}`) };
      let write: () => Buffer;
      let conn: RawConnection;
      if (ctx.options.profile === 'v2') {
        const v2 = await ctx.v2Joined('flood');
        write = () => Buffer.concat(Array.from({ length: 64 }, () => v2.seal(line)));
        conn = v2.conn;
      } else {
        const legacy = await ctx.legacyJoined('flood');
        const frame = legacy.frame('default', line.text);
        write = () => Buffer.concat(Array.from({ length: 64 }, () => frame));
        conn = legacy.conn;
      }
      let stopped = false;
      const flood = (async () => {
        // 1 MiB, or 4096 records when lines are short (a small maxMessage): the load stays the
        // same in records, which is what costs a server work.
        for (let sent = 0, records = 0; sent < 1 << 20 && records < 4096 && !stopped && !conn.closed; ) {
          const chunk = write();
          sent += chunk.length;
          records += 64;
          await conn.writeFlushed(chunk);
        }
      })();
      let during: string | null = null;
      try {
        during = await chatRoundTrip(ctx, 'rt');
      } finally {
        stopped = true;
        conn.destroy();
        await flood;
      }
      if (!during) return;
      // Served late is not the same as stopped: with a short handshake timeout a fresh client can
      // be timed out while the server (or this suite, sealing the flood) is busy. A server that
      // serves again once the flood ends was slowed, a SHOULD; one that does not has stopped.
      await stillServes(ctx, `after another client flooded it (and during the flood: ${during})`);
      ctx.fail(
        `${ROUND_TRIP} during the flood`,
        `during the flood the server did not serve other clients (${during}); it did once the flood ended`,
        'SHOULD',
      );
    },
  },
  {
    id: 'robustness/3.3/1',
    section: '3.3',
    profile: 'both',
    level: 'MUST',
    description: 'A client that resets its connection mid-frame does not disturb the others',
    specText: quote('3.3', 'A stream that ends inside a header or a body is FRAME_TRUNCATED'),
    covers: [],
    accepts: [`the others are told the user left, then ${ROUND_TRIP}`],
    async run(ctx) {
      if (ctx.options.profile === 'v2') {
        const [a, b] = [await ctx.v2Joined('rstA'), await ctx.v2Joined('rstB')];
        await b.conn.writeFlushed(b.seal({ type: 'say', text: 'half' }).subarray(0, 20));
        b.conn.reset();
        await ctx.attempt(`user_left ${b.name}`, 'after a reset', () =>
          a.until(announcesLeave(b.name!), 'user_left'),
        );
      } else {
        const [a, b] = [await ctx.legacyJoined('rstA'), await ctx.legacyJoined('rstB')];
        await settleLegacy(ctx, [a, b]);
        await b.conn.writeFlushed(encodeFrame('half a frame').subarray(0, 8));
        b.conn.reset();
        await ctx.attempt('the leave notice', 'after a reset', () =>
          a.until((r) => String(r.packet.cont).includes(`[${b.name}]`), 'the leave notice'),
        );
      }
      await stillServes(ctx, 'after a client reset');
    },
  },
];

function limitText(): string {
  return quote('11', "Size of each connection's token bucket");
}
