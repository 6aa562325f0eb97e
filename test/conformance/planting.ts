/**
 * How a fault is planted in one reference server: patch that server's chat server, its wire
 * dialect, or each endpoint it creates, or swap in a flawed handshake or frame decoder. Used by
 * broken-servers.ts.
 *
 * How this works: startServer() exposes its sans-IO chat server; it, its dialect and the endpoints
 * are plain objects, so an own property shadows a method of the class for that one object only.
 * The members reached here are private: a test that plants a fault may look inside on purpose.
 */
import { createHash } from 'node:crypto';
import type { RunningServer } from '../../reference-server/server.js';
import type { Conn, Delivery } from '../../src/chat/chat-server.js';
import type { NameVerdict, Room, RoomDecision } from '../../src/chat/room.js';
import { signTranscript } from '../../src/crypto/identity.js';
import { bytesFromBigint, computeSharedSecret, padStart } from '../../src/crypto/key-agreement.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { parleyError } from '../../src/errors.js';
import { type Frame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { V2_GROUP_INFO } from '../../src/generated/constants.js';
import { b64, unb64 } from '../../src/session/v2-codec.js';
import { modPow } from '../support/modp14.js';

// biome-ignore lint/suspicious/noExplicitAny: a planted fault patches private members on purpose.
export type Any = any;

const P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);

/** Patches every endpoint the server creates from now on. */
export function onEachEndpoint(server: RunningServer, patch: (endpoint: Any) => void): RunningServer {
  const dialect = server.chat.dialect as Any;
  const create = dialect.createEndpoint.bind(dialect);
  dialect.createEndpoint = (now: number) => {
    const endpoint = create(now);
    patch(endpoint);
    return endpoint;
  };
  return server;
}

/**
 * Wraps the record opener of every v2 endpoint, once it has one (after client_hello): `wrap` gets
 * the opener's own `open` and returns the one to use.
 */
export function onEachOpener(
  server: RunningServer,
  wrap: (open: (frame: Frame) => Buffer, opener: Any) => (frame: Frame) => Buffer,
): RunningServer {
  return onEachEndpoint(server, (endpoint) => {
    const receive = endpoint.receive.bind(endpoint);
    endpoint.receive = (chunk: Uint8Array) => {
      const opener = endpoint.opener;
      if (opener && !opener.planted) {
        opener.open = wrap(opener.open.bind(opener), opener);
        opener.planted = true;
      }
      return receive(chunk);
    };
  });
}

/** Every v2 endpoint refuses a client_hello as PACKET_MALFORMED when `refuse` gives a reason. */
export function onClientHello(server: RunningServer, refuse: (packet: Any) => string | null): RunningServer {
  return onEachEndpoint(server, (endpoint) => {
    const hello = endpoint.handleClientHello.bind(endpoint);
    endpoint.handleClientHello = (packet: Any, raw: Buffer) => {
      const reason = refuse(packet);
      if (reason) throw parleyError('PACKET_MALFORMED', reason);
      return hello(packet, raw);
    };
  });
}

/** Wraps the handling of each packet: `wrap(original, chat, conn, packet, now)`. */
export function onPacket(
  server: RunningServer,
  wrap: (original: () => void, chat: Any, conn: Conn<unknown>, packet: Any, now: number) => void,
): RunningServer {
  const chat = server.chat as Any;
  const handle = chat.handle.bind(chat);
  chat.handle = (conn: Conn<unknown>, event: Any, now: number) => {
    if (event.kind !== 'packet') return handle(conn, event, now);
    wrap(() => handle(conn, event, now), chat, conn, event.packet, now);
  };
  return server;
}

/** Wraps how the dialect renders the room's decisions: `wrap(original, decision)`. */
export function onRender(
  server: RunningServer,
  wrap: (original: () => readonly Delivery[], decision: RoomDecision<number>) => readonly Delivery[],
): RunningServer {
  const dialect = server.chat.dialect as Any;
  const render = dialect.render.bind(dialect);
  dialect.render = (decision: RoomDecision<number>, room: unknown, now: number) =>
    wrap(() => render(decision, room, now), decision);
  return server;
}

/**
 * Plants a fault in the room's name check: `wrap` sees the real verdict on the wanted name (and
 * the room) and returns the verdict to use. An accepting verdict must carry the name to record.
 */
export function onNameCheck(
  server: RunningServer,
  wrap: (verdict: NameVerdict, wanted: string, room: Room<number>) => NameVerdict,
): RunningServer {
  const room = server.chat.room as Any;
  const check = room.checkName.bind(room);
  room.checkName = (wanted: string) => wrap(check(wanted), wanted, room);
  return server;
}

/** A v2 handshake with a planted flaw: no share validation, or a signature over the wrong bytes. */
export function brokenHandshake(endpoint: Any, flaw: 'no-validation' | 'wrong-signature'): void {
  endpoint.handleClientHello = (packet: Any, raw: Buffer) => {
    const own = endpoint.offered.get(packet.group);
    if (!own) throw parleyError('GROUP_UNSUPPORTED', `group ${packet.group} was not offered`);
    const share = unb64(packet.share);
    const secret =
      flaw === 'no-validation' && own.group === 'modp14'
        ? padStart(
            bytesFromBigint(
              modPow(
                BigInt(`0x${share.toString('hex') || '0'}`),
                BigInt(`0x${own.privateKey.toString('hex')}`),
                P,
              ),
            ),
            256,
          )
        : computeSharedSecret(own, share);
    const th = transcriptHash(endpoint.serverHelloFrame, raw);
    const keys = deriveSessionKeys(secret, th);
    endpoint.sealer = new RecordSealer(keys.s2c);
    endpoint.opener = new RecordOpener(keys.c2s);
    endpoint.chosenGroup = own.group;
    endpoint.offered.clear();
    endpoint.machine.fire('client_hello');
    const signed =
      flaw === 'wrong-signature' ? createHash('sha256').update(endpoint.serverHelloFrame).digest() : th;
    endpoint.send({
      type: 'server_auth',
      identity: b64(endpoint.options.identity.publicKey),
      signature: b64(signTranscript(endpoint.options.identity, signed)),
    });
  };
}

/** A decoder that parses headers as Python's int(header.strip()) does. */
export class LenientDecoder extends FrameDecoder {
  private held = Buffer.alloc(0);
  override push(chunk: Uint8Array): void {
    this.held = Buffer.concat([this.held, chunk]);
  }
  override get bufferedBytes(): number {
    return this.held.length;
  }
  override next(): Frame | null {
    if (this.held.length < 10) return null;
    const text = this.held.subarray(0, 10).toString('latin1').trim();
    if (!/^[+-]?[0-9]+$/.test(text)) throw parleyError('FRAME_HEADER_INVALID', 'not a number');
    const length = Number(text);
    if (length <= 0) throw parleyError('FRAME_EMPTY', 'empty');
    if (this.held.length < 10 + length) return null;
    const frame = { header: this.held.subarray(0, 10), body: this.held.subarray(10, 10 + length) };
    this.held = this.held.subarray(10 + length);
    return frame;
  }
  override end(): void {}
}
