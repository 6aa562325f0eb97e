/**
 * Frames before the handshake (spec 3.2, maxHandshakeFrame): a connection that has no keys yet may
 * announce at most maxHandshakeFrame bytes, refused on the length header whether it comes whole or
 * a byte at a time; once the handshake frame is handled, maxFrame applies, even to a frame that
 * arrived in the same read.
 */
import { describe, expect, it } from 'vitest';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { encodeFrame, encodeHeader } from '../../src/framing/frame-codec.js';
import { LIMITS } from '../../src/generated/constants.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { RawLegacyClient } from './helpers.js';

const HS = LIMITS.maxHandshakeFrame;

/** A client that sends nothing by itself: the test injects its bytes. */
const silent = (receive: (b: Uint8Array) => unknown[] = () => []) => ({
  receive,
  receiveEnd: () => [],
  takeOutput: () => Buffer.alloc(0),
});

const servers: Record<string, () => ChatServer<unknown>> = {
  v2: () =>
    createV2Server({
      keyAgreement: testKeyAgreement,
      identity: identityFromSeed(Buffer.alloc(32, 3)),
      random: seededRandom('hs'),
    }) as never,
  legacy: () => createLegacyServer({ keyAgreement: testKeyAgreement, random: seededRandom('hs') }) as never,
};

const closedWith = (net: MemoryNet<unknown>, id: number) =>
  net.logs.find((l) => l.includes(`conn ${id}: closed:`)) ?? null;

describe.each(Object.keys(servers))('%s: frames before the handshake (3.2 maxHandshakeFrame)', (name) => {
  it('refuses a longer header, whole, before any body byte', () => {
    const net = new MemoryNet<unknown>(servers[name]());
    const id = net.connect(silent());
    net.inject(id, encodeHeader(HS + 1));
    expect(closedWith(net, id)).toContain('FRAME_TOO_LARGE');
    expect(net.clients.get(id)!.closed).toBe(true);
  });

  it('refuses it a byte at a time, at the digit that passes the limit', () => {
    const net = new MemoryNet<unknown>(servers[name]());
    const id = net.connect(silent());
    const header = encodeHeader(LIMITS.maxFrame); // allowed after the handshake, not before
    let at = -1;
    for (let i = 0; i < header.length && at < 0; i++) {
      net.inject(id, header.subarray(i, i + 1));
      if (net.clients.get(id)!.closed) at = i;
    }
    expect(closedWith(net, id)).toContain('FRAME_TOO_LARGE');
    expect(at).toBe(3); // "6553" already passes 4096: refused at the fourth digit
  });

  it('accepts a body of exactly maxHandshakeFrame on the length check', () => {
    const net = new MemoryNet<unknown>(servers[name]());
    const id = net.connect(silent());
    net.inject(id, encodeFrame(Buffer.alloc(HS, 0x20)));
    // Not valid JSON: refused by the parser, not by the length.
    expect(closedWith(net, id)).not.toContain('FRAME_TOO_LARGE');
  });
});

describe('after the handshake frame, maxFrame applies, in the same read too', () => {
  it('v2: a client_hello then a larger frame in one chunk', () => {
    const net = new MemoryNet<unknown>(servers.v2());
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('hs client'),
    });
    const id = net.connect(silent((b) => client.receive(b)));
    const hello = client.takeOutput();
    expect(hello.length).toBeGreaterThan(0);
    net.inject(id, Buffer.concat([hello, encodeFrame(Buffer.alloc(HS * 2, 1))]));
    const closed = closedWith(net, id);
    expect(closed).not.toBeNull(); // the junk record fails to open...
    expect(closed).not.toContain('FRAME_TOO_LARGE'); // ...but its length was allowed
  });

  it('legacy: a key_exc then a larger frame in one chunk', () => {
    const net = new MemoryNet<unknown>(servers.legacy());
    const raw = new RawLegacyClient('hs legacy');
    const id = net.connect(silent((b) => raw.receive(b)));
    const keyExc = raw.takeOutput();
    expect(keyExc.length).toBeGreaterThan(0);
    expect(keyExc.length).toBeLessThan(HS);
    net.inject(id, Buffer.concat([keyExc, encodeFrame(Buffer.alloc(HS * 2, 0x41))]));
    const closed = closedWith(net, id);
    expect(closed).not.toBeNull();
    expect(closed).not.toContain('FRAME_TOO_LARGE');
  });
});
