/**
 * The ban state of 7.18 on its own (moderation.ts): who is an operator, the address secret, which
 * changes are handed out to save (key bans only, and only with a ban file), the order of the list,
 * and every refusal of a ban file's JSON with the message an operator reads when the server will
 * not start on it.
 */
import { describe, expect, it } from 'vitest';
import { type Ban, Moderation, parseSavedBans } from '../../src/chat/moderation.js';

const FP_A = `SHA256:${'A'.repeat(43)}`;
const FP_B = `SHA256:${'B'.repeat(43)}`;
const SECRET = Buffer.alloc(32, 9);
const keyOf = (target: string) => ({ kind: 'key' as const, target });

function state(options: { persist?: boolean; operators?: string[]; saved?: Ban[]; maxBans?: number } = {}) {
  return new Moderation(
    { maxBans: options.maxBans ?? 10, maxMutes: 10 },
    {
      addressSecret: SECRET,
      ...(options.persist === undefined ? {} : { persist: options.persist }),
      ...(options.operators === undefined ? {} : { operators: options.operators }),
      ...(options.saved === undefined ? {} : { saved: { version: 1, bans: options.saved } }),
    },
  );
}

describe('the moderation state (7.18)', () => {
  it('knows no operator unless it is given some', () => {
    expect(state().isOperator('Stryker was here')).toBe(false);
    expect(state().isOperator(FP_A)).toBe(false);
    expect(state({ operators: [FP_A] }).isOperator(FP_A)).toBe(true);
    expect(state({ operators: [FP_A] }).isOperator(null)).toBe(false);
  });

  it('needs an address secret of 32 bytes', () => {
    const make = (n: number) => () =>
      new Moderation({ maxBans: 1, maxMutes: 1 }, { addressSecret: Buffer.alloc(n, 1) });
    expect(make(31)).toThrow(/the address secret is 32 bytes/);
    expect(make(32)).not.toThrow();
  });

  it('hands out nothing to save without a ban file, or before a key ban changed', () => {
    const plain = state();
    plain.ban(keyOf(FP_A), 'op', 0, 0, {});
    expect(plain.takeSave()).toBeNull();

    const kept = state({ persist: true });
    expect(kept.takeSave()).toBeNull();
    kept.ban({ kind: 'addr', target: kept.addressHash('10.0.0.1') }, 'op', 0, 0, {});
    expect(kept.takeSave()).toBeNull();
  });

  it('keeps a ban’s name and reason when given, and no such field otherwise', () => {
    const m = state({ persist: true });
    const named = m.ban(keyOf(FP_A), 'op', 0, 0, { name: 'troll', reason: 'spam' })!;
    const bare = m.ban(keyOf(FP_B), 'op', 5, 1000, {})!;
    expect(named).toMatchObject({ name: 'troll', reason: 'spam', until: 0 });
    expect('name' in bare || 'reason' in bare).toBe(false);
    expect(bare.until).toBe(6000);
    expect(m.takeSave()?.bans).toEqual([named, bare]);
  });

  it('saves again when a key ban is lifted or ends, not when an address ban does', () => {
    const m = state({ persist: true });
    const key = m.ban(keyOf(FP_A), 'op', 10, 0, {})!;
    const addr = m.ban({ kind: 'addr', target: m.addressHash('10.0.0.2') }, 'op', 5, 0, {})!;
    m.takeSave();

    expect(m.unban(addr.id, 0)?.id).toBe(addr.id);
    expect(m.takeSave()).toBeNull();
    expect(m.unban(addr.id, 0)).toBeUndefined();

    m.ban({ kind: 'addr', target: m.addressHash('10.0.0.3') }, 'op', 5, 0, {});
    expect(m.list(5000).map((b) => b.id)).toEqual([key.id]);
    expect(m.takeSave()).toBeNull();

    expect(m.list(10_000)).toEqual([]);
    expect(m.takeSave()).toEqual({ version: 1, bans: [] });

    const other = m.ban(keyOf(FP_B), 'op', 0, 0, {})!;
    m.takeSave();
    expect(m.unban(other.id, 0)?.id).toBe(other.id);
    expect(m.takeSave()).toEqual({ version: 1, bans: [] });
  });

  it('lists the bans by id, whatever order a ban file gave them in, and goes on from the highest', () => {
    const ban = (id: number, target: string): Ban => ({ id, kind: 'key', target, by: 'op', until: 0 });
    const m = state({ saved: [ban(5, FP_A), ban(2, FP_B)] });
    expect(m.list(0).map((b) => b.id)).toEqual([2, 5]);
    expect(m.ban({ kind: 'addr', target: 'x' }, 'op', 0, 0, {})?.id).toBe(6);
  });
});

describe('reading a ban file (7.18)', () => {
  const good = { id: 1, kind: 'key', target: FP_A, by: 'op', until: 0 };
  const refusal = (json: unknown) => {
    try {
      parseSavedBans(json);
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('reads a valid file, keeping a name and reason only when present', () => {
    const file = {
      version: 1,
      bans: [
        { ...good, name: 'troll', reason: 'spam' },
        { ...good, id: 2 },
      ],
    };
    const { bans } = parseSavedBans(file);
    expect(bans).toEqual([
      { ...good, name: 'troll', reason: 'spam' },
      { ...good, id: 2 },
    ]);
    expect(Object.keys(bans[1]).sort()).toEqual(['by', 'id', 'kind', 'target', 'until']);
  });

  it.each([
    [null, 'not a JSON object'],
    [[], 'not a JSON object'],
    ['bans', 'not a JSON object'],
    [{ bans: [] }, 'unknown version (expected 1)'],
    [{ version: 2, bans: [] }, 'unknown version (expected 1)'],
    [{ version: 1 }, '`bans` is not a list'],
    [{ version: 1, bans: {} }, '`bans` is not a list'],
    [{ version: 1, bans: [good, good] }, 'ban 2: bad or repeated id'],
    [{ version: 1, bans: [{ ...good, id: 0 }] }, 'ban 1: bad or repeated id'],
    [{ version: 1, bans: [{ ...good, kind: 'addr' }] }, 'ban 1: not a key ban'],
    [{ version: 1, bans: [{ ...good, target: 'SHA256:short' }] }, 'ban 1: not a key ban'],
    [{ version: 1, bans: [{ ...good, by: 7 }] }, 'ban 1: no operator'],
    [{ version: 1, bans: [{ ...good, until: -1 }] }, 'ban 1: bad end time'],
    [{ version: 1, bans: [{ ...good, until: 1.5 }] }, 'ban 1: bad end time'],
    [{ version: 1, bans: [{ ...good, name: 3 }] }, 'ban 1: name is not text'],
    [{ version: 1, bans: [{ ...good, reason: false }] }, 'ban 1: reason is not text'],
  ])('refuses %j: %s', (json, message) => {
    expect(refusal(json)).toBe(message);
  });
});
