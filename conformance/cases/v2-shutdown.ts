/**
 * v2 shutdown (spec 7.9): a stopping server says `goodbye` on every connection that has keys and
 * closes them; a connection it accepts while stopping gets a `refused` record with
 * SERVER_SHUTDOWN, or is closed.
 *
 * How this works: shutdown can be seen only when the suite started the server (--server-cmd), so
 * that it may stop it as an operator would, with SIGTERM (options.stopServer; the runner gives the
 * case a server of its own). Two joined clients and one that has keys but no name wait; the suite
 * stops the server and opens one more connection at once, then reads what each received. Without
 * --server-cmd the case is INFORMATIONAL: the suite never stops a server it did not start.
 */
import { type Case, type CaseContext, describeReply } from '../case.js';
import { ConnectFailed, type RawConnection } from '../driver.js';
import { packetText, pkt, quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';

/** How long a stopping server may take to say goodbye and close (at least the case's wait). */
const stopWait = (ctx: CaseContext) => Math.max(ctx.timeout, 5000);

/** Reads what `session` receives until the close: goodbye before it, and no SERVER_SHUTDOWN error. */
async function expectGoodbye(ctx: CaseContext, session: V2Session, who: string): Promise<void> {
  const seen = await session.drain(stopWait(ctx));
  const types = seen.packets.map((p) => p.type);
  const said = `${who} received ${types.join(', ') || 'nothing'}${seen.closed ? ', then the close' : ''}`;
  const shutdownError = seen.packets.find((p) => p.type === 'error' && p.code === 'SERVER_SHUTDOWN');
  ctx.check(
    shutdownError === undefined,
    'goodbye, never an error SERVER_SHUTDOWN, on a connection with keys',
    `${said} (error ${shutdownError ? describeReply(shutdownError as { type: string; code?: string }) : ''})`,
  );
  ctx.check(types.includes('goodbye'), `goodbye on ${who}'s connection before the close`, said);
  ctx.check(seen.closed, `the close of ${who}'s connection`, `${said}; still open after ${stopWait(ctx)} ms`);
}

/**
 * A connection opened just after the stop: refused at connect, a `refused` record with
 * SERVER_SHUTDOWN then the close, or (accepted before the stop took hold) server_hello and the
 * close, since a connection still in the handshake is closed.
 */
async function expectLateRefused(ctx: CaseContext): Promise<void> {
  let late: RawConnection;
  try {
    late = await ctx.raw('late');
  } catch (err) {
    if (err instanceof ConnectFailed) return ctx.note('a connection opened while stopping was not accepted');
    throw err;
  }
  const closed = await late.waitClosed(stopWait(ctx));
  if (!closed)
    return ctx.fail(
      'a connection opened while stopping: refused SERVER_SHUTDOWN or closed',
      `still open ${stopWait(ctx)} ms after the stop`,
    );
  const refused = late.arrivedIncludes('"refused"');
  if (refused)
    ctx.check(
      late.arrivedIncludes('"SERVER_SHUTDOWN"'),
      'a refused record with SERVER_SHUTDOWN for a connection opened while stopping',
      'a refused record with another code',
    );
  ctx.note(
    `a connection opened while stopping was ${refused ? 'refused (record), then closed' : `closed after ${late.framesArrived} frame(s)`}`,
  );
}

export const v2ShutdownCases: readonly Case[] = [
  {
    id: 'v2-chat/7.9/2',
    section: '7.9',
    profile: 'v2',
    level: 'MUST',
    description:
      'A stopping server (SIGTERM) sends goodbye on every connection with keys and closes it; one opened while it stops is refused with SERVER_SHUTDOWN or closed',
    specText: texts(quote('7.9', 'a stopping server sends'), packetText('v2', 'goodbye')),
    covers: [pkt('v2', 'goodbye'), pkt('v2', 'refused')],
    accepts: [
      'each joined client and each client with keys but no name: goodbye, then the close (no error SERVER_SHUTDOWN)',
      'a connection opened while stopping: not accepted, a refused record SERVER_SHUTDOWN then the close, or the close',
      'without --server-cmd: INFORMATIONAL (the suite stops only a server it started)',
    ],
    stopsServer: true,
    async run(ctx) {
      const stop = ctx.options.stopServer;
      if (!stop)
        return ctx.fail(
          'goodbye on every connection with keys when the server stops',
          'not checked: needs --server-cmd (the suite stops only a server it started)',
          'MAY',
        );
      // Within a small maxClients: the second member and the late connection only when they fit.
      const room = ctx.options.maxClients ?? 4;
      const a = await ctx.v2Joined('byeA');
      const keyed = await ctx.v2('keyed');
      const b = room >= 4 ? await ctx.v2Joined('byeB') : null;
      // Everything the server had to say before the stop is read first (b joining, to a).
      await a.alive();
      await stop();
      await Promise.all([
        expectGoodbye(ctx, a, 'a joined client'),
        expectGoodbye(ctx, keyed, 'a client with keys and no name'),
        b && expectGoodbye(ctx, b, 'another joined client'),
        room >= 3 && expectLateRefused(ctx),
      ]);
    },
  },
];
