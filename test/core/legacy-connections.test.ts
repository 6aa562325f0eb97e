/**
 * The legacy connection endpoints (spec 8-10, 13.3, 13.4) beyond the recorded session: what the
 * original server does that a Parley client must tolerate (frames under the key of `None`, `null`
 * in lists), and what a Parley endpoint refuses that the original accepted.
 */
import { describe, expect, it } from 'vitest';
import { LEGACY_NONE_KEY } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import {
  decodeLegacyRecord,
  encodeLegacyBody,
  type LegacyPacket,
  legacyPacket,
  parseLegacyPacket,
} from '../../src/legacy/legacy-packet.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

const DATE = '2026-11-27 13:54:32.854813';

function frames(bytes: Buffer): Buffer[] {
  const d = new FrameDecoder();
  d.push(bytes);
  return d.drain().map((f) => Buffer.concat([f.header, f.body]));
}

const errorCode = (events: readonly { kind: string }[]) =>
  (events.find((e) => e.kind === 'error') as { error: { code: string } } | undefined)?.error.code ?? null;

/** A started server and a client that has read its iv_exc (and, if `key`, its key_exc). */
function started(key: boolean) {
  const server = new LegacyServerConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('server'),
  });
  const client = new LegacyClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('client'),
    clock: () => 0,
  });
  server.start(DATE);
  const [ivFrame, keyFrame] = frames(server.takeOutput());
  const iv = Buffer.from(parseLegacyPacket(ivFrame.subarray(10)).cont as string, 'base64');
  client.receive(ivFrame);
  if (key) {
    client.receive(keyFrame);
    server.receive(client.takeOutput());
  }
  return { server, client, iv, keyFrame };
}

const underNone = (packet: LegacyPacket, iv: Buffer) =>
  encodeFrame(encodeLegacyBody(packet, { key: LEGACY_NONE_KEY, iv }));

describe('LegacyClientConnection tolerates the original server', () => {
  it('ignores a list update under the None key that arrives before key_exc', () => {
    const { client, iv, keyFrame } = started(false);
    const early = legacyPacket('client_list_update_add', '*server*', ['alice', null], DATE);
    expect(client.receive(underNone(early, iv))).toEqual([]);
    expect(client.state).toBe('AWAIT_KEY');
    client.receive(keyFrame);
    expect(client.state).toBe('READY');
  });

  it('accepts a list update under the None key after its own key_exc, with null in the list', () => {
    const { client, iv } = started(true);
    const early = legacyPacket('client_list_update_add', '*server*', ['alice', null], DATE);
    expect(client.receive(underNone(early, iv))).toEqual([{ kind: 'packet', packet: early }]);
    expect(client.state).toBe('READY');
  });

  it('refuses a record that decrypts under neither key with PACKET_MALFORMED', () => {
    const { client } = started(true);
    expect(errorCode(client.receive(encodeFrame(Buffer.from('QUJD'.repeat(5)))))).toBe('PACKET_MALFORMED');
  });

  it('refuses a handshake frame that is neither JSON nor a None-key record', () => {
    const { client } = started(false);
    expect(errorCode(client.receive(encodeFrame('garbage!!!')))).toBe('PACKET_MALFORMED');
    const fresh = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('c'),
      clock: () => 0,
    });
    expect(errorCode(fresh.receive(encodeFrame('QUJDRA==')))).toBe('PACKET_MALFORMED');
  });

  it.each([
    ['an IV of the wrong size', 'AAAA'],
    ['a list instead of an IV', ['x']],
  ])('refuses iv_exc with %s (PACKET_MALFORMED)', (_label, cont) => {
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('c'),
      clock: () => 0,
    });
    const frame = encodeFrame(encodeLegacyBody(legacyPacket('iv_exc', '*server*', cont, DATE)));
    expect(errorCode(client.receive(frame))).toBe('PACKET_MALFORMED');
  });

  it.each(['0', '1', 'not a number'])(
    'refuses a server public value of %j (PUBLIC_VALUE_INVALID)',
    (cont) => {
      const { client } = started(false);
      const frame = encodeFrame(encodeLegacyBody(legacyPacket('key_exc', '*server*', cont, DATE)));
      expect(errorCode(client.receive(frame))).toBe('PUBLIC_VALUE_INVALID');
      expect(client.takeOutput().length).toBe(0);
    },
  );

  it('dates its packets with the injected clock, as Python prints them', () => {
    const server = new LegacyServerConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('server'),
    });
    const at = new Date(2026, 10, 27, 14, 0, 1, 500).getTime();
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('client'),
      clock: () => at,
    });
    server.start(DATE);
    client.receive(server.takeOutput());
    const [reply] = frames(client.takeOutput());
    expect(parseLegacyPacket(reply.subarray(10)).date).toBe('2026-11-27 14:00:01.500000');
  });

  it('closes on goodbye() without a word, and then ignores the end of the stream', () => {
    const { client } = started(true);
    client.goodbye();
    expect(client.state).toBe('CLOSED');
    expect(client.takeOutput().length).toBe(0);
    expect(client.receiveEnd()).toEqual([]);
  });
});

describe('LegacyServerConnection', () => {
  function keyed() {
    const server = new LegacyServerConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('server'),
      maxFrame: 4096,
    });
    const raw = new RawLegacyClient();
    server.start(DATE);
    raw.receive(server.takeOutput());
    expect(server.secured).toBe(false);
    server.receive(raw.takeOutput());
    expect(server.secured).toBe(true);
    return { server, raw };
  }

  it('queues nothing for a connection whose key exchange has not ended', () => {
    const server = new LegacyServerConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('server'),
    });
    server.start(DATE);
    server.takeOutput();
    server.send(legacyPacket('default', '*server*', 'hi', DATE));
    expect(server.pendingBytes).toBe(0);
  });

  it('reports an unknown typ as default (10.3)', () => {
    const { server, raw } = keyed();
    raw.send(legacyPacket('setuser', 'temp', 'alice', DATE));
    server.receive(raw.takeOutput());
    server.acceptJoin(DATE);
    raw.send(legacyPacket('dance', 'alice', 'hey', DATE));
    const [event] = server.receive(raw.takeOutput());
    expect(event).toEqual({
      kind: 'packet',
      packet: expect.objectContaining({ typ: 'default', cont: 'hey' }),
    });
  });

  it('holds what follows a setuser in the same read until the verdict, then resumeHeld hands it on (13.3)', () => {
    const { server, raw } = keyed();
    raw.send(legacyPacket('setuser', 'temp', 'alice', DATE));
    raw.send(legacyPacket('default', 'alice', 'hi', DATE));
    expect(server.receive(raw.takeOutput()).map((e) => e.kind === 'packet' && e.packet.typ)).toEqual([
      'setuser',
    ]);
    expect(server.resumeHeld()).toEqual([]); // no verdict yet
    server.acceptJoin(DATE);
    expect(server.resumeHeld()).toEqual([
      { kind: 'packet', packet: expect.objectContaining({ typ: 'default', cont: 'hi' }) },
    ]);
    expect(server.resumeHeld()).toEqual([]);
  });

  it('refuses a list where a string belongs (PACKET_MALFORMED)', () => {
    const { server, raw } = keyed();
    raw.send(legacyPacket('setuser', 'temp', ['alice'], DATE));
    expect(errorCode(server.receive(raw.takeOutput()))).toBe('PACKET_MALFORMED');
    const fresh = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('s2') });
    fresh.start(DATE);
    const keyList = encodeFrame(encodeLegacyBody(legacyPacket('key_exc', 'temp', ['1'], DATE)));
    expect(errorCode(fresh.receive(keyList))).toBe('PACKET_MALFORMED');
  });

  it('refuses a client public value the original would have taken (PUBLIC_VALUE_INVALID)', () => {
    const server = new LegacyServerConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('server'),
    });
    server.start(DATE);
    const frame = encodeFrame(encodeLegacyBody(legacyPacket('key_exc', 'temp', '1', DATE)));
    expect(errorCode(server.receive(frame))).toBe('PUBLIC_VALUE_INVALID');
  });

  it('refuses a frame over its maxFrame (FRAME_TOO_LARGE)', () => {
    const { server } = keyed();
    expect(errorCode(server.receive(Buffer.from('5000      ')))).toBe('FRAME_TOO_LARGE');
  });

  it('treats an end between frames as a clean close and one inside a frame as FRAME_TRUNCATED', () => {
    const a = keyed();
    expect(a.server.receiveEnd()).toEqual([{ kind: 'closed', clean: true }]);
    expect(a.server.state).toBe('CLOSED');
    const b = keyed();
    b.server.receive(Buffer.from('12        abc'));
    expect(errorCode(b.server.receiveEnd())).toBe('FRAME_TRUNCATED');
  });

  it('encrypts each packet under the connection key, decodable by the client', () => {
    const { server, raw } = keyed();
    server.send(legacyPacket('default', '*server*', 'hello', DATE));
    const [frame] = frames(server.takeOutput());
    expect(decodeLegacyRecord(frame.subarray(10), raw.cipher!).cont).toBe('hello');
  });
});
