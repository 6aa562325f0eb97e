/**
 * A user list in parts (spec 7.6, 7.16): a client joins `join_ok` or `user_list` packets with
 * `more: true` and the part after them into one packet, names and keys in order, whichever parts
 * carry keys. A real server connection sends the parts; a real client connection reads them.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { handshakePair } from './helpers.js';

/** A joined client and its server connection; `join_ok` is sent by the test. */
function pair() {
  const { server, client } = handshakePair(
    'parts',
    { identity: identityFromSeed(Buffer.alloc(32, 41)) },
    { features: ['client-key'] },
  );
  client.join('ann');
  server.receive(client.takeOutput());
  const packets = () =>
    client.receive(server.takeOutput()).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  return { server, client, packets };
}

const key = (name: string) => ({ name, key: `${name}`.padEnd(12, 'K') });

describe('a user list in parts (7.6)', () => {
  it('is one join_ok to the reader, keys only in a later part included', () => {
    const { server, packets } = pair();
    server.acceptJoin('ann', ['ann', 'bob'], undefined, true);
    server.send({ type: 'user_list', users: ['cat'], keys: [key('cat')], more: true });
    server.send({ type: 'user_list', users: ['dan', 'eve'], keys: [key('eve')] });
    const got: V2ServerPacket[] = packets();
    expect(got).toEqual([
      {
        type: 'join_ok',
        name: 'ann',
        users: ['ann', 'bob', 'cat', 'dan', 'eve'],
        keys: [key('cat'), key('eve')],
      },
    ]);
  });

  it('passes a whole list and the packets after it as they come', () => {
    const { server, packets } = pair();
    server.acceptJoin('ann', ['ann']);
    server.send({ type: 'user_list', users: ['ann', 'bob'] });
    expect(packets()).toEqual([
      { type: 'join_ok', name: 'ann', users: ['ann'] },
      { type: 'user_list', users: ['ann', 'bob'] },
    ]);
  });
});
