/**
 * The legacy protocol driver: an original-style client with raw control, built from the core.
 *
 * How this works: the server speaks first (iv_exc, key_exc in plaintext, 8.1-8.2); the driver
 * answers with its own key_exc and derives the AES-256-CFB8 key (8.4). Every frame received is
 * classified: plaintext JSON, a record under the session key, or a record under the key of the
 * text `None` (what the original sends to connections it has not keyed). The classification and
 * the body length of every frame are kept, so cases can judge the server's known defects. Frames
 * sent are padded to a multiple of 10 bytes like Parley's client (so an original server's 10-byte
 * reader survives them) unless a case asks for the original client's unpadded compact JSON.
 */
import { randomBytes } from 'node:crypto';
import { KeyAgreement } from '../src/crypto/key-agreement.js';
import { LEGACY_NONE_KEY, legacyDecrypt, legacyEncrypt, legacyKey } from '../src/crypto/legacy-cipher.js';
import { encodeFrame } from '../src/framing/frame-codec.js';
import { LEGACY_IV_BYTES, LEGACY_TEMP_NAME } from '../src/generated/constants.js';
import {
  HIDDEN_HOST,
  type LegacyPacket,
  parseLegacyPacket,
  sealLegacyBody,
  serializeLegacyPacket,
} from '../src/legacy/legacy-packet.js';
import { pythonDateString } from '../src/legacy/python-json.js';
import { type RawConnection, ServerViolation, WaitTimeout } from './driver.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

export type Encoding = 'plain' | 'key' | 'none';

export interface Received {
  readonly packet: LegacyPacket;
  /** How the body was encoded: plaintext JSON, the session key, or the `None` key. */
  readonly encoding: Encoding;
  readonly bodyLength: number;
  /** The decrypted (or plain) JSON text, as the server wrote it. */
  readonly json: string;
}

export interface SendOptions {
  readonly username?: string;
  readonly shost?: string;
  readonly dhost?: string;
  /** Pad to a multiple of 10 bytes (default) or send compact JSON like the original client. */
  readonly pad?: boolean;
  /** Send as plaintext JSON instead of a record. */
  readonly plaintext?: boolean;
}

export class LegacySession {
  iv: Buffer | null = null;
  serverValue: string | null = null;
  key: Buffer | null = null;
  name: string | null = null;
  /** Every frame received, in order. */
  readonly received: Received[] = [];

  constructor(
    readonly conn: RawConnection,
    readonly timeoutMs: number,
  ) {}

  /** Reads iv_exc then key_exc (8.1, 8.2). Frames under the None key before them are kept, skipped. */
  async readHandshake(): Promise<{ iv: Received; keyExc: Received }> {
    const iv = await this.nextPlain('iv_exc');
    if (typeof iv.packet.cont !== 'string') throw new ServerViolation('iv_exc cont is not a string');
    const bytes = Buffer.from(iv.packet.cont, 'base64');
    if (bytes.length !== LEGACY_IV_BYTES || bytes.toString('base64') !== iv.packet.cont) {
      throw new ServerViolation(`iv_exc cont is not base64 of ${LEGACY_IV_BYTES} bytes: "${iv.packet.cont}"`);
    }
    this.iv = bytes;
    const keyExc = await this.nextPlain('key_exc');
    if (typeof keyExc.packet.cont !== 'string' || !/^[0-9]+$/.test(keyExc.packet.cont)) {
      throw new ServerViolation('the server key_exc cont is not a decimal number');
    }
    this.serverValue = keyExc.packet.cont;
    return { iv, keyExc };
  }

  private async nextPlain(typ: string): Promise<Received> {
    for (;;) {
      const got = await this.next(typ);
      if (!got) throw new ServerViolation(`the server closed the connection instead of sending ${typ}`);
      if (got.encoding !== 'plain') continue; // an early None-key frame: kept in `received`
      if (got.packet.typ !== typ) {
        throw new ServerViolation(`expected a plaintext ${typ} frame, got ${got.packet.typ}`);
      }
      return got;
    }
  }

  /**
   * Sends the client's key_exc (8.3). With no `value`, a fresh key pair is used and the key derived;
   * with a `value`, it is sent as is and `key` stays null (the caller knows what it should be).
   */
  keyExchange(value?: string): void {
    if (value === undefined) {
      this.conn.write(this.prepareKeyExchange());
      return;
    }
    this.sendPacket('key_exc', value, { plaintext: true, username: LEGACY_TEMP_NAME });
  }

  /** Builds a valid key_exc frame and derives the key, without sending it (for pipelining). */
  prepareKeyExchange(pad = true): Buffer {
    const privateKey = randomBytes(32);
    const frame = this.frame('key_exc', keyAgreement.legacyPublicDecimal(privateKey), {
      plaintext: true,
      username: LEGACY_TEMP_NAME,
      pad,
    });
    try {
      this.key = legacyKey(keyAgreement.legacySharedSecret(privateKey, this.serverValue!));
    } catch (err) {
      throw new ServerViolation(`the server's public value is invalid: ${(err as Error).message}`);
    }
    return frame;
  }

  /** A packet object in the original's key order (10.1). */
  packet(typ: string, cont: string, options: SendOptions = {}): LegacyPacket {
    return {
      shost: options.shost ?? HIDDEN_HOST,
      dhost: options.dhost ?? HIDDEN_HOST,
      username: options.username ?? this.name ?? LEGACY_TEMP_NAME,
      date: pythonDateString(Date.now()),
      cont,
      typ,
      shouldParseContents: false,
    };
  }

  /** The frame for one packet: plaintext, or a record under the session key (9.1). */
  frame(typ: string, cont: string, options: SendOptions = {}): Buffer {
    const packet = this.packet(typ, cont, options);
    const pad = options.pad ?? true;
    if (options.plaintext) {
      return encodeFrame(pad ? serializeLegacyPacket(packet, false) : JSON.stringify(packet));
    }
    if (!this.key || !this.iv) throw new Error('no key yet');
    const body = pad
      ? sealLegacyBody(serializeLegacyPacket(packet, true), { key: this.key, iv: this.iv })
      : legacyEncrypt(this.key, this.iv, Buffer.from(JSON.stringify(packet), 'utf8'));
    return encodeFrame(body);
  }

  sendPacket(typ: string, cont: string, options: SendOptions = {}): void {
    this.conn.write(this.frame(typ, cont, options));
  }

  /** The next frame, classified and parsed; null once the server has closed. */
  async next(what = 'frame from the server', timeoutMs = this.timeoutMs): Promise<Received | null> {
    const frame = await this.conn.nextFrame(timeoutMs, what);
    if (!frame) return null;
    const got = this.classify(frame.body);
    this.received.push(got);
    return got;
  }

  private classify(body: Buffer): Received {
    const text = body.toString('latin1');
    if (text.startsWith('{')) {
      try {
        return { packet: parseLegacyPacket(body), encoding: 'plain', bodyLength: body.length, json: text };
      } catch (err) {
        throw new ServerViolation(`the server sent a malformed plaintext packet: ${(err as Error).message}`);
      }
    }
    const attempts: [Encoding, Buffer | null][] = [
      ['key', this.key],
      ['none', LEGACY_NONE_KEY],
    ];
    for (const [encoding, key] of attempts) {
      if (!key || !this.iv) continue;
      try {
        const plain = legacyDecrypt(key, this.iv, text);
        return {
          packet: parseLegacyPacket(plain),
          encoding,
          bodyLength: body.length,
          json: plain.toString(),
        };
      } catch {
        // try the next key
      }
    }
    throw new ServerViolation(
      `a ${body.length}-byte frame from the server is neither plaintext JSON nor a record under the session key (9.1)`,
    );
  }

  /** Reads until `match` holds, returning the match and what came before it. */
  async until(
    match: (r: Received) => boolean,
    what: string,
  ): Promise<{ got: Received; skipped: Received[] }> {
    const skipped: Received[] = [];
    for (;;) {
      const got = await this.next(what);
      if (!got)
        throw new ServerViolation(`the server closed the connection while the suite waited for ${what}`);
      if (match(got)) return { got, skipped };
      skipped.push(got);
    }
  }

  /** Sends setuser and returns the reply packet: approved_conn or username_taken (10.2). */
  async join(name: string): Promise<LegacyPacket> {
    this.sendPacket('setuser', name, { username: name });
    const { got } = await this.until(
      (r) => r.packet.typ === 'approved_conn' || r.packet.typ === 'username_taken',
      `reply to setuser "${name}"`,
    );
    if (got.packet.typ === 'approved_conn') this.name = name;
    return got.packet;
  }

  /** Asks for the export (10.5) and returns its text; skips everything before the reply. */
  async export(): Promise<{ text: string; skipped: Received[] }> {
    this.sendPacket('export', '[export_chat]');
    const { got, skipped } = await this.until((r) => r.packet.typ === 'export', 'export reply');
    return { text: String(got.packet.cont), skipped };
  }

  /** Collects frames until the server closes or `waitMs` passes. */
  async drain(waitMs = this.timeoutMs): Promise<{ frames: Received[]; closed: boolean }> {
    const frames: Received[] = [];
    const deadline = Date.now() + waitMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return { frames, closed: this.conn.closed };
      try {
        const got = await this.next('frame from the server', left);
        if (!got) return { frames, closed: true };
        frames.push(got);
      } catch (err) {
        if (err instanceof WaitTimeout) return { frames, closed: this.conn.closed };
        throw err;
      }
    }
  }
}
