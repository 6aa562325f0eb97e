/**
 * Drift check: the committed files in spec/vectors/ are exactly what tools/vector-builder.ts builds
 * from the core now (run `npm run vectors` to refresh them after an intended change).
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  GENERATOR_VERSION,
  renderVectorFile,
  scriptedRandom,
  VECTOR_FILES,
  type VectorFile,
} from '../../tools/vector-builder.js';

const committed = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../spec/vectors/${name}`, import.meta.url)), 'utf8');

/**
 * Whether node:crypto's own Ed25519 verifier takes a signature that needs no secret (R the
 * identity, S = 0) for the identity key. Node 20 and 22 do; Node 24 refuses it. The client-auth
 * builder signs each small-order key of 7.16 with the first such signature the verifier takes, so
 * its output is the committed file's only where the verifier behaves as on Node 20 (CI's first run).
 */
function verifierTakesSmallOrderKeys(): boolean {
  const identity = Buffer.alloc(32);
  identity[0] = 1;
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') },
    format: 'jwk',
  });
  return verify(null, Buffer.from('probe'), key, Buffer.concat([identity, Buffer.alloc(32)]));
}

const BUILT_WITH_THE_VERIFIER = new Set(['v2-client-auth.json']);

describe('spec/vectors', () => {
  const rebuildable = Object.keys(VECTOR_FILES).filter(
    (name) => !BUILT_WITH_THE_VERIFIER.has(name) || verifierTakesSmallOrderKeys(),
  );
  it.each(rebuildable)('%s equals what the builder produces now', (name) => {
    expect(committed(name)).toBe(renderVectorFile(VECTOR_FILES[name]()));
  });

  it.each(Object.keys(VECTOR_FILES))('%s is a well-formed Wycheproof-style file', (name) => {
    const file: VectorFile = JSON.parse(committed(name));
    expect(Object.keys(file)).toEqual([
      'algorithm',
      'schema',
      'generatorVersion',
      'notes',
      'numberOfTests',
      'testGroups',
    ]);
    expect(file.generatorVersion).toBe(GENERATOR_VERSION);
    const tests = file.testGroups.flatMap((g) => g.tests);
    expect(file.numberOfTests).toBe(tests.length);
    expect(tests.map((t) => t.tcId)).toEqual(tests.map((_, i) => i + 1));
    for (const t of tests) {
      expect(['valid', 'invalid', 'acceptable']).toContain(t.result);
      expect(t.comment.length).toBeGreaterThan(0);
      for (const flag of t.flags) expect(Object.keys(file.notes)).toContain(flag);
    }
  });

  it('builds the same bytes twice (no hidden randomness or clock)', () => {
    for (const build of Object.values(VECTOR_FILES))
      expect(renderVectorFile(build())).toBe(renderVectorFile(build()));
  });
});

describe('scriptedRandom', () => {
  it('returns the scripted draws in order and refuses anything else', () => {
    const random = scriptedRandom([Buffer.from([1, 2]), Buffer.from([3])]);
    expect([...random(2)]).toEqual([1, 2]);
    expect(() => random(2)).toThrow(Error); // the core asked for another size than scripted
    expect(random.remaining()).toBe(1); // ...and the draw was not consumed
    expect([...random(1)]).toEqual([3]);
    expect(() => random(1)).toThrow(Error); // more draws than scripted
    expect(random.remaining()).toBe(0);
  });
});
