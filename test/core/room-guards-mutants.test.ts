/**
 * A server's room guards from its configuration (spec 7.17, 7.18; room-guards.ts) and one room's
 * backlog (7.10; chat-room.ts): each guard only when configured, the configuration reaching it
 * (saved state, the address secret, who sees addresses, whether key bans are saved), and the
 * newest chat lines of a room's history.
 */
import { describe, expect, it } from 'vitest';
import { ChatRoom, LOBBY } from '../../src/chat/chat-room.js';
import type { Room } from '../../src/chat/room.js';
import { createRoomGuards } from '../../src/chat/room-guards.js';
import { LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';

const fingerprint = (n: number) => `${String(n).repeat(43)}=`.slice(0, 44);
const secretOf = (byte: number) => (size: number) => Buffer.alloc(size, byte);

describe('createRoomGuards (7.17, 7.18)', () => {
  it('adds nothing that is not configured', () => {
    expect(createRoomGuards({}, V2_NAME_RULES, LIMITS, secretOf(1))).toEqual({});
  });

  it('reserves names under their 7.2 keys, from the saved reservations', () => {
    const saved = { version: 1 as const, reservations: [{ name: 'Ann', key: fingerprint(1), used: 1000 }] };
    const guards = createRoomGuards({ reservations: { saved } }, V2_NAME_RULES, LIMITS, secretOf(1));
    expect(Object.keys(guards)).toEqual(['reservations']);
    // `ANN` shares Ann's key: refused to anyone but its owner.
    expect(guards.reservations?.refuses('ANN', null, 2000)).toBe(true);
    expect(guards.reservations?.refuses('ANN', fingerprint(1), 2000)).toBe(false);
    const empty = createRoomGuards({ reservations: {} }, V2_NAME_RULES, LIMITS, secretOf(1));
    expect(empty.reservations?.size).toBe(0);
  });

  it('moderates with the operators given, a 32-byte secret from the server randomness, and the saved bans', () => {
    const asked: number[] = [];
    const random = (size: number) => {
      asked.push(size);
      return Buffer.alloc(size, 7);
    };
    const saved = {
      version: 1 as const,
      bans: [{ id: 4, kind: 'key' as const, target: fingerprint(2), by: 'op', until: 0 }],
    };
    const guards = createRoomGuards(
      { moderation: { operators: [fingerprint(1)], banFile: { saved } } },
      V2_NAME_RULES,
      LIMITS,
      random,
    );
    expect(Object.keys(guards).sort()).toEqual(['moderate', 'moderation']);
    expect(asked).toEqual([32]);
    const moderation = guards.moderation!;
    expect(moderation.isOperator(fingerprint(1))).toBe(true);
    expect(moderation.isOperator(fingerprint(2))).toBe(false);
    expect(moderation.opsSeeAddresses).toBe(false);
    expect(moderation.bannedBy({ fingerprint: fingerprint(2), addr: null }, 0)?.id).toBe(4);
    // The secret keys the address hash: another secret gives another hash.
    const other = createRoomGuards({ moderation: { operators: [] } }, V2_NAME_RULES, LIMITS, secretOf(8));
    expect(moderation.addressHash('10.0.0.1')).not.toBe(other.moderation!.addressHash('10.0.0.1'));
    const same = createRoomGuards({ moderation: { operators: [] } }, V2_NAME_RULES, LIMITS, secretOf(7));
    expect(moderation.addressHash('10.0.0.1')).toBe(same.moderation!.addressHash('10.0.0.1'));
  });

  it('hands key bans out to save only with a ban file, and lets operators see addresses when told', () => {
    const withFile = createRoomGuards(
      { moderation: { operators: [], banFile: {}, opsSeeAddresses: true } },
      V2_NAME_RULES,
      LIMITS,
      secretOf(1),
    ).moderation!;
    expect(withFile.opsSeeAddresses).toBe(true);
    withFile.ban({ kind: 'key', target: fingerprint(3) }, 'op', 0, 0, {});
    expect(withFile.takeSave()?.bans).toHaveLength(1);
    const without = createRoomGuards({ moderation: { operators: [] } }, V2_NAME_RULES, LIMITS, secretOf(1))
      .moderation!;
    without.ban({ kind: 'key', target: fingerprint(3) }, 'op', 0, 0, {});
    expect(without.takeSave()).toBeNull();
  });

  it('decides the operators requests with moderate.ts and its own moderation', () => {
    const guards = createRoomGuards(
      { moderation: { operators: [fingerprint(1)] } },
      V2_NAME_RULES,
      LIMITS,
      secretOf(1),
    );
    guards.moderation!.ban({ kind: 'key', target: fingerprint(2) }, 'op', 0, 0, {});
    // A stand-in room: moderate.ts asks it for the asker's name and facts.
    const room = (op: boolean) =>
      ({
        nameOf: () => 'ann',
        factsOf: () => ({ fingerprint: fingerprint(1), op }),
      }) as unknown as Room<number>;
    const refused = guards.moderate!(room(false), 1, { kind: 'bans' }, 1);
    expect(refused).toMatchObject({ kind: 'notice', by: 1, error: { code: 'NOT_OPERATOR' } });
    const listed = guards.moderate!(room(true), 1, { kind: 'bans' }, 1);
    expect(listed).toMatchObject({
      kind: 'ban-list',
      by: 1,
      bans: [{ kind: 'key', target: fingerprint(2) }],
    });
  });
});

describe('ChatRoom (7.10, 7.15)', () => {
  it('knows #lobby by its name and counts its members', () => {
    const lobby = new ChatRoom<number>(LOBBY, ['lobby'], V2_NAME_RULES, 10);
    const tea = new ChatRoom<number>('#tea', ['tea'], V2_NAME_RULES, 10);
    expect(lobby.isLobby).toBe(true);
    expect(tea.isLobby).toBe(false);
    tea.members.add(1);
    tea.members.add(2);
    expect(tea.size).toBe(2);
    expect(lobby.size).toBe(0);
    expect(tea.topic).toBe('');
  });

  it('gives the newest chat lines and actions, oldest first, leaving joins and leaves out', () => {
    const room = new ChatRoom<number>('#tea', ['tea'], V2_NAME_RULES, 6);
    room.history.record({ kind: 'message', from: 'a', text: 'dropped', ts: 0 });
    room.history.record({ kind: 'message', from: 'a', text: 'one', ts: 1 });
    room.history.record({ kind: 'join', name: 'b', ts: 2 });
    room.history.record({ kind: 'action', from: 'b', text: 'two', ts: 3 });
    room.history.record({ kind: 'leave', name: 'b', reason: 'quit', ts: 4 });
    room.history.record({ kind: 'message', from: 'a', text: 'three', ts: 5 });
    room.history.record({ kind: 'join', name: 'c', ts: 6 });
    const texts = (n: number) => room.recentChat(n).map((e) => e.text);
    expect(texts(2)).toEqual(['two', 'three']);
    expect(texts(3)).toEqual(['one', 'two', 'three']);
    // Only what the history still holds (capacity 6: the first line is gone).
    expect(texts(10)).toEqual(['one', 'two', 'three']);
    expect(texts(0)).toEqual([]);
    expect(room.recentChat(1)).toEqual([{ kind: 'message', from: 'a', text: 'three', ts: 5 }]);
  });
});
