/**
 * The chat server's connections and delivery onto them (spec 7.7, 7.15, 11, 11.2;
 * connection-table.ts), on fake endpoints: the oldest unjoined connection, each delivery kind,
 * who a broadcast leaves out, the form each member gets, the fan-out count, and the queue cap of a
 * profile that never sheds.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionTable } from '../../src/chat/connection-table.js';
import type { Delivery, ReplySource } from '../../src/chat/server-contract.js';
import { FakeEndpoint, limitsWith } from './chat-fakes.js';

const limits = limitsWith();
const buf = (text: string) => Buffer.from(text);

function table(count: number, features: (readonly string[] | undefined)[] = []) {
  const t = new ConnectionTable<string>();
  const conns = Array.from({ length: count }, (_, i) =>
    t.add(i + 1, new FakeEndpoint(features[i]), 100 + i, `10.0.0.${i + 1}`, limits),
  );
  const endpoint = (i: number) => conns[i].endpoint as FakeEndpoint;
  const texts = (i: number) => endpoint(i).sent.map((s) => s.text);
  return { t, conns, endpoint, texts };
}

describe('ConnectionTable records (11, 11.2)', () => {
  it('makes a fresh record for each connection, dirty and unjoined', () => {
    const { t, conns } = table(1);
    const conn = conns[0];
    expect(conn).toMatchObject({
      id: 1,
      openedAt: 100,
      lastHeard: 100,
      pingedAt: null,
      finished: false,
      address: '10.0.0.1',
      reply: null,
      inFlight: 0,
      waitingSince: 100,
      skipped: 0,
      counted: 0,
      overrun: false,
    });
    expect(conn.rate.tokens).toBe(limits.rateBurst);
    expect(t.conns.get(1)).toBe(conn);
    expect(t.dirty.has(conn)).toBe(true);
    expect(t.oldestUnjoined()).toBe(conn);
  });

  it('names the oldest connection that neither joined nor finished', () => {
    const { t, conns } = table(4);
    t.joined.add(conns[0]);
    conns[1].finished = true;
    expect(t.oldestUnjoined()).toBe(conns[2]);
    // Those passed over are forgotten: leaving the room again does not bring them back.
    t.joined.delete(conns[0]);
    conns[1].finished = false;
    expect(t.oldestUnjoined()).toBe(conns[2]);
    t.remove(conns[2]);
    expect(t.oldestUnjoined()).toBe(conns[3]);
    t.remove(conns[3]);
    expect(t.oldestUnjoined()).toBeUndefined();
  });

  it('takes a removed connection out of every set', () => {
    const { t, conns } = table(2);
    t.joined.add(conns[0]);
    t.remove(conns[0]);
    expect(t.conns.has(1)).toBe(false);
    expect(t.joined.has(conns[0])).toBe(false);
    expect(t.dirty.has(conns[0])).toBe(false);
    expect(t.oldestUnjoined()).toBe(conns[1]);
  });
});

describe('ConnectionTable.deliver: broadcasts (7.6, 7.15, 5.8)', () => {
  it('reaches every joined member but the sender, counts the fan-out and marks them dirty', () => {
    const { t, conns, endpoint, texts } = table(4);
    for (const c of conns.slice(0, 3)) t.joined.add(c);
    t.dirty.clear();
    const fanout = t.deliver([
      { kind: 'broadcast', packet: buf('hello'), type: 'message', except: 2, from: 2 },
    ]);
    expect(fanout).toBe(10);
    expect(texts(0)).toEqual(['hello']);
    expect(endpoint(0).sent[0]).toEqual({ text: 'hello', type: 'message', sender: 2 });
    expect(texts(1)).toEqual([]);
    expect(texts(2)).toEqual(['hello']);
    expect(texts(3)).toEqual([]);
    expect([...t.dirty]).toEqual([conns[0], conns[2]]);
  });

  it('leaves out members that agreed the feature of `unless`, those in `skip`, and overrun ones', () => {
    const { t, conns, texts } = table(5, [['away'], undefined, ['nick'], undefined, undefined]);
    for (const c of conns) t.joined.add(c);
    conns[4].overrun = true;
    t.dirty.clear();
    const fanout = t.deliver([{ kind: 'broadcast', packet: buf('2.0 form'), unless: 'away', skip: [4] }]);
    expect([0, 1, 2, 3, 4].map(texts)).toEqual([[], ['2.0 form'], ['2.0 form'], [], []]);
    expect(fanout).toBe(16);
    expect([...t.dirty]).toEqual([conns[1], conns[2]]);
  });

  it('gives each member the first form whose features it agreed, else the plain packet', () => {
    const { t, conns, texts } = table(4, [['rooms', 'client-key'], ['rooms'], [], undefined]);
    for (const c of conns) t.joined.add(c);
    const fanout = t.deliver([
      {
        kind: 'broadcast',
        packet: buf('plain'),
        forms: [
          { needs: ['rooms', 'client-key'], packet: buf('both!') },
          { needs: ['rooms'], packet: buf('rooms') },
        ],
      },
    ]);
    expect([0, 1, 2, 3].map(texts)).toEqual([['both!'], ['rooms'], ['plain'], ['plain']]);
    expect(fanout).toBe(20);
  });

  it('reaches only `among`, skipping ids that are gone or finished, joined or not', () => {
    const { t, conns, texts } = table(4);
    t.joined.add(conns[0]);
    conns[2].finished = true;
    const fanout = t.deliver([{ kind: 'broadcast', packet: buf('room'), among: [2, 3, 4, 9] }]);
    expect([0, 1, 2, 3].map(texts)).toEqual([[], ['room'], [], ['room']]);
    expect(fanout).toBe(8);
  });

  it('sums the fan-out over several broadcasts and counts no direct sends', () => {
    const { t, conns } = table(2);
    for (const c of conns) t.joined.add(c);
    const fanout = t.deliver([
      { kind: 'broadcast', packet: buf('ab') },
      { kind: 'send', to: 1, packet: buf('not counted') },
      { kind: 'broadcast', packet: buf('cde'), except: 1 },
    ]);
    expect(fanout).toBe(2 + 2 + 3);
  });
});

describe('ConnectionTable.deliver: to one connection (7.7, 13.1)', () => {
  it('sends a packet in the form the connection agreed, to an open connection only', () => {
    const { t, conns, endpoint, texts } = table(3, [['rooms'], undefined, undefined]);
    conns[2].finished = true;
    t.dirty.clear();
    const form = [{ needs: ['rooms'], packet: buf('with room') }];
    const d: Delivery[] = [
      { kind: 'send', to: 1, packet: buf('plain'), type: 'notice', forms: form },
      { kind: 'send', to: 2, packet: buf('plain'), forms: form },
      { kind: 'send', to: 3, packet: buf('finished') },
      { kind: 'send', to: 42, packet: buf('nobody') },
    ];
    expect(t.deliver(d)).toBe(0);
    expect(endpoint(0).sent).toEqual([{ text: 'with room', type: 'notice', sender: undefined }]);
    expect(texts(1)).toEqual(['plain']);
    expect(texts(2)).toEqual([]);
    expect([...t.dirty]).toEqual([conns[0], conns[1]]);
  });

  it('settles a join on the endpoint, even of a connection over the cap', () => {
    const { t, conns, endpoint } = table(2);
    conns[0].overrun = true;
    t.dirty.clear();
    t.deliver([{ kind: 'settle', to: 1, when: 'accepted' } as Delivery], 0);
    expect(endpoint(0).settled).toEqual(['accepted']);
    expect(t.dirty.has(conns[0])).toBe(true);
    conns[1].finished = true;
    t.deliver([{ kind: 'settle', to: 2, when: 'accepted' } as Delivery]);
    expect(endpoint(1).settled).toEqual([]);
  });

  it('starts a streamed reply for the features agreed, and answers busy while one is in flight', () => {
    const { t, conns, endpoint } = table(2, [['structured-export'], undefined]);
    const seen: ReadonlySet<string>[] = [];
    const source = (features: ReadonlySet<string>): ReplySource => {
      seen.push(features);
      return { next: () => null };
    };
    const stream = (to: number): Delivery => ({
      kind: 'stream',
      to,
      source,
      busy: { packet: buf('busy'), type: 'error' },
    });
    t.dirty.clear();
    t.deliver([stream(1)]);
    expect(conns[0].reply).not.toBeNull();
    expect([...seen[0]]).toEqual(['structured-export']);
    expect(endpoint(0).sent).toEqual([]);
    expect(t.dirty.has(conns[0])).toBe(true);
    t.deliver([stream(1)]);
    expect(endpoint(0).sent).toEqual([{ text: 'busy', type: 'error', sender: undefined }]);
    expect(seen).toHaveLength(1);
    // A connection that agreed no features (legacy) gets an empty set.
    t.deliver([stream(2)]);
    expect(seen[1].size).toBe(0);
    expect(conns[1].reply).not.toBeNull();
  });
});

describe('ConnectionTable.deliver: away notices (7.12, away notices under load)', () => {
  it('gives a member the full notice while its queue stays within the budget, else the brief one, and says whom it is about', () => {
    const { t, conns, endpoint, texts } = table(3);
    const full = buf('F'.repeat(31));
    const notice: Delivery = {
      kind: 'broadcast',
      packet: full,
      type: 'user_away',
      among: [1, 2, 3],
      stateOf: { about: 7, brief: buf('b') },
    };
    // Held (queued + in flight) plus the full notice: 101, 100 and 31 bytes, against a budget of 100.
    endpoint(0).pendingBytes = 40;
    conns[0].inFlight = 30;
    endpoint(1).pendingBytes = 40;
    conns[1].inFlight = 29;
    const fanout = t.deliver([notice], null, 100);
    expect([texts(0), texts(1), texts(2)]).toEqual([['b'], [full.toString()], [full.toString()]]);
    expect(endpoint(0).sent[0]).toMatchObject({ type: 'user_away', about: 7 });
    expect(fanout).toBe(1 + 31 + 31);
  });

  it('passes no `about` for other broadcasts', () => {
    const { t, endpoint } = table(1);
    t.joined.add(t.conns.get(1)!);
    t.deliver([{ kind: 'broadcast', packet: buf('m'), type: 'message', from: 2 }], null, 100);
    expect(endpoint(0).sent).toEqual([{ text: 'm', type: 'message', sender: 2 }]);
  });
});

describe('ConnectionTable.deliver: the cap of a profile that never sheds (11)', () => {
  it('queues up to the cap and marks a connection past it overrun and dirty, sealing nothing more', () => {
    const { t, conns, endpoint, texts } = table(2);
    for (const c of conns) t.joined.add(c);
    endpoint(0).pendingBytes = 6;
    conns[0].inFlight = 4; // 10 in all: at the cap, not over it
    t.dirty.clear();
    expect(t.deliver([{ kind: 'broadcast', packet: buf('x') }], 10)).toBe(2);
    expect(conns[0].overrun).toBe(false);
    // Now 11: over the cap.
    expect(t.deliver([{ kind: 'broadcast', packet: buf('y') }], 10)).toBe(1);
    expect(conns[0].overrun).toBe(true);
    expect(t.dirty.has(conns[0])).toBe(true);
    expect(texts(0)).toEqual(['x']);
    expect(texts(1)).toEqual(['x', 'y']);
    // Overrun: nothing more, to it alone or to all, cap or not.
    t.deliver([
      { kind: 'send', to: 1, packet: buf('z') },
      { kind: 'broadcast', packet: buf('w') },
    ]);
    expect(texts(0)).toEqual(['x']);
  });

  it('refuses a send or a stream over the cap', () => {
    const { t, conns, endpoint, texts } = table(2);
    endpoint(0).pendingBytes = 11;
    t.deliver([{ kind: 'send', to: 1, packet: buf('a') }], 10);
    expect(texts(0)).toEqual([]);
    expect(conns[0].overrun).toBe(true);
    conns[1].inFlight = 11;
    const stream: Delivery = {
      kind: 'stream',
      to: 2,
      source: () => ({ next: () => null }),
      busy: { packet: buf('busy') },
    };
    t.deliver([stream], 10);
    expect(conns[1].reply).toBeNull();
    expect(conns[1].overrun).toBe(true);
  });

  it('has no cap without one', () => {
    const { t, conns, endpoint, texts } = table(1);
    t.joined.add(conns[0]);
    endpoint(0).pendingBytes = 1 << 30;
    t.deliver([
      { kind: 'broadcast', packet: buf('a') },
      { kind: 'send', to: 1, packet: buf('b') },
    ]);
    expect(texts(0)).toEqual(['a', 'b']);
    expect(conns[0].overrun).toBe(false);
  });
});
