/**
 * /export's file: the conversation as text in `exported/chat-<timestamp>.txt` under the current
 * directory, never overwriting an earlier export of the same second (`-2`, `-3`, ... instead),
 * created with mode 0600 since a conversation is private.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { exportStamp } from '../view/text.js';

/** Writes `text` as a new export file in `dir` stamped `now`; returns the path to show. */
export function writeExportFile(dir: string, now: number, text: string): string {
  const where = resolve(dir);
  mkdirSync(where, { recursive: true });
  const base = `chat-${exportStamp(now)}`;
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  for (let i = 1; ; i++) {
    const file = join(where, i === 1 ? `${base}.txt` : `${base}-${i}.txt`);
    try {
      writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      const shown = relative(process.cwd(), file);
      return shown.startsWith('..') ? file : shown;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw err;
    }
  }
}
