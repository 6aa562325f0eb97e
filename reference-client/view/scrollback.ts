/**
 * The scrollback: adding and removing lines, and scrolling through them. Functions over the view
 * state, so that the ViewModel class only dispatches (as input-line.ts does for the input line).
 */

import { caughtUp } from './notifications.js';
import type { Line, ViewContext, ViewState } from './view-types.js';

/** Lines kept when the model is not told otherwise. */
export const DEFAULT_MAX_LINES = 5000;

/** A line before it is added: the id is given then, the time too unless the event carries one. */
export type NewLine = Omit<Line, 'id' | 'ts'> & { ts?: number };

/**
 * Appends a line (stamped now unless it has a time), dropping the oldest past the context's
 * `maxLines`; a scrolled view stays put.
 */
export function addLine(ctx: ViewContext, line: NewLine): Line {
  const s = ctx.state;
  const full: Line = { ...line, id: ++s.lastLineId, ts: line.ts ?? ctx.now() };
  s.lines.push(full);
  if (s.lines.length > ctx.maxLines) s.lines.splice(0, s.lines.length - ctx.maxLines);
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
  caughtUp(s);
}

export function scrollToBottom(s: ViewState): void {
  s.scroll = 0;
  s.unseen = 0;
  caughtUp(s);
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

/** A notice from the client itself (`-!- ...`). */
export function systemLine(ctx: ViewContext, text: string): void {
  addLine(ctx, { kind: 'system', text });
}

export function warningLine(ctx: ViewContext, text: string): void {
  addLine(ctx, { kind: 'warning', text });
}

/** An error line, with its stable code when there is one. */
export function errorLine(ctx: ViewContext, code: string | undefined, text: string): void {
  addLine(ctx, code ? { kind: 'error', code, text } : { kind: 'error', text });
}
