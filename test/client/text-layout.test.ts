import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import { installBlessedWidths } from '../../reference-client/tui/blessed-widths.js';
import {
  charWidth,
  clipToWidth,
  displayWidth,
  inputWindow,
  wrapSegments,
} from '../../reference-client/view/text-layout.js';

const cp = (ch: string) => ch.codePointAt(0)!;

describe('charWidth', () => {
  it('follows Unicode East Asian Width, emoji included (U+1F680-1F6FF too)', () => {
    for (const ch of ['🚀', '🛸', '🚁', '😀', '🙏', '🧡', '字', '한', 'Ｗ', '。'])
      expect(charWidth(cp(ch)), ch).toBe(2);
    for (const ch of ['a', 'é', 'ß', 'Ж', '→', '❤', '☺', '½']) expect(charWidth(cp(ch)), ch).toBe(1);
  });

  it('gives combining marks, format characters and controls no column', () => {
    for (const ch of ['\u0301', '\u20dd', '\u200b', '\ufeff', '\u{e0041}', '\u1161', '\u001b', '\u0085'])
      expect(charWidth(cp(ch)), ch.codePointAt(0)!.toString(16)).toBe(0);
    expect(displayWidth('e\u0301🚀字')).toBe(5);
  });
});

describe('clipToWidth and inputWindow', () => {
  it('cuts by columns, not by code points', () => {
    expect(clipToWidth('字字字字', 8)).toBe('字字字字');
    expect(clipToWidth('字字字字', 7)).toBe('字字字…');
    expect(clipToWidth('字字字字', 6)).toBe('字字…');
    expect(displayWidth(clipToWidth('🚀a🚀b🚀c', 6))).toBeLessThanOrEqual(6);
  });

  it('keeps the cursor in view, counting wide characters as two columns', () => {
    const input = '字'.repeat(20);
    const end = inputWindow(input, input.length, 10);
    expect(end.under).toBe(' ');
    expect(displayWidth(end.left) + 1).toBeLessThanOrEqual(10);
    expect(end.left).toBe('字'.repeat(4));
    const start = inputWindow(input, 0, 10);
    expect(start).toEqual({ left: '', under: '字', right: '字'.repeat(4) });
  });

  it('shows format characters in the input line as U+FFFD, so they never reach the terminal', () => {
    const input = 'a\u202eb\u200bc\ufeffd\u00ade\u{e0041}f';
    const { left, under, right } = inputWindow(input, input.length, 40);
    expect(`${left}${under}${right}`).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf ');
  });
});

describe('wrapping wide text', () => {
  it('never puts more columns on a row than it has', () => {
    const rows = wrapSegments([{ text: `${'🚀字'.repeat(30)} wrapped`, style: 'text' }], 37, 9);
    for (const row of rows) expect(displayWidth(row.map((s) => s.text).join(''))).toBeLessThanOrEqual(37);
    expect(rows.length).toBeGreaterThan(3);
  });
});

describe('installBlessedWidths', () => {
  it('makes blessed measure as the client does: a filler cell after each wide character', () => {
    installBlessedWidths();
    installBlessedWidths(); // once is enough; twice changes nothing
    const unicode = (blessed as unknown as { unicode: Record<string, unknown> }).unicode as {
      charWidth(text: string, i?: number): number;
      combining: Record<number, boolean>;
      chars: { all: RegExp };
    };
    expect(unicode.charWidth('🚀')).toBe(2);
    expect(unicode.charWidth('x🛸', 1)).toBe(2);
    expect(unicode.charWidth('a')).toBe(1);
    expect(unicode.charWidth('\u0301')).toBe(0);
    expect(unicode.combining[0x301]).toBe(true);
    expect(unicode.combining[0x41]).toBe(false);
    expect('a🚀字b'.replace(unicode.chars.all, '$1\x03')).toBe('a🚀\x03字\x03b');
    expect('a🚀b'.replace(unicode.chars.all, '??')).toBe('a??b');
  });
});
