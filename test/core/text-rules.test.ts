/**
 * Text rules an outside tester found open (issues 15, 17): lone surrogates (7.1), marks on names
 * (7.2 (c)), legacy names (10.2), one-line reasons (7.1 free text) and whois idle (7.13).
 */
import { describe, expect, it } from 'vitest';
import { markProblem, nameForm } from '../../src/chat/name-rules.js';
import { Room } from '../../src/chat/room.js';
import { LEGACY_NAME_RULES, LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';
import { parseStrictJson } from '../../src/session/strict-json.js';
import { parseClientPacket } from '../../src/session/v2-codec.js';
import { codeOf, messageOf } from './helpers.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('lone surrogates (7.1)', () => {
  it.each([
    ['a high one in a value', '{"type":"say","text":"x\\ud800y"}'],
    ['a low one in a value', '{"type":"say","text":"x\\udc00y"}'],
    ['a high one at the end', '{"type":"say","text":"x\\uD83D"}'],
    ['two high ones', '{"type":"say","text":"\\ud83d\\ud83d"}'],
    ['a reversed pair', '{"type":"say","text":"\\ude00\\ud83d"}'],
    ['one in a key', '{"type":"say","text":"x","\\ud800":1}'],
    ['one in a nested string', '{"a":[{"b":"\\udfff"}]}'],
  ])('refuses %s with PACKET_MALFORMED', (_label, text) => {
    expect(codeOf(() => parseStrictJson(bytes(text)))).toBe('PACKET_MALFORMED');
    expect(messageOf(() => parseStrictJson(bytes(text)))).toMatch(/lone surrogate/);
  });

  it('accepts an escaped pair, a raw astral character and other escapes', () => {
    expect(parseStrictJson(bytes('{"type":"say","text":"\\ud83d\\ude00"}'))).toEqual({
      type: 'say',
      text: '😀',
    });
    expect(parseStrictJson(bytes('{"type":"say","text":"😀 \\u00e9\\n"}'))).toEqual({
      type: 'say',
      text: '😀 é\n',
    });
  });

  it('refuses one in every packet, the hellos included', () => {
    const frame = bytes('{"type":"join","name":"al\\ud800ce"}');
    expect(codeOf(() => parseClientPacket(frame))).toBe('PACKET_MALFORMED');
  });
});

describe('marks on v2 names (7.2 (c), UTS #39 5.4)', () => {
  const verdict = (name: string) => new Room<number>(V2_NAME_RULES, LIMITS).checkName(name);

  it.each([
    ['a dot above an i', 'ali\u0307ce', /U\+0307 on an i or j/],
    ['a dot above a dotless i', 'al\u0131\u0307ce', /U\+0307 on an i or j/],
    ['a dot above a j', 'j\u0307ohn', /U\+0307 on an i or j/],
    ['a dot above a capital I', 'I\u0307van', /U\+0307/],
    ['the same mark twice', 'a\u0301\u0301b', /U\+0301 twice/],
    ['22 stacked marks', `a${'\u0301'.repeat(22)}`, /U\+0301 twice/],
    ['five different marks', 'a\u0300\u0301\u0302\u0303\u0304', /more than 4 marks/],
  ])('refuses %s as NAME_INVALID', (_label, name, message) => {
    const v = verdict(name);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.code).toBe('NAME_INVALID');
    expect(!v.ok && v.message).toMatch(message);
  });

  it.each([['Zoë'], ['Pokémon'], ['Tiếng'], ['ǹ'], ['ėlla'], ['हिन्दी'], ['ﬁ'.normalize('NFKC')]])(
    'accepts %s',
    (name) => {
      expect(verdict(name).ok).toBe(true);
    },
  );

  it('counts the marks of one base only: four on each of two bases pass', () => {
    expect(markProblem('a\u0300\u0301\u0302\u0303e\u0300\u0301\u0302\u0303')).toBeNull();
  });

  it("refuses the tester's look-alikes while alice is in, and takes nothing from the keys", () => {
    const room = new Room<number>(V2_NAME_RULES, LIMITS);
    room.decide(1, { kind: 'join', name: 'alice' }, 0);
    for (const name of ['ali\u0307ce', 'al\u0131\u0307ce']) {
      const v = room.checkName(name);
      expect(!v.ok && v.code).toBe('NAME_INVALID');
    }
  });
});

describe('legacy names (10.2)', () => {
  const legacyRoom = () => {
    const room = new Room<number>(LEGACY_NAME_RULES, LIMITS);
    room.decide(1, { kind: 'join', name: 'alice' }, 0);
    room.decide(2, { kind: 'join', name: 'watcher' }, 0);
    return room;
  };

  it.each([
    ['a bidi override', '\u202eecila'],
    ['a zero-width space inside', 'a\u200blice'],
    ['a zero-width space at the end', 'watcher\u200b'],
    ['a leading space', ' *server*'],
    ['a trailing space', '*server* '],
    ['a leading zero-width space', '\u200b*server*'],
    ['a C1 CSI', 'x\u009b2J'],
    ['NEL', 'x\u0085y'],
    ['a lone NBSP', '\u00a0'],
    ['spaces only', '   '],
    ['a tab', 'a\tb'],
    ['a Hangul filler', 'a\u3164'],
    ['a variation selector', 'a\ufe0f'],
    ['a tag character', 'a\u{e0041}'],
    ['a line separator', 'a\u2028b'],
  ])('refuses %s', (_label, name) => {
    const v = legacyRoom().checkName(name);
    expect(v.ok).toBe(false);
  });

  it.each([
    ['a case variant of a member', 'ALICE', 'NAME_TAKEN'],
    ['a Cyrillic look-alike of a member', 'аlice', 'NAME_TAKEN'],
    ['a case variant of *server*', '*SERVER*', 'NAME_RESERVED'],
    ['a case variant of temp', 'Temp', 'NAME_RESERVED'],
  ])('refuses %s by the keys of 7.2', (_label, name, code) => {
    const v = legacyRoom().checkName(name);
    expect(!v.ok && v.code).toBe(code);
  });

  it.each([['bob'], ['John Smith'], ['Zoe\u0308'], ["o'brien!"], ['日本']])(
    'accepts the plain text name %s as sent',
    (name) => {
      expect(nameForm(LEGACY_NAME_RULES, LIMITS.maxName, name)).toEqual({ ok: true, name });
      expect(legacyRoom().checkName(name)).toEqual({ ok: true, name });
    },
  );
});

describe('reasons are one line (7.1 free text)', () => {
  const frame = (packet: object) => bytes(JSON.stringify(packet));

  it.each([
    ['a line break', 'tea\nalice> hi'],
    ['an escape sequence', 'tea\u001b[2J'],
    ['a C1 CSI', 'tea\u009b2J'],
    ['a tab', 'tea\tnow'],
    ['a line separator', 'tea\u2028now'],
  ])('refuses an away reason with %s', (_label, reason) => {
    expect(codeOf(() => parseClientPacket(frame({ type: 'away', reason })))).toBe('PACKET_MALFORMED');
    expect(codeOf(() => parseClientPacket(frame({ type: 'goodbye', reason })))).toBe('PACKET_MALFORMED');
  });

  it('accepts a reason with letters, emoji and a bidi mark (receivers neutralise those)', () => {
    expect(parseClientPacket(frame({ type: 'away', reason: 'tea ☕ שלום' }))).toEqual({
      type: 'away',
      reason: 'tea ☕ שלום',
    });
  });
});

describe('whois idle counts public acts only (7.13)', () => {
  it('does not reset on a private message, and does on say, nick and away', () => {
    const room = new Room<number>(V2_NAME_RULES, LIMITS, true);
    room.decide(1, { kind: 'join', name: 'ann' }, 1_000);
    room.decide(2, { kind: 'join', name: 'bob' }, 1_000);
    const idle = (now: number) => {
      const d = room.decide(2, { kind: 'whois', name: 'ann' }, now);
      return d.kind === 'whois' ? d.idle : -1;
    };
    room.decide(1, { kind: 'msg', to: 'bob', text: 'psst' }, 5_000);
    expect(idle(6_000)).toBe(5_000);
    room.decide(1, { kind: 'say', text: 'hi', action: false }, 7_000);
    expect(idle(8_000)).toBe(1_000);
    room.decide(1, { kind: 'nick', name: 'anne' }, 9_000);
    room.decide(1, { kind: 'msg', to: 'bob', text: 'psst' }, 9_500);
    const d = room.decide(2, { kind: 'whois', name: 'anne' }, 10_000);
    expect(d.kind === 'whois' && d.idle).toBe(1_000);
  });
});

describe('a long text (7.3 length)', () => {
  it('parses up to the packet table maxLength (the room answers MESSAGE_TOO_LONG) and refuses beyond it', () => {
    const say = (n: number) => bytes(JSON.stringify({ type: 'say', text: '😀'.repeat(n) }));
    expect(parseClientPacket(say(65_536))).toMatchObject({ type: 'say' });
    expect(codeOf(() => parseClientPacket(say(65_537)))).toBe('PACKET_MALFORMED');
    const room = new Room<number>(V2_NAME_RULES, LIMITS);
    room.decide(1, { kind: 'join', name: 'ann' }, 0);
    const long = room.decide(1, { kind: 'say', text: 'x'.repeat(LIMITS.maxMessage + 1), action: false }, 1);
    expect(long.kind === 'notice' && long.error.code).toBe('MESSAGE_TOO_LONG');
  });
});
