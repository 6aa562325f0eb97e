/**
 * The client signs for a server only once it trusts the server's key (spec 7.16, 5.6): a
 * ClientSession with a key, wired by hand to one sans-IO server connection (no sockets, no
 * timers, the clock fixed), so that every byte the client sends is seen by the test before the
 * server reads it; then once over TCP, the user answering the question in between. No client_auth before the user answers the trust question, none when the
 * answer (or the default) refuses the server, exactly one once the server is trusted.
 */
import { describe, expect, it } from 'vitest';
import { TcpSession } from '../../reference-client/session/tcp-session.js';
import { ClientSession, type ClientSessionOptions } from '../../src/client/client-session.js';
import type { SessionEvent } from '../../src/client/events.js';
import { identityFromSeed, shortFingerprint } from '../../src/crypto/identity.js';
import { V2ServerConnection, type V2ServerConnectionEvent } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { nextEvent } from './support/events.js';
import { startTestServer } from './support/tcp-server.js';

const identity = identityFromSeed(Buffer.alloc(32, 21));
const aliceKey = identityFromSeed(Buffer.alloc(32, 22));
const OTHER = `SHA256:${'Q'.repeat(43)}`;
const KEYED = ['client-key'];

/** A keyed session and a server connection offering client-key, up to the client's trust decision. */
function handshake(options: Partial<ClientSessionOptions> = {}) {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    features: KEYED,
  });
  const session = new ClientSession({
    random: seededRandom('client'),
    server: 'test:1',
    features: KEYED,
    clientKey: aliceKey,
    ...options,
  });
  session.connect(0);
  session.open(0);
  server.start();
  const events: SessionEvent[] = [];
  /** What the server read: the packet types, in order. */
  const read: string[] = [];
  const fromServer = () => events.push(...session.receive(server.takeOutput(), 0));
  const toServer = () => {
    const bytes = session.takeOutput();
    if (bytes.length > 0) read.push(...packetTypes(server.receive(bytes)));
  };
  fromServer(); // server_hello
  toServer(); // client_hello
  fromServer(); // server_auth: the trust decision starts here
  toServer();
  return { server, session, events, read, fromServer, toServer };
}

function packetTypes(events: readonly V2ServerConnectionEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'packet' ? [e.packet.type] : []));
}

const kinds = (events: readonly SessionEvent[]) => events.map((e) => e.kind).filter((k) => k !== 'state');

describe('the client proves its key only to a server it trusts (7.16, 5.6)', () => {
  it('sends no client_auth while the user is asked about a first key, and one after yes', () => {
    const h = handshake({ newKey: 'ask' });
    expect(kinds(h.events)).toEqual(['key-unknown']);
    expect(h.read).toEqual([]);
    expect(h.server.clientFingerprint).toBeNull();
    h.events.push(...h.session.answerKey(true));
    h.toServer();
    expect(h.read).toEqual(['client_auth']);
    expect(h.server.clientFingerprint).toBe(aliceKey.fingerprint);
    h.session.join('alice');
    h.toServer();
    expect(h.read).toEqual(['client_auth', 'join']);
  });

  it('sends no proof at all when the user refuses the first key', () => {
    const h = handshake({ newKey: 'ask' });
    h.session.answerKey(false);
    expect(h.session.hangUp).toBe('destroy');
    h.toServer();
    expect(h.read).toEqual([]);
    expect(h.server.clientFingerprint).toBeNull();
  });

  it('asks about a changed key before signing: nothing on no, one client_auth on yes', () => {
    const refused = handshake({ known: OTHER, changedKey: 'ask' });
    expect(kinds(refused.events)).toEqual(['key-changed']);
    expect(refused.read).toEqual([]);
    refused.session.answerKey(false);
    refused.toServer();
    expect(refused.read).toEqual([]);

    const accepted = handshake({ known: OTHER, changedKey: 'ask' });
    accepted.session.answerKey(true);
    accepted.toServer();
    expect(accepted.read).toEqual(['client_auth']);
  });

  it('refuses a changed key by default without ever signing for it', () => {
    const h = handshake({ known: OTHER });
    expect(kinds(h.events)).toEqual(['refused']);
    expect(h.read).toEqual([]);
    expect(h.server.clientFingerprint).toBeNull();
  });

  it('proves at once, without a question, to a server whose key is recorded, pinned or new (trust on first use)', () => {
    for (const options of [
      { known: identity.fingerprint },
      { pinned: identity.fingerprint },
      {}, // newKey 'accept': the first key is recorded, which is the decision
    ]) {
      const h = handshake(options);
      expect(kinds(h.events)).toEqual(['ready']);
      expect(h.read).toEqual(['client_auth']);
    }
  });

  it('holds its answer to a ping while the user decides, and sends it after the proof', () => {
    const h = handshake({ newKey: 'ask' });
    h.server.send({ type: 'ping', n: 7 });
    h.fromServer();
    h.toServer();
    expect(h.read).toEqual([]);
    h.session.answerKey(true);
    h.toServer();
    expect(h.read).toEqual(['client_auth', 'pong']);
  });

  it('says no goodbye to a server it has not trusted yet', () => {
    const h = handshake({ newKey: 'ask' });
    h.session.quit();
    h.toServer();
    expect(h.read).toEqual([]);
  });
});

describe('over TCP, against the reference server (7.16, 5.6)', () => {
  it('asks about a first server key, then proves the user key and is shown keyed once the user said yes', async () => {
    const srv = await startTestServer();
    const s = new TcpSession({
      host: '127.0.0.1',
      port: srv.port,
      timings: { pingMs: 0, idleTimeoutMs: 0 },
      features: KEYED,
      clientKey: aliceKey,
      newKey: 'ask',
    });
    try {
      const asked = nextEvent(s, 'key-unknown');
      void s.connect();
      expect((await asked).presented).toBe(srv.fingerprint);
      const ready = nextEvent(s, 'ready');
      s.answerKey(true);
      await ready;
      const joined = nextEvent(s, 'joined');
      s.join('alice');
      expect((await joined).key).toEqual({ key: shortFingerprint(aliceKey.fingerprint), op: false });
    } finally {
      await s.quit();
      await srv.stop();
    }
  });
});
