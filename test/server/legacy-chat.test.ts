/**
 * The reference server's legacy profile over real TCP (spec 8-10): the original's chat, byte
 * compatible, without the original's defects a client cannot see (legacy `mitigations`): the real
 * sender name, no addresses, nothing before the key exchange ends, bodies in multiples of 10.
 */
import { describe, expect, it } from 'vitest';
import { legacyDecrypt } from '../../src/crypto/legacy-cipher.js';
import type { Frame } from '../../src/framing/frame-codec.js';
import type { LegacyPacket } from '../../src/legacy/legacy-packet.js';
import type { LegacyTestClient } from '../support/tcp-client.js';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

const EXPORT_HEADER = '{Start of conversation}';

/** The next `count` chat lines (`default` packets not from the server) a client receives. */
async function chatLines(client: LegacyTestClient, count: number): Promise<LegacyPacket[]> {
  const out: LegacyPacket[] = [];
  for (let i = 0; i < count; i++) out.push(await client.waitFor('default', (p) => p.username !== '*server*'));
  return out;
}

/** Every body length received by `client` is a multiple of 10 (legacy `mitigations`). */
function expectBodiesPadded(client: LegacyTestClient): void {
  expect(client.frames.length).toBeGreaterThan(0);
  for (const frame of client.frames) expect(frame.body.length % 10, `body of ${frame.body.length}`).toBe(0);
}

function plaintextOf(client: LegacyTestClient, frame: Frame): string {
  return legacyDecrypt(client.cipher.key, client.cipher.iv, frame.body.toString('latin1')).toString('utf8');
}

describe('reference server, legacy chat', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('approves names and sends every joined client the list of the others', async () => {
    const server = await h.start({ profile: 'legacy' });
    expect(server.fingerprint).toBeNull();
    const alice = await h.legacy(server);
    expect(await alice.tryJoin('alice')).toMatchObject({
      typ: 'approved_conn',
      username: '*server*',
      cont: '[*] You have joined the chat!',
    });
    expect((await alice.waitFor('client_list_update_add')).cont).toEqual([]);

    const bob = await h.legacy(server, 'bob');
    expect(await bob.waitFor('client_list_update_add')).toMatchObject({
      cont: ['alice'],
      shouldParseContents: true,
    });
    expect((await alice.waitFor('client_list_update_add')).cont).toEqual(['bob']);

    const carol = await h.legacy(server, 'carol');
    expect((await carol.waitFor('client_list_update_add')).cont).toEqual(['alice', 'bob']);
    expect((await alice.waitFor('client_list_update_add')).cont).toEqual(['bob', 'carol']);
    expect((await bob.waitFor('client_list_update_add')).cont).toEqual(['alice', 'carol']);
  });

  it('forwards each chat line to every other joined client exactly once, in order, under the real name', async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const carol = await h.legacy(server, 'carol');
    const sent = 10;
    for (let i = 0; i < sent; i++) {
      alice.say(`a${i}`);
      bob.say(`b${i}`);
    }
    const atCarol = await chatLines(carol, 2 * sent);
    const atAlice = await chatLines(alice, sent);
    const atBob = await chatLines(bob, sent);

    const texts = atCarol.map((p) => p.cont);
    const seq = (c: string) => Array.from({ length: sent }, (_, i) => `${c}${i}`);
    expect(texts.filter((t) => (t as string).startsWith('a'))).toEqual(seq('a'));
    expect(texts.filter((t) => (t as string).startsWith('b'))).toEqual(seq('b'));
    for (const p of atCarol) expect(p.username).toBe((p.cont as string).startsWith('a') ? 'alice' : 'bob');
    // The original does not echo a line to its sender.
    expect(atAlice.map((p) => p.cont)).toEqual(seq('b'));
    expect(atBob.map((p) => p.cont)).toEqual(seq('a'));

    const last = marker('last');
    carol.say(last);
    await Promise.all([alice, bob].map((c) => c.waitFor('default', (p) => p.cont === last)));
    expect(alice.packets('default')).toHaveLength(sent + 1);
    expect(bob.packets('default')).toHaveLength(sent + 1);
    expect(carol.packets('default')).toHaveLength(2 * sent);
    for (const c of [alice, bob, carol]) {
      expectBodiesPadded(c);
      for (const p of c.packets()) {
        expect(p.shost).toBe('0.0.0.0');
        expect(['0.0.0.0', 'allhosts']).toContain(p.dhost);
      }
    }
  });

  it('refuses taken (by the keys of 7.2), reserved and invalid names with username_taken and lets the client retry', async () => {
    const server = await h.start({ profile: 'legacy', limits: { maxName: 10 } });
    const alice = await h.legacy(server, 'alice');
    const other = await h.legacy(server);
    for (const name of ['alice', '*server*', 'temp', '', 'tab\there', 'bell\u0007', 'x'.repeat(11)]) {
      const reply = await other.tryJoin(name);
      expect(reply, `setuser ${JSON.stringify(name)}`).toMatchObject({
        typ: 'username_taken',
        cont: '[*] Username already in use!',
      });
    }
    // legacy names are compared by the keys of 7.2 (10.2), and allow the original's plain text.
    expect(await other.tryJoin('Alice')).toMatchObject({ typ: 'username_taken' });
    expect(await other.tryJoin('Bob')).toMatchObject({ typ: 'approved_conn' });
    const third = await h.legacy(server);
    expect(await third.tryJoin('a b/c è!')).toMatchObject({ typ: 'approved_conn' });
    await alice.waitFor('client_list_update_add', (p) => (p.cont as string[]).includes('a b/c è!'));
  });

  it('stamps the real sender name and never forwards a client address (no impersonation)', async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const carol = await h.legacy(server, 'carol');
    alice.sealRaw(
      JSON.stringify({
        shost: '192.168.7.23',
        dhost: '10.0.0.9',
        username: 'bob',
        date: '2026-11-27 14:00:01.000000',
        cont: 'I am bob, trust me',
        typ: 'default',
        shouldParseContents: false,
      }),
    );
    for (const c of [bob, carol]) {
      const got = await c.waitFor('default');
      expect(got).toMatchObject({
        shost: '0.0.0.0',
        dhost: '0.0.0.0',
        username: 'alice',
        cont: 'I am bob, trust me',
        typ: 'default',
      });
    }
    expect(await bob.requestExport()).toBe(`${EXPORT_HEADER}\nalice> I am bob, trust me\n`);
    expect(JSON.stringify(carol.events)).not.toContain('192.168');
  });

  it('ignores empty lines and treats an unknown typ as a chat line', async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const packet = (typ: string, cont: string) =>
      JSON.stringify({
        shost: '0.0.0.0',
        dhost: '0.0.0.0',
        username: 'alice',
        date: '2026-11-27 14:00:01.000000',
        cont,
        typ,
        shouldParseContents: false,
      });
    alice.sealRaw(packet('default', ''));
    alice.sealRaw(packet('shout', 'unknown typ'));
    const got = await bob.waitFor('default');
    expect(got).toMatchObject({ typ: 'default', username: 'alice', cont: 'unknown typ' });
    expect(bob.packets('default')).toHaveLength(1);
  });

  it("exports in the original's text format and escapes non-ASCII as Python does", async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    alice.say('hello from alice');
    await bob.waitFor('default');
    bob.say('ciao alice, è tutto ok? 👋');
    expect((await alice.waitFor('default')).cont).toBe('ciao alice, è tutto ok? 👋');
    const text = await bob.requestExport();
    expect(text).toBe(`${EXPORT_HEADER}\nalice> hello from alice\nbob> ciao alice, è tutto ok? 👋\n`);

    const exportFrame = bob.frames[bob.frames.length - 1];
    const plain = plaintextOf(bob, exportFrame);
    expect(plain).toMatch(
      /^\{"shost": "0\.0\.0\.0", "dhost": "0\.0\.0\.0", "username": "\*server\*", "date": "/,
    );
    expect(plain).toContain('"cont": "{Start of conversation}\\nalice> hello from alice\\nbob> ciao alice, ');
    expect(plain).toContain('\\u00e8 tutto ok? \\ud83d\\udc4b\\n"');
    expect(plain.trimEnd()).toMatch(/"typ": "export", "shouldParseContents": false\}$/);
    expect(/^[\x20-\x7e]*$/.test(plain)).toBe(true);
    expectBodiesPadded(bob);
  });

  it('keeps at most `history` chat lines and clears them when the last client leaves and when the server stops', async () => {
    const server = await h.start({ profile: 'legacy', limits: { history: 3 } });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    for (let i = 1; i <= 5; i++) alice.say(`m${i}`);
    await chatLines(bob, 5);
    expect(await bob.requestExport()).toBe(`${EXPORT_HEADER}\nalice> m3\nalice> m4\nalice> m5\n`);

    await alice.end();
    await bob.waitFor('disconnection');
    await bob.end();
    await server.waitForLog(/"bob" left/);
    expect(server.chat.room.entries()).toEqual([]);
    const carol = await h.legacy(server, 'carol');
    expect(await carol.requestExport()).toBe(`${EXPORT_HEADER}\n`);

    const dave = await h.legacy(server, 'dave');
    dave.say('one more');
    await carol.waitFor('default');
    expect(server.chat.room.entries()).toHaveLength(1);
    await server.close();
    expect(server.chat.room.entries()).toEqual([]);
    await Promise.all([carol.closed, dave.closed]);
  });

  it('sends the leave notice then the list of the others when a client leaves', async () => {
    const server = await h.start({ profile: 'legacy' });
    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    const carol = await h.legacy(server, 'carol');
    await bob.destroy();
    for (const [c, others] of [
      [alice, ['carol']],
      [carol, ['alice']],
    ] as const) {
      const notice = await c.waitFor('default', (p) => p.username === '*server*');
      expect(notice).toMatchObject({ dhost: 'allhosts', cont: '[bob] has left the chat', typ: 'default' });
      const list = await c.waitFor('disconnection');
      expect(list).toMatchObject({ cont: others, shouldParseContents: true, username: '*server*' });
      // The notice comes first, then the list.
      const typs = c.packets().map((p) => p.typ);
      expect(typs.lastIndexOf('default')).toBeLessThan(typs.lastIndexOf('disconnection'));
      expectBodiesPadded(c);
    }
  });

  it('sends nothing to a connection before its key exchange has finished', async () => {
    const server = await h.start({ profile: 'legacy' });
    // Never answers key_exc at all.
    const silent = await h.raw(server, 'silent');
    await silent.waitForFrames(2);
    // Has its key, but holds its key_exc back until everyone else is done.
    const late = await h.legacy(server, undefined, { hold: true, label: 'late' });

    const alice = await h.legacy(server, 'alice');
    const bob = await h.legacy(server, 'bob');
    alice.say('busy room');
    await bob.waitFor('default');
    await bob.destroy();
    await alice.waitFor('disconnection');

    late.release();
    expect(await late.tryJoin('late')).toMatchObject({ typ: 'approved_conn' });
    expect((await late.waitFor('client_list_update_add')).cont).toEqual(['alice']);
    // On the wire: the two plaintext handshake frames, then the approval: nothing in between.
    const typs = late.frames.map((f, i) =>
      i < 2
        ? (JSON.parse(f.body.toString('utf8')) as LegacyPacket).typ
        : (JSON.parse(plaintextOf(late, f)) as LegacyPacket).typ,
    );
    expect(typs).toEqual(['iv_exc', 'key_exc', 'approved_conn', 'client_list_update_add']);
    expectBodiesPadded(late);

    const frames = silent.frames();
    expect(frames.map((f) => (JSON.parse(f.body.toString('utf8')) as LegacyPacket).typ)).toEqual([
      'iv_exc',
      'key_exc',
    ]);
    expect(silent.received.length).toBe(frames.reduce((n, f) => n + 10 + f.body.length, 0));
    for (const f of frames) expect(f.body.length % 10).toBe(0);
  });
});
