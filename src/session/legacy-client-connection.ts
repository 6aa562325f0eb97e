/**
 * The legacy client side of one connection (spec 8-10, 13.4), sans-IO.
 *
 * How this works: plaintext `iv_exc` then `key_exc` arrive; the client answers with its own
 * `key_exc` (username `temp`) and derives the key. Every later frame is decrypted with that key;
 * a frame that does not decode under it is tried under the key of `None`, which the original
 * server uses for connections it has not finished keying (legacy `mitigations`), and such frames
 * are only list updates. The client never sends its address: shost is `0.0.0.0`.
 */

import { KeyAgreement, type RandomSource } from '../crypto/key-agreement.js';
import { LEGACY_NONE_KEY, legacyKey } from '../crypto/legacy-cipher.js';
import { type ParleyError, parleyError } from '../errors.js';
import { encodeFrame, type Frame, FrameDecoder } from '../framing/frame-codec.js';
import { LEGACY_IV_BYTES, LEGACY_TEMP_NAME, LIMITS } from '../generated/constants.js';
import { LEGACY_CLIENT_MACHINE, type LegacyClientState } from '../generated/machines.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  type LegacyCipherState,
  type LegacyPacket,
  legacyPacket,
  parseLegacyPacket,
} from '../legacy/legacy-packet.js';
import { pythonDateString } from '../legacy/python-json.js';
import { Endpoint, type EndpointEvent } from './endpoint.js';
import { StateMachine } from './machine.js';

export type LegacyClientConnectionEvent = EndpointEvent<LegacyPacket>;

export interface LegacyClientConnectionOptions {
  readonly random: RandomSource;
  /** Milliseconds since the epoch, for the packet `date` field. */
  readonly clock: () => number;
  readonly maxFrame?: number;
  /**
   * The key agreement of whoever runs this connection (key-agreement.ts), shared by all its
   * connections; default: one of this connection's own.
   */
  readonly keyAgreement?: KeyAgreement;
}

export class LegacyClientConnection extends Endpoint<LegacyClientState, LegacyPacket> {
  private readonly decoder: FrameDecoder;
  private iv: Buffer | null = null;
  private cipher: LegacyCipherState | null = null;
  private name: string = LEGACY_TEMP_NAME;
  private readonly agreement: KeyAgreement;

  constructor(private readonly options: LegacyClientConnectionOptions) {
    super(new StateMachine<LegacyClientState>(LEGACY_CLIENT_MACHINE, 'legacy client'));
    this.decoder = new FrameDecoder({ maxFrame: options.maxFrame ?? LIMITS.maxFrame });
    this.agreement = options.keyAgreement ?? new KeyAgreement();
  }

  receive(chunk: Uint8Array): LegacyClientConnectionEvent[] {
    const events: LegacyClientConnectionEvent[] = [];
    return this.guarded(events, () => {
      this.decoder.push(chunk);
      // No packet the server sends ends the connection (13.4: no transition to CLOSED), and a
      // refused one throws, which ends the read: so every frame read is handled.
      for (let frame = this.decoder.next(); frame; frame = this.decoder.next()) {
        const packet = this.handleFrame(frame);
        if (packet) events.push({ kind: 'packet', packet });
      }
    });
  }

  receiveEnd(): LegacyClientConnectionEvent[] {
    const events: LegacyClientConnectionEvent[] = [];
    this.guarded(events, () => {
      this.decoder.end();
      throw parleyError('CONNECTION_LOST', 'the server closed the connection');
    });
    return events;
  }

  private handleFrame(frame: Frame): LegacyPacket | null {
    const state = this.machine.state;
    if (state === 'AWAIT_IV' || state === 'AWAIT_KEY') {
      const packet = this.tryPlain(frame.body);
      if (!packet) return null; // an early list update under the None key (tolerated, ignored)
      this.machine.fire(packet.typ);
      if (typeof packet.cont !== 'string')
        throw parleyError('PACKET_MALFORMED', `${packet.typ} cont must be a string`);
      if (packet.typ === 'iv_exc') {
        const iv = Buffer.from(packet.cont, 'base64');
        if (iv.length !== LEGACY_IV_BYTES)
          throw parleyError('PACKET_MALFORMED', 'iv_exc must carry a 16-byte IV');
        this.iv = iv;
      } else {
        const privateKey = this.options.random(32);
        this.cipher = {
          key: legacyKey(this.agreement.legacySharedSecret(privateKey, packet.cont)),
          iv: this.iv!,
        };
        const reply = legacyPacket(
          'key_exc',
          LEGACY_TEMP_NAME,
          this.agreement.legacyPublicDecimal(privateKey),
          this.date(),
        );
        this.queue(encodeFrame(encodeLegacyBody(reply)));
      }
      return null;
    }
    const packet = this.decrypt(frame.body);
    this.machine.fire(packet.typ);
    return packet;
  }

  /** A plaintext handshake frame, or null for a None-key frame the original sends too early. */
  private tryPlain(body: Buffer): LegacyPacket | null {
    try {
      return parseLegacyPacket(body);
    } catch (err) {
      if (this.iv && this.decodesUnder(body, { key: LEGACY_NONE_KEY, iv: this.iv })) return null;
      throw err;
    }
  }

  private decodesUnder(body: Buffer, cipher: LegacyCipherState): LegacyPacket | null {
    try {
      return decodeLegacyRecord(body, cipher);
    } catch {
      return null;
    }
  }

  private decrypt(body: Buffer): LegacyPacket {
    const packet = this.decodesUnder(body, this.cipher!);
    if (packet) return packet;
    const early = this.decodesUnder(body, { key: LEGACY_NONE_KEY, iv: this.iv! });
    if (early) return early;
    throw parleyError('PACKET_MALFORMED', 'legacy record does not decrypt to a packet');
  }

  private date(): string {
    return pythonDateString(this.options.clock());
  }

  private sendPacket(typ: string, cont: string): void {
    this.machine.fire(`send:${typ}`);
    this.queue(encodeFrame(encodeLegacyBody(legacyPacket(typ, this.name, cont, this.date()), this.cipher!)));
  }

  /** Asks for a name (10.2). The original client refuses `*server*` and empty names itself. */
  join(name: string): void {
    this.name = name;
    this.sendPacket('setuser', name);
  }

  say(text: string): void {
    this.sendPacket('default', text);
  }

  requestExport(): void {
    this.sendPacket('export', '[export_chat]');
  }

  /** legacy has no goodbye: closing the socket is the way out. */
  goodbye(): void {
    this.machine.close();
  }

  protected notifyPeer(_error: ParleyError): void {
    // legacy has no error packet.
  }
}
