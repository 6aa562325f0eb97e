/**
 * Tab completion of the word before the cursor: commands, bracket commands, theme names after
 * /theme, the rooms the client is in (a word starting with `#`), and user names; Tab again
 * cycles. Works on the view state; the ViewModel calls it.
 */

import { BRACKET_COMMANDS, COMMANDS } from './commands.js';
import { isSameName, nameRulesOf } from './text.js';
import { THEME_IDS } from './themes.js';
import type { Completion, ViewState } from './view-types.js';

/** Tab: completes the word before the cursor, or moves to the next candidate of the last Tab. */
export function complete(s: ViewState): void {
  const c = s.completion;
  if (c) {
    c.index = (c.index + 1) % c.candidates.length;
    applyCompletion(s, c);
    return;
  }
  const before = s.input.slice(0, s.cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const found = candidates(s, before.slice(0, start), word);
  if (found.length === 0) return;
  const next: Completion = {
    start,
    before: s.input.slice(0, start),
    after: s.input.slice(s.cursor),
    candidates: found,
    index: 0,
  };
  s.completion = next;
  applyCompletion(s, next);
}

function candidates(s: ViewState, head: string, word: string): string[] {
  const lower = word.toLowerCase();
  if (head === '' && word.startsWith('/')) {
    return COMMANDS.map((c) => `/${c.name}`)
      .filter((n) => n.startsWith(lower))
      .map((n) => `${n} `);
  }
  if (head === '' && word.startsWith('[')) {
    return Object.keys(BRACKET_COMMANDS).filter((n) => n.startsWith(lower));
  }
  if (/^\/theme\s+$/i.test(head)) {
    return THEME_IDS.filter((id) => id.startsWith(lower));
  }
  if (word.startsWith('#')) {
    // The rooms the client is in (7.15), for /room, /part and talk about them.
    return s.rooms.rooms
      .map((r) => r.name)
      .filter((n) => n.toLowerCase().startsWith(lower))
      .map((n) => `${n} `);
  }
  if (word === '') return [];
  const rules = nameRulesOf(s.status.resolved);
  const names = s.users
    .filter((u) => u.toLowerCase().startsWith(lower) && !isSameName(rules, u, s.me))
    .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  return names.map((n) => (head === '' ? `${n}: ` : `${n} `));
}

function applyCompletion(s: ViewState, c: Completion): void {
  const choice = c.candidates[c.index];
  s.input = c.before + choice + c.after;
  s.cursor = c.before.length + choice.length;
}
