/**
 * Survival cases (both profiles, spec 4 and 11): a client that leaves at any step, a server that is
 * full, a client that stops reading. Each proves afterwards that the server still serves.
 *
 * How this works: an early-leave case walks a client to one step of the opening, the key exchange
 * or the join, and drops it there (a close, or a reset); then two fresh clients must still chat.
 * A server whose accept loop dies when a client leaves mid-handshake (the original pyChat) fails
 * the step that kills it, and with --server-cmd the runner names that step as CRASHED. The
 * SERVER_FULL and SLOW_READER cases need a limit the wire does not announce: --max-clients and
 * --max-queued-bytes, or {max-clients} / {max-queued-bytes} in --server-cmd, which gives them a
 * server of their own; without it they are INFORMATIONAL.
 */

import { LEGACY_PACKET_INFO } from '../../src/generated/legacy-packets.js';
import { V2_PACKET_INFO } from '../../src/generated/v2-packets.js';
import { type Case, type CaseContext, CaseStop } from '../case.js';
import { pause, type RawConnection } from '../driver.js';
import { limitText, quote, texts } from '../spec-text.js';
import { knownSetting, refusedAtAccept, servedAgain, unknown } from './capacity.js';
import { chatRoundTrip, open, settleLegacy, validFrame } from './common.js';

const SURVIVES = 'the server closes that connection only and two fresh clients still join and chat';
const survivalText = texts(
  quote('4', 'A fatal error moves the connection to ERROR'),
  quote('12', 'the process carries on'),
);

async function stillServes(ctx: CaseContext, after: string): Promise<void> {
  const failure = await chatRoundTrip(ctx, 'rt');
  if (failure) ctx.fail(SURVIVES, `after ${after}, the server no longer served other clients: ${failure}`);
}

interface Step {
  readonly what: string;
  /** Walks a connection to the step; returns it still open. */
  reach(ctx: CaseContext): Promise<RawConnection>;
}

const legacy = (ctx: CaseContext) => ctx.options.profile === 'legacy';

const STEPS: readonly Step[] = [
  {
    what: 'right after connecting, before the server spoke',
    reach: (ctx) => ctx.raw('early'),
  },
  {
    what: "inside the server's opening (legacy: after iv_exc, before key_exc; v2: once server_hello starts)",
    async reach(ctx) {
      const conn = await ctx.raw('early');
      await conn.wait(ctx.timeout, () => (legacy(ctx) ? conn.framesArrived >= 1 : conn.bytesReceived > 0));
      return conn;
    },
  },
  {
    what: "after the server's opening, before the client's first frame",
    reach: async (ctx) => (await open(ctx, false, 'early')).conn,
  },
  {
    what: "inside the header of the client's first frame",
    async reach(ctx) {
      const o = await open(ctx, false, 'early');
      await o.conn.writeFlushed(validFrame(o).subarray(0, 5));
      return o.conn;
    },
  },
  {
    what: "inside the body of the client's first frame",
    async reach(ctx) {
      const o = await open(ctx, false, 'early');
      const frame = validFrame(o);
      await o.conn.writeFlushed(frame.subarray(0, 10 + Math.floor((frame.length - 10) / 2)));
      return o.conn;
    },
  },
  {
    what: "right after the client's key exchange frame, before the server's answer",
    async reach(ctx) {
      const o = await open(ctx, false, 'early');
      await o.conn.writeFlushed(o.v2 ? o.v2.prepareClientHello() : o.legacy!.prepareKeyExchange());
      return o.conn;
    },
  },
  {
    what: 'after the key exchange, before choosing a name',
    reach: async (ctx) => (await open(ctx, true, 'early')).conn,
  },
  {
    what: 'inside the frame that asks for a name',
    async reach(ctx) {
      const o = await open(ctx, true, 'early');
      const frame = validFrame(o);
      await o.conn.writeFlushed(frame.subarray(0, frame.length - 3));
      return o.conn;
    },
  },
  {
    what: 'after joining, without a goodbye',
    async reach(ctx) {
      if (!legacy(ctx)) return (await ctx.v2Joined('gone')).conn;
      // Once the server is done with the join (its list update came): a leave inside the join
      // is legacy-chat/10.4/2.
      const s = await ctx.legacyJoined('gone');
      await settleLegacy(ctx, [s]);
      return s.conn;
    },
  },
];

function earlyLeave(n: number, step: Step, reset: boolean): Case {
  const how = reset ? 'resets its connection (RST)' : 'closes its connection';
  return {
    id: `robustness/4/${n}`,
    section: '4',
    profile: 'both',
    level: 'MUST',
    description: `A client that ${how} ${step.what} does not stop the server`,
    specText: survivalText,
    covers: [],
    accepts: [SURVIVES],
    async run(ctx) {
      const conn = await step.reach(ctx);
      if (reset) conn.reset();
      else conn.destroy();
      await stillServes(
        ctx,
        `a client ${how === 'closes its connection' ? 'closed its connection' : 'reset its connection'} ${step.what}`,
      );
    },
  };
}

const earlyLeaveCases: Case[] = [
  ...STEPS.map((step, i) => earlyLeave(i + 1, step, false)),
  earlyLeave(STEPS.length + 1, STEPS[1], true),
  earlyLeave(STEPS.length + 2, STEPS[STEPS.length - 1], true),
];

/** The most connections the suite opens to fill a server (SERVER_FULL). */
const MOST_HELD = 64;

const FULL =
  'the connection beyond maxClients is closed without being served (v2: after one plaintext refused packet with SERVER_FULL, 5.10; legacy: without a word); the held ones stay connected; a freed slot is served again';

const serverFull: Case = {
  id: 'robustness/11/4',
  section: '11',
  profile: 'both',
  level: 'MUST',
  description: 'A connection beyond maxClients is refused (SERVER_FULL), and a freed slot is served again',
  specText: texts(limitText('maxClients'), quote('12', 'The server holds maxClients connections already')),
  covers: [],
  accepts: [FULL],
  needs: { 'max-clients': 3 },
  async run(ctx) {
    const max = knownSetting(ctx, FULL, 'maxClients', {
      max: MOST_HELD,
      what: `the suite fills a server of at most ${MOST_HELD}`,
    });
    // The held clients join, so no handshake timeout frees a slot while the case runs.
    const held: RawConnection[] = [];
    for (let i = 0; i < max; i++) {
      try {
        held.push(
          legacy(ctx) ? (await ctx.legacyJoined(`hold${i}`)).conn : (await ctx.v2Joined(`hold${i}`)).conn,
        );
      } catch (err) {
        if (err instanceof CaseStop) throw err;
        unknown(
          ctx,
          FULL,
          `connection ${i + 1} of ${max} was not served (${(err as Error).message}): other clients (another run, or the suite's timer cases) share the server`,
        );
      }
    }
    const gone = held.filter((c) => c.closed).length;
    if (gone > 0)
      unknown(
        ctx,
        FULL,
        `${gone} of the ${max} held connections were closed by the server meanwhile (a timer?), so connection ${max + 1} may have taken a free slot`,
      );
    // No keys exist yet: v2 says SERVER_FULL in a plaintext `refused` record (5.10).
    const frames = await refusedAtAccept(ctx, {
      code: 'SERVER_FULL',
      expected: FULL,
      what: `connection ${max + 1} (maxClients is ${max})`,
    });
    ctx.note(frames.length ? `refused after ${frames.length} plaintext frame(s)` : 'refused with the close');
    // A freed slot is served again (the server may take a moment to notice the close).
    held[held.length - 1].destroy();
    await servedAgain(ctx, FULL, `after one of ${max} held connections closed`, async (attempt) => {
      await open(ctx, true, `again${attempt}`);
      return true;
    });
  },
};

const ROOM =
  'with maxClients connections held that have not joined, two newcomers are served, join and chat: the two oldest held connections are closed to make room (v2: error HANDSHAKE_TIMEOUT or the close alone; legacy: the close), the newest stays';

/**
 * 11.2: connections that never finish their handshake or join cannot lock newcomers out. The held
 * connections only read the server's opening; they would time out by themselves after the
 * handshake timeout, so a run that outlasts it cannot tell and is INFORMATIONAL.
 */
const makesRoom: Case = {
  id: 'robustness/11/9',
  section: '11',
  profile: 'both',
  level: 'MUST',
  description:
    'A full server closes its oldest connection that has not joined to serve a newcomer (silent connections cannot lock newcomers out)',
  specText: texts(limitText('maxClients'), quote('12', 'before it had to make room for a newer connection')),
  covers: [],
  accepts: [ROOM],
  needs: { 'max-clients': 3 },
  async run(ctx) {
    const max = knownSetting(ctx, ROOM, 'maxClients', {
      min: 3,
      max: MOST_HELD,
      what: `the case fills a server of 3 to ${MOST_HELD}`,
    });
    const started = performance.now();
    const timedOut = () => performance.now() - started >= ctx.options.handshakeTimeoutMs;
    const held: RawConnection[] = [];
    // One at a time, each served before the next is opened: the server's order is the suite's.
    for (let i = 0; i < max; i++) held.push((await open(ctx, false, `silent${i}`)).conn);
    const failure = await chatRoundTrip(ctx, 'newcomer');
    if (timedOut())
      unknown(
        ctx,
        ROOM,
        `the case took longer than the handshake timeout (${ctx.options.handshakeTimeoutMs} ms), so the held connections may have timed out by themselves`,
      );
    if (failure)
      ctx.fail(
        ROOM,
        `with ${max} connections held that had not joined, newcomers could not join and chat: ${failure}`,
      );
    for (const [i, conn] of held.slice(0, 2).entries())
      if (!(await conn.wait(ctx.timeout, () => conn.closed)))
        ctx.fail(
          ROOM,
          `held connection ${i + 1} of ${max} (among the oldest) stayed open after two newcomers joined`,
        );
    const newest = held[max - 1];
    if (newest.closed && !timedOut())
      ctx.fail(
        ROOM,
        `the newest held connection was closed too (${max} held, two newcomers): not the oldest first`,
      );
    ctx.note(`the two oldest of ${max} held connections were closed for the newcomers`);
  },
};

/**
 * Bytes past which a server must have held data in its own memory: more than the kernel buffers
 * of a loopback connection (a correct server on Linux got about 4 MiB to a client that read
 * nothing before it gave up).
 */
const BEYOND_KERNEL = 8 * 1024 * 1024;
const SLOW =
  'the server holds no more than its limit for a reader that reads nothing (v2: one export in flight, chat lines skipped; or it disconnects it with SLOW_READER) while the others are served at once';

const slowReader: Case = {
  id: 'robustness/11/5',
  section: '11',
  profile: 'both',
  level: 'MUST',
  description:
    'A client that stops reading never makes the server hold more than its limit (or is disconnected: SLOW_READER), and never holds up the others',
  specText: texts(limitText('maxQueuedBytes'), quote('12', 'The peer read too slowly')),
  covers: [],
  accepts: [SLOW],
  // A burst that holds 20 exports: what is asked must outgrow the kernel's buffers.
  needs: { 'max-queued-bytes': 4096, 'rate-burst': 200 },
  async run(ctx) {
    const limit = knownSetting(ctx, SLOW, 'maxQueuedBytes');
    const isLegacy = legacy(ctx);
    const say = async (base: string, text: string, times: number) => {
      if (isLegacy) {
        const s = await ctx.legacyJoined(base);
        for (let i = 0; i < times; i++) s.sendPacket('default', `${text} ${i}`);
        return s.conn;
      }
      const s = await ctx.v2Joined(base);
      s.send(...Array.from({ length: times }, (_, i) => ({ type: 'say', text: `${text} ${i}` })));
      return s.conn;
    };
    // The room fills the history with long lines; then the slow reader joins, stops reading, and
    // asks for the export a burst of times: every reply is the whole history, far more than any
    // kernel buffers for a socket nobody reads.
    const lineLength = Math.max(1, Math.min(ctx.options.maxMessage, 2000) - 12);
    const perSender = Math.min(ctx.options.burst, 20);
    const long = 'w'.repeat(lineLength);
    const senders: RawConnection[] = [];
    for (let batch = 0; batch < 15; batch += 5)
      senders.push(
        ...(await Promise.all([0, 1, 2, 3, 4].map((i) => say(`fill${batch + i}`, long, perSender)))),
      );
    const slow = isLegacy ? await ctx.legacyJoined('slow') : await ctx.v2Joined('slow');
    slow.conn.stopReading();
    // Each export takes its rateCost (7.8): as many as the server's burst allows, up to 20.
    const exportCost = isLegacy ? LEGACY_PACKET_INFO.export.rateCost! : V2_PACKET_INFO.export.rateCost!;
    const exports = Math.max(1, Math.min(Math.floor(ctx.options.burst / exportCost) - 1, 20));
    for (let i = 0; i < exports; i++) {
      if (isLegacy)
        (slow as Awaited<ReturnType<CaseContext['legacyJoined']>>).sendPacket('export', '[export_chat]');
      else (slow as Awaited<ReturnType<CaseContext['v2Joined']>>).send({ type: 'export' });
    }
    // While it reads nothing, the others are served at once (11: the others never wait for it).
    const failure = await chatRoundTrip(ctx, 'rt');
    if (failure) ctx.fail(SLOW, `while one client read nothing, the others were not served: ${failure}`);
    for (const s of senders) s.destroy();
    // A server may end the connection gracefully, letting the queue drain for a moment; it must not
    // keep it for long. Stay stalled well past such a grace, then read what is left.
    // It keeps talking meanwhile (an unsolicited pong is ignored, 7.8), so no idle timeout is what
    // closes it.
    const stallUntil = Date.now() + Math.max(2 * ctx.timeout, 3000);
    while (Date.now() < stallUntil) {
      if (!isLegacy) (slow as Awaited<ReturnType<CaseContext['v2Joined']>>).send({ type: 'pong', n: 0 });
      await pause(100);
    }
    slow.conn.resumeReading();
    const deadline = Date.now() + Math.max(ctx.timeout * 5, 5000);
    let last = -1;
    while (!slow.conn.closed && Date.now() < deadline && slow.conn.bytesReceived !== last) {
      last = slow.conn.bytesReceived;
      await slow.conn.wait(ctx.timeout, () => slow.conn.closed || slow.conn.bytesReceived > last + (1 << 20));
    }
    const got = slow.conn.bytesReceived;
    // Kernel buffers hold a few MiB at most; whatever reached the client beyond that, the server
    // kept in its own memory for a client that read nothing.
    if (got > BEYOND_KERNEL + limit)
      ctx.fail(
        SLOW,
        `the server held about ${got - BEYOND_KERNEL} bytes or more for a client that read nothing (maxQueuedBytes ${limit}): ${got} bytes reached it${slow.conn.closed ? ' before the close' : ', and it was never disconnected'}`,
      );
    if (slow.conn.closed) {
      ctx.note(`disconnected after ${got} bytes reached it`);
      return;
    }
    // v2 (7.7): one export is in flight per connection and the rest are refused, so the history,
    // filled well past what the kernel holds once the exports are counted, cannot pile up.
    if (!isLegacy) {
      ctx.note(`stayed connected; ${got} bytes reached it once it read again, within the limit`);
      return;
    }
    unknown(
      ctx,
      SLOW,
      `the client stayed connected, but only ${got} bytes reached it: too little to prove the server held more than ${limit} bytes itself (the history may be short, or the server stopped reading the client)`,
    );
  },
};

export const survivalCases: Case[] = [...earlyLeaveCases, serverFull, makesRoom, slowReader];
