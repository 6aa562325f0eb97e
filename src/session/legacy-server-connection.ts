/**
 * The legacy server side of one connection (spec 8-10, 13.3), sans-IO.
 *
 * How this works: `start()` queues the plaintext `iv_exc` and `key_exc` frames, with an IV and a
 * key pair made for this connection alone (the original shares one per process; a client cannot
 * tell). The first frame back is the client's plaintext `key_exc`; every later frame is
 * base64(AES-256-CFB8). Unknown `typ` values count as `default` (10.3). The `setuser` transition is
 * guarded (accepted / refused): the room decides and the caller settles it (VerdictEndpoint).
 * legacy has no error packet, so a fatal error just closes the connection.
 */

import { KeyAgreement, type RandomSource } from '../crypto/key-agreement.js';
import { legacyEncrypt, legacyKey } from '../crypto/legacy-cipher.js';
import { type ParleyError, parleyError } from '../errors.js';
import { encodeAsciiFrame, encodeFrame, type Frame, FrameDecoder } from '../framing/frame-codec.js';
import {
  LEGACY_CLIENT_TYPS,
  LEGACY_IV_BYTES,
  LEGACY_MESSAGES,
  LEGACY_SERVER_NAME,
  LIMITS,
} from '../generated/constants.js';
import {
  LEGACY_SERVER_MACHINE,
  type LegacyServerGuard,
  type LegacyServerState,
} from '../generated/machines.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  type LegacyCipherState,
  type LegacyPacket,
  legacyPacket,
  parseLegacyPacket,
  serializeLegacyPacket,
} from '../legacy/legacy-packet.js';
import { type EndpointEvent, VerdictEndpoint } from './endpoint.js';
import { StateMachine } from './machine.js';

export type LegacyServerConnectionEvent = EndpointEvent<LegacyPacket>;

export interface LegacyServerConnectionOptions {
  readonly random: RandomSource;
  readonly maxFrame?: number;
  /** Largest body before the key exchange (3.2, maxHandshakeFrame). */
  readonly maxHandshakeFrame?: number;
  /**
   * The key agreement of whoever runs this connection (key-agreement.ts), shared by all its
   * connections; default: one of this connection's own.
   */
  readonly keyAgreement?: KeyAgreement;
}

const CLIENT_TYPS: ReadonlySet<string> = new Set(LEGACY_CLIENT_TYPS);

export class LegacyServerConnection extends VerdictEndpoint<
  LegacyServerState,
  LegacyPacket,
  LegacyServerGuard
> {
  protected readonly verdictEvent = 'setuser';
  private readonly decoder: FrameDecoder;
  private privateKey: Buffer | null = null;
  private cipher: LegacyCipherState | null = null;
  private iv: Buffer | null = null;
  private readonly fullFrame: number;
  private readonly agreement: KeyAgreement;

  constructor(private readonly options: LegacyServerConnectionOptions) {
    super(new StateMachine<LegacyServerState>(LEGACY_SERVER_MACHINE, 'legacy server'));
    // Before the key exchange a frame is the client's key_exc at most (3.2, maxHandshakeFrame).
    const maxFrame = options.maxFrame ?? LIMITS.maxFrame;
    this.decoder = new FrameDecoder({
      maxFrame: Math.min(options.maxHandshakeFrame ?? LIMITS.maxHandshakeFrame, maxFrame),
    });
    this.fullFrame = maxFrame;
    this.agreement = options.keyAgreement ?? new KeyAgreement();
  }

  /** True once the key exchange has finished; nothing else is ever sent before (mitigations). */
  get secured(): boolean {
    return this.cipher !== null;
  }

  /** Queues iv_exc and key_exc (8.1, 8.2). `date` is the packet date string. */
  start(date: string): void {
    this.iv = this.options.random(LEGACY_IV_BYTES);
    this.privateKey = this.options.random(32);
    const iv = legacyPacket('iv_exc', LEGACY_SERVER_NAME, this.iv.toString('base64'), date);
    const key = legacyPacket(
      'key_exc',
      LEGACY_SERVER_NAME,
      this.agreement.legacyPublicDecimal(this.privateKey),
      date,
    );
    this.queue(encodeFrame(encodeLegacyBody(iv)));
    this.queue(encodeFrame(encodeLegacyBody(key)));
  }

  protected push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /** Handles one buffered frame; a setuser holds the frames after it until the verdict (13.3). */
  protected step(events: LegacyServerConnectionEvent[]): boolean {
    const frame = this.decoder.next();
    if (!frame) return false;
    this.frames++;
    const packet = this.handleFrame(frame);
    if (packet) events.push({ kind: 'packet', packet });
    return true;
  }

  /** The peer closed. legacy has no goodbye, so a close between frames is the normal way out. */
  receiveEnd(): LegacyServerConnectionEvent[] {
    const events: LegacyServerConnectionEvent[] = [];
    this.guarded(events, () => {
      this.decoder.end();
      this.machine.close();
      events.push({ kind: 'closed', clean: true });
    });
    return events;
  }

  private handleFrame(frame: Frame): LegacyPacket | null {
    if (this.machine.state === 'AWAIT_KEY_EXC') {
      const packet = parseLegacyPacket(frame.body);
      this.machine.fire(packet.typ);
      if (typeof packet.cont !== 'string')
        throw parleyError('PACKET_MALFORMED', 'key_exc cont must be a string');
      this.cipher = {
        key: legacyKey(this.agreement.legacySharedSecret(this.privateKey!, packet.cont)),
        iv: this.iv!,
      };
      this.decoder.maxFrame = this.fullFrame;
      return null;
    }
    const packet = decodeLegacyRecord(frame.body, this.cipher!);
    // 10.3: unknown typ values are treated as `default`.
    const typ = CLIENT_TYPS.has(packet.typ) ? packet.typ : 'default';
    this.admit(typ);
    if (typeof packet.cont !== 'string') {
      throw parleyError('PACKET_MALFORMED', `${packet.typ} cont must be a string`);
    }
    return typ === packet.typ ? packet : { ...packet, typ };
  }

  /** Encrypts and queues one packet object. */
  send(packet: LegacyPacket): void {
    this.sendEncoded(serializeLegacyPacket(packet, true));
  }

  /** Encrypts and queues a packet serialised once for many recipients (a broadcast). */
  sendEncoded(plain: Buffer): void {
    if (!this.cipher || this.machine.terminal) return;
    this.queue(encodeAsciiFrame(legacyEncrypt(this.cipher.key, this.cipher.iv, plain)));
  }

  acceptJoin(date: string): void {
    this.settle('accepted');
    this.send(legacyPacket('approved_conn', LEGACY_SERVER_NAME, LEGACY_MESSAGES.joined, date));
  }

  refuseJoin(date: string): void {
    this.settle('refused');
    this.send(legacyPacket('username_taken', LEGACY_SERVER_NAME, LEGACY_MESSAGES.taken, date));
  }

  /** legacy has no goodbye: a clean close is just closing. */
  goodbye(): void {
    this.machine.close();
  }

  protected notifyPeer(_error: ParleyError): void {
    // legacy has no error packet (10): the adapter closes the connection.
  }
}
