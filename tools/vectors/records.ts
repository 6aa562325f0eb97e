/**
 * v2-records.json (spec 6): a sealed record sequence under fixed keys, record nonces, and streams
 * with tampered, replayed, reordered, dropped or truncated records.
 */
import { RecordSealer, recordNonce } from '../../src/crypto/record-layer.js';
import type { DirectionKeys } from '../../src/crypto/v2-keys.js';
import { encodeHeader } from '../../src/framing/frame-codec.js';
import type { ErrorCode } from '../../src/generated/errors.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { type DraftTest, fixedBytes, hex, latin1, type VectorFile, vectorFile } from './format.js';

export const RECORD_KEYS: DirectionKeys = {
  key: fixedBytes('record key', 32),
  iv: fixedBytes('record iv', 12),
};
export const RECORD_OTHER_KEYS: DirectionKeys = {
  key: fixedBytes('record other key', 32),
  iv: RECORD_KEYS.iv,
};

export const RECORD_PLAINTEXTS: readonly Buffer[] = [
  encodeV2Packet({ type: 'join', name: 'alice' }),
  encodeV2Packet({ type: 'say', text: 'hello' }),
  encodeV2Packet({ type: 'say', text: 'è tutto ok? 👋' }),
  encodeV2Packet({ type: 'who' }),
  encodeV2Packet({ type: 'goodbye', reason: 'bye' }),
];

function sealAll(keys: DirectionKeys, plaintexts: readonly Buffer[]): Buffer[] {
  const sealer = new RecordSealer(keys);
  return plaintexts.map((p) => sealer.seal(p));
}

/** Rewraps a body in a fresh header: the AAD changes with the length. */
function reframe(body: Buffer): Buffer {
  return Buffer.concat([encodeHeader(body.length), body]);
}

function flipBit(frame: Buffer, offset: number, mask = 0x01): Buffer {
  const out = Buffer.from(frame);
  out[offset] ^= mask;
  return out;
}

export function buildRecordVectors(): VectorFile {
  const r = sealAll(RECORD_KEYS, RECORD_PLAINTEXTS);
  const p = RECORD_PLAINTEXTS;
  const bodyOf = (frame: Buffer) => frame.subarray(10);
  const valid = (comment: string, frames: Buffer[], plaintexts: readonly Buffer[]): DraftTest => ({
    comment,
    flags: [],
    stream: hex(Buffer.concat(frames)),
    plaintexts: plaintexts.map(hex),
    result: 'valid',
    code: null,
  });
  const invalid = (
    comment: string,
    flags: string[],
    frames: Buffer[],
    plaintexts: readonly Buffer[],
    code: ErrorCode,
  ): DraftTest => ({
    comment,
    flags,
    stream: hex(Buffer.concat(frames)),
    plaintexts: plaintexts.map(hex),
    result: 'invalid',
    code,
  });
  const lengthDigits = String(bodyOf(r[0]).length);
  const shorterHeader = Buffer.concat([
    latin1(String(Number(lengthDigits) - 1).padEnd(10, ' ')),
    bodyOf(r[0]),
  ]);
  const longerLast = Buffer.concat([latin1(String(bodyOf(r[4]).length + 1).padEnd(10, ' ')), bodyOf(r[4])]);
  const wrongKey = sealAll(RECORD_OTHER_KEYS, [p[0]])[0];
  const tests: DraftTest[] = [
    valid('the whole sequence, records 0 to 4', r, p),
    valid('the first record alone', [r[0]], [p[0]]),
    invalid(
      'a bit flipped in the ciphertext of record 1',
      ['BitFlip'],
      [r[0], flipBit(r[1], 10)],
      [p[0]],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a bit flipped in the middle of the ciphertext',
      ['BitFlip'],
      [flipBit(r[0], 20, 0x80)],
      [],
      'DECRYPT_FAILED',
    ),
    invalid('a bit flipped in the tag', ['BitFlip'], [flipBit(r[0], r[0].length - 1)], [], 'DECRYPT_FAILED'),
    invalid(
      'a bit flipped in the first tag byte',
      ['BitFlip'],
      [flipBit(r[0], r[0].length - 16)],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'body extended by one byte and re-framed (AAD changes)',
      ['ModifiedAad'],
      [reframe(Buffer.concat([bodyOf(r[0]), Buffer.alloc(1)]))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'last tag byte removed and re-framed (AAD changes)',
      ['ModifiedAad'],
      [reframe(bodyOf(r[0]).subarray(0, -1))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'header length one less: the record is cut short',
      ['ModifiedAad'],
      [shorterHeader],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a body shorter than the tag',
      ['ShortRecord'],
      [reframe(bodyOf(r[0]).subarray(0, 15))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid(
      'a body of just the tag bytes',
      ['ShortRecord'],
      [reframe(bodyOf(r[0]).subarray(-16))],
      [],
      'DECRYPT_FAILED',
    ),
    invalid('record 1 replayed', ['Replay'], [r[0], r[1], r[1]], [p[0], p[1]], 'DECRYPT_FAILED'),
    invalid('record 0 replayed', ['Replay'], [r[0], r[0]], [p[0]], 'DECRYPT_FAILED'),
    invalid('records 0 and 1 swapped', ['Reorder'], [r[1], r[0]], [], 'DECRYPT_FAILED'),
    invalid('records 1 and 2 swapped', ['Reorder'], [r[0], r[2], r[1]], [p[0]], 'DECRYPT_FAILED'),
    invalid('record 1 dropped', ['Drop'], [r[0], r[2]], [p[0]], 'DECRYPT_FAILED'),
    invalid('record 0 dropped', ['Drop'], [r[1], r[2]], [], 'DECRYPT_FAILED'),
    invalid('a record sealed under another key', ['WrongKey'], [wrongKey], [], 'DECRYPT_FAILED'),
    invalid(
      'the stream ends inside record 1',
      ['Truncated'],
      [r[0], r[1].subarray(0, -5)],
      [p[0]],
      'FRAME_TRUNCATED',
    ),
    invalid(
      'the stream ends inside the header of record 1',
      ['Truncated'],
      [r[0], r[1].subarray(0, 4)],
      [p[0]],
      'FRAME_TRUNCATED',
    ),
    invalid(
      'header length one more on the last record',
      ['Truncated'],
      [...r.slice(0, 4), longerLast],
      p.slice(0, 4),
      'FRAME_TRUNCATED',
    ),
    invalid(
      'a header byte flipped into a non-space',
      ['HeaderCorrupted'],
      [flipBit(r[0], 9)],
      [],
      'FRAME_HEADER_INVALID',
    ),
  ];
  const nonceSeqs = [0n, 1n, 255n, 2n ** 32n, 2n ** 64n - 1n];
  return vectorFile(
    'PARLEY-V2-RECORDS',
    'Each group fixes one direction key and IV (hex); records lists the sequence sealed with them (seq, ' +
      'nonce, plaintext, frame, all hex) and nonces more nonce examples. Each test is a byte stream (stream, ' +
      'hex) fed to a frame decoder (default maxFrame) and a fresh record opener, every frame opened in turn, ' +
      'then the stream ended. plaintexts: what was opened before the outcome. code: the error, or null.',
    {
      BitFlip: 'One bit of the ciphertext or tag is flipped.',
      ModifiedAad:
        'The frame header, which is the AAD, differs from the one the record was sealed with. A header ' +
        'of the same length is always the same bytes, so the record is re-framed at another length.',
      ShortRecord: 'The body is too short to hold a tag and any ciphertext.',
      Replay: 'A record arrives a second time (the implicit sequence number has moved on).',
      Reorder: 'Records arrive out of order.',
      Drop: 'A record is missing from the stream.',
      WrongKey: 'The record was sealed under another key.',
      Truncated: 'The stream ends inside a frame: a framing error (3.3/1), not a decryption one.',
      HeaderCorrupted: 'A header byte is corrupted so that the header no longer parses (3.2/4).',
    },
    [
      {
        key: hex(RECORD_KEYS.key),
        iv: hex(RECORD_KEYS.iv),
        otherKey: hex(RECORD_OTHER_KEYS.key),
        records: r.map((frame, i) => ({
          seq: i,
          nonce: hex(recordNonce(RECORD_KEYS.iv, BigInt(i))),
          plaintext: hex(p[i]),
          frame: hex(frame),
        })),
        nonces: nonceSeqs.map((seq) => ({
          seq: seq.toString(),
          nonce: hex(recordNonce(RECORD_KEYS.iv, seq)),
        })),
        tests,
      },
    ],
  );
}
