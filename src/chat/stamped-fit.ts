/**
 * Spec 11.1: every packet a v2 server stamps must fit one record of its own maxFrame.
 *
 * How this works: the largest packet a server builds from a client's text is a `private` with a
 * text of maxMessage characters and two names of maxName characters. Its worst-case JSON size is
 * fixed by the JSON rules: a text character takes at most 6 bytes (a control character written as
 * \u00XX), a name character at most 4 (names hold no control characters, 7.2, so UTF-8 is the
 * worst), and the rest is 90 bytes of keys, punctuation and two integers of at most 16 digits. A
 * server whose limits break the bound refuses to start rather than send records clients refuse.
 */
import { parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';

/** Keys, punctuation and two 16-digit integers of a `private` packet, plus the 16-byte tag. */
export const STAMPED_OVERHEAD = 106;

/** What a sender's short key adds to a stamped packet (7.16): `,"key":"` + 12 characters + `"`. */
export const KEY_FIELD_BYTES = 21;

/**
 * The largest record a stamped packet can need under these limits (11.1); `keyed`: the server
 * offers client-key, so a packet may carry the sender's key (7.16).
 */
export function largestStampedRecord(limits: Pick<Limits, 'maxMessage' | 'maxName'>, keyed = false): number {
  return 6 * limits.maxMessage + 8 * limits.maxName + STAMPED_OVERHEAD + (keyed ? KEY_FIELD_BYTES : 0);
}

/** Throws LIMITS_INCONSISTENT when a stamped packet could outgrow maxFrame (11.1). */
export function checkStampedFit(
  limits: Pick<Limits, 'maxFrame' | 'maxMessage' | 'maxName'>,
  keyed = false,
): void {
  const needed = largestStampedRecord(limits, keyed);
  if (needed <= limits.maxFrame) return;
  // Always at least 63 within the limits' ranges (maxFrame >= 1024, maxName <= 64).
  const overhead = STAMPED_OVERHEAD + (keyed ? KEY_FIELD_BYTES : 0);
  const most = Math.floor((limits.maxFrame - 8 * limits.maxName - overhead) / 6);
  throw parleyError(
    'LIMITS_INCONSISTENT',
    `maxMessage ${limits.maxMessage} and maxName ${limits.maxName} let a stamped private message ` +
      (keyed ? "(with the sender's key, 7.16) " : '') +
      `take ${needed} bytes, over maxFrame ${limits.maxFrame} (spec 11.1): raise maxFrame to at least ` +
      `${needed} or lower maxMessage to at most ${most}`,
  );
}
