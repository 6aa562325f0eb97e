/**
 * Feature client-key (spec 7.16): the client's proof of its key in the v2 handshake, refused when
 * forged, made for another transcript, sent twice or after join; fingerprints on the wire only to
 * those that agreed the feature and only for keyed members; a 2.0 client sees nothing new.
 */
import { describe, expect, it } from 'vitest';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import {
  fingerprintOf,
  identityFromSeed,
  shortFingerprint,
  signTranscript,
  verifyTranscript,
} from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { guardedNet } from '../support/feature-net.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { fromHex, RawV2Client, readVectorFile } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));
const aliceKey = identityFromSeed(Buffer.alloc(32, 11));
const KEYED = ['client-key'];

/** A server connection offering client-key and a raw client that listed it, keys established. */
function rawSession(features: readonly string[] = KEYED, seed = 's') {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom(seed),
    features: KEYED,
  });
  server.start();
  const client = new RawV2Client();
  server.receive(client.hello(server.takeOutput(), features.length ? { features: [...features] } : {}));
  client.open(server.takeOutput());
  return { server, client };
}

const proof = (
  client: RawV2Client,
  key = aliceKey,
  th = client.transcript,
  signer: 'client' | 'server' = 'client',
) => ({
  type: 'client_auth' as const,
  key: key.publicKey.toString('base64'),
  sig: signTranscript(key, th, signer).toString('base64'),
});

/** The local error a server connection failed with, and the error packet it sent. */
function failure(server: V2ServerConnection, client: RawV2Client) {
  return { code: server.failure?.code, sent: client.open(server.takeOutput()) };
}

describe('client_auth on the server connection (7.16)', () => {
  it('records the key of a valid proof and says nothing', () => {
    const { server, client } = rawSession();
    const events = server.receive(client.seal(proof(client)));
    expect(events).toEqual([{ kind: 'packet', packet: proof(client) }]);
    expect(server.clientFingerprint).toBe(aliceKey.fingerprint);
    expect(server.state).toBe('AWAIT_JOIN');
    expect(client.open(server.takeOutput())).toEqual([]);
  });

  it('refuses a forged signature, one over another transcript and one under the server context', () => {
    const other = rawSession(KEYED, 'another connection');
    const forged = (c: RawV2Client) => {
      const p = proof(c);
      const sig = Buffer.from(p.sig, 'base64');
      sig[5] ^= 1;
      return { ...p, sig: sig.toString('base64') };
    };
    const cases = [
      (c: RawV2Client) => forged(c),
      (c: RawV2Client) => proof(c, aliceKey, other.client.transcript),
      (c: RawV2Client) => proof(c, aliceKey, c.transcript, 'server'),
      (c: RawV2Client) => ({ ...proof(c), key: Buffer.alloc(32, 0).fill(2, 0, 1).toString('base64') }),
    ];
    for (const make of cases) {
      const { server, client } = rawSession();
      server.receive(client.seal(make(client)));
      const { code, sent } = failure(server, client);
      expect(code).toBe('CLIENT_AUTH_FAILED');
      expect(sent).toEqual([
        expect.objectContaining({ type: 'error', code: 'CLIENT_AUTH_FAILED', fatal: true }),
      ]);
      expect(server.clientFingerprint).toBeNull();
    }
  });

  it('is PACKET_UNEXPECTED twice, after another packet, after join, or without the feature', () => {
    const twice = rawSession();
    twice.server.receive(twice.client.seal(proof(twice.client)));
    twice.server.receive(twice.client.seal(proof(twice.client)));
    expect(twice.server.failure?.code).toBe('PACKET_UNEXPECTED');

    const late = rawSession();
    late.server.receive(late.client.seal({ type: 'pong', n: 1 }));
    late.server.receive(late.client.seal(proof(late.client)));
    expect(late.server.failure?.code).toBe('PACKET_UNEXPECTED');

    const joined = rawSession();
    joined.server.receive(joined.client.seal({ type: 'join', name: 'alice' }));
    joined.server.acceptJoin('alice', ['alice']);
    joined.server.receive(joined.client.seal(proof(joined.client)));
    expect(joined.server.failure?.code).toBe('PACKET_UNEXPECTED');

    const plain = rawSession([]);
    plain.server.receive(plain.client.seal(proof(plain.client)));
    expect(plain.server.failure?.code).toBe('PACKET_UNEXPECTED');
  });

  it('takes the proof and a join in one record, in order', () => {
    const { server, client } = rawSession();
    const both = Buffer.concat([
      Buffer.from(JSON.stringify(proof(client))),
      Buffer.from('\n'),
      Buffer.from(JSON.stringify({ type: 'join', name: 'alice' })),
    ]);
    const events = server.receive(client.sealer.seal(both));
    expect(events.map((e) => (e.kind === 'packet' ? e.packet.type : e.kind))).toEqual([
      'client_auth',
      'join',
    ]);
    expect(server.clientFingerprint).toBe(aliceKey.fingerprint);
  });
});

describe('the client sends its proof (7.16)', () => {
  it('right after server_auth when the feature is agreed, and not otherwise', () => {
    for (const [offered, sent] of [
      [KEYED, true],
      [[], false],
    ] as const) {
      const server = new V2ServerConnection({
        keyAgreement: testKeyAgreement,
        identity,
        random: seededRandom('s'),
        features: offered,
      });
      const client = new V2ClientConnection({
        keyAgreement: testKeyAgreement,
        random: seededRandom('c'),
        features: KEYED,
        clientKey: aliceKey,
      });
      server.start();
      client.receive(server.takeOutput());
      server.receive(client.takeOutput());
      client.receive(server.takeOutput());
      const events = server.receive(client.takeOutput());
      expect(events.length).toBe(sent ? 1 : 0);
      expect(server.clientFingerprint).toBe(sent ? aliceKey.fingerprint : null);
      expect(() => client.proveKey(aliceKey)).toThrow(/client_auth|did not agree/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The chat server: what the others see.

type Net = MemoryNet<V2ClientConnectionEvent>;

function chat(features: readonly string[] = ['client-key', 'whois', 'nick']) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    features,
  });
  const net: Net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const ids = new Map<string, { client: V2ClientConnection; id: number }>();
  const join = (name: string, opts: { key?: typeof aliceKey; features?: readonly string[] } = {}) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`c ${name}`),
      features: opts.features ?? features,
      clientKey: opts.key,
    });
    const id = net.connect(client);
    client.join(name);
    net.settle();
    ids.set(name, { client, id });
    return client;
  };
  const packets = (name: string): V2ServerPacket[] =>
    net.take(ids.get(name)!.id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  return { server, net, join, packets, ids };
}

describe('keys on the wire (7.16)', () => {
  const short = shortFingerprint(aliceKey.fingerprint);

  it('shows a keyed member to those that agreed client-key, never an anonymous one', () => {
    const s = chat();
    s.join('alice', { key: aliceKey });
    expect(s.packets('alice')).toEqual([
      { type: 'join_ok', name: 'alice', users: ['alice'], key: short, keys: [{ name: 'alice', key: short }] },
    ]);
    s.join('bob');
    s.join('old', { features: [] }); // a 2.0 client
    expect(s.packets('bob')).toEqual([
      { type: 'join_ok', name: 'bob', users: ['alice', 'bob'], keys: [{ name: 'alice', key: short }] },
      { type: 'user_joined', name: 'old', ts: s.net.now },
    ]);
    expect(s.packets('old')).toEqual([{ type: 'join_ok', name: 'old', users: ['alice', 'bob', 'old'] }]);
    s.ids.get('alice')!.client.say('hi');
    s.ids.get('bob')!.client.say('yo');
    s.net.settle();
    const lines = (name: string) => s.packets(name).filter((p) => p.type === 'message');
    expect(lines('bob')).toEqual([
      expect.objectContaining({ from: 'alice', text: 'hi', key: short }),
      expect.not.objectContaining({ key: expect.anything() }),
    ]);
    expect(lines('old').map((p) => Object.keys(p).sort())).toEqual([
      ['from', 'id', 'text', 'ts', 'type'],
      ['from', 'id', 'text', 'ts', 'type'],
    ]);
  });

  it('tells the full fingerprint in whois and keeps the key across a rename', () => {
    const s = chat();
    s.join('alice', { key: aliceKey });
    s.join('bob');
    s.packets('bob');
    s.ids.get('bob')!.client.whois('alice');
    s.net.settle();
    s.ids.get('alice')!.client.nick('alicia');
    s.net.settle();
    expect(s.packets('bob')).toEqual([
      expect.objectContaining({
        type: 'whois_reply',
        name: 'alice',
        fingerprint: fingerprintOf(aliceKey.publicKey),
      }),
      expect.objectContaining({ type: 'user_renamed', from: 'alice', to: 'alicia', key: short }),
    ]);
  });

  it('leaves a 2.0 client and an anonymous session exactly as before', () => {
    const s = chat();
    const c = s.join('carl', { features: [] });
    expect(c.features.size).toBe(0);
    expect(s.packets('carl')).toEqual([{ type: 'join_ok', name: 'carl', users: ['carl'] }]);
  });
});

describe('spec/vectors/v2-client-auth.json (7.16)', () => {
  it('every proof is accepted or refused by the server connection as the file says', () => {
    const file = readVectorFile('v2-client-auth.json');
    for (const group of file.testGroups) {
      expect(group.context).toBe('parley/2 client auth');
      expect(identityFromSeed(fromHex(group.clientSeed as string)).publicKey.toString('hex')).toBe(
        group.clientPublicKey,
      );
      for (const t of group.tests) {
        const th = fromHex(t.transcriptHash as string);
        const ok = verifyTranscript(fromHex(t.key as string), th, fromHex(t.sig as string), 'client');
        expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid');
        if (ok) expect(fingerprintOf(fromHex(t.key as string))).toBe(t.fingerprint);
        else expect(t.code).toBe('CLIENT_AUTH_FAILED');
      }
    }
    expect(file.numberOfTests).toBeGreaterThanOrEqual(8);
  });
});

describe('a private message from a keyed member (7.16)', () => {
  it("carries the sender's short fingerprint to a member that agreed client-key, and to its sender", () => {
    const keyed = identityFromSeed(Buffer.alloc(32, 34));
    const { net, connect } = guardedNet('keyed pm', {});
    const alice = connect('alice', { key: keyed, features: ['client-key'] });
    const bob = connect('bob', { features: ['client-key'] });
    net.take(alice.id);
    net.take(bob.id);
    alice.client.privateMessage('bob', 'hi');
    net.settle();
    const privates = (id: number) =>
      net.take(id).flatMap((e) => (e.kind === 'packet' && e.packet.type === 'private' ? [e.packet] : []));
    const short = keyed.fingerprint.slice('SHA256:'.length, 'SHA256:'.length + 12);
    expect(privates(bob.id).map((p) => p.key)).toEqual([short]);
    expect(privates(alice.id).map((p) => p.key)).toEqual([short]);
  });
});
