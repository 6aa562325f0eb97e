/**
 * The scrollback: adding and removing lines, and scrolling through them. Functions over the view
 * state, so that the ViewModel class only dispatches (as input-line.ts does for the input line).
 */

import type { Line, ViewState } from './view-types.js';

/** Lines kept when the model is not told otherwise. */
export const DEFAULT_MAX_LINES = 5000;

/** Appends a line (stamped `ts`), dropping the oldest past `maxLines`; a scrolled view stays put. */
export function addLine(
  s: ViewState,
  line: Omit<Line, 'id' | 'ts'> & { ts?: number },
  now: number,
  maxLines: number,
): Line {
  const full: Line = { ...line, id: ++s.lastLineId, ts: line.ts ?? now };
  s.lines.push(full);
  if (s.lines.length > maxLines) s.lines.splice(0, s.lines.length - maxLines);
  if (s.scroll > 0) {
    s.scroll = Math.min(s.scroll + 1, s.lines.length - 1);
    s.unseen++;
  }
  return full;
}

export function removeLine(s: ViewState, id: number): void {
  const i = s.lines.findIndex((l) => l.id === id);
  if (i < 0) return;
  const hidden = i >= s.lines.length - s.scroll;
  s.lines.splice(i, 1);
  if (hidden) s.scroll--;
  s.scroll = Math.max(0, Math.min(s.scroll, s.lines.length - 1));
}

/**
 * Scrolls by `n` lines (positive: back in time). With the pane height `page`, it stops where the
 * first page shows, rather than scrolling the oldest line up to the bottom row.
 */
export function scrollBy(s: ViewState, n: number, page = 1): void {
  const max = Math.max(0, s.lines.length - Math.max(1, page));
  s.scroll = Math.max(0, Math.min(max, s.scroll + n));
  if (s.scroll === 0) s.unseen = 0;
}

export function scrollToBottom(s: ViewState): void {
  s.scroll = 0;
  s.unseen = 0;
}

/** The last `height` lines above the scroll position (each takes at least one row). */
export function visibleLines(s: Readonly<ViewState>, height: number): Line[] {
  const end = s.lines.length - s.scroll;
  return s.lines.slice(Math.max(0, end - height), end);
}

export function clearLines(s: ViewState): void {
  s.lines = [];
  s.scroll = 0;
  s.unseen = 0;
}
