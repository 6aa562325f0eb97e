/**
 * Turning a Line into output: styled segments for the TUI (the theme maps styles to colours) and
 * the plain-text form for --plain. Pure; knows nothing of the terminal.
 */

import { formatTime, isSameName, mentions, sanitize } from './text.js';
import type { FormattedLine, Line, Segment } from './view-types.js';

function nickSegment(name: string, me: string | null): Segment {
  const clean = sanitize(name);
  return isSameName(name, me)
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

/** The styled pieces of one line, for the TUI (the theme turns styles into colours). */
export function formatLine(line: Line, me: string | null): FormattedLine {
  if (line.history) {
    // A backlog line (7.10): all dim, never highlighted, so that it reads as the past.
    const { segments } = formatLine({ ...line, history: false }, me);
    return { segments: segments.map((s) => ({ text: s.text, style: 'dim' })), highlight: false };
  }
  const time: Segment = { text: `${formatTime(line.ts)} `, style: 'time' };
  const text = sanitize(line.text);
  const from = line.from ?? '';
  const dim = (t: string): Segment => ({ text: t, style: 'dim' });
  switch (line.kind) {
    case 'message':
      return {
        segments: [time, dim('<'), nickSegment(from, me), dim('> '), { text, style: 'text' }],
        highlight: !isSameName(from, me) && mentions(line.text, me),
      };
    case 'action':
      return {
        segments: [
          time,
          { text: ' * ', style: 'action', bold: true },
          nickSegment(from, me),
          { text: ` ${text}`, style: 'action' },
        ],
        highlight: !isSameName(from, me) && mentions(line.text, me),
      };
    case 'private': {
      const outgoing = isSameName(from, me) && !isSameName(line.to ?? '', me);
      const label = outgoing ? `[PM to ${sanitize(line.to ?? '')}] ` : `[PM from ${sanitize(from)}] `;
      return {
        segments: [time, { text: label, style: 'private', bold: true }, { text, style: 'private' }],
        highlight: !outgoing,
      };
    }
    case 'join':
    case 'leave': {
      const who = line.names
        ? namePieces(
            line.names,
            (n) => nickSegment(n, me),
            (t): Segment => ({ text: t, style: 'system' }),
          )
        : [nickSegment(from, me)];
      return {
        segments: [time, { text: '-!- ', style: 'system' }, ...who, { text, style: 'system' }],
        highlight: false,
      };
    }
    case 'notice':
      return {
        segments: [
          time,
          { text: `-!- ${sanitize(from)}: `, style: 'system', bold: true },
          { text, style: 'system' },
        ],
        highlight: false,
      };
    case 'system':
      return {
        segments: [time, { text: '-!- ', style: 'system' }, { text, style: 'system' }],
        highlight: false,
      };
    case 'warning':
      return {
        segments: [time, { text: '!!! ', style: 'warning', bold: true }, { text, style: 'warning' }],
        highlight: false,
      };
    case 'error': {
      const code = line.code ? `${line.code}: ` : '';
      return {
        segments: [time, { text: `!!! ${code}`, style: 'error', bold: true }, { text, style: 'error' }],
        highlight: false,
      };
    }
    case 'pending': {
      const target = line.to ? `[PM to ${sanitize(line.to)}] ` : '';
      return {
        segments: [time, { text: `(queued) ${target}`, style: 'pending' }, { text, style: 'pending' }],
        highlight: false,
      };
    }
  }
}

/**
 * One line of --plain output: events from the room carry `[HH:MM:SS]`, the client's own reports
 * do not (`joined as alice`, `error NAME_TAKEN: ...`, `warning: ...`).
 */
export function plainLine(line: Line, me: string | null): string {
  if (line.history) return `history ${plainLine({ ...line, history: false }, me)}`;
  const ts = `[${formatTime(line.ts)}]`;
  const text = sanitize(line.text);
  const from = sanitize(line.from ?? '');
  switch (line.kind) {
    case 'message':
      return `${ts} <${from}> ${text}`;
    case 'action':
      return `${ts} * ${from} ${text}`;
    case 'private':
      return isSameName(line.from ?? '', me) && !isSameName(line.to ?? '', me)
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
