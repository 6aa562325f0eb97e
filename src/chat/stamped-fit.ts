/**
 * Spec 11.1: every packet a v2 server stamps must fit one record of its own maxFrame.
 *
 * How this works: the largest packet a server builds from a client's text is a `private` with a
 * text of maxMessage characters and two names of maxName characters; with rooms offered (7.15), a
 * `message` with one name and a `room` of 1 + maxRoomName characters may be larger. Their
 * worst-case JSON size is fixed by the JSON rules: a text character takes at most 6 bytes (a
 * control character written as \u00XX), a name or room-name character at most 4 (names hold no
 * control characters, 7.2, so UTF-8 is the worst), and the rest is 90 bytes (93 for the message
 * with its room) of keys, punctuation and two integers of at most 16 digits. A topic (rooms only)
 * holds no control character either, so 4 bytes a character, and the largest packet holding one
 * (a room_list part of one entry, or room_joined with its first name) has 94 bytes besides. A
 * server whose limits break a bound refuses to start rather than send records clients refuse.
 */
import { parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';

/** Keys, punctuation and two 16-digit integers of a `private` packet, plus the 16-byte tag. */
export const STAMPED_OVERHEAD = 106;

/** What a sender's short key adds to a stamped packet (7.16): `,"key":"` + 12 characters + `"`. */
export const KEY_FIELD_BYTES = 21;

/** The same for a `message` with a `room` (its `#` included), plus the tag (11.1, 7.15). */
export const ROOM_STAMPED_OVERHEAD = 109;

/** The rest of the largest packet holding a topic, plus the tag (11.1, 7.15). */
export const TOPIC_OVERHEAD = 110;

type FitLimits = Pick<Limits, 'maxFrame' | 'maxMessage' | 'maxName'> &
  Partial<Pick<Limits, 'maxRoomName' | 'maxTopic'>>;

/**
 * The largest record a stamped packet can need under these limits (11.1); `rooms`: the server
 * offers rooms (7.15); `keyed`: it offers client-key, so a packet may carry the sender's key (7.16).
 */
export function largestStampedRecord(
  limits: Omit<FitLimits, 'maxFrame'>,
  rooms = false,
  keyed = false,
): number {
  const text = 6 * limits.maxMessage;
  const key = keyed ? KEY_FIELD_BYTES : 0;
  const plain = text + 8 * limits.maxName + STAMPED_OVERHEAD + key;
  if (!rooms) return plain;
  return Math.max(plain, text + 4 * limits.maxName + 4 * roomName(limits) + ROOM_STAMPED_OVERHEAD + key);
}

/** The largest record a packet holding a topic can need (11.1, 7.15). */
export function largestTopicRecord(limits: Omit<FitLimits, 'maxFrame' | 'maxMessage'>): number {
  return 4 * (limits.maxTopic ?? 0) + 4 * limits.maxName + 4 * roomName(limits) + TOPIC_OVERHEAD;
}

const roomName = (limits: Partial<Pick<Limits, 'maxRoomName'>>) => limits.maxRoomName ?? 0;

/**
 * Throws LIMITS_INCONSISTENT when a stamped packet could outgrow maxFrame (11.1); `rooms`: the
 * server offers rooms, whose packets are checked too (7.15); `keyed`: it offers client-key (7.16).
 */
export function checkStampedFit(limits: FitLimits, rooms = false, keyed = false): void {
  const needed = largestStampedRecord(limits, rooms, keyed);
  if (needed > limits.maxFrame) {
    // Always at least 63 within the limits' ranges (maxFrame >= 1024, maxName <= 64).
    const most = Math.floor((limits.maxFrame - (needed - 6 * limits.maxMessage)) / 6);
    throw parleyError(
      'LIMITS_INCONSISTENT',
      `maxMessage ${limits.maxMessage} and maxName ${limits.maxName}${rooms ? ` and maxRoomName ${roomName(limits)}` : ''} ` +
        `let a stamped ${rooms && needed > largestStampedRecord(limits, false, keyed) ? 'chat line' : 'private message'} ` +
        (keyed ? "(with the sender's key, 7.16) " : '') +
        `take ${needed} bytes, over maxFrame ${limits.maxFrame} (spec 11.1): raise maxFrame to at least ` +
        `${needed} or lower maxMessage to at most ${most}`,
    );
  }
  if (!rooms) return;
  const topic = largestTopicRecord(limits);
  if (topic <= limits.maxFrame) return;
  throw parleyError(
    'LIMITS_INCONSISTENT',
    `maxTopic ${limits.maxTopic}, maxName ${limits.maxName} and maxRoomName ${roomName(limits)} let a ` +
      `packet with a topic take ${topic} bytes, over maxFrame ${limits.maxFrame} (spec 11.1): raise ` +
      `maxFrame to at least ${topic} or lower maxTopic`,
  );
}
