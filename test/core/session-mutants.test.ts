/**
 * Boundaries of the session endpoints that mutation testing (issue 22) found unpinned: the client's
 * own MESSAGE_TOO_LONG check against the server's maxFrame (6.1) and the legacy client's maxFrame
 * option (a caller's limit must be the one its frame decoder enforces).
 */
import { describe, expect, it } from 'vitest';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import type { Limits } from '../../src/generated/constants.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { WITHOUT_MODERATION } from '../support/no-moderation.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));

function joined(limits: Partial<Limits>) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('mutants server'),
    limits,
    features: WITHOUT_MODERATION,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('mutants client'),
  });
  const id = net.connect(client);
  client.join('alice');
  net.settle();
  expect(client.state).toBe('JOINED');
  net.take(id);
  return { net, client, id };
}

describe('v2 client: a packet must fit the server maxFrame (6.1)', () => {
  // {"type":"say","text":"..."} is 24 bytes besides the text; a record adds a 16-byte tag.
  const SAY_OVERHEAD = '{"type":"say","text":""}'.length + 16;

  it('sends a line whose record is exactly maxFrame, and refuses one byte more without sending it', () => {
    const { client } = joined({ maxFrame: 1024, maxMessage: 100 });
    expect(client.limits?.maxFrame).toBe(1024);
    const fits = 'a'.repeat(1024 - SAY_OVERHEAD);
    expect(codeOf(() => client.say(fits))).toBeNull();
    expect(client.takeOutput().length).toBeGreaterThan(1024 - SAY_OVERHEAD);

    const error = (() => {
      try {
        client.say(`${fits}b`);
      } catch (err) {
        return err as Error & { code: string; fatal: boolean };
      }
      return null;
    })();
    expect(error?.code).toBe('MESSAGE_TOO_LONG');
    expect(error?.fatal).toBe(false);
    expect(error?.message).toBe(`this say needs ${1024 - 16 + 1} bytes; the server takes 1024`);
    expect(client.takeOutput().length).toBe(0); // nothing queued for the wire
    expect(client.state).toBe('JOINED');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const { client } = joined({ maxFrame: 1024, maxMessage: 100 });
    const room = 1024 - SAY_OVERHEAD; // bytes left for the text
    expect(codeOf(() => client.say('é'.repeat(room / 2)))).toBeNull();
    expect(codeOf(() => client.say(`${'é'.repeat(room / 2)}a`))).toBe('MESSAGE_TOO_LONG');
  });
});

describe('legacy client: maxFrame option', () => {
  const clock = () => Date.UTC(2026, 11, 6);
  const announced = (bytes: number) => encodeFrame(Buffer.alloc(bytes, 0x61));
  const errorCode = (client: LegacyClientConnection, frame: Uint8Array) =>
    client.receive(frame).flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));

  it('refuses a frame longer than the maxFrame it was given', () => {
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy'),
      clock,
      maxFrame: 100,
    });
    expect(errorCode(client, announced(101))).toEqual(['FRAME_TOO_LARGE']);
    expect(client.state).toBe('ERROR');
  });

  it('reads a frame of exactly its maxFrame (then finds it is no packet)', () => {
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy'),
      clock,
      maxFrame: 100,
    });
    expect(errorCode(client, announced(100))).not.toContain('FRAME_TOO_LARGE');
  });

  it('without the option, takes frames up to the spec limit and refuses one byte more', () => {
    const small = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy'),
      clock,
    });
    expect(errorCode(small, announced(65536))).not.toContain('FRAME_TOO_LARGE');
    const big = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('legacy'),
      clock,
    });
    expect(errorCode(big, announced(65537))).toEqual(['FRAME_TOO_LARGE']);
  });
});
