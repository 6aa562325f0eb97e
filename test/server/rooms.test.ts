/**
 * Rooms on the reference server over real TCP (spec 7.15): a line reaches exactly its room's
 * members, part and join notices, limits as non-fatal errors, an empty room forgotten, a 2.0
 * client chatting in #lobby beside clients in rooms, and the start check of 11.1 for topics.
 */
import { describe, expect, it } from 'vitest';
import type { V2TestClient } from '../support/tcp-client.js';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

const ROOMS = { features: ['rooms', 'backlog'] };

/** Sends through the client's endpoint and writes it out. */
function send(client: V2TestClient, fn: (c: V2TestClient['endpoint']) => void): void {
  fn(client.endpoint);
  client.flush();
}

describe('reference server, rooms (7.15)', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('delivers a line to exactly its room; a 2.0 client chats in #lobby unchanged', async () => {
    const server = await h.start();
    const ann = await h.v2(server, 'ann', ROOMS);
    const bob = await h.v2(server, 'bob', ROOMS);
    const old = await h.v2(server, 'old');
    send(ann, (c) => c.roomJoin('#tea'));
    expect(await ann.waitFor('room_joined')).toMatchObject({ room: '#tea', users: ['ann'], topic: '' });
    send(bob, (c) => c.roomJoin('#TEA'));
    expect(await bob.waitFor('room_joined')).toMatchObject({ room: '#tea', users: ['ann', 'bob'] });
    expect(await ann.waitForPacket('user_joined', (p) => p.room === '#tea')).toMatchObject({ name: 'bob' });

    const inTea = marker('tea');
    send(bob, (c) => c.say(inTea, '#tea'));
    const inLobby = marker('lobby');
    old.say(inLobby);
    for (const c of [ann, bob]) {
      expect(await c.waitForPacket('message', (m) => m.text === inTea)).toMatchObject({ room: '#tea' });
      expect(await c.waitForPacket('message', (m) => m.text === inLobby)).toMatchObject({ room: '#lobby' });
    }
    const seenByOld = await old.waitForPacket('message', (m) => m.text === inLobby);
    expect(seenByOld).not.toHaveProperty('room');
    // The 2.0 client got #lobby's line and nothing of #tea.
    expect(old.packets('message').map((m) => m.text)).toEqual([inLobby]);
  });

  it('tells a part to the room, refuses limits without closing, and forgets an emptied room', async () => {
    const server = await h.start({ limits: { maxRoomsPerMember: 2 } });
    const ann = await h.v2(server, 'ann', ROOMS);
    const bob = await h.v2(server, 'bob', ROOMS);
    send(ann, (c) => c.roomJoin('#tea'));
    await ann.waitFor('room_joined');
    send(ann, (c) => c.setTopic('#tea', 'oolong'));
    expect(await ann.waitFor('topic_changed')).toMatchObject({ room: '#tea', topic: 'oolong', by: 'ann' });
    send(ann, (c) => c.roomJoin('#cake'));
    expect(await ann.waitForError('TOO_MANY_ROOMS')).toMatchObject({ fatal: false });
    send(ann, (c) => c.roomJoin('not a room'));
    expect(await ann.waitForError('ROOM_INVALID')).toMatchObject({ fatal: false });
    send(bob, (c) => c.roomJoin('#tea'));
    expect(await bob.waitFor('room_joined')).toMatchObject({ topic: 'oolong' });
    send(bob, (c) => c.roomPart('#tea'));
    expect(await bob.waitFor('room_parted')).toMatchObject({ room: '#tea' });
    expect(await ann.waitForPacket('user_left', (p) => p.room === '#tea')).toMatchObject({
      name: 'bob',
      reason: 'part',
    });
    send(bob, (c) => c.setTopic('#tea', 'mine now'));
    expect(await bob.waitForError('NOT_IN_ROOM')).toMatchObject({ fatal: false });

    send(ann, (c) => c.roomPart('#tea'));
    await ann.waitFor('room_parted');
    send(bob, (c) => c.listRooms());
    expect((await bob.waitFor('room_list')).rooms).toEqual([{ room: '#lobby', members: 2, topic: '' }]);
    // Made again, the room is new: no topic, no history.
    send(bob, (c) => c.roomJoin('#Tea'));
    expect(await bob.waitForPacket('room_joined', (p) => p.room === '#Tea')).toMatchObject({ topic: '' });
    expect(bob.packets('backlog').filter((b) => b.room === '#Tea')).toEqual([]);
  });

  it('sends private messages between members whatever rooms they are in', async () => {
    const server = await h.start();
    const ann = await h.v2(server, 'ann', ROOMS);
    const old = await h.v2(server, 'old');
    send(ann, (c) => c.roomPart('#lobby'));
    await ann.waitFor('room_parted');
    expect(await old.waitForPacket('user_left', (p) => p.name === 'ann')).toMatchObject({ reason: 'quit' });
    const text = marker('psst');
    old.endpoint.privateMessage('ann', text);
    old.flush();
    expect(await ann.waitForPacket('private', (p) => p.text === text)).toMatchObject({ from: 'old' });
  });

  it('tells a room that an away joiner is away, after its user_joined, to those not told before (7.12, 7.15)', async () => {
    const server = await h.start();
    const features = { features: ['rooms', 'away'] };
    const ann = await h.v2(server, 'ann', features);
    const far = await h.v2(server, 'far', features);
    send(ann, (c) => c.roomJoin('#tea'));
    await ann.waitFor('room_joined');
    send(far, (c) => c.roomPart('#lobby'));
    await far.waitFor('room_parted');
    send(far, (c) => c.away('gone fishing'));
    await far.waitForPacket('user_away', (p) => p.name === 'far');
    send(far, (c) => c.roomJoin('#tea'));
    const away = await ann.waitForPacket('user_away', (p) => p.name === 'far');
    expect(away).toMatchObject({ away: true, reason: 'gone fishing' });
    // After its user_joined, and once: ann shared no room with far when far went away.
    const seen = ann.events.flatMap((e) =>
      e.kind === 'packet' && (e.packet.type === 'user_joined' || e.packet.type === 'user_away')
        ? [`${e.packet.type} ${e.packet.name}${'room' in e.packet ? ` ${e.packet.room}` : ''}`]
        : [],
    );
    expect(seen).toEqual(['user_joined far #lobby', 'user_joined far #tea', 'user_away far']);
  });

  it("keeps legacy clients in #lobby: their lines, lists and export are #lobby's (10.6)", async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    expect(
      (await alice.waitFor('client_list_update_add', (p) => (p.cont as string[]).length > 0)).cont,
    ).toEqual(['bob']);
    const text = marker('lobby');
    alice.say(text);
    expect((await bob.waitFor('default', (p) => p.cont === text)).username).toBe('alice');
    const lobby = server.chat.room.rooms.lobby;
    expect([...lobby.names.list()]).toEqual(['alice', 'bob']);
    expect(server.chat.room.rooms.list()).toEqual([{ room: '#lobby', members: 2, topic: '' }]);
    expect(await bob.requestExport()).toContain(`alice> ${text}`);
  });
});
