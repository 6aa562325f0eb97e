/**
 * Reserved names (spec 7.17): the first key to hold a name owns it; others (anonymous, another
 * key, legacy) get NAME_RESERVED; the owner's use refreshes it, disuse for reservationDays frees
 * it; per-key and server-wide caps; the saved form and what a bad file is refused for.
 */
import { describe, expect, it } from 'vitest';
import { nameKeys } from '../../src/chat/name-rules.js';
import { parseSavedReservations, Reservations } from '../../src/chat/reservations.js';
import { Room } from '../../src/chat/room.js';
import { fingerprintOf } from '../../src/crypto/identity.js';
import { LEGACY_NAME_RULES, LIMITS, type Limits, V2_NAME_RULES } from '../../src/generated/constants.js';

const fp = (n: number) => fingerprintOf(Buffer.alloc(32, n));
const A = fp(1);
const B = fp(2);
const DAY = 86_400_000;

function room(limits: Partial<Limits> = {}, rules = V2_NAME_RULES) {
  const all = { ...LIMITS, ...limits };
  const reservations = new Reservations(all, (name) => nameKeys(rules, name));
  return { room: new Room<number>(rules, all, true, { reservations }), reservations };
}

/** Connection `id` proves `key` (when given), then asks to join as `name`. */
function join(r: Room<number>, id: number, name: string, key: string | null, now: number) {
  if (key) r.decide(id, { kind: 'prove', fingerprint: key }, now);
  const d = r.decide(id, { kind: 'join', name }, now);
  return d.kind === 'refused' ? d.verdict.code : d.kind;
}

describe('reserved names (7.17)', () => {
  it('belong to the first key that holds them, by the 7.2 keys', () => {
    const { room: r } = room();
    expect(join(r, 1, 'alice', A, 0)).toBe('joined');
    r.leave(1, 'quit', 10);
    expect(join(r, 2, 'Alice', null, 20)).toBe('NAME_RESERVED');
    expect(join(r, 3, 'A1ice', B, 20)).toBe('NAME_RESERVED');
    expect(join(r, 4, 'alice', A, 30)).toBe('joined');
    // In use: taken for everyone, the owner on a second connection too.
    expect(join(r, 5, 'alice', A, 40)).toBe('NAME_TAKEN');
  });

  it('refuses a rename to a reserved name, and a rename frees the old one of nothing', () => {
    const { room: r } = room();
    join(r, 1, 'alice', A, 0);
    join(r, 2, 'bob', null, 0);
    r.leave(1, 'quit', 5);
    const d = r.decide(2, { kind: 'nick', name: 'alice' }, 10);
    expect(d.kind === 'rename-refused' && d.verdict.code).toBe('NAME_RESERVED');
    join(r, 3, 'carol', A, 20);
    expect(r.decide(3, { kind: 'nick', name: 'alice' }, 30).kind).toBe('renamed');
  });

  it('expires reservationDays after the owner last used it, never while held', () => {
    const { room: r } = room({ reservationDays: 2 });
    join(r, 1, 'alice', A, 0);
    expect(join(r, 2, 'alice', B, 5 * DAY)).toBe('NAME_TAKEN'); // held for 5 days: still A's
    r.leave(1, 'quit', 5 * DAY);
    expect(join(r, 3, 'alice', B, 7 * DAY - 1)).toBe('NAME_RESERVED');
    expect(join(r, 4, 'alice', B, 7 * DAY)).toBe('joined');
    r.leave(4, 'quit', 7 * DAY);
    expect(join(r, 5, 'alice', A, 7 * DAY)).toBe('NAME_RESERVED'); // now B's
  });

  it('keeps at most reservationsPerKey names per key and maxReservations in all', () => {
    const { room: r, reservations } = room({ reservationsPerKey: 2, maxReservations: 3 });
    join(r, 1, 'one', A, 1);
    r.decide(1, { kind: 'nick', name: 'two' }, 2);
    r.decide(1, { kind: 'nick', name: 'three' }, 3); // drops "one", the least recently used
    r.leave(1, 'quit', 4);
    expect(reservations.ownerOf('one', 5)).toBeUndefined();
    expect(reservations.ownerOf('two', 5)).toBe(A);
    join(r, 2, 'four', B, 6);
    join(r, 3, 'five', fp(3), 7); // full: not reserved
    expect(reservations.size).toBe(3);
    expect(reservations.ownerOf('five', 8)).toBeUndefined();
  });

  it('refuses a reserved name to every legacy member', () => {
    const { room: r } = room({}, LEGACY_NAME_RULES);
    const { room: v2room, reservations } = room();
    join(v2room, 1, 'alice', A, 0);
    const saved = reservations.takeSave()!;
    const legacy = new Room<number>(LEGACY_NAME_RULES, LIMITS, false, {
      reservations: new Reservations(LIMITS, (n) => nameKeys(LEGACY_NAME_RULES, n), saved),
    });
    expect(join(legacy, 9, 'alice', null, 1)).toBe('NAME_RESERVED');
    expect(join(r, 9, 'alice', null, 1)).toBe('joined');
  });

  it('hands out its state when it changed, and reads it back; a bad file is refused', () => {
    const { room: r, reservations } = room();
    expect(reservations.takeSave()).toBeNull();
    join(r, 1, 'alice', A, 1000);
    const saved = reservations.takeSave();
    expect(saved).toEqual({ version: 1, reservations: [{ name: 'alice', key: A, used: 1000 }] });
    expect(reservations.takeSave()).toBeNull();
    expect(parseSavedReservations(JSON.parse(JSON.stringify(saved)))).toEqual(saved);
    for (const bad of [
      null,
      [],
      { version: 2, reservations: [] },
      { version: 1 },
      { version: 1, reservations: [{ name: 'x', key: 'nope', used: 1 }] },
      { version: 1, reservations: [{ name: '', key: A, used: 1 }] },
      { version: 1, reservations: [{ name: 'x', key: A, used: -1 }] },
    ])
      expect(() => parseSavedReservations(bad)).toThrow();
  });
});
