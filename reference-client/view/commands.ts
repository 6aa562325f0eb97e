/**
 * Slash commands: the command table, parsing a typed line into a command or chat text, and the
 * "did you mean" suggestion. Pure functions, shared by the view model and Tab completion.
 */

import { isRoomName } from '../../src/client/index.js';
import type { ModerationRequest } from '../../src/session/v2-client-connection.js';
import { MODERATION_COMMANDS, type ModerationCommand, parseModeration } from './moderation-commands.js';

export interface CommandInfo {
  readonly name: string;
  readonly args: string;
  readonly help: string;
}

export const COMMANDS: readonly CommandInfo[] = [
  { name: 'help', args: '', help: 'this help (also [help])' },
  { name: 'msg', args: 'NAME TEXT', help: 'private message (v2 servers)' },
  { name: 'reply', args: 'TEXT', help: 'private message to whoever last sent you one (v2 servers)' },
  { name: 'me', args: 'TEXT', help: 'action, e.g. /me waves (v2 servers)' },
  { name: 'users', args: '', help: 'who is in the room' },
  { name: 'join', args: '#ROOM', help: 'join a room (or switch to it) (v2 servers with rooms)' },
  { name: 'part', args: '[#ROOM]', help: 'leave a room (default: the current one)' },
  { name: 'room', args: '#ROOM', help: 'switch to a room you are in: what you type goes there' },
  { name: 'rooms', args: '', help: 'list the rooms on the server, with members and topics' },
  { name: 'topic', args: '[TEXT|-]', help: "show the room's topic, set it, or clear it (-)" },
  { name: 'nick', args: 'NAME', help: 'change your name, announced to the room (v2 servers)' },
  { name: 'away', args: '[REASON]', help: 'mark yourself away; who messages you is told (v2)' },
  { name: 'back', args: '', help: 'no longer away (v2 servers)' },
  { name: 'whois', args: 'NAME', help: 'when NAME joined, how long idle, away or not (v2)' },
  { name: 'key', args: '[new]', help: 'your own key (7.16): show it, or make one (then /reconnect)' },
  { name: 'kick', args: 'NAME [REASON]', help: 'operators: remove NAME from the server (v2)' },
  {
    name: 'ban',
    args: 'WHO [TIME] [REASON]',
    help: 'operators: ban NAME, SHA256:key or addr:hash for TIME (10m, 2h, 7d; 0 = no end)',
  },
  { name: 'unban', args: 'ID', help: 'operators: lift ban ID (see /bans)' },
  { name: 'bans', args: '', help: 'operators: list the bans in force' },
  {
    name: 'mute',
    args: 'WHO [#ROOM] [TIME] [REASON]',
    help: 'operators: NAME, SHA256:key or addr:hash may not speak (0 = no end)',
  },
  { name: 'unmute', args: 'NAME [#ROOM]|#ID', help: 'operators: lift every mute on NAME, or mute ID' },
  { name: 'mutes', args: '', help: 'operators: list the mutes in force' },
  { name: 'motd', args: 'TEXT|-', help: 'operators: set the message of the day (- clears it)' },
  { name: 'ignore', args: 'NAME [all]', help: 'hide what NAME says (all: joins, leaves too); alone: list' },
  { name: 'unignore', args: 'NAME', help: 'show what NAME says again' },
  { name: 'export', args: '', help: 'save the chat in ./exported/ (also [export_chat])' },
  { name: 'theme', args: '[NAME]', help: 'list the themes, or switch (remembered)' },
  { name: 'clear', args: '', help: 'clear the message pane' },
  { name: 'bell', args: '[on|off]', help: 'bell for private messages and mentions (remembered)' },
  { name: 'reconnect', args: '', help: 'reconnect now (also when connected)' },
  { name: 'server', args: 'HOST [PORT]', help: 'connect to another server (same port if none)' },
  { name: 'quit', args: '', help: 'leave and exit (also Ctrl-C)' },
];

const ALIASES: Readonly<Record<string, string>> = {
  exit: 'quit',
  who: 'users',
  names: 'users',
  help: 'help',
};

/** Original-program commands, typed as a whole line (pyChat's `[help]`, `[export_chat]`). */
export const BRACKET_COMMANDS: Readonly<Record<string, 'help' | 'export'>> = {
  '[help]': 'help',
  '[export_chat]': 'export',
};

export type ParsedInput =
  | { readonly kind: 'empty' }
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'me'; readonly text: string }
  | { readonly kind: 'theme'; readonly name?: string }
  | { readonly kind: 'bell'; readonly on?: boolean }
  | { readonly kind: 'server'; readonly host: string; readonly port?: number }
  | { readonly kind: 'nick'; readonly name: string }
  | { readonly kind: 'away'; readonly reason?: string }
  | { readonly kind: 'back' }
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'whois'; readonly name: string }
  | { readonly kind: 'ignore'; readonly name?: string; readonly all: boolean }
  | { readonly kind: 'unignore'; readonly name: string }
  | { readonly kind: 'key'; readonly make: boolean }
  | { readonly kind: 'moderate'; readonly request: ModerationRequest }
  | { readonly kind: 'bad'; readonly command: string; readonly why: string }
  | { readonly kind: 'join' | 'room'; readonly room: string }
  | { readonly kind: 'part'; readonly room?: string }
  | { readonly kind: 'rooms' }
  | { readonly kind: 'topic'; readonly topic?: string }
  | { readonly kind: 'help' | 'export' | 'users' | 'clear' | 'quit' | 'reconnect' }
  | { readonly kind: 'usage'; readonly command: string; readonly usage: string }
  | { readonly kind: 'unknown'; readonly command: string; readonly suggestion?: string };

/** Parses one typed line: a command, an original bracket command, or chat text. */
export function parseInput(raw: string): ParsedInput {
  const trimmed = raw.trim();
  if (trimmed === '') return { kind: 'empty' };
  const bracket = BRACKET_COMMANDS[trimmed.toLowerCase()];
  if (bracket) return { kind: bracket };
  if (trimmed.startsWith('//')) return { kind: 'say', text: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { kind: 'say', text: raw.trimEnd() };
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed)!;
  const typed = match[1];
  const word = typed.toLowerCase();
  const args = match[2].trim();
  const command = ALIASES[word] ?? word;
  switch (command) {
    case 'help':
    case 'export':
    case 'users':
    case 'clear':
    case 'quit':
    case 'reconnect':
      return { kind: command };
    case 'theme':
      return args === '' ? { kind: 'theme' } : { kind: 'theme', name: args };
    case 'bell': {
      const on = /^(on|off)$/i.exec(args)?.[1].toLowerCase();
      if (args === '') return { kind: 'bell' };
      return on ? { kind: 'bell', on: on === 'on' } : usage('bell');
    }
    case 'me':
      return args === '' ? usage('me') : { kind: 'me', text: args };
    case 'away':
      return args === '' ? { kind: 'away' } : { kind: 'away', reason: args };
    case 'back':
      return { kind: 'back' };
    case 'reply':
      return args === '' ? usage('reply') : { kind: 'reply', text: args };
    case 'whois':
      return /^\S+$/.test(args) ? { kind: 'whois', name: args } : usage('whois');
    case 'nick':
      return /^\S+$/.test(args) ? { kind: 'nick', name: args } : usage('nick');
    case 'ignore': {
      if (args === '') return { kind: 'ignore', all: false };
      const m = /^(\S+)(?:\s+(all))?$/i.exec(args);
      return m ? { kind: 'ignore', name: m[1], all: m[2] !== undefined } : usage('ignore');
    }
    case 'unignore':
      return /^\S+$/.test(args) ? { kind: 'unignore', name: args } : usage('unignore');
    case 'msg': {
      const m = /^(\S+)\s+([\s\S]+)$/.exec(args);
      return m ? { kind: 'msg', to: m[1], text: m[2] } : usage('msg');
    }
    case 'server':
      return parseServer(args);
    case 'key':
      return /^(new)?$/i.test(args) ? { kind: 'key', make: args !== '' } : usage('key');
    case 'join':
    case 'room':
      return isRoomName(roomArg(args)) ? { kind: command, room: roomArg(args) } : usage(command);
    case 'part':
      if (args === '') return { kind: 'part' };
      return isRoomName(roomArg(args)) ? { kind: 'part', room: roomArg(args) } : usage('part');
    case 'rooms':
      return { kind: 'rooms' };
    case 'topic':
      return args === '' ? { kind: 'topic' } : { kind: 'topic', topic: args === '-' ? '' : args };
    default: {
      if ((MODERATION_COMMANDS as readonly string[]).includes(command)) {
        const parsed = parseModeration(command as ModerationCommand, args);
        if (parsed.kind === 'moderate') return parsed;
        return parsed.why === 'usage' ? usage(command) : { kind: 'bad', command, why: parsed.why };
      }
      // Echoed as typed: the suggestion is found case-insensitively, the command shown as it was.
      const suggestion = suggestCommand(word);
      return suggestion
        ? { kind: 'unknown', command: typed, suggestion }
        : { kind: 'unknown', command: typed };
    }
  }
}

/** A room as typed: `#` is added when left out (`/join dev` is `/join #dev`, as in irssi). */
function roomArg(text: string): string {
  return text.startsWith('#') ? text : `#${text}`;
}

/** `/server HOST [PORT]`: an IPv6 address may be written bare or in brackets. */
function parseServer(args: string): ParsedInput {
  const m = /^(\[[^\]\s]+\]|\S+)(?:\s+(\d{1,5}))?$/.exec(args);
  if (!m) return usage('server');
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  if (m[2] === undefined) return { kind: 'server', host };
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { kind: 'server', host, port } : usage('server');
}

function usage(name: string): ParsedInput {
  const info = COMMANDS.find((c) => c.name === name)!;
  return { kind: 'usage', command: name, usage: `/${name} ${info.args}`.trim() };
}

/** The closest known command: same prefix, or at most two edits away. */
export function suggestCommand(word: string): string | undefined {
  if (word === '') return undefined;
  const names = COMMANDS.map((c) => c.name);
  const prefixed = names.find((n) => n.startsWith(word) || word.startsWith(n));
  if (prefixed) return prefixed;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(word, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The key bindings shown at the end of /help. */
export const HELP_KEYS = [
  'Keys: Enter sends · Up/Down history · Tab completes names and commands',
  '      PageUp/PageDown or the mouse wheel scroll · Esc back to the bottom',
  '      Alt-PageUp/Alt-PageDown (or the wheel over it) scroll the user list',
  '      Alt-1..Alt-9 go to room 1..9 of the list · Ctrl-N/Ctrl-P the next/previous room',
  '      Ctrl-L redraws the screen · Ctrl-C quits',
];
