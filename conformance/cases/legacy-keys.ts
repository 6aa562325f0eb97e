/**
 * legacy case on the original's shared cipher state (spec 9.1; defect listed in the shared legacy
 * wire facts): every frame a client receives is under that client's own key, also when several
 * clients send at once.
 *
 * How this works: the original keeps one AES object for the whole process and sets it to a
 * client's key just before each send; its per-client threads race, so when two clients send at
 * once, a line can leave for one receiver encrypted under another member's key, and that
 * receiver reads garbage. Two clients each write a batch of lines at the same moment; three
 * clients (the senders too) read every frame raw and try their own key, then the keys of the
 * case's other clients, so the report names whose key a stray frame was under.
 */

import { legacyDecrypt } from '../../src/crypto/legacy-cipher.js';
import { parseLegacyPacket } from '../../src/legacy/legacy-packet.js';
import type { Case, CaseContext } from '../case.js';
import { WaitTimeout } from '../driver.js';
import type { LegacySession } from '../legacy-driver.js';
import { quote, texts } from '../spec-text.js';
import { joinAll, tag } from './legacy-chat.js';

/**
 * Lines each sender writes at once. The original's race window is a few microseconds per send
 * (its threads switch every 5 ms), so against it this case is OK far more often than not: an OK
 * here means no stray frame was seen, not that none can be. A rate-limited server drops what is
 * over its burst; the case waits only for the first `--burst` lines of each sender.
 */
const PER_SENDER = 8;

interface Reading {
  /** Lines this receiver got under its own key. */
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

/** Reads raw frames at `r` until it has every line in `wanted` or the wait runs out. */
async function read(ctx: CaseContext, r: LegacySession, all: readonly LegacySession[], wanted: Set<string>) {
  const reading: Reading = { lines: new Set(), stray: new Map(), unreadable: 0 };
  const others = all.filter((s) => s !== r);
  const deadline = Date.now() + ctx.timeout * 2;
  while ([...wanted].some((l) => !reading.lines.has(l))) {
    const left = deadline - Date.now();
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
    if (packet.typ === 'default') reading.lines.add(String(packet.cont));
  }
  return reading;
}

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
      "every frame each of three clients receives opens under that client's own key, and each gets the other senders' lines",
    ],
    async run(ctx) {
      const clients = await joinAll(ctx, 'keyA', 'keyB', 'keyR');
      const [a, b, r] = clients;
      const linesOf = (who: string) =>
        Array.from({ length: PER_SENDER }, (_, i) => ctx.line(`${who} ${i} ${tag()}`));
      const [la, lb] = [linesOf('ka'), linesOf('kb')];
      const due = Math.max(1, Math.min(PER_SENDER, ctx.options.burst));
      const [wa, wb] = [la.slice(0, due), lb.slice(0, due)];
      // One write each, at the same moment (padded bodies, so an original's 10-byte reader copes).
      a.conn.write(Buffer.concat(la.map((t) => a.frame('default', t))));
      b.conn.write(Buffer.concat(lb.map((t) => b.frame('default', t))));
      const readings = await Promise.all([
        read(ctx, a, clients, new Set(wb)),
        read(ctx, b, clients, new Set(wa)),
        read(ctx, r, clients, new Set([...wa, ...wb])),
      ]);
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
      const heard = [
        [a, lb],
        [b, la],
        [r, la],
        [r, lb],
      ] as const;
      for (const [who, lines] of heard) {
        const reading = readings[clients.indexOf(who)];
        ctx.check(
          lines.some((l) => reading.lines.has(l)),
          "the other senders' lines delivered",
          `${who.conn.label} got none of the ${lines.length} lines of a sender`,
        );
      }
    },
  },
];
