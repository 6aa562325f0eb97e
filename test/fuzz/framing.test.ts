/**
 * The framing fuzz target: its properties hold for the real frame codec, its oracle agrees with the
 * spec's outcome table, and each planted decoder bug is caught as a property violation.
 */
import { describe, expect, it } from 'vitest';
import { framingPlant } from '../../fuzz/plants.js';
import { framingOracle, framingProperties } from '../../fuzz/targets/framing.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

const real = framingProperties();

describe('framing fuzz target', () => {
  it('holds for the real decoder: round trip in any chunking', async () => {
    await expectHolds(byName(real, 'roundtrip'), 300);
  });

  it('holds for the real decoder: garbage against the spec oracle', async () => {
    await expectHolds(byName(real, 'garbage'), 400);
  });

  it("has an oracle that follows the spec's outcome table", () => {
    const code = (text: string, maxFrame = 100) => framingOracle(Buffer.from(text, 'latin1'), maxFrame).error;
    expect(code('0         ')).toBe('FRAME_EMPTY');
    expect(code('  12      ')).toBe('FRAME_HEADER_INVALID');
    expect(code('+12')).toBe('FRAME_HEADER_INVALID');
    expect(code('12a')).toBe('FRAME_HEADER_INVALID');
    expect(code('012')).toBe('FRAME_HEADER_INVALID');
    expect(code('1 2')).toBe('FRAME_HEADER_INVALID');
    expect(code('101', 100)).toBe('FRAME_TOO_LARGE');
    expect(code('0')).toBe(null); // "0" alone may still become "0" + spaces: need more
    const two = framingOracle(Buffer.from('1         a2         bc', 'latin1'), 100);
    expect(two.frames.map((f) => f.toString())).toEqual(['a', 'bc']);
    expect(two.inFrame).toBe(false);
  });

  it('catches a decoder that drops the last byte of each body (off by one)', async () => {
    const broken = framingProperties(framingPlant('decoder-off-by-one')!);
    await expectCatches(byName(broken, 'roundtrip'), /frame 0: decoded/);
  });

  it("catches a decoder that parses headers like the original's int(header.strip())", async () => {
    const broken = framingProperties(framingPlant('decoder-lenient-header')!);
    await expectCatches(byName(broken, 'garbage'), /decide|frames|expected/);
  });

  it('catches a decoder that buffers a body before checking its length', async () => {
    const broken = framingProperties(framingPlant('decoder-unbounded-buffer')!);
    await expectCatches(byName(broken, 'garbage'), /FRAME_TOO_LARGE|holds/, 1000);
  });

  it('catches a decoder that throws something other than the framing error', async () => {
    const broken = framingProperties(framingPlant('decoder-untyped-error')!);
    await expectCatches(byName(broken, 'garbage'), /not a ParleyError/, 1000);
  });
});
