/**
 * v2 records (spec 6): spec/vectors/v2-records.json, checked against node:crypto directly, plus the
 * sealer/opener rules (implicit sequence numbers, sticky failure, nonce construction).
 */
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { prefersKeyObjects, RecordOpener, RecordSealer, recordNonce } from '../../src/crypto/record-layer.js';
import { encodeHeader, FrameDecoder } from '../../src/framing/frame-codec.js';
import { MAX_HEADER_LENGTH } from '../../src/generated/constants.js';
import type { VectorGroup, VectorTest } from '../../tools/vector-builder.js';
import { codeOf, fromHex, messageOf, readVectorFile, toHex, vectorCases } from './helpers.js';

interface RecordGroup extends VectorGroup {
  readonly key: string;
  readonly iv: string;
  readonly otherKey: string;
  readonly records: readonly { seq: number; nonce: string; plaintext: string; frame: string }[];
  readonly nonces: readonly { seq: string; nonce: string }[];
}
interface RecordTest extends VectorTest {
  readonly stream: string;
  readonly plaintexts: readonly string[];
  readonly code: string | null;
}

const file = readVectorFile('v2-records.json');
const cases = vectorCases<RecordGroup, RecordTest>(file);
const group = file.testGroups[0] as RecordGroup;
const keys = { key: fromHex(group.key), iv: fromHex(group.iv) };

/** Feeds `chunks` to a decoder and opens every frame with a fresh opener, then ends the stream. */
function openStream(chunks: readonly Buffer[]): { plaintexts: string[]; code: string | null } {
  const decoder = new FrameDecoder();
  const opener = new RecordOpener(keys);
  const plaintexts: string[] = [];
  const code = codeOf(() => {
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let f = decoder.next(); f; f = decoder.next()) plaintexts.push(toHex(opener.open(f)));
    }
    decoder.end();
  });
  return { plaintexts, code };
}

describe('v2 record vectors', () => {
  it('list records whose nonce is the IV XOR the sequence number', () => {
    for (const r of group.records) {
      const expected = fromHex(group.iv);
      expected.writeBigUInt64BE(expected.readBigUInt64BE(4) ^ BigInt(r.seq), 4);
      expect(r.nonce).toBe(toHex(expected));
    }
    for (const n of group.nonces) expect(toHex(recordNonce(keys.iv, BigInt(n.seq)))).toBe(n.nonce);
  });

  it('list records that node:crypto opens with the header as AAD (6.1)', () => {
    for (const r of group.records) {
      const frame = fromHex(r.frame);
      const header = frame.subarray(0, 10);
      const body = frame.subarray(10);
      expect(header.equals(encodeHeader(body.length))).toBe(true);
      const d = createDecipheriv('aes-256-gcm', keys.key, fromHex(r.nonce), { authTagLength: 16 });
      d.setAAD(header);
      d.setAuthTag(body.subarray(-16));
      const plain = Buffer.concat([d.update(body.subarray(0, -16)), d.final()]);
      expect(toHex(plain)).toBe(r.plaintext);
    }
  });

  it('list records that our sealer reproduces, with the key held as bytes or as a KeyObject', () => {
    for (const keyObject of [false, true]) {
      const sealer = new RecordSealer(keys, keyObject);
      for (const r of group.records) expect(toHex(sealer.seal(fromHex(r.plaintext)))).toBe(r.frame);
      expect(sealer.sequence).toBe(BigInt(group.records.length));
    }
  });

  it('list records that our opener opens, with the key held as bytes or as a KeyObject', () => {
    for (const keyObject of [false, true]) {
      const opener = new RecordOpener(keys, keyObject);
      for (const r of group.records) {
        const frame = fromHex(r.frame);
        expect(toHex(opener.open({ header: frame.subarray(0, 10), body: frame.subarray(10) }))).toBe(
          r.plaintext,
        );
      }
    }
  });

  it('name every failure the spec lists for 6.2', () => {
    const flags = new Set(cases.flatMap((c) => c.test.flags));
    for (const f of ['BitFlip', 'ModifiedAad', 'Replay', 'Reorder', 'Drop', 'WrongKey', 'Truncated']) {
      expect(flags).toContain(f);
    }
  });

  it.each(cases)('whole: $label', ({ test }) => {
    expect(openStream([fromHex(test.stream)])).toEqual({ plaintexts: test.plaintexts, code: test.code });
  });

  it.each(cases)('one byte at a time: $label', ({ test }) => {
    const chunks = [...fromHex(test.stream)].map((b) => Buffer.from([b]));
    expect(openStream(chunks)).toEqual({ plaintexts: test.plaintexts, code: test.code });
  });
});

describe('RecordOpener', () => {
  const frames = group.records.map((r) => {
    const frame = fromHex(r.frame);
    return { header: frame.subarray(0, 10), body: frame.subarray(10) };
  });

  it('counts records it has opened', () => {
    const opener = new RecordOpener(keys);
    expect(opener.sequence).toBe(0n);
    opener.open(frames[0]);
    opener.open(frames[1]);
    expect(opener.sequence).toBe(2n);
  });

  it('stays failed after a bad record, even for a good one', () => {
    const opener = new RecordOpener(keys);
    expect(codeOf(() => opener.open(frames[1]))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => opener.open(frames[0]))).toBe('DECRYPT_FAILED');
    expect(opener.sequence).toBe(0n);
  });

  it('refuses a record whose AAD is another header, even of a valid form', () => {
    const opener = new RecordOpener(keys);
    const header = encodeHeader(frames[0].body.length + 1);
    expect(codeOf(() => opener.open({ header, body: frames[0].body }))).toBe('DECRYPT_FAILED');
  });

  it('refuses a body shorter than the tag, and stays failed', () => {
    const opener = new RecordOpener(keys);
    expect(codeOf(() => opener.open({ header: encodeHeader(3), body: Buffer.alloc(3) }))).toBe(
      'DECRYPT_FAILED',
    );
    expect(codeOf(() => opener.open(frames[0]))).toBe('DECRYPT_FAILED');
  });

  it('says which record failed and why, for a person reading the log', () => {
    const opener = new RecordOpener(keys);
    opener.open(frames[0]);
    expect(messageOf(() => opener.open(frames[0]))).toMatch(/^record 1 failed authentication \(.*replayed/);
    const short = new RecordOpener(keys);
    expect(messageOf(() => short.open({ header: encodeHeader(15), body: Buffer.alloc(15) }))).toBe(
      'record of 15 bytes is shorter than its tag',
    );
  });

  it('refuses a record sealed for the other direction (another key)', () => {
    const other = { key: fromHex(group.otherKey), iv: keys.iv };
    const frame = new RecordSealer(other).seal(Buffer.from('{}'));
    expect(
      codeOf(() => new RecordOpener(keys).open({ header: frame.subarray(0, 10), body: frame.subarray(10) })),
    ).toBe('DECRYPT_FAILED');
  });
});

describe('RecordSealer', () => {
  it('seals an empty plaintext as a tag-only record', () => {
    const frame = new RecordSealer(keys).seal(new Uint8Array(0));
    expect(frame.length).toBe(26);
    expect(
      toHex(new RecordOpener(keys).open({ header: frame.subarray(0, 10), body: frame.subarray(10) })),
    ).toBe('');
  });

  it('refuses a plaintext whose record would not fit a frame header (3.1), before sealing anything', () => {
    const sealer = new RecordSealer(keys);
    // Only the length is read before the refusal: no plaintext of that size needs to exist.
    const huge = { length: MAX_HEADER_LENGTH - 15 } as unknown as Uint8Array;
    expect(() => sealer.seal(huge)).toThrow(new RangeError(`frame length must be 1..${MAX_HEADER_LENGTH}`));
    expect(sealer.sequence).toBe(0n);
  });

  it('never reuses a nonce: the same plaintext twice gives two different records', () => {
    const sealer = new RecordSealer(keys);
    expect(sealer.seal(Buffer.from('x')).equals(sealer.seal(Buffer.from('x')))).toBe(false);
  });

  it('refuses to seal once its sequence number would go past 2^53 - 1 (never reusing a nonce)', () => {
    const sealer = new RecordSealer(keys);
    (sealer as unknown as { seq: number }).seq = Number.MAX_SAFE_INTEGER - 1;
    expect(codeOf(() => sealer.seal(Buffer.from('x')))).toBeNull();
    expect(codeOf(() => sealer.seal(Buffer.from('x')))).toBe('INTERNAL_ERROR');
  });

  it('says why it refuses to seal past the last sequence number', () => {
    const sealer = new RecordSealer(keys);
    (sealer as unknown as { seq: number }).seq = Number.MAX_SAFE_INTEGER;
    expect(() => sealer.seal(Buffer.from('x'))).toThrow(/sequence number exhausted/);
  });

  it('seals and opens under recordNonce(iv, seq) at every sequence number, across 32-bit halves', () => {
    for (const seq of [
      0,
      1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 1,
      2 ** 40 + 12345,
      Number.MAX_SAFE_INTEGER - 1,
    ]) {
      const sealer = new RecordSealer(keys);
      const opener = new RecordOpener(keys);
      (sealer as unknown as { seq: number }).seq = seq;
      (opener as unknown as { seq: number }).seq = seq;
      const frame = sealer.seal(Buffer.from(`record ${seq}`));
      const header = frame.subarray(0, 10);
      const body = frame.subarray(10);
      // The reference construction, with a BigInt sequence number, opens what the sealer made.
      const decipher = createDecipheriv('aes-256-gcm', keys.key, recordNonce(keys.iv, BigInt(seq)));
      decipher.setAAD(header);
      decipher.setAuthTag(body.subarray(body.length - 16));
      const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
      expect(plain.toString()).toBe(`record ${seq}`);
      expect(opener.open({ header, body }).toString()).toBe(`record ${seq}`);
      expect(sealer.sequence).toBe(BigInt(seq) + 1n);
    }
  });
});

describe('recordNonce', () => {
  it('XORs the sequence number into the last 8 bytes of the IV only', () => {
    const iv = Buffer.alloc(12, 0xff);
    expect(toHex(recordNonce(iv, 1n))).toBe('fffffffffffffffffffffffe');
    expect(toHex(recordNonce(iv, 2n ** 64n - 1n))).toBe('ffffffff0000000000000000');
    expect(toHex(iv)).toBe('ff'.repeat(12)); // the IV itself is not modified
  });
});

describe('prefersKeyObjects', () => {
  it('holds record keys as KeyObjects from Node 24 on, where a Buffer key is the slow path', () => {
    expect(['20.20.2', '22.23.3', '24.0.0', '24.21.0', '25.1.0'].map(prefersKeyObjects)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});
