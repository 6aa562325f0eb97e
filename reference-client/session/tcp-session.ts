/**
 * One client connection to a Parley server over TCP: the sans-IO ClientSession (src/client) with a
 * node:net socket, the clock and one timer around it. No terminal here: the TUI, --plain and tests
 * all use it.
 *
 * How this works: socket events become calls into the session (`open`, `receive`, `receiveEnd`,
 * `transportClosed`), each with the time; the events that come back go to the listeners, the
 * session's output is written, and its `hangUp` ends or drops the socket. One timer waits for the
 * session's `nextDeadline` and calls `tick`. One TcpSession is one connection: reconnecting means
 * a new one (see app/client-app.ts).
 */

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import {
  ClientSession,
  type ClientSessionOptions,
  type Profile,
  type ReadyInfo,
  type SessionEvent,
  type SessionState,
} from '../../src/client/index.js';
import type { RandomSource } from '../../src/crypto/key-agreement.js';
import { prefersKeyObjects } from '../../src/crypto/record-layer.js';

export interface TcpSessionOptions extends Omit<ClientSessionOptions, 'random' | 'server'> {
  readonly host: string;
  readonly port: number;
  readonly random?: RandomSource;
  readonly clock?: () => number;
}

/** How long a quit waits for the server to close before dropping the socket. */
const QUIT_GRACE_MS = 1000;

export class TcpSession {
  private readonly options: TcpSessionOptions;
  private readonly clock: () => number;
  private readonly session: ClientSession;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private hungUp = false;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(options: TcpSessionOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.session = new ClientSession({
      ...options,
      random: options.random ?? ((n) => randomBytes(n)),
      server: `${options.host}:${options.port}`,
      keyObjects: options.keyObjects ?? prefersKeyObjects(process.versions.node),
    });
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  get state(): SessionState {
    return this.session.state;
  }

  /** The profile spoken, once known (at once unless `auto`). */
  get profile(): Profile | null {
    return this.session.profile;
  }

  /** The users in the room as last reported. */
  get users(): readonly string[] {
    return this.session.users;
  }

  /** Requests sent and not yet answered (pending-requests.ts). */
  get unanswered(): number {
    return this.session.unanswered;
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the connection has ended, for whatever reason. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  /**
   * Opens the connection. Resolves when the server is trusted (the `ready` event), rejects with the
   * error if the connection ends first. Events report the same, so the promise may be ignored.
   */
  connect(): Promise<ReadyInfo> {
    if (this.socket || this.session.state !== 'idle')
      throw new Error('a TcpSession connects once; make a new one');
    const result = new Promise<ReadyInfo>((resolve, reject) => {
      const off = this.on((event) => {
        if (event.kind === 'ready') {
          off();
          resolve(event);
        } else if (event.kind === 'closed') {
          off();
          reject(Object.assign(new Error(event.error?.message ?? 'connection closed'), event.error ?? {}));
        }
      });
    });
    result.catch(() => {}); // callers may rely on events alone
    const socket = netConnect({ host: this.options.host, port: this.options.port });
    this.socket = socket;
    socket.setNoDelay(true);
    this.step((now) => this.session.connect(now));
    socket.on('connect', () => this.step((now) => this.session.open(now)));
    socket.on('data', (chunk: Buffer) => this.step((now) => this.session.receive(chunk, now)));
    socket.on('end', () => this.step((now) => this.session.receiveEnd(now)));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.session.transportFailed(describeSocketError(err, this.options)),
    );
    socket.on('close', () => this.finish());
    return result;
  }

  // ---- the user's side: each throws a ParleyError (code, message) when it cannot be done ----

  join(name: string): void {
    this.step(() => this.session.join(name));
  }

  /** A chat line to `room` (feature rooms, 7.15; default `#lobby`). */
  say(text: string, room?: string): void {
    this.step(() => this.session.say(text, room));
  }

  privateMessage(to: string, text: string): void {
    this.step(() => this.session.privateMessage(to, text));
  }

  action(text: string, room?: string): void {
    this.step(() => this.session.action(text, room));
  }

  who(room?: string): void {
    this.step(() => this.session.who(room));
  }

  /** Rooms (feature rooms, 7.15): join, part, list, set a topic. */
  roomJoin(room: string): void {
    this.step(() => this.session.roomJoin(room));
  }

  roomPart(room: string): void {
    this.step(() => this.session.roomPart(room));
  }

  listRooms(): void {
    this.step(() => this.session.listRooms());
  }

  setTopic(room: string, topic: string): void {
    this.step(() => this.session.setTopic(room, topic));
  }

  /** Away with an optional reason, or back (feature away, 7.12). */
  away(away: boolean, reason?: string): void {
    this.step(() => this.session.away(away, reason));
  }

  /** Asks about one member (feature whois, 7.13). */
  whois(name: string): void {
    this.step(() => this.session.whois(name));
  }

  /** Asks for a new name (feature nick, 7.11). */
  nick(name: string): void {
    this.step(() => this.session.nick(name));
  }

  requestExport(room?: string): void {
    this.step(() => this.session.requestExport(room));
  }

  /** The answer to a `key-changed` event. */
  answerKey(accept: boolean): void {
    this.step(() => this.session.answerKey(accept));
  }

  /** Leaves cleanly (v2 goodbye) and closes. Resolves once closed. */
  quit(reason = 'quit'): Promise<void> {
    this.step(() => this.session.quit(reason));
    if (!this.socket) this.finish();
    else setTimeout(() => this.socket?.destroy(), QUIT_GRACE_MS).unref();
    return this.closedPromise;
  }

  /** Drops the connection at once, telling the server nothing more. */
  abort(code: string, message: string): Promise<void> {
    this.step(() => this.session.abort(code, message));
    if (!this.socket) this.finish();
    return this.closedPromise;
  }

  // ---- inside ----

  /** Runs one call into the session at the current time, then does what it asks for. */
  private step(call: (now: number) => SessionEvent[]): void {
    const events = call(this.clock());
    this.flush();
    for (const event of events) this.emit(event);
  }

  private flush(): void {
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      const out = this.session.takeOutput();
      if (out.length > 0) socket.write(out);
      const how = this.session.hangUp;
      if (how === 'destroy') socket.destroy();
      else if (how === 'end' && !this.hungUp) socket.end();
      this.hungUp = how !== null;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const due = this.session.nextDeadline;
    if (due === null) return;
    this.timer = setTimeout(
      () => this.step((now) => this.session.tick(now)),
      Math.max(0, due - this.clock()),
    );
    this.timer.unref();
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.session.transportClosed(this.clock());
    for (const event of events) this.emit(event);
    if (events.length > 0) this.resolveClosed();
  }

  private emit(event: SessionEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

function describeSocketError(err: NodeJS.ErrnoException, options: TcpSessionOptions): string {
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
