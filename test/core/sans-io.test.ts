/**
 * The sans-IO rule (style guide, "For Parley" 1): nothing in src/ touches sockets, files, timers,
 * the clock or the system's randomness; they come in as parameters. Generated code is excluded
 * (it is data from the spec).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

const FORBIDDEN_MODULES = ['net', 'tls', 'dgram', 'fs', 'fs/promises', 'timers', 'timers/promises'];
const FORBIDDEN_CALLS = [
  'Date.now(',
  'Math.random(',
  'randomBytes(',
  'randomFillSync(',
  'setTimeout(',
  'setInterval(',
  'setImmediate(',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Drops comments so that prose about a rule does not trip it. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every violation of the rule in one file's text. */
function violations(code: string): string[] {
  const text = stripComments(code);
  const found: string[] = [];
  const importRe = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](?:node:)?([a-z/_]+)['"]/g;
  for (const m of text.matchAll(importRe)) {
    if (FORBIDDEN_MODULES.includes(m[1])) found.push(`imports ${m[1]}`);
  }
  for (const call of FORBIDDEN_CALLS) {
    if (text.includes(call)) found.push(`calls ${call}`);
  }
  return found;
}

describe('the sans-IO rule', () => {
  const files = sourceFiles(SRC);

  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(15);
    expect(files.some((f) => f.endsWith(path.join('framing', 'frame-codec.ts')))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}generated${path.sep}`))).toBe(false);
  });

  it.each(sourceFiles(SRC).map((f) => path.relative(SRC, f)))(
    'src/%s uses no I/O, timer, clock or randomness',
    (rel) => {
      expect(violations(readFileSync(path.join(SRC, rel), 'utf8'))).toEqual([]);
    },
  );

  it('catches each kind of violation (the check itself can fail)', () => {
    expect(violations(`import { connect } from 'node:net';`)).toEqual(['imports net']);
    expect(violations(`import { readFileSync } from "fs";`)).toEqual(['imports fs']);
    expect(violations(`import * as t from 'node:timers/promises';`)).toEqual(['imports timers/promises']);
    expect(violations(`const tls = await import('node:tls');`)).toEqual(['imports tls']);
    expect(violations(`export { createSocket } from 'node:dgram';`)).toEqual(['imports dgram']);
    expect(violations('const t = Date.now();')).toEqual(['calls Date.now(']);
    expect(violations('const r = Math.random();')).toEqual(['calls Math.random(']);
    expect(violations('const b = crypto.randomBytes(32);')).toEqual(['calls randomBytes(']);
    expect(violations('setTimeout(() => {}, 5);')).toEqual(['calls setTimeout(']);
    expect(violations(`import { createHash } from 'node:crypto';`)).toEqual([]);
    expect(violations('// a comment may mention Date.now() and setTimeout(')).toEqual([]);
    expect(violations('/* node:net randomBytes( */ const x = 1;')).toEqual([]);
  });
});
