/**
 * Terminal column widths of text and wrapping of formatted lines into rows, for the TUI. Kept
 * apart from formatting because it is about the screen geometry, not what a line says.
 */

import type { Segment } from './view-types.js';

/** Terminal columns a code point takes: 0 (combining, zero-width), 2 (wide CJK, emoji) or 1. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
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
