/**
 * The bench's lean packet reader (bench/lean-v2-client.ts) against the core's parser: for any
 * `message` or `user_joined` packet as the server encodes it, the lean reader either declines
 * (null: the core parses it) or reads exactly the fields the core does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leanJoined, leanMessage } from '../../bench/lean-v2-client.js';
import { encodeV2Packet, parseServerPacket } from '../../src/session/v2-codec.js';

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('"', '\\', '","ts":', 'b:1:2:3'),
);

describe('lean packet reader', () => {
  it('reads a message packet as the core does, or declines', () => {
    fc.assert(
      fc.property(fc.nat(), text, text, fc.nat(), (id, from, body, ts) => {
        const bytes = encodeV2Packet({ type: 'message', id, from, text: body, ts });
        const full = parseServerPacket(bytes);
        const lean = leanMessage(bytes);
        if (lean !== null) expect(lean).toEqual({ from: (full as { from: string }).from, text: body });
        expect(leanJoined(bytes)).toBeNull();
      }),
    );
  });

  it('reads plain bench lines without falling back', () => {
    const bytes = encodeV2Packet({ type: 'message', id: 7, from: 'c1', text: 'b:1:2:3', ts: 9 });
    expect(leanMessage(bytes)).toEqual({ from: 'c1', text: 'b:1:2:3' });
    expect(leanJoined(encodeV2Packet({ type: 'user_joined', name: 'c42', ts: 1 }))).toBe('c42');
  });

  it('reads a user_joined packet as the core does, or declines', () => {
    fc.assert(
      fc.property(text, fc.nat(), (name, ts) => {
        const bytes = encodeV2Packet({ type: 'user_joined', name, ts });
        const lean = leanJoined(bytes);
        if (lean !== null) expect(lean).toBe(name);
        expect(leanMessage(bytes)).toBeNull();
      }),
    );
  });

  it('declines anything else', () => {
    for (const packet of [
      { type: 'user_left', name: 'a', reason: 'quit', ts: 1 },
      { type: 'private', id: 1, from: 'a', to: 'b', text: 'x', ts: 1 },
      { type: 'ping' },
    ] as const) {
      const bytes = encodeV2Packet(packet as never);
      expect(leanMessage(bytes)).toBeNull();
      expect(leanJoined(bytes)).toBeNull();
    }
    expect(leanMessage(Buffer.from('{"type":"message","id":1,"from":"a"'))).toBeNull();
  });
});
