/**
 * v2 record layer (spec 6): AES-256-GCM, nonce = IV XOR 64-bit sequence number, AAD = header.
 *
 * How this works: a RecordSealer and a RecordOpener each own one direction's key, IV and counter.
 * The counter is implicit (never on the wire), so a replayed, reordered or dropped record is
 * opened under the wrong nonce and fails authentication: DECRYPT_FAILED (6.2). An opener that has
 * failed stays failed.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { type ParleyError, parleyError } from '../errors.js';
import { type Frame, MAX_HEADER_LENGTH } from '../framing/frame-codec.js';
import { HEADER_SIZE, V2_CIPHER, V2_TAG_BYTES } from '../generated/constants.js';
import type { DirectionKeys } from './v2-keys.js';

const MAX_SEQUENCE = 2n ** 64n - 1n;

/** Writes iv XOR (seq as 8 big-endian bytes, right-aligned) into `out`, as TLS 1.3 (6.1). */
function nonceInto(out: Buffer, iv: Buffer, ivTail: bigint, seq: bigint): Buffer {
  iv.copy(out, 0, 0, iv.length - 8);
  out.writeBigUInt64BE(ivTail ^ seq, iv.length - 8);
  return out;
}

/** The last 8 bytes of an IV, which the sequence number is XORed into. */
const tailOf = (iv: Buffer): bigint => iv.readBigUInt64BE(iv.length - 8);

/** nonce = iv XOR seq (6.1), in a buffer of its own. */
export function recordNonce(iv: Buffer, seq: bigint): Buffer {
  return nonceInto(Buffer.alloc(iv.length), iv, tailOf(iv), seq);
}

/**
 * Scratch space for the nonce, shared by every sealer and opener: createCipheriv and
 * createDecipheriv copy the IV they are given, so the bytes are only needed for that call. So no
 * record allocates a nonce, and an idle connection keeps none.
 */
let nonceScratch = Buffer.allocUnsafeSlow(12);

function scratchNonce(iv: Buffer, ivTail: bigint, seq: bigint): Buffer {
  if (nonceScratch.length !== iv.length) nonceScratch = Buffer.allocUnsafeSlow(iv.length);
  return nonceInto(nonceScratch, iv, ivTail, seq);
}

export class RecordSealer {
  private seq = 0n;
  /** The IV's last 8 bytes, which the sequence number is XORed into. */
  private readonly ivTail: bigint;

  constructor(private readonly keys: DirectionKeys) {
    this.ivTail = tailOf(keys.iv);
  }

  get sequence(): bigint {
    return this.seq;
  }

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
    const nonce = scratchNonce(this.keys.iv, this.ivTail, this.seq);
    const cipher = createCipheriv(V2_CIPHER, this.keys.key, nonce, { authTagLength: V2_TAG_BYTES });
    cipher.setAAD(header);
    const body = cipher.update(plaintext);
    cipher.final();
    this.seq += 1n;
    body.copy(out, HEADER_SIZE);
    cipher.getAuthTag().copy(out, HEADER_SIZE + body.length);
    return out;
  }
}

export class RecordOpener {
  private seq = 0n;
  private failed: ParleyError | null = null;
  private readonly ivTail: bigint;

  constructor(private readonly keys: DirectionKeys) {
    this.ivTail = tailOf(keys.iv);
  }

  get sequence(): bigint {
    return this.seq;
  }

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
      const nonce = scratchNonce(this.keys.iv, this.ivTail, this.seq);
      const decipher = createDecipheriv(V2_CIPHER, this.keys.key, nonce, { authTagLength: V2_TAG_BYTES });
      decipher.setAAD(frame.header);
      decipher.setAuthTag(frame.body.subarray(split));
      const plain = decipher.update(frame.body.subarray(0, split));
      decipher.final();
      this.seq += 1n;
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
