/**
 * Deliberately broken implementations, one per classic bug, for proving that the fuzzer finds
 * what it is meant to find. Tests pass them to the property factories; the CLI's `--plant NAME`
 * (documented in --help as a fuzzer self-test) runs a campaign against one. Nothing else uses them.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import type { ChatServer, Conn, Delivery } from '../src/chat/chat-server.js';
import { legacyDecrypt } from '../src/crypto/legacy-cipher.js';
import { recordNonce } from '../src/crypto/record-layer.js';
import type { DirectionKeys } from '../src/crypto/v2-keys.js';
import { parleyError } from '../src/errors.js';
import { encodeHeader, FrameDecoder } from '../src/framing/frame-codec.js';
import { V2ClientConnection } from '../src/session/v2-client-connection.js';
import { type CryptoImpl, gcm, REAL_CRYPTO } from './targets/crypto.js';
import { type FrameDecoderLike, type FramingImpl, REAL_FRAMING } from './targets/framing.js';
import { type KexImpl, MODP14_P, REAL_KEX } from './targets/kex.js';
import { REAL_SESSION, type SessionImpl } from './targets/session.js';
import type { DeliveryPlant, TargetName } from './targets/types.js';

export interface PlantInfo {
  readonly name: string;
  readonly target: TargetName | 'session+server';
  readonly bug: string;
}

export const PLANTS: readonly PlantInfo[] = [
  { name: 'decoder-off-by-one', target: 'framing', bug: 'the decoder drops the last byte of every body' },
  {
    name: 'decoder-lenient-header',
    target: 'framing',
    bug: "headers parsed like Python's int(header.strip()), checked when complete",
  },
  {
    name: 'decoder-unbounded-buffer',
    target: 'framing',
    bug: 'the length limit is checked only once the whole body is buffered',
  },
  {
    name: 'decoder-untyped-error',
    target: 'framing',
    bug: 'a non-ASCII header byte throws a RangeError instead of the framing error',
  },
  {
    name: 'skip-public-value-check',
    target: 'kex',
    bug: 'shares are used without the range and small-order checks',
  },
  {
    name: 'transcript-omits-client-hello',
    target: 'kex',
    bug: 'the transcript hash covers the server hello only',
  },
  { name: 'same-key-both-directions', target: 'kex', bug: 'the s2c keys are derived with the c2s labels' },
  {
    name: 'skip-fingerprint-check',
    target: 'kex',
    bug: 'the client never compares the server key with the pinned fingerprint',
  },
  {
    name: 'reused-nonce',
    target: 'crypto',
    bug: 'every record is sealed and opened under sequence number 0',
  },
  {
    name: 'opener-ignores-sequence',
    target: 'crypto',
    bug: 'the opener accepts any sequence number it can authenticate',
  },
  { name: 'no-header-aad', target: 'crypto', bug: 'the frame header is not authenticated' },
  { name: 'skip-tag-check', target: 'crypto', bug: 'the opener never checks the tag' },
  {
    name: 'legacy-cfb128',
    target: 'crypto',
    bug: 'legacy records use AES-256-CFB (128-bit feedback) instead of CFB8',
  },
  {
    name: 'legacy-untyped-error',
    target: 'crypto',
    bug: 'a legacy body that is not base64 throws a plain Error, not PACKET_MALFORMED',
  },
  {
    name: 'drop-delivery',
    target: 'session+server',
    bug: 'one broadcast per run skips the longest-present member',
  },
  {
    name: 'duplicate-delivery',
    target: 'session+server',
    bug: 'one broadcast per run reaches the longest-present member twice',
  },
  {
    name: 'legacy-join-waits',
    target: 'session',
    bug: 'a legacy setuser the rate limit drops leaves the client waiting (no close, 10.2)',
  },
  {
    name: 'rename-twice',
    target: 'session',
    bug: 'an accepted nick is announced with user_renamed twice (7.11)',
  },
  {
    name: 'backlog-drops-oldest',
    target: 'session',
    bug: "a newcomer's backlog leaves out its oldest line (7.10)",
  },
  {
    name: 'rooms-leak',
    target: 'session',
    bug: 'a line said in a room reaches every member of every room (7.15)',
  },
  {
    name: 'rooms-no-part-notice',
    target: 'session',
    bug: 'a part is told to the parter only: the room never hears of it (7.15)',
  },
  {
    name: 'rooms-outlive',
    target: 'session',
    bug: 'a room that empties is kept, topic and history with it (7.15)',
  },
];

export function plantInfo(name: string): PlantInfo | undefined {
  return PLANTS.find((p) => p.name === name);
}

// ---------------------------------------------------------------------------------------------
// framing

/** The real decoder behind FrameDecoderLike: each planted decoder below overrides what it breaks. */
class WrappedDecoder implements FrameDecoderLike {
  protected readonly inner: FrameDecoder;
  constructor(maxFrame: number) {
    this.inner = new FrameDecoder({ maxFrame });
  }
  get bufferedBytes(): number {
    return this.inner.bufferedBytes;
  }
  push(chunk: Uint8Array): void {
    this.inner.push(chunk);
  }
  next(): ReturnType<FrameDecoder['next']> {
    return this.inner.next();
  }
  end(): void {
    this.inner.end();
  }
}

/** Wraps a decoder's frames: the off-by-one a hand-rolled length loop makes. */
class OffByOneDecoder extends WrappedDecoder {
  override next() {
    const frame = this.inner.next();
    return (
      frame && { header: frame.header, body: frame.body.subarray(0, Math.max(0, frame.body.length - 1)) }
    );
  }
}

/** The original program's reader: waits for 10 bytes, then int(header.strip()). */
class LenientDecoder implements FrameDecoderLike {
  private buffer = Buffer.alloc(0);
  private failed: Error | null = null;
  constructor(private readonly maxFrame: number) {}
  get bufferedBytes(): number {
    return this.buffer.length;
  }
  push(chunk: Uint8Array): void {
    if (!this.failed) this.buffer = Buffer.concat([this.buffer, chunk]);
  }
  next() {
    if (this.failed) throw this.failed;
    if (this.buffer.length < 10) return null;
    const text = this.buffer.subarray(0, 10).toString('latin1');
    const length = Number.parseInt(text.trim(), 10);
    const fail = (err: Error) => {
      this.failed = err;
      this.buffer = Buffer.alloc(0);
      throw err;
    };
    if (!Number.isInteger(length) || length < 0)
      return fail(parleyError('FRAME_HEADER_INVALID', 'bad header'));
    if (length === 0) return fail(parleyError('FRAME_EMPTY', 'empty'));
    if (length > this.maxFrame) return fail(parleyError('FRAME_TOO_LARGE', 'too large'));
    if (this.buffer.length < 10 + length) return null;
    const frame = { header: this.buffer.subarray(0, 10), body: this.buffer.subarray(10, 10 + length) };
    this.buffer = this.buffer.subarray(10 + length);
    return frame;
  }
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffer.length > 0) throw parleyError('FRAME_TRUNCATED', 'truncated');
  }
}

/** The real decoder with no limit, and the limit checked on each complete frame: too late. */
class UnboundedDecoder extends WrappedDecoder {
  private failed: Error | null = null;
  constructor(private readonly maxFrame: number) {
    super(9_999_999_999);
  }
  override get bufferedBytes(): number {
    return this.failed ? 0 : this.inner.bufferedBytes;
  }
  override next() {
    if (this.failed) throw this.failed;
    const frame = this.inner.next();
    if (frame && frame.body.length > this.maxFrame) {
      this.failed = parleyError('FRAME_TOO_LARGE', 'too large');
      throw this.failed;
    }
    return frame;
  }
  override end(): void {
    if (this.failed) throw this.failed;
    this.inner.end();
  }
}

/** A decoder whose header check forgets the error type for non-ASCII bytes. */
class UntypedErrorDecoder extends WrappedDecoder {
  override next() {
    try {
      return this.inner.next();
    } catch (err) {
      const byte = /byte 0x([0-9a-f]{2})/.exec((err as Error).message);
      if (byte && Number.parseInt(byte[1], 16) >= 0x80) throw new RangeError('header byte out of range');
      throw err;
    }
  }
}

export function framingPlant(name: string): FramingImpl | null {
  switch (name) {
    case 'decoder-off-by-one':
      return { ...REAL_FRAMING, createDecoder: (maxFrame) => new OffByOneDecoder(maxFrame) };
    case 'decoder-lenient-header':
      return { ...REAL_FRAMING, createDecoder: (maxFrame) => new LenientDecoder(maxFrame) };
    case 'decoder-unbounded-buffer':
      return { ...REAL_FRAMING, createDecoder: (maxFrame) => new UnboundedDecoder(maxFrame) };
    case 'decoder-untyped-error':
      return { ...REAL_FRAMING, createDecoder: (maxFrame) => new UntypedErrorDecoder(maxFrame) };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// kex

export function kexPlant(name: string): KexImpl | null {
  switch (name) {
    case 'skip-public-value-check':
      return {
        ...REAL_KEX,
        computeSharedSecret(own, peerShare) {
          try {
            return REAL_KEX.computeSharedSecret(own, peerShare);
          } catch (err) {
            // The bug: the check's verdict is ignored whenever the length is right.
            if (own.group === 'modp14' && peerShare.length === 256) {
              const y = BigInt(`0x${Buffer.from(peerShare).toString('hex')}`);
              let z = 1n;
              let base = y % MODP14_P;
              let e = BigInt(`0x${own.privateKey.toString('hex')}`);
              while (e > 0n) {
                if (e & 1n) z = (z * base) % MODP14_P;
                base = (base * base) % MODP14_P;
                e >>= 1n;
              }
              return Buffer.from(z.toString(16).padStart(512, '0'), 'hex');
            }
            if (own.group === 'x25519' && peerShare.length === 32) return Buffer.alloc(32);
            throw err;
          }
        },
        legacySharedSecret(privateKey, peerDecimal) {
          try {
            return REAL_KEX.legacySharedSecret(privateKey, peerDecimal);
          } catch (err) {
            if (/^[0-9]+$/.test(peerDecimal)) return BigInt(peerDecimal) % MODP14_P;
            throw err;
          }
        },
      };
    case 'same-key-both-directions':
      return {
        ...REAL_KEX,
        deriveSessionKeys(secret, th) {
          const keys = REAL_KEX.deriveSessionKeys(secret, th);
          return { c2s: keys.c2s, s2c: keys.c2s };
        },
      };
    case 'skip-fingerprint-check':
      return {
        ...REAL_KEX,
        createV2Client: (options) => new V2ClientConnection({ ...options, expectedFingerprint: undefined }),
      };
    case 'transcript-omits-client-hello':
      return {
        ...REAL_KEX,
        transcriptHash: (serverHello) => createHash('sha256').update(serverHello).digest(),
      };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// crypto

const TAG = 16;

/** A record layer with the nonce and AAD choices made by the caller: the broken variants. */
function customRecords(options: {
  nonce: (keys: DirectionKeys, seq: bigint) => Buffer;
  aad: boolean;
  advance: boolean;
  /** Sequence numbers the opener also tries, relative to its own. */
  window?: readonly number[];
  checkTag?: boolean;
}): Pick<CryptoImpl, 'createSealer' | 'createOpener'> {
  return {
    createSealer(keys) {
      let seq = 0n;
      return {
        seal(plaintext) {
          const header = encodeHeader(plaintext.length + TAG);
          const { body, tag } = gcm.seal(
            keys.key,
            options.nonce(keys, seq),
            options.aad ? header : null,
            plaintext,
          );
          if (options.advance) seq += 1n;
          return Buffer.concat([header, body, tag]);
        },
      };
    },
    createOpener(keys) {
      let seq = 0n;
      let failed: Error | null = null;
      const fail = (message: string) => {
        failed = parleyError('DECRYPT_FAILED', message);
        return failed;
      };
      return {
        open(frame) {
          if (failed) throw failed; // sticky, like the real one: only the planted flaw differs
          if (frame.body.length < TAG) throw fail('short');
          const split = frame.body.length - TAG;
          for (const delta of options.window ?? [0]) {
            const at = seq + BigInt(delta);
            if (at < 0n) continue;
            try {
              const plain = gcm.open(
                keys.key,
                options.nonce(keys, at),
                options.aad ? frame.header : null,
                frame.body.subarray(0, split),
                frame.body.subarray(split),
                options.checkTag ?? true,
              );
              if (options.advance) seq = at + 1n;
              return plain;
            } catch {
              // try the next candidate
            }
          }
          throw fail('record failed authentication');
        },
      };
    },
  };
}

const ivNonce = (keys: DirectionKeys, seq: bigint) => recordNonce(keys.iv, seq);

export function cryptoPlant(name: string): CryptoImpl | null {
  switch (name) {
    case 'reused-nonce':
      return { ...REAL_CRYPTO, ...customRecords({ nonce: ivNonce, aad: true, advance: false }) };
    case 'opener-ignores-sequence':
      return {
        ...REAL_CRYPTO,
        ...customRecords({ nonce: ivNonce, aad: true, advance: true, window: [0, 1, 2, 3, -1, -2, -3] }),
      };
    case 'no-header-aad':
      return { ...REAL_CRYPTO, ...customRecords({ nonce: ivNonce, aad: false, advance: true }) };
    case 'skip-tag-check':
      return {
        ...REAL_CRYPTO,
        ...customRecords({ nonce: ivNonce, aad: true, advance: true, checkTag: false }),
      };
    case 'legacy-cfb128':
      return {
        ...REAL_CRYPTO,
        legacyEncrypt(key, iv, plaintext) {
          const c = createCipheriv('aes-256-cfb', key, iv);
          return Buffer.concat([c.update(plaintext), c.final()]).toString('base64');
        },
        legacyDecrypt(key, iv, body) {
          legacyDecrypt(key, iv, body); // keep the base64 check
          const d = createDecipheriv('aes-256-cfb', key, iv);
          return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]);
        },
      };
    case 'legacy-untyped-error':
      return {
        ...REAL_CRYPTO,
        legacyDecrypt(key, iv, body) {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error('invalid base64');
          return REAL_CRYPTO.legacyDecrypt(key, iv, body);
        },
      };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// session and server: a server that loses or repeats one delivery

/**
 * Makes one broadcast per run (the first with two or more members) skip, or repeat, the member
 * who has been in the room longest: the bug of a fan-out loop that starts at 1 or visits a member
 * twice. The server's private delivery step is patched on purpose.
 */
export function plantDelivery(server: ChatServer<unknown>, kind: 'drop' | 'duplicate'): DeliveryPlant {
  const inside = server as unknown as {
    deliver(deliveries: readonly Delivery[]): void;
    readonly joined: ReadonlySet<Conn<unknown>>;
  };
  const original = inside.deliver.bind(server);
  let armed = true;
  inside.deliver = (deliveries) => {
    const at = deliveries.findIndex((d) => d.kind === 'broadcast');
    const members = [...inside.joined];
    if (!armed || at < 0 || members.length < 2) return original(deliveries);
    armed = false;
    const broadcast = deliveries[at] as Extract<Delivery, { kind: 'broadcast' }>;
    const targets = kind === 'drop' ? members.slice(1) : [members[0], ...members];
    const sends: Delivery[] = targets
      .filter((m) => m.id !== broadcast.except)
      .map((m) => ({ kind: 'send', to: m.id, packet: broadcast.packet }));
    original([...deliveries.slice(0, at), ...sends, ...deliveries.slice(at + 1)]);
  };
  return {
    reset() {
      armed = true;
    },
  };
}

/** The renamed decision's user_renamed broadcast is delivered twice: a fan-out repeated. */
function plantRenameTwice(server: ChatServer<unknown>): void {
  const dialect = server.dialect as unknown as {
    render(decision: { kind: string }, ...rest: unknown[]): readonly Delivery[];
  };
  const original = dialect.render.bind(dialect);
  dialect.render = (decision, ...rest) => {
    const out = original(decision, ...rest);
    if (decision.kind !== 'renamed') return out;
    const renamed = out.filter((d) => d.kind === 'broadcast' && d.type === 'user_renamed');
    return [...out, ...renamed];
  };
}

/** The backlog is the newest lines but one: an off-by-one at the oldest end. */
function plantShortBacklog(server: ChatServer<unknown>): void {
  const room = server.room as unknown as { recentChat(count: number): unknown[] };
  const original = room.recentChat.bind(room);
  room.recentChat = (count) => original(count).slice(1);
}

// ---------------------------------------------------------------------------------------------
// rooms (7.15): the conformance suite's broken servers plant the same faults

/** The rooms of a chat server (src/chat/room-set.ts), looked into on purpose. */
function roomSetOf(server: ChatServer<unknown>): { all: Set<{ members: Set<unknown> }>; forget: unknown } {
  return (server.room as unknown as { rooms: never }).rooms;
}

type Render = (decision: { kind: string }, ...rest: unknown[]) => readonly Delivery[];

/** Wraps the dialect's rendering of decisions (how the chat model's decisions become packets). */
function onRooms(server: ChatServer<unknown>, wrap: (original: Render) => Render): void {
  const dialect = server.dialect as unknown as { render: Render };
  dialect.render = wrap(dialect.render.bind(dialect));
}

/** A line's broadcast goes to the members of every room: a fan-out over the wrong set. */
export function plantRoomLeak(server: ChatServer<unknown>): void {
  onRooms(server, (render) => (decision, ...rest) => {
    const out = render(decision, ...rest);
    if (decision.kind !== 'message') return out;
    const everyone = new Set<unknown>();
    for (const room of roomSetOf(server).all) for (const id of room.members) everyone.add(id);
    return out.map((d) => (d.kind === 'broadcast' ? ({ ...d, among: everyone } as Delivery) : d));
  });
}

/** A part's presence notice is never queued: the room's other members are not told. */
export function plantNoPartNotice(server: ChatServer<unknown>): void {
  // The presence batches of the v2 dialect's membership renders (src/chat/v2-membership.ts).
  const { presence } = (
    server.dialect as unknown as { membership: { presence: { notice: (...args: unknown[]) => void } } }
  ).membership;
  onRooms(server, (render) => (decision, ...rest) => {
    if (decision.kind !== 'room-parted') return render(decision, ...rest);
    const notice = presence.notice;
    presence.notice = () => {};
    try {
      return render(decision, ...rest);
    } finally {
      presence.notice = notice;
    }
  });
}

/** An emptied room is never forgotten: it stays listed, with its topic and history. */
export function plantRoomOutlives(server: ChatServer<unknown>): void {
  roomSetOf(server).forget = () => {};
}

const ROOM_PLANTS: Readonly<Record<string, (server: ChatServer<unknown>) => void>> = {
  'rooms-leak': plantRoomLeak,
  'rooms-no-part-notice': plantNoPartNotice,
  'rooms-outlive': plantRoomOutlives,
};

export function deliveryPlantKind(name: string): 'drop' | 'duplicate' | null {
  return name === 'drop-delivery' ? 'drop' : name === 'duplicate-delivery' ? 'duplicate' : null;
}

export function sessionPlant(name: string): SessionImpl | null {
  if (name === 'legacy-join-waits') {
    return {
      createServer(profile, options) {
        const server = REAL_SESSION.createServer(profile, options);
        // The behaviour before decision L1: the dropped setuser is settled as refused, unanswered.
        const inside = server as unknown as { dialect: { closesOnDroppedJoin?: boolean } };
        inside.dialect.closesOnDroppedJoin = false;
        return server;
      },
    };
  }
  const roomPlant = ROOM_PLANTS[name];
  if (roomPlant) {
    return {
      createServer(profile, options) {
        const server = REAL_SESSION.createServer(profile, options);
        roomPlant(server);
        return server;
      },
    };
  }
  if (name === 'rename-twice' || name === 'backlog-drops-oldest') {
    return {
      createServer(profile, options) {
        const server = REAL_SESSION.createServer(profile, options);
        if (name === 'rename-twice') plantRenameTwice(server);
        else plantShortBacklog(server);
        return server;
      },
    };
  }
  const kind = deliveryPlantKind(name);
  if (!kind) return null;
  return {
    createServer(profile, options) {
      const server = REAL_SESSION.createServer(profile, options);
      plantDelivery(server, kind);
      return server;
    },
  };
}

/** The broken implementation `name` gives `target` (TargetOptions.plants), or null. */
export function plantedImpl(target: TargetName, name: string): unknown {
  switch (target) {
    case 'crypto':
      return cryptoPlant(name);
    case 'framing':
      return framingPlant(name);
    case 'kex':
      return kexPlant(name);
    case 'session':
      return sessionPlant(name);
    case 'server': {
      const kind = deliveryPlantKind(name);
      return kind ? (chat: ChatServer<unknown>) => plantDelivery(chat, kind) : null;
    }
    default:
      return null;
  }
}
