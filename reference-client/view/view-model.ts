/**
 * The client's view model: everything the screen shows, and what each key and each session event
 * does to it. Pure: no terminal, no socket, no timer, no file; the clock comes in as a function.
 *
 * How this works: the TUI and the --plain runner both feed this class (keys or whole lines from
 * the user, the session's events through `apply`) and render from its state. Methods that need
 * the outside world return Effects (join, say, export, write a file...) that the app carries out;
 * nothing here sends anything itself. Chat typed while not joined goes to an outbox, shown as
 * pending lines, and is handed back as effects once joined: nothing typed is dropped silently.
 * The pure helpers live beside it: commands.ts, completion.ts, input-line.ts, scrollback.ts,
 * text.ts, line-format.ts, text-layout.ts, status-bar.ts and export-text.ts.
 */

import { changedKeyLines, type ReadyInfo, type SessionEvent } from '../../src/client/index.js';
import { applyAway, listedName, renameAway, whoisText } from './away-view.js';
import { backlogLines } from './backlog-lines.js';
import { COMMANDS, HELP_KEYS, type ParsedInput, parseInput } from './commands.js';
import { complete } from './completion.js';
import { renderExportEntries, renderExportText } from './export-text.js';
import { editInput, insertText, takeInput } from './input-line.js';
import {
  addLine,
  clearLines,
  DEFAULT_MAX_LINES,
  removeLine,
  scrollBy,
  scrollToBottom,
  visibleLines,
} from './scrollback.js';
import { type StatusSegment, statusSegments } from './status-bar.js';
import { sanitize } from './text.js';
import { findTheme, THEME_IDS, THEMES } from './themes.js';
import type {
  ConnectionState,
  Effect,
  KeyName,
  Line,
  Outgoing,
  Phase,
  Trust,
  ViewModelOptions,
  ViewState,
} from './view-types.js';

const TRUST_TEXT: Record<Trust, string> = {
  new: 'first connection to this server: key recorded in known_servers',
  known: 'matches known_servers',
  pinned: 'matches --fingerprint',
  accepted: 'new key accepted and recorded',
  none: '',
};

export class ViewModel {
  private readonly view: ViewState;
  private readonly now: () => number;
  private readonly maxLines: number;

  constructor(options: ViewModelOptions) {
    this.now = options.now;
    this.maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
    this.view = {
      lines: [],
      lastLineId: 0,
      lastLoss: null,
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
      away: new Map(),
      lastPrivateFrom: null,
    };
  }

  get state(): Readonly<ViewState> {
    return this.view;
  }

  get phase(): Phase {
    if (this.view.question) return 'question';
    return this.view.desiredName === null ? 'name' : 'chat';
  }

  /** A join for a name the server has not accepted yet is under way (the next line may be a name). */
  get joinPending(): boolean {
    const s = this.view;
    return s.question === null && s.desiredName !== null && s.desiredName !== s.confirmedName;
  }

  /** Nothing waits to be sent or answered: the outbox is empty and no export is outstanding. */
  get idle(): boolean {
    return this.view.outbox.length === 0 && this.view.exportsPending === 0 && !this.joinPending;
  }

  /** The prompt before the input line. */
  get prompt(): string {
    switch (this.phase) {
      case 'question':
        return 'accept new key? [y/N] ';
      case 'name':
        return 'name: ';
      default:
        return `[${this.view.me ?? this.view.desiredName}] `;
    }
  }

  /** Status bar pieces, left to right, each with a priority (0 first) for narrow terminals. */
  statusSegments(): StatusSegment[] {
    return statusSegments(this.view, this.now());
  }

  /** The last `height` lines above the scroll position. */
  visibleLines(height: number): Line[] {
    return visibleLines(this.view, height);
  }

  scrollBy(n: number, page = 1): void {
    scrollBy(this.view, n, page);
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

  // ---- the user: keys and lines ----

  /** Inserts typed or pasted text at the cursor. */
  insert(text: string): void {
    insertText(this.view, text);
  }

  /** Handles a non-character key; `page` is the pane height, for PageUp/PageDown. */
  key(name: KeyName, page = 10): Effect[] {
    const s = this.view;
    if (name !== 'tab') s.completion = null;
    switch (name) {
      case 'enter':
        return this.submit();
      case 'pageup':
        scrollBy(s, Math.max(1, page - 1), page);
        return [];
      case 'pagedown':
        scrollBy(s, -Math.max(1, page - 1), page);
        return [];
      case 'C-end':
      case 'escape':
        scrollToBottom(s);
        return [];
      case 'tab':
        complete(s);
        return [];
      default:
        editInput(s, name);
        return [];
    }
  }

  /** Enter: handles the input line according to the phase (answer, name, command or chat). */
  submit(): Effect[] {
    const text = takeInput(this.view, this.phase !== 'question');
    scrollToBottom(this.view);
    return this.submitLine(text);
  }

  /** A whole line (Enter, or one from --plain's stdin). */
  submitLine(text: string): Effect[] {
    if (this.phase === 'question') return this.answerQuestion(text);
    const parsed = parseInput(text);
    if (this.phase === 'name' && (parsed.kind === 'say' || parsed.kind === 'msg' || parsed.kind === 'me')) {
      if (parsed.kind !== 'say') {
        this.error(undefined, 'choose a name first: type the name you want and press Enter');
        return [];
      }
      return this.chooseName(parsed.text.trim());
    }
    return this.command(parsed);
  }

  private command(parsed: ParsedInput): Effect[] {
    const s = this.view;
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
        if (s.status.connection !== 'joined') {
          this.error(undefined, '/export needs a connection: nothing was requested');
          return [];
        }
        s.exportsPending++;
        this.system('asking the server for the conversation…');
        return [{ kind: 'export' }];
      case 'theme':
        return this.themeCommand(parsed.name);
      case 'nick':
        return this.nickCommand(parsed.name);
      case 'reply':
        if (s.lastPrivateFrom === null) {
          this.error(undefined, '/reply: no private message to answer yet (use /msg NAME TEXT)');
          return [];
        }
        return this.send({ kind: 'msg', to: s.lastPrivateFrom, text: parsed.text });
      case 'whois':
        if (s.status.connection !== 'joined') {
          this.error(undefined, '/whois needs a connection: nothing was sent');
          return [];
        }
        return [{ kind: 'whois', name: parsed.name }];
      case 'away':
      case 'back': {
        if (s.status.connection !== 'joined') {
          this.error(undefined, `/${parsed.kind} needs a connection: nothing was sent`);
          return [];
        }
        const reason = parsed.kind === 'away' ? parsed.reason : undefined;
        return [{ kind: 'away', away: parsed.kind === 'away', ...(reason ? { reason } : {}) }];
      }
      case 'users':
        return this.showUsers();
      case 'clear':
        clearLines(s);
        for (const queued of s.outbox) queued.lineId = this.pendingLine(queued.item).id;
        return [];
      case 'quit':
        s.status = { ...s.status, connection: 'closed', retryAt: null };
        return [{ kind: 'quit' }];
      case 'reconnect':
        if (s.status.connection === 'joined') {
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
    this.view.desiredName = name;
    const connection = this.view.status.connection;
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
    const s = this.view;
    if (item.kind !== 'say' && s.status.resolved === 'legacy') {
      this.unsupported(item);
      return [];
    }
    if (s.status.connection === 'joined') return [item];
    s.outbox.push({ item, lineId: this.pendingLine(item).id });
    if (s.status.connection === 'idle') return [{ kind: 'reconnect' }];
    return [];
  }

  private showHelp(): void {
    this.system('Commands:');
    for (const c of COMMANDS) this.system(`  ${`/${c.name} ${c.args}`.padEnd(16)} ${c.help}`);
    this.system('Start a line with // to send text that begins with /.');
    for (const line of HELP_KEYS) this.system(line);
  }

  private showUsers(): Effect[] {
    const { users, status } = this.view;
    if (status.connection !== 'joined') {
      this.system('not in the room: no user list');
      return [];
    }
    this.system(
      `${users.length} ${users.length === 1 ? 'user' : 'users'}: ${users.map((u) => listedName(this.view.away, u)).join(', ')}`,
    );
    return status.resolved === 'v2' ? [{ kind: 'who' }] : [];
  }

  /** /nick: a rename once joined (7.11); before that, the name the next join asks for. */
  private nickCommand(name: string): Effect[] {
    const s = this.view;
    if (s.status.connection === 'joined') return [{ kind: 'nick', name }];
    if (this.phase === 'name') return this.chooseName(name);
    s.desiredName = name;
    this.system(`will join as ${sanitize(name)}`);
    return [];
  }

  /** Someone was renamed (7.11): a line for the room, and our own name when it was us. */
  private renamed(from: string, to: string, ts: number): void {
    const s = this.view;
    if (s.me !== null && from === s.me) {
      s.me = to;
      s.desiredName = to;
      s.confirmedName = to;
    }
    this.addLine({ kind: 'join', from, text: ` is now known as ${to}`, ts });
  }

  private themeCommand(name: string | undefined): Effect[] {
    const s = this.view;
    if (name === undefined) {
      const list = THEME_IDS.map((id) => `${THEMES[id].label}${id === s.theme ? ' (current)' : ''}`);
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
    s.theme = id;
    this.system(`theme: ${THEMES[id].label}`);
    return [{ kind: 'save-theme', theme: id }];
  }

  private answerQuestion(text: string): Effect[] {
    const accept = /^\s*(y|yes)\s*$/i.test(text);
    this.view.question = null;
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

  // ---- the session: each event, once ----

  /** What one session event does to the view; the effects are for the app to carry out. */
  apply(event: SessionEvent): Effect[] {
    const s = this.view;
    switch (event.kind) {
      case 'state':
        if (event.state === 'handshaking') this.setConnection('handshaking');
        return [];
      case 'ready':
        if (event.replaced) {
          const lines = changedKeyLines(s.status.server, event.replaced, event.fingerprint ?? '');
          for (const line of lines.slice(0, 3)) this.warning(line);
        }
        return this.connected(event);
      case 'key-changed':
        this.askAcceptKey(event.known, event.presented);
        return [];
      case 'refused':
        this.refused(event.code, event.lines);
        return [];
      case 'joined':
        return this.joined(event.name, event.users, event.motd);
      case 'join-refused':
        this.joinRefused(event.code, event.message);
        return [];
      case 'message': {
        const { kind, from, to, text, ts } = event.message;
        if (kind === 'private' && from !== s.me) s.lastPrivateFrom = from;
        if (kind === 'private') this.addLine({ kind, from, to, text, ts });
        else this.addLine({ kind: kind === 'chat' ? 'message' : kind, from, text, ts });
        return [];
      }
      case 'presence': {
        const { change } = event;
        if (change.kind === 'left') for (const name of change.names) s.away.delete(name);
        const text =
          change.kind === 'joined' ? ' joined' : change.reason ? ` left (${change.reason})` : ' left';
        const who = change.names.length === 1 ? { from: change.names[0] } : { names: [...change.names] };
        this.addLine({ kind: change.kind === 'joined' ? 'join' : 'leave', ...who, text, ts: change.ts });
        return [];
      }
      case 'users':
        s.users = [...event.users];
        return [];
      case 'renamed':
        renameAway(s.away, event.from, event.to);
        this.renamed(event.from, event.to, event.ts);
        return [];
      case 'away': {
        const text = applyAway(s.away, event.name, event.away, event.reason);
        this.addLine({ kind: 'join', from: event.name, text, ts: event.ts });
        return [];
      }
      case 'whois':
        this.system(whoisText(event, this.now()));
        return [];
      case 'history':
        for (const line of backlogLines(event.messages)) this.addLine(line);
        return [];
      case 'export':
        return [{ kind: 'write-export', text: renderExportEntries(event.entries) }];
      case 'export-text':
        return [{ kind: 'write-export', text: renderExportText(event.text) }];
      case 'error':
        // Fatal errors end the connection: the app reports them with the loss.
        if (!event.fatal) this.error(event.code, event.message);
        return [];
      case 'closed':
        return []; // what follows a loss is the app's call (retry or not): see connectionLost
    }
  }

  private connected(info: ReadyInfo): Effect[] {
    const s = this.view;
    s.status = {
      ...s.status,
      resolved: info.profile,
      suite: info.suite,
      fingerprint: info.fingerprint,
      trust: info.trust,
      connection: 'connected',
      retryAt: null,
    };
    this.system(
      `${s.lastLoss === null ? 'connected' : 'reconnected'} to ${s.status.server}: ${info.profile}, ${info.suite}`,
    );
    s.lastLoss = null;
    if (info.profile === 'legacy') {
      this.warning(
        'this is a legacy (pyChat) server: the connection is NOT authenticated and only weakly encrypted ' +
          '(AES-256-CFB8 with a fixed IV, no integrity check). Anyone on the network path can read or change it.',
      );
    } else if (info.fingerprint) {
      this.system(`server key ${info.fingerprint} (${TRUST_TEXT[info.trust]})`);
    }
    const name = s.desiredName;
    if (name === null) {
      this.system('choose a name: type it and press Enter');
      return [];
    }
    this.setConnection('joining');
    return [{ kind: 'join', name }];
  }

  /** The server accepted the name: sends what was queued. */
  private joined(name: string, users: readonly string[], motd?: string): Effect[] {
    const s = this.view;
    s.me = name;
    s.desiredName = name;
    s.confirmedName = name;
    s.users = [...users];
    s.status = { ...s.status, connection: 'joined', attempt: 0, retryAt: null };
    this.system(`joined as ${name} (${users.length} ${users.length === 1 ? 'user' : 'users'} here)`);
    if (motd) this.addLine({ kind: 'notice', from: 'motd', text: motd });
    const effects: Effect[] = [];
    const queued = s.outbox;
    s.outbox = [];
    for (const { item, lineId } of queued) {
      removeLine(s, lineId);
      if (item.kind !== 'say' && s.status.resolved === 'legacy') this.unsupported(item);
      else effects.push(item);
    }
    if (effects.length > 0)
      this.system(`sending ${effects.length} queued ${effects.length === 1 ? 'message' : 'messages'}`);
    return effects;
  }

  private joinRefused(code: string, message: string): void {
    const s = this.view;
    const name = s.desiredName;
    s.desiredName = null;
    s.me = null;
    if (s.status.connection === 'joining') this.setConnection('connected');
    const named = name === null || message.includes(name) ? '' : ` (${sanitize(name)})`;
    this.error(code, `${message}${named}`);
    this.system('choose another name: type it and press Enter');
  }

  /** The client refuses to go on with this server (a security check failed); no automatic retry. */
  private refused(code: string, lines: readonly string[]): void {
    this.view.me = null;
    this.view.users = [];
    this.setConnection('refused');
    lines.forEach((text, i) => {
      if (i === 0) this.error(code, text);
      else this.warning(text);
    });
  }

  /** A v2 server presents a different key from the recorded one: ask before going on (5.6). */
  private askAcceptKey(known: string, presented: string): void {
    const s = this.view;
    s.question = { kind: 'accept-key', server: s.status.server, known, presented };
    this.setConnection('refused');
    this.error(
      'FINGERPRINT_MISMATCH',
      `the server key for ${s.status.server} has CHANGED since the last connection`,
    );
    this.warning(`known key:     ${known}`);
    this.warning(`presented key: ${presented}`);
    this.warning(
      "someone may be intercepting the connection, or the server's key was replaced. Check with its operator.",
    );
    this.warning('accept the new key and continue? Type y to accept, anything else to refuse.');
    s.input = '';
    s.cursor = 0;
  }

  // ---- the app: connection attempts and files ----

  connecting(attempt: number): void {
    const s = this.view;
    s.status = { ...s.status, connection: 'connecting', attempt, retryAt: null };
    // Retries after a loss already reported show in the status bar only, not a line each.
    if (s.lastLoss === null) this.system(`connecting to ${s.status.server}…`);
  }

  /**
   * The connection ended. `retryAt` is when the next attempt is due, or null when there will be
   * none until the user acts (/reconnect, or choosing a name).
   */
  connectionLost(detail: string, retryAt: number | null, attempt: number): void {
    const s = this.view;
    s.me = null;
    s.users = [];
    s.status = { ...s.status, connection: retryAt === null ? 'idle' : 'lost', retryAt, attempt };
    if (s.exportsPending > 0) {
      s.exportsPending = 0;
      this.error(undefined, 'export: the connection was lost before the reply (try /export again)');
    }
    let next: string;
    if (retryAt !== null) {
      const seconds = Math.max(0, (retryAt - this.now()) / 1000).toFixed(1);
      next = `retrying in ${seconds} s (or /reconnect)`;
    } else if (s.desiredName === null) {
      next = 'will reconnect when you choose a name (or /reconnect)';
    } else {
      next = '/reconnect to try again';
    }
    if (detail === s.lastLoss && retryAt !== null) return; // the same failure again: status bar only
    const first = s.lastLoss === null;
    s.lastLoss = detail;
    this.warning(`${first ? 'connection lost' : 'reconnect failed'}: ${sanitize(detail)}; ${next}`);
    if (first && s.outbox.length > 0) this.system(`${s.outbox.length} queued, to send once back`);
  }

  exportSaved(path: string): void {
    this.view.exportsPending = Math.max(0, this.view.exportsPending - 1);
    this.system(`export written to ${path}`);
  }

  exportFailed(message: string): void {
    this.view.exportsPending = Math.max(0, this.view.exportsPending - 1);
    this.error(undefined, `export failed: ${message}`);
  }

  // ---- helpers ----

  private addLine(line: Omit<Line, 'id' | 'ts'> & { ts?: number }): Line {
    return addLine(this.view, line, this.now(), this.maxLines);
  }

  private setConnection(connection: ConnectionState, retryAt: number | null = null): void {
    this.view.status = { ...this.view.status, connection, retryAt };
  }

  private pendingLine(item: Outgoing): Line {
    const from = this.view.me ?? this.view.desiredName ?? '';
    const text = item.kind === 'me' ? `* ${from} ${item.text}` : item.text;
    return this.addLine(
      item.kind === 'msg' ? { kind: 'pending', from, to: item.to, text } : { kind: 'pending', from, text },
    );
  }

  private unsupported(item: Outgoing): void {
    const what = item.kind === 'msg' ? 'private messages' : 'actions (/me)';
    this.error(undefined, `legacy servers have no ${what}: nothing was sent (“${sanitize(item.text)}”)`);
  }
}
