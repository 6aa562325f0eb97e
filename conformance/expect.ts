/**
 * Outcome checks shared by many cases: "an error packet with code X, or a close".
 *
 * How this works: after a case provokes a fatal error, it hands the session to one of these
 * helpers, which collects what the server sends until it closes or the wait runs out, then
 * compares that with the accepted outcomes. In v2 a server with keys may send one `error` packet
 * (fatal, with the right code) before closing; without keys, or in legacy, the only accepted
 * outcome is the close. Anything else is described precisely in the finding.
 */
import type { CaseContext } from './case.js';
import type { RawConnection } from './driver.js';
import type { LegacySession, Received } from './legacy-driver.js';
import { PRESENCE_TYPES } from './presence.js';
import type { V2Session } from './v2-driver.js';

/** Packets a concurrent case may cause a client to receive; never evidence of "going on". */
const BACKGROUND = new Set([...PRESENCE_TYPES, 'ping']);
/** What other joined clients cause a joined client to receive. */
const BROADCAST = new Set([...BACKGROUND, 'message', 'action']);

export function acceptsV2(codes: readonly string[], keyed: boolean): string[] {
  if (!keyed) return ['the server closes the connection (no keys yet, so no error packet)'];
  return [`an error packet ${codes.join(' or ')} (fatal), then the close`, 'the close without a packet'];
}

/** "a, b, c and 7 more" */
function listed(items: readonly string[], max = 4): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export interface RejectionOptions {
  /** How long to wait for the close (default: the suite's timeout). */
  readonly waitMs?: number;
  /** The close is expected from a server timer (a timeout case), not as a refusal. */
  readonly byTimer?: boolean;
}

/**
 * A close that came only when the server's handshake (or idle) timeout would end the connection
 * anyway proves nothing: returns the finding's text in that case.
 */
export function lateClose(
  ctx: CaseContext,
  conn: RawConnection,
  joined: boolean,
  what: string,
  options: RejectionOptions,
): string | null {
  const after = conn.closedAfterMs;
  if (options.byTimer || joined || after === null) return null;
  const idle =
    ctx.options.profile === 'v2'
      ? (ctx.options.idleTimeoutMs ?? Number.POSITIVE_INFINITY)
      : Number.POSITIVE_INFINITY;
  const limit = Math.min(ctx.options.handshakeTimeoutMs, idle);
  if (after < limit * 0.9) return null;
  return `the connection closed only ${after} ms after it opened, when the server's own timeout (${limit} ms) ends it anyway: no sign that the server refused ${what}`;
}

export const ACCEPTS_LEGACY_CLOSE = ['the server closes the connection (legacy has no error packet)'];

/**
 * Expects the server to refuse what was just sent: (error with one of `codes`, fatal) then close,
 * or just close. `what` completes "the server accepted ..." in findings.
 */
export async function expectV2Rejection(
  ctx: CaseContext,
  session: V2Session,
  codes: readonly string[],
  what: string,
  options: RejectionOptions = {},
): Promise<void> {
  const waitMs = options.waitMs ?? ctx.timeout;
  const keyed = session.keys !== null;
  // A joined client hears the room; only packets meant for it alone show that the server went on.
  const background = session.name === null ? BACKGROUND : BROADCAST;
  const expected = acceptsV2(codes, keyed).join(', or ');
  const seen = await session.drain(waitMs);
  if (!keyed) {
    if (seen.frames > 0) {
      ctx.fail(
        expected,
        `the server answered with ${seen.frames} frame(s) (server_auth?) instead of closing: it accepted ${what}`,
      );
    }
    if (!seen.closed) {
      ctx.fail(expected, `no close within ${waitMs} ms: the connection stays open after ${what}`);
    }
    const late = lateClose(ctx, session.conn, false, what, options);
    if (late) ctx.fail(expected, late);
    ctx.note('closed without a packet');
    return;
  }
  const errors = seen.packets.filter((p) => p.type === 'error');
  const others = seen.packets.filter((p) => p.type !== 'error' && !background.has(p.type));
  if (others.length > 0) {
    ctx.fail(
      expected,
      `the server went on after ${what}: it sent ${listed(others.map((p) => p.type))}` +
        (seen.closed ? ', then closed' : ''),
    );
  }
  for (const error of errors) {
    if (error.type !== 'error') continue;
    if (!codes.includes(error.code)) {
      ctx.fail(expected, `error ${error.code} (${error.message}) after ${what}`);
    }
    if (!error.fatal)
      ctx.fail(expected, `error ${error.code} has fatal: false, but ${error.code} is fatal (12)`);
  }
  const said = errors.map((e) => (e.type === 'error' ? `error ${e.code}` : '')).join(', ');
  if (!seen.closed) {
    ctx.fail(
      expected,
      `${said ? `${said}, but ` : ''}no close within ${waitMs} ms: the connection stays open after ${what}`,
    );
  }
  const late = said ? null : lateClose(ctx, session.conn, session.name !== null, what, options);
  if (late) ctx.fail(expected, late);
  if (errors.length > 1)
    ctx.check(false, expected, `${errors.length} error packets before the close`, 'SHOULD');
  ctx.note(said ? `${said} (fatal), then closed` : 'closed without an error packet');
}

/**
 * Expects a legacy server to close the connection after what was just sent. `accepted(r)` may
 * return a reason when a received frame proves the server accepted it.
 */
export async function expectLegacyClose(
  ctx: CaseContext,
  session: LegacySession,
  what: string,
  accepted?: (r: Received) => string | null,
  options: RejectionOptions = {},
): Promise<void> {
  const waitMs = options.waitMs ?? ctx.timeout;
  const seen = await session.drain(waitMs);
  for (const frame of seen.frames) {
    const reason = accepted?.(frame);
    if (reason) ctx.fail(ACCEPTS_LEGACY_CLOSE[0], `${reason}: the server accepted ${what}`);
  }
  if (!seen.closed) {
    ctx.fail(
      ACCEPTS_LEGACY_CLOSE[0],
      `no close within ${waitMs} ms: the connection stays open after ${what}` +
        (seen.frames.length ? ` (it sent ${listed(seen.frames.map((f) => f.packet.typ))})` : ''),
    );
  }
  const late = lateClose(ctx, session.conn, session.name !== null, what, options);
  if (late) ctx.fail(ACCEPTS_LEGACY_CLOSE[0], late);
  ctx.note('closed');
}
