/**
 * The client's view model: everything the screen shows, and what each key and each network event
 * does to it. Pure: no terminal, no socket, no timer, no file; the clock comes in as a function.
 *
 * How this works: the TUI and the --plain runner both feed this class (keys or whole lines, and
 * the session's events through the controller) and render from its state. Methods that may need
 * the network return Effects (join, say, export...) that the controller carries out; nothing here
 * sends anything itself. Chat typed while not joined goes to an outbox, shown as pending lines,
 * and is handed back as effects once joined: nothing typed is dropped silently.
 */

import { findTheme, THEME_IDS, THEMES, type ThemeId } from './themes.js';

export type Profile = 'v2' | 'legacy';
export type ProfileOption = 'auto' | Profile;

export type LineKind =
  | 'message'
  | 'action'
  | 'private'
  | 'join'
  | 'leave'
  | 'notice'
  | 'system'
  | 'warning'
  | 'error'
  | 'pending';

export interface Line {
  readonly id: number;
  readonly kind: LineKind;
  readonly ts: number;
  readonly text: string;
  readonly from?: string;
  readonly to?: string;
  /** An error's stable code. */
  readonly code?: string;
}

export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'handshaking'
  | 'connected'
  | 'joining'
  | 'joined'
  | 'lost'
  | 'refused'
  | 'closed';

/** How the server's key was checked (v2), or `none` (legacy: no server authentication at all). */
export type Trust = 'new' | 'known' | 'pinned' | 'accepted' | 'none';

export interface Status {
  readonly server: string;
  readonly profile: ProfileOption;
  readonly resolved: Profile | null;
  readonly suite: string | null;
  readonly fingerprint: string | null;
  readonly trust: Trust | null;
  readonly connection: ConnectionState;
  readonly attempt: number;
  readonly retryAt: number | null;
}

export type Outgoing =
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'me'; readonly text: string };

export type Effect =
  | Outgoing
  | { readonly kind: 'join'; readonly name: string }
  | { readonly kind: 'who' }
  | { readonly kind: 'export' }
  | { readonly kind: 'save-theme'; readonly theme: ThemeId }
  | { readonly kind: 'reconnect' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'answer-key'; readonly accept: boolean };

export interface KeyQuestion {
  readonly kind: 'accept-key';
  readonly server: string;
  readonly known: string;
  readonly presented: string;
}

export type Phase = 'name' | 'chat' | 'question';

export interface ViewState {
  lines: Line[];
  users: string[];
  /** The name the server accepted on this connection; null when not joined. */
  me: string | null;
  /** The name to join (and re-join after a reconnect) with; null until the user picks one. */
  desiredName: string | null;
  /** The last name the server accepted, on any connection. */
  confirmedName: string | null;
  question: KeyQuestion | null;
  input: string;
  /** UTF-16 index into input. */
  cursor: number;
  history: string[];
  historyPos: number | null;
  draft: string;
  /** How many lines are hidden below the bottom of the pane (0: following the conversation). */
  scroll: number;
  /** Lines that arrived while scrolled up. */
  unseen: number;
  status: Status;
  theme: ThemeId;
  outbox: { readonly item: Outgoing; lineId: number }[];
  exportsPending: number;
  completion: Completion | null;
}

interface Completion {
  readonly start: number;
  readonly before: string;
  readonly after: string;
  readonly candidates: readonly string[];
  index: number;
}

export interface ViewModelOptions {
  readonly server: string;
  readonly profile: ProfileOption;
  readonly theme: ThemeId;
  readonly name?: string;
  readonly now: () => number;
  readonly maxLines?: number;
}

export type KeyName =
  | 'enter'
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'up'
  | 'down'
  | 'pageup'
  | 'pagedown'
  | 'tab'
  | 'escape'
  | 'C-a'
  | 'C-e'
  | 'C-u'
  | 'C-k'
  | 'C-w'
  | 'C-end';

export interface CommandInfo {
  readonly name: string;
  readonly args: string;
  readonly help: string;
}

export const COMMANDS: readonly CommandInfo[] = [
  { name: 'help', args: '', help: 'this help (also [help])' },
  { name: 'msg', args: 'NAME TEXT', help: 'private message (v2 servers)' },
  { name: 'me', args: 'TEXT', help: 'action, e.g. /me waves (v2 servers)' },
  { name: 'users', args: '', help: 'who is in the room' },
  { name: 'export', args: '', help: 'save the chat in ./exported/ (also [export_chat])' },
  { name: 'theme', args: '[NAME]', help: 'list the themes, or switch (remembered)' },
  { name: 'clear', args: '', help: 'clear the message pane' },
  { name: 'reconnect', args: '', help: 'reconnect now' },
  { name: 'quit', args: '', help: 'leave and exit (also Ctrl-C)' },
];

const ALIASES: Readonly<Record<string, string>> = {
  exit: 'quit',
  who: 'users',
  names: 'users',
  help: 'help',
};

/** Original-program commands, typed as a whole line (pyChat's `[help]`, `[export_chat]`). */
const BRACKET_COMMANDS: Readonly<Record<string, 'help' | 'export'>> = {
  '[help]': 'help',
  '[export_chat]': 'export',
};

export type ParsedInput =
  | { readonly kind: 'empty' }
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'me'; readonly text: string }
  | { readonly kind: 'theme'; readonly name?: string }
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
  const word = match[1].toLowerCase();
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
    case 'me':
      return args === '' ? usage('me') : { kind: 'me', text: args };
    case 'msg': {
      const m = /^(\S+)\s+([\s\S]+)$/.exec(args);
      return m ? { kind: 'msg', to: m[1], text: m[2] } : usage('msg');
    }
    default: {
      const suggestion = suggestCommand(word);
      return suggestion ? { kind: 'unknown', command: word, suggestion } : { kind: 'unknown', command: word };
    }
  }
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

/** A stable colour slot for a name (FNV-1a over its case-folded form), so alice is always blue. */
export function nickColour(name: string, paletteSize: number): number {
  let hash = 0x811c9dc5;
  for (const ch of name.normalize('NFC').toLowerCase()) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % paletteSize;
}

/**
 * Makes text from the network safe to print: control characters (terminal escape sequences),
 * bidirectional overrides and other format characters become U+FFFD, tabs spaces, line breaks `↵`.
 */
export function sanitize(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ↵ ')
    .replace(/\t/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS`, local time. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatTime(ts)}`;
}

/** The timestamp in an export file name: `2026-11-27T14-05-09`, local time. */
export function exportStamp(ts: number): string {
  return formatDateTime(ts).replace(' ', 'T').replace(/:/g, '-');
}

export type Style =
  | 'time'
  | 'dim'
  | 'text'
  | 'nick'
  | 'own'
  | 'system'
  | 'error'
  | 'warning'
  | 'ok'
  | 'private'
  | 'action'
  | 'pending'
  | 'accent';

export interface Segment {
  readonly text: string;
  readonly style: Style;
  /** For style `nick`: the name whose colour to use. */
  readonly nick?: string;
  readonly bold?: boolean;
}

export interface FormattedLine {
  readonly segments: readonly Segment[];
  /** The line mentions the user by name. */
  readonly highlight: boolean;
}

function nickSegment(name: string, me: string | null): Segment {
  const clean = sanitize(name);
  return isSameName(name, me)
    ? { text: clean, style: 'own', bold: true }
    : { text: clean, style: 'nick', nick: name };
}

function isSameName(a: string, b: string | null): boolean {
  return b !== null && a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
}

function mentions(text: string, name: string | null): boolean {
  if (!name) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}

/** The styled pieces of one line, for the TUI (the theme turns styles into colours). */
export function formatLine(line: Line, me: string | null): FormattedLine {
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
    case 'leave':
      return {
        segments: [time, { text: '-!- ', style: 'system' }, nickSegment(from, me), { text, style: 'system' }],
        highlight: false,
      };
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
    case 'leave':
      return `${ts} -!- ${from}${text}`;
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

/** Terminal columns a code point takes: 0 (combining, zero-width), 2 (wide CJK, emoji) or 1. */
export function charWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/**
 * Wraps a formatted line into rows of at most `width` columns, breaking at spaces where it can;
 * continuation rows start with `indent` spaces so that text lines up after the timestamp.
 */
export function wrapSegments(segments: readonly Segment[], width: number, indent: number): Segment[][] {
  const hang = width > indent + 8 ? indent : 0;
  const rows: Segment[][] = [[]];
  let col = 0;
  const put = (text: string, like: Segment) => {
    const row = rows[rows.length - 1];
    const last = row[row.length - 1];
    if (last && last.style === like.style && last.nick === like.nick && last.bold === like.bold) {
      row[row.length - 1] = { ...last, text: last.text + text };
    } else {
      row.push({ ...like, text });
    }
  };
  const newRow = () => {
    const row = rows[rows.length - 1];
    const last = row[row.length - 1];
    if (last && last.style !== 'time') {
      const trimmed = last.text.replace(/\s+$/, '');
      if (trimmed === '') row.pop();
      else row[row.length - 1] = { ...last, text: trimmed };
    }
    rows.push(hang > 0 ? [{ text: ' '.repeat(hang), style: 'dim' }] : []);
    col = hang;
  };
  for (const segment of segments) {
    for (const token of segment.text.match(/\s+|\S+/g) ?? []) {
      const w = displayWidth(token);
      if (col + w <= width) {
        put(token, segment);
        col += w;
      } else if (/^\s+$/.test(token)) {
        newRow(); // break at the space, which goes
      } else if (w <= width - hang && col > hang) {
        newRow();
        put(token, segment);
        col += w;
      } else {
        for (const ch of token) {
          const cw = charWidth(ch.codePointAt(0)!);
          if (col + cw > width && col > hang) newRow();
          put(ch, segment);
          col += cw;
        }
      }
    }
  }
  return rows;
}

const CONNECTION_LABELS: Readonly<Record<ConnectionState, string>> = {
  idle: 'not connected',
  connecting: 'connecting…',
  handshaking: 'handshaking…',
  connected: 'connected',
  joining: 'joining…',
  joined: 'joined',
  lost: 'connection lost',
  refused: 'refused',
  closed: 'closed',
};

/** Short form of a fingerprint for the status bar: `SHA256:AbCdEfGh…`. */
export function shortFingerprint(fp: string, keep = 12): string {
  const body = fp.startsWith('SHA256:') ? fp.slice(7) : fp;
  return body.length <= keep ? fp : `SHA256:${body.slice(0, keep)}…`;
}

const HELP_KEYS = [
  'Keys: Enter sends · Up/Down history · Tab completes names and commands',
  '      PageUp/PageDown or the mouse wheel scroll · Esc back to the bottom · Ctrl-C quits',
];

export class ViewModel {
  private readonly s: ViewState;
  private lineCounter = 0;
  /** The last connection failure reported, until the next successful handshake. */
  private lastLoss: string | null = null;
  private readonly now: () => number;
  private readonly maxLines: number;

  constructor(options: ViewModelOptions) {
    this.now = options.now;
    this.maxLines = options.maxLines ?? 5000;
    this.s = {
      lines: [],
      users: [],
      me: null,
      desiredName: options.name ?? null,
      confirmedName: null,
      question: null,
      input: '',
      cursor: 0,
      history: [],
      historyPos: null,
      draft: '',
      scroll: 0,
      unseen: 0,
      status: {
        server: options.server,
        profile: options.profile,
        resolved: options.profile === 'auto' ? null : options.profile,
        suite: null,
        fingerprint: null,
        trust: null,
        connection: 'idle',
        attempt: 0,
        retryAt: null,
      },
      theme: options.theme,
      outbox: [],
      exportsPending: 0,
      completion: null,
    };
  }

  get state(): Readonly<ViewState> {
    return this.s;
  }

  get phase(): Phase {
    if (this.s.question) return 'question';
    return this.s.desiredName === null ? 'name' : 'chat';
  }

  /** A join for a name the server has not accepted yet is under way (the next line may be a name). */
  get joinPending(): boolean {
    return (
      this.s.question === null && this.s.desiredName !== null && this.s.desiredName !== this.s.confirmedName
    );
  }

  /** Nothing waits to be sent or answered: the outbox is empty and no export is outstanding. */
  get idle(): boolean {
    return this.s.outbox.length === 0 && this.s.exportsPending === 0 && !this.joinPending;
  }

  /** The prompt before the input line. */
  get prompt(): string {
    switch (this.phase) {
      case 'question':
        return 'accept new key? [y/N] ';
      case 'name':
        return 'name: ';
      default:
        return `[${this.s.me ?? this.s.desiredName}] `;
    }
  }

  // ---- lines and scrollback ----

  private addLine(line: Omit<Line, 'id' | 'ts'> & { ts?: number }): Line {
    const full: Line = { ...line, id: ++this.lineCounter, ts: line.ts ?? this.now() };
    this.s.lines.push(full);
    if (this.s.lines.length > this.maxLines) this.s.lines.splice(0, this.s.lines.length - this.maxLines);
    if (this.s.scroll > 0) {
      this.s.scroll = Math.min(this.s.scroll + 1, this.s.lines.length - 1);
      this.s.unseen++;
    }
    return full;
  }

  private removeLine(id: number): void {
    const i = this.s.lines.findIndex((l) => l.id === id);
    if (i < 0) return;
    const hidden = i >= this.s.lines.length - this.s.scroll;
    this.s.lines.splice(i, 1);
    if (hidden) this.s.scroll--;
    this.s.scroll = Math.max(0, Math.min(this.s.scroll, this.s.lines.length - 1));
  }

  system(text: string): void {
    this.addLine({ kind: 'system', text });
  }

  warning(text: string): void {
    this.addLine({ kind: 'warning', text });
  }

  error(code: string | undefined, text: string): void {
    this.addLine(code ? { kind: 'error', code, text } : { kind: 'error', text });
  }

  /**
   * Scrolls by `n` lines (positive: back in time). With the pane height `page`, it stops where
   * the first page shows, rather than scrolling the oldest line up to the bottom row.
   */
  scrollBy(n: number, page = 1): void {
    const max = Math.max(0, this.s.lines.length - Math.max(1, page));
    this.s.scroll = Math.max(0, Math.min(max, this.s.scroll + n));
    if (this.s.scroll === 0) this.s.unseen = 0;
  }

  scrollToBottom(): void {
    this.s.scroll = 0;
    this.s.unseen = 0;
  }

  /** The last `height` lines above the scroll position (each takes at least one row). */
  visibleLines(height: number): Line[] {
    const end = this.s.lines.length - this.s.scroll;
    return this.s.lines.slice(Math.max(0, end - height), end);
  }

  // ---- input line ----

  /** Inserts typed or pasted text at the cursor. */
  insert(text: string): void {
    const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
    if (clean === '') return;
    this.s.completion = null;
    this.s.input = this.s.input.slice(0, this.s.cursor) + clean + this.s.input.slice(this.s.cursor);
    this.s.cursor += clean.length;
  }

  setInput(text: string): void {
    this.s.input = text;
    this.s.cursor = text.length;
    this.s.completion = null;
  }

  /** Handles a non-character key; `page` is the pane height, for PageUp/PageDown. */
  key(name: KeyName, page = 10): Effect[] {
    if (name !== 'tab') this.s.completion = null;
    const { input, cursor } = this.s;
    switch (name) {
      case 'enter':
        return this.submit();
      case 'backspace':
        if (cursor > 0) {
          const at = prevIndex(input, cursor);
          this.s.input = input.slice(0, at) + input.slice(cursor);
          this.s.cursor = at;
        }
        return [];
      case 'delete':
        if (cursor < input.length)
          this.s.input = input.slice(0, cursor) + input.slice(nextIndex(input, cursor));
        return [];
      case 'left':
        this.s.cursor = prevIndex(input, cursor);
        return [];
      case 'right':
        this.s.cursor = nextIndex(input, cursor);
        return [];
      case 'home':
      case 'C-a':
        this.s.cursor = 0;
        return [];
      case 'end':
      case 'C-e':
        this.s.cursor = input.length;
        return [];
      case 'C-u':
        this.s.input = input.slice(cursor);
        this.s.cursor = 0;
        return [];
      case 'C-k':
        this.s.input = input.slice(0, cursor);
        return [];
      case 'C-w': {
        const start = input.slice(0, cursor).replace(/\S*\s*$/, '').length;
        this.s.input = input.slice(0, start) + input.slice(cursor);
        this.s.cursor = start;
        return [];
      }
      case 'up':
        this.historyUp();
        return [];
      case 'down':
        this.historyDown();
        return [];
      case 'pageup':
        this.scrollBy(Math.max(1, page - 1), page);
        return [];
      case 'pagedown':
        this.scrollBy(-Math.max(1, page - 1), page);
        return [];
      case 'C-end':
      case 'escape':
        this.scrollToBottom();
        return [];
      case 'tab':
        this.complete();
        return [];
    }
  }

  private historyUp(): void {
    const { history } = this.s;
    if (history.length === 0) return;
    if (this.s.historyPos === null) {
      this.s.draft = this.s.input;
      this.s.historyPos = history.length - 1;
    } else if (this.s.historyPos > 0) {
      this.s.historyPos--;
    } else return;
    this.s.input = history[this.s.historyPos];
    this.s.cursor = this.s.input.length;
  }

  private historyDown(): void {
    if (this.s.historyPos === null) return;
    if (this.s.historyPos < this.s.history.length - 1) {
      this.s.historyPos++;
      this.s.input = this.s.history[this.s.historyPos];
    } else {
      this.s.historyPos = null;
      this.s.input = this.s.draft;
    }
    this.s.cursor = this.s.input.length;
  }

  /** Tab: completes the word before the cursor (commands, theme names, user names); again to cycle. */
  complete(): void {
    const c = this.s.completion;
    if (c) {
      c.index = (c.index + 1) % c.candidates.length;
      this.applyCompletion(c);
      return;
    }
    const before = this.s.input.slice(0, this.s.cursor);
    const start = before.search(/\S*$/);
    const word = before.slice(start);
    const candidates = this.candidates(before.slice(0, start), word);
    if (candidates.length === 0) return;
    const next: Completion = {
      start,
      before: this.s.input.slice(0, start),
      after: this.s.input.slice(this.s.cursor),
      candidates,
      index: 0,
    };
    this.s.completion = next;
    this.applyCompletion(next);
  }

  private candidates(head: string, word: string): string[] {
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
    if (word === '') return [];
    const names = this.s.users
      .filter((u) => u.toLowerCase().startsWith(lower) && !isSameName(u, this.s.me))
      .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
    return names.map((n) => (head === '' ? `${n}: ` : `${n} `));
  }

  private applyCompletion(c: Completion): void {
    const choice = c.candidates[c.index];
    this.s.input = c.before + choice + c.after;
    this.s.cursor = c.before.length + choice.length;
  }

  // ---- submitting a line ----

  /** Enter: handles the input line according to the phase (answer, name, command or chat). */
  submit(): Effect[] {
    const text = this.s.input;
    this.s.input = '';
    this.s.cursor = 0;
    this.s.completion = null;
    this.s.historyPos = null;
    this.s.draft = '';
    if (this.phase !== 'question' && text.trim() !== '' && this.s.history.at(-1) !== text) {
      this.s.history.push(text);
      if (this.s.history.length > 500) this.s.history.shift();
    }
    this.scrollToBottom();
    return this.handleLine(text);
  }

  /** A whole line from --plain's stdin, handled like a typed line (no history). */
  submitLine(text: string): Effect[] {
    return this.handleLine(text);
  }

  private handleLine(text: string): Effect[] {
    if (this.phase === 'question') return this.answerQuestion(text);
    const parsed = parseInput(text);
    if (this.phase === 'name' && (parsed.kind === 'say' || parsed.kind === 'msg' || parsed.kind === 'me')) {
      if (parsed.kind !== 'say') {
        this.error(undefined, 'choose a name first: type the name you want and press Enter');
        return [];
      }
      return this.chooseName(parsed.text.trim());
    }
    return this.handleParsed(parsed);
  }

  private handleParsed(parsed: ParsedInput): Effect[] {
    switch (parsed.kind) {
      case 'empty':
        return [];
      case 'say':
      case 'msg':
      case 'me':
        return this.send(parsed);
      case 'help':
        this.showHelp();
        return [];
      case 'export':
        if (this.s.status.connection !== 'joined') {
          this.error(undefined, '/export needs a connection: nothing was requested');
          return [];
        }
        this.s.exportsPending++;
        this.system('asking the server for the conversation…');
        return [{ kind: 'export' }];
      case 'theme':
        return this.themeCommand(parsed.name);
      case 'users':
        return this.showUsers();
      case 'clear':
        this.s.lines = [];
        this.s.scroll = 0;
        this.s.unseen = 0;
        for (const queued of this.s.outbox) queued.lineId = this.pendingLine(queued.item).id;
        return [];
      case 'quit':
        this.s.status = { ...this.s.status, connection: 'closed', retryAt: null };
        return [{ kind: 'quit' }];
      case 'reconnect':
        if (this.s.status.connection === 'joined') {
          this.system('already connected');
          return [];
        }
        return [{ kind: 'reconnect' }];
      case 'usage':
        this.error(undefined, `usage: ${parsed.usage}`);
        return [];
      case 'unknown': {
        const hint = parsed.suggestion ? `did you mean /${parsed.suggestion}? ` : '';
        this.error(
          undefined,
          `unknown command /${parsed.command}: ${hint}/help lists the commands; start a line with // to send text beginning with /`,
        );
        return [];
      }
    }
  }

  private chooseName(name: string): Effect[] {
    if (name === '') return [];
    this.s.desiredName = name;
    const connection = this.s.status.connection;
    if (connection === 'connected') {
      this.setConnection('joining');
      return [{ kind: 'join', name }];
    }
    if (connection === 'idle') {
      this.system(`will join as ${name}: connecting…`);
      return [{ kind: 'reconnect' }];
    }
    this.system(`will join as ${name} once connected`);
    return [];
  }

  private send(item: Outgoing): Effect[] {
    if (item.kind !== 'say' && this.s.status.resolved === 'legacy') {
      this.unsupported(item);
      return [];
    }
    if (this.s.status.connection === 'joined') return [item];
    this.s.outbox.push({ item, lineId: this.pendingLine(item).id });
    if (this.s.status.connection === 'idle') return [{ kind: 'reconnect' }];
    return [];
  }

  private pendingLine(item: Outgoing): Line {
    const from = this.s.me ?? this.s.desiredName ?? '';
    const text = item.kind === 'me' ? `* ${from} ${item.text}` : item.text;
    return this.addLine(
      item.kind === 'msg' ? { kind: 'pending', from, to: item.to, text } : { kind: 'pending', from, text },
    );
  }

  private unsupported(item: Outgoing): void {
    const what = item.kind === 'msg' ? 'private messages' : 'actions (/me)';
    this.error(undefined, `legacy servers have no ${what}: nothing was sent (“${sanitize(item.text)}”)`);
  }

  private showHelp(): void {
    this.system('Commands:');
    for (const c of COMMANDS) {
      this.system(`  ${`/${c.name} ${c.args}`.padEnd(16)} ${c.help}`);
    }
    this.system('Start a line with // to send text that begins with /.');
    for (const line of HELP_KEYS) this.system(line);
  }

  private showUsers(): Effect[] {
    const { users } = this.s;
    if (this.s.status.connection !== 'joined') {
      this.system('not in the room: no user list');
      return [];
    }
    this.system(
      `${users.length} ${users.length === 1 ? 'user' : 'users'}: ${users.map(sanitize).join(', ')}`,
    );
    return this.s.status.resolved === 'v2' ? [{ kind: 'who' }] : [];
  }

  private themeCommand(name: string | undefined): Effect[] {
    if (name === undefined) {
      const list = THEME_IDS.map((id) => `${THEMES[id].label}${id === this.s.theme ? ' (current)' : ''}`);
      this.system(`themes: ${list.join(', ')}; /theme NAME to switch`);
      return [];
    }
    const id = findTheme(name);
    if (!id) {
      this.error(
        undefined,
        `no theme "${sanitize(name)}": try ${THEME_IDS.map((t) => THEMES[t].label).join(', ')}`,
      );
      return [];
    }
    this.s.theme = id;
    this.system(`theme: ${THEMES[id].label}`);
    return [{ kind: 'save-theme', theme: id }];
  }

  private answerQuestion(text: string): Effect[] {
    const accept = /^\s*(y|yes)\s*$/i.test(text);
    this.s.question = null;
    if (accept) {
      this.warning('new server key accepted');
    } else {
      this.setConnection('refused');
      this.error(
        'FINGERPRINT_MISMATCH',
        'the new key was not accepted: not connected (/reconnect to ask again)',
      );
    }
    return [{ kind: 'answer-key', accept }];
  }

  // ---- events from the network (through the controller) ----

  private setConnection(connection: ConnectionState, retryAt: number | null = null): void {
    this.s.status = { ...this.s.status, connection, retryAt };
  }

  connecting(attempt: number): void {
    this.s.status = { ...this.s.status, connection: 'connecting', attempt, retryAt: null };
    // Retries after a loss already reported show in the status bar only, not a line each.
    if (this.lastLoss === null) this.system(`connecting to ${this.s.status.server}…`);
  }

  handshaking(): void {
    this.setConnection('handshaking');
  }

  /** The handshake is done and the server's key is trusted. Joins if a name is known. */
  connected(info: { profile: Profile; suite: string; fingerprint: string | null; trust: Trust }): Effect[] {
    this.s.status = {
      ...this.s.status,
      resolved: info.profile,
      suite: info.suite,
      fingerprint: info.fingerprint,
      trust: info.trust,
      connection: 'connected',
      retryAt: null,
    };
    this.system(
      `${this.lastLoss === null ? 'connected' : 'reconnected'} to ${this.s.status.server}: ${info.profile}, ${info.suite}`,
    );
    this.lastLoss = null;
    if (info.profile === 'legacy') {
      this.warning(
        'this is a legacy (pyChat) server: the connection is NOT authenticated and only weakly encrypted ' +
          '(AES-256-CFB8 with a fixed IV, no integrity check). Anyone on the network path can read or change it.',
      );
    } else if (info.fingerprint) {
      const how: Record<Trust, string> = {
        new: 'first connection to this server: key recorded in known_servers',
        known: 'matches known_servers',
        pinned: 'matches --fingerprint',
        accepted: 'new key accepted and recorded',
        none: '',
      };
      this.system(`server key ${info.fingerprint} (${how[info.trust]})`);
    }
    const name = this.s.desiredName;
    if (name === null) {
      this.system('choose a name: type it and press Enter');
      return [];
    }
    this.setConnection('joining');
    return [{ kind: 'join', name }];
  }

  /** The server accepted the name. Sends what was queued. */
  joined(name: string, users: readonly string[], motd?: string): Effect[] {
    this.s.me = name;
    this.s.desiredName = name;
    this.s.confirmedName = name;
    this.s.users = [...users];
    this.s.status = { ...this.s.status, connection: 'joined', attempt: 0, retryAt: null };
    this.system(`joined as ${name} (${users.length} ${users.length === 1 ? 'user' : 'users'} here)`);
    if (motd) this.addLine({ kind: 'notice', from: 'motd', text: motd });
    const effects: Effect[] = [];
    const queued = this.s.outbox;
    this.s.outbox = [];
    for (const { item, lineId } of queued) {
      this.removeLine(lineId);
      if (item.kind !== 'say' && this.s.status.resolved === 'legacy') this.unsupported(item);
      else effects.push(item);
    }
    if (effects.length > 0)
      this.system(`sending ${effects.length} queued ${effects.length === 1 ? 'message' : 'messages'}`);
    return effects;
  }

  joinRefused(code: string, message: string): void {
    const name = this.s.desiredName;
    this.s.desiredName = null;
    this.s.me = null;
    if (this.s.status.connection === 'joining') this.setConnection('connected');
    const named = name === null || message.includes(name) ? '' : ` (${sanitize(name)})`;
    this.error(code, `${message}${named}`);
    this.system('choose another name: type it and press Enter');
  }

  message(m: {
    kind: 'chat' | 'private' | 'action' | 'notice';
    from: string;
    to?: string;
    text: string;
    ts: number;
  }): void {
    if (m.kind === 'chat') this.addLine({ kind: 'message', from: m.from, text: m.text, ts: m.ts });
    else if (m.kind === 'action') this.addLine({ kind: 'action', from: m.from, text: m.text, ts: m.ts });
    else if (m.kind === 'private')
      this.addLine({ kind: 'private', from: m.from, to: m.to, text: m.text, ts: m.ts });
    else this.addLine({ kind: 'notice', from: m.from, text: m.text, ts: m.ts });
  }

  userJoined(name: string, ts: number): void {
    this.addLine({ kind: 'join', from: name, text: ' joined', ts });
  }

  userLeft(name: string, reason: string | undefined, ts: number): void {
    this.addLine({ kind: 'leave', from: name, text: reason ? ` left (${reason})` : ' left', ts });
  }

  users(users: readonly string[]): void {
    this.s.users = [...users];
  }

  exportSaved(path: string): void {
    this.s.exportsPending = Math.max(0, this.s.exportsPending - 1);
    this.system(`export written to ${path}`);
  }

  exportFailed(message: string): void {
    this.s.exportsPending = Math.max(0, this.s.exportsPending - 1);
    this.error(undefined, `export failed: ${message}`);
  }

  /**
   * The connection ended. `retryAt` is when the next attempt is due, or null when there will be
   * none until the user acts (/reconnect, or choosing a name).
   */
  lost(detail: string, retryAt: number | null, attempt: number): void {
    this.s.me = null;
    this.s.users = [];
    this.s.status = {
      ...this.s.status,
      connection: retryAt === null ? 'idle' : 'lost',
      retryAt,
      attempt,
    };
    if (this.s.exportsPending > 0) {
      this.s.exportsPending = 0;
      this.error(undefined, 'export: the connection was lost before the reply (try /export again)');
    }
    let next: string;
    if (retryAt !== null) {
      const seconds = Math.max(0, (retryAt - this.now()) / 1000).toFixed(1);
      next = `retrying in ${seconds} s (or /reconnect)`;
    } else if (this.s.desiredName === null) {
      next = 'will reconnect when you choose a name (or /reconnect)';
    } else {
      next = '/reconnect to try again';
    }
    if (detail === this.lastLoss && retryAt !== null) return; // the same failure again: status bar only
    const first = this.lastLoss === null;
    this.lastLoss = detail;
    this.warning(`${first ? 'connection lost' : 'reconnect failed'}: ${sanitize(detail)}; ${next}`);
    if (first && this.s.outbox.length > 0) this.system(`${this.s.outbox.length} queued, to send once back`);
  }

  /** The client refuses to go on with this server (a security check failed); no automatic retry. */
  refused(code: string, lines: readonly string[]): void {
    this.s.me = null;
    this.s.users = [];
    this.setConnection('refused');
    lines.forEach((text, i) => {
      if (i === 0) this.error(code, text);
      else this.warning(text);
    });
  }

  /** A v2 server presents a different key from the recorded one: ask before going on (5.6). */
  askAcceptKey(question: Omit<KeyQuestion, 'kind'>): void {
    this.s.question = { kind: 'accept-key', ...question };
    this.setConnection('refused');
    this.error(
      'FINGERPRINT_MISMATCH',
      `the server key for ${question.server} has CHANGED since the last connection`,
    );
    this.warning(`known key:     ${question.known}`);
    this.warning(`presented key: ${question.presented}`);
    this.warning(
      "someone may be intercepting the connection, or the server's key was replaced. Check with its operator.",
    );
    this.warning('accept the new key and continue? Type y to accept, anything else to refuse.');
    this.s.input = '';
    this.s.cursor = 0;
  }

  setTheme(theme: ThemeId): void {
    this.s.theme = theme;
  }

  /** Status bar pieces, left to right, each with a priority (0 first) for narrow terminals. */
  statusSegments(): StatusSegment[] {
    const st = this.s.status;
    const stateStyle: Style =
      st.connection === 'joined'
        ? 'ok'
        : st.connection === 'lost' || st.connection === 'refused' || st.connection === 'idle'
          ? 'error'
          : 'warning';
    let state = CONNECTION_LABELS[st.connection];
    if (st.connection === 'joined' && this.s.me) state = `joined as ${sanitize(this.s.me)}`;
    if (st.connection === 'lost' && st.retryAt !== null) {
      const seconds = Math.max(0, Math.ceil((st.retryAt - this.now()) / 1000));
      state = `connection lost, retry in ${seconds}s (#${st.attempt})`;
    }
    const out: StatusSegment[] = [{ text: `● ${state}`, style: stateStyle, bold: true, priority: 0 }];
    out.push({ text: sanitize(st.server), style: 'accent', priority: 3 });
    const profile = st.resolved ?? (st.profile === 'auto' ? 'auto' : st.profile);
    const suite = st.resolved === 'legacy' ? 'AES-256-CFB8' : st.suite;
    out.push({
      text: suite ? `${profile} ${suite}` : profile,
      style: st.resolved === 'legacy' ? 'warning' : 'text',
      priority: 4,
    });
    if (st.fingerprint) out.push({ text: shortFingerprint(st.fingerprint), style: 'dim', priority: 5 });
    else if (st.resolved === 'legacy') {
      out.push({ text: 'server NOT authenticated', style: 'error', bold: true, priority: 1 });
    }
    if (this.s.outbox.length > 0) {
      out.push({ text: `${this.s.outbox.length} queued`, style: 'warning', priority: 2 });
    }
    if (this.s.scroll > 0) {
      const text = this.s.unseen > 0 ? `▲ scrolled, ${this.s.unseen} new below` : '▲ scrolled';
      out.push({ text, style: 'warning', bold: true, priority: 1 });
    }
    return out;
  }
}

export interface StatusSegment extends Segment {
  readonly priority: number;
}

/**
 * The status pieces that fit in `width` columns, each shown as ` text ` with a one-column
 * separator: the least important go first, the order stays.
 */
export function fitStatus(segments: readonly StatusSegment[], width: number): StatusSegment[] {
  const shown = [...segments];
  const cost = () => shown.reduce((sum, s, i) => sum + displayWidth(s.text) + 2 + (i > 0 ? 1 : 0), 0);
  while (shown.length > 1 && cost() > width) {
    let drop = shown.length - 1;
    for (let i = shown.length - 1; i >= 0; i--) if (shown[i].priority > shown[drop].priority) drop = i;
    shown.splice(drop, 1);
  }
  return shown;
}

function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  const code = s.charCodeAt(i - 1);
  return code >= 0xdc00 && code <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const code = s.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}
