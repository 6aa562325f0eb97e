/**
 * Which complete frames from a client that has not joined give the caller an event (11: a peer is
 * heard when a frame is complete, so the server counts frames, not events). The session fuzz
 * campaign once saw a complete frame from such a client produce no event; these are the frames
 * that do that, by design, and the counter that the server uses instead.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 11));

function pair() {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('heard-server'),
  });
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('heard-client'),
  });
  server.start();
  client.receive(server.takeOutput());
  return { server, client };
}

describe('a complete frame from a client that has not joined', () => {
  it('client_hello gives no event: the handshake answers it on the wire (server_auth)', () => {
    const { server, client } = pair();
    const hello = client.takeOutput();
    expect(server.receive(hello)).toEqual([]);
    expect(server.framesReceived).toBe(1);
    expect(server.state).toBe('AWAIT_JOIN');
    expect(server.takeOutput().length).toBeGreaterThan(0);
  });

  it('a frame behind a join in the same read gives its event only after the verdict (resumeHeld)', () => {
    const { server, client } = pair();
    server.receive(client.takeOutput());
    client.receive(server.takeOutput());
    client.join('alice');
    server.send({ type: 'ping', n: 7 });
    client.receive(server.takeOutput()); // the client answers with a pong, after its join
    const events = server.receive(client.takeOutput());
    // Both frames are complete, but only the join is handed on: the pong waits for the room (13.1).
    expect(events.map((e) => (e.kind === 'packet' ? e.packet.type : e.kind))).toEqual(['join']);
    expect(server.framesReceived).toBe(2);
    server.acceptJoin('alice', ['alice']);
    expect(server.resumeHeld().map((e) => (e.kind === 'packet' ? e.packet.type : e.kind))).toEqual(['pong']);
  });
});
