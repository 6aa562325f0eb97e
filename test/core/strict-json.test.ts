/**
 * Strict JSON (spec 7.1) and the direction rule (4.2), as the v2 codec applies them to what each
 * side receives.
 */
import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../src/session/strict-json.js';
import { parseClientPacket, parseServerPacket } from '../../src/session/v2-codec.js';
import { codeOf, messageOf } from './helpers.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('strict JSON (7.1)', () => {
  it.each([
    ['a fraction', '{"type":"ping","n":1.0}', /number 1\.0/],
    ['an exponent', '{"type":"ping","n":1e3}', /number 1e3/],
    ['a minus sign', '{"type":"ping","n":-0}', /number -0/],
    ['2^53', '{"type":"ping","n":9007199254740992}', /9007199254740992/],
    ['a key twice', '{"type":"say","text":"a","text":"b"}', /key "text" twice/],
    ['a key twice, once escaped', '{"type":"say","text":"a","t\\u0065xt":"b"}', /key "text" twice/],
    ['a key twice in a nested object', '{"a":[{"x":1,"x":2}]}', /key "x" twice/],
  ])('refuses %s with PACKET_MALFORMED', (_label, text, message) => {
    expect(codeOf(() => parseStrictJson(bytes(text)))).toBe('PACKET_MALFORMED');
    expect(messageOf(() => parseStrictJson(bytes(text)))).toMatch(message);
  });

  it('refuses a byte-order mark and bytes that are not UTF-8', () => {
    expect(messageOf(() => parseStrictJson(bytes('\ufeff{"type":"who"}')))).toMatch(/byte-order mark/);
    expect(codeOf(() => parseStrictJson(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('PACKET_MALFORMED');
  });

  it('takes the largest integer, whitespace, equal keys in different objects, and digits inside strings', () => {
    expect(parseStrictJson(bytes('{ "n" : 9007199254740991 }'))).toEqual({ n: 9007199254740991 });
    expect(parseStrictJson(bytes('{"a":{"k":1},"b":{"k":2},"s":"1.5e3 \\" , {"}'))).toEqual({
      a: { k: 1 },
      b: { k: 2 },
      s: '1.5e3 " , {',
    });
    expect(parseStrictJson(bytes('[true,false,null,0]'))).toEqual([true, false, null, 0]);
  });

  it('applies to the hellos too', () => {
    const hello = '{"type":"client_hello","protocol":"parley/2","protocol":"parley/2"}';
    expect(codeOf(() => parseClientPacket(bytes(hello)))).toBe('PACKET_MALFORMED');
  });
});

describe('a packet of the other direction (4.2)', () => {
  it('from a client is PACKET_UNEXPECTED, as is a client packet from a server', () => {
    const message = '{"type":"message","id":1,"from":"a","text":"b","ts":1}';
    expect(codeOf(() => parseClientPacket(bytes(message)))).toBe('PACKET_UNEXPECTED');
    expect(codeOf(() => parseClientPacket(bytes('{"type":"server_auth"}')))).toBe('PACKET_UNEXPECTED');
    expect(codeOf(() => parseServerPacket(bytes('{"type":"say","text":"x"}')))).toBe('PACKET_UNEXPECTED');
  });

  it('while an unknown type or a malformed packet of the right direction is PACKET_MALFORMED', () => {
    expect(codeOf(() => parseClientPacket(bytes('{"type":"dance"}')))).toBe('PACKET_MALFORMED');
    expect(codeOf(() => parseClientPacket(bytes('{"type":"toString"}')))).toBe('PACKET_MALFORMED');
    expect(codeOf(() => parseClientPacket(bytes('{"type":"say"}')))).toBe('PACKET_MALFORMED');
    expect(codeOf(() => parseClientPacket(bytes('[1]')))).toBe('PACKET_MALFORMED');
  });

  it('counts characters as code points (7.1): 256 astral characters make a valid goodbye reason', () => {
    const reason = '𝒜'.repeat(256);
    expect(parseClientPacket(bytes(JSON.stringify({ type: 'goodbye', reason })))).toEqual({
      type: 'goodbye',
      reason,
    });
    const tooLong = JSON.stringify({ type: 'goodbye', reason: `${reason}a` });
    expect(codeOf(() => parseClientPacket(bytes(tooLong)))).toBe('PACKET_MALFORMED');
  });
});
