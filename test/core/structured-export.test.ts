/**
 * The feature structured-export (5.8, 7.7): an export's join and leave entries by their fields for
 * a client that agreed it, in the 2.0 form (from, English text) for one that did not.
 */
import { describe, expect, it } from 'vitest';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2_FEATURE_NAMES } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));

function exportOf(features: readonly string[]) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('structured server'),
  });
  const n = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const join = (name: string, wanted: readonly string[] = []) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`structured ${name}`),
      features: wanted,
    });
    const id = n.connect(client);
    client.join(name);
    n.settle();
    return { client, id };
  };
  join('ann');
  const bob = join('bob');
  bob.client.say('hello');
  n.settle();
  n.hangUp(bob.id);
  n.settle();
  const asker = join('cat', features);
  n.take(asker.id);
  asker.client.requestExport();
  n.settle();
  const packets = n.take(asker.id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  return packets.flatMap((p: V2ServerPacket) => (p.type === 'export_reply' ? p.entries : []));
}

describe('structured-export (5.8, 7.7)', () => {
  it('is in the registry, so the reference server offers it', () => {
    expect(V2_FEATURE_NAMES).toContain('structured-export');
  });

  it('gives a client that agreed it join and leave entries by name and reason, without prose', () => {
    const entries = exportOf(['structured-export']);
    expect(entries.filter((e) => e.kind !== 'message').map(({ ts: _ts, ...e }) => e)).toEqual([
      { kind: 'join', name: 'ann' },
      { kind: 'join', name: 'bob' },
      { kind: 'leave', name: 'bob', reason: 'lost' },
      { kind: 'join', name: 'cat' },
    ]);
    expect(entries.find((e) => e.kind === 'message')).toMatchObject({ from: 'bob', text: 'hello' });
  });

  it('gives a 2.0 client (no features) the 2.0 form', () => {
    const entries = exportOf([]);
    expect(entries.filter((e) => e.kind !== 'message').map(({ ts: _ts, ...e }) => e)).toEqual([
      { kind: 'join', from: 'ann', text: 'ann joined' },
      { kind: 'join', from: 'bob', text: 'bob joined' },
      { kind: 'leave', from: 'bob', text: 'bob left' },
      { kind: 'join', from: 'cat', text: 'cat joined' },
    ]);
  });
});
