/**
 * A raw client for the extra connections: it does the handshake with the core's primitives, so
 * it holds the live keys and can send what a well-behaved endpoint never would (a mutated hello,
 * garbage records under the right key, packets out of state), and it reads the server's error
 * packets to check their codes (never INTERNAL_ERROR: spec 4, a bug is not a protocol answer).
 */
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { legacyKey } from '../../src/crypto/legacy-cipher.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  legacyPacket,
  parseLegacyPacket,
  sealLegacyBody,
} from '../../src/legacy/legacy-packet.js';
import { clientHelloFor } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet, parseServerPacket, splitPackets } from '../../src/session/v2-codec.js';
import type { Profile } from '../targets/types.js';
import { attempt, seededBytes } from '../util.js';
import type { ExtraSpec } from './types.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

const DATE = '2026-01-01 00:00:00.000000';

export class RawPeer {
  private readonly decoder = new FrameDecoder({ maxFrame: 1 << 24 });
  private readonly random: (n: number) => Buffer;
  private sealer: RecordSealer | null = null;
  private opener: RecordOpener | null = null;
  private legacyCipher: { key: Buffer; iv: Buffer } | null = null;
  private legacyIv: Buffer | null = null;
  private honest: Buffer | null = null;
  /** Problems with what the server sent back (an INTERNAL_ERROR packet). */
  readonly problems: string[] = [];
  /** Codes of the error packets the server sent. */
  readonly errors: string[] = [];
  private failed = false;

  constructor(
    readonly profile: Profile,
    seed: string,
  ) {
    this.random = seededBytes(seed);
  }

  /** The honest reply to the server's hello (client_hello or key_exc), once it has arrived. */
  get honestReply(): Buffer | null {
    return this.honest;
  }

  get secured(): boolean {
    return this.sealer !== null || this.legacyCipher !== null;
  }

  /**
   * Feeds server bytes. The first time the server's hello is complete, computes the honest reply
   * and the keys it implies (whether or not that reply is then sent as it is).
   */
  receive(bytes: Uint8Array): void {
    if (this.failed) return;
    this.decoder.push(bytes);
    for (;;) {
      const next = attempt(() => this.decoder.next());
      if (!next.ok || next.value === null) {
        if (!next.ok) this.failed = true;
        return;
      }
      const frame = next.value;
      if (this.profile === 'v2') this.v2Frame(Buffer.concat([frame.header, frame.body]), frame);
      else this.legacyFrame(frame.body);
    }
  }

  private v2Frame(raw: Buffer, frame: { header: Buffer; body: Buffer }): void {
    if (this.honest === null) {
      const hello = attempt(() => parseServerPacket(frame.body));
      if (!hello.ok || hello.value.type !== 'server_hello') return;
      const offer = hello.value.groups.find((g) => g.group === 'x25519') ?? hello.value.groups[0];
      const group = offer.group === 'modp14' ? 'modp14' : 'x25519';
      const own = keyAgreement.keyPairFromPrivate(group, this.random(32));
      const nonce = this.random(32);
      const reply = attempt(() => clientHelloFor(raw, Buffer.from(offer.share, 'base64'), own, nonce));
      if (!reply.ok) return;
      this.sealer = new RecordSealer(reply.value.keys.c2s);
      this.opener = new RecordOpener(reply.value.keys.s2c);
      this.honest = reply.value.frame;
      return;
    }
    if (!this.opener) return;
    const plain = attempt(() => this.opener!.open(frame));
    if (!plain.ok) return; // a changed hello means other keys: the server's records are noise to us
    const parts = attempt(() => splitPackets(plain.value));
    if (!parts.ok) return;
    for (const part of parts.value) {
      const packet = attempt(() => parseServerPacket(part));
      if (packet.ok && packet.value.type === 'error') {
        this.errors.push(packet.value.code);
        if (packet.value.code === 'INTERNAL_ERROR') {
          this.problems.push(`the server answered garbage with INTERNAL_ERROR: ${packet.value.message}`);
        }
      }
    }
  }

  private legacyFrame(body: Buffer): void {
    if (this.honest === null) {
      const packet = attempt(() => parseLegacyPacket(body));
      if (!packet.ok || typeof packet.value.cont !== 'string') return;
      if (packet.value.typ === 'iv_exc') this.legacyIv = Buffer.from(packet.value.cont, 'base64');
      if (packet.value.typ === 'key_exc' && this.legacyIv) {
        const priv = this.random(32);
        const z = attempt(() => keyAgreement.legacySharedSecret(priv, packet.value.cont as string));
        if (!z.ok) return;
        this.legacyCipher = { key: legacyKey(z.value), iv: this.legacyIv };
        this.honest = encodeFrame(
          encodeLegacyBody(legacyPacket('key_exc', 'temp', keyAgreement.legacyPublicDecimal(priv), DATE)),
        );
      }
      return;
    }
    if (this.legacyCipher) attempt(() => decodeLegacyRecord(body, this.legacyCipher!));
  }

  /** Frames `plaintext` as a record under the live keys. */
  seal(plaintext: Uint8Array): Buffer {
    if (this.profile === 'v2') return this.sealer!.seal(plaintext);
    // An empty plaintext has an empty base64 body, which no frame can carry (3.1): send a space.
    const plain = plaintext.length > 0 ? Buffer.from(plaintext) : Buffer.from(' ');
    return encodeFrame(sealLegacyBody(plain, this.legacyCipher!));
  }

  /** What an honest client would send first after the handshake, as a record. */
  honestRecord(): Buffer {
    if (this.profile === 'v2') return this.seal(encodeV2Packet({ type: 'say', text: 'hello' }));
    return this.seal(Buffer.from(JSON.stringify(legacyPacket('default', 'x', 'hello', DATE))));
  }
}

/** Applies byte edits (set, insert, delete) to `bytes`. */
export function applyEdits(bytes: Uint8Array, edits: ExtraSpec['edits']): Buffer {
  const out = [...bytes];
  for (const edit of edits) {
    if (edit.kind === 'insert') out.splice(edit.at % (out.length + 1), 0, edit.byte);
    else if (out.length === 0) continue;
    else if (edit.kind === 'set') out[edit.at % out.length] = edit.byte;
    else out.splice(edit.at % out.length, 1);
  }
  return Buffer.from(out);
}

/**
 * Neutralises plaintext lines that would really join the room (a `join` with a string name, a
 * legacy `setuser`): an extra connection must never change who is in the room.
 */
export function withoutJoins(plaintext: Uint8Array): Buffer {
  const lines = Buffer.from(plaintext).toString('utf8').split('\n');
  return Buffer.from(
    lines
      .map((line) => {
        const value = attempt(() => JSON.parse(line) as unknown);
        if (!value.ok || typeof value.value !== 'object' || value.value === null) return line;
        const v = value.value as Record<string, unknown>;
        if (v.type === 'join' || v.typ === 'setuser') return '{}';
        return line;
      })
      .join('\n'),
    'utf8',
  );
}
