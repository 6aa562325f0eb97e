/**
 * The legacy client endpoint (spec 8-10, 13.4) at the edges mutation testing (issue 22) found
 * unpinned: what each refusal says (the user reads it), which machine a refusal names, a read that
 * stops at the first refused frame, and a None-key record told apart from a record that decrypts
 * under neither key.
 */
import { describe, expect, it } from 'vitest';
import { LEGACY_NONE_KEY } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { encodeLegacyBody, legacyPacket, parseLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';

const DATE = '2026-12-06 18:00:00.000000';

function client(): LegacyClientConnection {
  return new LegacyClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('legacy client mutants'),
    clock: () => 0,
  });
}

const plain = (typ: string, cont: unknown) =>
  encodeFrame(encodeLegacyBody(legacyPacket(typ, '*server*', cont as string, DATE)));

/** The one error of a read, as code and message (null: none). */
function failure(events: readonly { kind: string }[]): { code: string; message: string } | null {
  const error = events.find((e) => e.kind === 'error') as
    | { error: { code: string; message: string } }
    | undefined;
  return error ? { code: error.error.code, message: error.error.message } : null;
}

/** A client keyed by a Parley legacy server, and the server (READY on the client's side). */
function keyed() {
  const server = new LegacyServerConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('legacy server mutants'),
  });
  const c = client();
  server.start(DATE);
  const bytes = server.takeOutput();
  const decoder = new FrameDecoder();
  decoder.push(bytes);
  const ivFrame = decoder.next()!;
  const iv = Buffer.from(parseLegacyPacket(ivFrame.body).cont as string, 'base64');
  c.receive(bytes);
  server.receive(c.takeOutput());
  expect(c.state).toBe('READY');
  return { server, client: c, iv };
}

describe('legacy client refusals say what was wrong', () => {
  it('names the legacy client machine when a packet comes out of turn (13.4)', () => {
    expect(failure(client().receive(plain('key_exc', '5')))).toEqual({
      code: 'PACKET_UNEXPECTED',
      message: 'legacy client: key_exc is not allowed in state AWAIT_IV (spec 13.4)',
    });
  });

  it('says an iv_exc must carry a string and a 16-byte IV', () => {
    expect(failure(client().receive(plain('iv_exc', ['x'])))).toEqual({
      code: 'PACKET_MALFORMED',
      message: 'iv_exc cont must be a string',
    });
    expect(failure(client().receive(plain('iv_exc', Buffer.alloc(15).toString('base64'))))).toEqual({
      code: 'PACKET_MALFORMED',
      message: 'iv_exc must carry a 16-byte IV',
    });
  });

  it('says a record decrypts to no packet under either key', () => {
    const { client: c } = keyed();
    expect(failure(c.receive(encodeFrame(Buffer.from('QUJD'.repeat(5)))))).toEqual({
      code: 'PACKET_MALFORMED',
      message: 'legacy record does not decrypt to a packet',
    });
  });

  it('reports the end of the stream as the server closing (CONNECTION_LOST)', () => {
    const { client: c } = keyed();
    expect(failure(c.receiveEnd())).toEqual({
      code: 'CONNECTION_LOST',
      message: 'the server closed the connection',
    });
    expect(c.state).toBe('ERROR');
  });

  it('reads no frame after a refused one in the same read', () => {
    const c = client();
    const iv = Buffer.alloc(16, 1).toString('base64');
    const events = c.receive(Buffer.concat([plain('key_exc', '5'), plain('iv_exc', iv)]));
    expect(events.map((e) => e.kind)).toEqual(['error']);
    expect(c.state).toBe('ERROR');
    expect(c.receive(plain('iv_exc', iv))).toEqual([]);
  });
});

describe('legacy client: records under the None key (mitigations)', () => {
  it('hands on a None-key list update after keying, and its own key first', () => {
    const { server, client: c, iv } = keyed();
    const update = legacyPacket('client_list_update_add', '*server*', ['bob'], DATE);
    const none = encodeFrame(encodeLegacyBody(update, { key: LEGACY_NONE_KEY, iv }));
    expect(c.receive(none)).toEqual([{ kind: 'packet', packet: update }]);
    server.send(legacyPacket('default', '*server*', 'hello', DATE));
    expect(c.receive(server.takeOutput())).toEqual([
      { kind: 'packet', packet: expect.objectContaining({ typ: 'default', cont: 'hello' }) },
    ]);
  });
});
