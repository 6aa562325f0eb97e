/**
 * Python's json.dumps defaults (legacy 10.1) and str(datetime), as the original server writes them.
 */
import { describe, expect, it } from 'vitest';
import { pythonDateString, pythonJsonDumps, pythonJsonString } from '../../src/legacy/python-json.js';

describe('pythonJsonDumps', () => {
  it('uses ", " and ": " separators and keeps key order', () => {
    expect(pythonJsonDumps({ b: 1, a: [true, false, null], c: { d: 'x' } })).toBe(
      '{"b": 1, "a": [true, false, null], "c": {"d": "x"}}',
    );
  });

  it('writes empty containers as Python does', () => {
    expect(pythonJsonDumps([])).toBe('[]');
    expect(pythonJsonDumps({})).toBe('{}');
  });

  it('writes numbers as JSON numbers and refuses non-finite ones', () => {
    expect(pythonJsonDumps([0, -3, 1.5, 1e21])).toBe('[0, -3, 1.5, 1e+21]');
    expect(() => pythonJsonDumps(Number.NaN)).toThrow(RangeError);
    expect(() => pythonJsonDumps(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('says why it refuses a non-finite number', () => {
    expect(() => pythonJsonDumps([1, Number.NEGATIVE_INFINITY])).toThrow(
      'JSON cannot hold a non-finite number',
    );
  });

  it('escapes quotes, backslashes and the short control escapes', () => {
    expect(pythonJsonString('a"b\\c\n\r\t\b\f')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f"');
  });

  it('escapes other control characters and DEL as lowercase \\u00XX', () => {
    expect(pythonJsonString('\u0000\u001f\u007f')).toBe('"\\u0000\\u001f\\u007f"');
  });

  it('escapes non-ASCII as \\uXXXX and astral characters as surrogate pairs', () => {
    expect(pythonJsonString('è')).toBe('"\\u00e8"');
    expect(pythonJsonString('€')).toBe('"\\u20ac"');
    expect(pythonJsonString('👋')).toBe('"\\ud83d\\udc4b"');
    expect(pythonJsonString('ciao è ok? 👋!')).toBe('"ciao \\u00e8 ok? \\ud83d\\udc4b!"');
  });

  it("leaves printable ASCII (including / and ') alone", () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(pythonJsonString(printable)).toBe(`"${printable}"`);
  });

  it('always produces ASCII that JSON.parse reads back to the same value', () => {
    const value = { s: 'è\u0001"\\👋\u2028', list: ['a', null], n: 12, ok: true };
    const text = pythonJsonDumps(value);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('pythonDateString', () => {
  it('writes local time as YYYY-MM-DD HH:MM:SS.ffffff', () => {
    const t = new Date(2026, 10, 27, 13, 54, 32, 854).getTime();
    expect(pythonDateString(t)).toBe('2026-11-27 13:54:32.854000');
  });

  it('pads every field', () => {
    const t = new Date(2027, 0, 5, 3, 4, 5, 6).getTime();
    expect(pythonDateString(t)).toBe('2027-01-05 03:04:05.006000');
  });

  it('leaves out a zero fraction, as str(datetime) does', () => {
    const t = new Date(2026, 10, 27, 0, 0, 0, 0).getTime();
    expect(pythonDateString(t)).toBe('2026-11-27 00:00:00');
  });
});
