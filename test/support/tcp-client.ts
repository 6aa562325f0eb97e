/**
 * Awaitable TCP test clients over the sans-IO core, for tests that talk to a real server socket
 * (reference-server integration tests, conformance, fuzz, bench).
 *
 * How this works: a client owns one `net.Socket` and one core endpoint (V2ClientConnection or
 * LegacyClientConnection). Bytes from the socket go through `endpoint.receive()`; every event is
 * appended to `events` (the full log, never consumed) and to an unread queue. `next(predicate)`
 * removes and returns the first unread event that matches, waiting for one if needed; other events
 * stay unread for later waits, so waits for different things do not steal from each other. Every
 * wait is bounded: it rejects with a message naming what was awaited and what did arrive, on
 * timeout or when the connection closes. Nothing here sleeps.
 *
 * Whatever the endpoint queues (client_hello, pongs, the legacy key_exc, user packets) is written
 * to the socket at once unless the client is `hold()`-ing its output (kept until `release()`) or
 * `mute()`-d (dropped: a peer that stops answering). `write()` sends raw bytes and `sealRaw()`
 * encrypts arbitrary plaintext under the live keys, for tests that must send what the endpoint
 * itself refuses to (malformed or out-of-state packets).
 *
 *   const alice = await connectV2(server.port);
 *   await alice.join('alice');
 *   alice.say('hello');
 *   const msg = await alice.waitFor('message'); // { type: 'message', from: 'alice', text: 'hello', ... }
 *
 * `connectLegacy()` does the same for the legacy profile (waits for the key exchange), and
 * `connectRaw()` opens a plain socket with bounded waits for bytes and frames, for garbage and
 * peers that never answer.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Identity } from '../../src/crypto/identity.js';
import type { RandomSource } from '../../src/crypto/key-agreement.js';
import type { RecordSealer } from '../../src/crypto/record-layer.js';
import type { ParleyError } from '../../src/errors.js';
import { encodeFrame, type Frame, FrameDecoder } from '../../src/framing/frame-codec.js';
import type { ErrorCode } from '../../src/generated/errors.js';
import type { V2PacketOf, V2ServerPacket } from '../../src/generated/v2-packets.js';
import { type LegacyCipherState, type LegacyPacket, sealLegacyBody } from '../../src/legacy/legacy-packet.js';
import {
  LegacyClientConnection,
  type LegacyClientConnectionEvent,
} from '../../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from './key-agreement.js';

/** Default bound on every wait: generous, for a loaded CI machine. */
export const DEFAULT_WAIT_MS = 15_000;

/** The largest frame the passive frame recorder accepts (it never limits the endpoint). */
const RECORDER_MAX_FRAME = 16 * 1024 * 1024;

export interface ConnectOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The address to connect from (Linux routes all of 127.0.0.0/8 to the loopback); default: the system's choice. */
  readonly localAddress?: string;
  /** Bound on the connect and handshake wait (default DEFAULT_WAIT_MS). */
  readonly timeoutMs?: number;
  /** Random source for the endpoint (default crypto.randomBytes). */
  readonly random?: RandomSource;
  /** A label for error messages (default `v2 client` / `legacy client`). */
  readonly label?: string;
  /** Start with output held (see `hold()`): nothing the endpoint queues is written until release(). */
  readonly hold?: boolean;
}

/** What the socket and endpoint looked like when the connection closed. */
export interface ClosedInfo {
  /** The first error event seen (a remote fatal error packet, or a local failure), if any. */
  readonly error: ParleyError | null;
  /** The socket-level error (ECONNRESET...), if any. */
  readonly socketError: Error | null;
}

interface Waiter<E> {
  readonly predicate: (event: E) => boolean;
  readonly what: string;
  readonly resolve: (event: E) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface ClientEndpoint<E> {
  readonly state: string;
  receive(chunk: Uint8Array): E[];
  receiveEnd(): E[];
  takeOutput(): Buffer;
}

function openSocket(
  port: number,
  host: string,
  timeoutMs: number,
  label: string,
  localAddress?: string,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, localAddress, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${label}: could not connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: cannot connect to ${host}:${port}: ${err.message}`));
    };
    socket.once('error', onError);
  });
}

/** The shared machinery: socket pump, event log, bounded waits, output control. */
export abstract class TcpTestClient<E, End extends ClientEndpoint<E>> {
  /** Every event the endpoint produced, in order (never consumed by waits). */
  readonly events: E[] = [];
  /** Every whole frame received, exactly as on the wire (recorded passively, for byte checks). */
  readonly frames: Frame[] = [];
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<ClosedInfo>;
  private unread: E[] = [];
  private readonly waiters = new Set<Waiter<E>>();
  private readonly recorder = new FrameDecoder({ maxFrame: RECORDER_MAX_FRAME });
  private recorderFailed = false;
  private ended = false;
  private isClosed = false;
  private firstError: ParleyError | null = null;
  private socketError: Error | null = null;
  private outputMode: 'write' | 'hold' | 'mute' = 'write';
  private held: Buffer[] = [];

  protected constructor(
    readonly socket: Socket,
    readonly endpoint: End,
    readonly label: string,
    hold = false,
  ) {
    if (hold) this.outputMode = 'hold';
    let markClosed: (info: ClosedInfo) => void = () => {};
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => {
      this.record(chunk);
      this.feed(endpoint.receive(chunk));
    });
    socket.on('end', () => this.endOnce());
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.on('close', () => {
      this.endOnce();
      this.isClosed = true;
      for (const waiter of [...this.waiters]) {
        this.settle(waiter);
        waiter.reject(new Error(`${this.label}: connection closed while waiting for ${waiter.what}`));
      }
      markClosed({ error: this.firstError, socketError: this.socketError });
    });
  }

  /** True once the socket has closed. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Events not yet taken by a wait. */
  get pending(): readonly E[] {
    return this.unread;
  }

  /**
   * Resolves with (and removes from the unread queue) the first unread event matching `predicate`,
   * waiting up to `timeoutMs`. Rejects on timeout or when the connection closes first.
   */
  next(
    predicate: (event: E) => boolean,
    timeoutMs: number = DEFAULT_WAIT_MS,
    what = 'a matching event',
  ): Promise<E> {
    const index = this.unread.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0]);
    if (this.isClosed) {
      return Promise.reject(
        new Error(`${this.label}: connection is closed; no ${what} among ${this.describeUnread()}`),
      );
    }
    return new Promise<E>((resolve, reject) => {
      const waiter: Waiter<E> = {
        predicate,
        what,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; unread: ${this.describeUnread()}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Writes raw bytes to the socket, bypassing the endpoint. */
  write(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Writes whatever the endpoint has queued (done automatically after every receive and send). */
  flush(): void {
    const out = this.endpoint.takeOutput();
    if (out.length === 0) return;
    if (this.outputMode === 'hold') this.held.push(out);
    else if (this.outputMode === 'write' && !this.socket.destroyed && this.socket.writable) {
      this.socket.write(out);
    }
  }

  /** Keeps the endpoint's output (client_hello, key_exc, pongs...) instead of writing it. */
  hold(): void {
    this.outputMode = 'hold';
  }

  /** Writes everything held and goes back to writing at once. */
  release(): void {
    this.outputMode = 'write';
    const held = Buffer.concat(this.held);
    this.held = [];
    if (held.length > 0) this.socket.write(held);
    this.flush();
  }

  /** Discards whatever is held (see `hold()`), e.g. to send something else in its place. */
  dropHeld(): void {
    this.held = [];
  }

  /** Drops the endpoint's output from now on: the peer looks alive on TCP but never answers. */
  mute(): void {
    this.outputMode = 'mute';
  }

  /** Stops reading from the socket (a slow reader); the kernel buffers fill up behind it. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Half-closes the socket (sends FIN) and resolves when it has closed. */
  end(): Promise<ClosedInfo> {
    this.socket.end();
    return this.closed;
  }

  /** Tears the socket down at once (RST when data is unread) and resolves when it has closed. */
  destroy(): Promise<ClosedInfo> {
    this.socket.destroy();
    return this.closed;
  }

  /** A short description of one event, for messages. */
  protected abstract describe(event: E): string;

  /** Called after every batch of events (subclasses resolve their handshake promise here). */
  protected afterEvents(): void {}

  protected feed(events: E[]): void {
    for (const event of events) {
      this.events.push(event);
      this.unread.push(event);
      const error = (event as { kind?: string; error?: ParleyError }).error;
      if ((event as { kind?: string }).kind === 'error' && error && !this.firstError) this.firstError = error;
    }
    this.flush();
    this.afterEvents();
    for (const waiter of [...this.waiters]) {
      const index = this.unread.findIndex(waiter.predicate);
      if (index < 0) continue;
      this.settle(waiter);
      waiter.resolve(this.unread.splice(index, 1)[0]);
    }
  }

  private settle(waiter: Waiter<E>): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
  }

  private endOnce(): void {
    if (this.ended) return;
    this.ended = true;
    this.feed(this.endpoint.receiveEnd());
  }

  private record(chunk: Buffer): void {
    if (this.recorderFailed) return;
    try {
      this.recorder.push(chunk);
      for (let f = this.recorder.next(); f; f = this.recorder.next()) {
        this.frames.push({ header: Buffer.from(f.header), body: Buffer.from(f.body) });
      }
    } catch {
      this.recorderFailed = true;
    }
  }

  private describeUnread(): string {
    if (this.unread.length === 0) return '(nothing)';
    const shown = this.unread.slice(-12).map((e) => this.describe(e));
    return `${this.unread.length > 12 ? '..., ' : ''}${shown.join(', ')}`;
  }
}

type V2ServerPacketType = V2ServerPacket['type'];

/** An error reported to a v2 client: a non-fatal error packet, or the fatal error that ended it. */
export interface ReportedError {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
}

function isPacketEvent(event: V2ClientConnectionEvent): event is { kind: 'packet'; packet: V2ServerPacket } {
  return event.kind === 'packet';
}

/** The packet of a packet event, typed as the caller has checked it to be. */
function packetOf<T extends V2ServerPacketType>(event: V2ClientConnectionEvent): V2PacketOf<T> {
  return (event as { packet: V2ServerPacket }).packet as unknown as V2PacketOf<T>;
}

/** A v2 client on a real socket. Use `connectV2()`. */
export class V2TestClient extends TcpTestClient<V2ClientConnectionEvent, V2ClientConnection> {
  /** The name the server accepted, once joined. */
  name: string | null = null;
  private authenticatedResolve: (() => void) | null = null;
  private authenticatedReject: ((err: Error) => void) | null = null;
  /** Resolves once the server is authenticated (server_auth verified). */
  readonly authenticated: Promise<void>;

  constructor(socket: Socket, endpoint: V2ClientConnection, label: string, hold: boolean) {
    super(socket, endpoint, label, hold);
    this.authenticated = new Promise<void>((resolve, reject) => {
      this.authenticatedResolve = resolve;
      this.authenticatedReject = reject;
    });
    this.authenticated.catch(() => {});
    void this.closed.then((info) => {
      this.authenticatedReject?.(
        new Error(
          `${label}: connection closed before the server was authenticated` +
            (info.error ? ` (${info.error.code}: ${info.error.message})` : ''),
        ),
      );
    });
  }

  /** The server's fingerprint, once authenticated. */
  get fingerprint(): string | null {
    return this.endpoint.fingerprint;
  }

  protected override afterEvents(): void {
    if (this.authenticatedResolve && this.endpoint.fingerprint !== null) {
      this.authenticatedResolve();
      this.authenticatedResolve = null;
      this.authenticatedReject = null;
    }
  }

  protected describe(event: V2ClientConnectionEvent): string {
    if (event.kind === 'packet') {
      const p = event.packet as { type: string; code?: string };
      return p.code ? `${p.type}(${p.code})` : p.type;
    }
    if (event.kind === 'error') return `error event(${event.error.code})`;
    return event.kind;
  }

  /** The next unread packet of `type`. */
  async waitFor<T extends V2ServerPacketType>(type: T, timeoutMs?: number): Promise<V2PacketOf<T>> {
    const event = await this.next(
      (e) => isPacketEvent(e) && e.packet.type === type,
      timeoutMs,
      `a ${type} packet`,
    );
    return packetOf<T>(event);
  }

  /** The next unread packet of `type` that also satisfies `predicate`. */
  async waitForPacket<T extends V2ServerPacketType>(
    type: T,
    predicate: (packet: V2PacketOf<T>) => boolean,
    timeoutMs?: number,
    what = `a matching ${type} packet`,
  ): Promise<V2PacketOf<T>> {
    const event = await this.next(
      (e) => isPacketEvent(e) && e.packet.type === type && predicate(e.packet as V2PacketOf<T>),
      timeoutMs,
      what,
    );
    return packetOf<T>(event);
  }

  /**
   * The next error with `code`: a non-fatal `error` packet, or a fatal one (which the endpoint
   * reports as an error event). Resolves with its code, message and fatality.
   */
  async waitForError(code: ErrorCode, timeoutMs?: number): Promise<ReportedError> {
    const event = await this.next(
      (e) =>
        (e.kind === 'error' && e.error.code === code) ||
        (isPacketEvent(e) && e.packet.type === 'error' && e.packet.code === code),
      timeoutMs,
      `error ${code}`,
    );
    if (event.kind === 'error') {
      return { code: event.error.code, message: event.error.message, fatal: event.error.fatal };
    }
    const packet = packetOf<'error'>(event);
    return { code: packet.code, message: packet.message, fatal: packet.fatal };
  }

  /** Resolves when the server says goodbye (a clean close), with its reason. */
  async waitForGoodbye(timeoutMs?: number): Promise<string | undefined> {
    const event = await this.next((e) => e.kind === 'closed' && e.clean, timeoutMs, 'goodbye');
    return (event as { reason?: string }).reason;
  }

  /** Packets received so far (in order), of one type. */
  packets<T extends V2ServerPacketType>(type: T): V2PacketOf<T>[] {
    return this.events.filter((e) => isPacketEvent(e) && e.packet.type === type).map((e) => packetOf<T>(e));
  }

  /** Sends `join` and resolves with the reply, join_ok or join_error. */
  async tryJoin(name: string, timeoutMs?: number): Promise<V2PacketOf<'join_ok'> | V2PacketOf<'join_error'>> {
    this.endpoint.join(name);
    this.flush();
    const event = await this.next(
      (e) => isPacketEvent(e) && (e.packet.type === 'join_ok' || e.packet.type === 'join_error'),
      timeoutMs,
      `the reply to join "${name}"`,
    );
    const packet = packetOf<'join_ok' | 'join_error'>(event);
    if (packet.type === 'join_ok') this.name = packet.name;
    return packet;
  }

  /** Joins as `name`; rejects if the server refuses the name. */
  async join(name: string, timeoutMs?: number): Promise<V2PacketOf<'join_ok'>> {
    const reply = await this.tryJoin(name, timeoutMs);
    if (reply.type === 'join_error') {
      throw new Error(`${this.label}: join "${name}" refused: ${reply.code}: ${reply.message}`);
    }
    return reply;
  }

  say(text: string): void {
    this.endpoint.say(text);
    this.flush();
  }

  privateMessage(to: string, text: string): void {
    this.endpoint.privateMessage(to, text);
    this.flush();
  }

  action(text: string): void {
    this.endpoint.action(text);
    this.flush();
  }

  who(): void {
    this.endpoint.who();
    this.flush();
  }

  ping(n: number): void {
    this.endpoint.ping(n);
    this.flush();
  }

  /** Asks for the conversation and collects every export_reply up to the one marked done. */
  async requestExport(timeoutMs?: number): Promise<V2PacketOf<'export_reply'>['entries']> {
    this.endpoint.requestExport();
    this.flush();
    const entries: V2PacketOf<'export_reply'>['entries'] = [];
    for (;;) {
      const reply = await this.waitFor('export_reply', timeoutMs);
      entries.push(...reply.entries);
      if (reply.done) return entries;
    }
  }

  /** Says goodbye and half-closes; resolves when the socket has closed. */
  goodbye(reason?: string): Promise<ClosedInfo> {
    this.endpoint.goodbye(reason);
    this.flush();
    return this.end();
  }

  /**
   * Encrypts arbitrary plaintext as the next c2s record and writes it (test-only: it reaches into
   * the endpoint's sealer so that the sequence numbers stay in step with the endpoint's own sends).
   */
  sealRaw(plaintext: Uint8Array | string): void {
    const sealer = (this.endpoint as unknown as { sealer: RecordSealer | null }).sealer;
    if (!sealer)
      throw new Error(`${this.label}: the endpoint has no record sealer (handshake not finished?)`);
    this.write(sealer.seal(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext));
  }

  /** Encrypts any JSON value as the next record (it need not be a valid packet). */
  sendJson(value: unknown): void {
    this.sealRaw(JSON.stringify(value));
  }
}

export interface V2ConnectOptions extends ConnectOptions {
  readonly expectedFingerprint?: string;
  readonly groups?: readonly ('x25519' | 'modp14')[];
  /** Resolve as soon as the socket is connected, without waiting for server_auth. */
  readonly noWait?: boolean;
  /** Features to list in client_hello (5.8), and a key to prove with client_auth (7.16). */
  readonly features?: readonly string[];
  readonly clientKey?: Identity;
}

/** Connects a v2 client and resolves once the server has authenticated itself (5.5). */
export async function connectV2(port: number, options: V2ConnectOptions = {}): Promise<V2TestClient> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const label = options.label ?? 'v2 client';
  const socket = await openSocket(port, host, timeoutMs, label, options.localAddress);
  const endpoint = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: options.random ?? randomBytes,
    expectedFingerprint: options.expectedFingerprint,
    groups: options.groups,
    features: options.features,
    clientKey: options.clientKey,
  });
  const client = new V2TestClient(socket, endpoint, label, options.hold ?? false);
  if (options.noWait) return client;
  await withTimeout(client.authenticated, timeoutMs, `${label}: server_auth`, () => client.destroy());
  return client;
}

/** A legacy client on a real socket. Use `connectLegacy()`. */
export class LegacyTestClient extends TcpTestClient<LegacyClientConnectionEvent, LegacyClientConnection> {
  name: string | null = null;
  /** Resolves once the key exchange has finished on this side (key_exc received and answered). */
  readonly ready: Promise<void>;
  private readyResolve: (() => void) | null = null;
  private readyReject: ((err: Error) => void) | null = null;

  constructor(socket: Socket, endpoint: LegacyClientConnection, label: string, hold: boolean) {
    super(socket, endpoint, label, hold);
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => {});
    void this.closed.then(() =>
      this.readyReject?.(new Error(`${label}: connection closed before the key exchange finished`)),
    );
  }

  protected override afterEvents(): void {
    const state = this.endpoint.state;
    if (this.readyResolve && state !== 'AWAIT_IV' && state !== 'AWAIT_KEY' && state !== 'ERROR') {
      this.readyResolve();
      this.readyResolve = null;
      this.readyReject = null;
    }
  }

  protected describe(event: LegacyClientConnectionEvent): string {
    if (event.kind === 'packet') {
      const cont =
        typeof event.packet.cont === 'string' ? event.packet.cont : JSON.stringify(event.packet.cont);
      return `${event.packet.typ}(${cont.length > 40 ? `${cont.slice(0, 40)}...` : cont})`;
    }
    if (event.kind === 'error') return `error event(${event.error.code})`;
    return event.kind;
  }

  /** The key and IV of this connection (legacy 8.4), once the key exchange has finished. */
  get cipher(): LegacyCipherState {
    const cipher = (this.endpoint as unknown as { cipher: LegacyCipherState | null }).cipher;
    if (!cipher) throw new Error(`${this.label}: no key yet`);
    return cipher;
  }

  /** The next unread packet with `typ` (and matching `predicate`, if given). */
  async waitFor(
    typ: string,
    predicate: (packet: LegacyPacket) => boolean = () => true,
    timeoutMs?: number,
  ): Promise<LegacyPacket> {
    const event = await this.next(
      (e) => e.kind === 'packet' && e.packet.typ === typ && predicate(e.packet),
      timeoutMs,
      `a ${typ} packet`,
    );
    return (event as { packet: LegacyPacket }).packet;
  }

  /** Packets received so far (in order), optionally of one typ. */
  packets(typ?: string): LegacyPacket[] {
    return this.events
      .filter((e) => e.kind === 'packet' && (typ === undefined || e.packet.typ === typ))
      .map((e) => (e as { packet: LegacyPacket }).packet);
  }

  /** Sends `setuser` and resolves with the reply, approved_conn or username_taken. */
  async tryJoin(name: string, timeoutMs?: number): Promise<LegacyPacket> {
    this.endpoint.join(name);
    this.flush();
    const event = await this.next(
      (e) => e.kind === 'packet' && (e.packet.typ === 'approved_conn' || e.packet.typ === 'username_taken'),
      timeoutMs,
      `the reply to setuser "${name}"`,
    );
    const packet = (event as { packet: LegacyPacket }).packet;
    if (packet.typ === 'approved_conn') this.name = name;
    return packet;
  }

  /** Joins as `name`; rejects if the server answers username_taken. */
  async join(name: string, timeoutMs?: number): Promise<LegacyPacket> {
    const reply = await this.tryJoin(name, timeoutMs);
    if (reply.typ !== 'approved_conn') throw new Error(`${this.label}: setuser "${name}" refused`);
    return reply;
  }

  say(text: string): void {
    this.endpoint.say(text);
    this.flush();
  }

  /** Sends the original client's export request and resolves with the log text. */
  async requestExport(timeoutMs?: number): Promise<string> {
    this.endpoint.requestExport();
    this.flush();
    const reply = await this.waitFor('export', undefined, timeoutMs);
    return reply.cont as string;
  }

  /** Encrypts arbitrary plaintext under this connection's key and IV and writes it as a frame. */
  sealRaw(plaintext: Uint8Array | string): void {
    const plain = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : Buffer.from(plaintext);
    this.write(encodeFrame(sealLegacyBody(plain, this.cipher)));
  }
}

export interface LegacyConnectOptions extends ConnectOptions {
  /** Milliseconds since the epoch for packet dates (default Date.now). */
  readonly clock?: () => number;
  /**
   * Replay support: the 32-byte private key to use in the key exchange, and the exact key_exc frame
   * to send in place of the endpoint's own (e.g. a recorded client's, carrying that key's public value).
   */
  readonly privateKey?: Buffer;
  readonly keyExchangeFrame?: Buffer;
  /** Resolve as soon as the socket is connected, without waiting for the key exchange. */
  readonly noWait?: boolean;
}

/** Connects a legacy client and resolves once its key exchange has finished (8.1-8.4). */
export async function connectLegacy(
  port: number,
  options: LegacyConnectOptions = {},
): Promise<LegacyTestClient> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const label = options.label ?? 'legacy client';
  const socket = await openSocket(port, host, timeoutMs, label);
  const base = options.random ?? randomBytes;
  let privateKey = options.privateKey;
  const random: RandomSource = (size) => {
    if (privateKey && size === 32) {
      const key = privateKey;
      privateKey = undefined;
      return Buffer.from(key);
    }
    return base(size);
  };
  const endpoint = new LegacyClientConnection({
    keyAgreement: testKeyAgreement,
    random,
    clock: options.clock ?? Date.now,
  });
  const replay = options.keyExchangeFrame;
  const client = new LegacyTestClient(socket, endpoint, label, options.hold ?? replay !== undefined);
  if (replay) {
    // The endpoint's own key_exc is dropped; the given frame goes out instead.
    void client.ready.then(() => {
      client.flush();
      client.dropHeld();
      client.write(replay);
      if (!options.hold) client.release();
    });
  }
  if (options.noWait) return client;
  await withTimeout(client.ready, timeoutMs, `${label}: key exchange`, () => client.destroy());
  return client;
}

/** A plain socket with no protocol: for garbage, partial frames and peers that never answer. */
export class RawTestClient {
  /** Every byte received, in order. */
  private chunks: Buffer[] = [];
  private receivedBytes = 0;
  private readonly listeners = new Set<() => void>();
  private isClosed = false;
  readonly closed: Promise<{ socketError: Error | null }>;
  private socketError: Error | null = null;

  constructor(
    readonly socket: Socket,
    readonly label: string,
  ) {
    let markClosed: (info: { socketError: Error | null }) => void = () => {};
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.receivedBytes += chunk.length;
      for (const listener of [...this.listeners]) listener();
    });
    socket.on('error', (err) => {
      this.socketError ??= err;
    });
    socket.on('close', () => {
      this.isClosed = true;
      for (const listener of [...this.listeners]) listener();
      markClosed({ socketError: this.socketError });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Everything received so far. */
  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** The whole frames received so far (a trailing partial frame is left out). */
  frames(maxFrame = RECORDER_MAX_FRAME): Frame[] {
    const decoder = new FrameDecoder({ maxFrame });
    decoder.push(this.received);
    return decoder.drain();
  }

  /** Resolves once at least `count` whole frames have arrived. */
  waitForFrames(count: number, timeoutMs: number = DEFAULT_WAIT_MS): Promise<Frame[]> {
    return this.until(
      () => {
        const frames = this.frames();
        return frames.length >= count ? frames : null;
      },
      timeoutMs,
      `${count} frames`,
    );
  }

  /** Resolves once at least `count` bytes have arrived. */
  waitForBytes(count: number, timeoutMs: number = DEFAULT_WAIT_MS): Promise<Buffer> {
    return this.until(
      () => (this.receivedBytes >= count ? this.received : null),
      timeoutMs,
      `${count} bytes`,
    );
  }

  write(bytes: Uint8Array | string): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    return this.socket.write(bytes);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves with `check()`'s first non-null value, re-checked on every arrival; bounded. */
  private until<T>(check: () => T | null, timeoutMs: number, what: string): Promise<T> {
    const first = check();
    if (first !== null) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = () => {
        const value = check();
        if (value !== null) {
          done();
          resolve(value);
        } else if (this.isClosed) {
          done();
          reject(new Error(`${this.label}: closed after ${this.receivedBytes} bytes, waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${what} (${this.receivedBytes} bytes in)`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(listener);
      if (this.isClosed) listener();
    });
  }
}

/** Opens a raw socket (no protocol). */
export async function connectRaw(
  port: number,
  options: { host?: string; timeoutMs?: number; label?: string } = {},
): Promise<RawTestClient> {
  const host = options.host ?? '127.0.0.1';
  const label = options.label ?? 'raw client';
  const socket = await openSocket(port, host, options.timeoutMs ?? DEFAULT_WAIT_MS, label);
  return new RawTestClient(socket, label);
}

/** Rejects with `what` if `promise` has not settled within `timeoutMs`; runs `onTimeout` first. */
export function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
  onTimeout?: () => unknown,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
