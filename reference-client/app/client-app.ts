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
 * the view model's outbox. For scripts (--plain) the retries are bounded: a run of attempts that
 * ends in no join gives up with exit status 1 (backoff.ts says when), and so does /quit or the end
 * of input before the client ever joined.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SERVER_REFUSAL_CODES, type SessionEvent } from '../../src/client/index.js';
import { TcpSession, type TcpSessionOptions } from '../session/tcp-session.js';
import { exportStamp, sanitize } from '../view/text.js';
import type { ThemeId } from '../view/themes.js';
import { ViewModel } from '../view/view-model.js';
import type { Effect, IgnoreLevel, KeyName, ProfileOption } from '../view/view-types.js';
import { backoffDelay, FAILED_RUN_RESET_MS, SCRIPT_JOIN_ATTEMPTS, SCRIPT_JOIN_WITHIN_MS } from './backoff.js';
import { type ClientConfig, KNOWN_SERVERS_FILE, recordKnownServer, saveConfig, serverKey } from './config.js';

export interface ClientAppOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: ProfileOption;
  readonly name?: string;
  /** --fingerprint: the only server key to accept. */
  readonly fingerprint?: string;
  /** --accept-new-key: accept and record a new or changed server key without asking. */
  readonly acceptNewKey?: boolean;
  /** The TUI: ask y/N about a changed key. Otherwise refuse it. */
  readonly interactive: boolean;
  /**
   * --plain: exit (status 1) when the client refuses the server, instead of waiting, and when it
   * cannot join within the bounds of backoff.ts (SCRIPT_JOIN_*), or quits before it ever joined.
   */
  readonly exitOnRefusal?: boolean;
  readonly theme: ThemeId;
  /** Ring the bell for private messages and mentions (config.json `bell`, default on). */
  readonly bell?: boolean;
  /** Names to ignore (config.json `ignore`). */
  readonly ignore?: Readonly<Record<string, IgnoreLevel>>;
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
export const CLIENT_FEATURES: readonly string[] = ['backlog', 'nick', 'away', 'whois', 'structured-export'];

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
  private everJoined = false;
  /** A handshake with the current server ended well at least once (else "cannot connect"). */
  private everReady = false;
  /**
   * Connections in a row that ended in an error of the connection itself (DECRYPT_FAILED,
   * PACKET_MALFORMED, ...), not a plain loss: such a connection may join first, so a join alone
   * does not end the run (see FAILED_RUN_RESET_MS).
   */
  private failedInRow = 0;
  /** When the current connection joined (null: not joined). */
  private joinedAt: number | null = null;
  /** The server, as given on the command line or changed with /server. */
  private host: string;
  private port: number;
  /** --plain: gives up a run of attempts without a join (SCRIPT_JOIN_WITHIN_MS). */
  private giveUpTimer: NodeJS.Timeout | null = null;
  /** A changed key waits for the user's answer, from this session. */
  private keyQuestion: { session: TcpSession; presented: string } | null = null;
  private readonly changeListeners = new Set<() => void>();
  private readonly exitListeners = new Set<(code: number) => void>();

  constructor(options: ClientAppOptions) {
    this.options = options;
    this.host = options.host;
    this.port = options.port;
    this.clock = options.clock ?? Date.now;
    this.vm = new ViewModel({
      server: serverLabel(options.host, options.port),
      profile: options.profile,
      theme: options.theme,
      bell: options.bell,
      ignore: options.ignore,
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

  /** /quit, or the end of input: a script that never joined gets status 1 and the reason. */
  private leave(): void {
    if (this.options.exitOnRefusal && !this.everJoined && !this.quitting) {
      const why = this.vm.state.lastLoss;
      this.vm.error(
        undefined,
        `left without ever joining ${this.vm.state.status.server} (${why ?? 'still connecting'})`,
      );
      this.quit(1);
      return;
    }
    this.quit(0);
  }

  /** --plain: standard input ended; exit once everything typed has been sent and answered. */
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
    } else if (this.vm.idle && !this.awaitingAnswers()) {
      this.leave();
    }
  }

  /**
   * The server has yet to answer a line sent on this connection: its echo or its refusal (a
   * RATE_LIMITED for the last line of a script) is waited for, so that it is printed before the
   * exit. A connection that ends answers nothing: the next one starts with none.
   */
  private awaitingAnswers(): boolean {
    const session = this.session;
    return session !== null && session.state === 'joined' && session.unanswered > 0;
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
      case 'save-ignore':
        this.saveSettings({ ignore: effect.ignore }, 'ignore list');
        return;
      case 'reconnect':
        this.keyQuestion = null;
        this.attempt++;
        this.connect();
        return;
      case 'server':
        this.switchServer(effect.host, effect.port ?? this.port);
        return;
      case 'quit':
        this.leave();
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
      if (effect.kind === 'say' || effect.kind === 'me' || effect.kind === 'msg') {
        this.vm.lineRefused(code, (err as Error).message, effect);
        return;
      }
      this.vm.error(code, (err as Error).message);
      if (effect.kind === 'export') this.vm.exportFailed('no reply will come');
    }
  }

  /** The TUI offers the last server, port and name it joined with as next time's defaults. */
  private rememberLast(name: string): void {
    if (!this.options.interactive || this.options.configWritable === false) return;
    try {
      saveConfig(this.options.configDir, { server: this.host, port: this.port, name });
    } catch (err) {
      this.vm.warning(`could not remember the server and name: ${(err as Error).message}`);
    }
  }

  private saveSettings(settings: ClientConfig, what: string): void {
    if (!this.options.interactive) return; // --plain: for this run only; the TUI's settings stay
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

  /** /server: from now on this server; the current connection (if any) is dropped. */
  private switchServer(host: string, port: number): void {
    this.keyQuestion = null;
    this.host = host;
    this.port = port;
    this.attempt = 0;
    this.everReady = false;
    this.vm.serverChanged(serverLabel(host, port));
    this.connect();
  }

  private connect(): void {
    if (this.quitting) return;
    this.clearRetry();
    this.noRetry = false;
    this.refused = false;
    const old = this.session;
    this.session = null;
    if (old && old.state !== 'closed') void old.abort('CLIENT_RECONNECT', 'reconnecting');
    const key = serverKey(this.host, this.port);
    const session = new TcpSession({
      ...this.options.session,
      host: this.host,
      port: this.port,
      profile: this.options.profile,
      known: this.options.knownServers.get(key),
      pinned: this.options.fingerprint,
      changedKey: this.options.acceptNewKey ? 'accept' : this.options.interactive ? 'ask' : 'refuse',
      // First contact: the TUI asks, as SSH does; scripts trust on first use (or use --fingerprint).
      newKey: this.options.interactive && !this.options.acceptNewKey ? 'ask' : 'accept',
      clock: this.clock,
      features: this.options.session?.features ?? CLIENT_FEATURES,
    });
    this.session = session;
    this.armGiveUp();
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

  /** --plain: a run of attempts without a join starts: it may last SCRIPT_JOIN_WITHIN_MS. */
  private armGiveUp(): void {
    if (!this.options.exitOnRefusal || this.giveUpTimer) return;
    const seconds = SCRIPT_JOIN_WITHIN_MS / 1000;
    this.giveUpTimer = setTimeout(() => {
      this.giveUpTimer = null;
      this.giveUp(`not joined within ${seconds} s`);
    }, SCRIPT_JOIN_WITHIN_MS);
  }

  private disarmGiveUp(): void {
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.giveUpTimer = null;
  }

  /** --plain: no join in this run of attempts; say why in one line and exit 1. */
  private giveUp(why: string): void {
    if (this.quitting) return;
    const last = this.vm.state.lastLoss;
    const detail = last && !why.includes(last) ? `${why}; last failure: ${last}` : why;
    this.vm.error(undefined, `cannot join ${this.vm.state.status.server}: ${sanitize(detail)}`);
    this.changed();
    this.quit(1);
  }

  private onSessionEvent(session: TcpSession, event: SessionEvent): void {
    switch (event.kind) {
      case 'ready':
        if (event.record && event.fingerprint) this.recordKey(event.fingerprint);
        this.noRetry = false;
        this.everReady = true;
        break;
      case 'key-changed':
      case 'key-unknown':
        this.keyQuestion = { session, presented: event.presented };
        this.noRetry = true;
        break;
      case 'refused':
        this.noRetry = true;
        this.refused = true;
        break;
      case 'joined':
        this.attempt = 0;
        this.everJoined = true;
        this.joinedAt = this.clock();
        this.disarmGiveUp();
        this.rememberLast(event.name);
        break;
      case 'closed':
        this.onClosed(event);
        return;
    }
    this.run(this.vm.apply(event));
    if (event.kind === 'refused' && this.options.exitOnRefusal) this.quit(1);
  }

  private recordKey(fingerprint: string): void {
    const key = serverKey(this.host, this.port);
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
    const joinedFor = this.joinedAt === null ? null : this.clock() - this.joinedAt;
    this.joinedAt = null;
    if (joinedFor !== null && joinedFor >= FAILED_RUN_RESET_MS) this.failedInRow = 0;
    if (error && error.code !== 'CONNECTION_LOST') this.failedInRow++;
    else this.failedInRow = 0;
    // A script (--plain) stops at a server's refusal (5.10); the TUI tries again later.
    if (error && SERVER_REFUSAL_CODES.has(error.code) && this.options.exitOnRefusal) this.noRetry = true;
    const never = !this.everReady;
    if (this.noRetry || this.vm.state.desiredName === null) {
      this.vm.connectionLost(detail, null, this.attempt, never);
      if (this.noRetry && this.options.exitOnRefusal) this.quit(1);
      return;
    }
    // A connection that joins and then fails at once is a failed attempt too: the backoff grows.
    this.attempt = Math.max(this.attempt, this.failedInRow - 1) + 1;
    if (this.options.exitOnRefusal && this.failedInRow >= SCRIPT_JOIN_ATTEMPTS && this.everJoined) {
      this.giveUp(`${this.failedInRow} connections in a row failed; the last: ${detail}`);
      return;
    }
    if (this.options.exitOnRefusal && this.attempt >= SCRIPT_JOIN_ATTEMPTS) {
      this.giveUp(`${this.attempt} attempts failed; the last: ${detail}`);
      return;
    }
    const delay = backoffDelay(this.attempt, (this.options.random01 ?? Math.random)());
    this.vm.connectionLost(detail, this.clock() + delay, this.attempt, never);
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
    this.disarmGiveUp();
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

/** `host:port` as the user reads it (an IPv6 address in brackets). */
export function serverLabel(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
