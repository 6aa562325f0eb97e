import { describe, expect, it } from 'vitest';
import { createLegacyServer } from '../src/chat/legacy-dialect.js';
import { createV2Server } from '../src/chat/v2-dialect.js';
import { identityFromSeed } from '../src/crypto/identity.js';
import { LegacyClientConnection } from '../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../src/session/v2-client-connection.js';
import { MemoryNet } from './support/memory-net.js';
import { seededRandom } from './support/seeded-random.js';

describe('smoke', () => {
  it('two v2 clients join and chat', () => {
    const identity = identityFromSeed(Buffer.alloc(32, 9));
    const server = createV2Server({ identity, random: seededRandom('server') });
    const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
    const a = new V2ClientConnection({ random: seededRandom('a') });
    const b = new V2ClientConnection({ random: seededRandom('b'), groups: ['modp14'] });
    const ia = net.connect(a);
    const ib = net.connect(b);
    expect(a.state).toBe('READY');
    expect(b.state).toBe('READY');
    a.join('alice');
    b.join('bob');
    net.settle();
    a.say('hello');
    net.settle();
    const seen = net
      .take(ib)
      .filter((e) => e.kind === 'packet')
      .map((e) => (e as { packet: { type: string } }).packet.type);
    expect(seen).toEqual(['join_ok', 'message']);
    console.log(net.take(ia));
    net.hangUp(ia);
    console.log(net.take(ib), net.logs);
  });
  it('legacy clients', () => {
    const server = createLegacyServer({ random: seededRandom('server') });
    const net = new MemoryNet<unknown>(server as never);
    const a = new LegacyClientConnection({ random: seededRandom('a'), clock: () => 0 });
    const b = new LegacyClientConnection({ random: seededRandom('b'), clock: () => 0 });
    const ia = net.connect(a);
    const ib = net.connect(b);
    a.join('alice');
    net.settle();
    b.join('alice');
    net.settle();
    b.join('bob');
    net.settle();
    a.say('hi there');
    net.settle();
    console.log(JSON.stringify(net.take(ib)), JSON.stringify(net.take(ia)));
  });
});
