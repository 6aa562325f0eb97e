/**
 * The client's view model: everything the screen shows, and what each key and each network event
 * does to it. Pure: no terminal, no socket, no timer, no file; the clock comes in as a function.
 *
 * How this works: the TUI and the --plain runner both feed this class (keys or whole lines, and
 * the session's events through the controller) and render from its state. Methods that may need
 * the network return Effects (join, say, export...) that the controller carries out; nothing here
 * sends anything itself. Chat typed while not joined goes to an outbox, shown as pending lines,
 * and is handed back as effects once joined: nothing typed is dropped silently.
 *
 * The code is split by concept: this file holds the ViewModel class (typed input and commands)
 * and re-exports the public API; the state and scrollback live in view-core.ts, network events in
 * view-connection.ts, the data types in view-types.ts, and the pure helpers in commands.ts,
 * completion.ts, input-line.ts, text.ts, line-format.ts, text-layout.ts and status-bar.ts.
 */

import { COMMANDS, HELP_KEYS, type ParsedInput, parseInput } from './commands.js';
import { complete } from './completion.js';
import { editInput, insertText, takeInput } from './input-line.js';
import { type StatusSegment, statusSegments } from './status-bar.js';
import { sanitize } from './text.js';
import { findTheme, THEME_IDS, THEMES } from './themes.js';
import { ConnectionView } from './view-connection.js';
import type { Effect, KeyName, Outgoing } from './view-types.js';

export { COMMANDS, type CommandInfo, type ParsedInput, parseInput, suggestCommand } from './commands.js';
export { type FormattedLine, formatLine, plainLine, type Segment, type Style } from './line-format.js';
export { fitStatus, type StatusSegment, shortFingerprint } from './status-bar.js';
export { exportStamp, formatDateTime, formatTime, nickColour, sanitize } from './text.js';
export { charWidth, displayWidth, wrapSegments } from './text-layout.js';
export type {
  ConnectionState,
  Effect,
  KeyName,
  KeyQuestion,
  Line,
  LineKind,
  Outgoing,
  Phase,
  Profile,
  ProfileOption,
  Status,
  Trust,
  ViewModelOptions,
  ViewState,
} from './view-types.js';

export class ViewModel extends ConnectionView {
  // ---- input line ----

  /** Inserts typed or pasted text at the cursor. */
  insert(text: string): void {
    insertText(this.s, text);
  }

  setInput(text: string): void {
    this.s.input = text;
    this.s.cursor = text.length;
    this.s.completion = null;
  }

  /** Handles a non-character key; `page` is the pane height, for PageUp/PageDown. */
  key(name: KeyName, page = 10): Effect[] {
    if (name !== 'tab') this.s.completion = null;
    switch (name) {
      case 'enter':
        return this.submit();
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
      default:
        editInput(this.s, name);
        return [];
    }
  }

  /** Tab: completes the word before the cursor (commands, theme names, user names); again to cycle. */
  complete(): void {
    complete(this.s);
  }

  // ---- submitting a line ----

  /** Enter: handles the input line according to the phase (answer, name, command or chat). */
  submit(): Effect[] {
    const text = takeInput(this.s, this.phase !== 'question');
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

  /** Status bar pieces, left to right, each with a priority (0 first) for narrow terminals. */
  statusSegments(): StatusSegment[] {
    return statusSegments(this.s, this.now());
  }
}
