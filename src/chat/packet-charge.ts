/**
 * What the rate limit does to one endpoint event (spec 7.8, 10.2): the one place a client packet
 * is charged to its connection's bucket, before it has any effect.
 *
 * How this works: the chat server (chat-server.ts) asks, for each event an endpoint returns, what
 * the charge decides, and carries the answer out. An event with no cost (not a client packet) is
 * not charged; the first pong after the server's own ping is free, since the server asked for it
 * (11); any other packet takes its cost from the bucket (rate-limit.ts). A packet the bucket
 * cannot pay for is dropped, answered RATE_LIMITED while the refusals of the window stay within
 * rateRefusalBudget, and past it the connection is closed (RATE_EXCEEDED). A dropped join (a
 * packet waiting for the room's verdict) is settled as refused, with no verdict sent, so that what
 * follows it in the read is handled; legacy has no reply for it and closes instead (10.2, L1).
 * This module only computes and returns: it marks the connection's bucket, never sends.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';
import { chargePacket, rateError } from './rate-limit.js';
import type { Conn, WireDialect } from './server-contract.js';

export type Charge =
  /** Not a client packet: nothing to charge. */
  | { readonly kind: 'uncharged' }
  /** Charged (or the pong the server asked for): handle it. */
  | { readonly kind: 'charged' }
  /** Dropped: `refuseJoin` settles a waiting join as refused; `notice` is the reply, if any. */
  | { readonly kind: 'dropped'; readonly refuseJoin: boolean; readonly notice: ParleyError | null }
  /** Dropped, and the connection is to be closed with `error`. */
  | { readonly kind: 'close'; readonly error: ParleyError };

const UNCHARGED: Charge = { kind: 'uncharged' };
const CHARGED: Charge = { kind: 'charged' };

/** Charges `event`, read on connection `conn` at `now`, to its bucket (7.8). */
export function chargeEvent<E>(
  conn: Conn<E>,
  event: E,
  dialect: Pick<WireDialect<E>, 'rateCost' | 'answersPing' | 'waitsForVerdict' | 'closesOnDroppedJoin'>,
  limits: Limits,
  now: number,
): Charge {
  const cost = dialect.rateCost(event);
  if (cost === null) return UNCHARGED;
  // The first pong after the server's own ping is free: the server asked for it (7.8).
  if (conn.pingedAt !== null && dialect.answersPing(event)) {
    conn.pingedAt = null;
    return CHARGED;
  }
  const verdict = chargePacket(conn.rate, cost, limits, now);
  if (verdict === 'pass') return CHARGED;
  const join = dialect.waitsForVerdict(event) && conn.endpoint.awaitingVerdict;
  if (verdict === 'close') return { kind: 'close', error: rateError('close', limits) };
  if (join && dialect.closesOnDroppedJoin) {
    const message = 'a join dropped by the rate limit, which has no reply in this protocol (10.2)';
    return { kind: 'close', error: parleyError('RATE_EXCEEDED', message) };
  }
  return {
    kind: 'dropped',
    refuseJoin: join,
    notice: verdict === 'reply' ? rateError('reply', limits) : null,
  };
}
