/**
 * Strict JSON (spec 7.1) at its edges: keys compared after unescaping, keys only in objects (an
 * array's strings are values), escapes that hide a quote or a surrogate pair, the integer range at
 * 2^53 - 1, and the byte-order mark byte by byte.
 */
import { describe, expect, it } from 'vitest';
import { checkStrictJson, parseStrictJson } from '../../src/session/strict-json.js';

function refusal(fn: () => unknown): { code?: string; message?: string } | null {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return null;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('checkStrictJson (7.1)', () => {
  it('refuses a key twice, also when one is escaped, naming it', () => {
    expect(refusal(() => checkStrictJson('{"a":1,"a":2}'))).toMatchObject({
      code: 'PACKET_MALFORMED',
      message: expect.stringContaining('packet has the key "a" twice (7.1)'),
    });
    expect(refusal(() => checkStrictJson('{"a":1,"\\u0061":2}'))).toMatchObject({ code: 'PACKET_MALFORMED' });
    expect(refusal(() => checkStrictJson('{"x":{"b":1,"c":{"d":2},"b":3}}'))).toMatchObject({
      code: 'PACKET_MALFORMED',
    });
  });

  it('takes the same key in separate objects, and strings in arrays and values as no keys', () => {
    for (const text of [
      '{"a":{"a":1},"b":{"a":2}}',
      '{"a":["a","a"],"b":"a"}',
      '[{"a":1},{"a":1}]',
      '{"a":"b","b":"a"}',
      '{"a":[{"b":1},{"b":2}],"b":[1,{"a":3}]}',
      '{"k":"\\"a\\":1,\\"a\\"","a":2}',
      '{"a\\\\":1,"a":2}',
    ]) {
      expect(
        refusal(() => checkStrictJson(text)),
        text,
      ).toBeNull();
    }
  });

  it('refuses an escaped lone surrogate and takes an escaped pair', () => {
    for (const text of [
      '{"s":"\\ud800"}',
      '{"s":"\\udc00x"}',
      '{"s":"x\\ud800\\u0041"}',
      '["\\udfff\\ud800"]',
    ]) {
      expect(
        refusal(() => checkStrictJson(text)),
        text,
      ).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: expect.stringContaining('escaped lone surrogate, not Unicode text (7.1)'),
      });
    }
    expect(refusal(() => checkStrictJson('{"s":"\\ud83d\\ude00"}'))).toBeNull();
    expect(refusal(() => checkStrictJson('{"\\ud83d\\ude00":"\\n\\t"}'))).toBeNull();
  });

  it('takes integers up to 2^53 - 1 and refuses the rest, naming the number', () => {
    expect(refusal(() => checkStrictJson('{"n":9007199254740991,"m":0,"k":[10,200]}'))).toBeNull();
    for (const token of [
      '9007199254740992',
      '99999999999999999',
      '00000000000000001',
      '-1',
      '1.0',
      '1e3',
      '1E3',
      '-0',
      '2.5',
    ]) {
      expect(
        refusal(() => checkStrictJson(`{"n":${token}}`)),
        token,
      ).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: expect.stringContaining(
          `packet holds the number ${token}, not an integer in 0..2^53-1 (7.1)`,
        ),
      });
    }
    expect(refusal(() => checkStrictJson(`[${'1'.repeat(60)}]`))?.message).toContain(
      `the number ${'1'.repeat(40)},`,
    );
  });

  it('reads numbers inside arrays and after strings with digits', () => {
    expect(refusal(() => checkStrictJson('{"a1":"2.5","b":[1,2.5]}'))).toMatchObject({
      code: 'PACKET_MALFORMED',
    });
    expect(refusal(() => checkStrictJson('{"a1":"2.5","b":[1,25]}'))).toBeNull();
  });
});

describe('parseStrictJson (7.1)', () => {
  it('returns the value of strict JSON', () => {
    expect(parseStrictJson(bytes('{"type":"say","n":[1,2],"s":"é"}'))).toEqual({
      type: 'say',
      n: [1, 2],
      s: 'é',
    });
  });

  it('refuses a byte-order mark, and only the whole mark', () => {
    expect(
      refusal(() => parseStrictJson(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), bytes('{}')]))),
    ).toMatchObject({
      code: 'PACKET_MALFORMED',
      message: expect.stringContaining('byte-order mark'),
    });
    for (const start of [
      [0xef, 0xbb, 0x41],
      [0xef, 0x41, 0xbf],
      [0x41, 0xbb, 0xbf],
    ]) {
      expect(
        refusal(() => parseStrictJson(Buffer.of(...start))),
        String(start),
      ).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: expect.not.stringContaining('byte-order mark'),
      });
    }
    expect(refusal(() => parseStrictJson(bytes('{"s":"\ufeff"}')))).toBeNull();
  });

  it('refuses bytes that are not UTF-8 or not JSON, keeping the cause', () => {
    for (const body of [Buffer.of(0x7b, 0x22, 0xff, 0x22, 0x7d), bytes('{"a":'), bytes('')]) {
      const err = refusal(() => parseStrictJson(body)) as {
        code?: string;
        message?: string;
        cause?: unknown;
      };
      expect(err).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: expect.stringContaining('packet is not UTF-8 JSON'),
      });
      expect(err.cause).toBeDefined();
    }
  });

  it('applies the strict checks after parsing', () => {
    expect(refusal(() => parseStrictJson(bytes('{"a":1,"a":1}')))).toMatchObject({
      code: 'PACKET_MALFORMED',
    });
    expect(refusal(() => parseStrictJson(bytes('{"a":1.5}')))).toMatchObject({ code: 'PACKET_MALFORMED' });
  });
});

describe('checkStrictJson after a closed array or object (7.1)', () => {
  it('checks the keys that follow a nested array or object against their own object', () => {
    for (const text of [
      '{"a":[1],"a":2}',
      '{"a":[],"a":2}',
      '{"a":{"b":[1,{"c":2}]},"a":3}',
      '{"a":{},"a":2}',
    ])
      expect(
        refusal(() => checkStrictJson(text)),
        text,
      ).toMatchObject({ code: 'PACKET_MALFORMED' });
    for (const text of ['{"a":[1],"b":2}', '{"a":[{"b":1},{"b":2}],"b":["b","b"]}'])
      expect(
        refusal(() => checkStrictJson(text)),
        text,
      ).toBeNull();
  });

  it('reads a number that ends the text', () => {
    expect(parseStrictJson(bytes('7'))).toBe(7);
    expect(parseStrictJson(bytes('[1,23]'))).toEqual([1, 23]);
    expect(refusal(() => parseStrictJson(bytes('1.5')))).toMatchObject({ code: 'PACKET_MALFORMED' });
  });
});
