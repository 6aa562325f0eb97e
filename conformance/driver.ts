/**
 * The raw TCP layer of the conformance suite: connections that record every byte in a wire log.
 *
 * How this works: a RawConnection wraps one socket. Received bytes go to a FrameDecoder from the
 * core (so the server's own frames are checked against the grammar of spec 3) and every byte sent
 * or received is appended to the case's WireLog with its direction and offset. Nothing here waits
 * without a deadline: `nextFrame` and `waitClosed` take a timeout and wake on every socket event.
 * The protocol drivers (v2-driver.ts, legacy-driver.ts) build packets on top of this.
 */
import { createConnection, type Socket } from 'node:net';
import { type Frame, FrameDecoder } from '../src/framing/frame-codec.js';
import { countFrames } from './frame-count.js';

/** The largest frame the suite accepts from a server: the spec's largest allowed maxFrame. */
export const SUITE_MAX_FRAME = 16_777_216;

/** A wait ran out of time. `what` says what the suite was waiting for. */
export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`no answer within ${ms} ms (waiting for ${what})`);
    this.name = 'WaitTimeout';
  }
}

/** The server broke the protocol in a way no case can accept (bad frame, bad packet, bad record). */
export class ServerViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerViolation';
  }
}

/** The suite could not open a TCP connection. */
export class ConnectFailed extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ConnectFailed';
  }
}

export interface WireEntry {
  readonly conn: string;
  readonly dir: 'c2s' | 's2c' | 'event';
  /** Byte offset of this chunk in its direction's stream (0 for events). */
  readonly offset: number;
  /** Milliseconds since the case started. */
  readonly t: number;
  readonly bytes?: Buffer;
  readonly text?: string;
}

/** Every byte of one case, in order, across all its connections. */
export class WireLog {
  readonly entries: WireEntry[] = [];
  private readonly started = performance.now();

  private now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  data(conn: string, dir: 'c2s' | 's2c', offset: number, bytes: Buffer): void {
    this.entries.push({ conn, dir, offset, t: this.now(), bytes: Buffer.from(bytes) });
  }

  event(conn: string, text: string): void {
    this.entries.push({ conn, dir: 'event', offset: 0, t: this.now(), text });
  }

  /** The log as JSON-friendly records, hex encoded, cut to `maxBytes` in total. */
  toJSON(maxBytes = 16_384, maxEntries = 200): { entries: object[]; truncated: boolean } {
    const out: object[] = [];
    let budget = maxBytes;
    let truncated = false;
    for (const entry of this.entries) {
      if (out.length >= maxEntries) {
        truncated = true;
        break;
      }
      if (!entry.bytes) {
        out.push({ conn: entry.conn, dir: entry.dir, t: entry.t, event: entry.text });
        continue;
      }
      const take = Math.min(entry.bytes.length, Math.max(0, budget), 1024);
      budget -= take;
      const record: Record<string, unknown> = {
        conn: entry.conn,
        dir: entry.dir,
        t: entry.t,
        offset: entry.offset,
        length: entry.bytes.length,
        hex: entry.bytes.subarray(0, take).toString('hex'),
      };
      if (take < entry.bytes.length) {
        record.cut = entry.bytes.length - take;
        truncated = true;
      }
      out.push(record);
    }
    return { entries: out, truncated };
  }

  /** A short readable dump for the console (--verbose). */
  toText(maxLines = 40): string[] {
    const lines: string[] = [];
    for (const entry of this.entries.slice(0, maxLines)) {
      const head = `${entry.t.toFixed(1).padStart(8)} ms  ${entry.conn.padEnd(6)}`;
      if (!entry.bytes) {
        lines.push(`${head} --  ${entry.text}`);
        continue;
      }
      const arrow = entry.dir === 'c2s' ? '->' : '<-';
      const shown = entry.bytes.subarray(0, 48);
      const ascii = shown.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
      const more = entry.bytes.length > shown.length ? ` (+${entry.bytes.length - shown.length})` : '';
      lines.push(`${head} ${arrow}  @${entry.offset} ${entry.bytes.length}B  ${ascii}${more}`);
    }
    if (this.entries.length > maxLines) lines.push(`  ... ${this.entries.length - maxLines} more entries`);
    return lines;
  }
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly label: string;
  readonly log: WireLog;
  readonly timeoutMs: number;
  /** The suite's own address to connect from (a second loopback address, 7.18 address bans). */
  readonly localAddress?: string;
}

/** Open connections by server address (RawConnection.held). */
const held = new Map<string, number>();
/** How long a closed connection still counts as held. */
const HELD_AFTER_CLOSE_MS = 300;

/** One TCP connection to the server under test. */
export class RawConnection {
  readonly label: string;
  private readonly log: WireLog;
  private readonly decoder = new FrameDecoder({ maxFrame: SUITE_MAX_FRAME });
  private sent = 0;
  private received = 0;
  private peerEnded = false;
  private gone = false;
  private readonly listeners = new Set<() => void>();
  /** The suite's own address, as the server sees it. */
  readonly localAddress: string;
  private readonly openedAt = performance.now();
  private closedAt: number | null = null;
  /** The suite closed the connection before the server did. */
  private byClient = false;
  /** The first bytes received, kept to count whole frames (framesArrived). */
  private arrived = Buffer.alloc(0);

  private constructor(
    private readonly socket: Socket,
    options: ConnectOptions,
  ) {
    this.label = options.label;
    this.log = options.log;
    this.localAddress = socket.localAddress ?? '';
    socket.on('data', (chunk: Buffer) => {
      this.log.data(this.label, 's2c', this.received, chunk);
      this.received += chunk.length;
      if (this.arrived.length < 1 << 16) this.arrived = Buffer.concat([this.arrived, chunk]);
      this.decoder.push(chunk);
      this.notify();
    });
    socket.on('end', () => {
      this.log.event(this.label, 'server closed its side (FIN)');
      this.closedAt ??= performance.now();
      this.peerEnded = true;
      this.notify();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log.event(this.label, `socket error ${err.code ?? err.message}`);
    });
    socket.on('close', () => {
      this.closedAt ??= performance.now();
      this.gone = true;
      this.notify();
    });
  }

  /**
   * Connections the suite holds to one server address, counting a closed one for a moment longer
   * (the server may not have seen the close yet): how cases tell that they would exceed a small
   * maxClients.
   */
  static held(host: string, port: number): number {
    return held.get(`${host}:${port}`) ?? 0;
  }

  static open(options: ConnectOptions): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({
        host: options.host,
        port: options.port,
        noDelay: true,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      });
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new ConnectFailed(`connect timed out after ${options.timeoutMs} ms`, 'ETIMEDOUT'));
        // A connect that completes after all must not close mid-opening (that kills some
        // servers): read the opening (two frames at most) and only then go.
        const seen: Buffer[] = [];
        const done = () => socket.destroy();
        socket.on('data', (chunk: Buffer) => {
          seen.push(chunk);
          const all = Buffer.concat(seen);
          if (all.includes('"key_exc"') || (countFrames(all) >= 1 && !all.includes('"iv_exc"'))) done();
        });
        socket.on('error', done);
        socket.on('end', done);
        setTimeout(done, 5000).unref();
      }, options.timeoutMs);
      socket.once('connect', () => {
        if (late) return;
        clearTimeout(timer);
        socket.removeAllListeners('error');
        options.log.event(options.label, `connected from ${socket.localAddress}:${socket.localPort}`);
        const key = `${options.host}:${options.port}`;
        held.set(key, (held.get(key) ?? 0) + 1);
        socket.once('close', () => {
          setTimeout(() => held.set(key, (held.get(key) ?? 1) - 1), HELD_AFTER_CLOSE_MS).unref();
        });
        resolve(new RawConnection(socket, options));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!late) reject(new ConnectFailed(err.message, err.code ?? 'EUNKNOWN'));
      });
    });
  }

  /** True once the server closed its side or the socket is gone. */
  get closed(): boolean {
    return this.peerEnded || this.gone;
  }

  /** True once the server closed the connection (FIN or reset), not the suite. */
  get closedByServer(): boolean {
    return this.peerEnded || (this.gone && !this.byClient);
  }

  /** How long after the connect the server closed, or null while it has not. */
  get closedAfterMs(): number | null {
    return this.closedAt === null ? null : Math.round(this.closedAt - this.openedAt);
  }

  /** Has the server sent these bytes yet (read or not)? E.g. `"key_exc"`: the legacy opening ended. */
  arrivedIncludes(text: string): boolean {
    return this.arrived.includes(text);
  }

  /** Whole frames the server has sent so far (read or not), by their headers. */
  get framesArrived(): number {
    return countFrames(this.arrived);
  }

  get bytesReceived(): number {
    return this.received;
  }

  write(bytes: Uint8Array): void {
    if (this.gone || this.socket.destroyed) return;
    const buf = Buffer.from(bytes);
    this.log.data(this.label, 'c2s', this.sent, buf);
    this.sent += buf.length;
    this.socket.write(buf);
  }

  /** Writes and resolves once the bytes are handed to the kernel (so writes become separate segments). */
  writeFlushed(bytes: Uint8Array): Promise<void> {
    if (this.gone || this.socket.destroyed) return Promise.resolve();
    const buf = Buffer.from(bytes);
    this.log.data(this.label, 'c2s', this.sent, buf);
    this.sent += buf.length;
    return new Promise((resolve) => this.socket.write(buf, () => resolve()));
  }

  /** Half-closes: the server sees the end of the stream. */
  end(): void {
    if (this.gone) return;
    this.log.event(this.label, 'client closed its side (FIN)');
    this.socket.end();
  }

  destroy(): void {
    if (!this.socket.destroyed) {
      if (!this.closed) this.log.event(this.label, 'client closed the connection');
      if (!this.closed) this.byClient = true;
      this.socket.destroy();
    }
    this.gone = true;
    this.notify();
  }

  /** Aborts with a TCP reset (RST) instead of a clean close. */
  reset(): void {
    if (this.socket.destroyed) return;
    this.log.event(this.label, 'client closed the connection with a reset (RST)');
    if (!this.closed) this.byClient = true;
    this.socket.resetAndDestroy();
    this.gone = true;
    this.notify();
  }

  /** Stops reading from the socket (the kernel buffers fill, then the server's): a slow reader. */
  stopReading(): void {
    this.log.event(this.label, 'client stops reading');
    this.socket.pause();
  }

  resumeReading(): void {
    this.log.event(this.label, 'client reads again');
    this.socket.resume();
  }

  note(text: string): void {
    this.log.event(this.label, text);
  }

  /**
   * The next whole frame from the server; null when the server closed between frames. A frame the
   * grammar refuses is a ServerViolation; no frame in time is a WaitTimeout.
   */
  async nextFrame(timeoutMs: number, what = 'frame from the server'): Promise<Frame | null> {
    let frame: Frame | null = null;
    const done = await this.wait(timeoutMs, () => {
      frame = this.tryFrame();
      return frame !== null || this.closed;
    });
    if (frame) return frame;
    if (!done) throw new WaitTimeout(what, timeoutMs);
    frame = this.tryFrame();
    if (frame) return frame;
    if (this.decoder.bufferedBytes > 0) {
      this.note(`server closed inside a frame (${this.decoder.bufferedBytes} bytes held)`);
    }
    return null;
  }

  /** Waits for the server to close; true if it did within the time. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    return this.wait(timeoutMs, () => this.closed);
  }

  /** Resolves true as soon as `check()` holds, false after `timeoutMs`. */
  wait(timeoutMs: number, check: () => boolean): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        resolve(check());
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** A whole frame already received, if any (never waits; an invalid one throws). */
  takeFrame(): Frame | null {
    return this.tryFrame();
  }

  private tryFrame(): Frame | null {
    try {
      return this.decoder.next();
    } catch (err) {
      throw new ServerViolation(`the server sent an invalid frame: ${(err as Error).message}`);
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Resolves after `ms`; used only to pace writes (never to wait for an event). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
