/**
 * The client's controller: one view model, one ChatSession at a time, and the I/O around them
 * (files, timers), shared by the TUI and --plain.
 *
 * How this works: the UI passes keys or lines in; the view model answers with Effects, which
 * are carried out here (send on the session, write the export file, save the theme, reconnect,
 * quit). Session events go the other way, into the view model. Trust in the server's key is
 * decided by known-hosts.ts before anything is joined. A lost connection is retried with
 * exponential backoff (backoff.ts) by a fresh session that re-joins with the same name; chat
 * typed meanwhile waits in the view model's outbox.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { backoffDelay } from './backoff.js';
import { ChatSession, type ChatSessionOptions, type SessionEvent } from './chat-session.js';
import { KNOWN_SERVERS_FILE, recordKnownServer, saveConfig, serverKey } from './config.js';
import { changedKeyLines, decideTrust, pinMismatch } from './known-hosts.js';
import type { ThemeId } from './themes.js';
import { type Effect, exportStamp, type KeyName, type ProfileOption, ViewModel } from './view-model.js';

export interface ClientAppOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: ProfileOption;
  readonly name?: string;
  /** --fingerprint: the only server key to accept. */
  readonly fingerprint?: string;
  /** --accept-new-key (--plain): accept and record a changed server key. */
  readonly acceptNewKey?: boolean;
  /** The TUI: ask y/N about a changed key. Otherwise refuse it. */
  readonly interactive: boolean;
  /** --plain: exit (status 1) when the client refuses the server, instead of waiting. */
  readonly exitOnRefusal?: boolean;
  readonly theme: ThemeId;
  readonly configDir: string;
  /** False when config.json could not be parsed: theme changes then apply but are not saved. */
  readonly configWritable?: boolean;
  readonly knownServers: Map<string, string>;
  /** Where exports go (default ./exported). */
  readonly exportDir?: string;
  readonly clock?: () => number;
  /** A number in [0, 1) for backoff jitter. */
  readonly random01?: () => number;
  /** Passed to each ChatSession (timeouts, keepalive). */
  readonly session?: Partial<ChatSessionOptions>;
}

/** Errors after which retrying by itself would be pointless or unsafe: the user decides. */
const NO_RETRY = new Set([
  'FINGERPRINT_MISMATCH',
  'SERVER_AUTH_FAILED',
  'PROTOCOL_MISMATCH',
  'GROUP_UNSUPPORTED',
]);

export class ClientApp {
  readonly vm: ViewModel;
  private readonly options: ClientAppOptions;
  private readonly clock: () => number;
  private session: ChatSession | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private noRetry = false;
  private quitting = false;
  private exited = false;
  private inputEnded = false;
  private keyQuestion: { session: ChatSession; presented: string } | null = null;
  private readonly changeListeners = new Set<() => void>();
  private readonly exitListeners = new Set<(code: number) => void>();

  constructor(options: ClientAppOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.vm = new ViewModel({
      server: `${options.host}:${options.port}`,
      profile: options.profile,
      theme: options.theme,
      name: options.name,
      now: this.clock,
    });
  }

  /** Called after every change of the view model: render. */
  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  /** Called once, when the client is done; the argument is the exit status. */
  onExit(listener: (code: number) => void): void {
    this.exitListeners.add(listener);
  }

  get hasExited(): boolean {
    return this.exited;
  }

  start(): void {
    this.connect();
  }

  // ---- input ----

  key(name: KeyName, page?: number): void {
    this.run(this.vm.key(name, page));
  }

  insert(text: string): void {
    this.vm.insert(text);
    this.changed();
  }

  submitLine(text: string): void {
    this.run(this.vm.submitLine(text));
  }

  /** Ctrl-C, SIGTERM: leave cleanly. */
  requestQuit(): void {
    this.quit(0);
  }

  /** --plain: standard input ended; exit once everything typed has been sent. */
  endOfInput(): void {
    this.inputEnded = true;
    this.checkInputDone();
  }

  /** Re-renders (e.g. the retry countdown). */
  refresh(): void {
    this.changed();
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
    this.checkInputDone();
  }

  private checkInputDone(): void {
    if (!this.inputEnded || this.quitting) return;
    if (this.vm.phase === 'name') {
      this.vm.error(undefined, 'standard input ended before a name was accepted');
      this.quit(1);
    } else if (this.vm.idle) {
      this.quit(0);
    }
  }

  private run(effects: readonly Effect[]): void {
    for (const effect of effects) this.perform(effect);
    this.changed();
  }

  private perform(effect: Effect): void {
    switch (effect.kind) {
      case 'join':
      case 'say':
      case 'msg':
      case 'me':
      case 'who':
      case 'export':
        this.send(effect);
        return;
      case 'save-theme':
        this.saveTheme(effect.theme);
        return;
      case 'reconnect':
        this.keyQuestion = null;
        this.attempt++;
        this.connect();
        return;
      case 'quit':
        this.quit(0);
        return;
      case 'answer-key':
        this.answerKey(effect.accept);
        return;
    }
  }

  private send(effect: Effect): void {
    const session = this.session;
    try {
      if (!session) throw new Error('not connected');
      switch (effect.kind) {
        case 'join':
          session.join(effect.name);
          return;
        case 'say':
          session.say(effect.text);
          return;
        case 'msg':
          session.privateMessage(effect.to, effect.text);
          return;
        case 'me':
          session.action(effect.text);
          return;
        case 'who':
          session.who();
          return;
        case 'export':
          session.requestExport();
          return;
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      const what = 'text' in effect ? ` (not sent: “${effect.text}”)` : '';
      this.vm.error(code, `${(err as Error).message}${what}`);
      if (effect.kind === 'export') this.vm.exportFailed('no reply will come');
    }
  }

  private saveTheme(theme: ThemeId): void {
    if (this.options.configWritable === false) {
      this.vm.warning('theme not saved: config.json could not be read (see above); fix or remove it');
      return;
    }
    try {
      saveConfig(this.options.configDir, { theme });
    } catch (err) {
      this.vm.error(undefined, `theme not saved: ${(err as Error).message}`);
    }
  }

  // ---- connection ----

  private connect(): void {
    if (this.quitting) return;
    this.clearRetry();
    this.noRetry = false;
    const old = this.session;
    this.session = null;
    if (old && old.state !== 'closed') void old.abort('CLIENT_RECONNECT', 'reconnecting');
    const session = new ChatSession({
      ...this.options.session,
      host: this.options.host,
      port: this.options.port,
      profile: this.options.profile,
      expectedFingerprint: this.options.fingerprint,
      clock: this.clock,
    });
    this.session = session;
    this.vm.connecting(this.attempt);
    session.on((event) => {
      if (this.session !== session || this.exited) return;
      this.onSessionEvent(session, event);
      this.changed();
    });
    void session.connect();
    this.changed();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private onSessionEvent(session: ChatSession, event: SessionEvent): void {
    const vm = this.vm;
    switch (event.kind) {
      case 'state':
        if (event.state === 'handshaking') vm.handshaking();
        return;
      case 'ready':
        this.onReady(session, event);
        return;
      case 'joined':
        this.attempt = 0;
        this.run(vm.joined(event.name, event.users, event.motd));
        return;
      case 'join-refused':
        vm.joinRefused(event.code, event.message);
        return;
      case 'message':
        vm.message(event.message);
        return;
      case 'user-joined':
        vm.userJoined(event.name, event.ts);
        return;
      case 'user-left':
        vm.userLeft(event.name, event.reason, event.ts);
        return;
      case 'users-joined':
        vm.usersJoined(event.names, event.ts);
        return;
      case 'users-left':
        vm.usersLeft(event.names, event.reason, event.ts);
        return;
      case 'users':
        vm.users(event.users);
        return;
      case 'export':
        this.writeExport(event.text);
        return;
      case 'error':
        // Fatal errors end the connection and are reported with `closed`.
        if (!event.fatal) vm.error(event.code, event.message);
        return;
      case 'closed':
        this.onClosed(event);
        return;
    }
  }

  private onReady(session: ChatSession, info: Extract<SessionEvent, { kind: 'ready' }>): void {
    const key = serverKey(this.options.host, this.options.port);
    const decision = decideTrust({
      profile: info.profile,
      requested: this.options.profile,
      presented: info.fingerprint,
      known: this.options.knownServers.get(key),
      pinned: this.options.fingerprint,
    });
    const ready = { profile: info.profile, suite: info.suite, fingerprint: info.fingerprint };
    switch (decision.kind) {
      case 'trust':
        if (decision.record) this.recordKey(info.fingerprint!);
        this.run(this.vm.connected({ ...ready, trust: decision.trust }));
        return;
      case 'legacy':
        this.run(this.vm.connected({ ...ready, trust: 'none' }));
        return;
      case 'changed':
        if (this.options.acceptNewKey) {
          const lines = changedKeyLines(this.vm.state.status.server, decision.known, decision.presented);
          for (const line of lines.slice(0, 3)) this.vm.warning(line);
          this.recordKey(decision.presented);
          this.run(this.vm.connected({ ...ready, trust: 'accepted' }));
        } else if (this.options.interactive) {
          this.keyQuestion = { session, presented: decision.presented };
          this.noRetry = true;
          this.vm.askAcceptKey({ server: this.vm.state.status.server, ...decision });
        } else {
          this.refuse(
            session,
            'FINGERPRINT_MISMATCH',
            changedKeyLines(this.vm.state.status.server, decision.known, decision.presented),
          );
        }
        return;
      case 'refuse':
        this.refuse(session, decision.code, decision.lines);
        return;
    }
  }

  private recordKey(fingerprint: string): void {
    const key = serverKey(this.options.host, this.options.port);
    this.options.knownServers.set(key, fingerprint);
    try {
      recordKnownServer(this.options.configDir, key, fingerprint);
    } catch (err) {
      this.vm.error(
        undefined,
        `could not record the server key in ${KNOWN_SERVERS_FILE}: ${(err as Error).message}`,
      );
    }
  }

  private refuse(session: ChatSession, code: string, lines: readonly string[]): void {
    this.noRetry = true;
    this.vm.refused(code, lines);
    void session.abort(code, lines[0] ?? code);
    if (this.options.exitOnRefusal) this.quit(1);
  }

  private answerKey(accept: boolean): void {
    const question = this.keyQuestion;
    this.keyQuestion = null;
    if (!question) return;
    const session = question.session;
    if (!accept) {
      void session.abort('FINGERPRINT_MISMATCH', 'the new server key was not accepted');
      return;
    }
    this.recordKey(question.presented);
    const ready = session.ready;
    if (this.session === session && session.state === 'ready' && ready) {
      this.noRetry = false;
      this.run(this.vm.connected({ ...ready, trust: 'accepted' }));
    } else {
      this.connect(); // the server gave up waiting: a new connection now matches the recorded key
    }
  }

  private onClosed(event: Extract<SessionEvent, { kind: 'closed' }>): void {
    if (this.quitting || event.byUser) return;
    const error = event.error;
    if (error?.code === 'FINGERPRINT_MISMATCH' && error.expected && error.presented) {
      const decision = pinMismatch(error.expected, error.presented);
      if (decision.kind === 'refuse') {
        this.noRetry = true;
        this.vm.refused(decision.code, decision.lines);
        if (this.options.exitOnRefusal) this.quit(1);
      }
      return;
    }
    if (this.keyQuestion) return; // the question stays; answering it reconnects
    const detail =
      event.goodbye !== undefined
        ? `the server closed the connection (${event.goodbye})`
        : error
          ? `${error.code}: ${error.message}`
          : 'the connection ended';
    if (error && NO_RETRY.has(error.code)) this.noRetry = true;
    if (this.noRetry || this.vm.state.desiredName === null) {
      this.vm.lost(detail, null, this.attempt);
      if (this.noRetry && this.options.exitOnRefusal) this.quit(1);
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, (this.options.random01 ?? Math.random)());
    this.vm.lost(detail, this.clock() + delay, this.attempt);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  // ---- files ----

  private writeExport(text: string): void {
    const dir = resolve(this.options.exportDir ?? 'exported');
    try {
      mkdirSync(dir, { recursive: true });
      const base = `chat-${exportStamp(this.clock())}`;
      const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
      for (let i = 1; ; i++) {
        const file = join(dir, i === 1 ? `${base}.txt` : `${base}-${i}.txt`);
        try {
          writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
          const shown = relative(process.cwd(), file);
          this.vm.exportSaved(shown.startsWith('..') ? file : shown);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw err;
        }
      }
    } catch (err) {
      this.vm.exportFailed((err as Error).message);
    }
  }

  // ---- leaving ----

  private quit(code: number): void {
    if (this.quitting) return;
    this.quitting = true;
    this.clearRetry();
    const session = this.session;
    const done = () => this.exit(code);
    if (session && session.state !== 'closed') session.quit().then(done, done);
    else done();
  }

  private exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(code);
  }
}
