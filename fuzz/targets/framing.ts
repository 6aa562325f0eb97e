/**
 * Framing (spec 3): the decoder against arbitrary bodies, arbitrary chunking and arbitrary bytes.
 *
 * How this works: `roundtrip` encodes any sequence of bodies, feeds the stream in any chunking
 * (or one byte at a time) and expects the same bodies back, a clean end, and nothing held.
 * `garbage` feeds mixtures of valid frames, mutated frames, header-like text and random bytes,
 * and compares the decoder after every chunk with an oracle written from the spec's grammar and
 * outcome table (3.2, 3.3): the same frames, the error exactly when the bytes seen so far decide
 * it ("checks each header byte as it arrives ... and read no further"), only the typed framing
 * codes (never another exception), errors that stick, and never more buffered than a frame the
 * decoder would accept.
 */
import fc from 'fast-check';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { HEADER_SIZE } from '../../src/generated/constants.js';
import {
  attempt,
  type Chunking,
  chunk,
  concatBytes,
  describeError,
  ensure,
  ensureCode,
  sameBytes,
  shortHex,
} from '../util.js';
import { type FuzzProperty, type FuzzTarget, planted, staticTarget } from './types.js';

/** The decoder as the properties use it (FrameDecoder has exactly this shape). */
export interface FrameDecoderLike {
  readonly bufferedBytes: number;
  push(chunk: Uint8Array): void;
  next(): { readonly header: Uint8Array; readonly body: Uint8Array } | null;
  end(): void;
}

/** The implementation under test. */
export interface FramingImpl {
  encodeFrame(body: Uint8Array): Buffer;
  createDecoder(maxFrame: number): FrameDecoderLike;
}

export const REAL_FRAMING: FramingImpl = {
  encodeFrame: (body) => encodeFrame(body),
  createDecoder: (maxFrame) => new FrameDecoder({ maxFrame }),
};

const FRAMING_CODES = ['FRAME_HEADER_INVALID', 'FRAME_TOO_LARGE', 'FRAME_EMPTY'] as const;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

/** What the spec says a receiver holds after seeing `bytes` (3.2, 3.3). */
export interface OracleResult {
  readonly frames: Buffer[];
  /** The error the bytes seen so far decide, or null when the decoder must wait for more. */
  readonly error: (typeof FRAMING_CODES)[number] | null;
  /** Bytes of the incomplete frame (header bytes, or body bytes once the header is complete). */
  readonly held: number;
  /** True when the stream stops inside a frame (FRAME_TRUNCATED at the end). */
  readonly inFrame: boolean;
}

/**
 * The reference decoder, written from the grammar `HEADER = 1*10DIGIT *SP, exactly 10 bytes; the
 * first byte is a digit 1-9; after the first space only spaces follow` and the outcome table: a
 * header byte is judged as it arrives, the first byte that cannot start or continue a valid
 * header decides FRAME_HEADER_INVALID, digits worth more than maxFrame decide FRAME_TOO_LARGE,
 * and `0` then spaces is FRAME_EMPTY once all 10 bytes are in.
 */
export function framingOracle(bytes: Uint8Array, maxFrame: number): OracleResult {
  const frames: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const available = Math.min(HEADER_SIZE, bytes.length - pos);
    let value = 0;
    let padding = false;
    for (let i = 0; i < available; i++) {
      const b = bytes[pos + i];
      if (b === SPACE) {
        if (i === 0) return { frames, error: 'FRAME_HEADER_INVALID', held: 0, inFrame: true };
        padding = true;
      } else if (b >= ZERO && b <= NINE) {
        if (padding) return { frames, error: 'FRAME_HEADER_INVALID', held: 0, inFrame: true };
        if (i === 1 && bytes[pos] === ZERO) {
          return { frames, error: 'FRAME_HEADER_INVALID', held: 0, inFrame: true };
        }
        value = value * 10 + (b - ZERO);
        if (value > maxFrame) return { frames, error: 'FRAME_TOO_LARGE', held: 0, inFrame: true };
      } else {
        return { frames, error: 'FRAME_HEADER_INVALID', held: 0, inFrame: true };
      }
    }
    if (available < HEADER_SIZE) {
      return { frames, error: null, held: available, inFrame: available > 0 };
    }
    if (value === 0) return { frames, error: 'FRAME_EMPTY', held: 0, inFrame: true };
    const bodyBytes = bytes.length - pos - HEADER_SIZE;
    if (bodyBytes < value) return { frames, error: null, held: bodyBytes, inFrame: true };
    frames.push(Buffer.from(bytes.subarray(pos + HEADER_SIZE, pos + HEADER_SIZE + value)));
    pos += HEADER_SIZE + value;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('cuts' as const),
      cuts: fc.array(fc.nat(), { maxLength: 24, size: 'max' }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bytewise' as const }) },
);

/** Body lengths around the places where the header changes shape (9/10, 99/100, ...). */
const boundaryBody = fc
  .constantFrom(1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001)
  .chain((n) => fc.uint8Array({ minLength: n, maxLength: n, size: 'max' }));

const bodyArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 700, size: 'max' }) },
  { weight: 2, arbitrary: boundaryBody },
);

const roundtripArb: fc.Arbitrary<RoundtripInput> = fc.record({
  bodies: fc.array(bodyArb, { maxLength: 10, size: 'max' }),
  /** maxFrame = the largest body + slack; slack 0 puts one body exactly at the limit. */
  slack: fc.oneof(fc.constant(0), fc.nat(20), fc.nat(100_000)),
  chunking: chunkingArb,
});

/** Bytes that look like headers: digits, spaces, signs, tabs, NUL, letters, non-ASCII. */
const headerish = fc.uint8Array({ maxLength: 24, size: 'max' }).map((raw) => {
  const alphabet = Buffer.from('0123456789      +-\t\0aZ.\xff\x80', 'latin1');
  return Buffer.from(raw.map((b) => alphabet[b % alphabet.length]));
});

const validFrames = fc
  .array(fc.uint8Array({ minLength: 1, maxLength: 40, size: 'max' }), {
    minLength: 1,
    maxLength: 3,
    size: 'max',
  })
  .map((bodies) => concatBytes(bodies.map((b) => encodeFrame(b))));

/** A valid frame stream with a few bytes replaced, inserted or removed. */
const mutatedFrames = fc
  .tuple(
    validFrames,
    fc.array(
      fc.record({
        kind: fc.constantFrom('set', 'insert', 'delete'),
        at: fc.nat(),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 4, size: 'max' },
    ),
  )
  .map(([bytes, edits]) => {
    const out = [...bytes];
    for (const edit of edits) {
      const at = out.length === 0 ? 0 : edit.at % (out.length + (edit.kind === 'insert' ? 1 : 0));
      if (edit.kind === 'set' && out.length > 0) out[at] = edit.byte;
      else if (edit.kind === 'insert') out.splice(at, 0, edit.byte);
      else if (out.length > 0) out.splice(at, 1);
    }
    return Buffer.from(out);
  });

/** A header announcing a length near or past maxFrame (the limit must be checked on the header). */
const bigHeader = fc
  .tuple(fc.integer({ min: 1, max: 9_999_999_999 }), fc.uint8Array({ maxLength: 30, size: 'max' }))
  .map(([n, tail]) => concatBytes([Buffer.from(String(n).padEnd(HEADER_SIZE, ' '), 'latin1'), tail]));

const segmentArb = fc.oneof(
  { weight: 3, arbitrary: validFrames },
  { weight: 3, arbitrary: mutatedFrames },
  { weight: 2, arbitrary: headerish },
  { weight: 1, arbitrary: bigHeader },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64, size: 'max' }) },
);

const garbageArb = fc.record({
  segments: fc.array(segmentArb, { minLength: 1, maxLength: 4, size: 'max' }),
  maxFrame: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 100_000 })),
  chunking: chunkingArb,
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Drains every frame the decoder has now; the error it throws, if any, is returned, not thrown. */
function drain(decoder: FrameDecoderLike, into: Uint8Array[]): unknown {
  for (;;) {
    const step = attempt(() => decoder.next());
    if (!step.ok) return step.error;
    if (step.value === null) return null;
    into.push(step.value.body);
  }
}

interface RoundtripInput {
  readonly bodies: Uint8Array[];
  readonly slack: number;
  readonly chunking: Chunking;
}

function checkRoundtrip(impl: FramingImpl, input: RoundtripInput) {
  const { bodies, slack, chunking } = input;
  const maxFrame = Math.max(1, ...bodies.map((b) => b.length)) + slack;
  const frames = bodies.map((body, i) => {
    const frame = impl.encodeFrame(body);
    const header = Buffer.from(frame.subarray(0, HEADER_SIZE)).toString('latin1');
    ensure(
      frame.length === HEADER_SIZE + body.length &&
        /^[1-9][0-9]{0,9} *$/.test(header) &&
        Number(header) === body.length,
      () =>
        `encodeFrame(body ${i}, ${body.length} bytes) wrote header ${JSON.stringify(header)} and ${frame.length} bytes`,
    );
    return frame;
  });
  const decoder = impl.createDecoder(maxFrame);
  const got: Uint8Array[] = [];
  for (const piece of chunk(concatBytes(frames), chunking)) {
    decoder.push(piece);
    const error = drain(decoder, got);
    ensure(error === null, () => `valid stream raised ${describeError(error)} after ${got.length} frames`);
    ensure(
      decoder.bufferedBytes < Math.max(HEADER_SIZE, maxFrame),
      () => `decoder holds ${decoder.bufferedBytes} bytes after draining (maxFrame ${maxFrame})`,
    );
  }
  const end = attempt(() => decoder.end());
  ensure(end.ok, () => `a stream ending between frames raised ${end.ok ? '' : describeError(end.error)}`);
  ensure(got.length === bodies.length, () => `decoded ${got.length} frames, encoded ${bodies.length}`);
  bodies.forEach((body, i) => {
    ensure(
      sameBytes(got[i], body),
      () => `frame ${i}: decoded ${shortHex(got[i])}, encoded ${shortHex(body)} (${body.length} bytes)`,
    );
  });
  ensure(decoder.bufferedBytes === 0, () => `decoder still holds ${decoder.bufferedBytes} bytes at the end`);
}

function checkGarbage(impl: FramingImpl, segments: Uint8Array[], maxFrame: number, chunking: Chunking) {
  const bytes = concatBytes(segments);
  const decoder = impl.createDecoder(maxFrame);
  const got: Uint8Array[] = [];
  let seen = 0;
  let failure: unknown = null;
  for (const piece of chunk(bytes, chunking)) {
    decoder.push(piece);
    seen += piece.length;
    const oracle = framingOracle(bytes.subarray(0, seen), maxFrame);
    if (failure === null) failure = drain(decoder, got);
    else {
      // A failed decoder stays failed (spec 4): the same code, whatever comes after.
      const again = attempt(() => decoder.next());
      ensure(!again.ok, 'a failed decoder returned a result after more bytes arrived');
      ensureCode(again.error, [(failure as { code: string }).code], 'a failed decoder, asked again');
    }
    const where = `after ${seen} of ${bytes.length} bytes`;
    ensure(
      got.length === oracle.frames.length,
      () =>
        `${where}: decoder returned ${got.length} frames, the spec's grammar gives ${oracle.frames.length}`,
    );
    got.forEach((body, i) => {
      ensure(
        sameBytes(body, oracle.frames[i]),
        () => `${where}: frame ${i} is ${shortHex(body)}, expected ${shortHex(oracle.frames[i])}`,
      );
    });
    if (oracle.error) {
      ensure(
        failure !== null,
        () => `${where}: the bytes seen decide ${oracle.error}, but the decoder waits for more`,
      );
      ensureCode(failure, [oracle.error], where);
      ensure(
        decoder.bufferedBytes === 0,
        () => `${where}: a failed decoder still holds ${decoder.bufferedBytes} bytes`,
      );
    } else {
      ensure(
        failure === null,
        () => `${where}: decoder raised ${describeError(failure)}, but the bytes seen decide no error yet`,
      );
      ensure(
        decoder.bufferedBytes === oracle.held,
        () =>
          `${where}: decoder holds ${decoder.bufferedBytes} bytes, the incomplete frame has ${oracle.held}`,
      );
      ensure(
        decoder.bufferedBytes < Math.max(HEADER_SIZE, maxFrame),
        () =>
          `${where}: decoder holds ${decoder.bufferedBytes} bytes, more than a frame it accepts (maxFrame ${maxFrame})`,
      );
    }
  }
  const final = framingOracle(bytes, maxFrame);
  const end = attempt(() => decoder.end());
  const expected = final.error ?? (final.inFrame ? 'FRAME_TRUNCATED' : null);
  if (expected === null)
    ensure(end.ok, () => `end between frames raised ${end.ok ? '' : describeError(end.error)}`);
  else {
    ensure(!end.ok, () => `end of stream: expected ${expected}, the decoder ended cleanly`);
    ensureCode(end.error, [expected], 'end of stream');
  }
}

/** The framing properties against `impl`. */
export function framingProperties(impl: FramingImpl = REAL_FRAMING): FuzzProperty[] {
  return [
    {
      name: 'roundtrip',
      description: 'any bodies, encoded and fed in any chunking, decode to the same bodies and a clean end',
      property: fc.property(roundtripArb, (input) => checkRoundtrip(impl, input)),
    },
    {
      name: 'garbage',
      description:
        'arbitrary bytes give the spec-oracle frames, "need more", or the typed framing error, as soon as decided; never more held than a frame',
      property: fc.property(garbageArb, ({ segments, maxFrame, chunking }) =>
        checkGarbage(impl, segments, maxFrame, chunking),
      ),
    },
  ];
}

export const framingTarget: FuzzTarget = {
  name: 'framing',
  description: 'frame codec (spec 3): round trip in any chunking, garbage against a spec oracle',
  async open(options) {
    return staticTarget(
      framingProperties((planted(options, 'framing') as FramingImpl | null) ?? REAL_FRAMING),
    );
  },
};
