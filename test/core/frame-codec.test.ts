/**
 * Framing (spec 3): every vector of spec/vectors/framing.json whole, one byte at a time, with
 * trailing data and in arbitrary chunks; sticky errors; end-of-stream outcomes; the limit checked on
 * the header; the encoder's range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeHeader, type Frame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { HEADER_REGEX, LIMITS, MAX_HEADER_LENGTH } from '../../src/generated/constants.js';
import { FRAMING_OUTCOMES } from '../../src/generated/errors.js';
import type { VectorGroup, VectorTest } from '../../tools/vector-builder.js';
import { codeOf, fromHex, readVectorFile, toHex, vectorCases } from './helpers.js';

interface FramingGroup extends VectorGroup {
  readonly maxFrame: number;
}
interface FramingTest extends VectorTest {
  readonly sectionRef: string;
  readonly input: string;
  readonly bodies: readonly string[];
  readonly code: string | null;
}

const file = readVectorFile('framing.json');
const cases = vectorCases<FramingGroup, FramingTest>(file);

interface Outcome {
  bodies: string[];
  code: string | null;
  buffered: number;
}

/** Feeds `chunks` one by one, draining after each; then ends the stream unless `end` is false. */
function run(maxFrame: number, chunks: readonly Uint8Array[], end = true): Outcome {
  const decoder = new FrameDecoder({ maxFrame });
  const bodies: string[] = [];
  const code = codeOf(() => {
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame; frame = decoder.next()) bodies.push(toHex(frame.body));
    }
    if (end) decoder.end();
  });
  return { bodies, code, buffered: decoder.bufferedBytes };
}

function bytewise(bytes: Buffer): Buffer[] {
  return [...bytes].map((b) => Buffer.from([b]));
}

describe('framing vectors', () => {
  it('cover every decoding outcome of the spec', () => {
    const refs = new Set(cases.map((c) => c.test.sectionRef));
    for (const outcome of FRAMING_OUTCOMES) expect(refs, outcome.id).toContain(outcome.id);
    expect(file.numberOfTests).toBe(cases.length);
  });

  it('state the code the spec gives for their outcome', () => {
    for (const { test } of cases) {
      const outcome = FRAMING_OUTCOMES.find((o) => o.id === test.sectionRef);
      expect(test.code).toBe(outcome ? outcome.code : null);
      expect(test.result).toBe(test.code === null ? 'valid' : 'invalid');
    }
  });

  it.each(cases)('whole: $label', ({ group, test }) => {
    const out = run(group.maxFrame, [fromHex(test.input)]);
    expect(out.code).toBe(test.code);
    expect(out.bodies).toEqual(test.bodies);
  });

  it.each(cases)('one byte at a time: $label', ({ group, test }) => {
    const out = run(group.maxFrame, bytewise(fromHex(test.input)));
    expect(out.code).toBe(test.code);
    expect(out.bodies).toEqual(test.bodies);
  });

  const valid = cases.filter((c) => c.test.result === 'valid');
  it.each(valid)('with trailing data left buffered: $label', ({ group, test }) => {
    // A partial next frame: whole header, part of its body. It must stay buffered, untouched.
    const trailing = Buffer.concat([encodeHeader(5), Buffer.from('abc')]);
    const input = Buffer.concat([fromHex(test.input), trailing]);
    for (const chunks of [[input], bytewise(input)]) {
      const out = run(group.maxFrame, chunks, false);
      expect(out.code).toBeNull();
      expect(out.bodies).toEqual(test.bodies);
      // The header of the partial frame has been consumed (it is checked); its 3 body bytes wait.
      expect(out.buffered).toBe(3);
    }
    const partialHeader = run(
      group.maxFrame,
      [Buffer.concat([fromHex(test.input), Buffer.from('12')])],
      false,
    );
    expect(partialHeader.bodies).toEqual(test.bodies);
    expect(partialHeader.buffered).toBe(2);
  });

  it.each(valid)('trailing bytes complete into the next frame: $label', ({ group, test }) => {
    const input = Buffer.concat([fromHex(test.input), encodeFrame('tail')]);
    const out = run(group.maxFrame, [input]);
    expect(out).toEqual({ bodies: [...test.bodies, toHex(Buffer.from('tail'))], code: null, buffered: 0 });
  });

  it('give the same outcome for every chunking of the input', () => {
    for (const { group, test } of cases) {
      const input = fromHex(test.input);
      // Every split into two chunks...
      for (let cut = 0; cut <= input.length; cut += input.length > 64 ? 61 : 1) {
        const out = run(group.maxFrame, [input.subarray(0, cut), input.subarray(cut)]);
        expect({ tcId: test.tcId, code: out.code, bodies: out.bodies }).toEqual({
          tcId: test.tcId,
          code: test.code,
          bodies: test.bodies,
        });
      }
    }
    // ...and arbitrary chunkings (fixed seed, so the run is reproducible).
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        ({ group, test }, sizes) => {
          const input = fromHex(test.input);
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < input.length; i++) {
            const size = sizes[i % sizes.length];
            chunks.push(input.subarray(at, at + size));
            at += size;
          }
          const out = run(group.maxFrame, chunks);
          expect(out.code).toBe(test.code);
          expect(out.bodies).toEqual(test.bodies);
        },
      ),
      { seed: 20261127, numRuns: 300 },
    );
  });

  it('agree with the header grammar of the spec', () => {
    for (const { test } of cases) {
      const header = fromHex(test.input).subarray(0, 10);
      if (header.length < 10 || test.bodies.length > 0) continue;
      if (HEADER_REGEX.test(header.toString('latin1'))) expect(test.code).not.toBe('FRAME_HEADER_INVALID');
      else expect(['FRAME_HEADER_INVALID', 'FRAME_EMPTY']).toContain(test.code);
    }
  });
});

describe('FrameDecoder', () => {
  it('refuses an oversized length on the header, before any body byte arrives', () => {
    const decoder = new FrameDecoder({ maxFrame: 1024 });
    decoder.push(Buffer.from('1'));
    expect(decoder.next()).toBeNull();
    decoder.push(Buffer.from('02'));
    expect(decoder.next()).toBeNull(); // 102: still within the limit
    decoder.push(Buffer.from('5'));
    // 1025 > 1024: refused on the fourth header byte, with six header bytes and no body yet.
    expect(codeOf(() => decoder.next())).toBe('FRAME_TOO_LARGE');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('accepts a length equal to maxFrame and refuses one more', () => {
    const ok = new FrameDecoder({ maxFrame: 4096 });
    ok.push(encodeHeader(4096));
    expect(ok.next()).toBeNull();
    const tooBig = new FrameDecoder({ maxFrame: 4096 });
    tooBig.push(encodeHeader(4097));
    expect(codeOf(() => tooBig.next())).toBe('FRAME_TOO_LARGE');
  });

  it('defaults maxFrame to the spec limit', () => {
    expect(new FrameDecoder().maxFrame).toBe(LIMITS.maxFrame);
    const decoder = new FrameDecoder();
    decoder.push(encodeHeader(LIMITS.maxFrame + 1));
    expect(codeOf(() => decoder.next())).toBe('FRAME_TOO_LARGE');
  });

  it('keeps failing with the same error, ignores later bytes, and rethrows it at the end', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('+1        x'));
    let first: unknown;
    try {
      decoder.next();
    } catch (err) {
      first = err;
    }
    expect((first as { code: string }).code).toBe('FRAME_HEADER_INVALID');
    decoder.push(encodeFrame('fine'));
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.next()).toThrow(first as Error);
    expect(() => decoder.drain()).toThrow(first as Error);
    expect(() => decoder.end()).toThrow(first as Error);
  });

  it('says in each refusal what was wrong, for a person reading the log (the code is for programs)', () => {
    /** The message of the error that `input` (pushed whole, then ended) gives. */
    const messageOf = (input: string, maxFrame = 100): string => {
      const decoder = new FrameDecoder({ maxFrame });
      decoder.push(Buffer.from(input, 'latin1'));
      try {
        decoder.drain();
        decoder.end();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(messageOf(' 12       ')).toMatch(/left-aligned \(leading space\)/);
    expect(messageOf('1 2       ')).toMatch(/digit follows the space padding/);
    expect(messageOf('012       ')).toMatch(/leading zero/);
    expect(messageOf('12a       ')).toMatch(/byte 0x61 at offset 2$/);
    expect(messageOf('1\t        ')).toMatch(/byte 0x09 at offset 1$/);
    expect(messageOf('0         ')).toMatch(/zero-length body/);
    // While digits may still follow, the length is a lower bound; with all ten it is exact.
    expect(messageOf('101')).toBe('frame announces at least 101 bytes; the limit is 100');
    expect(messageOf('1000000000', 999_999_999)).toBe(
      'frame announces 1000000000 bytes; the limit is 999999999',
    );
    expect(messageOf('5         ab')).toBe(
      'stream ended inside a frame: 2 bytes held, waiting for a 5-byte body',
    );
    expect(messageOf('5    ')).toBe(
      'stream ended inside a frame: 5 bytes held, waiting for a 10-byte header',
    );
  });

  it('makes a truncation error sticky too', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('5         ab'));
    expect(decoder.next()).toBeNull();
    expect(codeOf(() => decoder.end())).toBe('FRAME_TRUNCATED');
    expect(codeOf(() => decoder.next())).toBe('FRAME_TRUNCATED');
    expect(codeOf(() => decoder.end())).toBe('FRAME_TRUNCATED');
  });

  it('ends cleanly between frames, also after several frames', () => {
    const decoder = new FrameDecoder();
    expect(codeOf(() => decoder.end())).toBeNull();
    decoder.push(Buffer.concat([encodeFrame('a'), encodeFrame('bc')]));
    expect(decoder.drain().map((f) => f.body.toString())).toEqual(['a', 'bc']);
    expect(codeOf(() => decoder.end())).toBeNull();
  });

  it('reports truncation at the end even before next() has looked at the bytes', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('3 '));
    expect(codeOf(() => decoder.end())).toBe('FRAME_TRUNCATED');
  });

  it('reports truncation when the header is complete and no body byte came', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeHeader(3));
    expect(decoder.next()).toBeNull();
    expect(decoder.bufferedBytes).toBe(0);
    expect(codeOf(() => decoder.end())).toBe('FRAME_TRUNCATED');
  });

  it('returns the exact header bytes with each frame (the v2 AAD)', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame('hello'));
    const frame = decoder.next() as Frame;
    expect(frame.header.toString('latin1')).toBe('5         ');
    expect(frame.body.toString()).toBe('hello');
    expect(decoder.next()).toBeNull();
  });

  it('ignores empty chunks', () => {
    const decoder = new FrameDecoder();
    decoder.push(new Uint8Array(0));
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.next()).toBeNull();
  });

  it('accepts Uint8Array views that are not Buffers, at any offset', () => {
    const backing = new Uint8Array(Buffer.from('xxx2         hiyyy'));
    const view = backing.subarray(3, 15);
    const decoder = new FrameDecoder();
    decoder.push(view);
    expect(decoder.drain().map((f) => f.body.toString())).toEqual(['hi']);
  });

  it('copies a body that spans several chunks into one buffer', () => {
    const decoder = new FrameDecoder();
    for (const part of ['6         ab', 'cd', 'ef3         x']) decoder.push(Buffer.from(part));
    expect(decoder.next()?.body.toString()).toBe('abcdef');
    expect(decoder.bufferedBytes).toBe(11);
    expect(decoder.next()).toBeNull();
  });
});

describe('FrameDecoder: a frame inside one chunk is not copied (3; the copying path gives the same bytes)', () => {
  // The decoder hands out views of what it received when a header or body lies within one chunk,
  // and copies only what spans chunks. Either way the bytes are the same; the view is why a caller
  // must not reuse a chunk's memory while it still holds frames from it.
  it('hands out frames that share memory with the received chunk, and the same bytes when each byte came alone', () => {
    const chunk = Buffer.concat([encodeFrame('first'), encodeFrame('second'), encodeFrame('x')]);
    const whole = new FrameDecoder();
    whole.push(chunk);
    const frames = whole.drain();
    const bytewiseDecoder = new FrameDecoder();
    const copied: Frame[] = [];
    for (const b of chunk) {
      bytewiseDecoder.push(Buffer.from([b]));
      copied.push(...bytewiseDecoder.drain());
    }
    const text = (fs: Frame[]) => fs.map((f) => [f.header.toString('latin1'), f.body.toString()]);
    expect(text(frames)).toEqual(text(copied));
    expect(frames.map((f) => f.body.toString())).toEqual(['first', 'second', 'x']);
    // Overwriting the received chunk shows through the frames taken from it, not through copies.
    chunk.fill(0x21);
    expect(frames.map((f) => f.body.toString())).toEqual(['!!!!!', '!!!!!!', '!']);
    expect(frames[0].header.toString('latin1')).toBe('!'.repeat(10));
    expect(copied.map((f) => f.body.toString())).toEqual(['first', 'second', 'x']);
  });

  it('returns a view when a chunk ends exactly where a body ends', () => {
    const decoder = new FrameDecoder();
    const header = encodeHeader(3);
    const body = Buffer.from('abc');
    decoder.push(header);
    decoder.push(body);
    const frame = decoder.next() as Frame;
    expect(frame.header).toBe(header);
    expect(frame.body).toBe(body);
    expect(decoder.bufferedBytes).toBe(0);
  });
});

describe('encodeFrame / encodeHeader', () => {
  it('writes the shortest decimal form, left-aligned, padded with spaces (3.1)', () => {
    expect(encodeHeader(1).toString('latin1')).toBe('1         ');
    expect(encodeHeader(254).toString('latin1')).toBe('254       ');
    expect(encodeHeader(MAX_HEADER_LENGTH).toString('latin1')).toBe('9999999999');
    for (const n of [1, 9, 10, 99, 100, 65536, 16777216, MAX_HEADER_LENGTH]) {
      expect(HEADER_REGEX.test(encodeHeader(n).toString('latin1'))).toBe(true);
    }
  });

  it('encodes strings as UTF-8 and counts bytes, not characters', () => {
    const frame = encodeFrame('è👋');
    expect(frame.subarray(0, 10).toString('latin1')).toBe('6         ');
    expect(frame.subarray(10).toString('utf8')).toBe('è👋');
  });

  it('round-trips through the decoder', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }), (bodies) => {
        const decoder = new FrameDecoder();
        decoder.push(Buffer.concat(bodies.map((b) => encodeFrame(b))));
        expect(decoder.drain().map((f) => toHex(f.body))).toEqual(bodies.map(toHex));
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_HEADER_LENGTH + 1])(
    'refuses the length %s with a RangeError',
    (n) => {
      expect(() => encodeHeader(n)).toThrow(RangeError);
    },
  );

  it('says which lengths a header can hold when it refuses one', () => {
    expect(() => encodeHeader(0)).toThrow('frame length must be 1..9999999999, got 0');
  });

  it('refuses an empty body (3.1: senders MUST NOT send one)', () => {
    expect(() => encodeFrame('')).toThrow(RangeError);
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(RangeError);
  });
});
