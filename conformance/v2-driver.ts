/**
 * The v2 protocol driver: a client with raw control, built from the core's pieces.
 *
 * How this works: unlike the core's V2ClientConnection, nothing here enforces the state machine, so
 * a case can send any bytes at any time: a client_hello with a bad share, a record sealed under the
 * wrong key, sequence number or header, a replayed record. What the server sends is checked
 * strictly all the same: server_hello and every packet against the generated schemas, every
 * record against the next s2c sequence number (6.1), server_auth against the transcript (5.5),
 * and no packet of a feature the hellos did not agree (5.8).
 * Anything wrong there is a ServerViolation, which fails the case that saw it.
 */
import { randomBytes } from 'node:crypto';
import { checkFingerprint } from '../src/client/trust.js';
import { fingerprintOf, verifyTranscript } from '../src/crypto/identity.js';
import { KeyAgreement, type KeyPair } from '../src/crypto/key-agreement.js';
import {
  type DirectionKeys,
  deriveSessionKeys,
  type SessionKeys,
  transcriptHash,
} from '../src/crypto/v2-keys.js';
import { encodeFrame, type Frame } from '../src/framing/frame-codec.js';
import { V2_GROUPS, V2_PROTOCOL_ID, type V2Group } from '../src/generated/constants.js';
import { V2_PACKET_FEATURE, type V2PacketOf, type V2ServerPacket } from '../src/generated/v2-packets.js';
import { agreeFeatures, NO_FEATURES, packetAllowed } from '../src/session/features.js';
import { type ClientHello, clientHelloFor } from '../src/session/v2-client-connection.js';
import { parseServerPacket, splitPackets } from '../src/session/v2-codec.js';
import { type RawConnection, ServerViolation, WaitTimeout } from './driver.js';
import { openRecord, rethrowAs, sealRecord } from './records.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

export type ServerHello = V2PacketOf<'server_hello'>;
export type Payload = object | string | Buffer;

export interface ClientHelloOptions {
  readonly group?: string;
  readonly share?: Buffer;
  readonly protocol?: string;
  readonly nonce?: Buffer;
  /** Extra fields merged into the packet (to test strict parsing). */
  readonly extra?: Record<string, unknown>;
}

export interface SealOptions {
  /** Sequence number to use; default: the next one (which then advances). */
  readonly seq?: bigint;
  /** Associated data; default: the record's own header (6.1). */
  readonly aad?: Buffer;
  /** Key and IV; default: the c2s ones. */
  readonly keys?: DirectionKeys;
}

function encodePayload(payload: Payload): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
}

export class V2Session {
  serverHello: ServerHello | null = null;
  serverHelloFrame: Buffer | null = null;
  keys: SessionKeys | null = null;
  /** Z, once a valid client_hello has been prepared. */
  sharedSecret: Buffer | null = null;
  transcript: Buffer | null = null;
  identity: Buffer | null = null;
  /** The name in join_ok: the name the server records for this client. */
  name: string | null = null;
  group: V2Group | null = null;
  /** Answer server pings at once (7.8); idle cases turn this off. */
  autoPong = true;
  pingsSeen = 0;
  /** Error packets RATE_LIMITED received (a case may send more than a small burst allows). */
  rateLimited = 0;
  /** Records that carried more than one packet (6.1 coalescing). */
  coalesced = 0;
  /**
   * The features both hellos listed (5.8). A suite client lists none unless a case asks, so the
   * server may send it no packet of any feature: every packet received is checked against this.
   */
  features: ReadonlySet<string> = NO_FEATURES;
  private sendSeq = 0n;
  private recvSeq = 0n;
  private readonly inbox: V2ServerPacket[] = [];

  constructor(
    readonly conn: RawConnection,
    readonly timeoutMs: number,
  ) {}

  get limits(): ServerHello['limits'] {
    if (!this.serverHello) throw new Error('no server_hello yet');
    return this.serverHello.limits;
  }

  get recordsReceived(): bigint {
    return this.recvSeq;
  }

  /** Reads and checks the first frame: a valid server_hello for parley/2 (5.1). */
  async readServerHello(): Promise<ServerHello> {
    const frame = await this.conn.nextFrame(this.timeoutMs, 'server_hello');
    if (!frame) throw new ServerViolation('the server closed the connection instead of sending server_hello');
    let packet: V2ServerPacket;
    try {
      packet = parseServerPacket(frame.body);
    } catch (err) {
      throw new ServerViolation(`the first frame is not a valid server_hello: ${(err as Error).message}`);
    }
    if (packet.type !== 'server_hello') {
      throw new ServerViolation(`the first frame is ${packet.type}, not server_hello`);
    }
    if (packet.protocol !== V2_PROTOCOL_ID) {
      throw new ServerViolation(`server_hello names protocol "${packet.protocol}", not ${V2_PROTOCOL_ID}`);
    }
    this.serverHello = packet;
    this.serverHelloFrame = Buffer.concat([frame.header, frame.body]);
    return packet;
  }

  /** The share the server offers for `group`, or undefined. */
  offer(group: string): Buffer | undefined {
    const found = this.serverHello?.groups.find((g) => g.group === group);
    return found ? Buffer.from(found.share, 'base64') : undefined;
  }

  /** Builds a client_hello frame; with no share given, makes a key pair in the group. */
  clientHello(options: ClientHelloOptions = {}): { frame: Buffer; keyPair?: KeyPair } {
    const group = options.group ?? 'x25519';
    const keyPair =
      options.share === undefined && (V2_GROUPS as readonly string[]).includes(group)
        ? keyAgreement.generateKeyPair(group as V2Group, randomBytes)
        : undefined;
    const share = options.share ?? keyPair?.share ?? Buffer.alloc(32);
    const packet = {
      type: 'client_hello',
      protocol: options.protocol ?? V2_PROTOCOL_ID,
      group,
      share: share.toString('base64'),
      nonce: (options.nonce ?? randomBytes(32)).toString('base64'),
      ...options.extra,
    };
    return { frame: encodeFrame(JSON.stringify(packet)), keyPair };
  }

  /** Derives the session keys (5.4) from Z and the two hello frames as sent. */
  deriveKeys(secret: Buffer, clientHelloFrame: Buffer, serverHelloFrame = this.serverHelloFrame!): void {
    this.sharedSecret = secret;
    this.transcript = transcriptHash(serverHelloFrame, clientHelloFrame);
    this.keys = deriveSessionKeys(secret, this.transcript);
  }

  /**
   * Builds a valid client_hello for `group` and derives the keys from it, without sending it, so a
   * case can send it together with records (pipelining) or in pieces.
   */
  prepareClientHello(group: V2Group = 'x25519', features: readonly string[] = []): Buffer {
    const hello = this.serverHello;
    if (!hello) throw new Error('no server_hello yet');
    const offer = this.offer(group);
    if (!offer) {
      throw new ServerViolation(
        `server_hello offers ${hello.groups.map((g) => g.group).join(', ')}, not ${group}`,
      );
    }
    let mine: ClientHello;
    // The list goes out as given (a case may list names the server never offered, 5.8); what is
    // agreed is what both hellos list.
    const agreed = agreeFeatures(hello.features, features);
    try {
      mine = clientHelloFor(
        this.serverHelloFrame!,
        offer,
        keyAgreement.generateKeyPair(group, randomBytes),
        randomBytes(32),
        features,
      );
    } catch (err) {
      throw new ServerViolation(`the server's ${group} share is invalid: ${(err as Error).message}`);
    }
    this.sharedSecret = mine.secret;
    this.transcript = mine.transcript;
    this.keys = mine.keys;
    this.group = group;
    this.features = agreed;
    return mine.frame;
  }

  /**
   * The whole handshake (5.1-5.5) with a valid client, from the server_hello already read if any;
   * throws ServerViolation if the server errs.
   */
  async handshake(
    options: { group?: V2Group; fingerprint?: string; features?: readonly string[] } = {},
  ): Promise<void> {
    const hello = this.serverHello ?? (await this.readServerHello());
    const group =
      options.group ?? V2_GROUPS.find((g) => hello.groups.some((o) => o.group === g)) ?? V2_GROUPS[0];
    this.conn.write(this.prepareClientHello(group, options.features));
    await this.readServerAuth(options.fingerprint);
  }

  /** Reads the first record, which must be a server_auth that verifies over the transcript (5.5). */
  async readServerAuth(fingerprint?: string): Promise<V2PacketOf<'server_auth'>> {
    const first = await this.next('server_auth');
    if (!first) throw new ServerViolation('the server closed the connection instead of sending server_auth');
    if (first.type === 'error') {
      throw new ServerViolation(
        `the server refused a valid client_hello: error ${first.code} (${first.message})`,
      );
    }
    if (first.type !== 'server_auth') {
      throw new ServerViolation(`the first record is ${first.type}, not server_auth`);
    }
    const identity = Buffer.from(first.identity, 'base64');
    const signature = Buffer.from(first.signature, 'base64');
    if (!verifyTranscript(identity, this.transcript!, signature)) {
      throw new ServerViolation('the server_auth signature does not verify over the transcript hash (5.5)');
    }
    try {
      checkFingerprint(fingerprintOf(identity), fingerprint);
    } catch (err) {
      throw new ServerViolation((err as Error).message);
    }
    this.identity = identity;
    return first;
  }

  /** Seals one record (header + ciphertext + tag). */
  seal(payload: Payload, options: SealOptions = {}): Buffer {
    if (!this.keys) throw new Error('no keys yet');
    const seq = options.seq ?? this.sendSeq++;
    return sealRecord(options.keys ?? this.keys.c2s, seq, encodePayload(payload), options.aad);
  }

  /** Seals and sends each payload as its own record, all in one write. */
  send(...payloads: Payload[]): void {
    this.conn.write(Buffer.concat(payloads.map((p) => this.seal(p))));
  }

  /**
   * The next packet from the server (records are opened in sequence and split, 6.1); null when the
   * server has closed. Pings are answered and skipped while autoPong is on.
   */
  async next(what = 'packet from the server', timeoutMs = this.timeoutMs): Promise<V2ServerPacket | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queued = this.inbox.shift();
      if (queued) {
        if (queued.type === 'ping' && this.autoPong) {
          this.pingsSeen++;
          this.send({ type: 'pong', n: queued.n });
          continue;
        }
        return queued;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeout(what, timeoutMs);
      const frame = await this.conn.nextFrame(left, what).catch(rethrowAs(what, timeoutMs));
      if (!frame) return null;
      this.receiveRecord(frame);
    }
  }

  /**
   * Opens the records that have arrived but were not read yet (their packets stay queued for
   * next()), so that counts such as rateLimited see them; stops at anything it cannot open.
   */
  absorb(): void {
    try {
      for (let frame = this.keys ? this.conn.takeFrame() : null; frame; frame = this.conn.takeFrame()) {
        this.receiveRecord(frame);
      }
    } catch {
      // A violation here is the case's to find when it reads on; counting stops.
    }
  }

  private receiveRecord(frame: Frame): void {
    if (!this.keys) throw new ServerViolation('the server sent a second frame before the handshake');
    const seq = this.recvSeq;
    if (this.serverHello && frame.body.length > this.serverHello.limits.maxFrame) {
      throw new ServerViolation(
        `server record ${seq} is ${frame.body.length} bytes, over the maxFrame ${this.serverHello.limits.maxFrame} it announced (6.1)`,
      );
    }
    const plain = openRecord(this.keys.s2c, seq, frame);
    if (!plain) {
      throw new ServerViolation(
        `server record ${seq} does not authenticate under the s2c key with sequence number ${seq} ` +
          '(a reused or skipped nonce, or keys not derived from the transcript) (6.1)',
      );
    }
    this.recvSeq++;
    let parts: Buffer[];
    try {
      parts = splitPackets(plain);
    } catch {
      throw new ServerViolation(`server record ${seq} holds an empty packet (6.1)`);
    }
    if (parts.length > 1) this.coalesced++;
    for (const part of parts) {
      let packet: V2ServerPacket;
      try {
        packet = parseServerPacket(part);
      } catch (err) {
        const text = part.toString('utf8').slice(0, 120);
        throw new ServerViolation(`the server sent a malformed packet ${text}: ${(err as Error).message}`);
      }
      if (!packetAllowed(packet.type, this.features)) {
        const listed = this.features.size ? [...this.features].join(', ') : 'none';
        throw new ServerViolation(
          `the server sent ${packet.type}, a packet of the feature ${V2_PACKET_FEATURE[packet.type]}, ` +
            `to a client that did not agree it (agreed: ${listed}) (5.8)`,
        );
      }
      if (packet.type === 'error' && packet.code === 'RATE_LIMITED') this.rateLimited++;
      this.inbox.push(packet);
    }
  }

  /** Reads until `match` holds; returns the match and what was skipped. Throws on close or timeout. */
  async until(
    match: (p: V2ServerPacket) => boolean,
    what: string,
    timeoutMs = this.timeoutMs,
  ): Promise<{ packet: V2ServerPacket; skipped: V2ServerPacket[] }> {
    const skipped: V2ServerPacket[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeout(what, timeoutMs);
      const packet = await this.next(what, left).catch(rethrowAs(what, timeoutMs));
      if (!packet) {
        throw new ServerViolation(`the server closed the connection while the suite waited for ${what}`);
      }
      if (match(packet)) return { packet, skipped };
      skipped.push(packet);
    }
  }

  /** Sends join and returns the reply: join_ok, join_error or error (7.2). */
  async join(name: string): Promise<V2ServerPacket> {
    this.send({ type: 'join', name });
    const reply = await this.until(
      (p) => p.type === 'join_ok' || p.type === 'join_error' || p.type === 'error',
      `reply to join "${name}"`,
    );
    const packet = reply.packet;
    if (packet.type !== 'join_ok') return packet;
    this.name = packet.name;
    // A long list continues in user_list packets (7.2); the caller sees it whole.
    const users = [...packet.users];
    if (packet.more) users.push(...(await this.restOfList('the rest of the join_ok user list')));
    return { ...packet, users };
  }

  /** Reads user_list parts until one without `more` (7.6); returns their names joined. */
  async restOfList(what: string): Promise<string[]> {
    const users: string[] = [];
    for (;;) {
      const { packet } = await this.until((p) => p.type === 'user_list', what);
      if (packet.type !== 'user_list') return users;
      users.push(...packet.users);
      if (!packet.more) return users;
    }
  }

  /** Sends who and returns the whole user list (7.6). */
  async who(): Promise<string[]> {
    this.send({ type: 'who' });
    return this.restOfList('user_list');
  }

  /** Is the connection still served? A ping must come back as a pong with the same n (7.8). */
  async alive(): Promise<boolean> {
    if (this.conn.closed) return false;
    const n = randomBytes(4).readUInt32BE() >>> 1;
    this.send({ type: 'ping', n });
    try {
      for (;;) {
        const packet = await this.next(`pong ${n}`);
        if (!packet) return false;
        if (packet.type === 'pong' && packet.n === n) return true;
      }
    } catch (err) {
      if (err instanceof WaitTimeout) return false;
      throw err;
    }
  }

  /**
   * Collects packets until the server closes or `waitMs` passes. Before the handshake, frames are
   * only counted (`frames`): there are no keys to open them with.
   */
  async drain(
    waitMs = this.timeoutMs,
  ): Promise<{ packets: V2ServerPacket[]; frames: number; closed: boolean }> {
    const packets: V2ServerPacket[] = [];
    let frames = 0;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const queued = this.inbox.shift();
      if (queued) {
        packets.push(queued);
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return { packets, frames, closed: this.conn.closed };
      let frame: Frame | null;
      try {
        frame = await this.conn.nextFrame(left);
      } catch (err) {
        if (err instanceof WaitTimeout) return { packets, frames, closed: false };
        throw err;
      }
      if (!frame) return { packets, frames, closed: true };
      frames++;
      if (this.keys) this.receiveRecord(frame);
    }
  }
}
