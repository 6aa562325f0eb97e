/**
 * Feature `nick` (spec 7.11): renaming in the room, on the v2 wire (user_renamed to members with
 * the feature, a leave and a join to the others, join_error for a refused name) and in the
 * client's reader.
 */
import { describe, expect, it } from 'vitest';
import { RoomReader } from '../../src/client/room-reader.js';
import { featureNet, roomWith } from '../support/feature-net.js';
import { codeOf } from './helpers.js';

describe('the room: rename (7.11)', () => {
  it('renames under the join rules; own keys are not taken, others are', () => {
    const room = roomWith([
      ['ann', 0],
      ['bob', 0],
    ]);
    expect(room.decide(1, { kind: 'nick', name: 'Ann' }, 1)).toEqual({
      kind: 'renamed',
      by: 1,
      from: 'ann',
      to: 'Ann',
      ts: 1,
      rooms: [room.rooms.lobby],
    });
    const refused = (name: string) => {
      const d = room.decide(1, { kind: 'nick', name }, 2);
      return d.kind === 'rename-refused' ? d.verdict.code : d.kind;
    };
    expect(refused('BOB')).toBe('NAME_TAKEN');
    expect(refused('server')).toBe('NAME_RESERVED');
    expect(refused('a b')).toBe('NAME_INVALID');
    expect(room.decide(1, { kind: 'nick', name: 'cat' }, 3).kind).toBe('renamed');
    expect(room.names()).toEqual(['bob', 'cat']);
    expect(room.idOf('ann')).toBeUndefined();
    expect(room.idOf('CAT')).toBe(1);
    // The old name is free again, and the member keeps its place in join order.
    expect(room.decide(3, { kind: 'join', name: 'ann' }, 4).kind).toBe('joined');
    expect([...room.members()]).toEqual([1, 2, 3]);
  });
});

describe('the v2 server: rename (7.11)', () => {
  it('costs what a join costs (rateCost 2): out of tokens, RATE_LIMITED and the name stays', () => {
    const s = featureNet('nick rate', { rateBurst: 4, ratePerSecond: 0.001 });
    const { client, id } = s.join('ann', ['nick']);
    // The join took 2 of the 4 tokens, the first rename the other 2.
    client.nick('bea');
    s.net.settle();
    client.nick('cat');
    s.net.settle();
    const got = s.packets(id);
    expect(got.map((p) => (p.type === 'error' ? p.code : p.type))).toEqual(['user_renamed', 'RATE_LIMITED']);
  });
  it('announces user_renamed to members with nick, a leave and a join to the others', () => {
    const s = featureNet('nick');
    const { ann, bob, old } = s.withAndWithout('nick');
    ann.client.nick('anna');
    s.net.settle();
    const ts = s.net.now;
    const renamed = { type: 'user_renamed', from: 'ann', to: 'anna', ts };
    expect(s.packets(ann.id)).toEqual([renamed]);
    expect(s.packets(bob.id)).toEqual([renamed]);
    expect(s.packets(old.id)).toEqual([
      { type: 'user_left', name: 'ann', reason: 'quit', ts },
      { type: 'user_joined', name: 'anna', ts },
    ]);
    expect(s.server.room.names()).toEqual(['anna', 'bob', 'old']);
  });

  it('refuses a taken name with join_error and keeps the connection joined', () => {
    const s = featureNet('nick');
    const ann = s.join('ann', ['nick']);
    s.join('bob');
    s.packets(ann.id);
    ann.client.nick('BOB');
    s.net.settle();
    expect(s.packets(ann.id)).toEqual([expect.objectContaining({ type: 'join_error', code: 'NAME_TAKEN' })]);
    expect(ann.client.state).toBe('JOINED');
    expect(s.server.room.names()).toEqual(['ann', 'bob']);
  });

  it('a client without the feature cannot send nick', () => {
    const s = featureNet('nick');
    const ann = s.join('ann');
    expect(codeOf(() => ann.client.nick('x'))).toBe('PACKET_UNEXPECTED');
  });
});

describe('the client reader: rename (7.11)', () => {
  it('renames in the user list, follows its own name, and reads a later join_error as an error', () => {
    const reader = new RoomReader();
    reader.read({ type: 'join_ok', name: 'ann', users: ['ann', 'bob'] }, 0);
    expect(reader.read({ type: 'user_renamed', from: 'ann', to: 'zed', ts: 3 }, 0)).toEqual([
      { kind: 'renamed', from: 'ann', to: 'zed', ts: 3 },
      { kind: 'users', room: '#lobby', users: ['bob', 'zed'] },
    ]);
    expect(reader.name).toBe('zed');
    expect(reader.read({ type: 'join_error', code: 'NAME_TAKEN', message: 'taken' }, 0)).toEqual([
      { kind: 'error', code: 'NAME_TAKEN', message: 'taken', fatal: false },
    ]);
    expect(reader.name).toBe('zed');
  });
});
