/**
 * Token buckets (spec 7.8 and 11): the packet bucket of one connection, with its refusal budget,
 * and the plain bucket that admission (admission.ts) keeps per remote address.
 *
 * How this works: a bucket holds up to `burst` tokens and gains `perSecond` a second, computed
 * when it is next used (no timer). A packet takes its cost (the spec's `rateCost`) or is refused.
 * Refusals are counted in a window of rateRefusalWindowMs that opens at the first refusal: the
 * first rateRefusalReplies of a window are answered with RATE_LIMITED, later ones are dropped
 * without a word (a reply per refusal made the limit an amplifier), and the refusal after
 * rateRefusalBudget closes the connection with RATE_EXCEEDED. Time is passed in (sans-IO).
 *
 * A packet's work for the room is charged after it took effect (`chargeFanout`): a token per
 * fanoutTokenBytes of what it had the server queue for the members, which may leave the bucket
 * in debt (at most rateBurst). Members within the packet rate, each fanned out to every other,
 * made work that grew as the square of the room: 100 of them saying long lines held an honest
 * member's own line for seconds. Now what one member makes the server do per second is bounded
 * by bytes, not by packets.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';

export interface TokenBucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** A full bucket at `now`. */
export function fullBucket(burst: number, now: number): TokenBucket {
  return { tokens: burst, at: now };
}

/** Brings `bucket` up to `now`: perSecond tokens a second, at most `burst`. */
export function refill(bucket: TokenBucket, burst: number, perSecond: number, now: number): void {
  if (now > bucket.at) {
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
  }
}

/** Takes `cost` tokens when the bucket holds them (true), else leaves it as it is (false). */
export function take(
  bucket: TokenBucket,
  cost: number,
  burst: number,
  perSecond: number,
  now: number,
): boolean {
  refill(bucket, burst, perSecond, now);
  if (bucket.tokens < cost) return false;
  bucket.tokens -= cost;
  return true;
}

export type PacketRateLimits = Pick<
  Limits,
  | 'rateBurst'
  | 'ratePerSecond'
  | 'rateRefusalReplies'
  | 'rateRefusalBudget'
  | 'rateRefusalWindowMs'
  | 'fanoutTokenBytes'
>;

/** One connection's packet bucket and its refusals in the current window. */
export interface PacketBucket extends TokenBucket {
  /** When the current refusal window opened, or -Infinity when none is open. */
  windowStart: number;
  /** Refusals in the current window. */
  refusals: number;
}

/**
 * What becomes of one packet: `pass` (it takes effect), `reply` (dropped, answered with
 * RATE_LIMITED), `drop` (dropped without a reply), `close` (the budget is spent: RATE_EXCEEDED).
 */
export type RateVerdict = 'pass' | 'reply' | 'drop' | 'close';

export function packetBucket(limits: PacketRateLimits, now: number): PacketBucket {
  return { ...fullBucket(limits.rateBurst, now), windowStart: Number.NEGATIVE_INFINITY, refusals: 0 };
}

/** Charges one packet of `cost` tokens to `bucket` at `now` (7.8). */
export function chargePacket(
  bucket: PacketBucket,
  cost: number,
  limits: PacketRateLimits,
  now: number,
): RateVerdict {
  // A packet never costs more than a full bucket, so that a small --burst cannot forbid a type.
  if (take(bucket, Math.min(cost, limits.rateBurst), limits.rateBurst, limits.ratePerSecond, now))
    return 'pass';
  if (now - bucket.windowStart >= limits.rateRefusalWindowMs) {
    bucket.windowStart = now;
    bucket.refusals = 0;
  }
  bucket.refusals++;
  if (bucket.refusals > limits.rateRefusalBudget) return 'close';
  return bucket.refusals <= limits.rateRefusalReplies ? 'reply' : 'drop';
}

/**
 * Charges a packet that passed for its fan-out (7.8, 11 fanoutTokenBytes): `bytes` queued for the
 * room's members cost a token per fanoutTokenBytes, at most rateBurst; the bucket may go below
 * zero by that much, and the connection's next packets wait until it has refilled.
 */
export function chargeFanout(bucket: PacketBucket, bytes: number, limits: PacketRateLimits): void {
  const tokens = Math.floor(bytes / limits.fanoutTokenBytes);
  if (tokens > 0) bucket.tokens -= Math.min(tokens, limits.rateBurst);
}

/** The error a refused packet meets (7.8): RATE_LIMITED as a reply, RATE_EXCEEDED at the close. */
export function rateError(verdict: 'reply' | 'close', limits: Limits): ParleyError {
  if (verdict === 'reply')
    return parleyError(
      'RATE_LIMITED',
      `slow down: the server allows ${limits.ratePerSecond} packets a second`,
    );
  const windowS = limits.rateRefusalWindowMs / 1000;
  const message = `more than ${limits.rateRefusalBudget} packets over the rate limit within ${windowS} s`;
  return parleyError('RATE_EXCEEDED', message);
}
