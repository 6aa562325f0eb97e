/**
 * The room (spec 7.2-7.7, 10.2-10.5): name rules for both profiles, members, its decisions
 * (length, private messages, ids), the history ring and its clearing. The rate limit (7.8) is
 * charged before the room: rate-limit.test.ts and chat-server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Room, type RoomLimits } from '../../src/chat/room.js';
import { LEGACY_NAME_RULES, LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';

const limits = (history: number, maxName: number, extra: Partial<RoomLimits> = {}): RoomLimits => ({
  ...LIMITS,
  history,
  maxName,
  ...extra,
});
const v2Room = (history = 100, maxName = 24, extra: Partial<RoomLimits> = {}) =>
  new Room<number>(V2_NAME_RULES, limits(history, maxName, extra), true);
const legacyRoom = (history = 100, maxName = 24, extra: Partial<RoomLimits> = {}) =>
  new Room<number>(LEGACY_NAME_RULES, limits(history, maxName, extra));

const codeFor = (room: Room<number>, name: string) => {
  const verdict = room.checkName(name);
  return verdict.ok ? null : verdict.code;
};

const join = (room: Room<number>, id: number, name: string, now = 0) =>
  room.decide(id, { kind: 'join', name }, now);
const say = (room: Room<number>, id: number, text: string, now = 0) =>
  room.decide(id, { kind: 'say', text, action: false }, now);

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
    ['a combining mark on its own', '\u0301'],
    ['a name starting with a mark', '\u0301e'],
    ['the server name of legacy', '*server*'],
  ])('refuses %s with NAME_INVALID', (_label, name) => {
    expect(codeFor(v2Room(), name)).toBe('NAME_INVALID');
  });

  it('counts characters, not UTF-16 units, against maxName', () => {
    const room = v2Room(100, 4);
    expect(codeFor(room, '𡃁𡃁𡃁𡃁')).toBeNull(); // 4 characters, 8 UTF-16 units
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
    join(room, 1, 'Alice');
    expect(codeFor(room, 'alice')).toBe('NAME_TAKEN');
    expect(codeFor(room, 'ALICE')).toBe('NAME_TAKEN');
    expect(room.idOf('aLiCe')).toBe(1);
    expect(room.nameOf(1)).toBe('Alice'); // the name as chosen is kept
  });

  it('compares composed and decomposed forms as one name', () => {
    const room = v2Room();
    join(room, 1, 'Zo\u00eb');
    expect(room.idOf('zoe\u0308')).toBe(1);
  });

  it('frees a name when its holder leaves', () => {
    const room = v2Room();
    join(room, 1, 'alice');
    const lobby = room.rooms.lobby;
    expect(room.leave(1, 'quit', 5)).toEqual({
      kind: 'left',
      by: 1,
      name: 'alice',
      reason: 'quit',
      ts: 5,
      rooms: [lobby],
    });
    expect(codeFor(room, 'Alice')).toBeNull();
    expect(room.leave(1, 'quit', 6)).toBeNull();
  });
});

describe('legacy name rules (10.2)', () => {
  it.each(['alice', 'a b', 'Zoë!', '👋'])('accepts %s', (name) => {
    expect(codeFor(legacyRoom(), name)).toBeNull();
  });

  it.each(['*server*', 'temp', 'Temp', '*Server*'])(
    'refuses the reserved name %s (by the keys of 7.2)',
    (name) => {
      expect(codeFor(legacyRoom(), name)).toBe('NAME_RESERVED');
    },
  );

  it.each([
    ['empty', ''],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007f'],
    ['too long', 'x'.repeat(25)],
  ])('refuses a name that is %s', (_label, name) => {
    expect(codeFor(legacyRoom(), name)).toBe('NAME_INVALID');
  });

  it('compares names by the keys of 7.2, as v2 does', () => {
    const room = legacyRoom();
    join(room, 1, 'alice');
    expect(codeFor(room, 'alice')).toBe('NAME_TAKEN');
    expect(codeFor(room, 'Alice')).toBe('NAME_TAKEN');
    expect(room.idOf('Alice')).toBe(1);
  });
});

describe('members', () => {
  it('lists ids in join order and names sorted case-insensitively (7.6)', () => {
    const room = v2Room();
    join(room, 3, 'carol');
    join(room, 1, 'Bob');
    join(room, 2, 'alice');
    expect([...room.members()]).toEqual([3, 1, 2]);
    expect(room.names()).toEqual(['alice', 'Bob', 'carol']);
    expect(room.size).toBe(3);
    room.leave(1, 'quit', 0);
    expect(room.names()).toEqual(['alice', 'carol']);
    expect(room.size).toBe(2);
  });

  it('sorts legacy names case-insensitively, as v2 does', () => {
    const room = legacyRoom();
    for (const [i, n] of ['b', 'D', 'a', 'C'].entries()) join(room, i, n);
    expect(room.names()).toEqual(['a', 'b', 'C', 'D']);
  });

  it('numbers messages from 1, one by one (7.3)', () => {
    const room = v2Room();
    join(room, 1, 'alice');
    const ids = [say(room, 1, 'a'), say(room, 1, 'b'), say(room, 1, 'c')].map((d) =>
      d.kind === 'message' ? d.id : null,
    );
    expect(ids).toEqual([1, 2, 3]);
  });
});

describe('decisions (7.3, 7.4, 7.8)', () => {
  it('stamps a line with the sender name from the room, an id and the time', () => {
    const room = v2Room();
    join(room, 1, 'Alice');
    expect(say(room, 1, 'hi', 7)).toEqual({
      kind: 'message',
      by: 1,
      id: 1,
      from: 'Alice',
      text: 'hi',
      action: false,
      ts: 7,
      room: room.rooms.lobby,
    });
  });

  it('gives MESSAGE_TOO_LONG past maxMessage characters, counting characters, not UTF-16 units', () => {
    const room = v2Room(100, 24, { maxMessage: 3 });
    join(room, 1, 'alice');
    expect(say(room, 1, '𝒜𝒜𝒜').kind).toBe('message');
    const refused = say(room, 1, 'abcd');
    expect(refused.kind === 'notice' && refused.error.code).toBe('MESSAGE_TOO_LONG');
  });

  it('finds the target of a private message by name, under the room rule, or gives NO_SUCH_USER', () => {
    const room = v2Room();
    join(room, 1, 'alice');
    join(room, 2, 'Bob');
    expect(room.decide(1, { kind: 'msg', to: 'bob', text: 'psst' }, 3)).toEqual({
      kind: 'private',
      by: 1,
      target: 2,
      id: 1,
      from: 'alice',
      to: 'Bob',
      text: 'psst',
      ts: 3,
    });
    const nobody = room.decide(1, { kind: 'msg', to: 'carol', text: 'psst' }, 3);
    expect(nobody.kind === 'notice' && nobody.error.code).toBe('NO_SUCH_USER');
  });

  it("refuses an invalid name with its profile's own wording", () => {
    const v2 = v2Room().checkName('a b');
    const legacy = legacyRoom().checkName('a\nb');
    expect(!v2.ok && v2.message).toBe(V2_NAME_RULES.invalid);
    expect(!legacy.ok && legacy.message).toBe(LEGACY_NAME_RULES.invalid);
    expect(V2_NAME_RULES.invalid).not.toBe(LEGACY_NAME_RULES.invalid);
  });
});

describe('history (7.7, 11)', () => {
  it('keeps at most `history` entries, dropping the oldest', () => {
    const room = legacyRoom(3);
    join(room, 1, 'a');
    for (let i = 0; i < 5; i++) say(room, 1, `line ${i}`, i);
    expect(room.entries().map((e) => e.ts)).toEqual([2, 3, 4]);
  });

  it('keeps the bound and the order over many entries', () => {
    const room = legacyRoom(10);
    join(room, 1, 'a');
    for (let i = 0; i < 5000; i++) say(room, 1, `line ${i}`, i);
    expect(room.entries().map((e) => e.ts)).toEqual(Array.from({ length: 10 }, (_, i) => 4990 + i));
  });

  it('keeps nothing when history is 0', () => {
    const room = v2Room(0);
    join(room, 1, 'a');
    say(room, 1, 'x');
    expect(room.entries()).toEqual([]);
  });

  it('returns a copy that callers cannot use to change the history', () => {
    const room = legacyRoom();
    join(room, 1, 'a');
    say(room, 1, 'x');
    room.entries().pop();
    expect(room.entries()).toHaveLength(1);
  });

  it('keeps joins and leaves in v2 (7.7), chat lines only in legacy (10.5)', () => {
    for (const [room, kinds] of [
      [v2Room(), ['join', 'join', 'message', 'leave']],
      [legacyRoom(), ['message']],
    ] as const) {
      join(room, 1, 'alice');
      join(room, 2, 'bob');
      say(room, 1, 'hi');
      room.leave(2, 'quit', 0);
      expect(room.entries().map((e) => e.kind)).toEqual(kinds);
    }
  });

  it('is cleared when the last member leaves, not before', () => {
    const room = legacyRoom();
    join(room, 1, 'alice');
    join(room, 2, 'bob');
    say(room, 1, 'x');
    room.leave(1, 'quit', 0);
    expect(room.entries()).toHaveLength(1);
    room.leave(2, 'quit', 0);
    expect(room.entries()).toEqual([]);
  });

  it('can be cleared on demand (server shutdown)', () => {
    const room = legacyRoom();
    join(room, 1, 'alice');
    say(room, 1, 'x', 1);
    room.clearHistory();
    expect(room.entries()).toEqual([]);
    say(room, 1, 'y', 2);
    expect(room.entries().map((e) => e.ts)).toEqual([2]);
  });
});

describe('v2 names under UTS #39 (7.2)', () => {
  it('records a decomposed name in NFC and answers to either form', () => {
    const room = v2Room();
    expect(join(room, 1, 'Zoe\u0308')).toMatchObject({ kind: 'joined', name: 'Zo\u00eb' });
    expect(room.nameOf(1)).toBe('Zo\u00eb');
    expect(room.idOf('zoe\u0308')).toBe(1);
  });

  it.each([
    ['a Cyrillic о among Latin letters', 'hоnest1', 'NAME_INVALID'],
    ['fullwidth letters', 'ｈonest1', 'NAME_INVALID'],
    ['mathematical letters', '𝐡onest1', 'NAME_INVALID'],
    ['an invisible filler', 'honest1\u3164', 'NAME_INVALID'],
    ['a zero-width space', 'hon\u200best1', 'NAME_INVALID'],
    ['l for 1', 'honestl', 'NAME_TAKEN'],
    ['capital I for 1', 'honestI', 'NAME_TAKEN'],
    ['another case', 'HONEST1', 'NAME_TAKEN'],
  ])('refuses %s beside honest1', (_label, name, code) => {
    const room = v2Room();
    join(room, 1, 'honest1');
    expect(codeFor(room, name)).toBe(code);
  });

  it('refuses look-alikes of reserved names and an all-Cyrillic copy of a member', () => {
    const room = v2Room();
    expect(codeFor(room, 'SERVER')).toBe('NAME_RESERVED');
    expect(codeFor(room, 'sуstem')).toBe('NAME_INVALID'); // Cyrillic у among Latin
    join(room, 1, 'ope');
    expect(codeFor(room, 'оре')).toBe('NAME_TAKEN'); // all Cyrillic
  });

  it('frees every key of a name when its member leaves', () => {
    const room = v2Room();
    join(room, 1, 'honestI');
    room.leave(1, 'quit', 1);
    expect(codeFor(room, 'honest1')).toBeNull();
    expect(codeFor(room, 'HONESTI')).toBeNull();
  });

  it('sorts the user list by case-folded name in code point order', () => {
    const room = v2Room();
    for (const [i, name] of ['bob', 'Straße', 'Alice', 'zed', 'straw'].entries()) join(room, i + 1, name);
    expect(room.names()).toEqual(['Alice', 'bob', 'Straße', 'straw', 'zed']);
  });
});
