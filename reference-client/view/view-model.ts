/**
 * The client's view model: everything the screen shows, and what each key and each session event
 * does to it. Pure: no terminal, no socket, no timer, no file; the clock comes in as a function.
 *
 * How this works: the TUI and the --plain runner both feed this class (keys or whole lines from
 * the user, the session's events through `apply`) and render from its state. Methods that need
 * the outside world return Effects (join, say, export, write a file...) that the app carries out;
 * nothing here sends anything itself. The class only dispatches; each concept has its module:
 * line-commands.ts (what an entered line does), session-view.ts (what the connection does),
 * key-questions.ts (a first or changed server key), outbox.ts (chat typed while not joined, and
 * chat refused), input-line.ts and completion.ts (the input line), scrollback.ts (lines and
 * scrolling), status-bar.ts, line-format.ts and text-layout.ts (output).
 */

import { RoomBook, type RoomState, type SessionEvent, type UnsentLine } from '../../src/client/index.js';
import { complete } from './completion.js';
import { editInput, insertText, takeInput } from './input-line.js';
import { questionPrompt } from './key-questions.js';
import { phaseOf, submitLine } from './line-commands.js';
import { setFocus } from './notifications.js';
import { lineRefused } from './outbox.js';
import { currentRoom, linesAfter, switchRoom } from './room-view.js';
import {
  DEFAULT_MAX_LINES,
  errorLine,
  scrollBy,
  scrollToBottom,
  systemLine,
  visibleLines,
  warningLine,
} from './scrollback.js';
import { applySessionEvent, connecting, connectionLost, exportDone, serverChanged } from './session-view.js';
import { type StatusSegment, statusSegments } from './status-bar.js';
import { nameRulesOf } from './text.js';
import { scrollUsers, type UserListWindow, userListWindow } from './user-list.js';
import type {
  Effect,
  KeyName,
  Line,
  Phase,
  ViewContext,
  Viewer,
  ViewModelOptions,
  ViewState,
} from './view-types.js';

export class ViewModel {
  private readonly ctx: ViewContext;

  constructor(options: ViewModelOptions) {
    const state: ViewState = {
      lines: [],
      lastLineId: 0,
      lastLoss: null,
      users: [],
      usersToCome: false,
      userScroll: 0,
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
      focused: true,
      unread: 0,
      unreadForMe: 0,
      bell: options.bell ?? true,
      bells: 0,
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
      ignored: new Map(Object.entries(options.ignore ?? {})),
      rooms: new RoomBook(),
      shownRoom: null,
      buffers: new Map(),
      hasRooms: false,
      roomWanted: null,
    };
    this.ctx = { state, now: options.now, maxLines: options.maxLines ?? DEFAULT_MAX_LINES };
  }

  get state(): Readonly<ViewState> {
    return this.ctx.state;
  }

  get phase(): Phase {
    return phaseOf(this.ctx);
  }

  /** A join for a name the server has not accepted yet is under way (the next line may be a name). */
  get joinPending(): boolean {
    const s = this.ctx.state;
    return s.question === null && s.desiredName !== null && s.desiredName !== s.confirmedName;
  }

  /** A room the user asked to join is not confirmed yet: it is not current yet (7.15). */
  get roomJoinPending(): boolean {
    return this.ctx.state.roomWanted !== null;
  }

  /** Nothing waits to be sent or answered: the outbox is empty and no export is outstanding. */
  get idle(): boolean {
    const s = this.ctx.state;
    return s.outbox.length === 0 && s.exportsPending === 0 && !this.joinPending && !this.roomJoinPending;
  }

  /** Who reads the lines, for formatting them (own lines, mentions). */
  get viewer(): Viewer {
    const s = this.ctx.state;
    return { me: s.me, rules: nameRulesOf(s.status.resolved) };
  }

  /** The prompt before the input line. */
  get prompt(): string {
    switch (this.phase) {
      case 'question':
        return questionPrompt(this.ctx);
      case 'name':
        return 'name: ';
      default:
        return `[${this.ctx.state.me ?? this.ctx.state.desiredName}] `;
    }
  }

  /** Status bar pieces, left to right, each with a priority (0 first) for narrow terminals. */
  statusSegments(): StatusSegment[] {
    return statusSegments(this.ctx.state, this.ctx.now());
  }

  /** The rooms this client is in, in the order joined (Alt-1 is the first), with their counts. */
  get rooms(): readonly Readonly<RoomState>[] {
    return this.ctx.state.rooms.rooms;
  }

  /** The room on screen, where typed lines go (`#lobby` before any join). */
  get currentRoom(): string {
    return currentRoom(this.ctx.state);
  }

  /** Every line after the id `after`, of every room, oldest first (--plain prints them all). */
  linesAfter(after: number): Line[] {
    return linesAfter(this.ctx.state, after);
  }

  /** The last `height` lines above the scroll position. */
  visibleLines(height: number): Line[] {
    return visibleLines(this.ctx.state, height);
  }

  scrollBy(n: number, page = 1): void {
    scrollBy(this.ctx.state, n, page);
  }

  /** The terminal gained or lost the focus (the TUI's focus reports). */
  setFocus(focused: boolean): void {
    setFocus(this.ctx.state, focused);
  }

  /** The user list in `rows` rows (the sidebar below its header). */
  userList(rows: number): UserListWindow {
    return userListWindow(this.ctx.state, rows);
  }

  /** Scrolls the user list by `n` names (the mouse wheel over it). */
  scrollUsers(n: number, rows: number): void {
    scrollUsers(this.ctx.state, n, rows);
  }

  system(text: string): void {
    systemLine(this.ctx, text);
  }

  warning(text: string): void {
    warningLine(this.ctx, text);
  }

  error(code: string | undefined, text: string): void {
    errorLine(this.ctx, code, text);
  }

  // ---- the user: keys and lines ----

  /** Inserts typed or pasted text at the cursor. */
  insert(text: string): void {
    insertText(this.ctx.state, text);
  }

  /** Handles a non-character key; `page` is the pane height, for PageUp/PageDown. */
  key(name: KeyName, page = 10): Effect[] {
    const s = this.ctx.state;
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
      case 'M-pageup':
        scrollUsers(s, -Math.max(1, page - 3), page - 2);
        return [];
      case 'M-pagedown':
        scrollUsers(s, Math.max(1, page - 3), page - 2);
        return [];
      case 'C-end':
      case 'escape':
        scrollToBottom(s);
        return [];
      case 'tab':
        complete(s);
        return [];
      case 'C-n':
      case 'C-p':
        switchRoom(this.ctx, { step: name === 'C-n' ? 1 : -1 });
        return [];
      case 'M-1':
      case 'M-2':
      case 'M-3':
      case 'M-4':
      case 'M-5':
      case 'M-6':
      case 'M-7':
      case 'M-8':
      case 'M-9':
        switchRoom(this.ctx, { index: Number(name.slice(2)) - 1 });
        return [];
      default:
        editInput(s, name);
        return [];
    }
  }

  /** Enter: handles the input line according to the phase (answer, name, command or chat). */
  submit(): Effect[] {
    const text = takeInput(this.ctx.state, this.phase !== 'question');
    scrollToBottom(this.ctx.state);
    return this.submitLine(text);
  }

  /** A whole line (Enter, or one from --plain's stdin). */
  submitLine(text: string): Effect[] {
    return submitLine(this.ctx, text);
  }

  // ---- the session and the app ----

  /** What one session event does to the view; the effects are for the app to carry out. */
  apply(event: SessionEvent): Effect[] {
    return applySessionEvent(this.ctx, event);
  }

  /** The app connects to another server from now on (`/server`): a new status, a new start. */
  serverChanged(server: string): void {
    serverChanged(this.ctx, server);
  }

  connecting(attempt: number): void {
    connecting(this.ctx, attempt);
  }

  /**
   * The connection ended. `retryAt` is when the next attempt is due, or null when there will be
   * none until the user acts (/reconnect, or choosing a name).
   */
  connectionLost(detail: string, retryAt: number | null, attempt: number, neverConnected = false): void {
    connectionLost(this.ctx, detail, retryAt, attempt, neverConnected);
  }

  /**
   * A chat line was not sent (refused by the server, or too long to send): say so with its text,
   * and give it back in the input line when that is empty (else in the history, for Up).
   */
  lineRefused(code: string | undefined, reason: string, item: UnsentLine): void {
    lineRefused(this.ctx, code, reason, item);
  }

  exportSaved(path: string): void {
    exportDone(this.ctx, true, path);
  }

  exportFailed(message: string): void {
    exportDone(this.ctx, false, message);
  }
}
