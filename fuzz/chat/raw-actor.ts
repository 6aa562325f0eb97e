/**
 * What the hostile actors of both profiles share (hostile.ts for v2, legacy-hostile.ts): where the
 * server is, the loopback addresses they take, and the raw connections an actor opens, keeps and
 * closes when the attack ends.
 *
 * How this works: an actor opens raw peers (raw-peer.ts) from addresses of its own; each keeps the
 * key exchange going as an honest client would and hands the connection to the actor once it can
 * send (`onKeys`). The actor notes whether the server closed its last connection, which is what a
 * flood beyond the rate limit must end in (7.8), and `halt` waits a little for that close before it
 * closes everything.
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { seededBytes } from '../util.js';
import { RawPeer } from './raw-peer.js';

/** The n-th loopback address, n >= 1 (1 is 127.0.0.1): all of 127.0.0.0/8 is the loopback. */
export function loopbackAddress(n: number): string {
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Hands out loopback addresses no other connection of the campaign used (127.4.0.1 on). */
export class AddressPool {
  private next = 4 << 16;
  take(): string {
    this.next++;
    if ((this.next & 255) === 0) this.next++;
    if (this.next >= 250 << 16) this.next = (4 << 16) + 1;
    return loopbackAddress(this.next);
  }
}

/** What every connection needs to know: where the server is, and how long a wait may take. */
export interface Where {
  readonly host: string;
  readonly port: number;
  readonly waitMs: number;
}

/** The rate the server allows (7.8), for floods meant to stay within it. */
export interface RateLimits {
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  readonly maxMessage: number;
}

/** The attack an actor makes: a flood beyond the rate limit is the one the server must close. */
interface ActorSpec {
  readonly kind: string;
  readonly beyond?: boolean;
}

export abstract class RawActor<S extends ActorSpec> {
  protected readonly sockets = new Set<Socket>();
  protected readonly timers: NodeJS.Timeout[] = [];
  protected readonly peers: RawPeer[] = [];
  protected sent = 0;
  protected running = true;
  private lastClosedByServer = false;
  private onServerEnd: (() => void) | null = null;

  /** The profile its raw peers speak. */
  protected abstract readonly profile: 'v2' | 'legacy';

  constructor(
    readonly spec: S,
    protected readonly where: Where,
    protected readonly addresses: AddressPool,
    protected readonly rate: RateLimits,
    protected readonly seed: string,
    protected readonly name: string,
  ) {}

  /** Whether the server closed the actor's last connection. */
  protected get closedByServer(): boolean {
    return this.lastClosedByServer;
  }

  protected every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(() => this.running && fn(), ms));
  }

  /** Opens a raw connection; `onKeys` runs once it can send as a keyed client would. */
  protected open(address: string, label: string, onKeys?: (peer: RawPeer, socket: Socket) => void): Socket {
    const peer = new RawPeer(this.profile, `${this.seed}/${label}`);
    this.peers.push(peer);
    const socket = connect({ host: this.where.host, port: this.where.port, localAddress: address });
    this.sockets.add(socket);
    let keyed = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      peer.receive(chunk);
      if (!keyed && peer.honestReply && onKeys) {
        keyed = true;
        onKeys(peer, socket);
      }
    });
    socket.on('end', () => {
      this.lastClosedByServer = true;
      this.onServerEnd?.();
    });
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }

  /**
   * Floods a keyed connection with `next(i)`, the i-th packet: beyond the limit, 25 packets a
   * chunk every 10 ms (20,000 at most); within it, one packet each time 80% of the rate has paid
   * for its `cost` (7.8).
   */
  protected floodOn(
    socket: Socket,
    peer: RawPeer,
    next: (i: number) => Buffer,
    cost: number,
    beyond: boolean,
  ): void {
    if (beyond) {
      this.every(10, () => {
        if (socket.destroyed || this.sent >= 20_000) return;
        const parts: Buffer[] = [];
        for (let i = 0; i < 25; i++) parts.push(peer.seal(next(this.sent++)));
        socket.write(Buffer.concat(parts));
      });
      return;
    }
    this.every(Math.ceil((1000 * cost) / (this.rate.ratePerSecond * 0.8)), () => {
      if (socket.destroyed) return;
      socket.write(peer.seal(next(this.sent++)));
    });
  }

  /** A connection every 5 ms from one address, each reopened as soon as it closes, `max` in all. */
  protected storm(address: string, max: number): void {
    const open = () => {
      if (!this.running || this.sent >= max) return;
      this.sent++;
      const socket = this.open(address, `storm ${this.sent}`);
      socket.resume();
      socket.once('close', open);
    };
    this.every(5, open);
  }

  /**
   * `times` junk connections, one after the other: the next once this one has ended (the server
   * closes it), or after 500 ms at most. Each sends 64 noise bytes (`bytes`) or a frame of noise
   * (`frame`), or, for any other kind, the honest key exchange and then what `keyed` writes: a
   * profile's own junk after the keys.
   */
  protected junk<K extends string>(
    what: 'bytes' | 'frame' | K,
    times: number,
    keyed: (what: K, peer: RawPeer, socket: Socket, noise: (size: number) => Buffer) => void,
    i = 0,
  ): void {
    if (!this.running || i >= times) return;
    this.sent++;
    const noise = seededBytes(`${this.seed}/junk ${i}`);
    const socket = this.open(this.addresses.take(), `junk ${i}`, (peer, s) => {
      if (what === 'bytes') s.write(noise(64));
      else if (what === 'frame') s.write(encodeFrame(noise(100)));
      else {
        s.write(peer.honestReply!);
        keyed(what as K, peer, s, noise);
      }
    });
    this.timers.push(setTimeout(() => socket.destroy(), 500));
    socket.once('close', () => this.junk(what, times, keyed, i + 1));
  }

  /** Stops sending, waits a little for the server's close of a flood beyond the limit, closes everything. */
  protected async halt(graceMs: number): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    // A flood beyond the limit must end in the server's close (7.8): give the server the time.
    if (this.spec.kind === 'flood' && this.spec.beyond && !this.lastClosedByServer && this.sockets.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onServerEnd = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
    }
    for (const s of this.sockets) s.destroy();
  }
}
