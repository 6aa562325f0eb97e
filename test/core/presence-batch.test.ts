/**
 * Presence batching (presence-batch.ts; spec 7.6, 7.15, 7.16, 11) on its own, with a stand-in
 * room: the forms a notice sent at once carries, what a held batch gives each member (its own
 * start, its form, keys only to those that agreed client-key, a part told as a quit in the 2.0
 * form), how batches split into packets within the list budget and into records within the
 * coalescing limit, and the bookkeeping across rooms (the earliest due, forgetting, dropping an
 * emptied room's batch).
 */
import { describe, expect, it } from 'vitest';
import type { ChatRoom } from '../../src/chat/chat-room.js';
import { listBudget } from '../../src/chat/export-reply.js';
import {
  PresenceBatch,
  PresenceBatches,
  type PresenceForms,
  type PresenceKey,
  type PresenceNotice,
  presenceHoldMs,
} from '../../src/chat/presence-batch.js';
import type { ConnId, Delivery } from '../../src/chat/server-contract.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import { splitPackets } from '../../src/session/v2-codec.js';
import { coalesceLimit } from '../../src/session/v2-server-connection.js';

type Room = ChatRoom<ConnId>;
/** PresenceBatch reads a room's members and size only. */
const roomOf = (...ids: ConnId[]): Room => {
  const members = new Set(ids);
  return {
    members,
    get size() {
      return members.size;
    },
  } as unknown as Room;
};

const joined = (name: string, ts = 1): PresenceNotice => ({ type: 'user_joined', name, ts });
const left = (name: string, reason: 'quit' | 'part' | 'lost', ts = 1): PresenceNotice => ({
  type: 'user_left',
  name,
  reason,
  ts,
});
const KEY: PresenceKey = { key: 'abcdefghijkl' };
const OP_KEY: PresenceKey = { key: 'mnopqrstuvwx', op: true };

/** Held from the first notice on (presenceBurst 0). */
const HOLD: Limits = { ...LIMITS, presenceBurst: 0 };

function batchOf(
  room: Room,
  forms: PresenceForms,
  opts: { limits?: Limits; rooms?: ConnId[]; keys?: ConnId[] } = {},
) {
  const speaks = new Set(opts.rooms ?? []);
  const sees = new Set(opts.keys ?? []);
  return new PresenceBatch(
    opts.limits ?? HOLD,
    room,
    forms,
    (id) => speaks.has(id),
    (id) => sees.has(id),
  );
}

/** The packets each member is sent, decoded, by member. */
function sentTo(deliveries: readonly Delivery[]): Map<ConnId, unknown[]> {
  const out = new Map<ConnId, unknown[]>();
  for (const d of deliveries) {
    if (d.kind !== 'send') throw new Error(`unexpected ${d.kind}`);
    const list = out.get(d.to) ?? [];
    for (const p of splitPackets(d.packet)) list.push(JSON.parse(p.toString('utf8')));
    out.set(d.to, list);
  }
  return out;
}

describe('a notice sent at once (11: presenceBurst)', () => {
  it('carries the keyed-and-roomed, keyed and roomed forms, in that order, and skips the joiner', () => {
    const room = roomOf(1, 2, 3);
    const batch = batchOf(room, { plain: true, room: '#lobby' }, { limits: LIMITS });
    const out: Delivery[] = [];
    batch.notice(out, joined('ann'), 5, 3, OP_KEY);
    expect(out).toHaveLength(1);
    const d = out[0];
    if (d.kind !== 'broadcast') throw new Error('not a broadcast');
    expect(d.except).toBe(3);
    expect(d.among).toBe(room.members);
    expect(JSON.parse(d.packet.toString())).toEqual({ type: 'user_joined', name: 'ann', ts: 1 });
    expect(d.forms?.map((f) => [f.needs, JSON.parse(f.packet.toString())])).toEqual([
      [
        ['rooms', 'client-key'],
        { type: 'user_joined', name: 'ann', ts: 1, room: '#lobby', key: 'mnopqrstuvwx', op: true },
      ],
      [['client-key'], { type: 'user_joined', name: 'ann', ts: 1, key: 'mnopqrstuvwx', op: true }],
      [['rooms'], { type: 'user_joined', name: 'ann', ts: 1, room: '#lobby' }],
    ]);
    expect(batch.due).toBeNull();
  });

  it('has no other form in a room only members with rooms are in, and none for an anonymous notice', () => {
    const out: Delivery[] = [];
    const batch = batchOf(roomOf(1, 2), { plain: false, room: '#a' }, { limits: LIMITS });
    batch.notice(out, left('bob', 'part'), 5);
    batch.notice(out, joined('cy'), 5, 2, KEY);
    const [leave, join] = out;
    if (leave.kind !== 'broadcast' || join.kind !== 'broadcast') throw new Error('not broadcasts');
    expect(JSON.parse(leave.packet.toString())).toEqual({
      type: 'user_left',
      name: 'bob',
      reason: 'part',
      ts: 1,
      room: '#a',
    });
    expect('forms' in leave).toBe(false);
    expect(join.forms?.map((f) => f.needs)).toEqual([['client-key']]);
  });
});

describe('held notices, released (7.6, 11)', () => {
  it('are held for the hold of the room’s size, and go out once', () => {
    const batch = batchOf(roomOf(1, 2), { plain: true, room: null });
    const out: Delivery[] = [];
    batch.notice(out, joined('a'), 100);
    batch.notice(out, joined('b'), 150);
    expect(out).toEqual([]);
    expect(batch.due).toBe(100 + presenceHoldMs(HOLD, 2));
    expect(sentTo(batch.release()).get(1)).toEqual([{ type: 'users_joined', names: ['a', 'b'], ts: 1 }]);
    expect(batch.due).toBeNull();
    expect(batch.release()).toEqual([]);
  });

  it('give each member only the notices after its own join, and nothing to one that joined last', () => {
    const room = roomOf(1);
    const batch = batchOf(room, { plain: true, room: null });
    const out: Delivery[] = [];
    batch.notice(out, joined('x'), 0);
    room.members.add(2);
    batch.notice(out, joined('two'), 0, 2);
    batch.notice(out, joined('y'), 0);
    room.members.add(3);
    batch.notice(out, joined('three'), 0, 3);
    const sent = sentTo(batch.release());
    expect(sent.get(1)).toEqual([{ type: 'users_joined', names: ['x', 'two', 'y', 'three'], ts: 1 }]);
    expect(sent.get(2)).toEqual([{ type: 'users_joined', names: ['y', 'three'], ts: 1 }]);
    expect(sent.has(3)).toBe(false);
  });

  it('tell a part as a quit in the 2.0 form, so a part and a quit share one users_left there only', () => {
    const batch = batchOf(roomOf(1, 2), { plain: true, room: '#lobby' }, { rooms: [2] });
    const out: Delivery[] = [];
    batch.notice(out, left('p', 'part'), 0);
    batch.notice(out, left('q', 'quit'), 0);
    batch.notice(out, left('r', 'lost'), 0);
    const sent = sentTo(batch.release());
    expect(sent.get(1)).toEqual([
      { type: 'users_left', names: ['p', 'q'], reason: 'quit', ts: 1 },
      { type: 'user_left', name: 'r', reason: 'lost', ts: 1 },
    ]);
    expect(sent.get(2)).toEqual([
      { type: 'user_left', name: 'p', reason: 'part', ts: 1, room: '#lobby' },
      { type: 'user_left', name: 'q', reason: 'quit', ts: 1, room: '#lobby' },
      { type: 'user_left', name: 'r', reason: 'lost', ts: 1, room: '#lobby' },
    ]);
  });

  it('show keys only to members that agreed client-key, in each form', () => {
    const batch = batchOf(
      roomOf(1, 2, 3, 4),
      { plain: true, room: '#lobby' },
      { rooms: [2, 4], keys: [3, 4] },
    );
    const out: Delivery[] = [];
    batch.notice(out, joined('k', 2), 0, undefined, KEY);
    batch.notice(out, joined('anon', 3), 0);
    batch.notice(out, joined('op', 4), 0, undefined, OP_KEY);
    const names = ['k', 'anon', 'op'];
    const keys = [
      { name: 'k', key: KEY.key },
      { name: 'op', key: OP_KEY.key, op: true },
    ];
    const sent = sentTo(batch.release());
    expect(sent.get(1)).toEqual([{ type: 'users_joined', names, ts: 4 }]);
    expect(sent.get(2)).toEqual([{ type: 'users_joined', names, ts: 4, room: '#lobby' }]);
    expect(sent.get(3)).toEqual([{ type: 'users_joined', names, keys, ts: 4 }]);
    expect(sent.get(4)).toEqual([{ type: 'users_joined', names, keys, ts: 4, room: '#lobby' }]);
  });

  it('send a lone keyed notice as itself, with its key to those that see keys', () => {
    const batch = batchOf(roomOf(1, 2), { plain: false, room: '#a' }, { rooms: [1, 2], keys: [2] });
    const out: Delivery[] = [];
    batch.notice(out, joined('k'), 0, undefined, KEY);
    const sent = sentTo(batch.release());
    expect(sent.get(1)).toEqual([{ type: 'user_joined', name: 'k', ts: 1, room: '#a' }]);
    expect(sent.get(2)).toEqual([{ type: 'user_joined', name: 'k', ts: 1, room: '#a', key: KEY.key }]);
  });
});

describe('a large batch, split (6.1, 11)', () => {
  const limits: Limits = { ...HOLD, maxFrame: 1024 };
  const budget = Math.min(listBudget(limits.maxFrame), coalesceLimit(limits.maxFrame));
  const limit = coalesceLimit(limits.maxFrame);

  for (const keyedView of [false, true])
    it(`keeps every packet within the list budget and every record within the limit, records full (${keyedView ? 'keys shown' : 'no keys'})`, () => {
      for (let width = 1; width <= 24; width++) {
        const batch = batchOf(
          roomOf(1),
          { plain: false, room: '#r' },
          { limits, rooms: [1], keys: keyedView ? [1] : [] },
        );
        const out: Delivery[] = [];
        const names: string[] = [];
        for (let i = 0; i < 90; i++) {
          const name = `${'n'.repeat(width)}${i}`;
          names.push(name);
          batch.notice(out, joined(name, 1_000_000 + i), 0, undefined, i % 3 === 0 ? OP_KEY : KEY);
        }
        const records = batch.release().map((d) => (d.kind === 'send' ? d.packet : Buffer.alloc(0)));
        const packets = records.map((r) => splitPackets(r));
        const told: string[] = [];
        records.forEach((record, r) => {
          expect(record.length).toBeLessThanOrEqual(limit);
          const next = packets[r + 1]?.[0];
          if (next)
            expect(
              record.length + 1 + next.length,
              `record ${r} could have held the next packet`,
            ).toBeGreaterThan(limit);
          for (const p of packets[r]) {
            expect(p.length, `width ${width}`).toBeLessThanOrEqual(budget);
            const packet = JSON.parse(p.toString());
            told.push(...(packet.names ?? [packet.name]));
            expect('keys' in packet || 'key' in packet).toBe(keyedView);
          }
        });
        expect(told).toEqual(names);
      }
    });
});

describe('packets and records at their bounds (6.1, 11)', () => {
  it('keeps a users_joined of many operators’ keys within the list budget at the default maxFrame', () => {
    const batch = batchOf(roomOf(1), { plain: false, room: '#r' }, { rooms: [1], keys: [1] });
    const out: Delivery[] = [];
    for (let i = 0; i < 3000; i++) batch.notice(out, joined(`n${i}`), 0, undefined, OP_KEY);
    const budget = Math.min(listBudget(HOLD.maxFrame), coalesceLimit(HOLD.maxFrame));
    const packets = batch.release().flatMap((d) => (d.kind === 'send' ? splitPackets(d.packet) : []));
    expect(packets.length).toBeGreaterThan(1);
    for (const p of packets) expect(p.length).toBeLessThanOrEqual(budget);
  });

  it('fills a record to exactly the coalescing limit, and starts the next one after it', () => {
    const limits: Limits = { ...HOLD, maxFrame: 1024 };
    const limit = coalesceLimit(limits.maxFrame);
    // Lone leaves of alternating reasons: each its own packet, 53 bytes plus its name.
    const k = 17;
    const widths = Array.from({ length: k }, () => 1);
    let extra = limit - (k * 54 + (k - 1));
    for (let i = 0; extra > 0; i = (i + 1) % k, extra--) widths[i]++;
    const batch = batchOf(roomOf(1), { plain: true, room: null }, { limits });
    const out: Delivery[] = [];
    for (const [i, w] of widths.entries())
      batch.notice(out, left(`${i % 10}`.repeat(w), i % 2 ? 'quit' : 'lost'), 0);
    batch.notice(out, joined('next'), 0);
    const records = batch.release().map((d) => (d.kind === 'send' ? d.packet : Buffer.alloc(0)));
    expect(records.map((r) => r.length)).toEqual([limit, 43]);
    expect(splitPackets(records[0])).toHaveLength(k);
  });
});

/** Batches of 2.0-form rooms where one notice a second goes out at once. */
const oneAtOnce = () =>
  new PresenceBatches(
    { ...LIMITS, presenceBurst: 1, presenceBatchMs: 1000 },
    () => ({ plain: true, room: null }),
    () => false,
    () => false,
  );

describe('the batches of every room (7.15)', () => {
  const forms = (room: Room): PresenceForms => ({ plain: false, room: room === a ? '#a' : '#b' });
  const a = roomOf(1);
  const b = roomOf(2);

  it('are due when the first of them is, whichever room holds it', () => {
    const batches = new PresenceBatches(
      { ...HOLD, presenceBatchMs: 100, presenceBatchMaxMs: 100 },
      forms,
      () => true,
      () => false,
    );
    const out: Delivery[] = [];
    expect(batches.due).toBeNull();
    batches.notice(out, b, joined('late'), 50);
    batches.notice(out, a, joined('early'), 10);
    expect(batches.due).toBe(110);
    expect(batches.releaseRoom(a).length).toBe(1);
    expect(batches.due).toBe(150);
    expect(batches.releaseRoom(a)).toEqual([]);
    expect(batches.releaseRoom(roomOf(9))).toEqual([]);
    expect(sentTo(batches.release()).get(2)).toEqual([
      { type: 'user_joined', name: 'late', ts: 1, room: '#b' },
    ]);
    expect(batches.release()).toEqual([]);
  });

  it('forget a member in the room named, or in every room: a forgotten member is told from the start', () => {
    const r1 = roomOf(1, 2);
    const r2 = roomOf(1, 2);
    const batches = new PresenceBatches(
      HOLD,
      () => ({ plain: true, room: null }),
      () => false,
      () => false,
    );
    const out: Delivery[] = [];
    const round = () => {
      for (const r of [r1, r2]) {
        batches.notice(out, r, joined('newcomer'), 0, 2);
        batches.notice(out, r, joined('after'), 0);
      }
    };
    const namesFor2 = (r: Room) => sentTo(batches.releaseRoom(r)).get(2);
    const all = [{ type: 'users_joined', names: ['newcomer', 'after'], ts: 1 }];
    const own = [{ type: 'user_joined', name: 'after', ts: 1 }];
    round();
    batches.forget(2, r1);
    expect(namesFor2(r1)).toEqual(all);
    expect(namesFor2(r2)).toEqual(own);
    round();
    batches.forget(2);
    expect(namesFor2(r1)).toEqual(all);
    expect(namesFor2(r2)).toEqual(all);
  });

  it('drop the batch of a room that emptied, so its next notice starts a fresh window', () => {
    const room = roomOf(1, 2);
    const batches = oneAtOnce();
    const out: Delivery[] = [];
    batches.notice(out, room, joined('first'), 0);
    expect(out).toHaveLength(1);
    batches.notice(out, room, left('first', 'quit'), 1);
    expect(out).toHaveLength(1);
    room.members.clear();
    batches.release();
    room.members.add(3);
    batches.notice(out, room, joined('back'), 2, 3);
    expect(out).toHaveLength(2);
  });

  it('keep the batch of a room that did not empty, with its window', () => {
    const room = roomOf(1, 2);
    const batches = oneAtOnce();
    const out: Delivery[] = [];
    batches.notice(out, room, joined('first'), 0);
    batches.notice(out, room, joined('second'), 1);
    expect(sentTo(batches.release()).get(1)).toEqual([{ type: 'user_joined', name: 'second', ts: 1 }]);
    batches.notice(out, room, joined('third'), 2);
    expect(out).toHaveLength(1);
    expect(batches.due).not.toBeNull();
  });
});
