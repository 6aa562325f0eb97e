/**
 * The v2 packet codec at the edges mutation testing (issue 22) found unpinned: what a refusal says
 * (the field path of the schema's first issue, the direction), an empty packet inside a record
 * (6.1) told apart from bad JSON, and the one-packet record handed on as the very Buffer it came in
 * (split and join), which is the shortcut every record with one packet takes.
 */
import { describe, expect, it } from 'vitest';
import {
  joinPackets,
  PACKET_SEPARATOR,
  parseClientPacket,
  parseServerPacket,
  splitPackets,
} from '../../src/session/v2-codec.js';

function refusal(fn: () => unknown): { code?: string; message?: string } | null {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return null;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parse refusals say what was wrong (7)', () => {
  it('names the field of a client packet that does not fit its schema', () => {
    expect(refusal(() => parseClientPacket(bytes('{"type":"join","name":5}')))).toMatchObject({
      code: 'PACKET_MALFORMED',
      message: 'bad client packet: name: Invalid input: expected string, received number',
    });
  });

  it('names a nested field by its whole path, joined with dots', () => {
    const hello = {
      type: 'server_hello',
      protocol: 'parley/2',
      nonce: Buffer.alloc(32).toString('base64'),
      groups: [{ group: 'x25519', share: 5 }],
      limits: { maxFrame: 1024, maxMessage: 100, maxName: 16 },
    };
    const error = refusal(() => parseServerPacket(bytes(JSON.stringify(hello))));
    expect(error?.code).toBe('PACKET_MALFORMED');
    expect(error?.message).toMatch(/^bad server packet: groups\.0\.share: /);
  });

  it('gives the bare message when the packet as a whole is wrong (no path)', () => {
    expect(refusal(() => parseClientPacket(bytes('5')))?.message).toBe(
      'bad client packet: Invalid input: expected object, received number',
    );
    expect(refusal(() => parseServerPacket(bytes('[]')))?.message).toBe(
      'bad server packet: Invalid input: expected object, received array',
    );
  });

  it('names the server packet field too', () => {
    expect(refusal(() => parseServerPacket(bytes('{"type":"join_ok","name":5,"users":[]}')))).toMatchObject({
      code: 'PACKET_MALFORMED',
      message: 'bad server packet: name: Invalid input: expected string, received number',
    });
  });

  it('says which side may not send a packet of the other direction (4.2)', () => {
    expect(refusal(() => parseClientPacket(bytes('{"type":"server_hello"}')))).toMatchObject({
      code: 'PACKET_UNEXPECTED',
      message: 'a client may not send server_hello (4.2)',
    });
    expect(refusal(() => parseServerPacket(bytes('{"type":"join"}')))).toMatchObject({
      code: 'PACKET_UNEXPECTED',
      message: 'a server may not send join (4.2)',
    });
  });
});

describe('splitPackets (6.1)', () => {
  it('refuses an empty packet as such, not as JSON that does not parse', () => {
    for (const text of ['\n{"type":"who"}', '{"type":"who"}\n', '{"type":"who"}\n\n{"type":"who"}', '']) {
      expect(
        refusal(() => splitPackets(bytes(text))),
        JSON.stringify(text),
      ).toMatchObject({
        code: 'PACKET_MALFORMED',
        message: 'empty packet in a record',
      });
    }
  });

  it('hands a one-packet record on as the Buffer it came in, and splits the others into views', () => {
    const one = bytes('{"type":"who"}');
    const parts = splitPackets(one);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toBe(one);

    const two = bytes('{"type":"who"}\n{"type":"rooms"}');
    const split = splitPackets(two);
    expect(split.map((p) => p.toString())).toEqual(['{"type":"who"}', '{"type":"rooms"}']);
    expect(split[1].buffer).toBe(two.buffer); // views, not copies
  });
});

describe('joinPackets (6.1)', () => {
  it('gives one packet back as it is, and puts one separator between several', () => {
    const a = bytes('{"type":"ping","n":1}');
    expect(joinPackets([a], a.length)).toBe(a);
    const b = bytes('{"type":"ping","n":22}');
    const joined = joinPackets([a, b, a], 2 * a.length + b.length);
    expect(joined.toString()).toBe(`${a}\n${b}\n${a}`);
    expect(joined.filter((byte) => byte === PACKET_SEPARATOR)).toHaveLength(2);
  });
});
