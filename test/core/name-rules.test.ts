/**
 * Name security (spec 7.2, UTS #39): which code points and script mixes a name may hold, and the
 * comparison key under which look-alike names collide.
 */
import { describe, expect, it } from 'vitest';
import {
  allowedScripts,
  compareCodePoints,
  foldCase,
  nameForm,
  nameKeys,
  nameOrderKey,
  nameSecurityProblem,
  sameName,
  skeleton,
  skeletonKeys,
} from '../../src/chat/name-rules.js';
import { LEGACY_NAME_RULES, V2_NAME_RULES } from '../../src/generated/constants.js';
import { NAME_UNICODE_VERSION } from '../../src/generated/unicode-names.js';

const problem = (name: string) => nameSecurityProblem(name.normalize('NFC'));

describe('name code points (Identifier_Status)', () => {
  it.each([
    ['alice_99'],
    ['a.b-c'],
    ['Zoë'],
    ['Pokémon'],
    ['Ελένη'],
    ['Иван'],
    ['山田たろう'],
    ['김민수'],
    ['हिन्दी'],
    ['محمد'],
  ])('accepts %s', (name) => {
    expect(problem(name)).toBeNull();
  });

  it.each([
    ['ｈonest1', 'U+FF48'],
    ['𝐡onest1', 'U+1D421'],
    ['honest1\u3164', 'U+3164'],
    ['hon\u200best1', 'U+200B'],
    ['hon\u200dest1', 'U+200D'],
    ['hon\u2060est1', 'U+2060'],
    ['\ufeffhonest1', 'U+FEFF'],
    ['hon\u00adest1', 'U+00AD'],
    ['honest\u{e0061}', 'U+E0061'],
    ['hon\u061cest', 'U+061C'],
    ['a\u202eb', 'U+202E'],
  ])('refuses %j, naming %s', (name, code) => {
    expect(problem(name)).toBe(`${code} is not allowed in names (Unicode UTS #39)`);
  });

  it('knows the scripts of an allowed code point and nothing of a refused one', () => {
    expect(allowedScripts(0x61)).toEqual(['Latn']);
    expect(allowedScripts(0x30)).toEqual(['Zyyy']);
    expect(allowedScripts(0x30fc)).toEqual(['Hira', 'Kana']);
    expect(allowedScripts(0xff48)).toBeNull();
    expect(allowedScripts(0x10ffff)).toBeNull();
  });

  it('states the Unicode version of its data', () => {
    expect(NAME_UNICODE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('script mixing (UTS #39 highly restrictive)', () => {
  it.each([['hоnest1'], ['ѕerver'], ['Aλ'], ['pаypal'], ['Иvan']])('refuses the mix in %s', (name) => {
    expect(problem(name)).toBe('a name may not mix scripts (Unicode UTS #39, highly restrictive)');
  });

  it.each([['田中taro'], ['たなかタナカ田中'], ['김kim金'], ['bob42'], ['42']])(
    'accepts the allowed mix in %s',
    (name) => {
      expect(problem(name)).toBeNull();
    },
  );
});

describe('comparison key', () => {
  it.each([
    ['honest1', 'honestl'],
    ['honest1', 'HONESTI'],
    ['straße', 'STRASSE'],
    ['Zoë', 'Zoe\u0308'],
    ['ope', 'оре'],
    ['Alice', 'alice'],
    ['rn', 'm'],
    ['HONESTI', 'honestl'],
    ['ALICE', 'alice'],
    // A case variant's look-alike is the name (key classes): IRlS looks like IRIS, which is iris.
    ['iris', 'IRlS'],
    ['iris', 'lris'],
    ['Iris', 'lris'],
    ['alice', 'ALlCE'],
  ])('%j and %j collide', (a, b) => {
    expect(sameName(V2_NAME_RULES, a, b)).toBe(true);
    expect(sameName(V2_NAME_RULES, b, a)).toBe(true);
  });

  it.each([
    ['alice', 'alicia'],
    ['bob', 'rob'],
    ['山田', '田山'],
    // Classes chain within a script only: Greek Υ (looks like Y, folds to υ, which looks like u)
    // and Ν (N; ν looks like v) do not pull Latin letters together.
    ['ray', 'uuu'],
    ['nan', 'vav'],
  ])('%j and %j stay apart', (a, b) => {
    expect(sameName(V2_NAME_RULES, a, b)).toBe(false);
  });

  it('makes each key of a key itself', () => {
    for (const name of ['HONESTI', 'Straße', 'Ελένη', '山田たろう', 'Pokémon', 'rn']) {
      const [first, second] = skeletonKeys(name);
      expect(skeletonKeys(first)[0]).toBe(first);
      expect(skeletonKeys(second)[1]).toBe(second);
    }
  });

  it('folds case fully and maps prototypes after NFD', () => {
    expect(foldCase('STRASSE Straße ΣΑΣ')).toBe('strasse strasse σασ');
    expect(skeleton('ѕ')).toBe('s');
    expect(skeleton('é')).toBe('e\u0301');
  });
});

describe('name rules by profile', () => {
  it('records a v2 name in NFC and refuses by length in code points of that form', () => {
    expect(nameForm(V2_NAME_RULES, 3, 'Zoe\u0308')).toEqual({ ok: true, name: 'Zoë' });
    expect(nameForm(V2_NAME_RULES, 3, 'Zoës').ok).toBe(false);
    expect(nameForm(V2_NAME_RULES, 24, '')).toEqual({ ok: false, message: 'a name is 1 to 24 characters' });
  });

  it('gives the pattern refusal, then the UTS #39 one', () => {
    expect(nameForm(V2_NAME_RULES, 24, 'a b')).toEqual({ ok: false, message: V2_NAME_RULES.invalid });
    expect(nameForm(V2_NAME_RULES, 24, '\u0301a')).toEqual({ ok: false, message: V2_NAME_RULES.invalid });
    expect(nameForm(V2_NAME_RULES, 24, 'ｈonest1')).toEqual({
      ok: false,
      message: 'U+FF48 is not allowed in names (Unicode UTS #39)',
    });
  });

  it('takes legacy names as sent and compares them by the v2 keys (10.2)', () => {
    expect(nameForm(LEGACY_NAME_RULES, 24, 'Zoe\u0308')).toEqual({ ok: true, name: 'Zoe\u0308' });
    expect(nameForm(LEGACY_NAME_RULES, 24, 'ｈonest1').ok).toBe(true);
    expect(sameName(LEGACY_NAME_RULES, 'Bob', 'bob')).toBe(true);
    expect(nameKeys(LEGACY_NAME_RULES, 'Bob')).toEqual(nameKeys(V2_NAME_RULES, 'Bob'));
    expect(sameName(V2_NAME_RULES, 'Bob', 'bob')).toBe(true);
    expect(nameOrderKey(LEGACY_NAME_RULES, 'Bob')).toBe('bob');
    expect(nameOrderKey(V2_NAME_RULES, 'Straße')).toBe('strasse');
  });

  it('orders by code point, not by UTF-16 code unit', () => {
    const astral = '\u{20000}';
    const high = '\ufa0e';
    expect(compareCodePoints(astral, high)).toBeGreaterThan(0);
    expect(astral < high).toBe(true);
    expect(compareCodePoints('a', 'b')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
    expect(compareCodePoints('\u{20001}', '\u{20000}')).toBeGreaterThan(0);
  });
});
