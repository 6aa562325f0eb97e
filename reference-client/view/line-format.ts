/**
 * Turning a Line into output: styled segments for the TUI (the theme maps styles to colours) and
 * the plain-text form for --plain. Pure; knows nothing of the terminal.
 */

import { isForMe } from './notifications.js';
import { formatTime, isSameName, sanitize } from './text.js';
import type { FormattedLine, Line, Segment, Viewer } from './view-types.js';

function nickSegment(name: string, viewer: Viewer): Segment {
  const clean = sanitize(name);
  return isSameName(viewer.rules, name, viewer.me)
    ? { text: clean, style: 'own', bold: true }
    : { text: clean, style: 'nick', nick: name };
}

/** How many names a line about several users shows before "and N others". */
const SHOWN_NAMES = 5;

/**
 * The names of a join or leave of several users, as pieces: `ann, bob and cat`, or for a long
 * list `ann, bob, cat, dan, eve and 157 others`. `name` makes a name's piece, `glue` the rest.
 */
function namePieces<T>(names: readonly string[], name: (n: string) => T, glue: (text: string) => T): T[] {
  const shown = names.length <= SHOWN_NAMES + 1 ? names : names.slice(0, SHOWN_NAMES);
  const others = names.length - shown.length;
  const pieces: T[] = [];
  shown.forEach((n, i) => {
    if (i > 0) pieces.push(glue(i === shown.length - 1 && others === 0 ? ' and ' : ', '));
    pieces.push(name(n));
  });
  if (others > 0) pieces.push(glue(` and ${others} others`));
  return pieces;
}

/** What marks a line for the user (a private message to them, a mention), after the time. */
const FOR_ME: Segment = { text: '» ', style: 'warning', bold: true };

/**
 * The styled pieces of one line, for the TUI (the theme turns styles into colours); a line for
 * the user (notifications.ts isForMe) is highlighted and marked with `»`. A backlog line (7.10)
 * is all dim and never highlighted, so that it reads as the past.
 */
export function formatLine(line: Line, viewer: Viewer): FormattedLine {
  const segments = lineSegments(line, viewer);
  if (line.history) {
    return { segments: segments.map((seg) => ({ text: seg.text, style: 'dim' })), highlight: false };
  }
  if (!isForMe(line, viewer)) return { segments, highlight: false };
  return { segments: [segments[0], FOR_ME, ...segments.slice(1)], highlight: true };
}

function lineSegments(line: Line, viewer: Viewer): Segment[] {
  const mine = (name: string) => isSameName(viewer.rules, name, viewer.me);
  const time: Segment = { text: `${formatTime(line.ts)} `, style: 'time' };
  const text = sanitize(line.text);
  const from = line.from ?? '';
  const dim = (t: string): Segment => ({ text: t, style: 'dim' });
  switch (line.kind) {
    case 'message':
      return [time, dim('<'), nickSegment(from, viewer), dim('> '), { text, style: 'text' }];
    case 'action':
      return [
        time,
        { text: ' * ', style: 'action', bold: true },
        nickSegment(from, viewer),
        { text: ` ${text}`, style: 'action' },
      ];
    case 'private': {
      const outgoing = mine(from) && !mine(line.to ?? '');
      const label = outgoing ? `[PM to ${sanitize(line.to ?? '')}] ` : `[PM from ${sanitize(from)}] `;
      return [time, { text: label, style: 'private', bold: true }, { text, style: 'private' }];
    }
    case 'join':
    case 'leave': {
      const who = line.names
        ? namePieces(
            line.names,
            (n) => nickSegment(n, viewer),
            (t): Segment => ({ text: t, style: 'system' }),
          )
        : [nickSegment(from, viewer)];
      return [time, { text: '-!- ', style: 'system' }, ...who, { text, style: 'system' }];
    }
    case 'notice':
      return [
        time,
        { text: `-!- ${sanitize(from)}: `, style: 'system', bold: true },
        { text, style: 'system' },
      ];
    case 'system':
      return [time, { text: '-!- ', style: 'system' }, { text, style: 'system' }];
    case 'warning':
      return [time, { text: '!!! ', style: 'warning', bold: true }, { text, style: 'warning' }];
    case 'error': {
      const code = line.code ? `${line.code}: ` : '';
      return [time, { text: `!!! ${code}`, style: 'error', bold: true }, { text, style: 'error' }];
    }
    case 'pending': {
      const target = line.to ? `[PM to ${sanitize(line.to)}] ` : '';
      return [time, { text: `(queued) ${target}`, style: 'pending' }, { text, style: 'pending' }];
    }
  }
}

/**
 * One line of --plain output: events from the room carry `[HH:MM:SS]`, the client's own reports
 * do not (`joined as alice`, `error NAME_TAKEN: ...`, `warning: ...`).
 */
export function plainLine(line: Line, viewer: Viewer): string {
  if (line.history) return `history ${plainLine({ ...line, history: false }, viewer)}`;
  const mine = (name: string) => isSameName(viewer.rules, name, viewer.me);
  const ts = `[${formatTime(line.ts)}]`;
  const text = sanitize(line.text);
  const from = sanitize(line.from ?? '');
  switch (line.kind) {
    case 'message':
      return `${ts} <${from}> ${text}`;
    case 'action':
      return `${ts} * ${from} ${text}`;
    case 'private':
      return mine(line.from ?? '') && !mine(line.to ?? '')
        ? `${ts} [PM to ${sanitize(line.to ?? '')}] ${text}`
        : `${ts} [PM from ${from}] ${text}`;
    case 'join':
    case 'leave': {
      const who = line.names ? namePieces(line.names, sanitize, (t) => t).join('') : from;
      return `${ts} -!- ${who}${text}`;
    }
    case 'notice':
      return `${ts} -!- ${from}: ${text}`;
    case 'system':
      return text;
    case 'warning':
      return `warning: ${text}`;
    case 'error':
      return line.code ? `error ${line.code}: ${text}` : `error: ${text}`;
    case 'pending':
      return line.to ? `queued: [PM to ${sanitize(line.to)}] ${text}` : `queued: ${text}`;
  }
}
