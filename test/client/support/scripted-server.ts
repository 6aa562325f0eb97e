/**
 * A scripted v2 server for client tests: one sans-IO V2ServerConnection wired to one ClientSession
 * in memory, on a fake clock. The test plays the server's part packet by packet (`send`), so the
 * client can be tested on packets no real server sends yet (rooms, 7.15) or in orders that are
 * hard to provoke; `received` gives the packets the client sent.
 */
import { ClientSession, type ClientSessionOptions } from '../../../src/client/client-session.js';
import type { SessionEvent } from '../../../src/client/events.js';
import { identityFromSeed } from '../../../src/crypto/identity.js';
import type { V2ClientPacket, V2ServerPacket } from '../../../src/generated/v2-packets.js';
import { encodeV2Packet } from '../../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../../support/key-agreement.js';
import { seededRandom } from '../../support/seeded-random.js';

export class ScriptedServer {
  readonly session: ClientSession;
  readonly server: V2ServerConnection;
  now = 1000;
  private readonly inbox: V2ClientPacket[] = [];

  constructor(features: readonly string[], options: Partial<ClientSessionOptions> = {}) {
    this.server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity: identityFromSeed(Buffer.alloc(32, 5)),
      random: seededRandom('scripted'),
      features,
    });
    this.session = new ClientSession({ random: seededRandom('client'), features, ...options });
    this.server.start();
    this.session.connect(this.now);
    this.session.open(this.now);
  }

  /** Moves bytes both ways until nothing is left to move; the client's events, in order. */
  pump(): SessionEvent[] {
    const events: SessionEvent[] = [];
    for (;;) {
      const down = this.server.takeOutput();
      if (down.length > 0) events.push(...this.session.receive(down, this.now));
      const up = this.session.takeOutput();
      if (up.length > 0) {
        for (const e of this.server.receive(up)) if (e.kind === 'packet') this.inbox.push(e.packet);
      }
      if (down.length === 0 && up.length === 0) return events;
    }
  }

  /** Runs a client call, then pumps; the events of both. */
  act(call: (session: ClientSession) => SessionEvent[]): SessionEvent[] {
    const first = call(this.session);
    return [...first, ...this.pump()];
  }

  /**
   * The server sends `packets`; the client's events. Sent as encoded packets, so the server's own
   * table (13.1) does not judge them: the script may send what no server state allows yet.
   */
  send(...packets: V2ServerPacket[]): SessionEvent[] {
    for (const p of packets) this.server.sendEncoded(encodeV2Packet(p));
    return this.pump();
  }

  /** The packets the client sent since the last call. */
  received(): V2ClientPacket[] {
    return this.inbox.splice(0);
  }

  /** Handshake and join as `name` with `#lobby` holding `users`; the client's events. */
  join(name: string, users: readonly string[] = [name]): SessionEvent[] {
    const events = this.pump();
    events.push(...this.act((s) => s.join(name)));
    this.received();
    this.server.acceptJoin(name, users);
    return [...events, ...this.pump()];
  }
}
