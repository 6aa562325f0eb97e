/**
 * The v2 client side of one connection (spec 5, 6, 13.2), sans-IO.
 *
 * How this works: the first frame must be `server_hello`; the client picks the first group it
 * prefers among those offered, sends `client_hello`, and derives keys from the transcript. The
 * first record must be `server_auth`: its signature over the transcript is verified, then the
 * fingerprint is compared with the pinned one, if any (5.6). Only then may the user's packets go
 * out. A caller that decides trust itself (a first key recorded or asked about, a changed key the
 * user accepts: `trustLater`) gets `authenticated` and calls `trusted()` once it has decided;
 * until then nothing goes out, and above all no client_auth: the user's key signs only for a
 * server the user trusts (7.16). Every method that sends fires the matching `send:<type>` transition, so the table decides
 * what may be sent when. The hellos settle the features in use (5.8, features.ts): the client
 * lists those it wants that the server offered, and a packet of a feature not agreed is refused.
 */

import { checkFingerprint } from '../client/trust.js';
import { fingerprintOf, type Identity, signTranscript, verifyTranscript } from '../crypto/identity.js';
import {
  computeSharedSecret,
  KeyAgreement,
  type KeyPair,
  type RandomSource,
} from '../crypto/key-agreement.js';
import { RecordOpener, RecordSealer } from '../crypto/record-layer.js';
import { deriveSessionKeys, type SessionKeys, transcriptHash } from '../crypto/v2-keys.js';
import { isErrorCode, type ParleyError, parleyError } from '../errors.js';
import { encodeFrame, type Frame, FrameDecoder } from '../framing/frame-codec.js';
import { LIMITS, V2_GROUPS, V2_PROTOCOL_ID, V2_TAG_BYTES, type V2Group } from '../generated/constants.js';
import { V2_CLIENT_MACHINE, type V2ClientState } from '../generated/machines.js';
import type { V2ClientPacket, V2PacketOf, V2ServerPacket } from '../generated/v2-packets.js';
import { Endpoint, type EndpointEvent } from './endpoint.js';
import {
  agreeFeatures,
  checkReceivedFeature,
  checkReceivedForm,
  featuresField,
  NO_FEATURES,
} from './features.js';
import { StateMachine } from './machine.js';
import { b64, encodeV2Packet, parseServerPacket, splitPackets, unb64 } from './v2-codec.js';

export interface ServerLimits {
  readonly maxFrame: number;
  readonly maxMessage: number;
  readonly maxName: number;
}

export type V2ClientConnectionEvent =
  | EndpointEvent<V2ServerPacket>
  | {
      readonly kind: 'authenticated';
      readonly fingerprint: string;
      readonly identity: Buffer;
      readonly group: V2Group;
      readonly limits: ServerLimits;
      /** The features both hellos listed (5.8). */
      readonly features: ReadonlySet<string>;
    }
  /**
   * The server refused the connection at accept (5.10), in plaintext: unauthenticated, so it is
   * what the server says, not a verified fact. The connection is over (CLOSED).
   */
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

export interface V2ClientConnectionOptions {
  readonly random: RandomSource;
  /** The fingerprint the server must have (pinned or known); any other is FINGERPRINT_MISMATCH. */
  readonly expectedFingerprint?: string;
  /** Groups in preference order (default: x25519, then modp14). */
  readonly groups?: readonly V2Group[];
  readonly maxFrame?: number;
  /** Hold the record keys as KeyObjects: faster on some Node releases (record-layer.ts). */
  readonly keyObjects?: boolean;
  /** The features this client wants (5.8); it lists those the server offered. Default: none. */
  readonly features?: readonly string[];
  /**
   * The key agreement of whoever runs this connection (key-agreement.ts), shared by all its
   * connections; default: one of this connection's own.
   */
  readonly keyAgreement?: KeyAgreement;
  /**
   * The client's own Ed25519 key (7.16): proved with client_auth right after server_auth when
   * `client-key` is agreed. Without it (or without the feature) the client is anonymous.
   */
  readonly clientKey?: Identity;
  /**
   * The caller decides trust in the server's key after `authenticated` (5.6: trust on first use, a
   * question to the user) and calls `trusted()` when it goes on: until then the connection sends
   * nothing, no client_auth (7.16) and no pong. Without it, passing `expectedFingerprint` (or
   * having none) is the whole decision, and the proof goes out right after server_auth.
   */
  readonly trustLater?: boolean;
}

/** A moderation request (feature moderation, 7.18), as the client sends it. */
export type ModerationRequest = V2PacketOf<
  'kick' | 'ban' | 'unban' | 'bans' | 'mute' | 'unmute' | 'mutes' | 'motd'
>;

export interface ClientHello {
  /** The client_hello frame, as sent. */
  readonly frame: Buffer;
  /** Z (5.3). */
  readonly secret: Buffer;
  /** TH over both hello frames (5.4). */
  readonly transcript: Buffer;
  readonly keys: SessionKeys;
}

/**
 * The client's step of 5.2-5.4 as a pure function: the client_hello for the server's share in
 * `own`'s group, with Z, TH and the session keys it implies. Throws PUBLIC_VALUE_INVALID for a bad
 * server share. Raw peers (the conformance driver, the fuzz campaigns) use it too, so that their
 * honest hellos are the client's, byte for byte.
 */
export function clientHelloFor(
  serverHelloFrame: Uint8Array,
  serverShare: Uint8Array,
  own: KeyPair,
  nonce: Uint8Array,
  features: readonly string[] = [],
): ClientHello {
  const secret = computeSharedSecret(own, serverShare);
  const hello: V2ClientPacket = {
    type: 'client_hello',
    protocol: V2_PROTOCOL_ID,
    group: own.group,
    share: b64(own.share),
    nonce: b64(nonce),
    ...featuresField(features),
  };
  const frame = encodeFrame(encodeV2Packet(hello));
  const transcript = transcriptHash(serverHelloFrame, frame);
  return { frame, secret, transcript, keys: deriveSessionKeys(secret, transcript) };
}

export class V2ClientConnection extends Endpoint<V2ClientState, V2ServerPacket> {
  private readonly decoder: FrameDecoder;
  private sealer: RecordSealer | null = null;
  private opener: RecordOpener | null = null;
  private th: Buffer | null = null;
  private serverLimits: ServerLimits | null = null;
  private chosenGroup: V2Group | null = null;
  private serverFingerprint: string | null = null;
  private presented: string | null = null;
  private partialList: (V2PacketOf<'join_ok'> | V2PacketOf<'user_list'>) | null = null;
  private agreed: ReadonlySet<string> = NO_FEATURES;
  /** client_auth sent, or a packet after server_auth that rules it out (7.16). */
  private keyProved = false;
  /** server_auth verified, the caller's trust decision not yet taken (`trustLater`). */
  private awaitingTrust = false;
  /** Pings that came while awaitingTrust, answered once trusted. */
  private heldPings: number[] = [];

  constructor(private readonly options: V2ClientConnectionOptions) {
    super(new StateMachine<V2ClientState>(V2_CLIENT_MACHINE, 'v2 client'));
    this.decoder = new FrameDecoder({ maxFrame: options.maxFrame ?? LIMITS.maxFrame });
  }

  get fingerprint(): string | null {
    return this.serverFingerprint;
  }

  /** The key the server proved it holds, even one refused with FINGERPRINT_MISMATCH. */
  get presentedFingerprint(): string | null {
    return this.presented;
  }

  get group(): V2Group | null {
    return this.chosenGroup;
  }

  get limits(): ServerLimits | null {
    return this.serverLimits;
  }

  /** The features both hellos listed (5.8), once server_hello is handled. */
  get features(): ReadonlySet<string> {
    return this.agreed;
  }

  /** The transcript hash (5.4), once both hellos have been exchanged. */
  get transcript(): Buffer | null {
    return this.th;
  }

  receive(chunk: Uint8Array): V2ClientConnectionEvent[] {
    const events: V2ClientConnectionEvent[] = [];
    return this.guarded(events as EndpointEvent<V2ServerPacket>[], () => {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame; frame = this.decoder.next()) {
        this.handleFrame(frame, events);
        if (this.machine.terminal) break;
      }
    }) as V2ClientConnectionEvent[];
  }

  /** The server closed its side. */
  receiveEnd(): V2ClientConnectionEvent[] {
    if (this.machine.state === 'CLOSED') return [{ kind: 'closed', clean: true }];
    return this.guarded([], () => {
      this.decoder.end();
      throw parleyError('CONNECTION_LOST', 'server closed the connection without goodbye');
    });
  }

  private handleFrame(frame: Frame, events: V2ClientConnectionEvent[]): void {
    if (this.machine.state === 'AWAIT_SERVER_HELLO') {
      const packet = parseServerPacket(frame.body);
      if (packet.type === 'server_hello')
        this.handleServerHello(packet, Buffer.concat([frame.header, frame.body]));
      else {
        this.machine.fire(packet.type); // PACKET_UNEXPECTED but for `refused` (5.10)
        if (packet.type === 'refused')
          events.push({ kind: 'refused', code: packet.code, message: packet.message });
      }
      return;
    }
    this.handleRecord(this.opener!.open(frame), events);
  }

  /**
   * A record may carry several packets (6.1), parsed and handled one by one: one that ends the
   * connection stops the rest. A subclass may read a record faster where it knows more (the
   * bench's load generator does), as long as it hands each packet to handlePacket in order.
   */
  protected handleRecord(plaintext: Buffer, events: V2ClientConnectionEvent[]): void {
    for (const part of splitPackets(plaintext)) {
      const packet = this.parsePacket(part);
      checkReceivedFeature(packet.type, this.agreed);
      checkReceivedForm(packet, this.agreed);
      this.handlePacket(packet, events);
      if (this.machine.terminal) return;
    }
  }

  /** Turns one decrypted packet into a validated packet (7): JSON, then the generated schema. */
  protected parsePacket(bytes: Uint8Array): V2ServerPacket {
    return parseServerPacket(bytes);
  }

  protected handlePacket(packet: V2ServerPacket, events: V2ClientConnectionEvent[]): void {
    if (packet.type === 'server_auth') {
      // Verify before the transition: a failed check must leave the client in AWAIT_SERVER_AUTH,
      // where it sends nothing encrypted to a server it could not authenticate (5.5).
      if (!this.machine.allows('server_auth')) this.machine.fire('server_auth'); // PACKET_UNEXPECTED
      const authenticated = this.handleServerAuth(packet);
      this.machine.fire('server_auth');
      events.push(authenticated);
      if (this.options.trustLater) this.awaitingTrust = true;
      else this.sendProof();
      return;
    }
    if (packet.type === 'error') {
      // Before server_auth the table has one unguarded `error` transition (13.2); later states
      // tell fatal from non-fatal.
      const unguarded = this.machine.hasUnguarded('error');
      this.machine.fire('error', unguarded ? null : packet.fatal ? 'fatal' : 'nonfatal');
      if (packet.fatal || this.machine.terminal) {
        events.push({ kind: 'error', error: this.remoteError(packet) });
        return;
      }
    } else {
      this.machine.fire(packet.type);
    }
    if (packet.type === 'ping') {
      if (this.awaitingTrust) this.heldPings.push(packet.n);
      else this.sendPacket({ type: 'pong', n: packet.n });
    }
    if (packet.type === 'goodbye') {
      events.push({ kind: 'closed', clean: true, reason: packet.reason });
      return;
    }
    const whole = this.assembleList(packet);
    if (whole) events.push({ kind: 'packet', packet: whole });
  }

  /**
   * Joins a user list split over join_ok / user_list packets with `more: true` (7.6): the caller
   * sees one join_ok or user_list with the whole list. Other packets pass through.
   */
  private assembleList(packet: V2ServerPacket): V2ServerPacket | null {
    if (packet.type !== 'join_ok' && packet.type !== 'user_list') return packet;
    const partial = this.partialList;
    if (partial && packet.type === 'user_list') {
      partial.users.push(...packet.users);
      // 7.16: each part carries the keys of its own names.
      if (packet.keys) partial.keys = [...(partial.keys ?? []), ...packet.keys];
      if (packet.more) return null;
      this.partialList = null;
      const { more: _more, ...whole } = partial;
      return whole as V2ServerPacket;
    }
    if (packet.more) {
      this.partialList = { ...packet, users: [...packet.users] };
      return null;
    }
    return packet;
  }

  private remoteError(packet: V2PacketOf<'error'>): ParleyError {
    const code = isErrorCode(packet.code) ? packet.code : 'INTERNAL_ERROR';
    return parleyError(code, `server: ${packet.message}`, 'remote');
  }

  private handleServerHello(packet: V2PacketOf<'server_hello'>, raw: Buffer): void {
    if (packet.protocol !== V2_PROTOCOL_ID)
      throw parleyError('PROTOCOL_MISMATCH', `server speaks ${packet.protocol}`);
    const preferred = this.options.groups ?? V2_GROUPS;
    const group = preferred.find((g) => packet.groups.some((o) => o.group === g));
    if (!group) {
      throw parleyError(
        'GROUP_UNSUPPORTED',
        `no common group (server offers ${packet.groups.map((g) => g.group).join(', ')})`,
      );
    }
    const offer = packet.groups.find((o) => o.group === group)!;
    // Draw order (the vectors depend on it): the key pair's 32 bytes, then the nonce.
    const own = (this.options.keyAgreement ?? new KeyAgreement()).generateKeyPair(group, this.options.random);
    // 5.8: only names the server offered; none at all to a server that offered none (a 2.0 server).
    this.agreed = agreeFeatures(packet.features, this.options.features);
    const wanted = (this.options.features ?? []).filter((name) => this.agreed.has(name));
    const hello = clientHelloFor(raw, unb64(offer.share), own, this.options.random(32), wanted);
    this.th = hello.transcript;
    this.sealer = new RecordSealer(hello.keys.c2s, this.options.keyObjects);
    this.opener = new RecordOpener(hello.keys.s2c, this.options.keyObjects);
    this.chosenGroup = group;
    this.serverLimits = packet.limits;
    this.machine.fire('server_hello');
    this.queue(hello.frame);
  }

  private handleServerAuth(packet: V2PacketOf<'server_auth'>): V2ClientConnectionEvent {
    const identity = unb64(packet.identity);
    if (!verifyTranscript(identity, this.th!, unb64(packet.signature))) {
      throw parleyError('SERVER_AUTH_FAILED', 'the server signature over the handshake does not verify');
    }
    const fingerprint = fingerprintOf(identity);
    this.presented = fingerprint;
    checkFingerprint(fingerprint, this.options.expectedFingerprint);
    this.serverFingerprint = fingerprint;
    return {
      kind: 'authenticated',
      fingerprint,
      identity,
      group: this.chosenGroup!,
      limits: this.serverLimits!,
      features: this.agreed,
    };
  }

  private sendPacket(packet: V2ClientPacket): void {
    if (this.awaitingTrust)
      throw parleyError('PACKET_UNEXPECTED', 'nothing goes to the server before its key is trusted (5.6)');
    const json = encodeV2Packet(packet);
    // 6.1: a record must fit the server's maxFrame (from server_hello). Sent anyway, it would cost
    // the connection (FRAME_TOO_LARGE); refused here, it is a non-fatal error and nothing changes.
    const maxFrame = this.serverLimits?.maxFrame;
    if (maxFrame !== undefined && json.length + V2_TAG_BYTES > maxFrame) {
      throw parleyError(
        'MESSAGE_TOO_LONG',
        `this ${packet.type} needs ${json.length} bytes; the server takes ${maxFrame}`,
      );
    }
    checkReceivedFeature(packet.type, this.agreed); // 5.8: never send a packet of a feature not agreed
    this.machine.fire(`send:${packet.type}`);
    if (this.machine.state !== 'AWAIT_SERVER_AUTH') this.keyProved = true; // only the first may be client_auth
    this.queue(this.sealer!.seal(json));
  }

  /** Awaiting the caller's trust decision on the server's key (`trustLater`, 5.6). */
  get awaitingTrustDecision(): boolean {
    return this.awaitingTrust;
  }

  /**
   * The caller trusts the server's key (`trustLater`): the proof goes out now (7.16: its first
   * packet after server_auth), then the pongs held meanwhile. A refusal needs no call: the caller
   * drops the connection, and the server never sees the key.
   */
  trusted(): void {
    if (!this.awaitingTrust) return;
    this.awaitingTrust = false;
    this.sendProof();
    for (const n of this.heldPings.splice(0)) this.sendPacket({ type: 'pong', n });
  }

  /** 7.16: with a key and the feature agreed, the proof is the first packet after server_auth. */
  private sendProof(): void {
    if (this.options.clientKey && this.agreed.has('client-key')) this.proveKey(this.options.clientKey);
  }

  /**
   * Proves `key` with client_auth (feature client-key, 7.16): allowed only as the first packet
   * after server_auth, which is when the `clientKey` option sends it by itself (at once, or with
   * `trustLater` once `trusted()` is called).
   */
  proveKey(key: Identity): void {
    checkReceivedFeature('client_auth', this.agreed);
    if (!this.th || this.keyProved)
      throw parleyError('PACKET_UNEXPECTED', 'client_auth only once, right after server_auth (7.16)');
    this.keyProved = true;
    this.sendPacket({
      type: 'client_auth',
      key: b64(key.publicKey),
      sig: b64(signTranscript(key, this.th, 'client')),
    });
  }

  /** An operator's request (feature moderation, 7.18); the server answers NOT_OPERATOR to others. */
  moderate(request: ModerationRequest): void {
    checkReceivedFeature(request.type, this.agreed);
    this.sendPacket(request);
  }

  /** Sends `join` (7.2). Throws PACKET_UNEXPECTED when not allowed now. */
  join(name: string): void {
    this.sendPacket({ type: 'join', name });
  }

  /** A chat line, to `room` (feature rooms, 7.15) or, without one, to `#lobby`. */
  say(text: string, room?: string): void {
    this.sendPacket({ type: 'say', text, ...this.roomField(room) });
  }

  privateMessage(to: string, text: string): void {
    this.sendPacket({ type: 'msg', to, text });
  }

  action(text: string, room?: string): void {
    this.sendPacket({ type: 'me', text, ...this.roomField(room) });
  }

  who(room?: string): void {
    this.sendPacket({ type: 'who', ...this.roomField(room) });
  }

  requestExport(room?: string): void {
    this.sendPacket({ type: 'export', ...this.roomField(room) });
  }

  /** Joins, parts, lists rooms and sets a topic (feature rooms, 7.15). */
  roomJoin(room: string): void {
    this.sendPacket({ type: 'room_join', room });
  }

  roomPart(room: string): void {
    this.sendPacket({ type: 'room_part', room });
  }

  listRooms(): void {
    this.sendPacket({ type: 'rooms' });
  }

  setTopic(room: string, topic: string): void {
    this.sendPacket({ type: 'topic', room, topic });
  }

  /** A `room` field exists only on a connection that agreed rooms (7.15). */
  private roomField(room: string | undefined): { room?: string } {
    if (room === undefined) return {};
    checkReceivedFeature('room_join', this.agreed);
    return { room };
  }

  /** Asks for a new name (feature nick, 7.11). Throws PACKET_UNEXPECTED when nick is not agreed. */
  nick(name: string): void {
    checkReceivedFeature('nick', this.agreed);
    this.sendPacket({ type: 'nick', name });
  }

  /** Away with an optional reason, or back (feature away, 7.12). */
  away(reason?: string): void {
    checkReceivedFeature('away', this.agreed);
    this.sendPacket(reason === undefined ? { type: 'away' } : { type: 'away', reason });
  }

  back(): void {
    checkReceivedFeature('back', this.agreed);
    this.sendPacket({ type: 'back' });
  }

  /** Asks about one member (feature whois, 7.13). */
  whois(name: string): void {
    checkReceivedFeature('whois', this.agreed);
    this.sendPacket({ type: 'whois', name });
  }

  ping(n: number): void {
    this.sendPacket({ type: 'ping', n });
  }

  /** Says goodbye (7.9) if keys exist, and closes. */
  goodbye(reason?: string): void {
    if (this.machine.terminal) return;
    if (this.sealer && !this.awaitingTrust && this.machine.allows('send:goodbye')) {
      this.sendPacket(reason === undefined ? { type: 'goodbye' } : { type: 'goodbye', reason });
    }
    this.machine.close();
  }

  protected notifyPeer(error: ParleyError): void {
    if (this.sealer && this.machine.state !== 'AWAIT_SERVER_AUTH') {
      this.queue(
        this.sealer.seal(
          encodeV2Packet({ type: 'error', code: error.code, message: error.message, fatal: true }),
        ),
      );
    }
  }
}
