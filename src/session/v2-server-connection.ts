/**
 * The v2 server side of one connection (spec 5, 6, 13.1), sans-IO.
 *
 * How this works: `start()` queues `server_hello` with a share per offered group. The first
 * frame back must be `client_hello`: the share is validated, keys are derived from the transcript,
 * and `server_auth` goes out as the first s2c record. Every later frame is a record: opened,
 * parsed, validated and checked against the transition table. Unguarded transitions fire here;
 * `join` is guarded (accepted / refused): the room decides and the caller says so with `settle`
 * (or `acceptJoin` / `refuseJoin`), see VerdictEndpoint. Chat semantics live in the room, not here.
 * The hellos also settle the features in use (5.8, features.ts): `features` is that set, and the
 * packets of a feature not in it are refused on receipt and left out on sending.
 */

import { clientAuthProblem, fingerprintOf, type Identity, signTranscript } from '../crypto/identity.js';
import {
  computeSharedSecret,
  KeyAgreement,
  type KeyPair,
  type RandomSource,
} from '../crypto/key-agreement.js';
import { RecordOpener, RecordSealer } from '../crypto/record-layer.js';
import { deriveSessionKeys, transcriptHash } from '../crypto/v2-keys.js';
import type { ParleyError } from '../errors.js';
import { parleyError } from '../errors.js';
import { encodeFrame, type Frame, FrameDecoder } from '../framing/frame-codec.js';
import {
  LIMITS,
  type Limits,
  V2_GROUPS,
  V2_PROTOCOL_ID,
  V2_TAG_BYTES,
  type V2Group,
} from '../generated/constants.js';
import { V2_SERVER_MACHINE, type V2ServerGuard, type V2ServerState } from '../generated/machines.js';
import {
  errorSchema,
  V2_PACKET_TYPES,
  type V2ClientPacket,
  type V2ServerPacket,
} from '../generated/v2-packets.js';
import { type EndpointEvent, VerdictEndpoint } from './endpoint.js';
import { FairQueue } from './fair-queue.js';
import type { FastPaths } from './fast-paths.js';
import {
  agreeFeatures,
  checkReceivedFeature,
  checkReceivedForm,
  featuresField,
  NO_FEATURES,
  packetAllowed,
} from './features.js';
import { StateMachine } from './machine.js';
import { b64, encodeV2Packet, joinPackets, parseClientPacket, splitPackets, unb64 } from './v2-codec.js';

/**
 * 7.18: what the packet table cannot say about a moderation packet, checked as part of parsing
 * (PACKET_MALFORMED): a `ban` and a `mute` name exactly one target; an `unmute` names exactly one
 * of a member and a mute id, and a `room` only with a member. (A mute's `room` without the `rooms`
 * feature is refused with every other `room` by checkReceivedForm, 7.15.)
 */
function checkModerationForm(packet: V2ClientPacket, _agreed: ReadonlySet<string>): void {
  const malformed = (message: string) => parleyError('PACKET_MALFORMED', message);
  if (packet.type === 'ban' || packet.type === 'mute') {
    const targets = [packet.name, packet.key, packet.addr].filter((t) => t !== undefined).length;
    if (targets !== 1)
      throw malformed(`a ${packet.type} names exactly one of name, key, addr (7.18), not ${targets}`);
  } else if (packet.type === 'unmute') {
    if ((packet.name === undefined) === (packet.mute === undefined))
      throw malformed('an unmute names exactly one of name and mute (7.18)');
    if (packet.mute !== undefined && packet.room !== undefined)
      throw malformed('an unmute by mute id names no room: the mute has its own (7.18)');
  }
}

/** Most plaintext bytes coalesced into one record: well inside any maxFrame a client accepts. */
export const COALESCE_BYTES = 16 * 1024;

/** Most plaintext bytes in one record under `maxFrame`: packets and separators, with the tag (6.1). */
export function coalesceLimit(maxFrame: number): number {
  return Math.min(COALESCE_BYTES, maxFrame - V2_TAG_BYTES);
}

/** `send:<type>` for every packet type, made once: no string is built per packet sent. */
const SEND_EVENTS: Readonly<Record<string, string>> = Object.fromEntries(
  V2_PACKET_TYPES.map((type) => [type, `send:${type}`]),
);

export type V2ServerConnectionEvent = EndpointEvent<V2ClientPacket>;

/** `partial` completed with the spec's defaults; a full set is used as is (shared, not copied). */
function fullLimits(partial: Partial<Limits> | undefined): Limits {
  if (!partial) return LIMITS;
  for (const name in LIMITS)
    if (partial[name as keyof Limits] === undefined) return { ...LIMITS, ...partial };
  return partial as Limits;
}

export interface V2ServerConnectionOptions {
  readonly identity: Identity;
  readonly random: RandomSource;
  readonly limits?: Partial<Limits>;
  /** Groups to offer, in preference order (default: all, x25519 first). */
  readonly groups?: readonly V2Group[];
  /**
   * Where ephemeral key pairs come from, one per offered group per connection (5.1). Default: made
   * here from `random` by a KeyAgreement of this connection's own. A server passes pairs made by
   * one KeyAgreement of its own (key-agreement.ts says why), or a pool filled ahead of time on
   * another thread, which takes key generation off the connection's path.
   */
  readonly keyPairs?: (group: V2Group) => KeyPair;
  /**
   * Without `keyPairs`, the KeyAgreement that makes the pairs; default: one of the connection's
   * own (its modp14 object is slow to make on some Node releases, so a server or a test that
   * makes many connections passes one it keeps).
   */
  readonly keyAgreement?: KeyAgreement;
  /**
   * Receives each offered pair the client did not choose, once the client has chosen: it took part
   * in no key agreement, so it may be offered again (5.1). The chosen pair is never given back.
   */
  readonly unusedKeyPair?: (pair: KeyPair) => void;
  /**
   * Hold the record keys as KeyObjects (record-layer.ts); default: as `fastPaths` says, else not.
   */
  readonly keyObjects?: boolean;
  /** The server's speed shortcuts (fast-paths.ts), shared by its connections; default: none. */
  readonly fastPaths?: FastPaths;
  /**
   * The features offered in server_hello (5.8), valid names without duplicates. Default: none, so
   * that server_hello is a 2.0 one.
   */
  readonly features?: readonly string[];
}

/** Key pairs made from `random` by `agreement` (see V2ServerConnectionOptions.keyPairs). */
function ownKeyPairs(agreement: KeyAgreement, random: RandomSource): (group: V2Group) => KeyPair {
  return (group) => agreement.generateKeyPair(group, random);
}

export class V2ServerConnection extends VerdictEndpoint<V2ServerState, V2ClientPacket, V2ServerGuard> {
  readonly limits: Limits;
  protected readonly verdictEvent = 'join';
  /** Shortcuts for reading and sealing (fast-paths.ts), or null: the plain path. */
  private readonly fast: FastPaths | null;
  private readonly decoder: FrameDecoder;
  /** The key pairs offered in server_hello; dropped once the client has chosen (idle stays small). */
  private offered: Map<V2Group, KeyPair> | null = new Map();
  private serverHelloFrame: Buffer | null = null;
  private sealer: RecordSealer | null = null;
  private opener: RecordOpener | null = null;
  private chosenGroup: V2Group | null = null;
  /** Packets queued and not yet sealed, taken in the fair order of 11.3 (fair-queue.ts). */
  private readonly unsealed = new FairQueue();
  /** Packets of an opened record not handled yet (6.1). */
  private held: Buffer[] = [];
  private agreed: ReadonlySet<string> = NO_FEATURES;
  /** TH (5.4), kept for a client_auth (7.16) until the client's first packet has been read. */
  private th: Buffer | null = null;
  /** Packets read after client_hello: client_auth is allowed only as the first (7.16). */
  private packetsRead = 0;
  private provenKey: Buffer | null = null;
  private provenFingerprint: string | null = null;

  constructor(private readonly options: V2ServerConnectionOptions) {
    super(new StateMachine<V2ServerState>(V2_SERVER_MACHINE, 'v2 server'));
    this.limits = fullLimits(options.limits);
    // Before keys exist a frame is a client_hello at most (3.2, maxHandshakeFrame).
    this.decoder = new FrameDecoder({
      maxFrame: Math.min(this.limits.maxHandshakeFrame, this.limits.maxFrame),
    });
    this.fast = options.fastPaths ?? null;
  }

  /** The group the client chose, once known. */
  get group(): V2Group | null {
    return this.chosenGroup;
  }

  /** The features both hellos listed (5.8); empty until client_hello, and for a 2.0 client. */
  get features(): ReadonlySet<string> {
    return this.agreed;
  }

  /** The client's key proved by client_auth (7.16), or null: an anonymous client. */
  get clientKey(): Buffer | null {
    return this.provenKey;
  }

  /** The full fingerprint of clientKey (5.6 form), or null. */
  get clientFingerprint(): string | null {
    return this.provenFingerprint;
  }

  /** True once keys are established and records can be sent. */
  get secured(): boolean {
    return this.sealer !== null;
  }

  /** Queues server_hello (5.1). Call once, when the connection is accepted. */
  start(): void {
    const groups = this.options.groups ?? V2_GROUPS;
    const make =
      this.options.keyPairs ??
      ownKeyPairs(this.options.keyAgreement ?? new KeyAgreement(), this.options.random);
    const offered = new Map<V2Group, KeyPair>();
    for (const group of groups) offered.set(group, make(group));
    this.offered = offered;
    const hello: V2ServerPacket = {
      type: 'server_hello',
      protocol: V2_PROTOCOL_ID,
      nonce: b64(this.options.random(32)),
      groups: [...offered.values()].map((kp) => ({ group: kp.group, share: b64(kp.share) })),
      limits: {
        maxFrame: this.limits.maxFrame,
        maxMessage: this.limits.maxMessage,
        maxName: this.limits.maxName,
      },
      ...featuresField(this.options.features ?? []),
    };
    this.serverHelloFrame = encodeFrame(encodeV2Packet(hello));
    this.machine.fire('send:server_hello');
    this.queue(this.serverHelloFrame);
  }

  protected push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /**
   * Handles one held packet or else one buffered frame. A record may carry several packets (6.1):
   * each is handled on its own, in order, as if it had its own record (13.1), so a join holds the
   * packets after it until the room's verdict.
   */
  protected step(events: V2ServerConnectionEvent[]): boolean {
    const part = this.held.shift();
    if (part) {
      const packet = this.fast?.readPong(part) ?? parseClientPacket(part);
      checkReceivedFeature(packet.type, this.agreed);
      checkReceivedForm(packet, this.agreed);
      const first = this.packetsRead++ === 0;
      // 4.3: a client's error ends the connection only when it says it is fatal.
      if (packet.type === 'error') this.machine.fire('error', packet.fatal ? 'fatal' : 'nonfatal');
      else if (packet.type === 'client_auth') this.handleClientAuth(packet, first);
      else {
        checkModerationForm(packet, this.agreed);
        this.admit(packet.type);
      }
      if (first) this.th = null;
      events.push({ kind: 'packet', packet });
      return true;
    }
    const frame = this.decoder.next();
    if (!frame) return false;
    this.frames++;
    this.handleFrame(frame);
    return true;
  }

  /** The peer closed its side. */
  receiveEnd(): V2ServerConnectionEvent[] {
    if (this.machine.state === 'CLOSED') return [{ kind: 'closed', clean: true }];
    return this.guarded([], () => {
      this.decoder.end();
      throw parleyError('CONNECTION_LOST', 'client closed the connection without goodbye');
    });
  }

  private handleFrame(frame: Frame): void {
    if (this.machine.state === 'AWAIT_CLIENT_HELLO') {
      const packet = parseClientPacket(frame.body);
      if (packet.type !== 'client_hello')
        this.machine.fire(packet.type); // PACKET_UNEXPECTED (13.1)
      else this.handleClientHello(packet, Buffer.concat([frame.header, frame.body]));
      this.decoder.maxFrame = this.limits.maxFrame;
      return;
    }
    // A record may carry several packets (6.1); each is parsed and checked on its own.
    for (const part of splitPackets(this.opener!.open(frame))) this.held.push(part);
  }

  private handleClientHello(packet: Extract<V2ClientPacket, { type: 'client_hello' }>, raw: Buffer): void {
    if (packet.protocol !== V2_PROTOCOL_ID) {
      throw parleyError('PROTOCOL_MISMATCH', `client speaks ${packet.protocol}`);
    }
    const own = this.offered?.get(packet.group as V2Group);
    if (!own) throw parleyError('GROUP_UNSUPPORTED', `group ${packet.group} was not offered`);
    const secret = computeSharedSecret(own, unb64(packet.share));
    const th = transcriptHash(this.serverHelloFrame!, raw);
    this.serverHelloFrame = null; // only the transcript needed it; idle connections stay small
    const keys = deriveSessionKeys(secret, th);
    const keyObjects = this.options.keyObjects ?? this.fast?.keyObjects;
    this.sealer = new RecordSealer(keys.s2c, keyObjects);
    this.opener = new RecordOpener(keys.c2s, keyObjects);
    this.chosenGroup = own.group;
    this.agreed = agreeFeatures(this.options.features, packet.features);
    // Only a client that may prove a key needs TH later (7.16).
    if (this.agreed.has('client-key')) this.th = th;
    const give = this.options.unusedKeyPair;
    if (give) for (const pair of this.offered!.values()) if (pair !== own) give(pair);
    this.offered = null;
    this.machine.fire('client_hello');
    this.send({
      type: 'server_auth',
      identity: b64(this.options.identity.publicKey),
      signature: b64(signTranscript(this.options.identity, th)),
    });
  }

  /**
   * 7.16: the client proves its key, only as its first packet after server_auth. The signature is
   * checked here, before the next packet is read; whether the key is banned is the room's call.
   */
  private handleClientAuth(packet: Extract<V2ClientPacket, { type: 'client_auth' }>, first: boolean): void {
    if (!first || !this.th) {
      throw parleyError(
        'PACKET_UNEXPECTED',
        'client_auth is allowed only as the first packet after server_auth (7.16)',
      );
    }
    this.admit('client_auth');
    const key = unb64(packet.key);
    const problem = clientAuthProblem(key, this.th, unb64(packet.sig));
    if (problem !== null) throw parleyError('CLIENT_AUTH_FAILED', problem);
    this.provenKey = key;
    this.provenFingerprint = fingerprintOf(key);
  }

  /** Queues one packet; it is sealed with whatever else is queued when output is taken (6.1). */
  send(packet: V2ServerPacket): void {
    this.sendEncoded(encodeV2Packet(packet), packet.type);
  }

  /**
   * Queues a packet serialised once for many recipients (a broadcast). Nothing is sealed here:
   * packets wait, shared, until output is taken, and then go out coalesced in as few records as
   * fit COALESCE_BYTES: one AEAD operation per recipient per batch instead of per packet, which is
   * what makes a busy room cheap to serve, and a member that reads slowly holds references to the
   * room's packets rather than sealed copies of them (11, sendWindowBytes). A chat line's `sender`
   * (the connection id of the member who said it) lets it take turns with other senders' lines
   * (11.3). `about`: the packet is that member's away state, and replaces the one about it still
   * waiting (7.12).
   */
  sendEncoded(json: Buffer, type?: V2ServerPacket['type'], sender?: number, about?: number): void {
    if (!this.sealer || this.machine.terminal) return;
    // 5.8: a feature's packet never reaches a peer that did not agree it; a broadcast may go to
    // every member and each connection leaves it out where it does not belong.
    if (type !== undefined && !packetAllowed(type, this.agreed)) return;
    // What a server sends is checked against its table like what it receives (13.1): a packet
    // this state may not send is a bug here, PACKET_UNEXPECTED (a run of coalesced presence
    // packets is checked by its first packet's type: the table treats them alike).
    if (type !== undefined) this.machine.fire(SEND_EVENTS[type]);
    this.unsealed.push(json, type === 'message' || type === 'action', sender, about);
  }

  /** Most plaintext bytes in one record: packets and separators, within maxFrame with the tag. */
  get coalesceLimit(): number {
    return coalesceLimit(this.limits.maxFrame);
  }

  protected override unsealedBytes(): number {
    return this.unsealed.bytes;
  }

  protected override sealPending(max = Number.POSITIVE_INFINITY): void {
    // The record's plaintext is every packet plus one separator between each; with the tag it
    // must stay within the maxFrame this server announced, which is what clients accept (6.1).
    const limit = this.coalesceLimit;
    // Everything waiting goes out now (no window, or it fits): the turns have nothing to decide.
    // It all goes, even when the records' own bytes (separators, tags) take it past the window by
    // a little: nextRecord's in-order takes are for everything (11.3).
    const inOrder = this.sealedBytes + this.unsealed.bytes <= max;
    while (inOrder || this.sealedBytes < max) {
      const parts = this.unsealed.nextRecord(limit, inOrder);
      if (parts === null) return;
      const size = this.unsealed.recordBytes;
      const plain = this.fast ? this.fast.joiner.join(parts, size) : joinPackets(parts, size);
      this.queue(this.sealer!.seal(plain));
    }
  }

  /** 11.3: chat lines shed, the largest sender's oldest first, until at most `target` bytes wait. */
  override shed(target: number): number {
    return this.unsealed.shed(this.pendingBytes - target);
  }

  /** The room accepted the name in the pending `join` (7.2). */
  acceptJoin(name: string, users: readonly string[], motd?: string, more?: boolean): void {
    this.settle('accepted');
    this.send({
      type: 'join_ok',
      name,
      users: [...users],
      ...(motd === undefined ? {} : { motd }),
      ...(more ? { more } : {}),
    });
  }

  /** The room refused the name in the pending `join` (7.2). */
  refuseJoin(code: 'NAME_TAKEN' | 'NAME_INVALID' | 'NAME_RESERVED', message: string): void {
    this.settle('refused');
    this.send({ type: 'join_error', code, message });
  }

  /**
   * Sends an error packet (a non-fatal one: rate limit, message too long, no such user; or the
   * fatal one before the close). Its message may quote what the client sent (a schema's complaint
   * names an unknown key), so it is cut, with an ellipsis, where the packet would no longer be one
   * (at most 1024 characters, 4.3) or fit one record of maxFrame (11.1).
   */
  sendError(error: ParleyError): void {
    const packet = (message: string): V2ServerPacket => ({
      type: 'error',
      code: error.code,
      message,
      fatal: error.fatal,
    });
    // Within the packet's own schema (4.3: a message of at most 1024 characters) and one record.
    const fits = (message: string) =>
      errorSchema.safeParse(packet(message)).success &&
      encodeV2Packet(packet(message)).length + V2_TAG_BYTES <= this.limits.maxFrame;
    let message = error.message;
    if (!fits(message)) {
      // The longest prefix (in code points) that fits with the ellipsis: a binary search.
      const chars = [...message];
      let lo = 0;
      let hi = chars.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(`${chars.slice(0, mid).join('')}…`)) lo = mid;
        else hi = mid - 1;
      }
      message = `${chars.slice(0, lo).join('')}…`;
    }
    this.send(packet(message));
  }

  /** Says goodbye and closes cleanly (7.9). */
  goodbye(reason?: string): void {
    if (this.machine.terminal) return;
    this.send(reason === undefined ? { type: 'goodbye' } : { type: 'goodbye', reason });
    this.machine.close();
  }

  protected notifyPeer(error: ParleyError): void {
    this.sendError(error);
  }
}
