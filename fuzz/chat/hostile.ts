/**
 * The hostile target's people (fuzz/targets/hostile.ts): honest v2 members whose every delivery
 * is accounted for, and hostile connections that do what an attacker's first hour does (issue 15).
 *
 * How this works: an honest member is the core's client endpoint on a socket that reads at once;
 * it counts, per honest sender, which of that sender's numbered lines arrived, in which order, and
 * what the server said it skipped (LINES_SKIPPED, 11) or refused (RATE_LIMITED, 7.8). A hostile
 * actor is a raw peer (raw-peer.ts: the handshake by the core's primitives, then anything under
 * the live keys) or a plain socket, driven by a timer until the run's attack ends; each is bounded
 * in packets and connections whatever the server does. Every connection comes from its own
 * loopback address unless the actor is about one address (the reconnect storm), so that the
 * per-address limits (11) meet what they are meant for and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { seededBytes } from '../util.js';
import { HonestPeer } from './honest-peer.js';
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

const SKIPPED = /^(\d+) chat lines? (?:was|were) skipped/;

/** An honest member: joins, says numbered lines when asked, reads everything at once. */
export class HonestMember extends HonestPeer {
  /** Lines the server said it skipped for this member (LINES_SKIPPED), summed. */
  skipped = 0;
  /** A LINES_SKIPPED whose count could not be read: any number may be missing. */
  skippedUncounted = false;
  private readonly conn: V2ClientConnection;
  private readonly pongs = new Set<number>();

  private constructor(name: string, socket: Socket, seed: string) {
    super(name, socket);
    this.conn = new V2ClientConnection({ random: seededBytes(seed) });
    socket.on('data', (chunk: Buffer) => this.onEvents(this.conn.receive(chunk)));
  }

  /** Connects from `localAddress` and joins as `name`; rejects when the join does not happen. */
  static async join(where: Where, name: string, localAddress: string, seed: string): Promise<HonestMember> {
    const socket = connect({ host: where.host, port: where.port, localAddress });
    const member = new HonestMember(name, socket, seed);
    await member.until(() => member.joined, where.waitMs, `${name} to join`);
    return member;
  }

  protected takeOutput(): Buffer {
    return this.conn.takeOutput();
  }

  protected sayText(text: string): void {
    this.conn.say(text);
  }

  private onEvents(events: readonly V2ClientConnectionEvent[]): void {
    for (const e of events) {
      if (e.kind === 'authenticated') this.conn.join(this.name);
      else if (e.kind === 'packet') {
        const p = e.packet;
        if (p.type === 'join_ok') this.joined = true;
        else if (p.type === 'join_error') this.lost ??= `join refused: ${p.code}`;
        else if (p.type === 'pong') this.pongs.add(p.n);
        else if (p.type === 'message') this.heard(p.from, p.text);
        else if (p.type === 'error') {
          if (p.code === 'LINES_SKIPPED') {
            const m = SKIPPED.exec(p.message);
            if (m) this.skipped += Number(m[1]);
            else this.skippedUncounted = true;
          } else if (p.code === 'RATE_LIMITED') this.rateLimited++;
          else this.lost ??= `error ${p.code}${p.fatal ? ' (fatal)' : ''}: ${p.message}`;
        } else if (p.type === 'goodbye') this.lost ??= 'goodbye from the server';
      } else if (e.kind === 'error' && !this.leaving) this.lost ??= `${e.error.code}: ${e.error.message}`;
    }
    this.flush();
    this.notify();
  }

  /** A ping answered: everything the server queued for this member before it has arrived (11). */
  async barrier(n: number, ms: number): Promise<void> {
    this.conn.ping(n);
    this.flush();
    await this.until(() => this.pongs.has(n), ms, `the pong to ping ${n}`);
  }
}

/** The packets a flooder may send (each has a rateCost, 7.8). */
export const FLOOD_PACKETS = [
  'say',
  'long-say',
  'action',
  'ping',
  'pong',
  'who',
  'join',
  'export',
  'bad-json',
] as const;
export type FloodPacket = (typeof FLOOD_PACKETS)[number];

export type HostileSpec =
  /** A joined member sending one packet type, within the rate limit or as fast as it can. */
  | { readonly kind: 'flood'; readonly packet: FloodPacket; readonly beyond: boolean }
  /** A joined member asking for exports (within the limit) and reading them fast, slowly, or not at all. */
  | { readonly kind: 'exporter'; readonly reading: 'prompt' | 'slow' | 'none' }
  /** A joined member that stops reading its socket at once. */
  | { readonly kind: 'non-reader' }
  /** Connections that stop part-way through the handshake. */
  | {
      readonly kind: 'half-open';
      readonly count: number;
      readonly stage: 'silent' | 'partial-hello' | 'hello-only';
    }
  /** Connections that send junk: bytes, a frame of noise, a record that fails, or packets that parse badly. */
  | {
      readonly kind: 'junk';
      readonly what: 'bytes' | 'frame' | 'bad-record' | 'bad-packet';
      readonly times: number;
    }
  /** One address reopening each connection the moment it closes (per-address limits, 11). */
  | { readonly kind: 'storm'; readonly max: number };

export function describeHostile(h: HostileSpec): string {
  switch (h.kind) {
    case 'flood':
      return `flood(${h.packet}, ${h.beyond ? 'beyond the limit' : 'within the limit'})`;
    case 'exporter':
      return `exporter(${h.reading} reader)`;
    case 'non-reader':
      return 'non-reader';
    case 'half-open':
      return `half-open(${h.count} x ${h.stage})`;
    case 'junk':
      return `junk(${h.what} x ${h.times})`;
    case 'storm':
      return `storm(up to ${h.max} from one address)`;
  }
}

/** What a hostile actor reports once stopped. */
export interface HostileOutcome {
  readonly spec: HostileSpec;
  /** Packets (or connections, for connection actors) sent. */
  readonly sent: number;
  /** Error codes the server sent it (v2 `error` packets it could open). */
  readonly errors: readonly string[];
  /** Whether the server closed its (last) connection. */
  readonly closedByServer: boolean;
  /** INTERNAL_ERROR answers: a bug whatever the input (4). */
  readonly problems: readonly string[];
}

/** The rate the server allows (7.8), for floods meant to stay within it. */
export interface RateLimits {
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  readonly maxMessage: number;
}

const COST: Record<FloodPacket, number> = {
  say: 1,
  'long-say': 1,
  action: 1,
  ping: 1,
  pong: 1,
  who: 3,
  join: 2,
  export: 8,
  'bad-json': 1,
};

/** A flooder's packet number `i`, as plaintext. */
function floodPacket(packet: FloodPacket, i: number, rate: RateLimits, name: string): Buffer {
  switch (packet) {
    case 'say':
      return encodeV2Packet({ type: 'say', text: `flood ${i}` });
    case 'long-say':
      // The longest line allowed, in three-byte characters: the most fan-out per packet (issue 15, 3).
      return encodeV2Packet({ type: 'say', text: '語'.repeat(rate.maxMessage) });
    case 'action':
      return encodeV2Packet({ type: 'me', text: `waves ${i}` });
    case 'ping':
      return encodeV2Packet({ type: 'ping', n: i });
    case 'pong':
      return encodeV2Packet({ type: 'pong', n: i });
    case 'who':
      return encodeV2Packet({ type: 'who' });
    case 'join':
      return encodeV2Packet({ type: 'join', name });
    case 'export':
      return encodeV2Packet({ type: 'export' });
    case 'bad-json':
      return Buffer.from(`{"type":"say","text":"x","text":"${i}"}`);
  }
}

/** One hostile actor: started, then stopped when the attack ends. */
export class HostileActor {
  private readonly sockets = new Set<Socket>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly peers: RawPeer[] = [];
  private sent = 0;
  private running = true;
  private lastClosedByServer = false;
  private onServerEnd: (() => void) | null = null;

  constructor(
    readonly spec: HostileSpec,
    private readonly where: Where,
    private readonly addresses: AddressPool,
    private readonly rate: RateLimits,
    private readonly seed: string,
    private readonly name: string,
  ) {}

  start(): void {
    const s = this.spec;
    switch (s.kind) {
      case 'flood':
      case 'exporter':
      case 'non-reader':
        this.member();
        return;
      case 'half-open':
        for (let i = 0; i < s.count; i++) this.halfOpen(s.stage, i);
        return;
      case 'junk':
        this.junk(s.what, s.times, 0);
        return;
      case 'storm':
        this.storm(this.addresses.take(), s.max);
        return;
    }
  }

  /** Opens a raw v2 connection; `onKeys` runs once the client_hello is sent (keys live). */
  private open(address: string, label: string, onKeys?: (peer: RawPeer, socket: Socket) => void): Socket {
    const peer = new RawPeer('v2', `${this.seed}/${label}`);
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

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(() => this.running && fn(), ms));
  }

  /** Flood, exporter, non-reader: a joined member first. */
  private member(): void {
    const s = this.spec;
    this.open(this.addresses.take(), 'member', (peer, socket) => {
      socket.write(peer.honestReply!);
      socket.write(peer.seal(encodeV2Packet({ type: 'join', name: this.name })));
      if (s.kind === 'non-reader') {
        socket.pause();
        return;
      }
      if (s.kind === 'exporter') {
        if (s.reading === 'none') socket.pause();
        if (s.reading === 'slow') {
          socket.pause();
          this.every(250, () => {
            socket.resume();
            setTimeout(() => socket.pause(), 5);
          });
        }
        // Within the limit: an export costs 8 tokens (7.8).
        const ms = Math.ceil((1000 * COST.export) / (this.rate.ratePerSecond * 0.8));
        this.every(ms, () => {
          if (socket.destroyed) return;
          socket.write(peer.seal(encodeV2Packet({ type: 'export' })));
          this.sent++;
        });
        return;
      }
      if (s.kind !== 'flood') return;
      const cost = COST[s.packet];
      if (s.beyond) {
        // As fast as a timer allows, several packets a record, bounded.
        this.every(10, () => {
          if (socket.destroyed || this.sent >= 20_000) return;
          const parts: Buffer[] = [];
          for (let i = 0; i < 25; i++)
            parts.push(peer.seal(floodPacket(s.packet, this.sent++, this.rate, this.name)));
          socket.write(Buffer.concat(parts));
        });
      } else {
        const ms = Math.ceil((1000 * cost) / (this.rate.ratePerSecond * 0.8));
        this.every(ms, () => {
          if (socket.destroyed) return;
          socket.write(peer.seal(floodPacket(s.packet, this.sent++, this.rate, this.name)));
        });
      }
    });
  }

  private halfOpen(stage: 'silent' | 'partial-hello' | 'hello-only', i: number): void {
    this.sent++;
    this.open(this.addresses.take(), `half-open ${i}`, (peer, socket) => {
      if (stage === 'silent') return;
      const hello = peer.honestReply!;
      socket.write(stage === 'partial-hello' ? hello.subarray(0, Math.floor(hello.length / 2)) : hello);
    });
  }

  private junk(what: 'bytes' | 'frame' | 'bad-record' | 'bad-packet', times: number, i: number): void {
    if (!this.running || i >= times) return;
    this.sent++;
    const noise = seededBytes(`${this.seed}/junk ${i}`);
    const socket = this.open(this.addresses.take(), `junk ${i}`, (peer, s) => {
      if (what === 'bytes') s.write(noise(64));
      else if (what === 'frame') s.write(encodeFrame(noise(100)));
      else {
        s.write(peer.honestReply!);
        if (what === 'bad-record') s.write(encodeFrame(noise(60)));
        else s.write(peer.seal(Buffer.from('{"type":"say","text":1.0}')));
      }
    });
    // The next once this one has ended (the server closes it), or after a while at most.
    const next = () => this.junk(what, times, i + 1);
    const timer = setTimeout(() => socket.destroy(), 500);
    this.timers.push(timer);
    socket.once('close', next);
  }

  /** A connection every 5 ms from one address, each reopened as soon as it closes, `max` in all. */
  private storm(address: string, max: number): void {
    const open = () => {
      if (!this.running || this.sent >= max) return;
      this.sent++;
      const socket = this.open(address, `storm ${this.sent}`);
      socket.resume();
      socket.once('close', open);
    };
    this.every(5, open);
  }

  /** Stops sending, waits a little for the server's last words, closes everything. */
  async stop(graceMs: number): Promise<HostileOutcome> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    // A flood beyond the limit must end in RATE_EXCEEDED (7.8): give the server the time to say so.
    if (this.spec.kind === 'flood' && this.spec.beyond && !this.lastClosedByServer && this.sockets.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onServerEnd = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
    }
    for (const s of this.sockets) s.destroy();
    return {
      spec: this.spec,
      sent: this.sent,
      errors: this.peers.flatMap((p) => p.errors),
      closedByServer: this.lastClosedByServer,
      problems: this.peers.flatMap((p) => p.problems),
    };
  }
}

/** Padding for honest lines: most short, some long (the room's fan-out then loads every queue). */
export function honestPad(long: boolean, maxMessage: number): string {
  return long ? ` ${'x'.repeat(Math.max(0, maxMessage - 40))}` : '';
}

/** A fresh seed for a run when none is given (the property passes its own). */
export const freshSeed = (): string => randomBytes(8).toString('hex');
