/**
 * The room (spec 7.2-7.7, 10.2-10.5): name rules for both profiles, members, the history ring and
 * its clearing.
 */
import { describe, expect, it } from 'vitest';
import { type HistoryEntry, Room } from '../../src/chat/room.js';
import {
  LEGACY_NAME_PATTERN,
  LEGACY_RESERVED_NAMES,
  V2_NAME_PATTERN,
  V2_RESERVED_NAMES,
} from '../../src/generated/constants.js';

const v2Room = (history = 100, maxName = 24) =>
  new Room<number>(
    { maxName, pattern: V2_NAME_PATTERN, reserved: V2_RESERVED_NAMES, caseInsensitive: true },
    history,
  );
const legacyRoom = (history = 100, maxName = 24) =>
  new Room<number>(
    { maxName, pattern: LEGACY_NAME_PATTERN, reserved: LEGACY_RESERVED_NAMES, caseInsensitive: false },
    history,
  );

const codeFor = (room: Room<number>, name: string) => {
  const verdict = room.checkName(name);
  return verdict.ok ? null : verdict.code;
};

const entry = (n: number): HistoryEntry => ({ kind: 'message', from: 'a', text: `line ${n}`, ts: n });

describe('v2 name rules (7.2)', () => {
  it.each(['alice', 'Bob_2', 'a.b-c', 'Zoë', 'Δημήτρης', '李雷', '٣٤', 'x'])('accepts %s', (name) => {
    expect(codeFor(v2Room(), name)).toBeNull();
  });

  it.each([
    ['an empty name', ''],
    ['a space', 'a b'],
    ['punctuation', 'alice!'],
    ['a control character', 'a\u0007'],
    ['an emoji', 'hi👋'],
    ['a combining mark on its own', 'e\u0301'],
    ['the server name of legacy', '*server*'],
  ])('refuses %s with NAME_INVALID', (_label, name) => {
    expect(codeFor(v2Room(), name)).toBe('NAME_INVALID');
  });

  it('counts characters, not UTF-16 units, against maxName', () => {
    const room = v2Room(100, 4);
    expect(codeFor(room, '𝒜𝒜𝒜𝒜')).toBeNull(); // 4 characters, 8 UTF-16 units
    expect(codeFor(room, 'abcd')).toBeNull();
    expect(codeFor(room, 'abcde')).toBe('NAME_INVALID');
  });

  it.each(['server', 'SERVER', 'Parley', 'sYsTeM'])(
    'refuses the reserved name %s with NAME_RESERVED',
    (name) => {
      expect(codeFor(v2Room(), name)).toBe('NAME_RESERVED');
    },
  );

  it('compares names case-insensitively: NAME_TAKEN for another case', () => {
    const room = v2Room();
    room.join(1, 'Alice');
    expect(codeFor(room, 'alice')).toBe('NAME_TAKEN');
    expect(codeFor(room, 'ALICE')).toBe('NAME_TAKEN');
    expect(room.idOf('aLiCe')).toBe(1);
    expect(room.nameOf(1)).toBe('Alice'); // the name as chosen is kept
  });

  it('compares composed and decomposed forms as one name', () => {
    const room = v2Room();
    room.join(1, 'Zo\u00eb');
    expect(room.idOf('zoe\u0308')).toBe(1);
  });

  it('frees a name when its holder leaves', () => {
    const room = v2Room();
    room.join(1, 'alice');
    expect(room.leave(1)).toBe('alice');
    expect(codeFor(room, 'Alice')).toBeNull();
    expect(room.leave(1)).toBeUndefined();
  });
});

describe('legacy name rules (10.2)', () => {
  it.each(['alice', 'a b', 'Zoë!', '👋', 'Temp', '*Server*'])('accepts %s', (name) => {
    expect(codeFor(legacyRoom(), name)).toBeNull();
  });

  it.each(['*server*', 'temp'])('refuses the reserved name %s', (name) => {
    expect(codeFor(legacyRoom(), name)).toBe('NAME_RESERVED');
  });

  it.each([
    ['empty', ''],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007f'],
    ['too long', 'x'.repeat(25)],
  ])('refuses a name that is %s', (_label, name) => {
    expect(codeFor(legacyRoom(), name)).toBe('NAME_INVALID');
  });

  it('compares names exactly', () => {
    const room = legacyRoom();
    room.join(1, 'alice');
    expect(codeFor(room, 'alice')).toBe('NAME_TAKEN');
    expect(codeFor(room, 'Alice')).toBeNull();
    expect(room.idOf('Alice')).toBeUndefined();
  });
});

describe('members', () => {
  it('lists ids in join order and names sorted case-insensitively (7.6)', () => {
    const room = v2Room();
    room.join(3, 'carol');
    room.join(1, 'Bob');
    room.join(2, 'alice');
    expect([...room.members()]).toEqual([3, 1, 2]);
    expect(room.names()).toEqual(['alice', 'Bob', 'carol']);
    expect(room.size).toBe(3);
    room.leave(1);
    expect(room.names()).toEqual(['alice', 'carol']);
    expect(room.size).toBe(2);
  });

  it('sorts legacy names exactly', () => {
    const room = legacyRoom();
    for (const [i, n] of ['b', 'B', 'a', 'A'].entries()) room.join(i, n);
    expect(room.names()).toEqual(['A', 'B', 'a', 'b']);
  });

  it('numbers messages from 0, one by one (7.3)', () => {
    const room = v2Room();
    expect([room.nextId(), room.nextId(), room.nextId()]).toEqual([0, 1, 2]);
  });
});

describe('history (7.7, 11)', () => {
  it('keeps at most `history` entries, dropping the oldest', () => {
    const room = v2Room(3);
    for (let i = 0; i < 5; i++) room.record(entry(i));
    expect(room.entries().map((e) => e.ts)).toEqual([2, 3, 4]);
  });

  it('keeps the bound and the order over many entries', () => {
    const room = v2Room(10);
    for (let i = 0; i < 5000; i++) room.record(entry(i));
    expect(room.entries().map((e) => e.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 4990 + i));
  });

  it('keeps nothing when history is 0', () => {
    const room = v2Room(0);
    room.record(entry(1));
    expect(room.entries()).toEqual([]);
  });

  it('returns a copy that callers cannot use to change the history', () => {
    const room = v2Room();
    room.record(entry(1));
    room.entries().pop();
    expect(room.entries()).toHaveLength(1);
  });

  it('is cleared when the last member leaves, not before', () => {
    const room = v2Room();
    room.join(1, 'alice');
    room.join(2, 'bob');
    room.record(entry(1));
    room.leave(1);
    expect(room.entries()).toHaveLength(1);
    room.leave(2);
    expect(room.entries()).toEqual([]);
  });

  it('can be cleared on demand (server shutdown)', () => {
    const room = v2Room();
    room.join(1, 'alice');
    room.record(entry(1));
    room.clearHistory();
    expect(room.entries()).toEqual([]);
    room.record(entry(2));
    expect(room.entries().map((e) => e.ts)).toEqual([2]);
  });
});
