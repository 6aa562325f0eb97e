/**
 * Which blessed key names the TUI hands to the view model, and as what (view-types.ts KeyName):
 * editing and scrolling keys, and the room keys (Alt-1..9, Ctrl-N, Ctrl-P, irssi's habits).
 * Everything else is either typed text or ignored.
 */

import type { KeyName } from '../view/view-types.js';

export const KEYS: Readonly<Record<string, KeyName>> = {
  enter: 'enter',
  linefeed: 'enter',
  backspace: 'backspace',
  delete: 'delete',
  left: 'left',
  right: 'right',
  home: 'home',
  end: 'end',
  up: 'up',
  down: 'down',
  pageup: 'pageup',
  pagedown: 'pagedown',
  tab: 'tab',
  escape: 'escape',
  'C-a': 'C-a',
  'C-e': 'C-e',
  'C-u': 'C-u',
  'C-k': 'C-k',
  'C-w': 'C-w',
  'C-end': 'C-end',
  'M-pageup': 'M-pageup',
  'M-pagedown': 'M-pagedown',
  'C-n': 'C-n',
  'C-p': 'C-p',
  'M-1': 'M-1',
  'M-2': 'M-2',
  'M-3': 'M-3',
  'M-4': 'M-4',
  'M-5': 'M-5',
  'M-6': 'M-6',
  'M-7': 'M-7',
  'M-8': 'M-8',
  'M-9': 'M-9',
};
