/**
 * Notifications: which lines are for the user (a private message to them, a mention of their
 * name), the unread count while they are away (the terminal lost focus) or scrolled back, and the
 * bell. Functions over the view state; the TUI rings the bell when `bells` grows and shows the
 * counts in the status bar and the terminal title.
 */

import { isSameName, mentions } from './text.js';
import type { Line, Viewer, ViewState } from './view-types.js';

/** A line the user would want to be told of: a private message from another, or a mention. */
export function isForMe(line: Line, viewer: Viewer): boolean {
  const mine = (name: string) => isSameName(viewer.rules, name, viewer.me);
  switch (line.kind) {
    case 'private':
      return !(mine(line.from ?? '') && !mine(line.to ?? ''));
    case 'message':
    case 'action':
      return !mine(line.from ?? '') && mentions(line.text, viewer.me);
    default:
      return false;
  }
}

/** The user is not reading new lines as they come: the terminal is not focused, or scrolled back. */
export function isAway(s: Readonly<ViewState>): boolean {
  return !s.focused || s.scroll > 0;
}

/** A line from the room arrived: counts it while the user is away, and rings for one for them. */
export function noticeArrival(s: ViewState, line: Line, viewer: Viewer): void {
  if (line.kind !== 'message' && line.kind !== 'action' && line.kind !== 'private') return;
  // The backlog (7.10) was said before the user came: never unread, never a bell.
  if (line.history) return;
  const forMe = isForMe(line, viewer);
  if (!forMe && isSameName(viewer.rules, line.from ?? '', viewer.me)) return; // the user's own
  if (isAway(s)) {
    s.unread++;
    if (forMe) s.unreadForMe++;
  }
  if (forMe && s.bell) s.bells++;
}

/** The user is back at the newest line with the terminal focused: nothing is unread any more. */
export function caughtUp(s: ViewState): void {
  if (isAway(s)) return;
  s.unread = 0;
  s.unreadForMe = 0;
}

export function setFocus(s: ViewState, focused: boolean): void {
  s.focused = focused;
  caughtUp(s);
}

/** The unread counts as words (`3 unread, 1 for you`), or null when nothing is unread. */
export function unreadText(s: Readonly<ViewState>): string | null {
  if (s.unread === 0) return null;
  return s.unreadForMe > 0 ? `${s.unread} unread, ${s.unreadForMe} for you` : `${s.unread} unread`;
}

/** The terminal title: the unread counts first, so they show in a tab or task bar. */
export function terminalTitle(s: Readonly<ViewState>, server: string): string {
  const unread = unreadText(s);
  return unread ? `(${unread}) Parley ${server}` : `Parley ${server}`;
}
