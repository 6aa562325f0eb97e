/**
 * Helpers for cases that run the same way in both profiles (framing, robustness, sanity).
 *
 * How this works: `open()` connects and reads the server's opening (v2: server_hello; legacy:
 * iv_exc and key_exc) and, when asked, finishes the key exchange. `validFrame()` then builds the
 * frame a well-behaved client would send next in that state (client_hello, a join record,
 * key_exc or setuser), optionally behind a custom header, so a case can tell a server that
 * refused a bad frame from one that quietly accepted it. `expectRefused()` applies the profile's
 * accepted outcomes, and `chatRoundTrip()` proves the server still serves two clients.
 */
import { randomBytes } from 'node:crypto';
import { encodeHeader } from '../../src/framing/frame-codec.js';
import { LEGACY_TEMP_NAME, V2_TAG_BYTES } from '../../src/generated/constants.js';
import { serializeLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { type CaseContext, CaseStop } from '../case.js';
import type { RawConnection } from '../driver.js';
import { expectLegacyClose, expectV2Rejection } from '../expect.js';
import type { LegacySession } from '../legacy-driver.js';
import { sealRecord } from '../records.js';
import type { V2Session } from '../v2-driver.js';

export interface Opened {
  readonly conn: RawConnection;
  readonly v2?: V2Session;
  readonly legacy?: LegacySession;
  readonly keyed: boolean;
}

/** Connects, reads the server's opening frames and, if `keyed`, finishes the key exchange. */
export async function open(ctx: CaseContext, keyed: boolean, label?: string): Promise<Opened> {
  if (ctx.options.profile === 'v2') {
    const v2 = await ctx.v2Connect(label);
    if (keyed) await v2.handshake({ fingerprint: ctx.options.fingerprint });
    else await v2.readServerHello();
    return { conn: v2.conn, v2, keyed };
  }
  const legacy = await ctx.legacyConnect(label);
  await legacy.readHandshake();
  if (keyed) legacy.keyExchange();
  return { conn: legacy.conn, legacy, keyed };
}

/** The body a valid client sends next; `header` (if given) is the AAD of a v2 record. */
function validBody(o: Opened, header?: (length: number) => Buffer): { header: Buffer; body: Buffer } {
  const head = header ?? encodeHeader;
  if (o.v2) {
    if (!o.keyed) {
      const body = o.v2.clientHello().frame.subarray(10);
      return { header: head(body.length), body };
    }
    const plain = Buffer.from(JSON.stringify({ type: 'join', name: `x${randomBytes(3).toString('hex')}` }));
    const h = head(plain.length + V2_TAG_BYTES);
    const record = sealRecord(o.v2.keys!.c2s, 0n, plain, h);
    return { header: h, body: record.subarray(10) };
  }
  const legacy = o.legacy!;
  if (!o.keyed) {
    const body = serializeLegacyPacket(legacy.packet('key_exc', '2', { username: LEGACY_TEMP_NAME }), false);
    return { header: head(body.length), body };
  }
  const body = legacy.frame('setuser', `x${randomBytes(3).toString('hex')}`).subarray(10);
  return { header: head(body.length), body };
}

/** A valid next frame, behind a header built by `header(length)` (default: the correct one). */
export function validFrame(o: Opened, header?: (length: number) => Buffer): Buffer {
  const { header: h, body } = validBody(o, header);
  return Buffer.concat([h, body]);
}

/** A 10-byte header from text, padded with spaces (which may itself break the grammar). */
export function rawHeader(text: string | Buffer): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return Buffer.concat([bytes, Buffer.alloc(Math.max(0, 10 - bytes.length), 0x20)]).subarray(0, 10);
}

/** Expects the server to refuse what was just sent, in the profile's way. */
export async function expectRefused(
  ctx: CaseContext,
  o: Opened,
  codes: readonly string[],
  what: string,
): Promise<void> {
  if (o.v2) return expectV2Rejection(ctx, o.v2, codes, what);
  return expectLegacyClose(ctx, o.legacy!, what, (r) =>
    r.encoding === 'key' && (r.packet.typ === 'approved_conn' || r.packet.typ === 'username_taken')
      ? `it answered the setuser that followed with ${r.packet.typ}`
      : null,
  );
}

/** The accepted outcomes of expectRefused, for a case's `accepts`. */
export function refusedOutcomes(code: string, keyed: boolean): string[] {
  const v2 = keyed
    ? `v2: an error packet ${code} (fatal) then the close, or the close alone`
    : 'v2: the close (no keys yet, so no error packet)';
  return [v2, 'legacy: the close (legacy has no error packet)'];
}

/**
 * Two fresh clients join; one says a line; the other must receive it. Proves the server still
 * serves chat. Returns a failure text, or null when all went well.
 */
export async function chatRoundTrip(ctx: CaseContext, label: string): Promise<string | null> {
  const text = ctx.line(`round trip ${randomBytes(4).toString('hex')}`);
  try {
    if (ctx.options.profile === 'v2') {
      const a = await ctx.v2Joined('rta', `${label}-a`);
      const b = await ctx.v2Joined('rtb', `${label}-b`);
      a.send({ type: 'say', text });
      await b.until((p) => p.type === 'message' && p.text === text, 'the chat line');
      a.send({ type: 'goodbye' });
      b.send({ type: 'goodbye' });
      return null;
    }
    const a = await ctx.legacyJoined('rta', `${label}-a`);
    const b = await ctx.legacyJoined('rtb', `${label}-b`);
    a.sendPacket('default', text);
    await b.until((r) => r.packet.typ === 'default' && r.packet.cont === text, 'the chat line');
    return null;
  } catch (err) {
    if (err instanceof CaseStop) throw err;
    return (err as Error).message;
  }
}

/**
 * Waits until the server has finished its work on these legacy members' joins, so that a member
 * leaving next is judged on the leave alone. Every member sends a marker line and every other
 * member must receive it; a lone member waits for its list update (10.2). A server may reach a
 * member's later packets only once it has sent that member's join its list updates (the original
 * sleeps a second after each approval first, and a member that leaves inside that second breaks
 * its broadcast: the sending thread dies and the leaver is never announced, a defect that
 * legacy-chat/10.4/2 names on its own).
 */
export async function settleLegacy(ctx: CaseContext, members: readonly LegacySession[]): Promise<void> {
  if (members.length === 1) {
    const [m] = members;
    const isList = (r: { packet: { typ: string } }) => r.packet.typ === 'client_list_update_add';
    if (!m.received.some(isList))
      await ctx.attempt('a list update after the join', `at ${m.conn.label}`, () =>
        m.until(isList, 'its list update'),
      );
    return;
  }
  const markers = members.map((m) => {
    const marker = ctx.line(`settled ${m.conn.label} ${randomBytes(3).toString('hex')}`);
    m.sendPacket('default', marker);
    return marker;
  });
  for (const [i, m] of members.entries()) {
    const due = new Set(markers.filter((_, j) => j !== i));
    const take = (r: { packet: { typ: string; cont: unknown } }) =>
      r.packet.typ === 'default' && due.delete(String(r.packet.cont)) && due.size === 0;
    for (const r of m.received) take(r);
    if (due.size > 0)
      await ctx.attempt("the other members' marker lines", `at ${m.conn.label}`, () =>
        m.until(take, 'the marker lines'),
      );
  }
}
