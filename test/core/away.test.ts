/**
 * Feature `away` (spec 7.12): away and back in the room, user_away on the v2 wire (to members
 * with the feature, to a newcomer, to the sender of a private message), and the client reader.
 */
import { describe, expect, it } from 'vitest';
import { RoomReader } from '../../src/client/room-reader.js';
import { featureNet, roomWith } from '../support/feature-net.js';

describe('the room: away (7.12)', () => {
  it('keeps who is away until back, a leave, or through a rename', () => {
    const room = roomWith([
      ['ann', 0],
      ['bob', 0],
    ]);
    expect(room.decide(2, { kind: 'away', away: false, reason: null }, 1).kind).toBe('none');
    expect(room.decide(1, { kind: 'away', away: true, reason: 'lunch' }, 1)).toEqual({
      kind: 'away',
      by: 1,
      name: 'ann',
      away: true,
      reason: 'lunch',
      ts: 1,
      rooms: [room.rooms.lobby],
    });
    room.decide(2, { kind: 'away', away: true, reason: null }, 2);
    expect(room.awayMembers()).toEqual([
      { id: 1, name: 'ann', reason: 'lunch' },
      { id: 2, name: 'bob', reason: '' },
    ]);
    const pm = room.decide(2, { kind: 'msg', to: 'ann', text: 'hi' }, 3);
    expect(pm.kind === 'private' && pm.targetAway).toBe('lunch');
    room.decide(1, { kind: 'nick', name: 'anna' }, 4);
    expect(room.awayMembers()[0]).toEqual({ id: 1, name: 'anna', reason: 'lunch' });
    expect(room.decide(2, { kind: 'away', away: false, reason: null }, 5).kind).toBe('away');
    room.leave(1, 'quit', 6);
    expect(room.awayMembers()).toEqual([]);
  });
});

describe('the v2 server: away (7.12)', () => {
  it('tells members with away, a newcomer, and the sender of a private message; nobody else', () => {
    const s = featureNet('away');
    const { ann, bob, old } = s.withAndWithout('away');
    ann.client.away('lunch');
    s.net.settle();
    const ts = s.net.now;
    const awayPacket = { type: 'user_away', name: 'ann', away: true, reason: 'lunch', ts };
    expect(s.packets(ann.id)).toEqual([awayPacket]);
    expect(s.packets(bob.id)).toEqual([awayPacket]);
    expect(s.packets(old.id)).toEqual([]);
    const cat = s.join('cat', ['away']);
    expect(cat.first.map((p) => p.type)).toEqual(['join_ok', 'user_away']);
    expect(s.join('dan').first.map((p) => p.type)).toEqual(['join_ok']);
    s.packets(bob.id);
    bob.client.privateMessage('ann', 'are you there?');
    s.net.settle();
    const told = s.packets(bob.id);
    expect(told.map((p) => p.type)).toEqual(['private', 'user_away']);
    // The notice right after the private message carries the reason (7.12).
    expect(told[1]).toEqual({ ...awayPacket, ts: s.net.now });
    ann.client.back();
    s.net.settle();
    expect(s.packets(bob.id)).toEqual([{ type: 'user_away', name: 'ann', away: false, ts: s.net.now }]);
    // Back: a private message to her gets no notice.
    bob.client.privateMessage('ann', 'welcome back');
    s.net.settle();
    expect(s.packets(bob.id).map((p) => p.type)).toEqual(['private']);
  });
});

describe('the client reader: away (7.12)', () => {
  it('reads user_away as an away event', () => {
    const reader = new RoomReader();
    expect(reader.read({ type: 'user_away', name: 'bob', away: true, reason: 'tea', ts: 2 }, 0)).toEqual([
      { kind: 'away', name: 'bob', away: true, reason: 'tea', ts: 2 },
    ]);
    expect(reader.read({ type: 'user_away', name: 'bob', away: false, ts: 3 }, 0)).toEqual([
      { kind: 'away', name: 'bob', away: false, ts: 3 },
    ]);
  });
});
