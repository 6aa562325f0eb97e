/**
 * Reserved names (spec 7.17) on the Reservations table itself: what `take` and `release` answer
 * and record, the per-key and server-wide caps at their bounds, a file read back (duplicates,
 * expiry), what is handed out to save, the refusal of a bad file word for word, and a name whose
 * two 7.2 keys lead to two reservations.
 */
import { describe, expect, it } from 'vitest';
import { nameKeys } from '../../src/chat/name-rules.js';
import { parseSavedReservations, Reservations, type SavedReservations } from '../../src/chat/reservations.js';
import { fingerprintOf } from '../../src/crypto/identity.js';
import { LIMITS, type Limits, V2_NAME_RULES } from '../../src/generated/constants.js';

const fp = (n: number) => fingerprintOf(Buffer.alloc(32, n));
const A = fp(1);
const B = fp(2);
const C = fp(3);
const DAY = 86_400_000;
const keysOf = (name: string) => nameKeys(V2_NAME_RULES, name);

function table(limits: Partial<Limits> = {}, saved?: SavedReservations) {
  return new Reservations({ ...LIMITS, reservationDays: 2, ...limits }, keysOf, saved);
}

const names = (r: Reservations) => r.takeSave()?.reservations.map((e) => e.name) ?? null;

describe('Reservations.take and release (7.17)', () => {
  it('answers none for an anonymous member and for another key, changing nothing', () => {
    const r = table();
    expect(r.take('alice', null, 0)).toBe('none');
    expect(r.size).toBe(0);
    expect(r.takeSave()).toBeNull();
    expect(r.take('alice', A, 0)).toBe('reserved');
    r.takeSave();
    expect(r.take('Alice', B, 1)).toBe('none');
    expect(r.takeSave()).toBeNull();
    expect(r.ownerOf('alice', 1)).toBe(A);
  });

  it("refreshes the owner's: its spelling and time of last use, and marks it to save", () => {
    const r = table();
    r.take('alice', A, 0);
    r.release('alice', A, 0);
    r.takeSave();
    expect(r.take('ALICE', A, 5)).toBe('refreshed');
    expect(r.takeSave()).toEqual({ version: 1, reservations: [{ name: 'ALICE', key: A, used: 5 }] });
    // Held again: it does not expire while held, however long.
    expect(r.ownerOf('alice', 100 * DAY)).toBe(A);
  });

  it('refuses others only: the owner and a free name are not refused', () => {
    const r = table();
    r.take('alice', A, 0);
    expect(r.refuses('alice', A, 1)).toBe(false);
    expect(r.refuses('alice', B, 1)).toBe(true);
    expect(r.refuses('alice', null, 1)).toBe(true);
    expect(r.refuses('bob', B, 1)).toBe(false);
  });

  it('counts expiry from the release, and ignores a release by another key or of a free name', () => {
    const r = table();
    r.take('alice', A, 0);
    r.takeSave();
    r.release('alice', null, 1 * DAY);
    r.release('alice', B, 1 * DAY);
    r.release('bob', A, 1 * DAY);
    expect(r.takeSave()).toBeNull();
    r.release('alice', A, 1 * DAY);
    expect(r.takeSave()).toEqual({ version: 1, reservations: [{ name: 'alice', key: A, used: DAY }] });
    expect(r.ownerOf('alice', 3 * DAY - 1)).toBe(A);
    expect(r.ownerOf('alice', 3 * DAY)).toBeUndefined();
    // The expiry itself is a change to save.
    expect(r.takeSave()).toEqual({ version: 1, reservations: [] });
  });
});

describe('Reservations caps (7.17: reservationsPerKey, maxReservations)', () => {
  it('drops the least recently used of a key at its cap, not the first reserved', () => {
    const r = table({ reservationsPerKey: 3 });
    r.take('one', A, 1);
    r.take('two', A, 2);
    r.take('one', A, 3); // refreshed: now "two" is the least recently used
    r.takeSave();
    expect(r.take('three', A, 4)).toBe('reserved'); // two of three: nothing dropped
    expect(r.size).toBe(3);
    expect(r.take('four', A, 5)).toBe('reserved');
    expect(names(r)).toEqual(['one', 'three', 'four']);
    expect(r.ownerOf('two', 6)).toBeUndefined();
  });

  it('drops the first reserved of two used at the same time', () => {
    const r = table({ reservationsPerKey: 2 });
    r.take('one', A, 1);
    r.take('two', A, 1);
    r.take('three', A, 2);
    expect(names(r)).toEqual(['two', 'three']);
  });

  it('leaves expired reservations alone while the table is not full (they go when looked at)', () => {
    const r = table({ maxReservations: 3 });
    r.take('one', A, 0);
    r.release('one', A, 0);
    r.takeSave();
    // An anonymous release looks nothing up, so it drops nothing either.
    r.release('one', null, 3 * DAY);
    expect(r.takeSave()).toBeNull();
    r.take('two', B, 3 * DAY);
    expect(names(r)).toEqual(['one', 'two']);
  });

  it('reserves up to maxReservations, then only after dropping expired ones', () => {
    const r = table({ maxReservations: 2 });
    expect(r.take('one', A, 0)).toBe('reserved');
    r.release('one', A, 0);
    expect(r.take('two', B, 0)).toBe('reserved');
    expect(r.take('three', C, 2 * DAY - 1)).toBe('full');
    expect(r.size).toBe(2);
    expect(r.take('three', C, 2 * DAY)).toBe('reserved'); // "one" expired and went
    expect(r.ownerOf('one', 2 * DAY)).toBeUndefined();
    expect(r.ownerOf('three', 2 * DAY)).toBe(C);
  });
});

describe('Reservations from a file (7.17)', () => {
  it('keeps the first of two entries that share one key of two', () => {
    // `Μαρια` shares its first key with `μαρια`, not its second (Latin `Mapia`'s).
    const r = table(
      {},
      {
        version: 1,
        reservations: [
          { name: 'μαρια', key: A, used: 10 },
          { name: 'Μαρια', key: B, used: 10 },
        ],
      },
    );
    expect(r.size).toBe(1);
    expect(r.ownerOf('Mapia', 11)).toBeUndefined();
    expect(r.ownerOf('Μαρια', 11)).toBe(A);
  });

  it('keeps the first of two entries that are one name, unheld from the start', () => {
    const r = table(
      {},
      {
        version: 1,
        reservations: [
          { name: 'alice', key: A, used: 10 },
          { name: 'ALICE', key: B, used: 20 },
          { name: 'bob', key: B, used: 0 },
        ],
      },
    );
    expect(r.size).toBe(2);
    expect(r.ownerOf('Alice', 11)).toBe(A);
    expect(r.takeSave()).toBeNull(); // as read: nothing to save
    expect(r.ownerOf('bob', 2 * DAY - 1)).toBe(B);
    expect(r.ownerOf('bob', 2 * DAY)).toBeUndefined();
  });
});

describe('a name whose two keys lead to two reservations (7.2, 7.17)', () => {
  // Greek capital Mu reads as Latin M: `Μαρια` has the keys of Greek `μαρια` and of Latin `Mapia`.
  it('is still refused by the live one when the other has expired', () => {
    const [greek, latin] = [keysOf('μαρια'), keysOf('Mapia')];
    expect(greek.some((k) => latin.includes(k))).toBe(false);
    expect(keysOf('Μαρια')).toEqual([greek[0], latin[1]]);
    const r = table();
    r.take('μαρια', A, 0);
    r.release('μαρια', A, 0);
    r.take('Mapia', B, 3 * DAY);
    r.release('Mapia', B, 3 * DAY);
    expect(r.refuses('Μαρια', C, 4 * DAY)).toBe(true);
    expect(r.ownerOf('Μαρια', 4 * DAY)).toBe(B);
    expect(r.take('Μαρια', C, 4 * DAY)).toBe('none');
    expect(r.ownerOf('μαρια', 4 * DAY)).toBeUndefined();
  });
});

describe('parseSavedReservations refusals, word for word (7.17)', () => {
  const one = (entry: unknown) => ({ version: 1, reservations: [{ name: 'x', key: A, used: 1 }, entry] });
  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    ['x', 'not a JSON object'],
    [{ reservations: [] }, 'unknown version (expected 1)'],
    [{ version: 1, reservations: {} }, '`reservations` is not a list'],
    [one(null), 'reservation 2: no name'],
    [one({ name: 7, key: A, used: 1 }), 'reservation 2: no name'],
    [one({ name: '', key: A, used: 1 }), 'reservation 2: no name'],
    [one({ name: 'y', key: 7, used: 1 }), 'reservation 2: the key is not a full fingerprint'],
    [one({ name: 'y', key: `x${A}`, used: 1 }), 'reservation 2: the key is not a full fingerprint'],
    [one({ name: 'y', key: `${A}x`, used: 1 }), 'reservation 2: the key is not a full fingerprint'],
    [one({ name: 'y', key: A, used: 1.5 }), 'reservation 2: bad time of last use'],
    [one({ name: 'y', key: A, used: -1 }), 'reservation 2: bad time of last use'],
    [one({ name: 'y', key: A }), 'reservation 2: bad time of last use'],
  ])('refuses a bad file (case %#): %s', (json, message) => {
    expect(() => parseSavedReservations(json)).toThrow(new Error(message));
  });

  it('reads a good file, used 0 included, and keeps only the fields it knows', () => {
    expect(
      parseSavedReservations({ version: 1, reservations: [{ name: 'y', key: A, used: 0, extra: true }] }),
    ).toEqual({ version: 1, reservations: [{ name: 'y', key: A, used: 0 }] });
  });
});
