/**
 * What a chat server hands its adapter to save (ChatServer.takeSaves, spec 7.17 and 7.18): the
 * reserved names and the key bans, each when it changed and only once, nothing when neither did;
 * and how the adapter's own give-ups (ChatServer.fail) read to the room. In memory, with the v2
 * dialect and the room guards an operator would configure.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { guardedNet } from '../support/feature-net.js';

const opKey = identityFromSeed(Buffer.alloc(32, 31));
const aliceKey = identityFromSeed(Buffer.alloc(32, 32));
const malloryKey = identityFromSeed(Buffer.alloc(32, 33));

function server(withBanFile: boolean) {
  const { chat, net, connect } = guardedNet('saves', {
    reservations: {},
    moderation: { operators: [opKey.fingerprint], ...(withBanFile ? { banFile: {} } : {}) },
  });
  const join = (name: string, key: typeof opKey) => {
    const { client } = connect(name, { key, address: '192.0.2.1' });
    expect(client.state).toBe('JOINED');
    return client;
  };
  return { chat, net, join };
}

describe('the state a server hands out to save (7.17, 7.18)', () => {
  it('is nothing while nothing changed', () => {
    const { chat } = server(true);
    expect(chat.takeSaves()).toEqual([]);
  });

  it('hands the reserved names when a key took a name, once', () => {
    const { chat, join } = server(true);
    join('alice', aliceKey);
    const saves = chat.takeSaves();
    expect(saves.map((s) => s.what)).toEqual(['reservations']);
    expect(JSON.stringify(saves[0].data)).toContain(aliceKey.fingerprint);
    expect(chat.takeSaves()).toEqual([]);
  });

  it('hands the key bans when an operator banned a key, beside the reservations', () => {
    const { chat, net, join } = server(true);
    const op = join('op', opKey);
    const mallory = join('mallory', malloryKey);
    chat.takeSaves();
    op.moderate({ type: 'ban', key: malloryKey.fingerprint, duration: 0 });
    net.settle();
    expect(mallory.state).toBe('CLOSED');
    // mallory, ended by the ban, leaves its name: its reservation's last use changed too.
    const saves = chat.takeSaves();
    expect(saves.map((s) => s.what)).toEqual(['reservations', 'bans']);
    expect(JSON.stringify(saves[1].data)).toContain(malloryKey.fingerprint);
    expect(chat.takeSaves()).toEqual([]);
  });

  it('hands no bans without a ban file, though the ban holds', () => {
    const { chat, net, join } = server(false);
    const op = join('op', opKey);
    join('mallory', malloryKey);
    chat.takeSaves();
    op.moderate({ type: 'ban', key: malloryKey.fingerprint, duration: 0 });
    net.settle();
    expect(chat.takeSaves().map((s) => s.what)).toEqual(['reservations']);
  });
});

describe('a connection the adapter gives up on (ChatServer.fail)', () => {
  /** The reason the others are told when the adapter gives up on bob with `code`. */
  function leaveReason(code: 'CONNECTION_LOST' | 'SLOW_READER') {
    const { chat, net, join } = server(false);
    join('alice', aliceKey);
    join('bob', malloryKey);
    const [aliceId, bobId] = [...net.clients.keys()];
    net.take(aliceId);
    net.apply(chat.fail(bobId, code, 'gone', 0));
    net.settle();
    const left = net
      .take(aliceId)
      .flatMap((e) => (e.kind === 'packet' && e.packet.type === 'user_left' ? [e.packet] : []));
    expect(left.map((p) => p.name)).toEqual(['bob']);
    return left[0].reason;
  }

  it("tells the room a lost socket as 'lost', a slow reader as 'error' (7.5)", () => {
    expect(leaveReason('CONNECTION_LOST')).toBe('lost');
    expect(leaveReason('SLOW_READER')).toBe('error');
  });
});
