/**
 * V2ServerConnection behaviour that mutation testing (issue 22) found unpinned: the handshake
 * frame limit under a small maxFrame (3.2), and shedding only as many chat lines as the target
 * asks (11, slow readers).
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { identityFromSeed, RawV2Client } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 3));

const errorCodes = (events: readonly { kind: string; error?: { code: string } }[]) =>
  events.flatMap((e) => (e.kind === 'error' && e.error ? [e.error.code] : []));

describe('v2 server: the first frame (3.2)', () => {
  /** A server connection past its start whose maxFrame (1024) is below maxHandshakeFrame. */
  function smallFrames(): V2ServerConnection {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('small'),
      limits: { maxFrame: 1024, maxHandshakeFrame: 4096 },
    });
    server.start();
    server.takeOutput();
    return server;
  }

  it('takes at most the smaller of maxHandshakeFrame and maxFrame before keys exist', () => {
    const server = smallFrames();
    expect(errorCodes(server.receive(encodeFrame(Buffer.alloc(1025, 0x20))))).toEqual(['FRAME_TOO_LARGE']);
    expect(server.state).toBe('ERROR');
  });

  it('reads a first frame of exactly that size (then finds it is no client_hello)', () => {
    const server = smallFrames();
    const codes = errorCodes(server.receive(encodeFrame(Buffer.alloc(1024, 0x20))));
    expect(codes).toHaveLength(1);
    expect(codes).not.toContain('FRAME_TOO_LARGE');
  });
});

describe('v2 server: shedding chat lines (11)', () => {
  /** A joined server connection with nothing queued. */
  function joined(limits?: { maxFrame: number }): { server: V2ServerConnection; client: RawV2Client } {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('shed server'),
      limits,
    });
    server.start();
    const client = new RawV2Client('x25519', 'shed client');
    server.receive(client.hello(server.takeOutput()));
    server.receive(client.seal({ type: 'join', name: 'alice' }));
    server.acceptJoin('alice', ['alice']);
    client.open(server.takeOutput());
    expect(server.state).toBe('JOINED');
    return { server, client };
  }
  const line = (from: string, text: string, id: number) =>
    encodeV2Packet({ type: 'message', id, from, text, ts: 1 });

  it('drops the oldest chat lines until the target is met, and nothing else', () => {
    const { server, client } = joined();
    server.sendEncoded(line('bob', 'one', 1), 'message');
    server.sendEncoded(encodeV2Packet({ type: 'user_joined', name: 'carol', ts: 1 }), 'user_joined');
    server.sendEncoded(line('bob', 'two', 2), 'message');
    server.sendEncoded(line('bob', 'three', 3), 'message');
    expect(server.shed(server.pendingBytes)).toBe(0);
    expect(server.shed(server.pendingBytes - 1)).toBe(1);
    expect(client.open(server.takeOutput())).toEqual([
      { type: 'user_joined', name: 'carol', ts: 1 },
      { type: 'message', id: 2, from: 'bob', text: 'two', ts: 1 },
      { type: 'message', id: 3, from: 'bob', text: 'three', ts: 1 },
    ]);
  });

  it('seals everything waiting when it fits the window, though the records take it past (11.3)', () => {
    const { server, client } = joined({ maxFrame: 1024 });
    // Two senders' lines, alternating, three to a record, then one short line in a record of its
    // own: the records' own bytes (separators, tags) before it are more than it.
    const message = (id: number, text: string) =>
      ({ type: 'message', id, from: id % 2 === 0 ? 'bob' : 'eve', text, ts: 1 }) as const;
    const size = Math.floor((server.coalesceLimit - 2) / 3);
    const pad = size - encodeV2Packet(message(10, '')).length;
    const sent = [
      ...Array.from({ length: 18 }, (_, i) => message(10 + i, 'x'.repeat(pad))),
      message(28, 'hi'),
    ];
    for (const packet of sent) server.sendEncoded(encodeV2Packet(packet), 'message', packet.id % 2);
    // The window is exactly what waits: all of it is sealed at once, in the server's order, and
    // nothing is left unsealed to shed.
    const first = server.takeOutput(server.pendingBytes);
    expect(server.shed(0)).toBe(0);
    expect(client.open(Buffer.concat([first, server.takeOutput()]))).toEqual(sent);
  });

  it('cuts an error message that quotes the client where the error would not fit maxFrame (11.1)', () => {
    const { server, client } = joined({ maxFrame: 1024 });
    // An unknown key of 150 control characters: 900 bytes escaped, so the input fits 1024, and
    // the schema's complaint, which quotes the key, would not.
    const key = '\u0001'.repeat(150);
    const input = client.seal({ type: 'say', text: 'hi', [key]: 1 });
    expect(input.length).toBeLessThanOrEqual(1024 + 10);
    server.receive(input);
    const out = server.takeOutput();
    const body = out.length - 10;
    expect(body).toBeLessThanOrEqual(1024);
    const [error] = client.open(out);
    expect(error).toMatchObject({ type: 'error', code: 'PACKET_MALFORMED', fatal: true });
    const message = (error as { message: string }).message;
    expect(message.endsWith('…')).toBe(true);
    expect(message).toContain('\u0001'.repeat(10));
    // Cut no shorter than it must be: one more character would not fit.
    expect(body).toBeGreaterThan(1024 - 6 - 3);
  });

  it('keeps every packet that is not a chat line, however far over the target', () => {
    const { server, client } = joined();
    server.sendEncoded(line('bob', 'one', 1), 'message');
    server.send({ type: 'user_left', name: 'carol', reason: 'quit', ts: 2 });
    server.sendEncoded(
      encodeV2Packet({ type: 'action', id: 2, from: 'bob', text: 'waves', ts: 2 }),
      'action',
    );
    expect(server.shed(0)).toBe(2);
    expect(client.open(server.takeOutput())).toEqual([
      { type: 'user_left', name: 'carol', reason: 'quit', ts: 2 },
    ]);
  });
});
