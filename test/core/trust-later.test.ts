/**
 * A client that asks its user before it trusts a server's key (`trustLater`, spec 5.6, 7.16): from
 * server_auth until `trusted()` it sends nothing (a join is refused, a ping is held), and then the
 * key's proof goes first and the held pongs after it. Real connections on both sides, in memory.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { codeOf, handshakePair } from './helpers.js';

const userKey = identityFromSeed(Buffer.alloc(32, 51));

/** A client with `trustLater` and a key, past server_auth; its server connection. */
function untrusted() {
  return handshakePair(
    'trust',
    { identity: identityFromSeed(Buffer.alloc(32, 52)), features: ['client-key'] },
    { features: ['client-key'], clientKey: userKey, trustLater: true },
  );
}

describe('a client that decides later whether it trusts the server (5.6)', () => {
  it('sends nothing before its decision: a join is refused, a ping is held', () => {
    const { server, client, events } = untrusted();
    expect(events.map((e) => e.kind)).toContain('authenticated');
    expect(client.awaitingTrustDecision).toBe(true);
    expect(codeOf(() => client.join('ann'))).toBe('PACKET_UNEXPECTED');
    server.send({ type: 'ping', n: 7 });
    client.receive(server.takeOutput());
    expect(client.takeOutput().length).toBe(0);
  });

  it('once trusted, proves its key first (7.16), then answers the held ping, and may join', () => {
    const { server, client } = untrusted();
    server.send({ type: 'ping', n: 7 });
    client.receive(server.takeOutput());
    client.trusted();
    expect(client.awaitingTrustDecision).toBe(false);
    const got = server.receive(client.takeOutput());
    expect(server.clientFingerprint).toBe(userKey.fingerprint);
    expect(got.flatMap((e) => (e.kind === 'packet' ? [e.packet.type] : []))).toEqual(['client_auth', 'pong']);
    client.join('ann');
    const join = server.receive(client.takeOutput());
    expect(join.flatMap((e) => (e.kind === 'packet' ? [e.packet] : []))).toEqual([
      { type: 'join', name: 'ann' },
    ]);
    // A second call changes nothing.
    client.trusted();
    expect(client.takeOutput().length).toBe(0);
  });
});
