/** scripts/coverage-check.mjs: each folder is held to its own line coverage threshold. */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script without type declarations
import { check, linesByFolder } from '../scripts/coverage-check.mjs';

const lines = (covered: number, total: number) => ({ lines: { covered, total, pct: 0 } });

describe('coverage-check', () => {
  const root = '/repo';
  const summary = {
    total: lines(0, 0),
    '/repo/src/chat/room.ts': lines(90, 100),
    '/repo/src/crypto/identity.ts': lines(10, 10),
    '/repo/reference-server/server.ts': lines(85, 100),
    '/repo/dist/reference-client/view/view-model.js': lines(84, 100),
    '/repo/tools/other.ts': lines(0, 100),
  };

  it('adds up lines per folder, compiled or source paths alike, ignoring other folders', () => {
    expect(linesByFolder(summary, root)).toEqual({
      src: { covered: 100, total: 110 },
      'reference-server': { covered: 85, total: 100 },
      'reference-client': { covered: 84, total: 100 },
    });
  });

  it('fails a folder under its threshold and passes those at or over it', () => {
    const { ok, report } = check(linesByFolder(summary, root));
    expect(ok).toBe(false);
    expect(report.map((l: string) => l.slice(0, 4))).toEqual(['ok  ', 'ok  ', 'LOW ']);
  });

  it('fails a folder with no measured lines (nothing ran)', () => {
    const { ok } = check(linesByFolder({ '/repo/src/a.ts': lines(1, 1) }, root));
    expect(ok).toBe(false);
  });
});
