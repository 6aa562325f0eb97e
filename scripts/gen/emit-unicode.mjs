// Unicode data for the name rules (spec 7.2): spec/unicode/*.txt -> src/generated/unicode-names.ts.
//
// The source files are Unicode's own, committed unchanged (spec/unicode/README.md says where they
// come from and how to update them). This emitter keeps only what the name check needs, packed
// into strings that src/chat/name-rules.ts unpacks once:
// - Identifier_Status=Allowed (UTS #39, IdentifierStatus.txt), as runs of code points that share
//   one Script_Extensions set (Scripts.txt, ScriptExtensions.txt, short script codes from
//   PropertyValueAliases.txt): one lookup answers "allowed?" and "which scripts?";
// - full case folding (CaseFolding.txt, statuses C and F);
// - the confusable prototypes (confusables.txt) for the UTS #39 skeleton.
// - the General_Category classes (DerivedGeneralCategory.txt) that the v2 name pattern names as
//   \p{L}, \p{M}, \p{N}: expandPattern writes them out as explicit code point ranges, so the
//   pattern means Unicode 17.0.0 on every JavaScript engine, whatever Unicode its own tables carry.
// Every file must state the same Unicode version; it is emitted with the data.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { q } from './ts.mjs';

export const UNICODE_DIR = 'spec/unicode';
export const UNICODE_FILES = Object.freeze([
  'CaseFolding.txt',
  'DerivedGeneralCategory.txt',
  'IdentifierStatus.txt',
  'PropertyValueAliases.txt',
  'ScriptExtensions.txt',
  'Scripts.txt',
  'confusables.txt',
]);

const hex = (n) => n.toString(16);

/** Data lines of a UCD-style file: fields split on ';', comments and blank lines dropped. */
function rows(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const body = line.replace(/#.*/, '').trim();
    if (body) out.push(body.split(';').map((f) => f.trim()));
  }
  return out;
}

function range(field) {
  const [a, b] = field.split('..');
  return [Number.parseInt(a, 16), Number.parseInt(b ?? a, 16)];
}

const codePoints = (field) => field.split(/\s+/).map((h) => Number.parseInt(h, 16));

/** The version a file states in its header ("# Version: 17.0.0" or "# Name-17.0.0.txt"). */
function versionOf(name, text) {
  const m = /^# Version: (\d+\.\d+\.\d+)/m.exec(text) ?? /^# [A-Za-z]+-(\d+\.\d+\.\d+)\.txt/m.exec(text);
  if (!m) throw new Error(`${UNICODE_DIR}/${name}: no Unicode version in its header`);
  return m[1];
}

/** Allowed code points as [first, last, scriptSet] runs, and the distinct sets (short codes). */
function allowedRuns(texts) {
  const short = new Map();
  for (const [prop, code, long] of rows(texts['PropertyValueAliases.txt'])) {
    if (prop === 'sc') short.set(long, code);
  }
  const scx = new Map();
  for (const [field, name] of rows(texts['Scripts.txt'])) {
    const code = short.get(name);
    if (!code) throw new Error(`Scripts.txt: unknown script ${name}`);
    const [a, b] = range(field);
    for (let cp = a; cp <= b; cp++) scx.set(cp, code);
  }
  for (const [field, codes] of rows(texts['ScriptExtensions.txt'])) {
    const [a, b] = range(field);
    const set = codes.split(/\s+/).sort().join(' ');
    for (let cp = a; cp <= b; cp++) scx.set(cp, set);
  }
  const allowed = [];
  for (const [field, status] of rows(texts['IdentifierStatus.txt'])) {
    if (status === 'Allowed') allowed.push(range(field));
  }
  allowed.sort((x, y) => x[0] - y[0]);
  const sets = [];
  const setIndex = new Map();
  const runs = [];
  for (const [a, b] of allowed) {
    for (let cp = a; cp <= b; cp++) {
      const set = scx.get(cp) ?? 'Zzzz';
      let i = setIndex.get(set);
      if (i === undefined) {
        i = sets.length;
        sets.push(set);
        setIndex.set(set, i);
      }
      const last = runs[runs.length - 1];
      if (last && last[1] === cp - 1 && last[2] === i) last[1] = cp;
      else runs.push([cp, cp, i]);
    }
  }
  return { runs, sets };
}

/** Full case folding: status C (common) and F (full) entries. */
function caseFolds(texts) {
  const out = [];
  for (const [cp, status, mapping] of rows(texts['CaseFolding.txt'])) {
    if (status === 'C' || status === 'F') out.push([Number.parseInt(cp, 16), codePoints(mapping)]);
  }
  return out;
}

function confusables(texts) {
  return rows(texts['confusables.txt']).map(([src, dst]) => [Number.parseInt(src, 16), codePoints(dst)]);
}

/** Packs [cp, [mapped...]] pairs as "cp:m m;" in hex. */
const packMap = (pairs) => pairs.map(([cp, to]) => `${hex(cp)}:${to.map(hex).join(' ')}`).join(';');

/** A long string literal as a concatenation of lines of at most `width` characters. */
function longString(value, width = 96) {
  const parts = [];
  for (let i = 0; i < value.length; i += width) parts.push(`  ${q(value.slice(i, i + width))}`);
  return parts.length === 0 ? "''" : `[\n${parts.join(',\n')},\n].join('')`;
}

/** The Unicode files under `root`, by name, and the one version they all state. */
function readUnicode(root) {
  const dir = path.join(root, UNICODE_DIR);
  const texts = Object.fromEntries(UNICODE_FILES.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  const versions = new Set(UNICODE_FILES.map((f) => versionOf(f, texts[f])));
  if (versions.size !== 1) throw new Error(`${UNICODE_DIR}: files of different versions (${[...versions]})`);
  const [version] = versions;
  return { texts, version };
}

/**
 * General_Category value -> sorted [first, last] ranges, for every two-letter value, every
 * one-letter group (L = Lu Ll Lt Lm Lo, ...) and LC (Lu Ll Lt); long aliases (Letter, Mark...)
 * from PropertyValueAliases.txt name the same sets.
 */
function categoryRanges(texts) {
  const byValue = new Map();
  const add = (value, r) => {
    if (!byValue.has(value)) byValue.set(value, []);
    byValue.get(value).push(r);
  };
  for (const [field, value] of rows(texts['DerivedGeneralCategory.txt'])) {
    const r = range(field);
    add(value, r);
    add(value[0], r);
    if (value === 'Lu' || value === 'Ll' || value === 'Lt') add('LC', r);
  }
  for (const [prop, short, ...longs] of rows(texts['PropertyValueAliases.txt'])) {
    if (prop !== 'gc' || !byValue.has(short)) continue;
    for (const long of longs) byValue.set(long, byValue.get(short));
  }
  for (const [value, list] of byValue) byValue.set(value, mergeRanges(list));
  return byValue;
}

/** Sorted, with touching or overlapping ranges joined. */
function mergeRanges(list) {
  const sorted = [...list].sort((x, y) => x[0] - y[0]);
  const out = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const escapeCp = (cp) => `\\u{${hex(cp)}}`;
const classBody = (ranges) =>
  ranges.map(([a, b]) => (a === b ? escapeCp(a) : `${escapeCp(a)}-${escapeCp(b)}`)).join('');

/**
 * `pattern` (a `u`-flag regular expression from the spec) with every \p{...} General_Category
 * escape written out as explicit ranges of the pinned Unicode data (spec 7.2): inside a class the
 * ranges join it, outside one they become a class of their own. Any other property escape, and
 * \P{...}, is refused: the name rules take no Unicode property from the engine.
 */
export function expandPattern(pattern, root) {
  const categories = categoryRanges(readUnicode(root).texts);
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === 'p' || next === 'P') {
        const end = pattern.indexOf('}', i);
        const name = pattern.slice(i + 3, end).replace(/^(gc|General_Category)=/, '');
        const ranges = categories.get(name);
        if (next === 'P' || pattern[i + 2] !== '{' || end < 0 || !ranges) {
          throw new Error(`name pattern: ${pattern.slice(i, end + 1)} is not a General_Category class`);
        }
        out += inClass ? classBody(ranges) : `[${classBody(ranges)}]`;
        i = end;
        continue;
      }
      out += ch + (next ?? '');
      i++;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += ch;
  }
  return out;
}

/** The Mn and Me ranges, merged: the marks UTS #39 section 5.4 counts (spec 7.2 (c)). */
function nonspacingMarks(texts) {
  const categories = categoryRanges(texts);
  return mergeRanges([...categories.get('Mn'), ...categories.get('Me')]);
}

const packRanges = (ranges) => ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join(';');

/** Reads the Unicode files under `root` and returns src/generated/unicode-names.ts. */
export function genUnicodeNames(root) {
  const { texts, version } = readUnicode(root);
  const { runs, sets } = allowedRuns(texts);
  const packedRuns = runs
    .map(([a, b, i]) => (a === b ? `${hex(a)}:${i}` : `${hex(a)}-${hex(b)}:${i}`))
    .join(';');
  return [
    `// Generated from ${UNICODE_DIR}/*.txt (Unicode ${version}) by scripts/gen.mjs. Do not edit by`,
    '// hand: replace the Unicode files and run `npm run gen`. Unpacked by src/chat/name-rules.ts.',
    '',
    '/** The Unicode version of the name data (spec 7.2). */',
    `export const NAME_UNICODE_VERSION = ${q(version)};`,
    '',
    '/** Script_Extensions sets (ISO 15924 codes, space-separated) that the runs below index. */',
    `export const SCRIPT_SETS: readonly string[] = [\n${sets.map((s) => `  ${q(s)},`).join('\n')}\n];`,
    '',
    '/**',
    ' * Identifier_Status=Allowed code points (UTS #39) as runs "first-last:set" or "cp:set" (hex),',
    ' * ascending, separated by ";"; `set` indexes SCRIPT_SETS.',
    ' */',
    `export const ALLOWED_RUNS = ${longString(packedRuns)};`,
    '',
    '/** Full case folding (CaseFolding.txt, statuses C and F) as "cp:mapped mapped;" (hex). */',
    `export const CASE_FOLDING = ${longString(packMap(caseFolds(texts)))};`,
    '',
    '/** Confusable prototypes (confusables.txt, UTS #39 section 4) as "cp:prototype...;" (hex). */',
    `export const CONFUSABLES = ${longString(packMap(confusables(texts)))};`,
    '',
    '/** Nonspacing marks (General_Category Mn and Me) as "first-last" or "cp" (hex), ascending, ";". */',
    `export const NONSPACING_MARKS = ${longString(packRanges(nonspacingMarks(texts)))};`,
    '',
  ].join('\n');
}
