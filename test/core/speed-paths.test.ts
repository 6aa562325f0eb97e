/**
 * The speed shortcuts in the core, each pinned against the path it stands in for (issues 19, 22):
 * a shortcut gives the same result as the full path (the other test files check the results), and
 * these tests check that the shortcut is the path actually taken, so a change that quietly falls
 * back to the slow path, or takes the shortcut where it must not, fails here.
 *
 * node:crypto's functions are spied on (the real ones, counted) to see which objects the core
 * makes; syncBuiltinESMExports carries the spies to every module's named imports, as well when
 * `npm test` runs the compiled dist/ natively under c8 as when vitest runs the sources.
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { computeSharedSecret, KeyAgreement } from '../../src/crypto/key-agreement.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import type { V2Group } from '../../src/generated/constants.js';
import { plainPong } from '../../src/session/fast-paths.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { parseClientPacket } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';

let createDiffieHellman: MockInstance;
let createPrivateKey: MockInstance;
let createSecretKey: MockInstance;

beforeEach(() => {
  createDiffieHellman = vi.spyOn(crypto, 'createDiffieHellman');
  createPrivateKey = vi.spyOn(crypto, 'createPrivateKey');
  createSecretKey = vi.spyOn(crypto, 'createSecretKey');
  syncBuiltinESMExports();
});

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

describe('the modp14 engine: one per KeyAgreement, re-keyed for each use (key-agreement.ts)', () => {
  it('is made by prepare only when modp14 is among the groups, and once', () => {
    const agreement = new KeyAgreement();
    expect(createDiffieHellman).not.toHaveBeenCalled();
    agreement.prepare(['x25519']);
    expect(createDiffieHellman).not.toHaveBeenCalled();
    agreement.prepare(['x25519', 'modp14']);
    expect(createDiffieHellman).toHaveBeenCalledTimes(1);
    agreement.prepare(['modp14']);
    expect(createDiffieHellman).toHaveBeenCalledTimes(1);
  });

  it('belongs to its KeyAgreement: another one makes its own, nothing is shared between owners', () => {
    new KeyAgreement().prepare(['modp14']);
    new KeyAgreement().keyPairFromPrivate('modp14', Buffer.alloc(32, 1));
    expect(createDiffieHellman).toHaveBeenCalledTimes(2);
  });

  it('is reused by every modp14 and legacy key agreement, with the result a fresh engine gives', () => {
    const agreement = new KeyAgreement().prepare(['modp14']);
    createDiffieHellman.mockClear();
    const a = agreement.keyPairFromPrivate('modp14', Buffer.alloc(32, 1));
    const b = agreement.keyPairFromPrivate('modp14', Buffer.alloc(32, 2));
    const z = computeSharedSecret(a, b.share);
    const legacy = agreement.legacySharedSecret(
      Buffer.alloc(32, 1),
      agreement.legacyPublicDecimal(Buffer.alloc(32, 2)),
    );
    expect(createDiffieHellman).not.toHaveBeenCalled();

    const fresh = crypto.createDiffieHellman(crypto.getDiffieHellman('modp14').getPrime(), 2);
    fresh.setPrivateKey(Buffer.alloc(32, 1));
    const expected = fresh.computeSecret(b.share);
    expect(z.subarray(z.length - expected.length).equals(expected)).toBe(true);
    expect(legacy).toBe(BigInt(`0x${expected.toString('hex')}`));
  });

  it('is made once per legacy server, for all its connections, or never when the server is given one', () => {
    const server = createLegacyServer({ random: crypto.randomBytes });
    for (const id of [1, 2, 3]) server.open(id, 0);
    expect(createDiffieHellman).toHaveBeenCalledTimes(1);

    const keyAgreement = new KeyAgreement().prepare(['modp14']);
    createDiffieHellman.mockClear();
    const given = createLegacyServer({ random: crypto.randomBytes, keyAgreement });
    for (const id of [1, 2, 3]) given.open(id, 0);
    expect(createDiffieHellman).not.toHaveBeenCalled();
  });

  it('is made once per v2 server and per bare v2 server connection, or never when they are given one', () => {
    const identity = identityFromSeed(Buffer.alloc(32, 1));
    const random = crypto.randomBytes;
    const server = createV2Server({ identity, random });
    for (const id of [1, 2, 3]) server.open(id, 0);
    expect(createDiffieHellman).toHaveBeenCalledTimes(1);
    new V2ServerConnection({ identity, random }).start();
    expect(createDiffieHellman).toHaveBeenCalledTimes(2);

    const keyAgreement = new KeyAgreement().prepare(['modp14']);
    createDiffieHellman.mockClear();
    const given = createV2Server({ identity, random, keyAgreement });
    for (const id of [1, 2, 3]) given.open(id, 0);
    new V2ServerConnection({ identity, random, keyAgreement }).start();
    expect(createDiffieHellman).not.toHaveBeenCalled();
  });

  it("is the connection's own unless it is given one, on both sides of both profiles", () => {
    const keyAgreement = new KeyAgreement().prepare(['modp14']);
    createDiffieHellman.mockClear();
    const shake = (shared: KeyAgreement | undefined) => {
      const random = crypto.randomBytes;
      const legacyServer = new LegacyServerConnection({ random, keyAgreement: shared });
      const legacyClient = new LegacyClientConnection({ random, clock: () => 0, keyAgreement: shared });
      legacyServer.start('date');
      legacyClient.receive(legacyServer.takeOutput());
      legacyServer.receive(legacyClient.takeOutput());
      const identity = identityFromSeed(Buffer.alloc(32, 1));
      const keyPairs = (group: V2Group) => keyAgreement.generateKeyPair(group, random);
      const v2Server = new V2ServerConnection({ identity, random, groups: ['modp14'], keyPairs });
      const v2Client = new V2ClientConnection({ random, groups: ['modp14'], keyAgreement: shared });
      v2Server.start();
      v2Client.receive(v2Server.takeOutput());
      const events = v2Server.receive(v2Client.takeOutput());
      v2Client.receive(v2Server.takeOutput());
      // Both servers took the clients' shares; the clients agreed on the servers' without an error.
      expect([legacyServer.secured, v2Server.secured]).toEqual([true, true]);
      expect([legacyClient.state, v2Client.state]).not.toContain('ERROR');
      expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    };
    shake(keyAgreement);
    expect(createDiffieHellman).not.toHaveBeenCalled();
    shake(undefined);
    expect(createDiffieHellman).toHaveBeenCalledTimes(3); // the legacy server, the two clients
  });
});

describe('x25519 keys: imported once, when the pair is made (key-agreement.ts)', () => {
  const keyAgreement = new KeyAgreement();

  it('agrees with the key the pair imported, importing nothing more', () => {
    const a = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 1));
    const b = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 2));
    expect(createPrivateKey).toHaveBeenCalledTimes(2);
    computeSharedSecret(a, b.share);
    expect(createPrivateKey).toHaveBeenCalledTimes(2);
  });

  it('imports the private key for a pair that comes without it', () => {
    const a = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 1));
    const b = keyAgreement.keyPairFromPrivate('x25519', Buffer.alloc(32, 2));
    createPrivateKey.mockClear();
    const z = computeSharedSecret(
      { group: 'x25519', privateKey: a.privateKey, share: a.share, agreement: keyAgreement },
      b.share,
    );
    expect(createPrivateKey).toHaveBeenCalledTimes(1);
    expect(z.equals(computeSharedSecret(a, b.share))).toBe(true);
  });
});

describe('record keys as KeyObjects only when asked (record-layer.ts)', () => {
  const keys = { key: Buffer.alloc(32, 7), iv: Buffer.alloc(12, 9) };

  it('holds the key as its bytes by default', () => {
    new RecordSealer(keys).seal(Buffer.from('{}'));
    new RecordOpener(keys);
    expect(createSecretKey).not.toHaveBeenCalled();
  });

  it('makes one KeyObject per direction when asked, and seals the same records', () => {
    const plain = new RecordSealer(keys, false).seal(Buffer.from('{}'));
    expect(createSecretKey).not.toHaveBeenCalled();
    const sealed = new RecordSealer(keys, true).seal(Buffer.from('{}'));
    new RecordOpener(keys, true);
    expect(createSecretKey).toHaveBeenCalledTimes(2);
    expect(sealed.equals(plain)).toBe(true);
  });
});

describe('the plain pong: read without JSON.parse (fast-paths.ts)', () => {
  it('reads a pong in the spelling every client uses without the JSON parser', () => {
    const parse = vi.spyOn(JSON, 'parse');
    for (const n of ['0', '7', '10', '1800000000000', String(Number.MAX_SAFE_INTEGER)]) {
      expect(plainPong(Buffer.from(`{"type":"pong","n":${n}}`))).toEqual({
        type: 'pong',
        n: Number(n),
      });
    }
    expect(parse).not.toHaveBeenCalled();
  });

  it.each([
    ['another spelling', '{"type":"pong", "n":7}'],
    ['another key order', '{"n":7,"type":"pong"}'],
    ['an exponent', '{"type":"pong","n":1e3}'],
    ['a leading zero', '{"type":"pong","n":07}'],
    ['no digits', '{"type":"pong","n":}'],
    ['no closing brace', '{"type":"pong","n":12 '],
    ['a sign', '{"type":"pong","n":-1}'],
    ['a number past 2^53 - 1', '{"type":"pong","n":9007199254740992}'],
    ['more digits than 2^53 - 1 has', '{"type":"pong","n":12345678901234567}'],
    ['a lookalike type', '{"type":"ponG","n":7}'],
    ['a colon for a digit', '{"type":"pong","n":1:}'],
    ['a slash for a digit', '{"type":"pong","n":1/}'],
  ])('leaves %s to the JSON parser', (_, text) => {
    expect(plainPong(Buffer.from(text))).toBeNull();
    const parse = vi.spyOn(JSON, 'parse');
    try {
      parseClientPacket(Buffer.from(text));
    } catch {
      // refused by the full path: what matters here is that the full path read it
    }
    expect(parse).toHaveBeenCalledTimes(1);
  });
});
