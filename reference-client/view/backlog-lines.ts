/**
 * The backlog (spec 7.10, feature `backlog`): chat said before this client joined, shown as
 * history. Pure: turns the session's `history` event into view lines, between a `-- history --`
 * separator and an end marker, each line marked `history` so that it is drawn dimmed (TUI) or
 * prefixed (--plain) and never mistaken for something said now.
 */
import type { ChatMessage } from '../../src/client/index.js';
import type { NewLine } from './scrollback.js';

export const HISTORY_START = '-- history --';
export const HISTORY_END = '-- end of history --';

/** The lines that show `messages` as history; none for an empty backlog. */
export function backlogLines(messages: readonly ChatMessage[]): NewLine[] {
  if (messages.length === 0) return [];
  const lines: NewLine[] = [{ kind: 'system', text: HISTORY_START }];
  for (const m of messages) {
    const kind = m.kind === 'action' ? 'action' : 'message';
    lines.push({ kind, from: m.from, text: m.text, ts: m.ts, history: true });
  }
  lines.push({ kind: 'system', text: HISTORY_END });
  return lines;
}
