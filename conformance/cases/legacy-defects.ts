/**
 * legacy cases that name the rest of the original's defects (spec 8, 9.1, 10.2, 10.4, 10.5; the
 * shared legacy wire facts): the keystream every frame repeats, a member who leaves while the
 * server is still busy with its join, the export once the room has emptied, and a setuser the
 * rate limit drops.
 *
 * How this works: as in legacy-chat.ts, clients join under names unique to the run. The keystream
 * case reads raw frames and compares their ciphertexts with their plaintexts; it fails on every
 * legacy server, since the profile itself restarts the cipher at one IV for every frame (9.1),
 * and says so, as the key exchange case (8/1) does. The others pass on a Parley legacy server.
 */
import { legacyDecrypt } from '../../src/crypto/legacy-cipher.js';
import { LEGACY_EXPORT_HEADER, LEGACY_MESSAGES } from '../../src/generated/constants.js';
import { LEGACY_PACKET_INFO } from '../../src/generated/legacy-packets.js';
import type { Case, CaseContext } from '../case.js';
import { pause, WaitTimeout } from '../driver.js';
import { lateClose } from '../expect.js';
import type { LegacySession, Received } from '../legacy-driver.js';
import { packetText, quote, texts } from '../spec-text.js';
import { chatRoundTrip, settleLegacy } from './common.js';

const KEYSTREAM =
  'frames that do not repeat a keystream (legacy cannot: every frame is encrypted from one key and IV, 9.1)';

/** Length of the common prefix of two buffers. */
function common(a: Buffer, b: Buffer): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The next frame at `s` opened under its key: ciphertext and plaintext. */
async function rawRecord(ctx: CaseContext, s: LegacySession): Promise<{ cipher: Buffer; plain: Buffer }> {
  const frame = await ctx.attempt('a record', `at ${s.conn.label}`, () => s.conn.nextFrame(ctx.timeout));
  if (!frame) return ctx.fail(KEYSTREAM, `the server closed ${s.conn.label}`, 'MUST');
  const body = frame.body.toString('latin1');
  const plain = await ctx.attempt(KEYSTREAM, `a frame at ${s.conn.label}`, async () =>
    legacyDecrypt(s.key!, s.iv!, body),
  );
  return { cipher: Buffer.from(body, 'base64'), plain };
}

/** `s` got the list update that holds `name` (10.2). */
const listHolds = (name: string) => (r: Received) =>
  r.packet.typ === 'client_list_update_add' && Array.isArray(r.packet.cont) && r.packet.cont.includes(name);

const setuserCost = LEGACY_PACKET_INFO.setuser.rateCost ?? 1;

export const legacyDefectCases: Case[] = [
  {
    // Every legacy server fails this case, like legacy-handshake/8/1: the profile is insecure (8).
    id: 'legacy-handshake/9.1/3',
    section: '9.1',
    profile: 'legacy',
    level: 'MUST',
    description:
      'The frames of one connection never repeat a keystream (legacy cannot: one key and one IV for every frame)',
    specText: texts(
      quote('9.1', 'each frame from a fresh cipher at the IV'),
      quote('8', 'the keystream repeats'),
    ),
    covers: [],
    accepts: [KEYSTREAM],
    async run(ctx) {
      const [a, b] = [await ctx.legacyJoined('streamA'), await ctx.legacyJoined('streamB')];
      // One packet sent twice, as the original client would send the same line twice. A bucket
      // too small for both (--burst) refills between them (ratePerSecond >= 1, 11).
      const line = ctx.line(`the same line ${ctx.name('s')}`);
      const frame = a.frame('default', line);
      if (ctx.options.burst < 4) {
        await pause(1100);
        a.conn.write(frame);
        await pause(1100);
        a.conn.write(frame);
      } else a.conn.write(Buffer.concat([frame, frame]));
      const seen: { cipher: Buffer; plain: Buffer }[] = [];
      while (seen.length < 2) {
        const record = await rawRecord(ctx, b);
        if (record.plain.includes(Buffer.from(JSON.stringify(line).slice(1, -1)))) seen.push(record);
      }
      const [first, second] = seen;
      const plain = common(first.plain, second.plain);
      const cipher = common(first.cipher, second.cipher);
      const same = first.cipher.equals(second.cipher);
      ctx.fail(
        KEYSTREAM,
        same
          ? `the keystream repeats: the same line sent twice reached ${b.conn.label} as two byte-identical ${first.cipher.length}-byte frames, so whoever watches the wire sees a line repeated, and XOR of any two frames is XOR of their plaintexts (no integrity either: flipped bits pass unseen). 9.1: every frame starts a fresh cipher at the one IV; the legacy profile is insecure, use v2`
          : `the keystream repeats: two frames to ${b.conn.label} share their first ${cipher} ciphertext bytes, exactly as far as their plaintexts agree (${plain} bytes), so XOR of two frames is XOR of their plaintexts (no integrity either: flipped bits pass unseen). 9.1: every frame starts a fresh cipher at the one IV; the legacy profile is insecure, use v2`,
      );
    },
  },
  {
    id: 'legacy-chat/10.4/2',
    section: '10.4',
    profile: 'legacy',
    level: 'MUST',
    description:
      'A member who resets its connection right after approved_conn is announced as left, and the room goes on',
    specText: texts(packetText('legacy', 'disconnection'), quote('10.3', 'Leave notices are')),
    covers: [],
    accepts: [
      'the leave notice for the member at the others (after its list update or instead of it), then two fresh clients chat',
    ],
    async run(ctx) {
      const a = await ctx.legacyJoined('stays');
      await settleLegacy(ctx, [a]);
      const b = await ctx.legacy('quick');
      const name = ctx.name('quick');
      const reply = await b.join(name);
      if (reply.typ !== 'approved_conn')
        return ctx.fail('approved_conn', `${reply.typ}: ${String(reply.cont)}`);
      const approved = Date.now();
      b.conn.reset();
      const notice = LEGACY_MESSAGES.left.replace('{name}', name);
      let listAfter: number | null = null;
      const isNotice = (r: Received) => {
        if (listAfter === null && listHolds(name)(r)) listAfter = Date.now() - approved;
        return r.packet.typ === 'default' && r.packet.cont === notice;
      };
      try {
        await a.until(isNotice, 'the leave notice');
      } catch (err) {
        const late =
          listAfter === null
            ? ''
            : ` (the list update holding ${name} reached the others ${listAfter} ms after its approved_conn: the server was still sending for the join when the member left; the original sleeps a second after each approval before its list updates, and a send to a member gone by then kills its thread, so the member is never announced and stays in the room)`;
        ctx.fail(
          `the leave notice "${notice}"`,
          `no leave notice for a member that reset its connection right after approved_conn${late}: ${(err as Error).message}`,
        );
      }
      const failure = await chatRoundTrip(ctx, 'rt');
      if (failure) ctx.fail('two fresh clients chat after the leave', `the room stopped serving: ${failure}`);
      if (listAfter !== null) ctx.note(`the list update came ${listAfter} ms after approved_conn`);
    },
  },
  {
    id: 'legacy-chat/10.5/3',
    section: '10.5',
    profile: 'legacy',
    level: 'MUST',
    description: 'export is answered, with the header line, also after the room has emptied',
    specText: packetText('legacy', 'export'),
    covers: [],
    accepts: [
      `an export reply starting with "${LEGACY_EXPORT_HEADER}" to a member who joined an emptied room`,
      'nothing to check when other members keep the room from emptying',
    ],
    async run(ctx) {
      const a = await ctx.legacyJoined('last');
      await settleLegacy(ctx, [a]);
      const list = a.received.find((r) => r.packet.typ === 'client_list_update_add');
      const others = Array.isArray(list?.packet.cont) ? list.packet.cont.length : 0;
      if (others > 0)
        ctx.fail(
          'an emptied room',
          `not checked: ${others} other connection(s) in the room, so the room cannot empty`,
          'MAY',
        );
      // No line after the room empties: the original then has no log at all (it deleted it when the
      // room emptied, its own readiness check's or this member's leave), not one without a header.
      a.conn.destroy();
      const b = await ctx.legacyJoined('next');
      await settleLegacy(ctx, [b]);
      const again = b.received.find((r) => r.packet.typ === 'client_list_update_add');
      if (Array.isArray(again?.packet.cont) && again.packet.cont.includes(a.name))
        ctx.fail('an emptied room', `not checked: ${a.name} was still listed after it closed`, 'MAY');
      const { text } = await ctx.attempt(
        'an export reply',
        'the export after the room emptied went unanswered (the original deletes its log when the last member leaves, and an export then fails with FileNotFoundError)',
        () => b.export(),
      );
      ctx.check(
        text.startsWith(LEGACY_EXPORT_HEADER),
        `starts with ${LEGACY_EXPORT_HEADER}`,
        `the log lost its header line once the room emptied: ${JSON.stringify(text.slice(0, 60))}`,
      );
    },
  },
  {
    id: 'legacy-chat/10.2/22',
    section: '10.2',
    profile: 'legacy',
    level: 'MUST',
    description: 'A setuser the rate limit drops closes the connection: no setuser is left without a reply',
    specText: packetText('legacy', 'setuser'),
    covers: [],
    accepts: [
      'a reply to every setuser until one is dropped, then the close',
      'nothing to check when no setuser was dropped (a burst above --burst, or no rate limit: legacy-chat/11/1)',
    ],
    async run(ctx) {
      const member = await ctx.legacyJoined('owner');
      const s = await ctx.legacy('retry');
      // More setusers than the bucket holds (--burst), all for a taken name, in one write.
      const count = Math.floor(ctx.options.burst / Math.min(setuserCost, ctx.options.burst)) + 3;
      const frame = s.frame('setuser', member.name!, { username: member.name! });
      s.conn.write(Buffer.concat(Array.from({ length: count }, () => frame)));
      let replies = 0;
      for (;;) {
        let got: Received | null;
        try {
          got = await s.next('a reply to setuser');
        } catch (err) {
          if (!(err instanceof WaitTimeout)) throw err;
          if (replies === count)
            ctx.fail(
              'a setuser dropped by the rate limit, then the close',
              `not checked: all ${count} setusers in one write were answered (the server's burst is above --burst ${ctx.options.burst}, or it has no rate limit: legacy-chat/11/1)`,
              'MAY',
            );
          return ctx.fail(
            'the close once a setuser is dropped',
            `${count} setusers in one write got ${replies} replies and the connection stays open: a dropped setuser leaves the client waiting for a reply for ever (10.2: the server closes it instead)`,
          );
        }
        if (got === null) {
          const late = lateClose(ctx, s.conn, false, `${count - replies} dropped setuser(s)`, {});
          if (late) ctx.fail('the close at once when a setuser is dropped', late);
          break;
        }
        if (got.packet.typ === 'approved_conn')
          return ctx.fail('username_taken', `approved_conn for the taken name ${member.name}`);
        if (got.packet.typ === 'username_taken') replies++;
      }
      ctx.note(`${replies} of ${count} setusers answered, then the close`);
    },
  },
];
