/**
 * Who is on the server (spec 7.2, 7.11-7.13, 10.2; member-roster.ts), held alone: a wanted name
 * against the rules, the reserved names and the names in use (a renaming member's own keys aside),
 * names found under either of their 7.2 keys, away members in the order they went away, when each
 * was last active, and every fact of a member gone when it leaves.
 */
import { describe, expect, it } from 'vitest';
import { MemberRoster } from '../../src/chat/member-roster.js';
import { LEGACY_NAME_RULES, V2_NAME_RULES } from '../../src/generated/constants.js';

describe('MemberRoster.check (7.2, 10.2)', () => {
  it('gives the recorded form of a free name, or why not, word for word', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 8);
    expect(roster.check('cafe\u0301')).toEqual({ ok: true, name: 'caf\u00e9' });
    const long = roster.check('abcdefghi');
    expect(long.ok === false && long.code).toBe('NAME_INVALID');
    expect(roster.check('Server')).toEqual({
      ok: false,
      code: 'NAME_RESERVED',
      message: '"Server" is reserved',
    });
    roster.join(1, 'Ann', 0, false);
    expect(roster.check('aNN')).toEqual({
      ok: false,
      code: 'NAME_TAKEN',
      message: '"aNN" is already in use',
    });
    // Renaming: a member's own name (any spelling) is not taken from it, another's is.
    expect(roster.check('ANN', 1)).toEqual({ ok: true, name: 'ANN' });
    roster.join(2, 'bob', 0, false);
    expect(roster.check('BOB', 1).ok).toBe(false);
  });

  it('matches reserved names and names in use by either key (a look-alike in one case only)', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 32);
    // "honestl" and "honestI" share only the second key (skeleton, then folded case).
    roster.join(1, 'honestl', 0, false);
    expect(roster.check('honestI').ok).toBe(false);
    expect(roster.idOf('honestI')).toBe(1);
  });

  it('compares names exactly under exact rules, reserved ones too', () => {
    const roster = new MemberRoster<number>({ ...LEGACY_NAME_RULES, compare: 'exact' }, 32);
    roster.join(1, 'Ann', 0, false);
    expect(roster.check('ann')).toEqual({ ok: true, name: 'ann' });
    expect(roster.check('Ann').ok).toBe(false);
    expect(roster.check('temp')).toMatchObject({ ok: false, code: 'NAME_RESERVED' });
    expect(roster.check('Temp').ok).toBe(true);
    expect(roster.idOf('ann')).toBeUndefined();
    expect(roster.idOf('Ann')).toBe(1);
  });
});

describe('MemberRoster members (7.11-7.13, 7.15)', () => {
  it('renames a member in place, its old keys freed and its new ones taken', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 32);
    roster.join(1, 'ann', 10, true);
    roster.join(2, 'bob', 11, false);
    expect(roster.rename(1, 'cat')).toBe('ann');
    expect([...roster.members()]).toEqual([1, 2]);
    expect(roster.nameOf(1)).toBe('cat');
    expect(roster.idOf('ANN')).toBeUndefined();
    expect(roster.idOf('Cat')).toBe(1);
    expect(roster.check('ann').ok).toBe(true);
    expect(roster.size).toBe(2);
  });

  it('keeps when each joined and last acted, and whether it speaks rooms', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 32);
    roster.join(1, 'ann', 10, true);
    roster.join(2, 'bob', 11, false);
    expect(roster.seenOf(1)).toEqual({ joined: 10, active: 10 });
    roster.active(1, 50);
    expect(roster.seenOf(1)).toEqual({ joined: 10, active: 50 });
    expect(roster.seenOf(2)).toEqual({ joined: 11, active: 11 });
    roster.active(9, 60);
    expect(roster.seenOf(9)).toBeUndefined();
    expect(roster.speaksRooms(1)).toBe(true);
    expect(roster.speaksRooms(2)).toBe(false);
  });

  it('lists the away members among some ids in the order they went away, with their reasons', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 32);
    for (const [id, name] of [
      [1, 'ann'],
      [2, 'bob'],
      [3, 'cat'],
    ] as const)
      roster.join(id, name, 0, false);
    roster.goAway(3, 'lunch');
    roster.goAway(1, '');
    roster.goAway(2, 'bed');
    expect(roster.awayOf(3)).toBe('lunch');
    expect(roster.awayOf(1)).toBe('');
    expect(roster.awayAmong(new Set([1, 3]))).toEqual([
      { id: 3, name: 'cat', reason: 'lunch' },
      { id: 1, name: 'ann', reason: '' },
    ]);
    expect(roster.comeBack(3)).toBe(true);
    expect(roster.comeBack(3)).toBe(false);
    expect(roster.awayOf(3)).toBeUndefined();
  });

  it('forgets every fact of a member that left', () => {
    const roster = new MemberRoster<number>(V2_NAME_RULES, 32);
    roster.join(1, 'ann', 10, true);
    roster.goAway(1, 'gone');
    roster.remove(1, 'ann');
    expect(roster.nameOf(1)).toBeUndefined();
    expect(roster.idOf('ann')).toBeUndefined();
    expect(roster.awayOf(1)).toBeUndefined();
    expect(roster.seenOf(1)).toBeUndefined();
    expect(roster.speaksRooms(1)).toBe(false);
    expect(roster.size).toBe(0);
    expect(roster.check('ann').ok).toBe(true);
  });
});
