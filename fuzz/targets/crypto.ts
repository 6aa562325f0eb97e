/**
 * Record protection (spec 6 for v2, 8.4 and 9.1 for legacy).
 *
 * How this works: the v2 properties seal sequences of payloads with a RecordSealer and open them
 * with a RecordOpener, both made by an injected `CryptoImpl`. `v2-roundtrip` expects every payload
 * back, frames that the frame decoder accepts, and distinct bytes for equal payloads (distinct
 * nonces). `v2-tamper` changes one thing in the sequence (a bit of a header, ciphertext or tag, a
 * truncation, a replay, a swap, a drop, a record under the other direction's key) and expects
 * the records before it to open, the changed one to fail with DECRYPT_FAILED, and the failure to
 * stick. `v2-garbage` opens arbitrary frames: DECRYPT_FAILED only. legacy has no integrity by
 * design (spec 2, `insecure`), so its properties are the round trip, the algorithm of the
 * recorded session (every recorded record re-encrypts to its exact wire bytes, the key is
 * SHA-256 of the decimal secret, and CFB8 restarts at the IV each frame, so equal prefixes give
 * equal ciphertext prefixes), and garbage: bytes back or PACKET_MALFORMED, never anything else.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { legacyDecrypt, legacyEncrypt, legacyKey } from '../../src/crypto/legacy-cipher.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import type { DirectionKeys } from '../../src/crypto/v2-keys.js';
import { encodeHeader, type Frame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { decodeLegacyRecord } from '../../src/legacy/legacy-packet.js';
import { attempt, describeError, ensure, ensureCode, sameBytes, shortHex } from '../util.js';
import { type FuzzProperty, type FuzzTarget, planted, staticTarget } from './types.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

export interface Sealer {
  seal(plaintext: Uint8Array): Buffer;
}
export interface Opener {
  open(frame: Frame): Buffer;
}

/** The implementation under test. */
export interface CryptoImpl {
  createSealer(keys: DirectionKeys): Sealer;
  createOpener(keys: DirectionKeys): Opener;
  legacyEncrypt(key: Buffer, iv: Buffer, plaintext: Uint8Array): string;
  legacyDecrypt(key: Buffer, iv: Buffer, body: string): Buffer;
  legacyKey(sharedSecret: bigint | string): Buffer;
}

export const REAL_CRYPTO: CryptoImpl = {
  createSealer: (keys) => new RecordSealer(keys),
  createOpener: (keys) => new RecordOpener(keys),
  legacyEncrypt,
  legacyDecrypt,
  legacyKey,
};

// ---------------------------------------------------------------------------------------------
// The recorded legacy session (../shared/vectors/legacy-session.json from the repository root)

export interface RecordedFrame {
  readonly client: string;
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly body: string;
  readonly plaintext: Buffer;
}

export interface RecordedSession {
  readonly file: string;
  readonly frames: readonly RecordedFrame[];
  /** Each client's private key, the server's public value it saw, and what it derived. */
  readonly exchanges: readonly {
    client: string;
    privateKey: Buffer;
    serverValue: string;
    secret: string;
    key: Buffer;
  }[];
}

/** The repository root: the nearest directory above this module with Parley's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"parley"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const RECORDED_SESSION_PATH = resolve(repoRoot(), '../shared/vectors/legacy-session.json');

interface SessionFile {
  clients: {
    name: string;
    privateKeyHex: string;
    derived: { sharedSecretDecimal: string; keyHex: string; ivBase64: string };
  }[];
  frames: { client: string; dir: string; encrypted: boolean; raw: string; plaintext: string }[];
}

let recorded: RecordedSession | null | undefined;

/** The recorded session, or null when the file is not there (the properties then say so). */
export function loadRecordedSession(): RecordedSession | null {
  if (recorded !== undefined) return recorded;
  if (!existsSync(RECORDED_SESSION_PATH)) return (recorded = null);
  const data = JSON.parse(readFileSync(RECORDED_SESSION_PATH, 'utf8')) as SessionFile;
  const clients = new Map(data.clients.map((c) => [c.name, c]));
  const frames: RecordedFrame[] = [];
  const exchanges: RecordedSession['exchanges'][number][] = [];
  for (const f of data.frames) {
    const c = clients.get(f.client);
    if (!c) continue;
    if (f.encrypted) {
      frames.push({
        client: f.client,
        key: Buffer.from(c.derived.keyHex, 'hex'),
        iv: Buffer.from(c.derived.ivBase64, 'base64'),
        body: f.raw.slice(10),
        plaintext: Buffer.from(f.plaintext, 'utf8'),
      });
    } else if (f.dir === 's2c') {
      const packet = JSON.parse(f.plaintext) as { typ: string; cont: string };
      if (packet.typ === 'key_exc') {
        exchanges.push({
          client: f.client,
          privateKey: Buffer.from(c.privateKeyHex, 'hex'),
          serverValue: packet.cont,
          secret: c.derived.sharedSecretDecimal,
          key: Buffer.from(c.derived.keyHex, 'hex'),
        });
      }
    }
  }
  recorded = { file: RECORDED_SESSION_PATH, frames, exchanges };
  return recorded;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Buffers of exactly `length` bytes. */
const bufferArb = (length: number) =>
  fc.uint8Array({ minLength: length, maxLength: length, size: 'max' }).map((b) => Buffer.from(b));

const keysArb: fc.Arbitrary<DirectionKeys> = fc.record({
  key: bufferArb(32),
  iv: bufferArb(12),
});

/** Payloads, often repeated, so that equal plaintexts meet in one sequence. */
const payloadsArb = fc
  .tuple(
    fc.array(fc.uint8Array({ maxLength: 300, size: 'max' }), { minLength: 1, maxLength: 4, size: 'max' }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 10, size: 'max' }),
  )
  .map(([pool, picks]) => picks.map((i) => Buffer.from(pool[i % pool.length])));

type Tamper =
  | {
      readonly kind: 'flip';
      readonly where: 'header' | 'ciphertext' | 'tag';
      readonly record: number;
      readonly at: number;
      readonly bit: number;
    }
  | { readonly kind: 'truncate'; readonly record: number; readonly keep: number }
  | { readonly kind: 'replay'; readonly record: number; readonly at: number }
  | { readonly kind: 'swap'; readonly record: number; readonly with: number }
  | { readonly kind: 'drop'; readonly record: number }
  | { readonly kind: 'other-direction'; readonly record: number };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    where: fc.constantFrom<'header' | 'ciphertext' | 'tag'>('header', 'ciphertext', 'tag'),
    record: fc.nat(),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), record: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constant('replay' as const), record: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), record: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), record: fc.nat() }),
  fc.record({ kind: fc.constant('other-direction' as const), record: fc.nat() }),
);

const TAG = 16;

function toFrame(bytes: Buffer): Frame {
  return { header: bytes.subarray(0, 10), body: bytes.subarray(10) };
}

// ---------------------------------------------------------------------------------------------
// v2 properties

function sealAll(impl: CryptoImpl, keys: DirectionKeys, payloads: readonly Buffer[]): Buffer[] {
  const sealer = impl.createSealer(keys);
  return payloads.map((p) => sealer.seal(p));
}

function checkV2Roundtrip(impl: CryptoImpl, keys: DirectionKeys, payloads: Buffer[]) {
  const records = sealAll(impl, keys, payloads);
  records.forEach((r, i) => {
    ensure(
      r.length === 10 + payloads[i].length + TAG &&
        sameBytes(r.subarray(0, 10), encodeHeader(payloads[i].length + TAG)),
      () =>
        `record ${i}: ${r.length} bytes with header ${JSON.stringify(r.subarray(0, 10).toString('latin1'))} for a ${payloads[i].length}-byte payload`,
    );
  });
  // The records are frames: the frame decoder splits the stream back into them.
  const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
  decoder.push(Buffer.concat(records));
  const frames = decoder.drain();
  ensure(
    frames.length === records.length,
    () => `the frame decoder found ${frames.length} frames in ${records.length} records`,
  );
  const opener = impl.createOpener(keys);
  frames.forEach((frame, i) => {
    const got = attempt(() => opener.open(frame));
    ensure(
      got.ok,
      () => `record ${i} of ${records.length} did not open: ${got.ok ? '' : describeError(got.error)}`,
    );
    ensure(
      sameBytes(got.value, payloads[i]),
      () => `record ${i} opened to ${shortHex(got.value)}, sealed ${shortHex(payloads[i])}`,
    );
  });
  // Equal plaintexts must not give equal records: each record has its own nonce (6.1).
  for (let i = 0; i < records.length; i++) {
    for (let j = i + 1; j < records.length; j++) {
      if (sameBytes(payloads[i], payloads[j])) {
        ensure(
          !sameBytes(records[i], records[j]),
          () =>
            `records ${i} and ${j} carry the same ${payloads[i].length}-byte payload and are byte-identical: a reused nonce`,
        );
      }
    }
  }
}

/** Applies a tamper; returns the changed sequence, or null when it changes nothing. */
function applyTamper(records: Buffer[], t: Tamper, otherKeys: () => Buffer[]): Buffer[] | null {
  const n = records.length;
  const i = t.record % n;
  const out = [...records];
  switch (t.kind) {
    case 'flip': {
      const r = Buffer.from(out[i]);
      const bodyLength = r.length - 10;
      const offset =
        t.where === 'header'
          ? t.at % 10
          : t.where === 'tag'
            ? 10 + bodyLength - TAG + (t.at % TAG)
            : bodyLength === TAG
              ? -1
              : 10 + (t.at % (bodyLength - TAG));
      if (offset < 0) return null;
      r[offset] ^= 1 << t.bit;
      out[i] = r;
      return out;
    }
    case 'truncate': {
      const bodyLength = out[i].length - 10;
      out[i] = out[i].subarray(0, 10 + (t.keep % bodyLength));
      return out;
    }
    case 'replay': {
      // Insert an earlier record again, later in the stream.
      const at = i + 1 + (t.at % (n - i));
      out.splice(at, 0, records[i]);
      return out;
    }
    case 'swap': {
      const j = t.with % n;
      if (i === j) return null;
      [out[i], out[j]] = [out[j], out[i]];
      return out;
    }
    case 'drop': {
      if (i === n - 1) return null; // a missing last record needs a later one, or the goodbye (6.3)
      out.splice(i, 1);
      return out;
    }
    case 'other-direction':
      out[i] = otherKeys()[i];
      return out;
  }
}

function checkV2Tamper(
  impl: CryptoImpl,
  keys: DirectionKeys,
  other: DirectionKeys,
  payloads: Buffer[],
  t: Tamper,
) {
  const records = sealAll(impl, keys, payloads);
  const changed = applyTamper(records, t, () => sealAll(impl, other, payloads));
  if (changed === null) return;
  const first = changed.findIndex((r, i) => i >= records.length || !sameBytes(r, records[i]));
  if (first === -1) return; // the change left the bytes as they were
  const opener = impl.createOpener(keys);
  let failed = false;
  changed.forEach((r, i) => {
    const got = attempt(() => opener.open(toFrame(r)));
    if (i < first) {
      ensure(
        got.ok,
        () =>
          `${t.kind}: record ${i}, before the change at ${first}, did not open: ${got.ok ? '' : describeError(got.error)}`,
      );
      return;
    }
    ensure(!got.ok, () =>
      i === first
        ? `${t.kind}: the changed record ${i} was accepted (${JSON.stringify(t)})`
        : `${t.kind}: record ${i} was accepted after the opener had failed at ${first}`,
    );
    ensureCode(got.error, ['DECRYPT_FAILED'], `${t.kind}: record ${i}`);
    failed = true;
  });
  ensure(failed, 'no record failed');
}

function checkV2Garbage(
  impl: CryptoImpl,
  keys: DirectionKeys,
  header: Uint8Array,
  body: Uint8Array,
  validHeader: boolean,
) {
  const frame: Frame = {
    header: validHeader && body.length > 0 ? encodeHeader(body.length) : Buffer.from(header),
    body: Buffer.from(body),
  };
  const got = attempt(() => impl.createOpener(keys).open(frame));
  ensure(!got.ok, () => `a random ${body.length}-byte record opened under a random key`);
  ensureCode(got.error, ['DECRYPT_FAILED'], 'a random record');
}

// ---------------------------------------------------------------------------------------------
// legacy properties

function checkLegacy(
  impl: CryptoImpl,
  key: Buffer,
  iv: Buffer,
  payload: Uint8Array,
  suffixes: [Uint8Array, Uint8Array],
  recordedIndex: number,
) {
  const body = impl.legacyEncrypt(key, iv, payload);
  ensure(
    /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0,
    () => `legacy body is not base64: ${body.slice(0, 40)}`,
  );
  const back = impl.legacyDecrypt(key, iv, body);
  ensure(
    sameBytes(back, payload),
    () => `legacy round trip: ${shortHex(payload)} came back as ${shortHex(back)}`,
  );
  ensure(
    Buffer.from(body, 'base64').length === payload.length,
    'legacy ciphertext length differs from the plaintext (CFB8 has no padding)',
  );
  // CFB8 restarted at the same IV for every frame (9.1): a shared prefix gives a shared prefix.
  const c1 = Buffer.from(impl.legacyEncrypt(key, iv, Buffer.concat([payload, suffixes[0]])), 'base64');
  const c2 = Buffer.from(impl.legacyEncrypt(key, iv, Buffer.concat([payload, suffixes[1]])), 'base64');
  ensure(
    sameBytes(c1.subarray(0, payload.length), c2.subarray(0, payload.length)),
    'legacy: two frames with a common prefix do not share a ciphertext prefix: not CFB8 restarted at the IV (9.1)',
  );
  const session = loadRecordedSession();
  if (!session || session.frames.length === 0) return;
  const f = session.frames[recordedIndex % session.frames.length];
  const sealed = impl.legacyEncrypt(f.key, f.iv, f.plaintext);
  ensure(
    sealed === f.body,
    () =>
      `recorded ${f.client} frame ${recordedIndex % session.frames.length}: re-encrypted to ${sealed.slice(0, 24)}..., the wire had ${f.body.slice(0, 24)}...`,
  );
  const opened = impl.legacyDecrypt(f.key, f.iv, f.body);
  ensure(
    sameBytes(opened, f.plaintext),
    () => `recorded ${f.client} frame: decrypted to ${opened.toString('latin1').slice(0, 40)}`,
  );
  const x = session.exchanges[recordedIndex % session.exchanges.length];
  if (x) {
    const z = keyAgreement.legacySharedSecret(x.privateKey, x.serverValue);
    ensure(
      z.toString() === x.secret,
      () => `recorded ${x.client}: the shared secret differs from the recording`,
    );
    ensure(
      sameBytes(impl.legacyKey(z), x.key),
      () => `recorded ${x.client}: key SHA-256(decimal Z) differs from the recording`,
    );
  }
}

function checkLegacyGarbage(impl: CryptoImpl, key: Buffer, iv: Buffer, text: string) {
  const got = attempt(() => impl.legacyDecrypt(key, iv, text));
  if (!got.ok)
    ensureCode(got.error, ['PACKET_MALFORMED'], `legacy decrypt of ${JSON.stringify(text.slice(0, 30))}`);
  const packet = attempt(() => decodeLegacyRecord(Buffer.from(text, 'latin1'), { key, iv }));
  if (!packet.ok)
    ensureCode(packet.error, ['PACKET_MALFORMED'], `legacy record ${JSON.stringify(text.slice(0, 30))}`);
}

const base64ish = fc.oneof(
  fc.string({ maxLength: 80, size: 'max' }),
  fc.uint8Array({ maxLength: 80, size: 'max' }).map((b) => Buffer.from(b).toString('base64')),
  fc
    .uint8Array({ maxLength: 80, size: 'max' })
    .map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
  fc.uint8Array({ maxLength: 80, size: 'max' }).map((b) => Buffer.from(b).toString('latin1')),
);

/** The crypto properties against `impl`. */
export function cryptoProperties(impl: CryptoImpl = REAL_CRYPTO): FuzzProperty[] {
  return [
    {
      name: 'v2-roundtrip',
      description:
        'sealed records are frames that open, in order, to their payloads; equal payloads never give equal records',
      property: fc.property(keysArb, payloadsArb, (keys, payloads) => checkV2Roundtrip(impl, keys, payloads)),
    },
    {
      name: 'v2-tamper',
      description:
        'a flipped bit (header, ciphertext, tag), truncation, replay, swap, drop or wrong key fails with DECRYPT_FAILED, and the failure sticks',
      property: fc.property(keysArb, keysArb, payloadsArb, tamperArb, (keys, other, payloads, t) =>
        checkV2Tamper(impl, keys, other, payloads, t),
      ),
    },
    {
      name: 'v2-garbage',
      description: 'arbitrary records under arbitrary keys give DECRYPT_FAILED, never another error',
      property: fc.property(
        keysArb,
        fc.uint8Array({ minLength: 10, maxLength: 10, size: 'max' }),
        fc.uint8Array({ maxLength: 120, size: 'max' }),
        fc.boolean(),
        (keys, header, body, valid) => checkV2Garbage(impl, keys, header, body, valid),
      ),
    },
    {
      name: 'legacy',
      description:
        'legacy AES-256-CFB8 round-trips any payload and matches the recorded session byte for byte',
      property: fc.property(
        bufferArb(32),
        bufferArb(16),
        fc.uint8Array({ maxLength: 400, size: 'max' }),
        fc.tuple(
          fc.uint8Array({ maxLength: 20, size: 'max' }),
          fc.uint8Array({ maxLength: 20, size: 'max' }),
        ),
        fc.nat(),
        (key, iv, payload, suffixes, index) => checkLegacy(impl, key, iv, payload, suffixes, index),
      ),
    },
    {
      name: 'legacy-garbage',
      description:
        'legacy bodies that are not records decrypt to bytes or give PACKET_MALFORMED, never another error',
      property: fc.property(bufferArb(32), bufferArb(16), base64ish, (key, iv, text) =>
        checkLegacyGarbage(impl, key, iv, text),
      ),
    },
  ];
}

export const cryptoTarget: FuzzTarget = {
  name: 'crypto',
  description: 'record protection (spec 6, 9): round trips, tampering, replay, the recorded legacy session',
  async open(options) {
    if (!loadRecordedSession()) {
      options.note?.(
        `crypto: ${RECORDED_SESSION_PATH} not found; the legacy property runs without the recording`,
      );
    }
    return staticTarget(cryptoProperties((planted(options, 'crypto') as CryptoImpl | null) ?? REAL_CRYPTO));
  },
};

/** AES-256-GCM with an explicit nonce: the building block of the planted record-layer bugs. */
export const gcm = {
  seal(key: Buffer, nonce: Buffer, aad: Buffer | null, plaintext: Uint8Array): { body: Buffer; tag: Buffer } {
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    if (aad) cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { body, tag: cipher.getAuthTag() };
  },
  open(key: Buffer, nonce: Buffer, aad: Buffer | null, body: Buffer, tag: Buffer, checkTag = true): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    if (checkTag) decipher.final();
    return plain;
  },
};
