/**
 * Strict JSON for v2 packets (spec 7.1): UTF-8 without a byte-order mark, no key twice in an
 * object, every number an integer written without fraction or exponent in 0..2^53-1, and every
 * string Unicode text (no escaped lone surrogate such as `\ud800`).
 *
 * How this works: JSON.parse checks the grammar and builds the value, but it keeps the last of two
 * equal keys, reads `1.0` as 1 and skips nothing else we care about, so after it succeeds one pass
 * over the text looks at what it cannot report: each object's keys (compared after unescaping) and
 * each number token. JSON.parse has already vouched for the syntax, so the pass only tracks
 * strings, nesting and numbers. Packets are small; the pass costs far less than the AEAD around it.
 */
import { parleyError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

function malformed(message: string, cause?: unknown): never {
  throw parleyError('PACKET_MALFORMED', message, 'local', cause);
}

/** The index of the quote that ends the string opened at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
}

/**
 * Checks what JSON.parse lets through (7.1): keys twice, numbers that are not v2 integers, strings
 * with an escaped lone surrogate (JSON.parse turns `"\ud800"` into a string no UTF-8 can carry).
 */
export function checkStrictJson(text: string): void {
  // One entry per open object (its keys so far) or array (null).
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const keys = open[open.length - 1];
      const raw = text.slice(i + 1, end);
      // Only an escape can make a lone surrogate: the fatal UTF-8 decoder refuses encoded ones.
      const value = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
      if (LONE_SURROGATE.test(value)) {
        malformed('packet holds a string with an escaped lone surrogate, not Unicode text (7.1)');
      }
      if (expectKey && keys) {
        const key = value;
        if (keys.has(key)) malformed(`packet has the key ${JSON.stringify(key)} twice (7.1)`);
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
    } else if (c === ',') {
      // A string after a comma is a key in an object; in an array there are no keys to check.
      expectKey = true;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i;
      while (end < text.length && /[-+.eE0-9]/.test(text[end])) end++;
      const token = text.slice(i, end);
      if (!/^[0-9]+$/.test(token) || token.length > MAX_DIGITS || Number(token) > Number.MAX_SAFE_INTEGER) {
        malformed(`packet holds the number ${token.slice(0, 40)}, not an integer in 0..2^53-1 (7.1)`);
      }
      i = end - 1;
    }
  }
}

/** A packet body as strict JSON (7.1), or PACKET_MALFORMED. */
export function parseStrictJson(bytes: Uint8Array): unknown {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    malformed('packet starts with a UTF-8 byte-order mark (7.1)');
  }
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch (err) {
    malformed('packet is not UTF-8 JSON', err);
  }
  checkStrictJson(text);
  return value;
}
