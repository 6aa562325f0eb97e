/**
 * Shared helpers for the core tests: vector loading, and raw peers that speak the wire protocol
 * with the core's primitives only (so a test can send what a well-behaved endpoint never would).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Identity } from '../../src/crypto/identity.js';
import { computeSharedSecret, KeyAgreement } from '../../src/crypto/key-agreement.js';
import { legacyKey } from '../../src/crypto/legacy-cipher.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { deriveSessionKeys, type SessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { V2_PROTOCOL_ID, type V2Group } from '../../src/generated/constants.js';
import type { V2ClientPacket, V2ServerPacket } from '../../src/generated/v2-packets.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  type LegacyCipherState,
  type LegacyPacket,
  parseLegacyPacket,
} from '../../src/legacy/legacy-packet.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import {
  encodeV2Packet,
  parseClientPacket,
  parseServerPacket,
  splitPackets,
} from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import {
  scriptedRandom,
  type VectorFile,
  type VectorGroup,
  type VectorTest,
} from '../../tools/vector-builder.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

export const fromHex = (text: string): Buffer => Buffer.from(text, 'hex');
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Reads a committed vector file from spec/vectors/. */
export function readVectorFile(name: string): VectorFile {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../spec/vectors/${name}`, import.meta.url)), 'utf8'),
  );
}

/** Every test of a vector file with its group, labelled for test.each. */
export function vectorCases<G extends VectorGroup = VectorGroup, T extends VectorTest = VectorTest>(
  file: VectorFile,
): { label: string; group: G; test: T }[] {
  return file.testGroups.flatMap((group) =>
    group.tests.map((test) => ({
      label: `tcId ${test.tcId}: ${test.comment} (${test.result})`,
      group: group as G,
      test: test as T,
    })),
  );
}

/** The message of the error a call throws, or 'no error' when it returns. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

/** The error code a call throws, or null when it returns. */
export function codeOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `not a ParleyError: ${String(err)}`;
  }
  return null;
}

/** An identity for tests. */
export { identityFromSeed } from '../../src/crypto/identity.js';

/**
 * A v2 client built from the core's primitives, not from V2ClientConnection: it performs the
 * handshake against a server connection and can then seal any packet, in any state.
 */
export class RawV2Client {
  readonly decoder = new FrameDecoder();
  keys!: SessionKeys;
  /** TH (5.4) of the last hello built, for a client_auth (7.16). */
  transcript!: Buffer;
  sealer!: RecordSealer;
  opener!: RecordOpener;
  private readonly privateKey: Buffer;

  constructor(
    readonly group: V2Group = 'x25519',
    seed = 'raw client',
  ) {
    this.privateKey = seededRandom(seed)(32);
  }

  /** Builds the client_hello for a server_hello frame and derives the keys. */
  hello(serverHelloFrame: Buffer, override: Partial<Record<string, unknown>> = {}): Buffer {
    const hello = parseServerPacket(serverHelloFrame.subarray(10));
    if (hello.type !== 'server_hello') throw new Error('not a server_hello');
    const offer = hello.groups.find((g) => g.group === this.group);
    const own = keyAgreement.keyPairFromPrivate(this.group, this.privateKey);
    const packet = {
      type: 'client_hello',
      protocol: V2_PROTOCOL_ID,
      group: this.group,
      share: own.share.toString('base64'),
      nonce: Buffer.alloc(32, 1).toString('base64'),
      ...override,
    };
    const frame = encodeFrame(JSON.stringify(packet));
    if (offer) {
      const secret = computeSharedSecret(own, Buffer.from(offer.share, 'base64'));
      this.transcript = transcriptHash(serverHelloFrame, frame);
      this.keys = deriveSessionKeys(secret, this.transcript);
      this.sealer = new RecordSealer(this.keys.c2s);
      this.opener = new RecordOpener(this.keys.s2c);
    }
    return frame;
  }

  /** Seals any client packet (or any JSON value) as the next c2s record. */
  seal(packet: V2ClientPacket | Record<string, unknown>): Buffer {
    return this.sealer.seal(encodeV2Packet(packet as V2ClientPacket));
  }

  /** Opens every whole record in `bytes` and parses the packets. */
  open(bytes: Uint8Array): V2ServerPacket[] {
    this.decoder.push(bytes);
    return this.decoder
      .drain()
      .flatMap((f) => splitPackets(this.opener.open(f)))
      .map((p) => parseServerPacket(p));
  }
}

/** A started V2ServerConnection and a RawV2Client that has finished the handshake with it. */
export function rawV2Session(
  identity: Identity,
  group: V2Group = 'x25519',
): { server: V2ServerConnection; client: RawV2Client; auth: V2ServerPacket } {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('raw server'),
  });
  server.start();
  const client = new RawV2Client(group);
  const events = server.receive(client.hello(server.takeOutput()));
  if (events.length !== 0 || server.state !== 'AWAIT_JOIN') throw new Error('raw handshake failed');
  const [auth] = client.open(server.takeOutput());
  return { server, client, auth };
}

/**
 * A real V2ServerConnection and V2ClientConnection (options past the key agreement and randomness,
 * seeded by `label`) through the handshake: server_hello, client_hello, server_auth. Returns the
 * client's events of server_auth.
 */
export function handshakePair(
  label: string,
  serverOptions: Omit<ConstructorParameters<typeof V2ServerConnection>[0], 'keyAgreement' | 'random'>,
  clientOptions: Omit<ConstructorParameters<typeof V2ClientConnection>[0], 'keyAgreement' | 'random'>,
) {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom(`${label} server`),
    ...serverOptions,
  });
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom(`${label} client`),
    ...clientOptions,
  });
  server.start();
  client.receive(server.takeOutput());
  server.receive(client.takeOutput());
  const events = client.receive(server.takeOutput());
  return { server, client, events };
}

/**
 * A v2 server that knows its private keys: it runs a real V2ServerConnection for server_hello, then
 * derives the keys itself so that a test can seal what a real server never sends (a signature over
 * another transcript, an error before server_auth).
 */
export function forgingServer(identity: Identity, group: V2Group = 'x25519') {
  const privates = { x25519: Buffer.alloc(32, 21), modp14: Buffer.alloc(32, 22) };
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: scriptedRandom([privates.x25519, privates.modp14, Buffer.alloc(32, 23)]),
  });
  server.start();
  const serverHello = server.takeOutput();
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('client'),
    groups: [group],
  });
  client.receive(serverHello);
  const clientHello = client.takeOutput();
  const hello = parseClientPacket(clientHello.subarray(10));
  if (hello.type !== 'client_hello') throw new Error('expected client_hello');
  const own = keyAgreement.keyPairFromPrivate(group, privates[group]);
  const th = transcriptHash(serverHello, clientHello);
  const keys = deriveSessionKeys(computeSharedSecret(own, Buffer.from(hello.share, 'base64')), th);
  const sealer = new RecordSealer(keys.s2c);
  const seal = (packet: V2ServerPacket | Record<string, unknown>) =>
    sealer.seal(encodeV2Packet(packet as V2ServerPacket));
  return { client, th, seal, serverHello, clientHello };
}

/**
 * A legacy client built from the core's primitives, not from LegacyClientConnection: it reads the
 * server's iv_exc and key_exc, answers key_exc, and can then send any packet object it likes
 * (another username, a real address...), which the original client would.
 */
export class RawLegacyClient {
  private readonly decoder = new FrameDecoder();
  private readonly privateKey: Buffer;
  private iv: Buffer | null = null;
  cipher: LegacyCipherState | null = null;
  /** Every frame body received, in order. */
  readonly bodies: Buffer[] = [];
  /** Every packet received (plaintext handshake frames and decrypted records). */
  readonly packets: LegacyPacket[] = [];
  private pending: Buffer[] = [];
  /** Whether to answer the key exchange (a silent client never does). */
  constructor(
    seed = 'raw legacy client',
    private readonly answerKeyExchange = true,
  ) {
    this.privateKey = seededRandom(seed)(32);
  }

  receive(chunk: Uint8Array): LegacyPacket[] {
    this.decoder.push(chunk);
    const out: LegacyPacket[] = [];
    for (const frame of this.decoder.drain()) {
      this.bodies.push(frame.body);
      const packet = this.cipher
        ? decodeLegacyRecord(frame.body, this.cipher)
        : parseLegacyPacket(frame.body);
      if (packet.typ === 'iv_exc') this.iv = Buffer.from(packet.cont as string, 'base64');
      if (packet.typ === 'key_exc' && this.answerKeyExchange) {
        this.cipher = {
          key: legacyKey(keyAgreement.legacySharedSecret(this.privateKey, packet.cont as string)),
          iv: this.iv as Buffer,
        };
        const reply = {
          ...packet,
          username: 'temp',
          cont: keyAgreement.legacyPublicDecimal(this.privateKey),
        };
        this.pending.push(encodeFrame(encodeLegacyBody(reply)));
      }
      this.packets.push(packet);
      out.push(packet);
    }
    return out;
  }

  receiveEnd(): LegacyPacket[] {
    return [];
  }

  /** Queues a packet object, encrypted, exactly as given. */
  send(packet: LegacyPacket): void {
    if (!this.cipher) throw new Error('no key yet');
    this.pending.push(encodeFrame(encodeLegacyBody(packet, this.cipher)));
  }

  takeOutput(): Buffer {
    const out = Buffer.concat(this.pending);
    this.pending = [];
    return out;
  }
}
