/**
 * The base of the view model: its state, the derived phase and prompt, the scrollback (adding,
 * removing and scrolling lines) and the few helpers shared by the input and network halves.
 * ViewModel builds on this through ConnectionView (see view-model.ts).
 */

import { sanitize } from './text.js';
import type { ConnectionState, Line, Outgoing, Phase, ViewModelOptions, ViewState } from './view-types.js';

/** The state, the scrollback and the helpers every part of the view model uses. */
export class ViewCore {
  protected readonly s: ViewState;
  private lineCounter = 0;
  /** The last connection failure reported, until the next successful handshake. */
  protected lastLoss: string | null = null;
  protected readonly now: () => number;
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

  protected addLine(line: Omit<Line, 'id' | 'ts'> & { ts?: number }): Line {
    const full: Line = { ...line, id: ++this.lineCounter, ts: line.ts ?? this.now() };
    this.s.lines.push(full);
    if (this.s.lines.length > this.maxLines) this.s.lines.splice(0, this.s.lines.length - this.maxLines);
    if (this.s.scroll > 0) {
      this.s.scroll = Math.min(this.s.scroll + 1, this.s.lines.length - 1);
      this.s.unseen++;
    }
    return full;
  }

  protected removeLine(id: number): void {
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

  // ---- shared helpers ----

  protected setConnection(connection: ConnectionState, retryAt: number | null = null): void {
    this.s.status = { ...this.s.status, connection, retryAt };
  }

  protected pendingLine(item: Outgoing): Line {
    const from = this.s.me ?? this.s.desiredName ?? '';
    const text = item.kind === 'me' ? `* ${from} ${item.text}` : item.text;
    return this.addLine(
      item.kind === 'msg' ? { kind: 'pending', from, to: item.to, text } : { kind: 'pending', from, text },
    );
  }

  protected unsupported(item: Outgoing): void {
    const what = item.kind === 'msg' ? 'private messages' : 'actions (/me)';
    this.error(undefined, `legacy servers have no ${what}: nothing was sent (“${sanitize(item.text)}”)`);
  }
}
