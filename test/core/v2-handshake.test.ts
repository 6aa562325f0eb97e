/**
 * The v2 handshake (spec 5): spec/vectors/v2-handshake.json checked piece by piece against
 * node:crypto and the spec's own labels, reproduced through V2ServerConnection and
 * V2ClientConnection with the documented draw order; then full handshakes and every way one can
 * fail, with the error code and what (if anything) goes on the wire.
 */
import { createDecipheriv, createHash, createPublicKey, hkdfSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Identity, identityFromSeed, signTranscript } from '../../src/crypto/identity.js';
import { bigintFromBytes, KeyAgreement, type KeyPair } from '../../src/crypto/key-agreement.js';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { parleyError } from '../../src/errors.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { LIMITS, type V2Group } from '../../src/generated/constants.js';
import {
  V2ClientConnection,
  type V2ClientConnectionEvent,
  type V2ClientConnectionOptions,
} from '../../src/session/v2-client-connection.js';
import { encodeV2Packet, parseServerPacket } from '../../src/session/v2-codec.js';
import {
  V2ServerConnection,
  type V2ServerConnectionOptions,
} from '../../src/session/v2-server-connection.js';
import { scriptedRandom, type VectorGroup, type VectorTest } from '../../tools/vector-builder.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { modPow, MODP14_P as P } from '../support/modp14.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  codeOf,
  forgingServer,
  fromHex,
  RawV2Client,
  readVectorFile,
  toHex,
  vectorCases,
} from './helpers.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

interface HsGroup extends VectorGroup {
  readonly group: V2Group;
  readonly identitySeed: string;
  readonly identityPublicKey: string;
  readonly limits: { maxFrame: number; maxMessage: number; maxName: number };
}
interface HsTest extends VectorTest {
  readonly serverX25519PrivateKey: string;
  readonly serverModp14PrivateKey: string;
  readonly serverNonce: string;
  readonly clientPrivateKey: string;
  readonly clientNonce: string;
  readonly joinName: string;
  readonly serverHello: string;
  readonly clientHello: string;
  readonly sharedSecret: string;
  readonly transcriptHash: string;
  readonly c2sKey: string;
  readonly c2sIv: string;
  readonly s2cKey: string;
  readonly s2cIv: string;
  readonly serverAuth: string;
  readonly fingerprint: string;
  readonly join: string;
  readonly serverFeatures?: readonly string[];
  readonly clientFeatures?: readonly string[];
  readonly agreedFeatures?: readonly string[];
}

const file = readVectorFile('v2-handshake.json');
const cases = vectorCases<HsGroup, HsTest>(file);
const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../spec/parley.spec.json', import.meta.url)), 'utf8'),
);
const LABELS: Record<string, string> = spec.profiles.v2.crypto.kdf.labels;
const CONTEXT: string = spec.profiles.v2.crypto.identity.signatureContext;

const bodyJson = (frameHex: string) => JSON.parse(fromHex(frameHex).subarray(10).toString('utf8'));

/** Opens a record with node:crypto directly: nonce = IV XOR seq (6.1), AAD = header. */
function openWithNode(frameHex: string, key: string, iv: string, seq = 0n): Buffer {
  const frame = fromHex(frameHex);
  const nonce = fromHex(iv);
  nonce.writeBigUInt64BE(nonce.readBigUInt64BE(4) ^ seq, 4);
  const d = createDecipheriv('aes-256-gcm', fromHex(key), nonce, { authTagLength: 16 });
  d.setAAD(frame.subarray(0, 10));
  d.setAuthTag(frame.subarray(-16));
  return Buffer.concat([d.update(frame.subarray(10, -16)), d.final()]);
}

describe('v2 handshake vectors', () => {
  it('have one group per key agreement group', () => {
    expect(file.testGroups.map((g) => g.group)).toEqual(['x25519', 'modp14']);
  });

  it.each(cases)('hellos carry the scripted keys and nonces: $label', ({ group, test }) => {
    const sh = bodyJson(test.serverHello);
    expect(sh.protocol).toBe('parley/2');
    expect(sh.nonce).toBe(fromHex(test.serverNonce).toString('base64'));
    expect(sh.limits).toEqual(group.limits);
    expect(sh.groups.map((g: { group: string }) => g.group)).toEqual(['x25519', 'modp14']);
    const x = keyAgreement.keyPairFromPrivate('x25519', fromHex(test.serverX25519PrivateKey));
    expect(sh.groups[0].share).toBe(x.share.toString('base64'));
    const y = modPow(2n, bigintFromBytes(fromHex(test.serverModp14PrivateKey)), P);
    expect(bigintFromBytes(Buffer.from(sh.groups[1].share, 'base64'))).toBe(y);
    expect(Buffer.from(sh.groups[1].share, 'base64').length).toBe(256);

    // 5.8: a 2.0 vector has no `features` in either hello; a 2.1 one lists the server's offer and,
    // in the client_hello, the client's wants that the server offered, in the client's order.
    expect(sh.features).toEqual(test.serverFeatures);
    const offered = new Set(test.serverFeatures ?? []);
    const listed = test.clientFeatures?.filter((f) => offered.has(f));
    const ch = bodyJson(test.clientHello);
    expect(ch).toEqual({
      type: 'client_hello',
      protocol: 'parley/2',
      group: group.group,
      share: keyAgreement
        .keyPairFromPrivate(group.group, fromHex(test.clientPrivateKey))
        .share.toString('base64'),
      nonce: fromHex(test.clientNonce).toString('base64'),
      ...(listed?.length ? { features: listed } : {}),
    });
    expect(test.agreedFeatures).toEqual(test.serverFeatures?.filter((f) => listed?.includes(f)));
  });

  it('keep the 2.0 handshakes and add a 2.1 one with features per group', () => {
    for (const g of file.testGroups as HsGroup[]) {
      const tests = g.tests as HsTest[];
      expect(tests.filter((t) => t.serverFeatures === undefined).length).toBe(2);
      expect(tests.filter((t) => t.agreedFeatures?.length).length).toBe(1);
    }
  });

  it.each(cases)('secret, transcript hash and keys follow 5.3 and 5.4: $label', ({ group, test }) => {
    if (group.group === 'modp14') {
      const serverY = bigintFromBytes(Buffer.from(bodyJson(test.serverHello).groups[1].share, 'base64'));
      const z = modPow(serverY, bigintFromBytes(fromHex(test.clientPrivateKey)), P);
      expect(test.sharedSecret).toBe(z.toString(16).padStart(512, '0'));
    } else {
      expect(test.sharedSecret).toMatch(/^[0-9a-f]{64}$/);
    }
    const th = createHash('sha256')
      .update(fromHex(test.serverHello))
      .update(fromHex(test.clientHello))
      .digest('hex');
    expect(test.transcriptHash).toBe(th);
    const kdf = (label: string, length: number) =>
      toHex(
        Buffer.from(hkdfSync('sha256', fromHex(test.sharedSecret), fromHex(th), Buffer.from(label), length)),
      );
    expect(test.c2sKey).toBe(kdf(LABELS.c2sKey, 32));
    expect(test.c2sIv).toBe(kdf(LABELS.c2sIv, 12));
    expect(test.s2cKey).toBe(kdf(LABELS.s2cKey, 32));
    expect(test.s2cIv).toBe(kdf(LABELS.s2cIv, 12));
  });

  it.each(cases)(
    'server_auth proves the identity over TH, join is the first c2s record: $label',
    ({ group, test }) => {
      const auth = JSON.parse(openWithNode(test.serverAuth, test.s2cKey, test.s2cIv).toString('utf8'));
      expect(auth.type).toBe('server_auth');
      const publicKey = Buffer.from(auth.identity, 'base64');
      expect(toHex(publicKey)).toBe(group.identityPublicKey);
      const key = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
        format: 'jwk',
      });
      const message = Buffer.concat([Buffer.from(CONTEXT), Buffer.alloc(1), fromHex(test.transcriptHash)]);
      expect(verify(null, message, key, Buffer.from(auth.signature, 'base64'))).toBe(true);
      const digest = createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '');
      expect(test.fingerprint).toBe(`SHA256:${digest}`);
      expect(toHex(identityFromSeed(fromHex(group.identitySeed)).publicKey)).toBe(group.identityPublicKey);
      const join = JSON.parse(openWithNode(test.join, test.c2sKey, test.c2sIv).toString('utf8'));
      expect(join).toEqual({ type: 'join', name: test.joinName });
    },
  );

  it.each(cases)(
    'both sides take the vectors whole, one byte at a time and with trailing data: $label',
    ({ group, test }) => {
      const hello = fromHex(test.serverHello);
      const auth = fromHex(test.serverAuth);
      const clientHello = fromHex(test.clientHello);
      const join = fromHex(test.join);
      const feed = <E>(receive: (b: Buffer) => E[], bytes: Buffer, mode: string): E[] =>
        mode === 'bytes' ? [...bytes].flatMap((b) => receive(Buffer.from([b]))) : receive(bytes);
      for (const mode of ['whole', 'bytes']) {
        // Client: server_hello then server_auth arriving together (the second is trailing data).
        const client = new V2ClientConnection({
          keyAgreement: testKeyAgreement,
          random: scriptedRandom([fromHex(test.clientPrivateKey), fromHex(test.clientNonce)]),
          groups: [group.group],
          expectedFingerprint: test.fingerprint,
          features: test.clientFeatures,
        });
        const clientEvents = feed((b) => client.receive(b), Buffer.concat([hello, auth]), mode);
        expect(toHex(client.takeOutput())).toBe(test.clientHello);
        expect(clientEvents.map((e) => e.kind)).toEqual(['authenticated']);
        expect(client.state).toBe('READY');
        expect([...client.features]).toEqual(test.agreedFeatures ?? []);
        // Server: client_hello with the first record (join) trailing.
        const server = new V2ServerConnection({
          keyAgreement: testKeyAgreement,
          identity: identityFromSeed(fromHex(group.identitySeed)),
          random: scriptedRandom([
            fromHex(test.serverX25519PrivateKey),
            fromHex(test.serverModp14PrivateKey),
            fromHex(test.serverNonce),
          ]),
          features: test.serverFeatures,
        });
        server.start();
        expect(toHex(server.takeOutput())).toBe(test.serverHello);
        const serverEvents = feed((b) => server.receive(b), Buffer.concat([clientHello, join]), mode);
        expect(toHex(server.takeOutput())).toBe(test.serverAuth);
        expect(serverEvents).toEqual([{ kind: 'packet', packet: { type: 'join', name: test.joinName } }]);
        expect([...server.features]).toEqual(test.agreedFeatures ?? []);
      }
    },
  );

  it.each(cases)(
    'the connections reproduce every frame with the documented draw order: $label',
    ({ group, test }) => {
      const serverRandom = scriptedRandom([
        fromHex(test.serverX25519PrivateKey),
        fromHex(test.serverModp14PrivateKey),
        fromHex(test.serverNonce),
      ]);
      const clientRandom = scriptedRandom([fromHex(test.clientPrivateKey), fromHex(test.clientNonce)]);
      const server = new V2ServerConnection({
        keyAgreement: testKeyAgreement,
        identity: identityFromSeed(fromHex(group.identitySeed)),
        random: serverRandom,
        features: test.serverFeatures,
      });
      const client = new V2ClientConnection({
        keyAgreement: testKeyAgreement,
        random: clientRandom,
        groups: [group.group],
        expectedFingerprint: test.fingerprint,
        features: test.clientFeatures,
      });
      server.start();
      expect(toHex(server.takeOutput())).toBe(test.serverHello);
      expect(client.receive(fromHex(test.serverHello))).toEqual([]);
      expect(toHex(client.takeOutput())).toBe(test.clientHello);
      expect(toHex(client.transcript as Buffer)).toBe(test.transcriptHash);
      expect(server.receive(fromHex(test.clientHello))).toEqual([]);
      expect(server.group).toBe(group.group);
      expect(toHex(server.takeOutput())).toBe(test.serverAuth);
      const events = client.receive(fromHex(test.serverAuth));
      expect(events).toEqual([
        {
          kind: 'authenticated',
          fingerprint: test.fingerprint,
          identity: fromHex(group.identityPublicKey),
          group: group.group,
          limits: group.limits,
          features: new Set(test.agreedFeatures ?? []),
        },
      ]);
      client.join(test.joinName);
      expect(toHex(client.takeOutput())).toBe(test.join);
      expect(server.receive(fromHex(test.join))).toEqual([
        { kind: 'packet', packet: { type: 'join', name: test.joinName } },
      ]);
      expect(serverRandom.remaining()).toBe(0);
      expect(clientRandom.remaining()).toBe(0);
      // The core's own key schedule agrees with the vector.
      const keys = deriveSessionKeys(fromHex(test.sharedSecret), fromHex(test.transcriptHash));
      expect([keys.c2s.key, keys.c2s.iv, keys.s2c.key, keys.s2c.iv].map(toHex)).toEqual([
        test.c2sKey,
        test.c2sIv,
        test.s2cKey,
        test.s2cIv,
      ]);
      // Kept for the connection's life: all four in one small allocation, no shared pool slab.
      const stores = new Set([keys.c2s.key, keys.c2s.iv, keys.s2c.key, keys.s2c.iv].map((b) => b.buffer));
      expect([...stores].map((store) => store.byteLength)).toEqual([2 * (32 + 12)]);
      expect(toHex(transcriptHash(fromHex(test.serverHello), fromHex(test.clientHello)))).toBe(
        test.transcriptHash,
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------

const identity = identityFromSeed(Buffer.alloc(32, 9));
const otherIdentity = identityFromSeed(Buffer.alloc(32, 10));

function pair(
  serverOptions: Partial<V2ServerConnectionOptions> = {},
  clientOptions: Partial<V2ClientConnectionOptions> = {},
) {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    ...serverOptions,
  });
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('client'),
    ...clientOptions,
  });
  server.start();
  return { server, client };
}

/** Runs the handshake to the end; returns the client's events. */
function handshake(server: V2ServerConnection, client: V2ClientConnection): V2ClientConnectionEvent[] {
  const events = client.receive(server.takeOutput());
  server.receive(client.takeOutput());
  events.push(...client.receive(server.takeOutput()));
  return events;
}

function errorCode(events: readonly { kind: string }[]): string | null {
  const e = events.find((x) => x.kind === 'error') as { error: { code: string } } | undefined;
  return e ? e.error.code : null;
}

describe('a full v2 handshake', () => {
  it.each(['x25519', 'modp14'] as const)('completes in %s and carries chat both ways', (group) => {
    const { server, client } = pair({}, { groups: [group] });
    const events = handshake(server, client);
    expect(events.map((e) => e.kind)).toEqual(['authenticated']);
    expect(client.state).toBe('READY');
    expect(server.state).toBe('AWAIT_JOIN');
    expect(server.secured).toBe(true);
    expect(client.group).toBe(group);
    expect(client.fingerprint).toBe(identity.fingerprint);
    expect(client.limits).toEqual({ maxFrame: LIMITS.maxFrame, maxMessage: LIMITS.maxMessage, maxName: 24 });
    client.join('alice');
    expect(server.receive(client.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'join', name: 'alice' } },
    ]);
    server.acceptJoin('alice', ['alice'], 'welcome');
    expect(client.receive(server.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'join_ok', name: 'alice', users: ['alice'], motd: 'welcome' } },
    ]);
    expect(client.state).toBe('JOINED');
    client.say('hi');
    expect(server.receive(client.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'say', text: 'hi' } },
    ]);
  });

  it('picks the first group the client prefers among those offered', () => {
    const { server, client } = pair({ groups: ['modp14'] });
    handshake(server, client);
    expect(client.group).toBe('modp14');
    expect(server.group).toBe('modp14');
    const both = pair({}, { groups: ['modp14', 'x25519'] });
    handshake(both.server, both.client);
    expect(both.client.group).toBe('modp14');
  });

  it.each([
    ['x25519', 'modp14'],
    ['modp14', 'x25519'],
  ] as const)(
    'gives back the offered pair the client did not choose (%s chosen), never the chosen one (5.1)',
    (chosen, other) => {
      const random = seededRandom('pool');
      const made: KeyPair[] = [];
      const returned: KeyPair[] = [];
      const { server, client } = pair(
        {
          keyPairs: (group) => {
            const kp = keyAgreement.generateKeyPair(group, random);
            made.push(kp);
            return kp;
          },
          unusedKeyPair: (kp) => returned.push(kp),
        },
        { groups: [chosen] },
      );
      expect(made.map((kp) => kp.group)).toEqual(['x25519', 'modp14']);
      expect(returned).toEqual([]); // nothing comes back before the client has chosen
      handshake(server, client);
      expect(server.group).toBe(chosen);
      expect(returned).toEqual([made.find((kp) => kp.group === other)]);
    },
  );

  it('gives nothing back when the client_hello fails', () => {
    const returned: KeyPair[] = [];
    const { server } = pair({ unusedKeyPair: (kp) => returned.push(kp) });
    const hello = new RawV2Client().hello(server.takeOutput(), {
      share: Buffer.alloc(32).toString('base64'),
    });
    expect(errorCode(server.receive(hello))).toBe('PUBLIC_VALUE_INVALID');
    expect(returned).toEqual([]);
  });

  it.each([
    ['accepted', [{ kind: 'packet', packet: { type: 'say', text: 'hi' } }], 'JOINED'],
    ['refused', [{ kind: 'error', error: expect.objectContaining({ code: 'PACKET_UNEXPECTED' }) }], 'ERROR'],
  ] as const)(
    'holds what follows a join in the same read until the verdict (%s), then resumeHeld hands it on (13.1)',
    (verdict, after, state) => {
      const raw = new RawV2Client();
      const server = new V2ServerConnection({
        keyAgreement: testKeyAgreement,
        identity,
        random: seededRandom('server'),
      });
      server.start();
      server.receive(raw.hello(server.takeOutput()));
      const read = Buffer.concat([
        raw.seal({ type: 'join', name: 'carol' }),
        raw.seal({ type: 'say', text: 'hi' }),
      ]);
      expect(server.receive(read)).toEqual([{ kind: 'packet', packet: { type: 'join', name: 'carol' } }]);
      expect(server.resumeHeld()).toEqual([]); // no verdict yet: the say waits
      if (verdict === 'accepted') server.acceptJoin('carol', ['carol']);
      else server.refuseJoin('NAME_TAKEN', 'taken');
      // Checked in the state the verdict leads to: a say before any accepted join is unexpected.
      expect(server.resumeHeld()).toEqual(after);
      expect(server.resumeHeld()).toEqual([]);
      expect(server.state).toBe(state);
    },
  );

  it('announces the server limits in server_hello', () => {
    const { server, client } = pair({ limits: { maxFrame: 4096, maxMessage: 100, maxName: 12 } });
    handshake(server, client);
    expect(client.limits).toEqual({ maxFrame: 4096, maxMessage: 100, maxName: 12 });
    expect(server.limits.maxFrame).toBe(4096);
  });

  it.each([
    [true, false],
    [false, true],
  ])(
    'carries chat the same when the server (%s) or the client (%s) holds its record keys as KeyObjects',
    (serverKo, clientKo) => {
      const { server, client } = pair({ keyObjects: serverKo }, { keyObjects: clientKo });
      const plain = pair();
      for (const p of [plain, { server, client }]) {
        handshake(p.server, p.client);
        p.client.join('alice');
        p.server.receive(p.client.takeOutput());
        p.server.acceptJoin('alice', ['alice']);
        p.client.receive(p.server.takeOutput());
        p.client.say('hi');
        expect(p.server.receive(p.client.takeOutput())).toEqual([
          { kind: 'packet', packet: { type: 'say', text: 'hi' } },
        ]);
      }
      // The same seeded randomness gives the same keys: the records are byte for byte the same.
      plain.server.send({ type: 'message', id: 1, from: 'alice', text: 'hi', ts: 1 });
      server.send({ type: 'message', id: 1, from: 'alice', text: 'hi', ts: 1 });
      const record = server.takeOutput();
      expect(record.equals(plain.server.takeOutput())).toBe(true);
      expect(client.receive(record)).toEqual([
        { kind: 'packet', packet: { type: 'message', id: 1, from: 'alice', text: 'hi', ts: 1 } },
      ]);
    },
  );

  it('accepts a server whose fingerprint is the pinned one', () => {
    const { server, client } = pair({}, { expectedFingerprint: identity.fingerprint });
    expect(handshake(server, client).map((e) => e.kind)).toEqual(['authenticated']);
  });

  it('works when every byte arrives on its own', () => {
    const { server, client } = pair();
    const feed = (to: { receive(b: Uint8Array): unknown[] }, bytes: Buffer) => {
      const out: unknown[] = [];
      for (const b of bytes) out.push(...to.receive(Buffer.from([b])));
      return out;
    };
    feed(client, server.takeOutput());
    feed(server, client.takeOutput());
    expect(feed(client, server.takeOutput())).toHaveLength(1);
    expect(client.state).toBe('READY');
  });
});

describe('server authentication (5.5, 5.6)', () => {
  it('refuses a signature over another transcript with SERVER_AUTH_FAILED, sending nothing', () => {
    const { client, seal, serverHello, clientHello } = forgingServer(identity);
    // The transcript the attacker signs: the same hellos with the server nonce changed.
    const tampered = Buffer.from(serverHello);
    tampered[tampered.indexOf('"nonce":"') + 9] ^= 1;
    const wrongTh = transcriptHash(tampered, clientHello);
    const events = client.receive(
      seal({
        type: 'server_auth',
        identity: identity.publicKey.toString('base64'),
        signature: signTranscript(identity, wrongTh).toString('base64'),
      }),
    );
    expect(errorCode(events)).toBe('SERVER_AUTH_FAILED');
    expect(client.state).toBe('ERROR');
    expect(client.takeOutput().length).toBe(0); // 5.5: nothing encrypted before verification
  });

  it('refuses a server whose signature is made by another key than the one it shows', () => {
    const liar: Identity = { ...identity, privateKeyObject: otherIdentity.privateKeyObject };
    const { server, client } = pair({ identity: liar });
    const events = handshake(server, client);
    expect(errorCode(events)).toBe('SERVER_AUTH_FAILED');
    expect(client.failure?.code).toBe('SERVER_AUTH_FAILED');
    expect(client.takeOutput().length).toBe(0);
  });

  it('refuses a server_auth with a garbage signature', () => {
    const { client, seal } = forgingServer(identity, 'modp14');
    const events = client.receive(
      seal({
        type: 'server_auth',
        identity: identity.publicKey.toString('base64'),
        signature: Buffer.alloc(64, 1).toString('base64'),
      }),
    );
    expect(errorCode(events)).toBe('SERVER_AUTH_FAILED');
  });

  it('refuses a key other than the pinned one with FINGERPRINT_MISMATCH, sending nothing', () => {
    const { server, client } = pair({}, { expectedFingerprint: otherIdentity.fingerprint });
    const events = handshake(server, client);
    expect(errorCode(events)).toBe('FINGERPRINT_MISMATCH');
    expect(client.state).toBe('ERROR');
    expect(client.fingerprint).toBeNull();
    expect(client.takeOutput().length).toBe(0);
  });

  it('reports a server error sent instead of server_auth, and closes', () => {
    const { client, seal } = forgingServer(identity);
    const events = client.receive(seal({ type: 'error', code: 'SERVER_FULL', message: 'full', fatal: true }));
    expect(errorCode(events)).toBe('SERVER_FULL');
    const error = (events[0] as { error: { origin: string } }).error;
    expect(error.origin).toBe('remote');
    expect(client.state).toBe('CLOSED');
    expect(client.takeOutput().length).toBe(0);
  });

  it('refuses any other first record with PACKET_UNEXPECTED', () => {
    const { client, seal } = forgingServer(identity);
    expect(errorCode(client.receive(seal({ type: 'ping', n: 1 })))).toBe('PACKET_UNEXPECTED');
    expect(client.takeOutput().length).toBe(0);
  });

  it('refuses a second server_auth with PACKET_UNEXPECTED', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.send({
      type: 'server_auth',
      identity: identity.publicKey.toString('base64'),
      signature: Buffer.alloc(64).toString('base64'),
    });
    expect(errorCode(client.receive(server.takeOutput()))).toBe('PACKET_UNEXPECTED');
  });
});

describe('handshake failures', () => {
  it('GROUP_UNSUPPORTED on the client when no offered group is acceptable', () => {
    const { server, client } = pair({ groups: ['x25519'] }, { groups: ['modp14'] });
    const events = client.receive(server.takeOutput());
    expect(errorCode(events)).toBe('GROUP_UNSUPPORTED');
    expect(client.takeOutput().length).toBe(0);
  });

  it.each([
    ['a group it did not offer', 'modp14'],
    ['a group it does not know', 'x448'],
  ])('GROUP_UNSUPPORTED on the server for %s', (_label, group) => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
      groups: ['x25519'],
    });
    server.start();
    const raw = new RawV2Client('modp14');
    const events = server.receive(raw.hello(server.takeOutput(), { group }));
    expect(errorCode(events)).toBe('GROUP_UNSUPPORTED');
    expect(server.state).toBe('ERROR');
    expect(server.takeOutput().length).toBe(0); // no keys: nothing can be said
  });

  it('PROTOCOL_MISMATCH on the client for a server speaking another version', () => {
    const { server, client } = pair();
    const hello = parseServerPacket(server.takeOutput().subarray(10));
    const events = client.receive(encodeFrame(JSON.stringify({ ...hello, protocol: 'parley/3' })));
    expect(errorCode(events)).toBe('PROTOCOL_MISMATCH');
  });

  it('PROTOCOL_MISMATCH on the server for a client speaking another version', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const events = server.receive(new RawV2Client().hello(server.takeOutput(), { protocol: 'parley/1' }));
    expect(errorCode(events)).toBe('PROTOCOL_MISMATCH');
  });

  it('PUBLIC_VALUE_INVALID on the server for an all-zero x25519 share', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const hello = new RawV2Client().hello(server.takeOutput(), {
      share: Buffer.alloc(32).toString('base64'),
    });
    expect(errorCode(server.receive(hello))).toBe('PUBLIC_VALUE_INVALID');
  });

  it('PUBLIC_VALUE_INVALID on the client for a modp14 share of 1', () => {
    const { server, client } = pair({}, { groups: ['modp14'] });
    const hello = parseServerPacket(server.takeOutput().subarray(10));
    if (hello.type !== 'server_hello') throw new Error('expected server_hello');
    const one = Buffer.alloc(256);
    one[255] = 1;
    const groups = hello.groups.map((g) =>
      g.group === 'modp14' ? { ...g, share: one.toString('base64') } : g,
    );
    const events = client.receive(encodeFrame(JSON.stringify({ ...hello, groups })));
    expect(errorCode(events)).toBe('PUBLIC_VALUE_INVALID');
  });

  it.each([
    ['not JSON', encodeFrame('hello?')],
    ['not UTF-8', encodeFrame(Buffer.from([0x7b, 0xff, 0x7d]))],
    ['a JSON array', encodeFrame('[1,2]')],
    ['a server_hello without nonce', encodeFrame('{"type":"server_hello","protocol":"parley/2"}')],
  ])('PACKET_MALFORMED on the client for a first frame that is %s', (_label, bytes) => {
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('c') });
    expect(errorCode(client.receive(bytes))).toBe('PACKET_MALFORMED');
  });

  it('PACKET_MALFORMED on the server for a client_hello with a bad nonce', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const hello = new RawV2Client().hello(server.takeOutput(), { nonce: 'AAAA' });
    expect(errorCode(server.receive(hello))).toBe('PACKET_MALFORMED');
  });

  it('framing errors before the handshake fail the connection too', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    expect(errorCode(server.receive(Buffer.from('GET / HTTP/1.1\r\n\r\n')))).toBe('FRAME_HEADER_INVALID');
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('c'),
      maxFrame: 1024,
    });
    expect(errorCode(client.receive(Buffer.from('2000      ')))).toBe('FRAME_TOO_LARGE');
  });
});

describe('out-of-state packets (13)', () => {
  it('a server refuses a plaintext join before client_hello with PACKET_UNEXPECTED', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    server.takeOutput();
    expect(errorCode(server.receive(encodeFrame('{"type":"join","name":"alice"}')))).toBe(
      'PACKET_UNEXPECTED',
    );
    expect(server.takeOutput().length).toBe(0);
  });

  it('a client refuses a plaintext ping before server_hello with PACKET_UNEXPECTED', () => {
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('c') });
    expect(errorCode(client.receive(encodeFrame('{"type":"ping","n":1}')))).toBe('PACKET_UNEXPECTED');
  });

  it('a server refuses say before join, and tells the client with an error record', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const raw = new RawV2Client();
    server.receive(raw.hello(server.takeOutput()));
    raw.open(server.takeOutput()); // server_auth
    const events = server.receive(raw.seal({ type: 'say', text: 'too early' }));
    expect(errorCode(events)).toBe('PACKET_UNEXPECTED');
    expect(raw.open(server.takeOutput())).toEqual([
      expect.objectContaining({ type: 'error', code: 'PACKET_UNEXPECTED', fatal: true }),
    ]);
  });

  it('a client refuses join_ok when it has not asked, and tells the server', () => {
    const { server, client } = pair();
    handshake(server, client);
    // A forged send: the server's own table would refuse join_ok before a join.
    server.sendEncoded(encodeV2Packet({ type: 'join_ok', name: 'x', users: [] }));
    expect(errorCode(client.receive(server.takeOutput()))).toBe('PACKET_UNEXPECTED');
    const events = server.receive(client.takeOutput());
    expect(events).toEqual([
      {
        kind: 'packet',
        packet: expect.objectContaining({ type: 'error', code: 'PACKET_UNEXPECTED', fatal: true }),
      },
    ]);
    expect(server.state).toBe('CLOSED');
  });

  it('a client refuses to send before it may (the table decides)', () => {
    const { server, client } = pair();
    client.receive(server.takeOutput());
    expect(codeOf(() => client.join('alice'))).toBe('PACKET_UNEXPECTED'); // AWAIT_SERVER_AUTH
    expect(client.state).toBe('AWAIT_SERVER_AUTH');
    server.receive(client.takeOutput());
    client.receive(server.takeOutput());
    expect(codeOf(() => client.say('hi'))).toBe('PACKET_UNEXPECTED'); // READY
    expect(client.state).toBe('READY');
    expect(client.takeOutput().length).toBe(0);
  });
});

describe('the ERROR state sticks (4)', () => {
  it('after a failure nothing is read, nothing is sent, and the first error stays', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.sendEncoded(encodeV2Packet({ type: 'message', id: 1, from: 'x', text: 'early', ts: 1 })); // forged
    const record = server.takeOutput();
    expect(errorCode(client.receive(record))).toBe('PACKET_UNEXPECTED');
    client.takeOutput();
    server.send({ type: 'ping', n: 1 });
    expect(client.receive(server.takeOutput())).toEqual([]);
    expect(client.receiveEnd()).toEqual([]);
    expect(client.state).toBe('ERROR');
    expect(client.failure?.code).toBe('PACKET_UNEXPECTED');
    expect(client.failWith(parleyError('DECRYPT_FAILED', 'later')).code).toBe('PACKET_UNEXPECTED');
    expect(codeOf(() => client.join('alice'))).toBe('PACKET_UNEXPECTED');
    client.goodbye();
    expect(client.takeOutput().length).toBe(0);
    expect(client.state).toBe('ERROR');
  });

  it('a server in ERROR ignores further records and sends nothing more', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const raw = new RawV2Client();
    server.receive(raw.hello(server.takeOutput()));
    raw.open(server.takeOutput());
    server.receive(Buffer.from('x'.repeat(10)));
    expect(server.state).toBe('ERROR');
    expect(server.failure?.code).toBe('FRAME_HEADER_INVALID');
    server.takeOutput();
    expect(server.receive(raw.seal({ type: 'join', name: 'a' }))).toEqual([]);
    server.send({ type: 'ping', n: 1 });
    server.goodbye();
    expect(server.takeOutput().length).toBe(0);
    expect(server.receiveEnd()).toEqual([]);
  });
});

describe('records after the handshake (6)', () => {
  it('DECRYPT_FAILED for a tampered record, and the client reports it to the server', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.send({ type: 'ping', n: 3 });
    const record = server.takeOutput();
    record[record.length - 1] ^= 1;
    expect(errorCode(client.receive(record))).toBe('DECRYPT_FAILED');
    expect(server.receive(client.takeOutput())).toEqual([
      { kind: 'packet', packet: expect.objectContaining({ type: 'error', code: 'DECRYPT_FAILED' }) },
    ]);
  });

  it('CONNECTION_LOST when the stream ends without goodbye, FRAME_TRUNCATED inside a frame', () => {
    const a = pair();
    handshake(a.server, a.client);
    expect(errorCode(a.client.receiveEnd())).toBe('CONNECTION_LOST');
    expect(errorCode(a.server.receiveEnd())).toBe('CONNECTION_LOST');
    const b = pair();
    handshake(b.server, b.client);
    b.server.send({ type: 'ping', n: 1 });
    b.client.receive(b.server.takeOutput().subarray(0, 12));
    expect(errorCode(b.client.receiveEnd())).toBe('FRAME_TRUNCATED');
  });

  it('a goodbye from the client closes both sides cleanly', () => {
    const { server, client } = pair();
    handshake(server, client);
    client.goodbye('bye');
    expect(client.state).toBe('CLOSED');
    expect(server.receive(client.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'goodbye', reason: 'bye' } },
    ]);
    expect(server.state).toBe('CLOSED');
    expect(server.receiveEnd()).toEqual([{ kind: 'closed', clean: true }]);
    expect(client.receiveEnd()).toEqual([{ kind: 'closed', clean: true }]);
  });

  it('a goodbye from the server closes the client with its reason', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.goodbye('maintenance');
    expect(server.state).toBe('CLOSED');
    expect(client.receive(server.takeOutput())).toEqual([
      { kind: 'closed', clean: true, reason: 'maintenance' },
    ]);
    expect(client.state).toBe('CLOSED');
  });

  it('a client that never got keys says goodbye without a record', () => {
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('c') });
    client.goodbye();
    expect(client.state).toBe('CLOSED');
    expect(client.takeOutput().length).toBe(0);
  });

  it('non-fatal errors from the server are packets; fatal ones end the connection', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.sendError(parleyError('NAME_TAKEN', 'taken'));
    expect(client.receive(server.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'error', code: 'NAME_TAKEN', message: 'taken', fatal: false } },
    ]);
    expect(client.state).toBe('READY');
    server.send({ type: 'error', code: 'NOT_A_CODE', message: 'x', fatal: true });
    const events = client.receive(server.takeOutput());
    expect(errorCode(events)).toBe('INTERNAL_ERROR'); // an unknown code from the wire
    expect(client.state).toBe('CLOSED');
  });

  it('the client refuses a packet too big for the maxFrame of the server with MESSAGE_TOO_LONG, sending nothing', () => {
    const { server, client } = pair({ limits: { maxFrame: 1024 } });
    handshake(server, client);
    client.join('a');
    server.receive(client.takeOutput());
    server.acceptJoin('a', ['a']);
    client.receive(server.takeOutput());
    expect(() => client.say('x'.repeat(1000))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LONG' }));
    expect(client.takeOutput().length).toBe(0);
    expect(client.state).toBe('JOINED');
    client.say('x'.repeat(900)); // fits: header + JSON + tag <= 1024
    expect(client.takeOutput().length).toBeGreaterThan(900);
  });

  it('the client answers a ping with a pong carrying the same n; the server leaves it to the room', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.send({ type: 'ping', n: 42 });
    expect(client.receive(server.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'ping', n: 42 } },
    ]);
    expect(server.receive(client.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'pong', n: 42 } },
    ]);
    const raw = new FrameDecoder();
    client.join('a');
    server.receive(client.takeOutput());
    server.acceptJoin('a', ['a']);
    client.receive(server.takeOutput());
    client.ping(7);
    expect(server.receive(client.takeOutput())).toEqual([{ kind: 'packet', packet: { type: 'ping', n: 7 } }]);
    raw.push(server.takeOutput());
    expect(raw.drain()).toHaveLength(0);
  });

  it('processes several packets in one record in order, stopping at a goodbye (6.1)', () => {
    const { server, client } = pair();
    handshake(server, client);
    server.send({ type: 'ping', n: 1 });
    server.goodbye('done');
    expect(client.receive(server.takeOutput())).toEqual([
      { kind: 'packet', packet: { type: 'ping', n: 1 } },
      { kind: 'closed', clean: true, reason: 'done' },
    ]);
  });

  it('turns a bug into INTERNAL_ERROR in the sticky state, and tells the peer', () => {
    const { server, client } = pair();
    handshake(server, client);
    const error = client.failWith(new TypeError('boom'));
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(client.state).toBe('ERROR');
    expect(server.receive(client.takeOutput())).toEqual([
      {
        kind: 'packet',
        packet: expect.objectContaining({ type: 'error', code: 'INTERNAL_ERROR', fatal: true }),
      },
    ]);
  });
});
