/**
 * Feature `nick` (spec 7.11): renaming in the room, on the v2 wire (user_renamed to members with
 * the feature, a leave and a join to the others, join_error for a refused name) and in the
 * client's reader.
 */
import { describe, expect, it } from 'vitest';
import { Room } from '../../src/chat/room.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { RoomReader } from '../../src/client/room-reader.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 4));

function net() {
  const server = createV2Server({ identity, random: seededRandom('nick server') });
  const n = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const join = (name: string, features?: readonly string[]) => {
    const client = new V2ClientConnection({ random: seededRandom(`nick ${name}`), features });
    const id = n.connect(client);
    client.join(name);
    n.settle();
    n.take(id);
    return { client, id };
  };
  const packets = (id: number): V2ServerPacket[] =>
    n.take(id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  return { server, net: n, join, packets };
}

describe('the room: rename (7.11)', () => {
  it('renames under the join rules; own keys are not taken, others are', () => {
    const room = new Room<number>(V2_NAME_RULES, LIMITS, true);
    room.decide(1, { kind: 'join', name: 'ann' }, 0);
    room.decide(2, { kind: 'join', name: 'bob' }, 0);
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
    const server = createV2Server({
      identity,
      random: seededRandom('nick rate'),
      limits: { ...LIMITS, rateBurst: 4, ratePerSecond: 0.001 },
    });
    const n = new MemoryNet<V2ClientConnectionEvent>(server as never);
    const client = new V2ClientConnection({ random: seededRandom('nick rate ann'), features: ['nick'] });
    const id = n.connect(client);
    client.join('ann');
    n.settle();
    n.take(id);
    // The join took 2 of the 4 tokens, the first rename the other 2.
    client.nick('bea');
    n.settle();
    client.nick('cat');
    n.settle();
    const got = n.take(id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
    expect(got.map((p) => (p.type === 'error' ? p.code : p.type))).toEqual(['user_renamed', 'RATE_LIMITED']);
  });
  it('announces user_renamed to members with nick, a leave and a join to the others', () => {
    const s = net();
    const ann = s.join('ann', ['nick']);
    const bob = s.join('bob', ['nick']);
    const old = s.join('old');
    s.packets(ann.id);
    s.packets(bob.id);
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
    const s = net();
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
    const s = net();
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
      { kind: 'users', users: ['bob', 'zed'] },
    ]);
    expect(reader.name).toBe('zed');
    expect(reader.read({ type: 'join_error', code: 'NAME_TAKEN', message: 'taken' }, 0)).toEqual([
      { kind: 'error', code: 'NAME_TAKEN', message: 'taken', fatal: false },
    ]);
    expect(reader.name).toBe('zed');
  });
});
