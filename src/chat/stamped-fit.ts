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

/** The largest record a stamped packet can need under these limits (11.1). */
export function largestStampedRecord(limits: Pick<Limits, 'maxMessage' | 'maxName'>): number {
  return 6 * limits.maxMessage + 8 * limits.maxName + STAMPED_OVERHEAD;
}

/** Throws LIMITS_INCONSISTENT when a stamped packet could outgrow maxFrame (11.1). */
export function checkStampedFit(limits: Pick<Limits, 'maxFrame' | 'maxMessage' | 'maxName'>): void {
  const needed = largestStampedRecord(limits);
  if (needed <= limits.maxFrame) return;
  // Always at least 67 within the limits' ranges (maxFrame >= 1024, maxName <= 64).
  const most = Math.floor((limits.maxFrame - 8 * limits.maxName - STAMPED_OVERHEAD) / 6);
  throw parleyError(
    'LIMITS_INCONSISTENT',
    `maxMessage ${limits.maxMessage} and maxName ${limits.maxName} let a stamped private message ` +
      `take ${needed} bytes, over maxFrame ${limits.maxFrame} (spec 11.1): raise maxFrame to at least ` +
      `${needed} or lower maxMessage to at most ${most}`,
  );
}
