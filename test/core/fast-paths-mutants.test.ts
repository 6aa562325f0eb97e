/**
 * The speed shortcuts (fast-paths.ts) at their edges: what plainPong leaves to the parser, and
 * that each cache gives back its last result only for the very same input (the same Buffers in the
 * same order, the same time), never a stale one. fast-paths.test.ts shows the bytes equal the
 * plain path's; these pin when a shortcut may reuse.
 */
import { describe, expect, it } from 'vitest';
import { PingCache, plainPong, RecordJoiner } from '../../src/session/fast-paths.js';
import { joinPackets } from '../../src/session/v2-codec.js';

const pong = (text: string) => plainPong(Buffer.from(text, 'latin1'));
const parts = (...texts: string[]) => texts.map((t) => Buffer.from(t));
const total = (bufs: readonly Buffer[]) => bufs.reduce((n, b) => n + b.length, 0);

describe('plainPong', () => {
  it('reads the one spelling, and leaves anything that does not end in a closing brace to the parser', () => {
    expect(pong('{"type":"pong","n":12}')).toEqual({ type: 'pong', n: 12 });
    for (const text of [
      '{"type":"pong","n":12]',
      '{"type":"pong","n":123',
      '{"type":"pong","n":12 ',
      '{"type":"pong","n":}',
    ])
      expect(pong(text), text).toBeNull();
  });

  it('takes 16 digits up to 2^53 - 1 and leaves longer numbers to the parser', () => {
    expect(pong(`{"type":"pong","n":${Number.MAX_SAFE_INTEGER}}`)).toEqual({
      type: 'pong',
      n: Number.MAX_SAFE_INTEGER,
    });
    expect(pong(`{"type":"pong","n":${'1'.repeat(17)}}`)).toBeNull();
    expect(pong('{"type":"pong"}')).toBeNull();
  });
});

describe('RecordJoiner', () => {
  it('hands back a record of one packet as that packet, uncopied', () => {
    const [only] = parts('{"type":"ping","n":1}');
    expect(new RecordJoiner().join([only], only.length)).toBe(only);
  });

  it('reuses its last join only for the very same Buffers in the same order', () => {
    const joiner = new RecordJoiner();
    const [a, b, c] = parts('{"a":1}', '{"b":2}', '{"c":3}');
    const first = joiner.join([a, b], total([a, b]));
    expect(first).toEqual(joinPackets([a, b], total([a, b])));
    expect(joiner.join([a, b], total([a, b]))).toBe(first);

    const other = joiner.join([a, c], total([a, c]));
    expect(other).toEqual(joinPackets([a, c], total([a, c])));
    const swapped = joiner.join([c, a], total([c, a]));
    expect(swapped).toEqual(joinPackets([c, a], total([c, a])));

    const sameBytes = parts('{"c":3}', '{"a":1}');
    const copy = joiner.join(sameBytes, total(sameBytes));
    expect(copy).not.toBe(swapped);
    expect(copy).toEqual(swapped);
    expect(joiner.join([a, b, c], total([a, b, c]))).toEqual(joinPackets([a, b, c], total([a, b, c])));
  });
});

describe('PingCache', () => {
  it('makes the ping once per time, and a new one for another time', () => {
    const cache = new PingCache();
    const at5 = cache.ping(5);
    expect(JSON.parse(at5.toString())).toEqual({ type: 'ping', n: 5 });
    expect(cache.ping(5)).toBe(at5);
    expect(JSON.parse(cache.ping(6).toString())).toEqual({ type: 'ping', n: 6 });
  });
});
