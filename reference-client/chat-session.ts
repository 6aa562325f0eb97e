/**
 * One client connection to a Parley server, over TCP, in either profile, behind one
 * profile-neutral API. No terminal here: the TUI, --plain and other tools' tests all use it.
 *
 * How this works: the session owns a node:net socket and one sans-IO core connection
 * (V2ClientConnection or LegacyClientConnection). Bytes from the socket go to `receive()`, the
 * events that come back are translated into SessionEvents (packets by session-events.ts), and
 * whatever the core queued is written out. With profile `auto` the first frame decides (spec 2):
 * a JSON body with `typ` is legacy, anything else v2; the bytes are buffered until then and
 * handed to the chosen connection whole.
 * The clock, randomness and timers live here, not in the core. One session is one connection:
 * reconnecting means a new session (see client-app.ts).
 */

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { prefersKeyObjects } from '../src/crypto/record-layer.js';
import {
  FrameDecoder,
  LegacyClientConnection,
  parleyError,
  type RandomSource,
  V2ClientConnection,
} from '../src/index.js';
import { PacketTranslator } from './session-events.js';
import type {
  ChatSessionOptions,
  ReadyInfo,
  SessionError,
  SessionEvent,
  SessionState,
} from './session-types.js';
import type { Profile, ProfileOption } from './view-types.js';

export { renderExportEntries } from './session-events.js';
export type {
  ChatMessage,
  ChatSessionOptions,
  ReadyInfo,
  SessionError,
  SessionEvent,
  SessionState,
} from './session-types.js';
export type { Profile, ProfileOption };

type Core = V2ClientConnection | LegacyClientConnection;

export const V2_SUITE_SUFFIX = '+AES-256-GCM';
export const LEGACY_SUITE = 'modp14 (legacy) AES-256-CFB8, unauthenticated';

export class ChatSession {
  private readonly options: ChatSessionOptions;
  private readonly random: RandomSource;
  private readonly clock: () => number;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private socket: Socket | null = null;
  private core: Core | null = null;
  private sniffer: { decoder: FrameDecoder; chunks: Buffer[] } | null = null;
  private currentState: SessionState = 'idle';
  private currentProfile: Profile | null = null;
  private readyInfo: ReadyInfo | null = null;
  private name: string | null = null;
  /** Turns packets into events and keeps the user list (session-events.ts). */
  private readonly packets: PacketTranslator;
  private fatal: SessionError | null = null;
  private goodbyeReason: string | undefined;
  private byUser = false;
  private finished = false;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private pingCounter = 0;
  private closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(options: ChatSessionOptions) {
    this.options = options;
    this.random = options.random ?? ((n) => randomBytes(n));
    this.clock = options.clock ?? Date.now;
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    if (options.profile === 'v2' || options.profile === 'legacy') this.currentProfile = options.profile;
    this.packets = new PacketTranslator({
      clock: this.clock,
      state: () => this.currentState,
      setState: (state) => this.setState(state),
      name: () => this.name,
      setName: (name) => {
        this.name = name;
      },
      emit: (event) => this.emit(event),
    });
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** The profile spoken, once known (at once unless `auto`). */
  get profile(): Profile | null {
    return this.currentProfile;
  }

  get ready(): ReadyInfo | null {
    return this.readyInfo;
  }

  /** The users in the room as last reported (joined sessions only). */
  get users(): readonly string[] {
    return this.packets.users;
  }

  /** The accepted name, once joined. */
  get joinedAs(): string | null {
    return this.currentState === 'joined' ? this.name : null;
  }

  /** What a profile can do: legacy has no private messages, actions or user list request. */
  get capabilities(): { privateMessages: boolean; actions: boolean } {
    const v2 = this.currentProfile !== 'legacy';
    return { privateMessages: v2, actions: v2 };
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the next event that matches, or rejects after `timeoutMs`. */
  waitFor<K extends SessionEvent['kind']>(
    kind: K,
    predicate: (event: Extract<SessionEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<SessionEvent, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no "${kind}" event within ${timeoutMs} ms (session state ${this.currentState})`));
      }, timeoutMs);
      const off = this.on((event) => {
        if (event.kind !== kind) return;
        const typed = event as Extract<SessionEvent, { kind: K }>;
        if (!predicate(typed)) return;
        clearTimeout(timer);
        off();
        resolve(typed);
      });
    });
  }

  /** Resolves once the connection has ended, for whatever reason. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  private emit(event: SessionEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private setState(state: SessionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit({ kind: 'state', state });
  }

  /**
   * Opens the connection. Resolves when the handshake is done (the `ready` event), rejects with the
   * error if the connection ends first. Events report the same, so the promise may be ignored.
   */
  connect(): Promise<ReadyInfo> {
    if (this.socket || this.finished) throw new Error('a ChatSession connects once; make a new one');
    const result = new Promise<ReadyInfo>((resolve, reject) => {
      const offReady = this.on((event) => {
        if (event.kind === 'ready') {
          offReady();
          resolve(event);
        } else if (event.kind === 'closed') {
          offReady();
          reject(Object.assign(new Error(event.error?.message ?? 'connection closed'), event.error ?? {}));
        }
      });
    });
    result.catch(() => {}); // callers may rely on events alone
    this.setState('connecting');
    const socket = netConnect({ host: this.options.host, port: this.options.port });
    this.socket = socket;
    socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(() => {
      const seconds = (this.options.handshakeTimeoutMs ?? 15_000) / 1000;
      this.fail('HANDSHAKE_TIMEOUT', `the server did not complete the handshake within ${seconds} s`);
    }, this.options.handshakeTimeoutMs ?? 15_000);
    socket.on('connect', () => {
      this.lastHeard = this.clock();
      this.setState('handshaking');
      if (this.currentProfile) this.core = this.makeCore(this.currentProfile);
      else this.sniffer = { decoder: new FrameDecoder({ maxFrame: this.options.maxFrame }), chunks: [] };
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.fatal)
        this.fatal = {
          code: 'CONNECTION_LOST',
          message: describeSocketError(err, this.options),
          fatal: true,
        };
    });
    socket.on('close', () => this.finish());
    return result;
  }

  private makeCore(profile: Profile): Core {
    this.currentProfile = profile;
    return profile === 'v2'
      ? new V2ClientConnection({
          random: this.random,
          maxFrame: this.options.maxFrame,
          keyObjects: prefersKeyObjects(process.versions.node),
        })
      : new LegacyClientConnection({
          random: this.random,
          clock: this.clock,
          maxFrame: this.options.maxFrame,
        });
  }

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    this.lastHeard = this.clock();
    if (!this.core) {
      if (!this.sniffer) return;
      this.sniffer.chunks.push(chunk);
      this.sniffer.decoder.push(chunk);
      let profile: Profile;
      try {
        const first = this.sniffer.decoder.next();
        if (!first) return;
        profile = sniffProfile(first.body);
      } catch {
        profile = 'v2'; // not a frame: let the v2 connection report the framing error
      }
      const buffered = Buffer.concat(this.sniffer.chunks);
      this.sniffer = null;
      this.core = this.makeCore(profile);
      this.feed(buffered);
      return;
    }
    this.feed(chunk);
  }

  private feed(chunk: Buffer): void {
    const core = this.core!;
    const events = core.receive(chunk);
    for (const event of events) {
      if (this.finished || this.socket?.destroyed) return;
      if (event.kind === 'error') this.onCoreError(event.error);
      else if (event.kind === 'closed') this.goodbyeReason = event.reason ?? 'goodbye';
      else if (event.kind === 'authenticated') this.onAuthenticated(event.fingerprint, event.group);
      else this.packets.onPacket(event.packet);
    }
    if (this.finished) return;
    if (core instanceof LegacyClientConnection && core.state === 'READY' && !this.readyInfo) {
      this.becomeReady({ profile: 'legacy', suite: LEGACY_SUITE, fingerprint: null });
    }
    this.flush();
    if (core.state === 'ERROR' || core.state === 'CLOSED') this.socket?.end();
  }

  private onEnd(): void {
    if (this.finished || !this.core) {
      if (!this.fatal && !this.byUser) {
        this.fatal = {
          code: 'CONNECTION_LOST',
          message: 'the server closed the connection during the handshake',
          fatal: true,
        };
      }
      this.socket?.end();
      return;
    }
    for (const event of this.core.receiveEnd()) {
      if (event.kind === 'error' && !this.fatal && !this.byUser) this.onCoreError(event.error);
    }
    this.socket?.end();
  }

  private onCoreError(error: { code: string; message: string; fatal: boolean }): void {
    const e: SessionError = { code: error.code, message: error.message, fatal: error.fatal };
    if (e.fatal) this.fatal = e;
    this.emit({ kind: 'error', ...e });
  }

  private onAuthenticated(fingerprint: string, group: string): void {
    const expected = this.options.expectedFingerprint;
    if (expected !== undefined && expected !== fingerprint) {
      // Checked here rather than in the core so that the refusal can name both keys (5.6).
      this.core!.takeOutput(); // send nothing more to this server
      const error: SessionError = {
        code: 'FINGERPRINT_MISMATCH',
        message: `server key ${fingerprint} is not the expected ${expected}`,
        fatal: true,
        expected,
        presented: fingerprint,
      };
      this.fatal = error;
      this.core!.failWith(parleyError('FINGERPRINT_MISMATCH', error.message));
      this.emit({ kind: 'error', ...error });
      this.socket?.destroy();
      return;
    }
    this.becomeReady({ profile: 'v2', suite: `${group}${V2_SUITE_SUFFIX}`, fingerprint });
  }

  private becomeReady(info: ReadyInfo): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.readyInfo = info;
    this.setState('ready');
    this.startKeepalive();
    this.emit({ kind: 'ready', ...info });
  }

  private startKeepalive(): void {
    const interval = this.options.keepaliveMs ?? 30_000;
    if (!(this.core instanceof V2ClientConnection) || interval <= 0) return;
    this.keepaliveTimer = setInterval(
      () => {
        if (this.currentState !== 'joined') return;
        const silent = this.clock() - this.lastHeard;
        if (silent >= interval * 2.5) {
          this.fail('CONNECTION_LOST', `nothing heard from the server for ${Math.round(silent / 1000)} s`);
        } else if (silent >= interval && silent - interval < interval / 2) {
          try {
            this.guardedSend(() => (this.core as V2ClientConnection).ping(++this.pingCounter));
          } catch {
            // the connection is ending; its close reports why
          }
        }
      },
      Math.max(50, Math.floor(interval / 2)),
    );
    this.keepaliveTimer.unref();
  }

  private flush(): void {
    if (!this.core || !this.socket || this.socket.destroyed) return;
    const out = this.core.takeOutput();
    if (out.length > 0) this.socket.write(out);
  }

  /** Ends the connection with a local fatal error (timeouts). */
  private fail(code: string, message: string): void {
    if (this.finished) return;
    this.fatal = { code, message, fatal: true };
    this.emit({ kind: 'error', ...this.fatal });
    this.socket?.destroy();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.setState('closed');
    let error = this.fatal ?? undefined;
    if (!error && !this.byUser && this.goodbyeReason === undefined) {
      error = { code: 'CONNECTION_LOST', message: 'the connection ended', fatal: true };
    }
    this.emit({ kind: 'closed', byUser: this.byUser, goodbye: this.goodbyeReason, error });
    this.resolveClosed();
  }

  private requireCore(): Core {
    if (!this.core || !this.readyInfo) throw sessionError('NOT_CONNECTED', 'not connected to a server yet');
    return this.core;
  }

  private guardedSend(send: () => void): void {
    try {
      send();
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'INTERNAL_ERROR';
      throw sessionError(code, (err as Error).message);
    }
    this.flush();
  }

  // ---- the user's side ----

  /** Asks for a name (v2 join, legacy setuser); `joined` or `join-refused` follows. */
  join(name: string): void {
    const core = this.requireCore();
    this.guardedSend(() => core.join(name));
    this.name = name;
    this.setState('joining');
  }

  say(text: string): void {
    const core = this.requireCore();
    this.guardedSend(() => core.say(text));
    if (core instanceof LegacyClientConnection) {
      // A legacy server forwards chat to the others only (10.3): show our own line ourselves.
      this.emit({ kind: 'message', message: { kind: 'chat', from: this.name!, text, ts: this.clock() } });
    }
  }

  privateMessage(to: string, text: string): void {
    const core = this.requireCore();
    if (!(core instanceof V2ClientConnection))
      throw sessionError('UNSUPPORTED', 'legacy servers have no private messages');
    this.guardedSend(() => core.privateMessage(to, text));
  }

  action(text: string): void {
    const core = this.requireCore();
    if (!(core instanceof V2ClientConnection))
      throw sessionError('UNSUPPORTED', 'legacy servers have no actions (/me)');
    this.guardedSend(() => core.action(text));
  }

  /** Refreshes the user list (v2 asks the server; legacy reports the list it keeps). */
  who(): void {
    const core = this.requireCore();
    if (core instanceof V2ClientConnection) this.guardedSend(() => core.who());
    else this.emit({ kind: 'users', users: this.packets.users });
  }

  /** Asks for the conversation; an `export` event brings the text. */
  requestExport(): void {
    const core = this.requireCore();
    this.guardedSend(() => core.requestExport());
  }

  /** Leaves cleanly (v2 goodbye) and closes. Resolves once closed. */
  quit(reason = 'quit'): Promise<void> {
    this.byUser = true;
    if (!this.socket || this.finished) {
      if (!this.socket) this.finish();
      return this.closedPromise;
    }
    if (this.core && !(this.core.state === 'ERROR' || this.core.state === 'CLOSED')) {
      if (this.core instanceof V2ClientConnection) this.core.goodbye(reason);
      else this.core.goodbye();
      this.flush();
    }
    this.socket.end();
    const force = setTimeout(() => this.socket?.destroy(), 1000);
    force.unref();
    return this.closedPromise;
  }

  /** Drops the connection at once, telling the server nothing more (the client refuses it). */
  abort(code: string, message: string): Promise<void> {
    this.byUser = true;
    if (!this.fatal) this.fatal = { code, message, fatal: true };
    if (this.socket) this.socket.destroy();
    else this.finish();
    return this.closedPromise;
  }
}

function sessionError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** Which profile a server speaks, from its first frame's body (spec 2). */
export function sniffProfile(body: Buffer): Profile {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value) && 'typ' in value && !('type' in value)) {
      return 'legacy';
    }
  } catch {
    // not JSON: v2 will report it
  }
  return 'v2';
}

function describeSocketError(err: NodeJS.ErrnoException, options: ChatSessionOptions): string {
  const where = `${options.host}:${options.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `nothing is listening on ${where} (connection refused)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${options.host}`;
    case 'ETIMEDOUT':
      return `${where} does not answer (timed out)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the server reset the connection';
    default:
      return err.message;
  }
}
