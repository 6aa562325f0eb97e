/**
 * v2 packet bodies (spec 7): the plain-pong reading in parseClientPacket must give exactly what the
 * generated schema gives for the same bytes, and leave everything else to it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { v2ClientPacketSchema } from '../../src/generated/v2-packets.js';
import { parseClientPacket } from '../../src/session/v2-codec.js';
import { codeOf } from './helpers.js';

/** The schema's reading of the bytes: the packet, or the refusal. */
function bySchema(text: string): { packet: unknown } | { refused: true } {
  try {
    const result = v2ClientPacketSchema.safeParse(JSON.parse(text));
    return result.success ? { packet: result.data } : { refused: true };
  } catch {
    return { refused: true };
  }
}

function byParser(text: string): { packet: unknown } | { refused: true } {
  try {
    return { packet: parseClientPacket(Buffer.from(text, 'utf8')) };
  } catch {
    return { refused: true };
  }
}

describe('parseClientPacket: pong (7.8)', () => {
  it.each([
    ['{"type":"pong","n":0}', { type: 'pong', n: 0 }],
    ['{"type":"pong","n":1800000000000}', { type: 'pong', n: 1800000000000 }],
    [`{"type":"pong","n":${Number.MAX_SAFE_INTEGER}}`, { type: 'pong', n: Number.MAX_SAFE_INTEGER }],
    ['{"n":7,"type":"pong"}', { type: 'pong', n: 7 }], // another key order: the full parser
    ['{"type":"pong", "n":7}', { type: 'pong', n: 7 }],
    ['{"type":"pong","n":1e3}', { type: 'pong', n: 1000 }], // JSON allows exponents
  ])('reads %s', (text, packet) => {
    expect(parseClientPacket(Buffer.from(text))).toEqual(packet);
  });

  it.each([
    '{"type":"pong","n":007}',
    '{"type":"pong","n":-1}',
    '{"type":"pong","n":1.5}',
    '{"type":"pong","n":}',
    '{"type":"pong","n":12',
    '{"type":"pong","n":9007199254740992}',
    '{"type":"pong","n":99999999999999999999}',
    '{"type":"pong","n":1,"x":2}',
  ])('refuses %s as PACKET_MALFORMED', (text) => {
    expect(codeOf(() => parseClientPacket(Buffer.from(text)))).toBe('PACKET_MALFORMED');
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
        expect(byParser(t)).toEqual(bySchema(t));
      }),
      { numRuns: 2000 },
    );
  });
});
