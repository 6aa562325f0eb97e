/**
 * Terminal column widths of text and wrapping of formatted lines into rows, for the TUI. Kept
 * apart from formatting because it is about the screen geometry, not what a line says.
 */

import { eastAsianWidth } from 'get-east-asian-width';
import { sanitize } from './text.js';
import type { Segment } from './view-types.js';

/**
 * Zero columns: combining and enclosing marks (drawn on the character before), format and other
 * default-ignorable code points (displayText turns those into U+FFFD anyway), and the Hangul
 * medial vowels and final consonants that join the syllable before them.
 */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Default_Ignorable_Code_Point}\u1160-\u11ff\ud7b0-\ud7ff]$/u;

/**
 * Terminal columns a code point takes: 0 (see ZERO_WIDTH, controls), 2 (East Asian Wide and
 * Fullwidth, which includes every emoji with emoji presentation) or 1. The widths come from
 * Unicode's EastAsianWidth data through `get-east-asian-width`, ambiguous characters narrow as
 * Unicode advises outside East Asian contexts; the TUI makes blessed use this same function.
 */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp >= 0x300 && ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  return eastAsianWidth(cp, { ambiguousAsWide: false });
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/**
 * Wraps a formatted line into rows of at most `width` columns, breaking at spaces where it can;
 * continuation rows start with `indent` spaces so that text lines up after the timestamp.
 */
export function wrapSegments(segments: readonly Segment[], width: number, indent: number): Segment[][] {
  const hang = width > indent + 8 ? indent : 0;
  const rows: Segment[][] = [[]];
  let col = 0;
  const put = (text: string, like: Segment) => {
    const row = rows[rows.length - 1];
    const last = row[row.length - 1];
    if (last && last.style === like.style && last.nick === like.nick && last.bold === like.bold) {
      row[row.length - 1] = { ...last, text: last.text + text };
    } else {
      row.push({ ...like, text });
    }
  };
  const newRow = () => {
    const row = rows[rows.length - 1];
    const last = row[row.length - 1];
    if (last && last.style !== 'time') {
      const trimmed = last.text.replace(/\s+$/, '');
      if (trimmed === '') row.pop();
      else row[row.length - 1] = { ...last, text: trimmed };
    }
    rows.push(hang > 0 ? [{ text: ' '.repeat(hang), style: 'dim' }] : []);
    col = hang;
  };
  for (const segment of segments) {
    for (const token of segment.text.match(/\s+|\S+/g) ?? []) {
      const w = displayWidth(token);
      if (col + w <= width) {
        put(token, segment);
        col += w;
      } else if (/^\s+$/.test(token)) {
        newRow(); // break at the space, which goes
      } else if (w <= width - hang && col > hang) {
        newRow();
        put(token, segment);
        col += w;
      } else {
        for (const ch of token) {
          const cw = charWidth(ch.codePointAt(0)!);
          if (col + cw > width && col > hang) newRow();
          put(ch, segment);
          col += cw;
        }
      }
    }
  }
  return rows;
}

/** Cuts text to at most `width` columns, ending with `…` when something was cut. */
export function clipToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** The input line around the cursor as it fits a row: `under` is the character the cursor is on. */
export interface InputWindow {
  readonly left: string;
  readonly under: string;
  readonly right: string;
}

/**
 * What of the input line shows in `room` columns, scrolled sideways to keep the cursor in view.
 * Each character is shown as displayText shows it (sanitize), so a format character pasted into
 * the input line never reaches the terminal either; `cursor` is a UTF-16 index into `input`.
 */
export function inputWindow(input: string, cursor: number, room: number): InputWindow {
  const shown = (part: string) => [...part].map((ch) => sanitize(ch));
  const before = shown(input.slice(0, cursor));
  const [first = ' ', ...after] = shown(input.slice(cursor));
  const under = first === '' ? ' ' : first;
  let free = Math.max(1, room - displayWidth(under));
  let left = '';
  for (let i = before.length - 1; i >= 0; i--) {
    const w = displayWidth(before[i]);
    if (w > free) break;
    left = before[i] + left;
    free -= w;
  }
  let right = '';
  for (const piece of after) {
    const w = displayWidth(piece);
    if (w > free) break;
    right += piece;
    free -= w;
  }
  return { left, under, right };
}
