/**
 * The hostile target's legacy people (spec 10, 11; fuzz/targets/hostile-legacy.ts): honest
 * members of a legacy server whose every line is accounted for, and the legacy attacks: floods
 * within and beyond the rate limit, a reconnect storm from one address, and junk frames.
 *
 * How this works: as for v2 (hostile.ts), an honest member is the core's legacy client endpoint on
 * a socket that reads at once, counting per honest sender which numbered lines arrived and in
 * which order. The legacy protocol differs in what can be accounted: a sender gets no echo of its
 * own lines (10.3), the server never skips a line (it has no way to say so, 11), a refusal is a
 * line from `*server*` naming its code (7.8: `(RATE_LIMITED)`), and there is no ping: the run ends
 * with each member saying one last line and every other member waiting for it (a sender's lines
 * arrive in order, so its last one means the rest are in or lost). A hostile actor is a raw
 * legacy peer (raw-peer.ts) that does the key exchange and then sends what it is told.
 */
import type { Socket } from 'node:net';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LEGACY_SERVER_NAME } from '../../src/generated/constants.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import {
  LegacyClientConnection,
  type LegacyClientConnectionEvent,
} from '../../src/session/legacy-client-connection.js';
import { seededBytes } from '../util.js';
import { HonestPeer } from './honest-peer.js';
import { RawActor, type Where } from './raw-actor.js';
import type { RawPeer } from './raw-peer.js';

const DATE = '2026-01-01 00:00:00.000000';

/** An honest legacy member: joins, says numbered lines when asked, reads everything at once. */
export class LegacyHonestMember extends HonestPeer {
  /** A legacy server never skips a line (11): it has no way to say so. */
  readonly skipped = 0;
  readonly skippedUncounted = false;
  /** Its own lines never come back (10.3): `lines` never holds its own name. */
  readonly echoes = false;
  private asked = false;

  private constructor(
    name: string,
    socket: Socket,
    seed: string,
    private readonly conn = new LegacyClientConnection({ random: seededBytes(seed), clock: Date.now }),
  ) {
    super(name, socket, conn);
    socket.on('data', (chunk: Buffer) => this.onEvents(this.conn.receive(chunk)));
  }

  /** Connects from `localAddress` and joins as `name`; rejects when the join does not happen. */
  static join(where: Where, name: string, localAddress: string, seed: string): Promise<LegacyHonestMember> {
    return HonestPeer.joinAs(where, localAddress, (socket) => new LegacyHonestMember(name, socket, seed));
  }

  private onEvents(events: readonly LegacyClientConnectionEvent[]): void {
    const state = this.conn.state;
    if (!this.asked && state === 'READY') {
      this.asked = true;
      this.conn.join(this.name);
    }
    for (const e of events) {
      if (e.kind === 'error') {
        if (!this.leaving) this.lost ??= `${e.error.code}: ${e.error.message}`;
        continue;
      }
      if (e.kind !== 'packet') continue;
      const p = e.packet;
      if (p.typ === 'approved_conn') this.joined = true;
      else if (p.typ === 'username_taken') this.lost ??= 'join refused: username_taken';
      else if (p.typ === 'default' && typeof p.cont === 'string') {
        if (p.username === LEGACY_SERVER_NAME) {
          if (p.cont.includes('(RATE_LIMITED)')) this.rateLimited++;
          continue;
        }
        this.heard(p.username, p.cont);
      }
    }
    this.flush();
    this.notify();
  }
}

/**
 * The end of a legacy run: each member says one last line, and every other member waits for it
 * (legacy has no ping; a sender's lines arrive in order, so its last one closes its account).
 */
export async function settleLegacy(members: readonly LegacyHonestMember[], ms: number): Promise<void> {
  for (const m of members) m.say('');
  for (const r of members)
    for (const s of members) {
      if (r === s) continue;
      const last = s.sent - 1;
      await r.until(() => (r.lines.get(s.name) ?? []).includes(last), ms, `${s.name}'s last line #${last}`);
    }
}

/** The legacy attacks. */
export type LegacyHostileSpec =
  /** A joined member saying chat lines (or asking for names again), within the rate limit or as fast as it can. */
  | { readonly kind: 'flood'; readonly packet: 'say' | 'long-say' | 'setuser'; readonly beyond: boolean }
  /** One address reopening each connection the moment it closes (per-address limits, 11). */
  | { readonly kind: 'storm'; readonly max: number }
  /** Connections that send junk: bytes, a frame of noise, or a record that does not decrypt. */
  | { readonly kind: 'junk'; readonly what: 'bytes' | 'frame' | 'bad-record'; readonly times: number };

export function describeLegacyHostile(h: LegacyHostileSpec): string {
  switch (h.kind) {
    case 'flood':
      return `legacy flood(${h.packet}, ${h.beyond ? 'beyond the limit' : 'within the limit'})`;
    case 'storm':
      return `legacy storm(up to ${h.max} from one address)`;
    case 'junk':
      return `legacy junk(${h.what} x ${h.times})`;
  }
}

/** What a legacy actor reports once stopped (legacy has no error packets to read). */
export interface LegacyOutcome {
  readonly spec: LegacyHostileSpec;
  /** Packets (or connections, for the storm and junk) sent. */
  readonly sent: number;
  /** Whether the server closed its (last) connection. */
  readonly closedByServer: boolean;
}

/** One legacy hostile actor: started, then stopped when the attack ends. */
export class LegacyHostileActor extends RawActor<LegacyHostileSpec> {
  protected readonly profile = 'legacy';

  start(): void {
    const s = this.spec;
    if (s.kind === 'flood') this.flood(s.packet, s.beyond);
    else if (s.kind === 'storm') this.storm(this.addresses.take(), s.max);
    else this.junk(s.what, s.times, this.badRecord);
  }

  private packet(typ: string, cont: string): Buffer {
    return Buffer.from(JSON.stringify(legacyPacket(typ, this.name, cont, DATE)));
  }

  private flood(what: 'say' | 'long-say' | 'setuser', beyond: boolean): void {
    this.open(this.addresses.take(), 'member', (peer, socket) => {
      socket.write(peer.honestReply!);
      socket.write(peer.seal(this.packet('setuser', this.name)));
      const next = (i: number) =>
        what === 'setuser'
          ? this.packet('setuser', `${this.name}x${i}`)
          : this.packet('default', what === 'say' ? `flood ${i}` : '語'.repeat(this.rate.maxMessage));
      // A setuser costs what a v2 join does (2 tokens, 7.8); a line, one.
      this.floodOn(socket, peer, next, what === 'setuser' ? 2 : 1, beyond);
    });
  }

  /** A record that is not one: base64 of noise where the original expects its encrypted text. */
  private badRecord(
    _what: 'bad-record',
    _peer: RawPeer,
    socket: Socket,
    noise: (size: number) => Buffer,
  ): void {
    socket.write(encodeFrame(Buffer.from(noise(60).toString('base64'))));
  }

  /** Stops sending, waits a little for the server's close of a flood beyond the limit, closes everything. */
  async stop(graceMs: number): Promise<LegacyOutcome> {
    await this.halt(graceMs);
    return { spec: this.spec, sent: this.sent, closedByServer: this.closedByServer };
  }
}
