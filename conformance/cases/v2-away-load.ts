/**
 * Away notices under load (spec 7.12; 11 maxQueuedBytes), seen from outside: many members each
 * send a burst of `away` packets with long reasons, all at once, and every member, reading
 * promptly, stays joined and learns each member's newest away state.
 *
 * How this works: the queue limit is not on the wire, so the case runs only when the suite is told
 * it (--max-queued-bytes, or {max-queued-bytes} in --server-cmd, which gives the case a server of
 * its own). Each sender writes its burst and then a marker line in one write, all senders in the
 * same tick, so that a server reads many bursts before it writes anything: its notices for one
 * member then come to several times the queue limit unless it keeps one per sender (the newest)
 * and leaves reasons out past half the limit. A sender's marker is queued after its last notice,
 * so a member that has every marker has every sender's newest notice. A server that keeps every
 * notice ends its members with SLOW_READER (the outside test behind 7.12's rule ended a whole
 * room at the defaults).
 */
import { V2_PACKET_INFO, type V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { limitText, pkt, quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { tag } from './markers.js';
import { JOIN_BUDGET_QUEUE, toldQueueLimit } from './v2-join-budget.js';
import { joinedWith } from './v2-steps.js';

/** Characters of a reason (the packet table's most), each 4 bytes of UTF-8. */
const REASON_CHARS = 256;
/** Most senders the case uses, however large the limit it is told. */
const MOST_SENDERS = 64;
/** How many queue limits' worth of notices one round of bursts makes for each member. */
const OVER = 3;

const KEPT =
  "no member is ended (no SLOW_READER); each member learns every sender's newest away state (its last `user_away` about a sender is `away: true`, with the last reason or none) before that sender's marker; the room then chats";

export const v2AwayLoadCases: Case[] = [
  {
    id: 'v2-chat/7.12/2',
    section: '7.12',
    profile: 'v2',
    level: 'MUST',
    description:
      'Many members change their away state in bursts at once: members that read stay, and learn the newest states',
    specText: texts(
      quote('7.12', 'a server MUST bound what it holds of them for one member'),
      quote('7.12', 'a member that reads is not ended for their notices'),
      limitText('maxQueuedBytes'),
    ),
    covers: [pkt('v2', 'away'), pkt('v2', 'user_away')],
    accepts: [
      KEPT,
      'nothing to check when the server does not offer away',
      'without --max-queued-bytes (or {max-queued-bytes} in --server-cmd): INFORMATIONAL',
    ],
    absence: true,
    needs: { 'max-queued-bytes': JOIN_BUDGET_QUEUE },
    async run(ctx) {
      const queue = await toldQueueLimit(ctx, 'away', KEPT);
      if (queue === undefined) return;
      const { limit } = queue;
      const mark = tag();
      const reason = (k: number, i: number) => {
        const head = `${mark} ${k} ${i} `;
        return head + '\u{1F600}'.repeat(REASON_CHARS - head.length);
      };
      const notice = Buffer.byteLength(
        JSON.stringify({ type: 'user_away', name: ctx.name('x'), away: true, reason: reason(0, 0), ts: 0 }),
      );
      // A sender's burst: its tokens less its join and its marker line (7.8).
      const cost = (type: 'join' | 'away' | 'say') => V2_PACKET_INFO[type].rateCost ?? 1;
      const burst = Math.max(1, Math.floor((ctx.options.burst - cost('join') - cost('say')) / cost('away')));
      const perSender = Math.min(19, burst);
      // Enough senders that one round is OVER queue limits of notices for each member, and that
      // their notices without reasons alone are more than half the limit (so that leaving reasons
      // out is not enough without keeping one notice per sender), within the connections one
      // address may hold when the suite was told that (the witness and a probe aside).
      const bare = Buffer.byteLength(
        JSON.stringify({ type: 'user_away', name: ctx.name('x'), away: true, ts: 0 }),
      );
      const wanted = Math.max(
        Math.ceil((OVER * limit) / (perSender * notice)),
        Math.ceil(limit / 2 / (perSender * bare)) + 2,
      );
      const room = ctx.options.maxPerAddress === undefined ? MOST_SENDERS : ctx.options.maxPerAddress - 2;
      const count = Math.max(2, Math.min(MOST_SENDERS, wanted, room));
      const wait = Math.max(ctx.timeout * 10, 30_000);
      const witness = await joinedWith(ctx, 'awayw', ['away']);
      const senders: V2Session[] = [];
      for (let k = 0; k < count; k++) senders.push(await joinedWith(ctx, `away${k}`, ['away']));
      const members = [witness, ...senders];
      const markers = senders.map((_, k) => ctx.line(`marker ${mark} ${k}`));
      // Every burst in one tick: the server reads them before it writes.
      for (const [k, s] of senders.entries())
        s.send(
          ...Array.from({ length: perSender }, (_, i) => ({ type: 'away' as const, reason: reason(k, i) })),
          { type: 'say', text: markers[k] },
        );
      ctx.note(
        `${count} senders, ${perSender} away packets each with reasons of ${REASON_CHARS} characters (${notice} bytes a notice): ${count * perSender * notice} bytes of notices for each member, queue limit ${limit}`,
      );
      const names = senders.map((s) => s.name!);
      for (const [m, member] of members.entries()) {
        const who = m === 0 ? 'the witness' : `sender ${m - 1}`;
        const seen = new Set<string>();
        const last = new Map<string, V2ServerPacket & { type: 'user_away' }>();
        for (;;) {
          const { packet } = await ctx.attempt(
            KEPT,
            `${who} reading the bursts (${seen.size} of ${count} markers)`,
            () =>
              member.until(
                (p) => p.type === 'user_away' || p.type === 'message' || (p.type === 'error' && p.fatal),
                'the notices and markers',
                wait,
              ),
          );
          if (packet.type === 'error')
            return ctx.fail(
              KEPT,
              `${who} was ended: error ${packet.code} (fatal) after ${seen.size} of ${count} markers`,
            );
          if (packet.type === 'user_away') {
            // A sender's marker comes after its newest notice: what arrives later about it is wrong.
            const k = names.indexOf(packet.name);
            if (k >= 0 && seen.has(markers[k]))
              return ctx.fail(KEPT, `${who} got a notice about ${packet.name} after its marker line`);
            last.set(packet.name, packet);
          } else if (packet.type === 'message' && markers.includes(packet.text)) {
            const k = markers.indexOf(packet.text);
            const newest = last.get(names[k]);
            const final = reason(k, perSender - 1);
            const right = newest?.away === true && (newest.reason === undefined || newest.reason === final);
            if (!right)
              return ctx.fail(
                KEPT,
                `${who}'s last notice about ${names[k]} before its marker is ${newest ? `away ${newest.away}, reason ${newest.reason === undefined ? 'none' : `"${newest.reason.slice(0, 40)}..."`}` : 'none'}, not its newest state (reason "${final.slice(0, 40)}...")`,
              );
            seen.add(packet.text);
            if (seen.size === count) break;
          }
        }
      }
      // The server still serves the room: a line of the witness reaches every sender.
      const after = ctx.line(`after ${mark}`);
      witness.send({ type: 'say', text: after });
      for (const [k, s] of senders.entries())
        await ctx.attempt(KEPT, `the witness's line at sender ${k}`, () =>
          s.until((p) => p.type === 'message' && p.text === after, "the witness's line", wait),
        );
    },
  },
];
