/**
 * Framing (spec section 3): HEADER (10 ASCII bytes, decimal body length, left-aligned, space-padded)
 * followed by BODY.
 *
 * How this works: `FrameDecoder` keeps received chunks in a list (never concatenating them on
 * arrival) and runs a two-state loop, HEADER then BODY. Each step asks "are N bytes buffered?" and
 * answers "need more" (null) if not. Header bytes are checked as they arrive, so garbage and
 * oversized lengths are refused before a single body byte is buffered (3.2). Errors are
 * ParleyErrors and stick: once the decoder has failed, every later call throws the same error.
 * `encodeFrame` is the pure encoder; tests use it to build their input.
 */
import { type ParleyError, parleyError } from '../errors.js';
import { HEADER_SIZE, LIMITS, MAX_HEADER_LENGTH } from '../generated/constants.js';

export interface Frame {
  /** The 10 header bytes exactly as received (the AAD of a v2 record, 6.1). */
  readonly header: Buffer;
  readonly body: Buffer;
}

const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

/** Builds the 10-byte header for a body of `length` bytes (3.1). */
export function encodeHeader(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_HEADER_LENGTH) {
    throw new RangeError(`frame length must be 1..${MAX_HEADER_LENGTH}, got ${length}`);
  }
  return Buffer.from(String(length).padEnd(HEADER_SIZE, ' '), 'latin1');
}

/** Builds a whole frame: header then body. Strings are encoded as UTF-8. */
export function encodeFrame(body: Uint8Array | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([encodeHeader(bytes.length), bytes]);
}

/**
 * Builds a whole frame around an ASCII body (legacy's base64 text), in one allocation of its own:
 * a frame queued for a slow reader may live long, and a Buffer taken from Node's shared pool would
 * keep the whole pool slab (with the garbage around it) alive with it.
 */
export function encodeAsciiFrame(body: string): Buffer {
  const header = encodeHeader(body.length);
  const out = Buffer.allocUnsafeSlow(HEADER_SIZE + body.length);
  header.copy(out, 0);
  out.write(body, HEADER_SIZE, 'latin1');
  return out;
}

export interface FrameDecoderOptions {
  /** Largest body accepted (3.2); defaults to the spec's maxFrame. */
  maxFrame?: number;
}

type Phase = { kind: 'header' } | { kind: 'body'; header: Buffer; length: number };

export class FrameDecoder {
  /** Largest body accepted now; raised once a handshake ends (maxHandshakeFrame, 3.2). */
  maxFrame: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private phase: Phase = { kind: 'header' };
  /** How many header bytes have been checked already (validation is incremental). */
  private headerChecked = 0;
  private headerValue = 0;
  private headerInPadding = false;
  private failed: ParleyError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrame = options.maxFrame ?? LIMITS.maxFrame;
  }

  /** Bytes received and not yet returned as part of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Appends received bytes. Never throws; errors surface from `next()`. */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.chunks.push(buf);
    this.buffered += buf.length;
  }

  /**
   * Returns the next whole frame, or null when more bytes are needed.
   * Throws a ParleyError (FRAME_HEADER_INVALID, FRAME_TOO_LARGE, FRAME_EMPTY); the error sticks.
   */
  next(): Frame | null {
    if (this.failed) throw this.failed;
    try {
      if (this.phase.kind === 'header') {
        if (!this.checkHeaderBytes()) return null;
        const header = this.consume(HEADER_SIZE);
        const length = this.headerValue;
        this.resetHeaderCheck();
        this.phase = { kind: 'body', header, length };
      }
      const { header, length } = this.phase;
      if (this.buffered < length) return null;
      const body = this.consume(length);
      this.phase = { kind: 'header' };
      return { header, body };
    } catch (err) {
      this.failed = err as ParleyError;
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
  }

  /** Returns every whole frame buffered now (throws as `next()` does). */
  drain(): Frame[] {
    const frames: Frame[] = [];
    for (let f = this.next(); f; f = this.next()) frames.push(f);
    return frames;
  }

  /**
   * The stream has ended (3.3). Throws FRAME_TRUNCATED when it ended inside a frame; a decoder that
   * already failed rethrows its error.
   */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffered > 0 || this.phase.kind === 'body') {
      const expected = this.phase.kind === 'body' ? `a ${this.phase.length}-byte body` : 'a 10-byte header';
      this.failed = parleyError(
        'FRAME_TRUNCATED',
        `stream ended inside a frame: ${this.buffered} bytes held, waiting for ${expected}`,
      );
      throw this.failed;
    }
  }

  /**
   * Checks the header bytes that have arrived since the last call. Returns true once all 10 are
   * here and valid. Throws on the first byte that cannot belong to a valid header (3.2/2-6) and as
   * soon as the digits seen already exceed maxFrame (3.2/7).
   */
  private checkHeaderBytes(): boolean {
    const available = Math.min(this.buffered, HEADER_SIZE);
    for (let i = this.headerChecked; i < available; i++) {
      const b = this.byteAt(i);
      if (b === SPACE) {
        if (i === 0) throw this.headerError('the length must be left-aligned (leading space)');
        this.headerInPadding = true;
      } else if (b >= ZERO && b <= NINE) {
        if (this.headerInPadding) throw this.headerError('a digit follows the space padding');
        if (i === 0 && b === ZERO) {
          // "0" + spaces is a zero length (3.2/1); "0" + digit is a leading zero (3.2/5).
          this.headerValue = 0;
        } else {
          if (i === 1 && this.headerValue === 0) throw this.headerError('leading zero in the length');
          this.headerValue = this.headerValue * 10 + (b - ZERO);
          if (this.headerValue > this.maxFrame) {
            throw parleyError(
              'FRAME_TOO_LARGE',
              `frame announces ${i + 1 === HEADER_SIZE || this.headerInPadding ? '' : 'at least '}${this.headerValue} bytes; the limit is ${this.maxFrame}`,
            );
          }
        }
      } else {
        throw this.headerError(`byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`);
      }
      this.headerChecked = i + 1;
    }
    if (available < HEADER_SIZE) return false;
    if (this.headerValue === 0) {
      throw parleyError('FRAME_EMPTY', 'frame announces a zero-length body');
    }
    return true;
  }

  private headerError(detail: string): ParleyError {
    return parleyError('FRAME_HEADER_INVALID', `invalid frame header: ${detail}`);
  }

  private resetHeaderCheck(): void {
    this.headerChecked = 0;
    this.headerValue = 0;
    this.headerInPadding = false;
  }

  private byteAt(offset: number): number {
    for (const chunk of this.chunks) {
      if (offset < chunk.length) return chunk[offset];
      offset -= chunk.length;
    }
    throw new RangeError('byteAt past the buffered data');
  }

  /** Removes and returns the first n buffered bytes; copies only when they span chunks. */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === first.length) {
      this.chunks.shift();
      return first;
    }
    if (n < first.length) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    return out;
  }
}
