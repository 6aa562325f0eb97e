/**
 * Name security (spec 7.2), after Unicode UTS #39: which names may be used, and when two names are
 * the same person's as far as readers can tell.
 *
 * How this works: a wanted name is first put in NFC, so a decomposed "Zoë" is the composed one.
 * It must then be made only of code points whose Identifier_Status is Allowed (this refuses
 * format and default-ignorable code points, compatibility look-alikes such as fullwidth and
 * mathematical letters, and invisible fillers), and be "highly restrictive" (UTS #39 5.2): one
 * script, or Latin with Han and Japanese kana, Han and Bopomofo, or Han and Hangul; so "hоnest1"
 * with a Cyrillic о is refused. The marks on each character pass the optional checks of UTS #39
 * 5.4 (markProblem: no mark twice, at most four, no dot above an i or j). Names that pass are compared by two keys made of the UTS #39
 * skeleton and full case folding (see skeletonKeys): two names that share a key look alike
 * (honest1, honestl, honestI; Straße, STRASSE; rn, m), so the second is refused as taken or
 * reserved. The data is Unicode's own, version 17.0.0, generated from spec/unicode/ into
 * src/generated/unicode-names.ts; the pattern's letter, mark and number classes are written out
 * from the same data (V2_NAME_PATTERN), so no check depends on the engine's Unicode tables. Only
 * NFC and NFD come from the engine; spec 7.2 says why any normaliser of Unicode 15.0 or later
 * gives the same verdicts.
 */
import type { NameRules } from '../generated/constants.js';
import {
  ALLOWED_RUNS,
  CASE_FOLDING,
  CONFUSABLES,
  NONSPACING_MARKS,
  SCRIPT_SETS,
} from '../generated/unicode-names.js';

/** Allowed runs as parallel arrays (first, last, script set) for a binary search. */
const runFirst: number[] = [];
const runLast: number[] = [];
const runSet: (readonly string[])[] = [];
for (const run of ALLOWED_RUNS.split(';')) {
  const [span, set] = run.split(':');
  const [a, b = a] = span.split('-');
  runFirst.push(Number.parseInt(a, 16));
  runLast.push(Number.parseInt(b, 16));
  runSet.push(SCRIPT_SETS[Number(set)].split(' '));
}

/** "cp:m m;..." (hex) as a map from code point to its mapping. */
function unpackMap(packed: string): ReadonlyMap<number, string> {
  const map = new Map<number, string>();
  for (const entry of packed.split(';')) {
    const [cp, to] = entry.split(':');
    map.set(
      Number.parseInt(cp, 16),
      String.fromCodePoint(...to.split(' ').map((h) => Number.parseInt(h, 16))),
    );
  }
  return map;
}

/** Nonspacing marks (Mn, Me) as parallel arrays of first and last code points, for a binary search. */
const markFirst: number[] = [];
const markLast: number[] = [];
for (const span of NONSPACING_MARKS.split(';')) {
  const [a, b = a] = span.split('-');
  markFirst.push(Number.parseInt(a, 16));
  markLast.push(Number.parseInt(b, 16));
}

/** Whether `cp` is a nonspacing mark (General_Category Mn or Me, Unicode 17.0.0). */
export function isNonspacingMark(cp: number): boolean {
  let lo = 0;
  let hi = markFirst.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < markFirst[mid]) hi = mid - 1;
    else if (cp > markLast[mid]) lo = mid + 1;
    else return true;
  }
  return false;
}

const FOLDS = unpackMap(CASE_FOLDING);
const PROTOTYPES = unpackMap(CONFUSABLES);

/** The Script_Extensions set of an Allowed code point, or null when it is not Allowed. */
export function allowedScripts(cp: number): readonly string[] | null {
  let lo = 0;
  let hi = runFirst.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < runFirst[mid]) hi = mid - 1;
    else if (cp > runLast[mid]) lo = mid + 1;
    else return runSet[mid];
  }
  return null;
}

function mapCodePoints(text: string, map: ReadonlyMap<number, string>): string {
  let out = '';
  for (const ch of text) out += map.get(ch.codePointAt(0)!) ?? ch;
  return out;
}

/** Full case folding (Unicode CaseFolding, C and F): "Straße" and "STRASSE" both give "strasse". */
export function foldCase(text: string): string {
  return mapCodePoints(text, FOLDS);
}

/** The UTS #39 skeleton: NFD, each code point to its confusable prototype, NFD again. */
export function skeleton(text: string): string {
  return mapCodePoints(text.normalize('NFD'), PROTOTYPES).normalize('NFD');
}

/** Whether two Allowed code points share a script (7.2: Common and Inherited count as any). */
function shareScript(a: number, b: number): boolean {
  const sa = allowedScripts(a);
  const sb = allowedScripts(b);
  if (sa === null || sb === null) return false;
  const any = (s: readonly string[]) => s.includes('Zyyy') || s.includes('Zinh');
  return any(sa) || any(sb) || sa.some((s) => sb.includes(s));
}

/**
 * The key classes of 7.2: each Allowed code point joined with its case folding and with its
 * confusable prototype when that is one code point of a script they share, closed under both
 * (union-find). Why: case and look-alike are each
 * "the same name", and together they chain: `I` folds to `i` and looks like `l`, so `iris`,
 * `IRIS`, `IRlS` and `lris` are one name, which two keys alone did not see (`IRlS` shared a key
 * with `IRIS` only). Only single code points within a script chain, so a Greek or Cyrillic letter
 * does not pull two Latin letters together (`Υ` looks like `Y` and folds to `υ`, which looks like
 * `u`); whole-script look-alikes are still caught by the skeleton itself.
 */
function keyClasses(): ReadonlyMap<number, number> {
  const parent = new Map<number, number>();
  const root = (cp: number): number => {
    let r = cp;
    for (let up = parent.get(r); up !== undefined; up = parent.get(r)) r = up;
    return r;
  };
  for (const map of [FOLDS, PROTOTYPES]) {
    for (const [cp, to] of map) {
      const target = to.codePointAt(0)!;
      if (to.length !== String.fromCodePoint(target).length || !shareScript(cp, target)) continue;
      const a = root(cp);
      const b = root(target);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  }
  // A class is written as its smallest member that folding and the skeleton leave as it is (a
  // lower-case prototype: `i` for i, I, l, L, ı...), so that keys stay readable; else its smallest.
  const members = new Map<number, number[]>();
  for (const cp of [...parent.keys(), ...parent.values()]) {
    const r = root(cp);
    const list = members.get(r) ?? [];
    if (!list.includes(cp)) list.push(cp);
    members.set(r, list);
  }
  const classOf = new Map<number, number>();
  for (const list of members.values()) {
    const fixed = list.filter((cp) => !FOLDS.has(cp) && !PROTOTYPES.has(cp));
    const name = Math.min(...(fixed.length > 0 ? fixed : list));
    for (const cp of list) if (cp !== name) classOf.set(cp, name);
  }
  return classOf;
}

const CLASS_OF = keyClasses();

/** `text` with each code point replaced by its key class (7.2). */
export function inKeyClasses(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = CLASS_OF.get(ch.codePointAt(0)!);
    out += c === undefined ? ch : String.fromCodePoint(c);
  }
  return out;
}

/**
 * The UTS #39 comparison keys of a name (spec 7.2): two names read alike when they share a key.
 * Some look-alikes show in one case only ("rn" and "m"; "I" and "l" as capitals), so no single key
 * catches them all: the first key folds case and then takes the skeleton (Alice/ALICE, rn/m,
 * Straße/STRASSE), the second takes the skeleton and then folds case (honestI/honestl); both are
 * then written in key classes, so that a case variant's look-alike is the name too (IRlS/iris).
 */
export function skeletonKeys(name: string): readonly [string, string] {
  const nfc = name.normalize('NFC');
  return [inKeyClasses(skeleton(foldCase(nfc))), inKeyClasses(foldCase(skeleton(nfc)))];
}

const DOT_ABOVE = 0x307;
/** Most nonspacing marks one base may carry (UTS #39 5.4). */
const MAX_MARKS = 4;

/**
 * Why the marks of `name` are refused under the optional checks of UTS #39 section 5.4 (spec 7.2
 * (c)), or null. Checked on NFD, where each base is followed by its run of marks: the same mark
 * twice in a run, more than four marks in a run, or U+0307 on a base that reads as i or j (its
 * key is "i" or "j": i, j, iLike i, Cyrillic i...), where the dot adds nothing a reader can see.
 * Without these, `ali\u0307ce` shows as "alice" while its keys differ from alice's.
 */
export function markProblem(name: string): string | null {
  let iLike = false;
  let run: number[] = [];
  for (const ch of name.normalize('NFD')) {
    const cp = ch.codePointAt(0)!;
    if (!isNonspacingMark(cp)) {
      const key = skeleton(foldCase(ch));
      iLike = key === 'i' || key === 'j';
      run = [];
      continue;
    }
    if (run.includes(cp)) return `${hexCode(cp)} twice on one character (Unicode UTS #39 5.4)`;
    run.push(cp);
    if (run.length > MAX_MARKS) return `more than ${MAX_MARKS} marks on one character (Unicode UTS #39 5.4)`;
    if (cp === DOT_ABOVE && iLike) return 'U+0307 on an i or j (Unicode UTS #39 5.4)';
  }
  return null;
}

/** Scripts that may be mixed in one name (UTS #39 5.2, "highly restrictive"). */
const MIXES: readonly (readonly string[])[] = [
  ['Latn', 'Hani', 'Hira', 'Kana'],
  ['Latn', 'Hani', 'Bopo'],
  ['Latn', 'Hani', 'Hang'],
];

/** UTS #39 augmented script sets: Han is also written in Japanese, Korean and Bopomofo text. */
const AUGMENT: Readonly<Record<string, readonly string[]>> = {
  Hani: ['Hanb', 'Jpan', 'Kore'],
  Hira: ['Jpan'],
  Kana: ['Jpan'],
  Hang: ['Kore'],
  Bopo: ['Hanb'],
};

function augmented(scripts: readonly string[]): Set<string> {
  const set = new Set(scripts);
  for (const s of scripts) for (const extra of AUGMENT[s] ?? []) set.add(extra);
  return set;
}

const hexCode = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Why `name` (already NFC) may not be a name under UTS #39, or null when it may: a code point
 * that is not Allowed, or scripts mixed beyond the highly restrictive level. The reason names
 * code points as U+XXXX, never as themselves, so it is safe to show and to log.
 */
export function nameSecurityProblem(name: string): string | null {
  let common: Set<string> | null = null;
  const mixOk = MIXES.map(() => true);
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    const scripts = allowedScripts(cp);
    if (scripts === null) return `${hexCode(cp)} is not allowed in names (Unicode UTS #39)`;
    if (scripts.length === 1 && (scripts[0] === 'Zyyy' || scripts[0] === 'Zinh')) continue;
    const set = augmented(scripts);
    if (common === null) common = set;
    else for (const s of common) if (!set.has(s)) common.delete(s);
    MIXES.forEach((mix, i) => {
      if (!scripts.some((s) => mix.includes(s))) mixOk[i] = false;
    });
  }
  if (common !== null && (common as Set<string>).size === 0 && !mixOk.some(Boolean)) {
    return 'a name may not mix scripts (Unicode UTS #39, highly restrictive)';
  }
  return markProblem(name);
}

/**
 * The keys two names are compared by under `rules` (7.2, 10.2): a shared key is one name. Legacy
 * names ('keys') are taken as sent but compared like v2 ones, so look-alikes are taken there too.
 */
export function nameKeys(rules: NameRules, name: string): readonly string[] {
  return rules.compare === 'exact' ? [name] : skeletonKeys(name);
}

/** Whether `a` and `b` are one name under `rules` (they share a key). */
export function sameName(rules: NameRules, a: string, b: string): boolean {
  const keys = nameKeys(rules, b);
  return nameKeys(rules, a).some((k) => keys.includes(k));
}

/** The key a user list is sorted by: case-folded under uts39, so that Bob sorts beside alice. */
export function nameOrderKey(rules: NameRules, name: string): string {
  return rules.compare === 'exact' ? name : foldCase(name);
}

export type NameForm =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly message: string };

/**
 * The name as the server records it (NFC under uts39), or why its form is refused: length in code
 * points of that form (1 to maxName), the pattern, and under uts39 the UTS #39 identifier rules
 * and mark checks (legacy names: the pattern only, 10.2).
 * Whether it is taken or reserved is the room's question.
 */
export function nameForm(rules: NameRules, maxName: number, wanted: string): NameForm {
  const name = rules.compare === 'uts39' ? wanted.normalize('NFC') : wanted;
  const length = [...name].length;
  if (length === 0 || length > maxName) return { ok: false, message: `a name is 1 to ${maxName} characters` };
  if (!rules.pattern.test(name)) return { ok: false, message: rules.invalid };
  const problem = rules.compare === 'uts39' ? nameSecurityProblem(name) : null;
  return problem === null ? { ok: true, name } : { ok: false, message: problem };
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/**
 * Orders two strings by code point (7.6), not by UTF-16 code unit: the two differ only where a
 * code point above U+FFFF (a surrogate pair) meets one from U+E000 to U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (isSurrogate(x) !== isSurrogate(y)) return isSurrogate(x) ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
