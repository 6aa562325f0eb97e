/**
 * v2 output cases (spec 7.7, 7.15, 11): a server's replies and fan-out within its limits. An
 * honest export of a full history completes; a second export, or a `rooms`, while one is in flight
 * is refused with a non-fatal RATE_LIMITED while the first completes; a member that reads slowly
 * but steadily is not dropped when the room bursts (its chat lines may be skipped: LINES_SKIPPED).
 *
 * How this works: the room is filled within the rate limit: each of many senders says its burst
 * of long lines once, and a member that reads promptly waits until it has every line, so the
 * history holds them before anything is asked. The slow member reads in short spells (the
 * driver pauses and resumes its socket), so the kernel's buffers fill and the server's queue for
 * it is what decides. Each case ends with a chat round trip (absence: a dead room cannot pass).
 */
import { V2_PACKET_INFO, type V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { pause } from '../driver.js';
import { limitText, packetText, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { member, roomsOffered } from './v2-room-steps.js';
import { tag } from './v2-steps.js';

/** Lines of the fill, at most: within the default history (1,000 entries) with room to spare. */
const FILL_LINES = 300;
/** Lines of the export a `rooms` meets in flight (7.15): about 200 kB, several windows. */
const BUSY_FILL_LINES = 100;
/** Lines of the burst the slow member gets (100 senders of 20 at the default rate limit). */
const BURST_LINES = 600;

/**
 * Fills the room's history with `lines` lines of about `chars` characters of `fillChar`, said by
 * senders of their own within the burst; `witness` (joined before) reads them all, so the
 * history holds them when this returns. Returns the senders (still joined) and the mark in the
 * lines.
 */
async function fill(
  ctx: CaseContext,
  witness: V2Session,
  lines: number,
  fillChar: string,
): Promise<{ senders: V2Session[]; mark: string }> {
  // What a sender may say at once: its burst less what its join took (both 7.8 rateCosts).
  const joinCost = Math.min(V2_PACKET_INFO.join.rateCost ?? 0, ctx.options.burst);
  const perSender = Math.max(1, Math.min(ctx.options.burst - joinCost, 20));
  const chars = Math.max(1, Math.min(ctx.options.maxMessage, 2000) - 24);
  const mark = tag();
  // The witness reads all along (and so answers pings) while the senders join, until the last
  // line: a server may skip older lines for it in the burst (11, LINES_SKIPPED), never the last.
  const wait = Math.max(ctx.timeout * 10, 30_000);
  const last = `${mark} ${lines - 1} `;
  const reading = witness.until(
    (p) => p.type === 'message' && p.text.startsWith(last),
    `the last fill line (${lines})`,
    wait,
  );
  reading.catch(() => {});
  const senders: V2Session[] = [];
  let sent = 0;
  for (let i = 0; sent < lines; i++) {
    const s = await ctx.v2Joined(`fill${i}`);
    senders.push(s);
    const n = Math.min(perSender, lines - sent);
    s.send(
      ...Array.from({ length: n }, (_, k) => ({
        type: 'say',
        text: `${mark} ${sent + k} ${fillChar.repeat(chars)}`.slice(0, ctx.options.maxMessage),
      })),
    );
    sent += n;
  }
  await reading;
  return { senders, mark };
}

/**
 * The server's queue limit, which these cases need: they move hundreds of kB to outgrow it, so
 * they run only when it is given (--max-queued-bytes, {max-queued-bytes}); else INFORMATIONAL.
 */
function queueLimit(ctx: CaseContext, expected: string): number {
  const limit = ctx.options.maxQueuedBytes;
  if (limit === undefined)
    return ctx.fail(
      expected,
      "not checked: the server's maxQueuedBytes is not announced; give --max-queued-bytes (or {max-queued-bytes} in --server-cmd) to run this case",
      'MAY',
    );
  return limit;
}

/** Reads export_reply parts until `done`; the other packets it met on the way. */
async function readExport(
  asker: V2Session,
  timeoutMs: number,
): Promise<{ parts: number; entries: number; others: V2ServerPacket[] }> {
  let parts = 0;
  let entries = 0;
  const others: V2ServerPacket[] = [];
  for (;;) {
    const { packet, skipped } = await asker.until(
      (p) => p.type === 'export_reply',
      'export_reply',
      timeoutMs,
    );
    others.push(...skipped);
    if (packet.type !== 'export_reply') continue;
    parts++;
    entries += packet.entries.length;
    if (packet.done) return { parts, entries, others };
  }
}

const COMPLETES = 'the export of the full history arrives whole (done: true) and the asker stays connected';
const ONE_IN_FLIGHT =
  'the second export gets one non-fatal error RATE_LIMITED; the first export completes, once; the connection stays';
const LIST_BUSY =
  'the rooms sent with an export gets one non-fatal error RATE_LIMITED and no room_list; the export completes; rooms after it gets room_list';
const KEPT =
  'the member that reads slowly but steadily is not disconnected; it gets each line or a non-fatal LINES_SKIPPED';

export const v2OutputCases: Case[] = [
  {
    id: 'v2-chat/7.7/2',
    section: '7.7',
    profile: 'v2',
    level: 'MUST',
    description: 'An export of a full history completes for a client that reads promptly (never SLOW_READER)',
    specText: texts(packetText('v2', 'export_reply'), limitText('sendWindowBytes')),
    covers: [],
    accepts: [COMPLETES],
    absence: true,
    needs: { 'max-queued-bytes': 65536 },
    async run(ctx) {
      queueLimit(ctx, COMPLETES);
      const asker = await ctx.v2Joined('asker');
      const { senders } = await fill(ctx, asker, FILL_LINES, 'w');
      asker.send({ type: 'export' });
      const got = await ctx.attempt(COMPLETES, 'after one export of the full history', () =>
        readExport(asker, Math.max(ctx.timeout * 5, 10_000)),
      );
      ctx.check(
        got.entries >= FILL_LINES,
        COMPLETES,
        `${got.entries} entries in ${got.parts} parts: fewer than the ${FILL_LINES} lines said`,
      );
      const fatal = got.others.find((p) => p.type === 'error' && p.fatal);
      if (fatal) ctx.fail(COMPLETES, `a fatal error came with the export: ${JSON.stringify(fatal)}`);
      // And the asker is still here: its own line comes back (no SLOW_READER after the reply).
      const after = ctx.line(`after export ${tag()}`);
      asker.send({ type: 'say', text: after });
      await ctx.attempt(COMPLETES, 'after the export', () =>
        asker.until((p) => p.type === 'message' && p.text === after, 'its own line after the export'),
      );
      ctx.note(`${got.entries} entries in ${got.parts} export_reply parts`);
      for (const s of senders) s.conn.destroy();
    },
  },
  {
    id: 'v2-chat/7.7/3',
    section: '7.7',
    profile: 'v2',
    level: 'MUST',
    description: 'A second export while one is in flight gets a non-fatal RATE_LIMITED; the first completes',
    specText: packetText('v2', 'export'),
    covers: [],
    accepts: [ONE_IN_FLIGHT],
    absence: true,
    needs: { 'max-queued-bytes': 65536 },
    async run(ctx) {
      queueLimit(ctx, ONE_IN_FLIGHT);
      const asker = await ctx.v2Joined('twice');
      const { senders } = await fill(ctx, asker, FILL_LINES, 'v');
      // Both in one record (6.1): the first reply, hundreds of kB, cannot be complete when the
      // second is read.
      asker.send({ type: 'export' }, { type: 'export' });
      const wait = Math.max(ctx.timeout * 5, 10_000);
      const first = await ctx.attempt(ONE_IN_FLIGHT, 'after two exports in one record', () =>
        readExport(asker, wait),
      );
      // Whatever came after the first reply: a second reply would follow at once.
      const after: V2ServerPacket[] = [...first.others];
      const witness = ctx.line(`after exports ${tag()}`);
      asker.send({ type: 'say', text: witness });
      const { skipped } = await ctx.attempt(ONE_IN_FLIGHT, 'after the first export', () =>
        asker.until(
          (p) => p.type === 'message' && p.text === witness,
          'its own line after the exports',
          wait,
        ),
      );
      after.push(...skipped);
      const errors = after.filter((p) => p.type === 'error');
      const replies = after.filter((p) => p.type === 'export_reply');
      ctx.check(
        errors.length === 1 &&
          errors[0].type === 'error' &&
          errors[0].code === 'RATE_LIMITED' &&
          !errors[0].fatal &&
          replies.every((p) => p.type === 'export_reply' && !p.done),
        ONE_IN_FLIGHT,
        `errors ${JSON.stringify(errors)}; a second complete reply: ${replies.some((p) => p.type === 'export_reply' && p.done)}`,
      );
      for (const s of senders) s.conn.destroy();
    },
  },
  {
    id: 'v2-chat/7.15/19',
    section: '7.15',
    profile: 'v2',
    level: 'MUST',
    description:
      'A room list is a large reply: rooms while an export is in flight gets a non-fatal RATE_LIMITED, not a room_list',
    specText: texts(packetText('v2', 'rooms'), packetText('v2', 'room_list')),
    covers: [],
    accepts: [LIST_BUSY, 'nothing to check when the server does not offer rooms'],
    absence: true,
    async run(ctx) {
      if (!(await roomsOffered(ctx))) return;
      // The export must be several windows long, so that it is surely in flight when `rooms` is read.
      if (ctx.options.maxMessage < 1000)
        return ctx.fail(
          LIST_BUSY,
          `not checked: maxMessage ${ctx.options.maxMessage} is too short to fill a history of several windows`,
          'MAY',
        );
      const asker = await member(ctx, 'listbusy');
      const { senders } = await fill(ctx, asker, BUSY_FILL_LINES, 'l');
      // Both in one record (6.1): the export's reply, about 200 kB, cannot be complete when the
      // `rooms` is read. Together with the join they cost 13 tokens (7.8): within any default burst.
      asker.send({ type: 'export' }, { type: 'rooms' });
      const wait = Math.max(ctx.timeout * 5, 10_000);
      const first = await ctx.attempt(LIST_BUSY, 'after export and rooms in one record', () =>
        readExport(asker, wait),
      );
      const after: V2ServerPacket[] = [...first.others];
      const witness = ctx.line(`after export and rooms ${tag()}`);
      asker.send({ type: 'say', text: witness });
      const { skipped } = await ctx.attempt(LIST_BUSY, 'after the export', () =>
        asker.until((p) => p.type === 'message' && p.text === witness, 'its own line after the export', wait),
      );
      after.push(...skipped);
      const errors = after.filter((p) => p.type === 'error');
      const lists = after.filter((p) => p.type === 'room_list');
      ctx.check(
        errors.length === 1 &&
          errors[0].type === 'error' &&
          errors[0].code === 'RATE_LIMITED' &&
          !errors[0].fatal &&
          lists.length === 0,
        LIST_BUSY,
        `errors ${JSON.stringify(errors)}; ${lists.length} room_list part(s) while the export was in flight`,
      );
      // Once the export is complete, `rooms` is answered.
      asker.send({ type: 'rooms' });
      await ctx.attempt(LIST_BUSY, 'rooms after the export', () =>
        asker.until((p) => p.type === 'room_list', 'room_list after the export', wait),
      );
      for (const s of senders) s.conn.destroy();
    },
  },
  {
    id: 'robustness/11/8',
    section: '11',
    profile: 'v2',
    level: 'MUST',
    description:
      'A member that reads slowly but steadily is not dropped when the room bursts within its limits',
    specText: texts(limitText('maxQueuedBytes'), limitText('slowReaderMs')),
    covers: [],
    accepts: [KEPT],
    absence: true,
    needs: { 'max-queued-bytes': 65536 },
    async run(ctx) {
      queueLimit(ctx, KEPT);
      const slow = await ctx.v2Joined('steady');
      const witness = await ctx.v2Joined('prompt');
      // The slow member reads in spells: 20 ms of every 300 (the kernel's buffers fill, then the
      // server's queue for it), and never stops for long.
      let reading = true;
      const pace = (async () => {
        while (reading && !slow.conn.closed) {
          slow.conn.stopReading();
          await pause(280);
          slow.conn.resumeReading();
          await pause(20);
        }
      })();
      const got: V2ServerPacket[] = [];
      const reader = (async () => {
        for (;;) {
          const p = await slow.next('a packet', 60_000).catch(() => null);
          if (p === null) return;
          got.push(p);
        }
      })();
      // Three-byte characters: each line is about 6 kB, the burst about 12 MB for every member,
      // more than a loopback connection's kernel buffers hold.
      const { senders } = await fill(ctx, witness, BURST_LINES, '\u754c');
      // Give the slow member time to read what is left of the burst at its pace: until it has
      // every line, or was told lines were skipped and then got nothing more for a second.
      const until = Date.now() + Math.max(ctx.timeout * 4, 8000);
      let last = -1;
      let quietSince = Date.now();
      while (Date.now() < until && !slow.conn.closed) {
        const lines = got.filter((p) => p.type === 'message').length;
        const told = got.some((p) => p.type === 'error' && p.code === 'LINES_SKIPPED');
        if (lines >= BURST_LINES) break;
        if (got.length !== last) {
          last = got.length;
          quietSince = Date.now();
        } else if (told && Date.now() - quietSince > 1000) break;
        await pause(100);
      }
      reading = false;
      await pace;
      slow.conn.resumeReading();
      for (const s of senders) s.conn.destroy();
      const closedBy = got.find((p) => p.type === 'error' && p.fatal);
      if (slow.conn.closed || closedBy)
        ctx.fail(KEPT, `it was disconnected${closedBy ? `: ${JSON.stringify(closedBy)}` : ''}`);
      const skipped = got.filter((p) => p.type === 'error' && p.code === 'LINES_SKIPPED').length;
      ctx.note(
        `it read ${got.filter((p) => p.type === 'message').length} lines${skipped ? ` and ${skipped} LINES_SKIPPED` : ''}`,
      );
      slow.conn.destroy();
      await reader;
    },
  },
];
