/**
 * Text from the network, made safe to show: on a terminal (the client) and in a log line (the
 * server). One rule serves both, so what an operator reads and what a user sees agree.
 *
 * How this works: a code point is "unsafe" when a terminal would act on it rather than draw it
 * (C0 and C1 controls, which start escape sequences), or when it draws nothing and so can hide or
 * reorder what is around it: format characters (\p{Cf}: zero-width spaces and joiners, bidi
 * controls, the byte order mark, soft hyphen, tag characters) and the other default-ignorable
 * code points (fillers such as U+3164). `displayText` turns each into U+FFFD, a line break into
 * " ↵ " and a tab into a space, except the two that emoji sequences are built of (U+200D, and the
 * variation selectors U+FE0E/U+FE0F), which it drops: the sequence then shows as its visible parts,
 * whose width a terminal knows. `logText` quotes a value for one log line: JSON string syntax with
 * every unsafe code point and line separator escaped as \uXXXX, cut to a length with the number of
 * code points left out, so a value can never end the line, forge another, or move the cursor.
 */

/** C0, DEL, C1; format characters; other default-ignorable code points; line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2028\u2029]/gu;

/** Parts of emoji sequences, dropped on display rather than shown as U+FFFD. */
const EMOJI_GLUE = new Set([0x200d, 0xfe0e, 0xfe0f]);

/** `text` as a terminal may print it (see the module comment). */
export function displayText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ↵ ')
    .replace(/\t/g, ' ')
    .replace(UNSAFE, (ch) => (EMOJI_GLUE.has(ch.codePointAt(0)!) ? '' : '\uFFFD'));
}

/** Whether `text` holds a code point that displayText would change (other than a tab or line break). */
export function hasUnsafeText(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/**
 * One unsafe code point as JSON escapes of its UTF-16 code units: a code point past U+FFFF (a tag
 * character) becomes its surrogate pair, so that JSON.parse gives the code point back.
 */
const escapeUnits = (ch: string) =>
  ch
    .split('')
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('');

/** Longest log line (in code points) before the rest is cut; no one reads past it. */
export const MAX_LOG_LINE = 2000;

/**
 * A whole log line made safe (the last guard, applied to every line in one place): every unsafe
 * code point (a line break too) escaped as \uXXXX, at most MAX_LOG_LINE code points, then
 * `…(+N)`. Values inside it should already be quoted with logText, so that they read as values.
 */
export function logLine(message: string): string {
  const escaped = message.replace(UNSAFE, escapeUnits);
  const points = [...escaped];
  if (points.length <= MAX_LOG_LINE) return escaped;
  return `${points.slice(0, MAX_LOG_LINE).join('')}…(+${points.length - MAX_LOG_LINE})`;
}

/**
 * `value` as one quoted token of a log line: JSON string syntax ("..."), unsafe code points as
 * \uXXXX, and at most `max` code points of the value, then `…(+N)` for the N left out.
 */
export function logText(value: string, max = 120): string {
  const quote = (text: string) => JSON.stringify(text).replace(UNSAFE, escapeUnits);
  const points = [...value];
  if (points.length <= max) return quote(value);
  return `${quote(points.slice(0, max).join(''))}…(+${points.length - max})`;
}
