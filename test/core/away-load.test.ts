/**
 * Away notices under load (spec 7.12; 11 maxQueuedBytes): a newer notice about a member replaces
 * the one not yet sent, and a reason that would take a member's queue past half its limit is left
 * out. The queue alone, then a v2 server under flow control on the injected clock, where a member
 * that stops reading while everyone changes their away state in bursts is not ended for it.
 */
import { describe, expect, it } from 'vitest';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { FairQueue } from '../../src/session/fair-queue.js';
import { drainAll, limits, v2 } from './flow-harness.js';

const p = (label: string) => Buffer.from(label);

/** Every packet the queue gives, one record of at most `limit` bytes at a time. */
function takeAll(q: FairQueue, limit = 1 << 20): string[] {
  const out: string[] = [];
  for (let parts = q.nextRecord(limit); parts !== null; parts = q.nextRecord(limit))
    out.push(...parts.map((b) => b.toString()));
  return out;
}

describe('a member queue: away notices replace the one not yet sent (7.12)', () => {
  it('keeps one notice per member, the newest, at the end; other packets and members keep theirs', () => {
    const q = new FairQueue();
    q.push(p('ann away 1'), false, undefined, 1);
    q.push(p('line'), true, 9);
    q.push(p('bob away'), false, undefined, 2);
    q.push(p('ann away 2'), false, undefined, 1);
    q.push(p('ann back'), false, undefined, 1);
    expect(q.bytes).toBe('line'.length + 'bob away'.length + 'ann back'.length);
    expect(takeAll(q)).toEqual(['line', 'bob away', 'ann back']);
    expect(q.bytes).toBe(0);
  });

  it('leaves a notice already taken alone, and replaces the one queued after it', () => {
    const q = new FairQueue();
    q.push(p('ann away 1'), false, undefined, 1);
    q.push(p('x'), false);
    expect(q.nextRecord(1)?.map(String)).toEqual(['ann away 1']);
    q.push(p('ann away 2'), false, undefined, 1);
    q.push(p('ann away 3'), false, undefined, 1);
    expect(takeAll(q)).toEqual(['x', 'ann away 3']);
  });

  it('replaces a waiting notice after the queue was compacted under it', () => {
    const q = new FairQueue();
    for (let i = 0; i < 1025; i++) q.push(p(`b${i}`), false);
    q.push(p('ann away 1'), false, undefined, 1);
    q.push(p('bob away 1'), false, undefined, 2);
    q.push(p('tail'), false);
    // One packet a record: once the head passes 1,024 packets the arrays are compacted under it,
    // ann's notice (next to go) moving to the front and bob's after it.
    for (let i = 0; i < 1025; i++) q.nextRecord(1);
    q.push(p('ann away 2'), false, undefined, 1);
    q.push(p('bob away 2'), false, undefined, 2);
    expect(takeAll(q)).toEqual(['tail', 'ann away 2', 'bob away 2']);
  });

  it('leaves a hole behind the head that a record taken whole skips', () => {
    const q = new FairQueue();
    q.push(p('x'), false);
    q.push(p('ann away 1'), false, undefined, 1);
    q.push(p('ann away 2'), false, undefined, 1);
    expect(q.nextRecord(1 << 20)?.map(String)).toEqual(['x', 'ann away 2']);
    expect(q.empty).toBe(true);
  });

  it('forgets the notices of a queue taken whole', () => {
    const q = new FairQueue();
    q.push(p('ann away 1'), false, undefined, 1);
    expect(takeAll(q)).toEqual(['ann away 1']);
    q.push(p('line'), true, 3);
    q.push(p('ann away 2'), false, undefined, 1);
    expect(takeAll(q)).toEqual(['line', 'ann away 2']);
  });
});

describe('the v2 server: away bursts at a member that stopped reading (7.12, 11)', () => {
  const aways = (got: V2ServerPacket[]) => got.filter((x) => x.type === 'user_away');
  const reason = (who: string, i: number) => `${who} ${i} ${'\u{1F600}'.repeat(200)}`;
  // 16 KiB queues: ten members' bursts of long reasons are ten times that.
  const small = { ...limits, maxQueuedBytes: 16 * 1024, sendWindowBytes: 4096 };

  it('keeps it: one notice per member waits, reasons only within half its queue limit', () => {
    const s = v2(small);
    const reader = 'reader';
    s.join(reader, ['away']);
    const names = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const members = names.map((name) => s.join(name, ['away']));
    s.packets(reader);
    for (const [k, m] of members.entries()) {
      for (let i = 0; i < 20; i++) m.client.away(reason(names[k], i));
      s.net.settle();
      for (const name of names) drainAll(s, name);
    }
    expect(s.closed(reader)).toBe(false);
    const got = aways(drainAll(s, reader));
    expect(s.closed(reader)).toBe(false);
    // What was written before it stopped reading aside, one notice per member: its newest state.
    const last = new Map<string, V2ServerPacket & { type: 'user_away' }>();
    for (const x of got) if (x.type === 'user_away') last.set(x.name, x);
    expect([...last.keys()].sort()).toEqual(names);
    expect(got.length).toBeLessThanOrEqual(names.length + 5);
    for (const [name, x] of last) {
      expect(x.away).toBe(true);
      if (x.reason !== undefined) expect(x.reason).toBe(reason(name, 19));
    }
    // Past half its queue limit (8 KiB, about 9 notices of 850 bytes) the reasons were left out.
    const withReason = [...last.values()].filter((x) => x.reason !== undefined).length;
    expect(withReason).toBeGreaterThan(0);
    expect(withReason).toBeLessThan(names.length);
    // The room still chats, the reader included.
    members[0].client.say('after the burst');
    s.net.settle();
    expect(drainAll(s, reader)).toContainEqual(
      expect.objectContaining({ type: 'message', text: 'after the burst' }),
    );
  });

  it('tells a member that stopped reading only the newest state: away then back is back', () => {
    const s = v2(small);
    s.join('reader', ['away']);
    const ann = s.join('ann', ['away']);
    const bob = s.join('bob', ['away']);
    s.packets('reader');
    // Bob's line is written to the reader's socket, which does not drain: the rest waits.
    bob.client.say('first');
    s.net.settle();
    drainAll(s, 'bob');
    // Bob reads after each change; the reader does not.
    const bobGot: V2ServerPacket[] = [];
    for (const change of [
      () => ann.client.away('lunch'),
      () => ann.client.back(),
      () => bob.client.away(''),
    ]) {
      change();
      s.net.settle();
      bobGot.push(...drainAll(s, 'bob'));
    }
    // (The presence of bob's join was held and comes first, 11.)
    const got = drainAll(s, 'reader').filter((x) => x.type !== 'user_joined');
    expect(got.map((x) => (x.type === 'user_away' ? `${x.name} ${x.away}` : x.type))).toEqual([
      'message',
      'ann false',
      'bob true',
    ]);
    // A member that reads gets every change.
    expect(aways(bobGot).map((x) => x.away)).toEqual([true, false, true]);
  });
});
