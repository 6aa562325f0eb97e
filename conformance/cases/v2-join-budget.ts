/**
 * The join budget (spec 7.10; 11 maxQueuedBytes), seen from outside: a newcomer that reads
 * promptly, joining a room whose backlog is more than its whole queue limit, is not dropped with
 * SLOW_READER for its own join; its backlog is the newest lines that fit half that limit, in the
 * order they were said, and it chats on.
 *
 * How this works: the queue limit is not on the wire, so the case runs only when the suite is told
 * it (--max-queued-bytes, or {max-queued-bytes} in --server-cmd, which gives the case a server of
 * its own with twice the default sendWindowBytes: 11 never lets the limit go below that). Speakers
 * say numbered lines of control characters (7.1: chat text may hold them, and each is 6 bytes of
 * JSON), in steps of under half the limit so that no member's lines are shed while they are said
 * (11.3), until the default backlog's worth of them (20) is more than the whole limit. A newcomer
 * that agreed `backlog` joins and at once says a line of its own: all that its join queued comes
 * before that line's echo, so a server that sends no backlog, or too little, is seen without a
 * wait. A server that queues the whole backlog ends the newcomer with SLOW_READER; one that sends
 * the oldest lines that fit sends numbers that stop short of the last line said.
 */
import { LIMITS } from '../../src/generated/constants.js';
import { V2_PACKET_INFO, type V2PacketOf } from '../../src/generated/v2-packets.js';
import { type Case, type CaseContext, describeReply } from '../case.js';
import { limitText, pkt, quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { handshaken, offeredFeatures, tag } from './v2-steps.js';

type BacklogEntry = V2PacketOf<'backlog'>['entries'][number];

/** The queue limit the case asks a server of its own for: the least 11 allows with the default sendWindowBytes. */
export const JOIN_BUDGET_QUEUE = 2 * LIMITS.sendWindowBytes;
/** Most lines the case says, however large the limit it is told. */
const MOST_LINES = 60;
/**
 * Bytes a join may hold besides its backlog lines when the budget is applied: the join's lists
 * (join_ok, user_list parts) and the backlog packets' own fields, generously for a room of a few
 * dozen members.
 */
const SLACK = 16 * 1024;
/** JSON bytes of a backlog entry besides its text and sender: kind, ts, punctuation. */
const ENTRY_FIELDS = 64;

/**
 * The queue limit a case about maxQueuedBytes reckons with (11: maxQueuedBytes, or twice
 * sendWindowBytes when that is more), and the limit the suite was told; undefined (with a note)
 * when the server does not offer `feature`. Without a told limit the case is INFORMATIONAL.
 */
export async function toldQueueLimit(
  ctx: CaseContext,
  feature: string,
  expected: string,
): Promise<{ told: number; limit: number } | undefined> {
  if (!(await offeredFeatures(ctx)).includes(feature)) {
    ctx.note(`the server does not offer ${feature} (5.8): nothing to check`);
    return undefined;
  }
  const told = ctx.options.maxQueuedBytes;
  if (told === undefined)
    return ctx.fail(
      expected,
      "not checked: the server's maxQueuedBytes is not announced; give --max-queued-bytes (or {max-queued-bytes} in --server-cmd) to run this case",
      'MAY',
    );
  // The window is not announced: the limit is reckoned from the one the suite was told (the
  // least the server may have).
  return { told, limit: Math.max(told, JOIN_BUDGET_QUEUE) };
}

const KEPT =
  'the newcomer that reads is not dropped for its join (no SLOW_READER); its backlog ends with the last line said and is the newest lines in the order said (a suffix), at least as many as surely fit half the queue limit beside its lists; its own line then reaches the room';

export const v2JoinBudgetCases: Case[] = [
  {
    id: 'v2-chat/7.10/3',
    section: '7.10',
    profile: 'v2',
    level: 'MUST',
    description:
      'A backlog larger than the queue limit: a newcomer that reads stays, and gets the newest lines that fit half the limit',
    specText: texts(
      quote('7.10', 'so that a newcomer that reads is never dropped for it'),
      quote('7.10', 'then the newest chat lines and actions of the backlog that fit in what is left'),
      limitText('maxQueuedBytes'),
    ),
    covers: [pkt('v2', 'backlog')],
    accepts: [
      KEPT,
      'nothing to check when the server does not offer backlog',
      'without --max-queued-bytes (or {max-queued-bytes} in --server-cmd): INFORMATIONAL; so too when maxMessage is too short for 20 lines to outgrow the limit',
    ],
    absence: true,
    needs: { 'max-queued-bytes': JOIN_BUDGET_QUEUE },
    async run(ctx) {
      const queue = await toldQueueLimit(ctx, 'backlog', KEPT);
      if (queue === undefined) return;
      // What is said must outgrow the limit at its default sendWindowBytes (11).
      const { told, limit } = queue;
      const chars = Math.min(ctx.options.maxMessage, Math.floor(limit / 8 / 6));
      const mark = tag();
      const text = (i: number) => {
        const head = `${mark} ${i} `;
        return `${head}${'\u0001'.repeat(Math.max(0, chars - head.length))}`.slice(0, ctx.options.maxMessage);
      };
      const lineJson = Buffer.byteLength(JSON.stringify(text(0)));
      if (LIMITS.backlog * lineJson <= limit)
        return ctx.fail(
          KEPT,
          `not checked: with maxMessage ${ctx.options.maxMessage}, a backlog of ${LIMITS.backlog} lines (the default, 11) is ${LIMITS.backlog * lineJson} bytes, within the queue limit (${limit}): no join could be over its budget`,
          'MAY',
        );
      const count = Math.min(MOST_LINES, Math.max(LIMITS.backlog + 4, Math.ceil(limit / lineJson) + 2));
      const entryMost = lineJson + 4 * ctx.maxName() + ENTRY_FIELDS;
      const fit = Math.min(
        LIMITS.backlog,
        Math.max(0, Math.floor((Math.floor(told / 2) - SLACK) / entryMost)),
      );
      // What a speaker may say at once: its burst less its join (7.8); steps of under half the
      // told limit, so that no member's queue is over it while the lines go round.
      const joinCost = Math.min(V2_PACKET_INFO.join.rateCost ?? 0, ctx.options.burst);
      const perSpeaker = Math.max(1, Math.min(ctx.options.burst - joinCost, 20));
      const step = Math.max(1, Math.floor(told / 2 / lineJson));
      const wait = Math.max(ctx.timeout * 10, 30_000);
      const witness = await ctx.v2Joined('budgetw');
      let speaker: V2Session = witness;
      // The witness keeps a token for its answer at the end.
      let left = perSpeaker - 1;
      for (let i = 0; i < count; ) {
        if (left <= 0) {
          speaker = await ctx.v2Joined(`budget${i}`);
          left = perSpeaker;
        }
        const n = Math.min(step, count - i, left);
        const lines = Array.from({ length: n }, (_, k) => text(i + k));
        speaker.send(...lines.map((t) => ({ type: 'say', text: t })));
        const last = lines[n - 1];
        await ctx.attempt(KEPT, `while the room's history was filled (line ${i + n} of ${count})`, () =>
          witness.until((p) => p.type === 'message' && p.text === last, 'the last line of the step', wait),
        );
        i += n;
        left -= n;
      }
      // The newcomer joins, reads all along (the driver takes what arrives), and says a line at
      // once: its echo comes after everything the join queued.
      const newcomer = await handshaken(ctx, 'budgetnew', ['backlog']);
      const name = ctx.name('budgetnew');
      newcomer.send({ type: 'join', name });
      const { packet: reply } = await ctx.attempt(KEPT, `joining as "${name}"`, () =>
        newcomer.until(
          (p) => p.type === 'join_ok' || p.type === 'join_error' || p.type === 'error',
          'the reply to join',
          wait,
        ),
      );
      if (reply.type !== 'join_ok')
        return ctx.fail(
          KEPT,
          reply.type === 'error' && reply.fatal
            ? `the newcomer was ended before join_ok: error ${reply.code} (fatal)`
            : `${reply.type} ${describeReply(reply as { type: string; code?: string })} for the free, valid name "${name}"`,
        );
      const own = ctx.line(`newcomer ${mark}`);
      newcomer.send({ type: 'say', text: own });
      const { packet: end, skipped } = await ctx.attempt(KEPT, 'reading what its join sent', () =>
        newcomer.until(
          (p) => (p.type === 'message' && p.text === own) || (p.type === 'error' && p.fatal),
          'its own line after the backlog',
          wait,
        ),
      );
      const entries: BacklogEntry[] = skipped.flatMap((p) => (p.type === 'backlog' ? p.entries : []));
      if (end.type === 'error')
        return ctx.fail(
          KEPT,
          `the newcomer was dropped for its join: error ${end.code} (fatal) after ${entries.length} backlog entries`,
        );
      const said = Array.from({ length: count }, (_, i) => text(i));
      const numbers = entries.map((e) => said.indexOf(e.text));
      const firstOurs = numbers.findIndex((n) => n >= 0);
      const ours = firstOurs < 0 ? [] : numbers.slice(firstOurs);
      const shown = `lines ${ours.join(', ') || 'none'} of 0-${count - 1} (${entries.length} entries in all)`;
      ctx.check(
        ours.length > 0 && ours.every((n, k) => n === count - ours.length + k),
        'the newest lines said, in order, up to the last (a suffix of what was said)',
        shown,
      );
      ctx.check(
        ours.length >= fit,
        `at least ${fit} lines: that many of ${lineJson} bytes surely fit half the queue limit (${Math.floor(told / 2)} bytes) beside the join's lists (7.10: as many as fit)`,
        shown,
      );
      ctx.note(
        `the newcomer got ${ours.length} of the ${count} lines said (${lineJson} bytes each; ${LIMITS.backlog * lineJson} bytes would have been the default backlog whole, queue limit ${limit})`,
      );
      // The server still serves the newcomer and the room: its line reaches the witness, and the
      // witness's reaches it.
      await ctx.attempt(KEPT, "the newcomer's line at a member of the room", () =>
        witness.until((p) => p.type === 'message' && p.text === own, "the newcomer's line", wait),
      );
      const back = ctx.line(`answer ${mark}`);
      witness.send({ type: 'say', text: back });
      await ctx.attempt(KEPT, 'a line of the room at the newcomer', () =>
        newcomer.until((p) => p.type === 'message' && p.text === back, "the witness's line", wait),
      );
    },
  },
];
