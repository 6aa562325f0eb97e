/**
 * v2 packet bodies (spec 7): parseClientPacket, and the server's plain-pong shortcut in front of it
 * (session/fast-paths.ts), must give exactly what the generated schema gives for the same bytes;
 * the shortcut leaves everything else to the parser. The pong cases run both ways.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { v2ClientPacketSchema } from '../../src/generated/v2-packets.js';
import { plainPong } from '../../src/session/fast-paths.js';
import { parseStrictJson } from '../../src/session/strict-json.js';
import { parseClientPacket, parseServerPacket } from '../../src/session/v2-codec.js';
import { codeOf } from './helpers.js';

/** The schema's reading of the bytes: the packet, or the refusal. */
function bySchema(text: string): { packet: unknown } | { refused: true } {
  try {
    const result = v2ClientPacketSchema.safeParse(parseStrictJson(Buffer.from(text, 'utf8')));
    return result.success ? { packet: result.data } : { refused: true };
  } catch {
    return { refused: true };
  }
}

/** The server's reading: the plain path, or with the fast pong in front (as a server with fast paths reads). */
const READERS = [
  ['the plain path', (bytes: Buffer) => parseClientPacket(bytes)],
  ['the fast pong first', (bytes: Buffer) => plainPong(bytes) ?? parseClientPacket(bytes)],
] as const;

function byParser(text: string, read = READERS[0][1]): { packet: unknown } | { refused: true } {
  try {
    return { packet: read(Buffer.from(text, 'utf8')) };
  } catch {
    return { refused: true };
  }
}

describe.each(READERS)('parseClientPacket: pong (7.8), %s', (_, read) => {
  it.each([
    ['{"type":"pong","n":0}', { type: 'pong', n: 0 }],
    ['{"type":"pong","n":1800000000000}', { type: 'pong', n: 1800000000000 }],
    [`{"type":"pong","n":${Number.MAX_SAFE_INTEGER}}`, { type: 'pong', n: Number.MAX_SAFE_INTEGER }],
    ['{"n":7,"type":"pong"}', { type: 'pong', n: 7 }], // another key order: the full parser
    ['{"type":"pong", "n":7}', { type: 'pong', n: 7 }],
  ])('reads %s', (text, packet) => {
    expect(read(Buffer.from(text))).toEqual(packet);
  });

  it.each([
    '{"type":"pong","n":007}',
    '{"type":"pong","n":-1}',
    '{"type":"pong","n":1.5}',
    '{"type":"pong","n":1e3}', // JSON allows exponents, v2 integers do not (7.1)
    '{"type":"pong","n":1.0}',
    '{"type":"pong","n":1,"n":1}',
    '{"type":"pong","n":}',
    '{"type":"pong","n":12',
    '{"type":"pong","n":9007199254740992}',
    '{"type":"pong","n":99999999999999999999}',
    '{"type":"pong","n":1,"x":2}',
    // A message of the day is one line (7.18, the rule of 7.1 for reason): every client shows it.
    '{"type":"motd","text":"hi\\nserver> forged"}',
    '{"type":"motd","text":"\\u001b[2J"}',
    '{"type":"motd","text":"a\\u2028b"}',
  ])('refuses %s as PACKET_MALFORMED', (text) => {
    expect(codeOf(() => read(Buffer.from(text)))).toBe('PACKET_MALFORMED');
  });

  it('agrees with the schema on every pong-like text', () => {
    const digits = fc.stringMatching(/^-?[0-9]{0,20}(\.[0-9])?([eE][+-]?[0-9])?$/);
    const number = fc.oneof(
      fc.nat().map(String),
      fc.maxSafeNat().map(String),
      fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
      digits,
    );
    const text = fc.oneof(
      number.map((n) => `{"type":"pong","n":${n}}`),
      fc
        .tuple(number, fc.constantFrom('', ' ', ',"x":1', '}'))
        .map(([n, tail]) => `{"type":"pong","n":${n}${tail}}`),
      fc.string({ maxLength: 30 }).map((junk) => `{"type":"pong","n":${junk}}`),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(byParser(t, read)).toEqual(bySchema(t));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseClientPacket and parseServerPacket: UTF-8 (7)', () => {
  /** `head` + bytes + `tail`, so that the bytes sit inside a JSON string of a valid packet. */
  const packet = (head: string, bytes: number[], tail: string) =>
    Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);

  it('reads UTF-8 text inside a packet', () => {
    const text = [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]; // é € 😀
    expect(parseClientPacket(packet('{"type":"say","text":"', text, '"}'))).toEqual({
      type: 'say',
      text: 'é€😀',
    });
    const message = packet('{"type":"message","id":1,"from":"ann","text":"', text, '","ts":2}');
    expect(parseServerPacket(message)).toEqual({ type: 'message', id: 1, from: 'ann', text: 'é€😀', ts: 2 });
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a byte that never appears in UTF-8', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses %s inside a string as PACKET_MALFORMED, not as a replacement character', (_label, bytes) => {
    expect(codeOf(() => parseClientPacket(packet('{"type":"say","text":"a', bytes, 'b"}')))).toBe(
      'PACKET_MALFORMED',
    );
    const message = packet('{"type":"message","id":1,"from":"ann","text":"a', bytes, 'b","ts":2}');
    expect(codeOf(() => parseServerPacket(message))).toBe('PACKET_MALFORMED');
  });
});
