/**
 * The client's controller: one view model, one TcpSession at a time, and the I/O around them
 * (files, timers), shared by the TUI and --plain.
 *
 * How this works: the UI passes keys or lines in; the view model answers with Effects, which
 * are carried out here (send on the session, write the export file, save the theme, reconnect,
 * quit). Session events go the other way: each goes to the view model once (`vm.apply`); the app
 * itself only records a server key the session says to record, and decides what follows a lost
 * connection. Trust in the server's key is decided by the session (src/client/trust.ts) from
 * known_servers before anything is joined. A lost connection is retried with exponential backoff
 * (backoff.ts) by a fresh session that re-joins with the same name; chat typed meanwhile waits in
 * the view model's outbox.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { SessionEvent } from '../../src/client/index.js';
import { TcpSession, type TcpSessionOptions } from '../session/tcp-session.js';
import { exportStamp } from '../view/text.js';
import type { ThemeId } from '../view/themes.js';
import { ViewModel } from '../view/view-model.js';
import type { Effect, KeyName, ProfileOption } from '../view/view-types.js';
import { backoffDelay } from './backoff.js';
import { type ClientConfig, KNOWN_SERVERS_FILE, recordKnownServer, saveConfig, serverKey } from './config.js';

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
  /** Ring the bell for private messages and mentions (config.json `bell`, default on). */
  readonly bell?: boolean;
  readonly configDir: string;
  /** False when config.json could not be parsed: theme changes then apply but are not saved. */
  readonly configWritable?: boolean;
  readonly knownServers: Map<string, string>;
  /** Where exports go (default ./exported). */
  readonly exportDir?: string;
  readonly clock?: () => number;
  /** A number in [0, 1) for backoff jitter. */
  readonly random01?: () => number;
  /** Passed to each session (timings). */
  readonly session?: Partial<TcpSessionOptions>;
}

/** The v2 features this client uses when the server offers them (spec 5.8). */
export const CLIENT_FEATURES: readonly string[] = ['backlog', 'nick', 'away', 'whois'];

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
  private session: TcpSession | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private noRetry = false;
  /** The client refused this server (a security check): no retry, the user decides. */
  private refused = false;
  private quitting = false;
  private exited = false;
  private inputEnded = false;
  /** A changed key waits for the user's answer, from this session. */
  private keyQuestion: { session: TcpSession; presented: string } | null = null;
  private readonly changeListeners = new Set<() => void>();
  private readonly exitListeners = new Set<(code: number) => void>();

  constructor(options: ClientAppOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.vm = new ViewModel({
      server: `${options.host}:${options.port}`,
      profile: options.profile,
      theme: options.theme,
      bell: options.bell,
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
      case 'nick':
      case 'away':
      case 'whois':
        this.send(effect);
        return;
      case 'save-theme':
        this.saveSettings({ theme: effect.theme }, 'theme');
        return;
      case 'save-bell':
        this.saveSettings({ bell: effect.bell }, 'bell setting');
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
      case 'write-export':
        this.writeExport(effect.text);
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
        case 'nick':
          session.nick(effect.name);
          return;
        case 'away':
          session.away(effect.away, effect.reason);
          return;
        case 'whois':
          session.whois(effect.name);
          return;
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      const what = 'text' in effect ? ` (not sent: “${effect.text}”)` : '';
      this.vm.error(code, `${(err as Error).message}${what}`);
      if (effect.kind === 'export') this.vm.exportFailed('no reply will come');
    }
  }

  private saveSettings(settings: ClientConfig, what: string): void {
    if (this.options.configWritable === false) {
      this.vm.warning(`${what} not saved: config.json could not be read (see above); fix or remove it`);
      return;
    }
    try {
      saveConfig(this.options.configDir, settings);
    } catch (err) {
      this.vm.error(undefined, `${what} not saved: ${(err as Error).message}`);
    }
  }

  // ---- connection ----

  private connect(): void {
    if (this.quitting) return;
    this.clearRetry();
    this.noRetry = false;
    this.refused = false;
    const old = this.session;
    this.session = null;
    if (old && old.state !== 'closed') void old.abort('CLIENT_RECONNECT', 'reconnecting');
    const key = serverKey(this.options.host, this.options.port);
    const session = new TcpSession({
      ...this.options.session,
      host: this.options.host,
      port: this.options.port,
      profile: this.options.profile,
      known: this.options.knownServers.get(key),
      pinned: this.options.fingerprint,
      changedKey: this.options.acceptNewKey ? 'accept' : this.options.interactive ? 'ask' : 'refuse',
      clock: this.clock,
      features: this.options.session?.features ?? CLIENT_FEATURES,
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

  private onSessionEvent(session: TcpSession, event: SessionEvent): void {
    switch (event.kind) {
      case 'ready':
        if (event.record && event.fingerprint) this.recordKey(event.fingerprint);
        this.noRetry = false;
        break;
      case 'key-changed':
        this.keyQuestion = { session, presented: event.presented };
        this.noRetry = true;
        break;
      case 'refused':
        this.noRetry = true;
        this.refused = true;
        break;
      case 'joined':
        this.attempt = 0;
        break;
      case 'closed':
        this.onClosed(event);
        return;
    }
    this.run(this.vm.apply(event));
    if (event.kind === 'refused' && this.options.exitOnRefusal) this.quit(1);
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

  private answerKey(accept: boolean): void {
    const question = this.keyQuestion;
    this.keyQuestion = null;
    if (!question) return;
    const session = question.session;
    if (this.session === session && session.state === 'ready') {
      session.answerKey(accept); // accepted: `ready` follows, and says to record the key
    } else if (accept) {
      this.recordKey(question.presented);
      this.connect(); // the server gave up waiting: a new connection now matches the recorded key
    }
  }

  private onClosed(event: Extract<SessionEvent, { kind: 'closed' }>): void {
    if (this.quitting || event.byUser || this.refused) return;
    if (this.keyQuestion) return; // the question stays; answering it reconnects
    const error = event.error;
    const detail =
      event.goodbye !== undefined
        ? `the server closed the connection (${event.goodbye})`
        : error
          ? `${error.code}: ${error.message}`
          : 'the connection ended';
    if (error && NO_RETRY.has(error.code)) this.noRetry = true;
    if (this.noRetry || this.vm.state.desiredName === null) {
      this.vm.connectionLost(detail, null, this.attempt);
      if (this.noRetry && this.options.exitOnRefusal) this.quit(1);
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, (this.options.random01 ?? Math.random)());
    this.vm.connectionLost(detail, this.clock() + delay, this.attempt);
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
