/**
 * The mutation scripts' own logic (issue 22): mutation-merge joins incremental files of separate
 * runs, renumbering tests through their file and name; mutation-check judges each file and the
 * total, and names the core files a report leaves out. Stryker itself is not run here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'mutation-scripts-'));

function script(name: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', name), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const mutant = (id: string, status: string, coveredBy: string[], killedBy: string[] = [], line = 1) => ({
  id,
  mutatorName: 'ConditionalExpression',
  replacement: 'true',
  status,
  coveredBy,
  killedBy,
  location: { start: { line, column: 1 }, end: { line, column: 2 } },
});

const report = (files: Record<string, unknown[]>, tests: Record<string, string[]>, firstId = 0) => {
  let id = firstId;
  const testFiles = Object.fromEntries(
    Object.entries(tests).map(([file, names]) => [
      file,
      { source: `// ${file}`, tests: names.map((name) => ({ id: String(id++), name })) },
    ]),
  );
  return {
    schemaVersion: '2',
    thresholds: { high: 90, low: 80 },
    files: Object.fromEntries(
      Object.entries(files).map(([f, mutants]) => [f, { language: 'typescript', source: '', mutants }]),
    ),
    testFiles,
  };
};

describe('mutation-merge', () => {
  it('keeps each mutant pointing at the same test (by file and name) when the runs numbered them apart', () => {
    // Run A numbers t/a.test.ts's tests 0, 1; run B numbers t/b.test.ts's 0 and t/a.test.ts's 1, 2.
    const a = report(
      { 'src/x.ts': [mutant('x1', 'Killed', ['0', '1'], ['1'])] },
      { 't/a.test.ts': ['one', 'two'] },
    );
    const b = report(
      { 'src/y.ts': [mutant('y1', 'Survived', ['0', '2'])] },
      { 't/b.test.ts': ['three'], 't/a.test.ts': ['one', 'two'] },
    );
    const out = join(dir, 'merged.json');
    const r = script('mutation-merge.mjs', ['--out', out, write('a.json', a), write('b.json', b)]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2 files, 2 mutants, 3 tests/);
    const merged = JSON.parse(readFileSync(out, 'utf8'));
    const name = (id: string) =>
      Object.entries(merged.testFiles as Record<string, { tests: { id: string; name: string }[] }>).flatMap(
        ([file, { tests }]) => tests.filter((t) => t.id === id).map((t) => `${file} ${t.name}`),
      );
    const x = merged.files['src/x.ts'].mutants[0];
    expect(x.coveredBy.flatMap(name)).toEqual(['t/a.test.ts one', 't/a.test.ts two']);
    expect(x.killedBy.flatMap(name)).toEqual(['t/a.test.ts two']);
    const y = merged.files['src/y.ts'].mutants[0];
    expect(y.coveredBy.flatMap(name)).toEqual(['t/b.test.ts three', 't/a.test.ts two']);
    // Each test once, with one id.
    const ids = Object.values(merged.testFiles as Record<string, { tests: { id: string }[] }>).flatMap((f) =>
      f.tests.map((t) => t.id),
    );
    expect(new Set(ids).size).toBe(3);
  });

  it('takes a file mutated by two runs from the later one', () => {
    const early = report({ 'src/x.ts': [mutant('x1', 'Survived', ['0'])] }, { 't/a.test.ts': ['one'] });
    const late = report({ 'src/x.ts': [mutant('x1', 'Killed', ['0'], ['0'])] }, { 't/a.test.ts': ['one'] });
    const out = join(dir, 'later.json');
    expect(
      script('mutation-merge.mjs', ['--out', out, write('e.json', early), write('l.json', late)]).code,
    ).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).files['src/x.ts'].mutants[0].status).toBe('Killed');
  });

  it('takes from a report given as report=files only those files (a run carries the others unmeasured)', () => {
    const base = report({ 'src/x.ts': [mutant('x1', 'Killed', ['0'], ['0'])] }, { 't/a.test.ts': ['one'] });
    // This run mutated src/y.ts only; its stale copy of src/x.ts must not replace the base's.
    const part = report(
      {
        'src/x.ts': [mutant('x1', 'Survived', ['0'])],
        'src/y.ts': [mutant('y1', 'Killed', ['0'], ['0'])],
      },
      { 't/a.test.ts': ['one'] },
    );
    const out = join(dir, 'parts.json');
    const r = script('mutation-merge.mjs', [
      '--out',
      out,
      write('base.json', base),
      `${write('part.json', part)}=src/y.ts`,
    ]);
    expect(r.code, r.err).toBe(0);
    const merged = JSON.parse(readFileSync(out, 'utf8'));
    expect(merged.files['src/x.ts'].mutants[0].status).toBe('Killed');
    expect(merged.files['src/y.ts'].mutants[0].status).toBe('Killed');
  });

  it('refuses to run without a readable report (exit 2)', () => {
    const r = script('mutation-merge.mjs', ['--out', join(dir, 'none.json'), join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mutation-merge: .*missing\.json/);
  });
});

describe('mutation-check', () => {
  const tested = write(
    'check.json',
    report(
      {
        'src/errors.ts': [mutant('e1', 'Killed', ['0'], ['0']), mutant('e2', 'Timeout', ['0'])],
        'src/index.ts': [mutant('i1', 'Killed', ['0'], ['0']), mutant('i2', 'Survived', ['0'])],
      },
      { 't/a.test.ts': ['one'] },
    ),
  );

  it('fails a file under --min-file and a total under --min-total, and names the core files left out', () => {
    const r = script('mutation-check.mjs', ['--report', tested]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/src\/index\.ts\s+!50\.0/);
    expect(r.out).toMatch(/total\s+75\.0/);
    expect(r.out).toMatch(/src\/index\.ts: 50\.0% < 80%/);
    expect(r.out).toMatch(/total: 75\.0% < 90%/);
    expect(r.out).toMatch(/not in the report \(\d+ core files: .*src\/chat\/chat-server\.ts/);
    expect(r.out).not.toMatch(/not in the report[^\n]*src\/errors\.ts/);
  });

  it('judges only the files named by --files', () => {
    const r = script('mutation-check.mjs', [
      '--report',
      tested,
      '--files',
      'src/errors.ts',
      '--min-total',
      '0',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/src\/errors\.ts\s+100\.0/);
    expect(r.out).not.toMatch(/src\/index\.ts/);
    expect(r.out).not.toMatch(/not in the report/);
  });

  it('judges a file named with line ranges by the mutants on those lines only (a --lines run)', () => {
    const lines = write(
      'lines.json',
      report(
        {
          'src/errors.ts': [
            mutant('a', 'Survived', ['0'], [], 3),
            mutant('b', 'Survived', ['0'], [], 4),
            mutant('c', 'Killed', ['0'], ['0'], 10),
            mutant('d', 'Timeout', ['0'], [], 12),
          ],
        },
        { 't/a.test.ts': ['one'] },
      ),
    );
    const changed = script('mutation-check.mjs', [
      '--report',
      lines,
      '--files',
      'src/errors.ts:10-12',
      '--min-total',
      '0',
    ]);
    expect(changed.code).toBe(0);
    expect(changed.out).toMatch(/src\/errors\.ts\s+100\.0\s+1\s+1\s+0/);
    const both = script('mutation-check.mjs', [
      '--report',
      lines,
      '--files',
      'src/errors.ts:4-4,src/errors.ts:10-10',
      '--min-total',
      '0',
    ]);
    expect(both.code).toBe(1);
    expect(both.out).toMatch(/src\/errors\.ts: 50\.0% < 80%/);
    // Named whole as well: judged whole.
    const whole = script('mutation-check.mjs', [
      '--report',
      lines,
      '--files',
      'src/errors.ts:10-12,src/errors.ts',
      '--min-total',
      '0',
    ]);
    expect(whole.out).toMatch(/src\/errors\.ts: 50\.0% < 80%/);
  });
});
