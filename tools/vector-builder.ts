/**
 * Builds the test vectors in spec/vectors/ (Wycheproof style) from fixed keys and nonces.
 *
 * How this works: one function per file returns the file's JSON object. Every key, nonce and seed
 * is either a published constant (RFC 7748, RFC 3526) or SHA-256 of a fixed label, so the output
 * depends on nothing but the core in ../src. Expected outcomes that the spec states directly (the
 * framing codes, the modp14 range rule) are written from the spec, not from running the decoder;
 * computed values (shares, secrets, keys, records) come from the core and are cross-checked by
 * the tests in test/core/ against node:crypto and RFC values. `make-vectors.ts` writes the files;
 * test/core/vectors.test.ts fails when a committed file differs from what this module builds.
 *
 * This module is the entry: the builders live in ./vectors/ (format.ts for the shared file format and
 * helpers, one module per vector file), and it re-exports what make-vectors.ts and the tests use.
 */

import { buildClientAuthVectors } from './vectors/client-auth.js';
import type { VectorFile } from './vectors/format.js';
import { buildFramingVectors } from './vectors/framing.js';
import { buildHandshakeVectors } from './vectors/handshake.js';
import { buildPublicValueVectors } from './vectors/public-values.js';
import { buildRecordVectors } from './vectors/records.js';

export { buildClientAuthVectors } from './vectors/client-auth.js';
export {
  fixedBytes,
  GENERATOR_VERSION,
  renderVectorFile,
  scriptedRandom,
  type VectorFile,
  type VectorGroup,
  type VectorResult,
  type VectorTest,
} from './vectors/format.js';
export { buildFramingVectors } from './vectors/framing.js';
export {
  buildHandshakeVectors,
  clientDraws,
  type HandshakeInputs,
  type HandshakeOutputs,
  runHandshake,
  serverDraws,
  VECTOR_IDENTITY_SEED,
} from './vectors/handshake.js';
export { buildPublicValueVectors, RFC7748 } from './vectors/public-values.js';
export { buildRecordVectors, RECORD_KEYS, RECORD_OTHER_KEYS, RECORD_PLAINTEXTS } from './vectors/records.js';

/** Every vector file, by name in spec/vectors/. */
export const VECTOR_FILES: Readonly<Record<string, () => VectorFile>> = {
  'framing.json': buildFramingVectors,
  'v2-client-auth.json': buildClientAuthVectors,
  'v2-handshake.json': buildHandshakeVectors,
  'v2-public-values.json': buildPublicValueVectors,
  'v2-records.json': buildRecordVectors,
};
