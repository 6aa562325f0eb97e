/**
 * The reference server's v2 chat over real TCP (spec 7): names, broadcast order and stamping,
 * private messages, actions, the user list, export and its history bound, leave notices.
 */
import { describe, expect, it } from 'vitest';
import type { V2PacketOf } from '../../src/generated/v2-packets.js';
import type { V2TestClient } from '../support/tcp-client.js';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

type Message = V2PacketOf<'message'>;

/** Collects the next `count` message packets a client receives. */
async function messages(client: V2TestClient, count: number): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < count; i++) out.push(await client.waitFor('message'));
  return out;
}

describe('reference server, v2 chat', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('gives every joined client the user list and tells the others about the join', async () => {
    const server = await h.start({ motd: 'be nice' });
    const alice = await h.v2(server);
    const welcome = await alice.join('alice');
    expect(welcome).toEqual({ type: 'join_ok', name: 'alice', users: ['alice'], motd: 'be nice' });
    expect(alice.fingerprint).toBe(server.fingerprint);

    const bob = await h.v2(server);
    expect((await bob.join('Bob')).users).toEqual(['alice', 'Bob']);
    expect(await alice.waitFor('user_joined')).toMatchObject({ name: 'Bob' });

    const carol = await h.v2(server);
    expect((await carol.join('carol')).users).toEqual(['alice', 'Bob', 'carol']);
    expect(await alice.waitFor('user_joined')).toMatchObject({ name: 'carol' });
    expect(await bob.waitFor('user_joined')).toMatchObject({ name: 'carol' });

    carol.who();
    expect((await carol.waitFor('user_list')).users).toEqual(['alice', 'Bob', 'carol']);
    // Nobody hears about their own join.
    expect(alice.packets('user_joined').map((p) => p.name)).toEqual(['Bob', 'carol']);
    expect(carol.packets('user_joined')).toEqual([]);
  });

  it('delivers every chat line to every joined client exactly once, in one order, stamped by the server', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const carol = await h.v2(server, 'carol');
    const before = Date.now();
    const sent = 12;
    for (let i = 0; i < sent; i++) {
      alice.say(`a${i}`);
      bob.say(`b${i}`);
    }
    const seen = await Promise.all([alice, bob, carol].map((c) => messages(c, 2 * sent)));
    const after = Date.now();

    // One order for everyone (the order the server received them), ids strictly increasing.
    const view = (ms: Message[]) => ms.map((m) => `${m.id}:${m.from}:${m.text}`);
    expect(view(seen[1])).toEqual(view(seen[0]));
    expect(view(seen[2])).toEqual(view(seen[0]));
    const ids = seen[0].map((m) => m.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);

    // Each sender's lines keep their order, carry the real sender name and a server timestamp.
    const texts = seen[0].map((m) => m.text);
    expect(texts.filter((t) => t.startsWith('a'))).toEqual(Array.from({ length: sent }, (_, i) => `a${i}`));
    expect(texts.filter((t) => t.startsWith('b'))).toEqual(Array.from({ length: sent }, (_, i) => `b${i}`));
    for (const m of seen[0]) {
      expect(m.from).toBe(m.text.startsWith('a') ? 'alice' : 'bob');
      expect(m.ts).toBeGreaterThanOrEqual(before);
      expect(m.ts).toBeLessThanOrEqual(after);
    }

    // Exactly once: after a last line has arrived everywhere, nobody holds a duplicate.
    const last = marker('last');
    carol.say(last);
    await Promise.all([alice, bob, carol].map((c) => c.waitForPacket('message', (m) => m.text === last)));
    for (const c of [alice, bob, carol]) expect(c.packets('message')).toHaveLength(2 * sent + 1);
  });

  it('refuses taken (case-insensitively), reserved and invalid names and lets the client try again', async () => {
    // Thirteen joins at 2 tokens each (rateCost) are more than the default burst.
    const server = await h.start({ limits: { maxName: 12, rateBurst: 100 } });
    const alice = await h.v2(server, 'alice');
    const other = await h.v2(server);
    const refusals: [string, string][] = [
      ['alice', 'NAME_TAKEN'],
      ['ALICE', 'NAME_TAKEN'],
      ['Alice', 'NAME_TAKEN'],
      ['server', 'NAME_RESERVED'],
      ['System', 'NAME_RESERVED'],
      ['PARLEY', 'NAME_RESERVED'],
      ['', 'NAME_INVALID'],
      ['two words', 'NAME_INVALID'],
      ['semi;colon', 'NAME_INVALID'],
      ['tab\there', 'NAME_INVALID'],
      ['x'.repeat(13), 'NAME_INVALID'],
    ];
    for (const [name, code] of refusals) {
      const reply = await other.tryJoin(name);
      expect(reply, `join ${JSON.stringify(name)}`).toMatchObject({ type: 'join_error', code });
    }
    const ok = await other.tryJoin('Zoë_x.y-9');
    expect(ok).toMatchObject({ type: 'join_ok', name: 'Zoë_x.y-9' });
    const third = await h.v2(server);
    expect(await third.tryJoin('x'.repeat(12))).toMatchObject({ type: 'join_ok' });
    const fourth = await h.v2(server);
    expect(await fourth.tryJoin('ZOË_X.Y-9')).toMatchObject({ type: 'join_error', code: 'NAME_TAKEN' });

    // Only accepted joins were announced.
    await alice.waitForPacket('user_joined', (p) => p.name === 'x'.repeat(12));
    expect(alice.packets('user_joined').map((p) => p.name)).toEqual(['Zoë_x.y-9', 'x'.repeat(12)]);
  });

  it('delivers a private message to its target and the sender only; an unknown target is NO_SUCH_USER', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const carol = await h.v2(server, 'carol');
    const secret = marker('secret');
    alice.privateMessage('BOB', secret);
    const got = await bob.waitFor('private');
    expect(got).toMatchObject({ from: 'alice', to: 'bob', text: secret });
    expect(await alice.waitFor('private')).toEqual(got);

    alice.privateMessage('nobody', 'hello?');
    expect(await alice.waitForError('NO_SUCH_USER')).toMatchObject({ fatal: false });

    // The connection goes on; a public line afterwards proves carol has seen all she will see.
    const after = marker('public');
    alice.say(after);
    await carol.waitForPacket('message', (m) => m.text === after);
    await bob.waitForPacket('message', (m) => m.text === after);
    expect(carol.packets('private')).toEqual([]);
    expect(bob.packets('private')).toHaveLength(1);
    expect(JSON.stringify(carol.events)).not.toContain(secret);
    // Private messages are not kept for export.
    expect(JSON.stringify(await carol.requestExport())).not.toContain(secret);
  });

  it('stamps /me actions and sends them to everyone, the sender included', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    alice.action('waves');
    const [a, b] = await Promise.all([alice.waitFor('action'), bob.waitFor('action')]);
    expect(b).toMatchObject({ type: 'action', from: 'alice', text: 'waves' });
    expect(a).toEqual(b);
  });

  it('exports the conversation: joins, lines, actions and leaves, oldest first, without private messages', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const carol = await h.v2(server, 'carol');
    alice.say('hi all');
    await bob.waitFor('message');
    bob.action('nods');
    await alice.waitFor('action');
    bob.privateMessage('alice', 'just for you');
    await alice.waitFor('private');
    await carol.goodbye();
    await alice.waitFor('user_left');
    const entries = await alice.requestExport();
    expect(entries.map((e) => [e.kind, e.from])).toEqual([
      ['join', 'alice'],
      ['join', 'bob'],
      ['join', 'carol'],
      ['message', 'alice'],
      ['action', 'bob'],
      ['leave', 'carol'],
    ]);
    expect(entries[3].text).toBe('hi all');
    expect(entries[4].text).toBe('nods');
    expect(JSON.stringify(entries)).not.toContain('just for you');
  });

  it('keeps at most `history` entries, dropping the oldest', async () => {
    const server = await h.start({ limits: { history: 4 } });
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    for (let i = 1; i <= 5; i++) alice.say(`m${i}`);
    for (let i = 1; i <= 5; i++) await bob.waitFor('message');
    const entries = await bob.requestExport();
    expect(entries.map((e) => e.text)).toEqual(['m2', 'm3', 'm4', 'm5']);
  });

  it('clears the conversation when the last client leaves and when the server stops', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const early = marker('early');
    alice.say(early);
    await bob.waitFor('message');
    await alice.goodbye();
    await bob.waitFor('user_left');
    bob.destroy();
    await server.waitForLog(/"bob" left/);
    expect(server.chat.room.entries()).toEqual([]);

    const carol = await h.v2(server, 'carol');
    const entries = await carol.requestExport();
    expect(entries.map((e) => [e.kind, e.from])).toEqual([['join', 'carol']]);

    carol.say('still here');
    await carol.waitFor('message');
    expect(server.chat.room.entries().length).toBeGreaterThan(0);
    await server.close();
    expect(server.chat.room.entries()).toEqual([]);
  });

  it('tells the others when someone leaves, with the reason, and updates the user list', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const bob = await h.v2(server, 'bob');
    const carol = await h.v2(server, 'carol');
    await bob.goodbye('bye');
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'bob', reason: 'quit' });
    expect(await carol.waitFor('user_left')).toMatchObject({ name: 'bob', reason: 'quit' });
    await carol.destroy();
    expect(await alice.waitFor('user_left')).toMatchObject({ name: 'carol', reason: 'lost' });
    alice.who();
    expect((await alice.waitFor('user_list')).users).toEqual(['alice']);
    // The name is free again.
    const again = await h.v2(server);
    expect(await again.tryJoin('BOB')).toMatchObject({ type: 'join_ok', name: 'BOB' });
  });

  it('answers pings and says goodbye to every client when the server stops', async () => {
    const server = await h.start();
    const alice = await h.v2(server, 'alice');
    const waiting = await h.v2(server);
    alice.ping(42);
    expect(await alice.waitFor('pong')).toEqual({ type: 'pong', n: 42 });
    void server.close();
    expect(await alice.waitForGoodbye()).toBeTypeOf('string');
    expect(await waiting.waitForGoodbye()).toBeTypeOf('string');
    await Promise.all([alice.closed, waiting.closed]);
  });
});
