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

import { SERVER_REFUSAL_CODES, type SessionEvent } from '../../src/client/index.js';
import { TcpSession } from '../session/tcp-session.js';
import { sanitize } from '../view/text.js';
import { ViewModel } from '../view/view-model.js';
import type { Effect, KeyName } from '../view/view-types.js';
import { CLIENT_FEATURES, type ClientAppOptions, lossDetail, NO_RETRY, serverLabel } from './app-options.js';
import { recordKey, rememberLast, saveSetting } from './app-settings.js';
import { AttemptCounter, backoffDelay, SCRIPT_JOIN_ATTEMPTS, SCRIPT_JOIN_WITHIN_MS } from './backoff.js';
import { serverKey } from './config.js';
import { writeExportFile } from './export-file.js';
import { type SentEffect, sendEffect } from './session-effects.js';

export type { ClientAppOptions } from './app-options.js';

export class ClientApp {
  readonly vm: ViewModel;
  private readonly options: ClientAppOptions;
  private readonly clock: () => number;
  private session: TcpSession | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly attempts = new AttemptCounter();
  private noRetry = false;
  /** The client refused this server (a security check): no retry, the user decides. */
  private refused = false;
  private quitting = false;
  private exited = false;
  private inputEnded = false;
  private everJoined = false;
  /** A handshake with the current server ended well at least once (else "cannot connect"). */
  private everReady = false;
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

  /** A line sent on this connection awaits its echo or refusal (printed before a script exits). */
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
      case 'room-join':
      case 'room-part':
      case 'rooms':
      case 'topic':
        this.send(effect);
        return;
      case 'save-theme':
      case 'save-bell':
      case 'save-ignore':
        saveSetting(this.options, this.vm, effect);
        return;
      case 'reconnect':
        this.keyQuestion = null;
        this.attempts.attempt++;
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

  private send(effect: SentEffect): void {
    try {
      if (!this.session) throw new Error('not connected');
      sendEffect(this.session, effect);
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

  // ---- connection ----

  /** /server: from now on this server; the current connection (if any) is dropped. */
  private switchServer(host: string, port: number): void {
    this.keyQuestion = null;
    this.host = host;
    this.port = port;
    this.attempts.attempt = 0;
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
    this.vm.connecting(this.attempts.attempt);
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
        this.attempts.joined(this.clock());
        this.everJoined = true;
        this.disarmGiveUp();
        rememberLast(this.options, this.vm, { server: this.host, port: this.port, name: event.name });
        break;
      case 'closed':
        this.onClosed(event);
        return;
    }
    this.run(this.vm.apply(event));
    if (event.kind === 'refused' && this.options.exitOnRefusal) this.quit(1);
  }

  private recordKey(fingerprint: string): void {
    recordKey(this.options, this.vm, serverKey(this.host, this.port), fingerprint);
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
    const detail = lossDetail(event);
    if (error && NO_RETRY.has(error.code)) this.noRetry = true;
    this.attempts.ended(this.clock(), error?.code);
    // A script (--plain) stops at a server's refusal (5.10); the TUI tries again later.
    if (error && SERVER_REFUSAL_CODES.has(error.code) && this.options.exitOnRefusal) this.noRetry = true;
    const never = !this.everReady;
    if (this.noRetry || this.vm.state.desiredName === null) {
      this.vm.connectionLost(detail, null, this.attempts.attempt, never);
      if (this.noRetry && this.options.exitOnRefusal) this.quit(1);
      return;
    }
    const attempt = this.attempts.next();
    const failed = this.attempts.failedInRow;
    if (this.options.exitOnRefusal && failed >= SCRIPT_JOIN_ATTEMPTS && this.everJoined) {
      this.giveUp(`${failed} connections in a row failed; the last: ${detail}`);
      return;
    }
    if (this.options.exitOnRefusal && attempt >= SCRIPT_JOIN_ATTEMPTS) {
      this.giveUp(`${attempt} attempts failed; the last: ${detail}`);
      return;
    }
    const delay = backoffDelay(attempt, (this.options.random01 ?? Math.random)());
    this.vm.connectionLost(detail, this.clock() + delay, attempt, never);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  // ---- files ----

  private writeExport(text: string): void {
    try {
      this.vm.exportSaved(writeExportFile(this.options.exportDir ?? 'exported', this.clock(), text));
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
