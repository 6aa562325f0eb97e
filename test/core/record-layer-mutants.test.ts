/**
 * The record opener names GCM's full 16-byte tag length (6.1) when it makes its decipher, so that
 * a tag of any other length could never authenticate a record, whatever the caller slices off the
 * body (Node takes a shorter tag when no length is named, and warns about it from Node 23 on).
 * The records themselves cannot show it (the opener always hands over 16 bytes), so node:crypto's
 * createDecipheriv is spied on, as in speed-paths.test.ts.
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { FrameDecoder } from '../../src/framing/frame-codec.js';

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

describe('RecordOpener: the tag length (6.1)', () => {
  it('makes its decipher with authTagLength 16', () => {
    const keys = { key: Buffer.alloc(32, 5), iv: Buffer.alloc(12, 6) };
    const decoder = new FrameDecoder();
    decoder.push(new RecordSealer(keys).seal(Buffer.from('{"type":"who"}')));
    const spy = vi.spyOn(crypto, 'createDecipheriv');
    syncBuiltinESMExports();
    expect(new RecordOpener(keys).open(decoder.next()!).toString()).toBe('{"type":"who"}');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][3]).toEqual({ authTagLength: 16 });
  });
});
