/**
 * The input line: inserting text, the editing keys (cursor moves, deletions, Ctrl-U/K/W) and the
 * Up/Down history. Functions over the view state, so that the ViewModel class only dispatches.
 */

import type { KeyName, ViewState } from './view-types.js';

/** Lines kept in the Up/Down history. */
const HISTORY_MAX = 500;

/** Inserts typed or pasted text at the cursor (control characters are dropped). */
export function insertText(s: ViewState, text: string): void {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
  if (clean === '') return;
  s.completion = null;
  s.input = s.input.slice(0, s.cursor) + clean + s.input.slice(s.cursor);
  s.cursor += clean.length;
}

/**
 * Pasted text as one insertion: line breaks and tabs become spaces, so that a multi-line paste
 * waits in the input line for Enter instead of sending a message per line.
 */
export function pastedText(text: string): string {
  return text.replace(/\r\n|\r|\n|\t/g, ' ');
}

/** Applies an editing or history key to the input line; false if `name` is not one. */
export function editInput(s: ViewState, name: KeyName): boolean {
  const { input, cursor } = s;
  switch (name) {
    case 'backspace':
      if (cursor > 0) {
        const at = prevIndex(input, cursor);
        s.input = input.slice(0, at) + input.slice(cursor);
        s.cursor = at;
      }
      return true;
    case 'delete':
      if (cursor < input.length) s.input = input.slice(0, cursor) + input.slice(nextIndex(input, cursor));
      return true;
    case 'left':
      s.cursor = prevIndex(input, cursor);
      return true;
    case 'right':
      s.cursor = nextIndex(input, cursor);
      return true;
    case 'home':
    case 'C-a':
      s.cursor = 0;
      return true;
    case 'end':
    case 'C-e':
      s.cursor = input.length;
      return true;
    case 'C-u':
      s.input = input.slice(cursor);
      s.cursor = 0;
      return true;
    case 'C-k':
      s.input = input.slice(0, cursor);
      return true;
    case 'C-w': {
      const start = input.slice(0, cursor).replace(/\S*\s*$/, '').length;
      s.input = input.slice(0, start) + input.slice(cursor);
      s.cursor = start;
      return true;
    }
    case 'up':
      historyUp(s);
      return true;
    case 'down':
      historyDown(s);
      return true;
    default:
      return false;
  }
}

/**
 * Clears the input line for Enter and returns what it held; the line goes into the history
 * unless `remember` is false (answers to a question) or it repeats the previous entry.
 */
export function takeInput(s: ViewState, remember: boolean): string {
  const text = s.input;
  s.input = '';
  s.cursor = 0;
  s.completion = null;
  s.historyPos = null;
  s.draft = '';
  if (remember && text.trim() !== '' && s.history.at(-1) !== text) {
    s.history.push(text);
    if (s.history.length > HISTORY_MAX) s.history.shift();
  }
  return text;
}

function historyUp(s: ViewState): void {
  const { history } = s;
  if (history.length === 0) return;
  if (s.historyPos === null) {
    s.draft = s.input;
    s.historyPos = history.length - 1;
  } else if (s.historyPos > 0) {
    s.historyPos--;
  } else return;
  s.input = history[s.historyPos];
  s.cursor = s.input.length;
}

function historyDown(s: ViewState): void {
  if (s.historyPos === null) return;
  if (s.historyPos < s.history.length - 1) {
    s.historyPos++;
    s.input = s.history[s.historyPos];
  } else {
    s.historyPos = null;
    s.input = s.draft;
  }
  s.cursor = s.input.length;
}

/** The UTF-16 index one code point before `i` (a surrogate pair moves as one). */
function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  const code = s.charCodeAt(i - 1);
  return code >= 0xdc00 && code <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

/** The UTF-16 index one code point after `i`. */
function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const code = s.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}
