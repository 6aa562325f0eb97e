/**
 * SortedNames (user-list order, spec 7.6) against the order written out plainly: sort by the
 * case-folded key, then by code point. Random adds and removes, names that share a key (Bob, bob),
 * names past U+FFFF, and removals of names that are not there.
 */
import { describe, expect, it } from 'vitest';
import { compareCodePoints, nameOrderKey } from '../../src/chat/name-rules.js';
import { SortedNames } from '../../src/chat/sorted-names.js';
import { LEGACY_NAME_RULES, type NameRules, V2_NAME_RULES } from '../../src/generated/constants.js';

const EXACT: NameRules = { ...V2_NAME_RULES, compare: 'exact' };

function reference(rules: NameRules, names: Iterable<string>): string[] {
  return [...names].sort(
    (a, b) => compareCodePoints(nameOrderKey(rules, a), nameOrderKey(rules, b)) || compareCodePoints(a, b),
  );
}

/** A small deterministic generator (mulberry32), so a failure replays. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const POOL = [
  'alice',
  'Alice',
  'ALICE',
  'bob',
  'Bob',
  'b',
  'bo',
  'carol',
  'Zed',
  'zed',
  'z',
  '\u{1F600}x',
  '\uFF21b',
  'émile',
  'Émile',
  'a1',
  'a',
];

describe('SortedNames', () => {
  it('is empty at first', () => {
    const names = new SortedNames(V2_NAME_RULES);
    expect(names.size).toBe(0);
    expect(names.list()).toEqual([]);
  });

  it('orders by the folded key, then by code point (7.6)', () => {
    const names = new SortedNames(V2_NAME_RULES);
    for (const n of ['carol', 'Bob', 'alice', 'bob', 'Alice', 'ALICE']) names.add(n);
    expect(names.list()).toEqual(['ALICE', 'Alice', 'alice', 'Bob', 'bob', 'carol']);
    expect(names.size).toBe(6);
  });

  it('under exact rules orders by code point alone', () => {
    const names = new SortedNames(EXACT);
    for (const n of ['bob', 'Alice', 'alice', 'Bob']) names.add(n);
    expect(names.list()).toEqual(['Alice', 'Bob', 'alice', 'bob']);
  });

  it('removes only the name asked for, and nothing for a name not there', () => {
    const names = new SortedNames(V2_NAME_RULES);
    for (const n of ['alice', 'Bob', 'carol']) names.add(n);
    names.remove('bob'); // same key as Bob, another name
    names.remove('dave'); // past the end
    names.remove('aaron'); // before the start
    expect(names.list()).toEqual(['alice', 'Bob', 'carol']);
    names.remove('Bob');
    expect(names.list()).toEqual(['alice', 'carol']);
    expect(names.size).toBe(2);
  });

  it('returns a copy', () => {
    const names = new SortedNames(V2_NAME_RULES);
    names.add('alice');
    names.list().push('mallory');
    expect(names.list()).toEqual(['alice']);
  });

  for (const [label, rules] of [
    ['v2', V2_NAME_RULES],
    ['legacy', LEGACY_NAME_RULES],
    ['exact', EXACT],
  ] as const) {
    it(`matches a full sort after random adds and removes (${label})`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const next = generator(seed);
        const names = new SortedNames(rules);
        const held = new Set<string>();
        for (let step = 0; step < 60; step++) {
          const name = POOL[Math.floor(next() * POOL.length)];
          if (held.has(name) || next() < 0.3) {
            names.remove(name);
            held.delete(name);
          } else {
            names.add(name);
            held.add(name);
          }
          expect(names.list()).toEqual(reference(rules, held));
          expect(names.size).toBe(held.size);
        }
      }
    });
  }
});
