/**
 * The load generator's clients: many sans-IO client connections over node:net, in this process.
 *
 * How this works: each ParleyClient owns one socket and one core client endpoint
 * (V2ClientConnection or LegacyClientConnection). Bytes read from the socket go to `receive()`;
 * the events it returns drive the client (join once secured, report chat lines), and whatever the
 * endpoint queued is written back at once (pongs included). `say()` only queues: the caller sends a
 * batch and then calls `flush()`, one socket write per batch. A client resolves `ready` once joined
 * and records when each step finished, for the handshake scenario. The IRC driver
 * (irc-driver.ts) implements the same ChatClient interface, so every scenario runs unchanged
 * against a peer server.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { prefersKeyObjects } from '../src/crypto/record-layer.js';
import type { Profile } from '../src/generated/constants.js';
import {
  LegacyClientConnection,
  type LegacyClientConnectionEvent,
} from '../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../src/session/v2-client-connection.js';
import type { ChatClient, ClientTarget } from './chat-client.js';
import { IrcClient } from './irc-driver.js';
import { LeanV2ClientConnection } from './lean-v2-client.js';
import { SocketClient } from './socket-client.js';
import { nowUs } from './stats.js';

export type { ChatClient, ChatHook, ClientTarget } from './chat-client.js';

/** Which wire profile a load client speaks. */
export type Driver = Profile;

/** Which client to make and where it connects; plain data, so that it can go to a worker thread. */
export interface ClientSpec extends ClientTarget {
  readonly kind: Driver | 'irc';
  /** v2: parse `message` packets the cheap way (lean-v2-client.ts) or all through the core (full). */
  readonly receiver?: Receiver;
}

export type Receiver = 'lean' | 'full';

/**
 * A client of `spec` named `name`; with `room` (v2, feature `rooms`, 7.15) it joins that room
 * after join_ok, counts as joined once it is in it, and says its lines there.
 */
export function createClient(spec: ClientSpec, name: string, room?: string): ChatClient {
  const target = { host: spec.host, port: spec.port };
  return spec.kind === 'irc'
    ? new IrcClient(target, name)
    : new ParleyClient(target, name, spec.kind, spec.receiver ?? 'lean', room);
}

/** Whether a server of this kind sends a client its own chat lines back. */
export function echoesOwn(kind: ClientSpec['kind']): boolean {
  return kind === 'v2';
}

type AnyEvent = V2ClientConnectionEvent | LegacyClientConnectionEvent;

/** Whether this Node seals and opens records faster with KeyObject keys (record-layer.ts). */
const keyObjects = prefersKeyObjects(process.versions.node);

/** One Parley client over TCP around a core client endpoint. */
export class ParleyClient extends SocketClient implements ChatClient {
  readonly echoesOwn: boolean;
  private readonly conn: V2ClientConnection | LegacyClientConnection;
  private joinSent = false;
  /** When the chunk being handled was read (the lean reader's lines arrive during receive()). */
  private readAt = 0;

  constructor(
    target: ClientTarget,
    name: string,
    readonly driver: Driver,
    receiver: Receiver = 'lean',
    private readonly room?: string,
  ) {
    super(target, name);
    this.echoesOwn = echoesOwn(driver);
    // The bench accepts frames larger than the default: join_ok lists every member, and the idle
    // scenario fills the room with thousands.
    const maxFrame = 16 * 1024 * 1024;
    const features = room === undefined ? [] : ['rooms'];
    if (driver === 'v2' && receiver === 'lean') {
      const lean = new LeanV2ClientConnection({ random: randomBytes, maxFrame, keyObjects, features });
      lean.onMessage = (s, start, end) => this.onChat?.(s, start, end, this.readAt);
      this.conn = lean;
    } else {
      this.conn =
        driver === 'v2'
          ? new V2ClientConnection({ random: randomBytes, maxFrame, keyObjects, features })
          : new LegacyClientConnection({ random: randomBytes, clock: Date.now, maxFrame });
    }
  }

  /** The core endpoint's state (for tests and diagnostics). */
  get state(): string {
    return this.conn.state;
  }

  protected override describe(): string {
    return ` (state ${this.conn.state})`;
  }

  protected attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  protected override onEnd(): void {
    this.handle(this.conn.receiveEnd());
  }

  protected goodbye(): void {
    try {
      this.conn.goodbye();
      this.flush();
    } catch {
      // a connection already in ERROR has nothing to say
    }
  }

  private onData(chunk: Buffer): void {
    this.readAt = nowUs();
    this.handle(this.conn.receive(chunk), this.readAt);
    if (this.driver === 'legacy' && !this.joinSent && this.conn.state === 'READY') this.sendJoin();
    this.flush();
  }

  private sendJoin(): void {
    this.joinSent = true;
    this.times.secured = nowUs();
    this.conn.join(this.name);
  }

  private handle(events: AnyEvent[], at = nowUs()): void {
    for (const event of events) {
      if (event.kind === 'authenticated') {
        this.sendJoin();
      } else if (event.kind === 'packet') {
        this.onPacket(event.packet as unknown as Record<string, unknown>, at);
      } else if (event.kind === 'error') {
        this.notices.push(`fatal ${event.error.code}: ${event.error.message}`);
        this.fail(new Error(`${this.name}: ${event.error.code}: ${event.error.message}`));
      }
    }
  }

  private onPacket(packet: Record<string, unknown>, at: number): void {
    if (this.driver === 'v2') {
      switch (packet.type) {
        case 'message': {
          const text = packet.text as string;
          this.onChat?.(text, 0, text.length, at);
          return;
        }
        case 'join_ok':
          if (this.room === undefined || !(this.conn instanceof V2ClientConnection)) this.joined(at);
          else this.conn.roomJoin(this.room);
          return;
        case 'room_joined':
          this.joined(at);
          return;
        case 'join_error':
          this.fail(new Error(`${this.name}: join refused: ${packet.code} ${packet.message}`));
          return;
        case 'error':
          this.notices.push(`${packet.code}: ${packet.message}`);
          return;
        default:
          return;
      }
    }
    switch (packet.typ) {
      case 'approved_conn':
        this.joined(at);
        return;
      case 'username_taken':
        this.fail(new Error(`${this.name}: name taken`));
        return;
      case 'default':
        if (packet.username === '*server*') {
          if (String(packet.cont).startsWith('[!]')) this.notices.push(String(packet.cont));
          return;
        }
        if (this.onChat) {
          const text = String(packet.cont);
          this.onChat(text, 0, text.length, at);
        }
        return;
      default:
        return;
    }
  }

  say(text: string): void {
    if (this.conn instanceof V2ClientConnection) this.conn.say(text, this.room);
    else this.conn.say(text);
  }

  flush(): void {
    const out = this.conn.takeOutput();
    if (out.length > 0 && this.socket && !this.socket.destroyed) this.socket.write(out);
  }
}

/**
 * Runs `start()` for each client, at most `concurrency` at once; resolves with the failures (the
 * clients that did not join) once every attempt settled or `deadlineUs` passed.
 */
export async function startAll(
  clients: readonly ChatClient[],
  concurrency: number,
  deadlineUs = Number.POSITIVE_INFINITY,
): Promise<{ failed: number; errors: string[] }> {
  let next = 0;
  let failed = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++];
      if (nowUs() > deadlineUs) {
        failed++;
        continue;
      }
      try {
        // Each attempt may use what is left of the deadline (a busy server answers late, not never).
        const left = (deadlineUs - nowUs()) / 1000;
        await client.start(Number.isFinite(left) ? Math.max(1000, left) : 30000);
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, worker));
  return { failed, errors };
}

/** Leaves with every client, a bounded number at a time. */
export async function leaveAll(clients: readonly ChatClient[], concurrency = 500): Promise<void> {
  for (let i = 0; i < clients.length; i += concurrency) {
    await Promise.all(clients.slice(i, i + concurrency).map((c) => c.leave()));
  }
}
