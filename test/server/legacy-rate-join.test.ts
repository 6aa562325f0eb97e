/**
 * A legacy `setuser` the rate limit drops (spec 10.2, 7.8; decision L1): the protocol has no reply
 * for it, so the reference server closes the connection (RATE_EXCEEDED in its log) rather than
 * leave the original client waiting for approved_conn or username_taken for ever.
 */
import { describe, expect, it } from 'vitest';
import { legacyDecrypt } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { legacyPacket, sealLegacyBody, serializeLegacyPacket } from '../../src/legacy/legacy-packet.js';
import type { LegacyTestClient } from '../support/tcp-client.js';
import { TEST_TIMEOUT_MS, useHarness } from './helpers.js';

/**
 * Both setusers in one write, so that the server handles them in one read, at one `now`. They are
 * sealed by hand: the client endpoint allows one setuser at a time, and the replies the test
 * expects would be out of turn for it, so they are read from the frames the client recorded.
 */
function sendSetusers(client: LegacyTestClient, names: readonly string[]): void {
  const frames = names.map((name) =>
    encodeFrame(
      sealLegacyBody(
        serializeLegacyPacket(legacyPacket('setuser', 'temp', name, 'date'), true),
        client.cipher,
      ),
    ),
  );
  client.write(Buffer.concat(frames));
}

/** The typ of every encrypted packet the client received (the frames after iv_exc and key_exc). */
function typesReceived(client: LegacyTestClient): string[] {
  return client.frames.slice(2).map((frame) => {
    const plain = legacyDecrypt(client.cipher.key, client.cipher.iv, frame.body.toString('latin1'));
    return (JSON.parse(plain.toString('utf8')) as { typ: string }).typ;
  });
}

/** Resolves once the client has received `count` encrypted packets (fails if it closes first). */
function received(client: LegacyTestClient, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (client.frames.length - 2 < count) return;
      client.socket.off('data', check);
      resolve(typesReceived(client));
    };
    client.socket.on('data', check);
    void client.closed.then(() => reject(new Error(`closed after ${typesReceived(client).join(', ')}`)));
    check();
  });
}

describe('reference server, legacy: a setuser dropped by the rate limit', {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  const h = useHarness();

  it('closes the connection with RATE_EXCEEDED in the log; the room is untouched', async () => {
    // A bucket of 3 tokens refilled at 1 a second: the first setuser (2 tokens) is answered, the
    // second, in the same read, finds 1 token and is dropped.
    const server = await h.start({ profile: 'legacy', limits: { rateBurst: 3, ratePerSecond: 1 } });
    const alice = await h.legacy(server, 'alice');
    await alice.waitFor('client_list_update_add');
    const bob = await h.legacy(server);
    await bob.ready;
    sendSetusers(bob, ['alice', 'bob']);
    await bob.closed;
    expect(typesReceived(bob)).toEqual(['username_taken']);
    const line = await server.waitForLog(/: RATE_EXCEEDED\b/);
    expect(line).toMatch(/conn \d+: RATE_EXCEEDED/);
    // Nobody joined: the name bob is still free, and alice's first list with bob in it is carol's.
    const carol = await h.legacy(server);
    expect(await carol.tryJoin('bob')).toMatchObject({ typ: 'approved_conn' });
    await alice.waitFor('client_list_update_add', (p) => p.cont.length > 0);
    expect(alice.packets('client_list_update_add').map((p) => p.cont)).toEqual([[], ['bob']]);
  });

  it('answers a second setuser that finds enough tokens (no close when nothing is dropped)', async () => {
    const server = await h.start({ profile: 'legacy', limits: { rateBurst: 4, ratePerSecond: 1 } });
    await h.legacy(server, 'alice');
    const bob = await h.legacy(server);
    await bob.ready;
    sendSetusers(bob, ['alice', 'bob']);
    expect(await received(bob, 3)).toEqual(['username_taken', 'approved_conn', 'client_list_update_add']);
    expect(server.logs.some((l) => l.includes('RATE_EXCEEDED'))).toBe(false);
  });
});
