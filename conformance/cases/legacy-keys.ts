/**
 * legacy case on the original's shared cipher state (spec 9.1; defect listed in the shared legacy
 * wire facts): every frame a client receives is under that client's own key, also when several
 * clients send at once.
 *
 * How this works: the original keeps one AES object for the whole process and sets it to a
 * client's key just before each send; its per-client threads race, so when two threads send at
 * once, a frame can leave for one receiver encrypted under another member's key, and that
 * receiver reads garbage. Six clients ask for their names at the same moment (the original's
 * threads then sleep a second and wake together to send their list updates to everyone), then
 * three of them each write a batch of lines at the same moment, in rounds while the server
 * forwards them all; every client reads every frame raw and tries its own key, then the keys of
 * the case's other clients, so the report names whose key a stray frame was under.
 */

import { legacyDecrypt } from '../../src/crypto/legacy-cipher.js';
import { type LegacyPacket, parseLegacyPacket } from '../../src/legacy/legacy-packet.js';
import type { Case, CaseContext } from '../case.js';
import { WaitTimeout } from '../driver.js';
import type { LegacySession } from '../legacy-driver.js';
import { quote, texts } from '../spec-text.js';
import { tag } from './legacy-chat.js';

/**
 * Lines each sender writes at once. The original's race window is short (a thread is switched out
 * inside it only when another has waited 5 ms for the interpreter, and the other must then reset
 * the shared key before it yields), so one round against it is OK more often than not; eight
 * rounds of 60 lines from three senders to five others caught it in 3 of 4 runs. An OK means no stray frame was seen, not
 * that none can be. The case waits only for the first `--burst` lines of each sender.
 */
const PER_SENDER = 60;
/**
 * A rate-limited server refuses what is over its burst; the case sends no more than the burst
 * and half the refusals a connection may make (7.8) in one go.
 */
const perSender = (ctx: CaseContext) =>
  Math.max(1, Math.min(PER_SENDER, ctx.options.burst + Math.floor(ctx.options.rateBudget / 2)));
/** Rounds of lines at most, while the server forwards every line. */
const ROUNDS = 8;
/** How long a reader waits for more frames once it has what it must get. */
const QUIET_MS = 500;
/** The clients that send at once; one more only reads. */
const SENDERS = ['A', 'B', 'C'];
/** Clients that only read: each line goes out to more connections, more chances for the race. */
const READERS = ['keyR', 'keyS', 'keyT'];

interface Reading {
  /** Packets this receiver got under its own key, and the chat lines among them. */
  readonly packets: LegacyPacket[];
  readonly lines: Set<string>;
  /** Frames under another client's key, by that client's label. */
  readonly stray: Map<string, number>;
  /** Frames under no key the case knows. */
  unreadable: number;
}

/** Whose key opens `body` (own first), or null; plaintext frames count as the receiver's. */
function keyOf(
  body: Buffer,
  own: LegacySession,
  others: readonly LegacySession[],
): LegacySession | 'plain' | null {
  const text = body.toString('latin1');
  if (text.startsWith('{')) return 'plain';
  for (const s of [own, ...others]) {
    if (!s.key || !s.iv) continue;
    try {
      parseLegacyPacket(legacyDecrypt(s.key, s.iv, text));
      return s;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * Reads raw frames at `r` into `reading` until `done` holds or the wait runs out: packets under
 * its own key are kept, frames under another client's key counted by that client.
 */
async function read(
  ctx: CaseContext,
  r: LegacySession,
  all: readonly LegacySession[],
  reading: Reading,
  done: () => boolean,
  all_?: () => boolean,
): Promise<void> {
  const others = all.filter((s) => s !== r);
  const deadline = Date.now() + ctx.timeout * 2;
  // Once `done` holds, frames still coming are read too (up to `all_`), while they come promptly:
  // a stray frame may be among them.
  while (!(all_ ?? done)()) {
    const left = done() ? Math.min(QUIET_MS, deadline - Date.now()) : deadline - Date.now();
    if (left <= 0) break;
    let frame: Awaited<ReturnType<typeof r.conn.nextFrame>>;
    try {
      frame = await r.conn.nextFrame(left, 'a line');
    } catch (err) {
      if (err instanceof WaitTimeout) break;
      throw err;
    }
    if (!frame) break;
    const who = keyOf(frame.body, r, others);
    if (who === null) {
      // The None key is a separate defect (8.4, legacy-handshake cases); count it as unreadable.
      reading.unreadable++;
      continue;
    }
    if (who !== r && who !== 'plain') {
      reading.stray.set(who.conn.label, (reading.stray.get(who.conn.label) ?? 0) + 1);
      continue;
    }
    if (who === 'plain') continue;
    const packet = parseLegacyPacket(legacyDecrypt(r.key!, r.iv!, frame.body.toString('latin1')));
    reading.packets.push(packet);
    if (packet.typ === 'default') reading.lines.add(String(packet.cont));
  }
}

/** Every packet `r` holds that lists all of `names`. */
const listsAll = (reading: Reading, names: readonly string[]) =>
  reading.packets.some(
    (p) =>
      p.typ === 'client_list_update_add' && Array.isArray(p.cont) && names.every((n) => p.cont.includes(n)),
  );

export const legacyKeyCases: Case[] = [
  {
    id: 'legacy-chat/9.1/2',
    section: '9.1',
    profile: 'legacy',
    level: 'MUST',
    description:
      "Lines several clients send at once reach each receiver under the receiver's own key (no cipher state shared between connections)",
    specText: texts(
      quote('9.1', 'Every later body is base64'),
      quote('8', 'generates the IV and key pair per connection'),
    ),
    covers: [],
    accepts: [
      "every frame each of six clients receives (approvals, list updates, lines) opens under that client's own key, and each gets the other senders' lines",
    ],
    async run(ctx) {
      const clients: LegacySession[] = [];
      for (const label of [...SENDERS.map((s) => `key${s}`), ...READERS])
        clients.push(await ctx.legacy(label));
      const senders = clients.slice(0, SENDERS.length);
      const readings: Reading[] = clients.map(() => ({
        packets: [],
        lines: new Set(),
        stray: new Map(),
        unreadable: 0,
      }));
      // Every client asks for its name at the same moment: the server's replies and list updates
      // for all of them go out at once (the original's threads wake together from their sleeps).
      const names = clients.map((c) => ctx.name(c.conn.label));
      clients.forEach((c, i) => {
        c.conn.write(c.frame('setuser', names[i], { username: names[i] }));
        c.name = names[i];
      });
      await Promise.all(
        clients.map((c, i) =>
          read(ctx, c, clients, readings[i], () =>
            listsAll(
              readings[i],
              names.filter((n) => n !== names[i]),
            ),
          ),
        ),
      );
      // Each round every sender writes its lines at once; a server that forwards well past the
      // burst (no rate limit in the way) gets further rounds, each another chance for the race,
      // until a frame strays. A rate-limited server gets one: more would only add refusals.
      const lines: string[][] = senders.map(() => []);
      let rounds = 0;
      for (let round = 0; round < ROUNDS; round++) {
        rounds++;
        const batch = senders.map((_, i) =>
          Array.from({ length: perSender(ctx) }, (_, j) => ctx.line(`k${SENDERS[i]} ${round}.${j} ${tag()}`)),
        );
        for (const [i, b] of batch.entries()) lines[i].push(...b);
        const due = Math.max(1, Math.min(perSender(ctx), ctx.options.burst - 2));
        // One write each, at the same moment (padded bodies, so an original's 10-byte reader copes).
        senders.forEach((s, i) => {
          s.conn.write(Buffer.concat(batch[i].map((t) => s.frame('default', t))));
        });
        await Promise.all(
          clients.map((c, r) => {
            const owed = batch.flatMap((b, i) => (senders[i] === c ? [] : b.slice(0, due)));
            const every = batch.flatMap((b, i) => (senders[i] === c ? [] : b));
            return read(
              ctx,
              c,
              clients,
              readings[r],
              () => owed.every((l) => readings[r].lines.has(l)),
              () => every.every((l) => readings[r].lines.has(l)),
            );
          }),
        );
        // Well past the burst at every receiver: the server does not rate-limit these lines.
        const unlimited = clients.every((c, r) =>
          batch.every(
            (b, i) =>
              senders[i] === c || b.filter((l) => readings[r].lines.has(l)).length > ctx.options.burst + 5,
          ),
        );
        if (!unlimited || readings.some((got) => got.stray.size > 0)) break;
      }
      ctx.note(`${rounds} round(s) of ${perSender(ctx)} lines from each of ${senders.length} senders`);
      const stray = readings.flatMap((got, i) =>
        [...got.stray].map(([owner, n]) => `${n} frame(s) to ${clients[i].conn.label} under ${owner}'s key`),
      );
      if (stray.length > 0)
        ctx.fail(
          "every frame under the receiver's own key",
          `${stray.join('; ')}: the server's cipher state is shared between connections (one key set before each send, raced by concurrent senders), so receivers read garbage`,
        );
      const unreadable = readings.reduce((n, got) => n + got.unreadable, 0);
      ctx.check(
        unreadable === 0,
        "every frame under the receiver's own key",
        `${unreadable} frame(s) opened under no key of this case's clients`,
      );
      // A server that forwards nothing cannot pass: every receiver must hear from every sender.
      for (const [r, who] of clients.entries()) {
        for (const [i, sender] of senders.entries()) {
          if (sender === who) continue;
          ctx.check(
            lines[i].some((l) => readings[r].lines.has(l)),
            "the other senders' lines delivered",
            `${who.conn.label} got none of the ${lines[i].length} lines of ${sender.conn.label}`,
          );
        }
      }
    },
  },
];
