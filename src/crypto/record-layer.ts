/**
 * v2 record layer (spec 6): AES-256-GCM, nonce = IV XOR 64-bit sequence number, AAD = header.
 *
 * How this works: a RecordSealer and a RecordOpener each own one direction's key, IV and counter.
 * The counter is implicit (never on the wire), so a replayed, reordered or dropped record is
 * opened under the wrong nonce and fails authentication: DECRYPT_FAILED (6.2). An opener that has
 * failed stays failed.
 */
import { type CipherKey, createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { type ParleyError, parleyError } from '../errors.js';
import type { Frame } from '../framing/frame-codec.js';
import {
  HEADER_SIZE,
  MAX_HEADER_LENGTH,
  V2_CIPHER,
  V2_IV_BYTES,
  V2_TAG_BYTES,
} from '../generated/constants.js';
import type { DirectionKeys } from './v2-keys.js';

/**
 * The sequence number is a JavaScript number: 2^53 - 1 records (285 years at a million a second),
 * far short of the 64-bit counter the spec allows, and counting it allocates nothing, which a
 * BigInt per record did. A sealer refuses to go past it rather than reuse a nonce.
 */
const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;
const TWO_32 = 2 ** 32;

/**
 * Writes iv XOR (seq as 8 big-endian bytes, right-aligned) into `out`, as TLS 1.3 (6.1): the IV
 * is V2_IV_BYTES (12) bytes, so the first 4 are copied and seq, given as its high and low 32 bits,
 * goes into the last 8. No step allocates (Buffer#copy of a part would allocate a view).
 */
function nonceInto(out: Buffer, iv: Buffer, seqHigh: number, seqLow: number): Buffer {
  out.writeUInt32BE(iv.readUInt32BE(0), 0);
  out.writeUInt32BE((iv.readUInt32BE(4) ^ seqHigh) >>> 0, 4);
  out.writeUInt32BE((iv.readUInt32BE(8) ^ seqLow) >>> 0, 8);
  return out;
}

/** nonce = iv XOR seq (6.1), for any 64-bit seq, in a buffer of its own. */
export function recordNonce(iv: Buffer, seq: bigint): Buffer {
  return nonceInto(Buffer.alloc(V2_IV_BYTES), iv, Number(seq >> 32n), Number(seq & 0xffffffffn));
}

/**
 * Scratch space for the nonce, shared by every sealer and opener: createCipheriv and
 * createDecipheriv copy the IV they are given, so the bytes are only needed for that call and
 * nothing in it outlives the call. So no record allocates a nonce, and an idle connection keeps
 * none.
 */
const NONCE_SCRATCH = Buffer.allocUnsafeSlow(V2_IV_BYTES);

function scratchNonce(iv: Buffer, seq: number): Buffer {
  return nonceInto(NONCE_SCRATCH, iv, Math.floor(seq / TWO_32), seq >>> 0);
}

/**
 * Whether records should hold their AES key as a KeyObject on this Node release (the adapters pass
 * `process.versions.node`; the core reads no globals). Node 24 checks a Buffer key through a slow
 * path on every createCipheriv/createDecipheriv: sealing 7 KB took 20-28 µs with the Buffer, 8 µs
 * with a KeyObject made once. On Node 20 and 22 the two cost the same (5-8 µs), and a KeyObject
 * holds about 770 bytes more per direction on Node 20 (15 MB for a room of 10,000).
 */
export function prefersKeyObjects(nodeVersion: string): boolean {
  return Number(nodeVersion.split('.')[0]) >= 24;
}

/** The direction's AES key as a KeyObject or as its bytes (see prefersKeyObjects). */
function cipherKey(raw: Buffer, asObject: boolean | undefined): CipherKey {
  return asObject ? createSecretKey(raw) : raw;
}

/** One direction of the record layer: its keys and the sequence number of its next record (6.1). */
abstract class RecordDirection {
  protected seq = 0;
  protected readonly key: CipherKey;

  /** `keyObject`: hold the key as a KeyObject (see prefersKeyObjects); the same records either way. */
  constructor(
    protected readonly keys: DirectionKeys,
    keyObject?: boolean,
  ) {
    this.key = cipherKey(keys.key, keyObject);
  }

  get sequence(): bigint {
    return BigInt(this.seq);
  }
}

export class RecordSealer extends RecordDirection {
  /**
   * Encrypts one packet and returns the whole frame (header + ciphertext + tag), built in one
   * allocation: a record is sealed per recipient, so this is the server's hottest path.
   */
  seal(plaintext: Uint8Array): Buffer {
    if (this.seq >= MAX_SEQUENCE) throw parleyError('INTERNAL_ERROR', 'record sequence number exhausted');
    const length = plaintext.length + V2_TAG_BYTES;
    if (length > MAX_HEADER_LENGTH) throw new RangeError(`frame length must be 1..${MAX_HEADER_LENGTH}`);
    const out = Buffer.allocUnsafe(HEADER_SIZE + length);
    // The header (3.1): decimal length, left-aligned, space-padded; it is also the AAD.
    out.fill(0x20, out.write(String(length), 0, 'latin1'), HEADER_SIZE);
    const header = out.subarray(0, HEADER_SIZE);
    const nonce = scratchNonce(this.keys.iv, this.seq);
    // GCM's full 16-byte tag (V2_TAG_BYTES), Node's default length.
    const cipher = createCipheriv(V2_CIPHER, this.key, nonce);
    cipher.setAAD(header);
    const body = cipher.update(plaintext);
    cipher.final();
    this.seq += 1;
    body.copy(out, HEADER_SIZE);
    cipher.getAuthTag().copy(out, HEADER_SIZE + body.length);
    return out;
  }
}

export class RecordOpener extends RecordDirection {
  private failed: ParleyError | null = null;

  /** Decrypts one record frame; throws DECRYPT_FAILED (sticky) if it does not authenticate. */
  open(frame: Frame): Buffer {
    if (this.failed) throw this.failed;
    if (frame.body.length < V2_TAG_BYTES) {
      this.failed = parleyError(
        'DECRYPT_FAILED',
        `record of ${frame.body.length} bytes is shorter than its tag`,
      );
      throw this.failed;
    }
    const split = frame.body.length - V2_TAG_BYTES;
    try {
      const nonce = scratchNonce(this.keys.iv, this.seq);
      const decipher = createDecipheriv(V2_CIPHER, this.key, nonce, { authTagLength: V2_TAG_BYTES });
      decipher.setAAD(frame.header);
      decipher.setAuthTag(frame.body.subarray(split));
      const plain = decipher.update(frame.body.subarray(0, split));
      decipher.final();
      this.seq += 1;
      return plain;
    } catch (err) {
      this.failed = parleyError(
        'DECRYPT_FAILED',
        `record ${this.seq} failed authentication (tampered, replayed, reordered or dropped)`,
        'local',
        err,
      );
      throw this.failed;
    }
  }
}
