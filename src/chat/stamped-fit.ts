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
 * (a room_list part of one entry, or room_joined with its first name) has 94 bytes besides. With
 * moderation offered (7.18), a motd (512 characters) and a reason (256) hold no control character
 * either: the largest packets holding them are join_ok with the motd and one name (the joiner's,
 * in `users` and `keys`), a `moderated` with every field, and a ban_list or mute_list part of one
 * entry, whose fingerprints (`target`, `by`) take 50 bytes each. A motd given at start-up is
 * measured as it is. A server whose limits break a bound refuses to start rather than send
 * records clients refuse.
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

/** join_ok with `more`, `key`, `op` and a `keys` of one entry, less its three names and motd, plus the tag. */
export const JOIN_OK_OVERHEAD = 162;

/** A `moderated` unmute with `duration` 31536000 (its most, 7.18) and every field but `text`, less its strings, plus the tag. */
export const MODERATED_OVERHEAD = 139;

/** A `mute_list` part of one entry (`kind` key, two fingerprints, a `#` room), less its name, room and reason, plus the tag. */
export const MUTE_LIST_OVERHEAD = 273;

/** Longest motd (7.18, the `motd` packet) and reason (`kick`, `ban`, `mute`), in characters. */
export const MAX_MOTD = 512;
export const MAX_REASON = 256;

/** A full key fingerprint, `SHA256:` and 43 characters (7.16): a ban's or mute's `target` or `by`. */
const FINGERPRINT = 50;

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

/**
 * The largest record a moderation packet can need (11.1, 7.18): join_ok with the largest motd, a
 * `moderated` with a reason, or a mute_list part of one entry (a ban_list part is 13 bytes less,
 * without the room). `motdBytes`: the JSON of a motd given at start-up, when larger than 2048.
 */
export function largestModerationRecord(
  limits: Omit<FitLimits, 'maxFrame' | 'maxMessage'>,
  motdBytes = 4 * MAX_MOTD,
): number {
  const name = 4 * limits.maxName;
  const room = 4 * roomName(limits);
  const reason = 4 * MAX_REASON;
  return Math.max(
    JOIN_OK_OVERHEAD + 3 * name + motdBytes,
    MODERATED_OVERHEAD + Math.max(name, FINGERPRINT) + name + room + reason,
    MUTE_LIST_OVERHEAD + name + room + reason,
  );
}

/** The bytes a motd takes in a packet's JSON, its quotes left out. */
export const motdBytes = (motd: string) => Buffer.byteLength(JSON.stringify(motd)) - 2;

const roomName = (limits: Partial<Pick<Limits, 'maxRoomName'>>) => limits.maxRoomName ?? 0;

/**
 * Throws LIMITS_INCONSISTENT when a stamped packet could outgrow maxFrame (11.1); `rooms`: the
 * server offers rooms, whose packets are checked too (7.15); `keyed`: it offers client-key (7.16);
 * `moderation`: it offers moderation (7.18), whose motd and reasons are checked; `motd`: the one
 * given at start-up, which join_ok carries.
 */
export function checkStampedFit(
  limits: FitLimits,
  rooms = false,
  keyed = false,
  moderation = false,
  motd?: string,
): void {
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
  checkModerationFit(limits, moderation, motd);
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

/** The moderation and motd half of checkStampedFit (11.1, 7.18). */
function checkModerationFit(limits: FitLimits, moderation: boolean, motd: string | undefined): void {
  const given = motd === undefined ? 0 : motdBytes(motd);
  if (!moderation && given === 0) return;
  const largest = Math.max(moderation ? 4 * MAX_MOTD : 0, given);
  const needed = moderation
    ? largestModerationRecord(limits, largest)
    : JOIN_OK_OVERHEAD + 12 * limits.maxName + given;
  if (needed <= limits.maxFrame) return;
  const joinOk = JOIN_OK_OVERHEAD + 12 * limits.maxName + largest;
  // Shortening the motd given helps only when it, not the largest an operator may set, decides.
  const byGiven = joinOk === needed && given === largest;
  const what =
    joinOk === needed
      ? `a join_ok with ${byGiven ? `the motd given (${given} bytes)` : 'a motd of 512 characters'}`
      : 'a moderated or mute_list packet with a reason of 256 characters';
  const fixes = [...(byGiven ? ['shorten the motd'] : []), ...(moderation ? ['offer no moderation'] : [])];
  throw parleyError(
    'LIMITS_INCONSISTENT',
    `maxName ${limits.maxName}${moderation ? ` and maxRoomName ${roomName(limits)}` : ''} let ${what} ` +
      `take ${needed} bytes, over maxFrame ${limits.maxFrame} (spec 11.1${moderation ? ', 7.18' : ''}): ` +
      `raise maxFrame to at least ${needed}${fixes.map((f) => ` or ${f}`).join('')}`,
  );
}
