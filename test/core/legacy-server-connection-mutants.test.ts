/**
 * The legacy server endpoint (spec 8-10, 13.3) at the edges mutation testing (issue 22) found
 * unpinned: the frame limit before and after the key exchange (3.2, maxHandshakeFrame), what each
 * refusal says, which machine a refusal names, and nothing queued once the connection is over.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LIMITS } from '../../src/generated/constants.js';
import { encodeLegacyBody, legacyPacket } from '../../src/legacy/legacy-packet.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

const DATE = '2026-12-06 18:00:00.000000';

function server(options: { maxFrame?: number; maxHandshakeFrame?: number } = {}) {
  const s = new LegacyServerConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('legacy server mutants'),
    ...options,
  });
  s.start(DATE);
  return s;
}

function keyed(options: { maxFrame?: number; maxHandshakeFrame?: number } = {}) {
  const s = server(options);
  const raw = new RawLegacyClient();
  raw.receive(s.takeOutput());
  s.receive(raw.takeOutput());
  expect(s.secured).toBe(true);
  return { server: s, raw };
}

function failure(events: readonly { kind: string }[]): { code: string; message: string } | null {
  const error = events.find((e) => e.kind === 'error') as
    | { error: { code: string; message: string } }
    | undefined;
  return error ? { code: error.error.code, message: error.error.message } : null;
}

/** A frame header announcing `bytes` of body (the body itself need not follow). */
const announce = (bytes: number) => Buffer.from(String(bytes).padEnd(10, ' '));

describe('legacy server: frame limits (3.2)', () => {
  it('before the key exchange takes frames up to maxHandshakeFrame only', () => {
    expect(failure(server().receive(announce(LIMITS.maxHandshakeFrame)))).toBeNull();
    expect(failure(server().receive(announce(LIMITS.maxHandshakeFrame + 1)))?.code).toBe('FRAME_TOO_LARGE');
  });

  it('takes the smaller of maxHandshakeFrame and maxFrame, each as given', () => {
    expect(failure(server({ maxHandshakeFrame: 300 }).receive(announce(300)))).toBeNull();
    expect(failure(server({ maxHandshakeFrame: 300 }).receive(announce(301)))?.code).toBe('FRAME_TOO_LARGE');
    expect(failure(server({ maxHandshakeFrame: 300, maxFrame: 200 }).receive(announce(200)))).toBeNull();
    expect(failure(server({ maxHandshakeFrame: 300, maxFrame: 200 }).receive(announce(201)))?.code).toBe(
      'FRAME_TOO_LARGE',
    );
  });

  it('after the key exchange takes frames up to maxFrame', () => {
    const big = LIMITS.maxHandshakeFrame + 100;
    expect(failure(keyed({ maxFrame: big }).server.receive(announce(big)))).toBeNull();
    expect(failure(keyed({ maxFrame: big }).server.receive(announce(big + 1)))?.code).toBe('FRAME_TOO_LARGE');
    expect(failure(keyed().server.receive(announce(LIMITS.maxFrame)))).toBeNull();
    expect(failure(keyed().server.receive(announce(LIMITS.maxFrame + 1)))?.code).toBe('FRAME_TOO_LARGE');
  });
});

describe('legacy server refusals say what was wrong', () => {
  it('names the legacy server machine when a packet comes out of turn (13.3)', () => {
    const frame = encodeFrame(encodeLegacyBody(legacyPacket('setuser', 'temp', 'alice', DATE)));
    expect(failure(server().receive(frame))).toEqual({
      code: 'PACKET_UNEXPECTED',
      message: 'legacy server: setuser is not allowed in state AWAIT_KEY_EXC (spec 13.3)',
    });
  });

  it('says which cont must be a string', () => {
    const keyList = encodeFrame(encodeLegacyBody(legacyPacket('key_exc', 'temp', ['1'], DATE)));
    expect(failure(server().receive(keyList))).toEqual({
      code: 'PACKET_MALFORMED',
      message: 'key_exc cont must be a string',
    });
    const { server: s, raw } = keyed();
    raw.send(legacyPacket('setuser', 'temp', ['alice'], DATE));
    expect(failure(s.receive(raw.takeOutput()))).toEqual({
      code: 'PACKET_MALFORMED',
      message: 'setuser cont must be a string',
    });
  });
});

describe('legacy server: nothing goes out once the connection is over', () => {
  it('queues no packet after goodbye or a fatal error', () => {
    const a = keyed();
    a.server.goodbye();
    expect(a.server.state).toBe('CLOSED');
    a.server.send(legacyPacket('default', '*server*', 'late', DATE));
    expect(a.server.pendingBytes).toBe(0);

    const b = keyed();
    b.server.receive(announce(LIMITS.maxFrame + 1));
    expect(b.server.state).toBe('ERROR');
    b.server.send(legacyPacket('default', '*server*', 'late', DATE));
    expect(b.server.pendingBytes).toBe(0);
  });

  it('hands a setuser on as read, and a refused name waits for another setuser (13.3)', () => {
    const { server: s, raw } = keyed();
    raw.send(legacyPacket('setuser', 'temp', 'alice', DATE));
    const [join] = s.receive(raw.takeOutput());
    expect(join).toEqual({
      kind: 'packet',
      packet: expect.objectContaining({ typ: 'setuser', cont: 'alice' }),
    });
    s.refuseJoin(DATE);
    expect(s.state).toBe('AWAIT_SETUSER');
  });
});
