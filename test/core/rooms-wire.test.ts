/**
 * Rooms on the v2 wire (spec 7.15), through the sans-IO server with a fake clock: a line reaches
 * exactly its room's members, the order of a join (room_joined, backlog, then the others'
 * user_joined), part and leave notices per room, 2.0 clients in #lobby with the 2.0 forms, nick
 * and away told once per client, room_list and topics, and the `room` field refused without rooms.
 */
import { describe, expect, it } from 'vitest';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { checkReceivedForm } from '../../src/session/features.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf, rawV2Session } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));
const ROOMS = ['rooms', 'backlog', 'nick', 'away'];

function net(options: { features?: readonly string[] } = {}) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('rooms server'),
    ...options,
  });
  const n = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const join = (name: string, features: readonly string[] = ROOMS) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`rooms ${name}`),
      features,
    });
    const id = n.connect(client);
    client.join(name);
    n.settle();
    n.take(id);
    return { client, id, name };
  };
  type Member = ReturnType<typeof join>;
  const packets = (m: Member): V2ServerPacket[] =>
    n.take(m.id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  /** What a member received, as `type` plus the fields that matter here. */
  const seen = (m: Member): string[] =>
    packets(m).map((p) => {
      const f = p as Record<string, unknown>;
      const room = 'room' in f ? `@${f.room}` : '';
      const what = f.text ?? f.name ?? f.users ?? f.entries ?? f.to ?? f.topic ?? f.rooms ?? f.code ?? '';
      const reason = 'reason' in f ? `(${f.reason})` : '';
      // A user_away that says back is marked; one that says away is not.
      const back = f.away === false ? ' back' : '';
      return `${p.type}${room} ${JSON.stringify(what)}${reason}${back}`;
    });
  const act = (fn: () => void) => {
    fn();
    n.settle();
  };
  /**
   * ann and bob (with rooms) and old (a 2.0 client, in #lobby only); ann joins `annRoom` and bob
   * `bobRoom`; what they received so far is taken.
   */
  const trio = (annRoom = '#tea', bobRoom = annRoom) => {
    const [ann, bob, old] = [join('ann'), join('bob'), join('old', [])];
    act(() => ann.client.roomJoin(annRoom));
    act(() => bob.client.roomJoin(bobRoom));
    for (const m of [ann, bob, old]) seen(m);
    return { ann, bob, old };
  };
  return { server, net: n, join, packets, seen, act, trio };
}

describe('rooms on the v2 wire (7.15)', () => {
  it('sends a room_join its reply, then the backlog, before the others hear of the join', () => {
    const { join, seen, act, net: n } = net();
    const ann = join('ann');
    act(() => ann.client.roomJoin('#tea'));
    expect(seen(ann)).toEqual(['room_joined@#tea ["ann"]']);
    act(() => ann.client.say('first', '#tea'));
    seen(ann);
    n.advance(5);
    const bob = join('bob');
    seen(ann);
    act(() => bob.client.roomJoin('#Tea'));
    const bobSaw = seen(bob);
    expect(bobSaw[0]).toBe('room_joined@#tea ["ann","bob"]');
    expect(bobSaw[1]).toMatch(/^backlog@#tea \[\{"kind":"message","from":"ann","text":"first","ts":\d+\}\]$/);
    expect(bobSaw).toHaveLength(2);
    expect(seen(ann)).toEqual(['user_joined@#tea "bob"']);
  });

  it('delivers a line to exactly the members of its room; 2.0 clients get #lobby in the 2.0 form', () => {
    const { seen, act, trio } = net();
    const { ann, bob, old } = trio();
    act(() => ann.client.roomJoin('#cake'));
    seen(ann);
    act(() => bob.client.say('tea time', '#tea'));
    act(() => ann.client.action('bakes', '#cake'));
    act(() => old.client.say('hello'));
    expect(seen(ann)).toEqual(['message@#tea "tea time"', 'action@#cake "bakes"', 'message@#lobby "hello"']);
    expect(seen(bob)).toEqual(['message@#tea "tea time"', 'message@#lobby "hello"']);
    expect(seen(old)).toEqual(['message "hello"']);
    act(() => old.client.who());
    expect(seen(old)).toEqual(['user_list ["ann","bob","old"]']);
    act(() => ann.client.who('#tea'));
    expect(seen(ann)).toEqual(['user_list@#tea ["ann","bob"]']);
  });

  it('tells a part to the room with reason part, and to a 2.0 client as a quit', () => {
    const { seen, act, trio } = net();
    const { ann, bob, old } = trio();
    act(() => bob.client.roomPart('#TEA'));
    expect(seen(bob)).toEqual(['room_parted@#tea ""']);
    expect(seen(ann)).toEqual(['user_left@#tea "bob"(part)']);
    expect(seen(old)).toEqual([]);
    act(() => bob.client.roomPart('#lobby'));
    expect(seen(bob)).toEqual(['room_parted@#lobby ""']);
    expect(seen(ann)).toEqual(['user_left@#lobby "bob"(part)']);
    expect(seen(old)).toEqual(['user_left "bob"(quit)']);
    // Nothing of a room reaches a member after its part; private messages still do.
    act(() => ann.client.say('gone?', '#tea'));
    act(() => old.client.say('lobby line'));
    expect(seen(bob)).toEqual([]);
    act(() => old.client.privateMessage('bob', 'psst'));
    expect(seen(bob)).toEqual(['private "psst"']);
    act(() => bob.client.roomPart('#tea'));
    expect(seen(bob)).toEqual(['error "NOT_IN_ROOM"']);
  });

  it('tells a leave in every room the member was in; a 2.0 client hears it once', () => {
    const { seen, net: n, trio } = net();
    const { ann, bob, old } = trio();
    n.hangUp(bob.id);
    expect(seen(ann)).toEqual(['user_left@#lobby "bob"(lost)', 'user_left@#tea "bob"(lost)']);
    expect(seen(old)).toEqual(['user_left "bob"(lost)']);
  });

  it('tells a rename once to each client that shares a room, per room to clients without nick', () => {
    const { join, seen, act } = net();
    const ann = join('ann');
    const bob = join('bob', ['rooms']);
    const old = join('old', []);
    const cat = join('cat');
    const far = join('far');
    act(() => far.client.roomPart('#lobby'));
    for (const m of [ann, bob, cat]) act(() => m.client.roomJoin('#tea'));
    for (const m of [ann, bob, old, cat, far]) seen(m);
    act(() => ann.client.nick('anna'));
    expect(seen(ann)).toEqual(['user_renamed "anna"']);
    expect(seen(cat)).toEqual(['user_renamed "anna"']);
    expect(seen(bob)).toEqual([
      'user_left@#lobby "ann"(quit)',
      'user_joined@#lobby "anna"',
      'user_left@#tea "ann"(quit)',
      'user_joined@#tea "anna"',
    ]);
    expect(seen(old)).toEqual(['user_left "ann"(quit)', 'user_joined "anna"']);
    expect(seen(far)).toEqual([]);
    act(() => cat.client.away('tea'));
    expect(seen(ann)).toEqual(['user_away "cat"(tea)']);
    expect(seen(far)).toEqual([]);
    // A newcomer to a room learns who there is away, after its room_joined.
    act(() => far.client.roomJoin('#tea'));
    expect(seen(far)).toEqual(['room_joined@#tea ["anna","bob","cat","far"]', 'user_away "cat"(tea)']);
  });

  it('tells the members of a room an away joiner is away, after its user_joined, unless they share another room with it', () => {
    const { join, seen, act } = net();
    const ann = join('ann');
    const bob = join('bob');
    const plain = join('plain', ['rooms']);
    const far = join('far');
    act(() => far.client.roomPart('#lobby'));
    for (const m of [ann, bob, plain]) act(() => m.client.roomJoin('#tea'));
    for (const m of [bob, far]) act(() => m.client.roomJoin('#cake'));
    act(() => far.client.away('nap'));
    for (const m of [ann, bob, plain, far]) seen(m);
    act(() => far.client.roomJoin('#tea'));
    // ann was never told (it shares no room with far); bob was, in #cake; plain did not agree away.
    expect(seen(ann)).toEqual(['user_joined@#tea "far"', 'user_away "far"(nap)']);
    expect(seen(bob)).toEqual(['user_joined@#tea "far"']);
    expect(seen(plain)).toEqual(['user_joined@#tea "far"']);
    expect(seen(far)).toEqual(['room_joined@#tea ["ann","bob","far","plain"]']);
    // Away without a reason: the notice has none; a joiner that is not away sends none.
    act(() => far.client.roomPart('#tea'));
    act(() => far.client.away());
    for (const m of [ann, bob, plain, far]) seen(m);
    act(() => far.client.roomJoin('#tea'));
    expect(seen(ann)).toEqual(['user_joined@#tea "far"', 'user_away "far"']);
    act(() => far.client.back());
    expect(seen(ann)).toEqual(['user_away "far" back']);
    act(() => far.client.roomPart('#tea'));
    seen(ann);
    act(() => far.client.roomJoin('#tea'));
    expect(seen(ann)).toEqual(['user_joined@#tea "far"']);
  });

  it("sends an away joiner's user_away after its user_joined when the room's presence is held (11)", () => {
    const { join, seen, act } = net();
    const ann = join('ann');
    const far = join('far');
    act(() => far.client.roomPart('#lobby'));
    act(() => far.client.away('nap'));
    act(() => ann.client.roomJoin('#tea'));
    // Past presenceBurst notices within presenceBatchMs the room's joins are held (the clock stands still).
    for (let i = 1; i <= 8; i++) {
      const m = join(`m${i}`, ['rooms']);
      act(() => m.client.roomJoin('#tea'));
    }
    seen(ann);
    act(() => far.client.roomJoin('#tea'));
    // What the room held goes at once (m8's and far's joins), before the user_away that would
    // otherwise overtake it.
    expect(seen(ann)).toEqual(['user_joined@#tea "m8"', 'user_joined@#tea "far"', 'user_away "far"(nap)']);
  });

  it('lists rooms and announces topics to a room only', () => {
    const { seen, act, trio } = net();
    const { ann, bob, old } = trio('#tea', '#Books');
    act(() => ann.client.setTopic('#tea', 'oolong'));
    expect(seen(ann)).toEqual(['topic_changed@#tea "oolong"']);
    expect(seen(bob)).toEqual([]);
    act(() => bob.client.setTopic('#lobby', 'welcome'));
    expect(seen(ann)).toEqual(['topic_changed@#lobby "welcome"']);
    expect(seen(bob)).toEqual(['topic_changed@#lobby "welcome"']);
    expect(seen(old)).toEqual([]);
    act(() => bob.client.listRooms());
    expect(seen(bob)).toEqual([
      'room_list [{"room":"#Books","members":1,"topic":""},{"room":"#lobby","members":3,"topic":"welcome"},{"room":"#tea","members":1,"topic":"oolong"}]',
    ]);
    act(() => bob.client.roomJoin('#tea'));
    expect(seen(bob)[0]).toBe('room_joined@#tea ["ann","bob"]');
  });

  it('exports a room with its name; a part is a quit for a client without rooms', () => {
    const { join, packets, act } = net();
    const ann = join('ann', ['rooms', 'structured-export']);
    const old = join('old', ['structured-export']);
    const bob = join('bob');
    act(() => bob.client.roomPart('#lobby'));
    act(() => ann.client.requestExport());
    act(() => old.client.requestExport());
    const annReply = packets(ann).find((p) => p.type === 'export_reply');
    const oldReply = packets(old).find((p) => p.type === 'export_reply');
    expect(annReply).toMatchObject({ room: '#lobby', done: true });
    expect(annReply?.type === 'export_reply' && annReply.entries.at(-1)).toMatchObject({ reason: 'part' });
    expect(oldReply).not.toHaveProperty('room');
    expect(oldReply?.type === 'export_reply' && oldReply.entries.at(-1)).toMatchObject({ reason: 'quit' });
  });

  it('refuses `room` and the reason part on a connection without rooms (PACKET_MALFORMED)', () => {
    const { server, client } = rawV2Session(identity);
    server.receive(client.seal({ type: 'join', name: 'ann' }));
    server.settle('accepted');
    server.takeOutput();
    const events = server.receive(client.seal({ type: 'say', text: 'hi', room: '#lobby' }));
    expect(events.map((e) => (e.kind === 'error' ? e.error.code : e.kind))).toEqual(['PACKET_MALFORMED']);
    expect(server.failure?.code).toBe('PACKET_MALFORMED');
    const none = new Set<string>();
    expect(codeOf(() => checkReceivedForm({ type: 'user_left', reason: 'part' } as never, none))).toBe(
      'PACKET_MALFORMED',
    );
    const entries = [{ kind: 'leave', name: 'a', reason: 'part', ts: 1 }];
    expect(codeOf(() => checkReceivedForm({ type: 'export_reply', entries } as never, none))).toBe(
      'PACKET_MALFORMED',
    );
    expect(
      codeOf(() => checkReceivedForm({ type: 'message', room: '#x' } as never, new Set(['rooms']))),
    ).toBeNull();
    expect(codeOf(() => checkReceivedForm({ type: 'message', text: 'x' } as never, none))).toBeNull();
  });

  it('does not offer rooms with --features none; a room call then fails at the client', () => {
    const { join } = net({ features: [] });
    const ann = join('ann');
    expect(ann.client.features.has('rooms')).toBe(false);
    expect(codeOf(() => ann.client.roomJoin('#tea'))).toBe('PACKET_UNEXPECTED');
    expect(codeOf(() => ann.client.say('x', '#lobby'))).toBe('PACKET_UNEXPECTED');
  });
});
