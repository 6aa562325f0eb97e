/**
 * The v2 name pattern's letter, mark and number classes come from the pinned Unicode 17.0.0 data
 * (spec 7.2, spec/unicode/DerivedGeneralCategory.txt), not from the JavaScript engine: Node 20,
 * 22 and 24 carry different Unicode versions, and a name must be judged alike on all of them.
 * These tests look at the generated pattern, so they hold on any engine; the characters below
 * were added in Unicode 16.0 or 17.0, which an older engine's \p{L} does not know.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nameForm } from '../../src/chat/name-rules.js';
import { LIMITS, V2_NAME_PATTERN, V2_NAME_RULES } from '../../src/generated/constants.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cp = (n: number | string) => String.fromCodePoint(typeof n === 'string' ? Number.parseInt(n, 16) : n);

type ExpandPattern = (pattern: string, root: string) => string;
const loadExpand = async (): Promise<ExpandPattern> =>
  (await import(pathToFileURL(path.join(ROOT, 'scripts', 'gen', 'emit-unicode.mjs')).href)).expandPattern;

describe('the generated v2 name pattern (Unicode 17.0.0, 7.2)', () => {
  it('uses no Unicode property escape of the engine', () => {
    expect(V2_NAME_PATTERN.source).not.toMatch(/\\[pP]\{/);
    expect(V2_NAME_PATTERN.flags).toContain('u');
  });

  it.each([
    ['A7CB', 'LATIN CAPITAL LETTER RAMS HORN (16.0)'],
    ['11BC0', 'SUNUWAR LETTER DEVI (16.0)'],
    ['A7CE', 'LATIN CAPITAL LETTER PHARYNGEAL VOICED FRICATIVE (17.0)'],
    ['A7D2', 'LATIN CAPITAL LETTER DOUBLE THORN (17.0)'],
    ['10940', 'SIDETIC LETTER N01 (17.0)'],
  ])('takes U+%s as a letter: %s', (code) => {
    expect(V2_NAME_PATTERN.test(cp(code))).toBe(true);
    expect(V2_NAME_PATTERN.test(`a${cp(code)}1`)).toBe(true);
  });

  it('takes a Unicode 17.0 combining mark after a letter, never first', () => {
    expect(V2_NAME_PATTERN.test(`a${cp(0x1acf)}`)).toBe(true);
    expect(V2_NAME_PATTERN.test(`${cp(0x1acf)}a`)).toBe(false);
  });

  it.each([
    ['20C1', 'SAUDI RIYAL SIGN (17.0, a currency symbol)'],
    ['0378', 'unassigned in 17.0'],
    ['2B96', 'EQUALS SIGN WITH INFINITY ABOVE (17.0, a symbol)'],
  ])('refuses U+%s: %s', (code) => {
    expect(V2_NAME_PATTERN.test(`a${cp(code)}`)).toBe(false);
  });

  it('lets the UTS #39 rule, not the pattern, refuse a 17.0 letter of a limited-use script', () => {
    const form = nameForm(V2_NAME_RULES, LIMITS.maxName, `${cp(0x10940)}${cp(0x10941)}`);
    expect(form.ok).toBe(false);
    expect(form.ok ? '' : form.message).toContain('U+10940 is not allowed');
  });
});

describe('expandPattern (scripts/gen)', () => {
  it('writes out short and long General_Category names alike, inside and outside a class', async () => {
    const expand = await loadExpand();
    expect(expand('[\\p{Nd}]', ROOT)).toBe(expand('[\\p{Decimal_Number}]', ROOT));
    expect(expand('[\\p{gc=Nd}]', ROOT)).toBe(expand('[\\p{Nd}]', ROOT));
    const digits = new RegExp(`^${expand('\\p{Nd}', ROOT)}+$`, 'u');
    expect(digits.test('0123456789')).toBe(true);
    expect(digits.test('१२३')).toBe(true);
    expect(digits.test('a')).toBe(false);
    expect(expand('^[a\\-\\]]$', ROOT)).toBe('^[a\\-\\]]$');
  });

  it.each([['\\p{Script=Latin}'], ['\\P{L}'], ['\\p{Emoji}'], ['\\p{L']])(
    'refuses %s: no property the pinned data does not give',
    async (pattern) => {
      const expand = await loadExpand();
      expect(() => expand(pattern, ROOT)).toThrow(/not a General_Category class/);
    },
  );
});
