/** Text from the network, for a terminal and for a log line (hardening: log injection, spoofing). */
import { describe, expect, it } from 'vitest';
import { displayText, hasUnsafeText, logLine, logText, MAX_LOG_LINE } from '../../src/text/untrusted-text.js';

describe('displayText', () => {
  it('turns escape sequences and other controls into U+FFFD', () => {
    expect(displayText('a\u001b]0;pwned\u0007b\u009bc\u007f')).toBe('a\uFFFD]0;pwned\uFFFDb\uFFFDc\uFFFD');
  });

  it.each([
    ['\u200b'],
    ['\u200c'],
    ['\u2060'],
    ['\ufeff'],
    ['\u061c'],
    ['\u00ad'],
    ['\u202e'],
    ['\u2066'],
    ['\u{e0041}'],
    ['\u3164'],
  ])('shows the invisible %j as U+FFFD', (ch) => {
    expect(displayText(`a${ch}b`)).toBe('a\uFFFDb');
  });

  it('shows line breaks and tabs in one line', () => {
    expect(displayText('one\r\ntwo\nthree\tfour')).toBe('one ↵ two ↵ three four');
  });

  it('drops the glue of emoji sequences, keeping the emoji', () => {
    expect(displayText('👨\u200d👩\u200d👧 ❤\ufe0f')).toBe('👨👩👧 ❤');
  });

  it('leaves ordinary text of any script alone', () => {
    const text = 'Zoë 山田 Ελένη हिन्दी محمد 🚀';
    expect(displayText(text)).toBe(text);
    expect(hasUnsafeText(text)).toBe(false);
    expect(hasUnsafeText('a\u200bb')).toBe(true);
  });
});

describe('logText', () => {
  it('quotes a value so that it cannot end the line or forge another', () => {
    const forged = 'x\n2026-12-05T00:00:00.000Z INFO  conn 7: joined as admin';
    const token = logText(forged, 200);
    expect(token).not.toMatch(/[\n\r]/);
    expect(token.startsWith('"x\\n2026')).toBe(true);
    expect(JSON.parse(token)).toBe(forged);
  });

  it('escapes terminal controls and invisible code points', () => {
    const token = logText('\u001b[2J\u001b]0;t\u0007\u200b\u2028\u009b');
    expect(token).toBe('"\\u001b[2J\\u001b]0;t\\u0007\\u200b\\u2028\\u009b"');
    expect(/[\u0000-\u001f\u007f-\u009f]/.test(token)).toBe(false);
  });

  it('cuts a long value and says how much was left out', () => {
    expect(logText('a'.repeat(40_000), 10)).toBe('"aaaaaaaaaa"…(+39990)');
    expect(logText('🚀'.repeat(5), 3)).toBe('"🚀🚀🚀"…(+2)');
    expect(logText('short', 10)).toBe('"short"');
  });

  it('cuts only a value longer than the limit (exactly at the limit: whole, no count)', () => {
    expect(logText('abc', 3)).toBe('"abc"');
    expect(logText('abcd', 3)).toBe('"abc"…(+1)');
    expect(logText('🚀🚀🚀', 3)).toBe('"🚀🚀🚀"');
    expect(logText('x'.repeat(120))).toBe(`"${'x'.repeat(120)}"`);
    expect(logText('x'.repeat(121))).toBe(`"${'x'.repeat(120)}"…(+1)`);
  });

  it('escapes a code point past U+FFFF as its surrogate pair, which JSON.parse reads back', () => {
    const token = logText('a\u{e0041}b\u{e007f}');
    expect(token).toBe('"a\\udb40\\udc41b\\udb40\\udc7f"');
    expect(JSON.parse(token)).toBe('a\u{e0041}b\u{e007f}');
  });
});

describe('logLine', () => {
  it('escapes line breaks, terminal controls and invisible code points of a whole line', () => {
    const line = logLine('conn 1: x\nFAKE line\r\u001b[2J\u200b\u2028\u{e0041} end');
    expect(line).toBe('conn 1: x\\u000aFAKE line\\u000d\\u001b[2J\\u200b\\u2028\\udb40\\udc41 end');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u);
  });

  it('leaves a safe line of any script as it is', () => {
    const line = 'conn 7: joined as "Zoë 山田 🚀"';
    expect(logLine(line)).toBe(line);
  });

  it(`cuts a line longer than ${MAX_LOG_LINE} code points and says how many were left out`, () => {
    expect(MAX_LOG_LINE).toBe(2000);
    const exact = '🚀'.repeat(MAX_LOG_LINE);
    expect(logLine(exact)).toBe(exact);
    expect(logLine(`${exact}ab`)).toBe(`${exact}…(+2)`);
    // The limit counts the escaped line: one ESC is six code points once escaped.
    expect(logLine(`${'a'.repeat(MAX_LOG_LINE - 6)}\u001b`)).toBe(`${'a'.repeat(MAX_LOG_LINE - 6)}\\u001b`);
    expect(logLine(`${'a'.repeat(MAX_LOG_LINE - 5)}\u001b`)).toBe(
      `${'a'.repeat(MAX_LOG_LINE - 5)}\\u001…(+1)`,
    );
  });
});
