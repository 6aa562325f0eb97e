/**
 * The legacy packet object (10.1) and its bodies (8.1-8.3 plaintext, 9.1 encrypted), with the
 * padding that keeps original clients' 10-byte reads in step: plaintext bodies are a multiple of 10
 * bytes, encrypted bodies a multiple of 20 characters (legacy mitigations).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEGACY_NONE_KEY, legacyDecrypt, legacyEncrypt, legacyKey } from '../../src/crypto/legacy-cipher.js';
import { LEGACY_KEY_ORDER } from '../../src/generated/constants.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  HIDDEN_HOST,
  legacyPacket,
  parseLegacyPacket,
  sealLegacyBody,
  serializeLegacyPacket,
} from '../../src/legacy/legacy-packet.js';
import { codeOf, messageOf } from './helpers.js';

const cipher = { key: legacyKey(123456789n), iv: Buffer.alloc(16, 7) };
const DATE = '2026-11-27 13:54:32.854813';

describe('legacyPacket', () => {
  it('builds the object in the original key order, with the address hidden', () => {
    const p = legacyPacket('default', 'alice', 'hi', DATE);
    expect(Object.keys(p)).toEqual([...LEGACY_KEY_ORDER]);
    expect(p).toEqual({
      shost: HIDDEN_HOST,
      dhost: HIDDEN_HOST,
      username: 'alice',
      date: DATE,
      cont: 'hi',
      typ: 'default',
      shouldParseContents: false,
    });
    expect(HIDDEN_HOST).toBe('0.0.0.0');
  });

  it('marks list contents with shouldParseContents and copies the list', () => {
    const names = ['bob', null];
    const p = legacyPacket('client_list_update_add', '*server*', names, DATE, 'allhosts');
    expect(p.cont).toEqual(['bob', null]);
    expect(p.cont).not.toBe(names);
    expect(p.shouldParseContents).toBe(true);
    expect(p.dhost).toBe('allhosts');
  });
});

describe('padding', () => {
  const texts = fc.string({ unit: 'binary', maxLength: 200 });

  it('makes every plaintext body a multiple of 10 bytes', () => {
    fc.assert(
      fc.property(texts, (cont) => {
        const body = encodeLegacyBody(legacyPacket('key_exc', 'temp', cont, DATE));
        expect(body.length % 10).toBe(0);
        expect(parseLegacyPacket(body).cont).toBe(cont);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it('makes every encrypted body a multiple of 20 characters (plaintext a multiple of 15)', () => {
    fc.assert(
      fc.property(texts, (cont) => {
        const packet = legacyPacket('default', 'alice', cont, DATE);
        expect(serializeLegacyPacket(packet, true).length % 15).toBe(0);
        const body = encodeLegacyBody(packet, cipher);
        expect(body.length % 20).toBe(0);
        expect(decodeLegacyRecord(body, cipher)).toEqual(packet);
      }),
      { seed: 2, numRuns: 200 },
    );
  });

  it('pads with trailing spaces only, and only when needed', () => {
    const packet = legacyPacket('default', 'a', 'b', DATE);
    const json = serializeLegacyPacket(packet, false).toString('latin1');
    expect(json).toMatch(/^\{.*\} *$/);
    expect(json.trimEnd().length).toBeGreaterThan(json.length - 10);
    // A JSON text whose length is already a multiple gets no padding.
    for (let extra = 0; extra < 10; extra++) {
      const p = legacyPacket('default', 'a', 'x'.repeat(extra), DATE);
      const text = serializeLegacyPacket(p, false).toString('latin1');
      if (text.trimEnd().length % 10 === 0) expect(text).toBe(text.trimEnd());
    }
  });

  it('writes non-ASCII as escapes, so bytes equal characters', () => {
    const body = encodeLegacyBody(legacyPacket('default', 'zoë', 'è 👋', DATE));
    expect(body.every((b) => b < 0x80)).toBe(true);
    expect(body.toString('latin1')).toContain('"zo\\u00eb"');
  });
});

describe('sealLegacyBody / decodeLegacyRecord', () => {
  it('encrypts one serialisation for many recipients', () => {
    const packet = legacyPacket('default', 'alice', 'hi all', DATE);
    const plain = serializeLegacyPacket(packet, true);
    const other = { key: legacyKey('42'), iv: cipher.iv };
    expect(decodeLegacyRecord(sealLegacyBody(plain, cipher), cipher)).toEqual(packet);
    expect(decodeLegacyRecord(sealLegacyBody(plain, other), other)).toEqual(packet);
    expect(sealLegacyBody(plain, cipher).equals(sealLegacyBody(plain, other))).toBe(false);
  });

  it('restarts the cipher at the IV for every frame (the original keystream reuse)', () => {
    const a = Buffer.from(legacyEncrypt(cipher.key, cipher.iv, Buffer.from('same prefix A')), 'base64');
    const b = Buffer.from(legacyEncrypt(cipher.key, cipher.iv, Buffer.from('same prefix B')), 'base64');
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(true);
  });

  it('refuses a body that is not strict base64 with PACKET_MALFORMED', () => {
    for (const body of ['abc', 'ab=c', '####', 'YWJj\n', 'YQ']) {
      expect(codeOf(() => legacyDecrypt(cipher.key, cipher.iv, body))).toBe('PACKET_MALFORMED');
    }
    expect(codeOf(() => decodeLegacyRecord(Buffer.from('not base64!'), cipher))).toBe('PACKET_MALFORMED');
  });

  it('refuses a record under the wrong key with PACKET_MALFORMED (no integrity, only garbage)', () => {
    const body = encodeLegacyBody(legacyPacket('default', 'alice', 'hi', DATE), cipher);
    expect(codeOf(() => decodeLegacyRecord(body, { key: LEGACY_NONE_KEY, iv: cipher.iv }))).toBe(
      'PACKET_MALFORMED',
    );
  });

  it('derives the None key from the text None', () => {
    expect(LEGACY_NONE_KEY.equals(legacyKey('None'))).toBe(true);
    expect(LEGACY_NONE_KEY.toString('hex')).toBe(
      'dc937b59892604f5a86ac96936cd7ff09e25f18ae6b758e8014a24c7fa039e91',
    );
  });
});

describe('parseLegacyPacket', () => {
  const good = {
    shost: '127.0.0.1',
    dhost: '127.0.0.1',
    username: 'bob',
    date: DATE,
    cont: ['alice', null],
    typ: 'client_list_update_add',
    shouldParseContents: true,
  };
  const parse = (value: unknown) => () => parseLegacyPacket(Buffer.from(JSON.stringify(value)));

  it('accepts the packet object, with null in name lists (the original sends it)', () => {
    expect(parse(good)()).toEqual(good);
  });

  it('accepts unknown typ values (10.3 treats them as default)', () => {
    expect(parse({ ...good, cont: 'x', typ: 'whatever' })().typ).toBe('whatever');
  });

  it.each([
    [
      'a missing key',
      (() => {
        const { date: _, ...rest } = good;
        return rest;
      })(),
    ],
    ['an extra key', { ...good, extra: 1 }],
    ['a number for cont', { ...good, cont: 5 }],
    ['a string for shouldParseContents', { ...good, shouldParseContents: 'true' }],
    ['an array instead of an object', [good]],
    ['null', null],
  ])('refuses %s with PACKET_MALFORMED', (_label, value) => {
    expect(codeOf(parse(value))).toBe('PACKET_MALFORMED');
  });

  it('says what was wrong with a refused body', () => {
    expect(messageOf(() => parseLegacyPacket(Buffer.from('{"shost": ')))).toBe(
      'legacy body is not UTF-8 JSON',
    );
    // The schema's first complaint, not a generic word.
    const { date: _, ...noDate } = good;
    const missing = messageOf(parse(noDate));
    expect(missing).toMatch(/^legacy packet: ./);
    expect(missing).not.toBe('legacy packet: invalid');
    expect(messageOf(() => legacyDecrypt(cipher.key, cipher.iv, 'abc'))).toMatch(/not base64/);
  });

  it('refuses a body that is not JSON or not UTF-8', () => {
    expect(codeOf(() => parseLegacyPacket(Buffer.from('{"shost": ')))).toBe('PACKET_MALFORMED');
    expect(codeOf(() => parseLegacyPacket(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('PACKET_MALFORMED');
  });

  // Bytes that are not UTF-8 inside a string of an otherwise valid packet: a lenient decoder would
  // turn them into U+FFFD and accept the packet.
  const withBytes = (bytes: number[]) => {
    const [head, tail] = JSON.stringify({
      ...good,
      cont: 'a@b',
      typ: 'default',
      shouldParseContents: false,
    }).split('@');
    return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
  };

  it('reads UTF-8 inside a string (the original sends escapes, but JSON allows raw UTF-8)', () => {
    expect(parseLegacyPacket(withBytes([0xc3, 0xa9])).cont).toBe('aéb');
    const body = Buffer.from(legacyEncrypt(cipher.key, cipher.iv, withBytes([0xc3, 0xa9])), 'latin1');
    expect(decodeLegacyRecord(body, cipher).cont).toBe('aéb');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a byte that never appears in UTF-8', [0xff]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
  ])('refuses %s inside a string with PACKET_MALFORMED', (_label, bytes) => {
    expect(codeOf(() => parseLegacyPacket(withBytes(bytes)))).toBe('PACKET_MALFORMED');
    // The same plaintext encrypted (9.1): decrypting does not make it text.
    const body = Buffer.from(legacyEncrypt(cipher.key, cipher.iv, withBytes(bytes)), 'latin1');
    expect(codeOf(() => decodeLegacyRecord(body, cipher))).toBe('PACKET_MALFORMED');
  });
});
