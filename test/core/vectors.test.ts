/**
 * Drift check: the committed files in spec/vectors/ are exactly what tools/vector-builder.ts builds
 * from the core now (run `npm run vectors` to refresh them after an intended change).
 */
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

describe('spec/vectors', () => {
  it.each(Object.keys(VECTOR_FILES))('%s equals what the builder produces now', (name) => {
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
