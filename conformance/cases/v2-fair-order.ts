/**
 * v2 fair order (spec 11.3): the chat lines waiting for a member are served by sender in turn,
 * and a sender that had nothing waiting (an honest member saying one line in a flood) goes before
 * the backlogs. A member that stopped reading while flooders said their bursts gets an honest
 * line said after the flood before flood lines the server accepted earlier.
 *
 * How this works: the reader stops reading; flooders (each within its burst, 7.8) say long lines
 * until the flood is several times what a loopback connection's kernel buffers hold, so that much
 * of it still waits in the server for the reader; the honest member, who reads promptly, sees the
 * whole flood accepted (the server's order: the ids, 7.3) and then says one line. The reader reads
 * again until that line, and on until a second honest line said once the first arrived: a server
 * that keeps its order (FIFO) sends the honest line after every flood line accepted before it, a
 * fair one before the flood lines that were still waiting in it (what was sealed or in the kernel
 * already comes first either way). The flooders stay joined until the end (a leave is a barrier,
 * 11.3). The case ends with a line from the reader reaching the honest member and a flooder.
 */
import { V2_PACKET_INFO, type V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { limitText, quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { tag } from './v2-steps.js';

/**
 * Flooders, and how many say their bursts at once: with 18 lines of about 6 kB each, a step is
 * about 430 kB (less than a member's queue limit, so that nothing is shed while the reader's
 * kernel buffers fill) and the flood about 5.2 MB, more than those buffers hold (a loopback
 * connection whose reader stopped took 2 MB in the suite's runs; its send buffer may grow to 4 MB).
 */
const FLOODERS = 48;
const STEP = 4;
/** Idle timers (idlePingMs, idleTimeoutMs) the case needs: longer than it holds a silent reader. */
const IDLE_NEEDED_MS = 30_000;

const FAIR =
  'the honest line said after the flood reaches the member that stopped reading before flood lines the server accepted earlier (only what was already sealed or in flight comes first), and everyone still chats';

/** The message packets' text and id. */
function lines(packets: readonly V2ServerPacket[]): { text: string; id: number }[] {
  return packets.flatMap((p) => (p.type === 'message' ? [{ text: p.text, id: p.id }] : []));
}

export const v2FairOrderCases: Case[] = [
  {
    id: 'robustness/11.3/1',
    section: '11.3',
    profile: 'v2',
    level: 'MUST',
    description:
      "An honest line said during a flood reaches a member that fell behind before the flood's backlog (fair order)",
    specText: texts(quote('11.3', 'a sender is new when'), limitText('maxQueuedBytes')),
    covers: [],
    accepts: [FAIR],
    absence: true,
    async run(ctx) {
      if (ctx.options.maxMessage < 1000)
        return ctx.fail(
          FAIR,
          `not checked: maxMessage ${ctx.options.maxMessage} is too short to outgrow a connection's kernel buffers within the rate limit`,
          'MAY',
        );
      // The reader and the flooders read nothing for seconds: a server that pings them meanwhile
      // queues a barrier (11.3) and then closes them (idleTimeoutMs).
      const idle = Math.min(
        ctx.options.idlePingMs ?? IDLE_NEEDED_MS,
        ctx.options.idleTimeoutMs ?? IDLE_NEEDED_MS,
      );
      if (idle < IDLE_NEEDED_MS)
        return ctx.fail(
          FAIR,
          `not checked: the server pings idle connections within ${idle} ms, and the case holds connections that read nothing for longer (run it with idle timers of at least ${IDLE_NEEDED_MS} ms)`,
          'MAY',
        );
      const reader = await ctx.v2Joined('fairread');
      const honest = await ctx.v2Joined('fairhonest');
      const joinCost = Math.min(V2_PACKET_INFO.join.rateCost ?? 0, ctx.options.burst);
      const perFlooder = Math.max(1, Math.min(ctx.options.burst - joinCost, 20));
      const mark = tag();
      const chars = Math.min(ctx.options.maxMessage, 2000) - 40;
      const flooders: V2Session[] = [];
      // Everyone joins before the flood: presence is a barrier (11.3) and must not come between.
      for (let i = 0; i < FLOODERS; i++) flooders.push(await ctx.v2Joined(`fairflood${i}`));
      // What the flooders are sent waits in the server and their kernels, not in the suite.
      for (const f of flooders) f.conn.stopReading();
      // Its own line comes back after every presence notice queued before it (presenceBatchMs).
      const sync = ctx.line(`${mark} joined`);
      reader.send({ type: 'say', text: sync });
      await ctx.attempt(FAIR, 'after the flooders joined', () =>
        reader.until((p) => p.type === 'message' && p.text === sync, 'its own line'),
      );
      reader.conn.stopReading();
      const wait = Math.max(ctx.timeout * 10, 30_000);
      const flood: { text: string; id: number }[] = [];
      // In steps: the first ones fill what the kernel holds for the reader (that cannot be
      // reordered), the last ones then wait in the server, where fair order applies.
      for (let from = 0; from < FLOODERS; from += STEP) {
        const to = Math.min(FLOODERS, from + STEP);
        const last = `${mark} f${to - 1} ${perFlooder - 1} `;
        const sawWave = honest.until(
          (p) => p.type === 'message' && p.text.startsWith(last),
          'the last flood line',
          wait,
        );
        sawWave.catch(() => {});
        for (let i = from; i < to; i++)
          flooders[i].send(
            ...Array.from({ length: perFlooder }, (_, k) => ({
              type: 'say',
              text: `${mark} f${i} ${k} ${'\u754c'.repeat(chars)}`.slice(0, ctx.options.maxMessage),
            })),
          );
        const seen = await ctx.attempt(FAIR, 'while the flooders said their bursts', () => sawWave);
        flood.push(...lines([...seen.skipped, seen.packet]).filter((l) => l.text.startsWith(`${mark} f`)));
      }
      // The honest line, once the server has accepted the whole flood.
      const first = ctx.line(`${mark} honest first`);
      honest.send({ type: 'say', text: first });
      const echo = await ctx.attempt(FAIR, 'the honest line at its sender', () =>
        honest.until((p) => p.type === 'message' && p.text === first, 'its own line', wait),
      );
      const honestId = echo.packet.type === 'message' ? echo.packet.id : 0;
      reader.conn.resumeReading();
      const before = await ctx.attempt(FAIR, 'the reader reading again', () =>
        reader.until((p) => p.type === 'message' && p.text === first, 'the honest line', wait),
      );
      const second = ctx.line(`${mark} honest second`);
      honest.send({ type: 'say', text: second });
      const after = await ctx.attempt(FAIR, 'the reader after the honest line', () =>
        reader.until((p) => p.type === 'message' && p.text === second, 'the second honest line', wait),
      );
      const earlier = (l: { text: string; id: number }) => l.text.startsWith(`${mark} f`) && l.id < honestId;
      const behind = lines(after.skipped).filter(earlier);
      const ahead = lines(before.skipped).filter(earlier);
      ctx.note(
        `${flood.length} flood lines accepted before the honest line (id ${honestId}); at the reader ${ahead.length} came before it and ${behind.length} after it`,
      );
      ctx.check(
        behind.length > 0,
        FAIR,
        `the honest line (id ${honestId}) came after all ${ahead.length} flood lines the reader got that the server accepted before it, none after: the server kept its order`,
      );
      // The server still serves everyone: the reader's line reaches the honest member and a flooder.
      const witness = ctx.line(`${mark} reader after`);
      reader.send({ type: 'say', text: witness });
      flooders[0].conn.resumeReading();
      for (const who of [honest, flooders[0]])
        await ctx.attempt(FAIR, `the reader's line at ${who.name}`, () =>
          who.until((p) => p.type === 'message' && p.text === witness, "the reader's line", wait),
        );
      for (const f of flooders) f.conn.destroy();
    },
  },
];
