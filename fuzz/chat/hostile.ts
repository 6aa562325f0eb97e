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
import type { Socket } from 'node:net';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { seededBytes } from '../util.js';
import { HonestPeer } from './honest-peer.js';
import { type RateLimits, RawActor, type Where } from './raw-actor.js';
import type { RawPeer } from './raw-peer.js';

export { AddressPool, loopbackAddress, type RateLimits, type Where } from './raw-actor.js';

const SKIPPED = /^(\d+) chat lines? (?:was|were) skipped/;

/** An honest member: joins, says numbered lines when asked, reads everything at once. */
export class HonestMember extends HonestPeer {
  /** Lines the server said it skipped for this member (LINES_SKIPPED), summed. */
  skipped = 0;
  /** A LINES_SKIPPED whose count could not be read: any number may be missing. */
  skippedUncounted = false;
  private readonly pongs = new Set<number>();

  private constructor(
    name: string,
    socket: Socket,
    seed: string,
    private readonly conn = new V2ClientConnection({ random: seededBytes(seed) }),
  ) {
    super(name, socket, conn);
    socket.on('data', (chunk: Buffer) => this.onEvents(this.conn.receive(chunk)));
  }

  /** Connects from `localAddress` and joins as `name`; rejects when the join does not happen. */
  static join(where: Where, name: string, localAddress: string, seed: string): Promise<HonestMember> {
    return HonestPeer.joinAs(where, localAddress, (socket) => new HonestMember(name, socket, seed));
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
export class HostileActor extends RawActor<HostileSpec> {
  protected readonly profile = 'v2';

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
        this.junk(s.what, s.times, this.keyedJunk);
        return;
      case 'storm':
        this.storm(this.addresses.take(), s.max);
        return;
    }
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
        this.floodOn(socket, peer, () => encodeV2Packet({ type: 'export' }), COST.export, false);
        return;
      }
      if (s.kind !== 'flood') return;
      const next = (i: number) => floodPacket(s.packet, i, this.rate, this.name);
      this.floodOn(socket, peer, next, COST[s.packet], s.beyond);
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

  /** After the keys: a record that does not open, or a packet that is not v2 JSON (1.0). */
  private keyedJunk(
    what: 'bad-record' | 'bad-packet',
    peer: RawPeer,
    socket: Socket,
    noise: (size: number) => Buffer,
  ): void {
    if (what === 'bad-record') socket.write(encodeFrame(noise(60)));
    else socket.write(peer.seal(Buffer.from('{"type":"say","text":1.0}')));
  }

  /** Stops sending, waits a little for the server's last words, closes everything. */
  async stop(graceMs: number): Promise<HostileOutcome> {
    await this.halt(graceMs);
    return {
      spec: this.spec,
      sent: this.sent,
      errors: this.peers.flatMap((p) => p.errors),
      closedByServer: this.closedByServer,
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
