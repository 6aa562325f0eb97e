/**
 * The user list beside the conversation: which names show in the rows it has, with "↑ N more"
 * above and "+N more" below when the room is larger, and scrolling through it (Alt-PageUp,
 * Alt-PageDown, the mouse wheel over it), and how one name reads there: a member who is away
 * (7.12) gets a mark and a dim name; an operator's name is marked `@` and another keyed member's
 * `+` (7.16, 7.18; moderation-view.ts). Functions over the view state.
 */

import { keyMarkOf } from './moderation-view.js';
import { sanitize } from './text.js';
import { clipToWidth } from './text-layout.js';
import type { ViewState } from './view-types.js';

export interface UserListWindow {
  readonly names: readonly string[];
  /** Names before the first shown (a "↑ N more" row shows them). */
  readonly above: number;
  /** Names after the last shown (a "+N more" row shows them). */
  readonly below: number;
}

/** The furthest the list scrolls: the last page, under its "↑ N more" row. */
function maxScroll(total: number, rows: number): number {
  return total <= rows ? 0 : total - Math.max(1, rows - 1);
}

/** What shows in `rows` rows: the names from the scroll position, and the "more" rows. */
export function userListWindow(s: Readonly<ViewState>, rows: number): UserListWindow {
  const total = s.users.length;
  if (total <= rows) return { names: s.users, above: 0, below: 0 };
  // Fewer than three rows cannot hold a name between two "more" rows: no scrolling then.
  const start = rows < 3 ? 0 : Math.max(0, Math.min(s.userScroll, maxScroll(total, rows)));
  let count = rows - (start > 0 ? 1 : 0);
  if (start + count < total) count--;
  count = Math.max(0, count);
  return { names: s.users.slice(start, start + count), above: start, below: total - start - count };
}

/** Scrolls the list by `n` names (positive: down), within what `rows` rows can show. */
export function scrollUsers(s: ViewState, n: number, rows: number): void {
  s.userScroll = Math.max(0, Math.min(s.userScroll + n, maxScroll(s.users.length, rows)));
}

/** The mark before an away member's name: ASCII, so one column in every terminal and font. */
export const AWAY_MARK = '~';

export interface SidebarEntry {
  /** The row's text: a space (or the away mark), then the name clipped to the room left. */
  readonly text: string;
  /** Away (7.12): drawn dim. */
  readonly away: boolean;
}

/**
 * One name as the sidebar shows it in `width` columns. The away mark takes the place of the space
 * before every name, so names stay aligned and the row never grows by the mark.
 */
export function sidebarEntry(s: Readonly<ViewState>, name: string, width: number): SidebarEntry {
  const away = s.away.has(name);
  const mark = keyMarkOf(s, name);
  const label = clipToWidth(sanitize(name), Math.max(0, width - 1 - mark.length));
  return { text: `${away ? AWAY_MARK : ' '}${mark}${label}`, away };
}
