/**
 * The v2 version rule (spec 5.8): the features lists in the hellos, the agreed set both sides
 * compute from them, what a 2.0 peer on either side sees, and the gate on feature packets.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { V2_FEATURE_NAMES, V2_FEATURES, V2_PACKET_FEATURE } from '../../src/generated/v2-packets.js';
import {
  agreeFeatures,
  checkReceivedFeature,
  featuresField,
  NO_FEATURES,
  packetAllowed,
} from '../../src/session/features.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf, RawV2Client } from './helpers.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));

const body = (frame: Buffer) => JSON.parse(frame.subarray(10).toString('utf8'));

function server(features?: readonly string[]): V2ServerConnection {
  const s = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('features server'),
    features,
  });
  s.start();
  return s;
}

/** A whole handshake between the core's server and client; returns both, READY and AWAIT_JOIN. */
function handshake(serverFeatures?: readonly string[], clientFeatures?: readonly string[]) {
  const s = server(serverFeatures);
  const c = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('features client'),
    features: clientFeatures,
  });
  const serverHello = s.takeOutput();
  c.receive(serverHello);
  const clientHello = c.takeOutput();
  s.receive(clientHello);
  const events = c.receive(s.takeOutput());
  return { s, c, serverHello, clientHello, events };
}

describe('agreeing features (5.8)', () => {
  it('agrees what both lists name, in the order of the offer, ignoring names only one side knows', () => {
    expect([...agreeFeatures(['a', 'b', 'c'], ['zz', 'c', 'a'])]).toEqual(['a', 'c']);
    expect(agreeFeatures(['a'], ['b']).size).toBe(0);
  });

  it('takes a missing list and an empty list as no feature', () => {
    expect(agreeFeatures(undefined, ['a'])).toBe(NO_FEATURES);
    expect(agreeFeatures(['a'], undefined)).toBe(NO_FEATURES);
    expect(agreeFeatures([], ['a'])).toBe(NO_FEATURES);
  });

  it('writes no field for an empty list', () => {
    expect(featuresField([])).toEqual({});
    expect(featuresField(['a'])).toEqual({ features: ['a'] });
  });
});

describe('the hellos (5.8)', () => {
  it('a server that offers nothing sends a 2.0 server_hello, without the field', () => {
    const { serverHello, clientHello, s, c } = handshake(undefined, ['backlog']);
    expect(body(serverHello)).not.toHaveProperty('features');
    // ... and the client then sends no field either: a 2.0 server would refuse it.
    expect(body(clientHello)).not.toHaveProperty('features');
    expect(s.features.size).toBe(0);
    expect(c.features.size).toBe(0);
    expect(c.state).toBe('READY');
  });

  it('a 2.0 client (no list) against a server that offers features: nothing agreed, the handshake holds', () => {
    const { serverHello, clientHello, s, c, events } = handshake(['backlog', 'nick']);
    expect(body(serverHello).features).toEqual(['backlog', 'nick']);
    expect(body(clientHello)).not.toHaveProperty('features');
    expect(events.map((e) => e.kind)).toEqual(['authenticated']);
    expect(s.features.size).toBe(0);
    expect(c.features.size).toBe(0);
  });

  it('the client lists only what was offered, and both sides agree the same set', () => {
    const { clientHello, s, c, events } = handshake(['nick', 'backlog', 'away'], ['whois', 'away', 'nick']);
    expect(body(clientHello).features).toEqual(['away', 'nick']);
    expect([...s.features]).toEqual(['nick', 'away']);
    expect([...c.features]).toEqual(['nick', 'away']);
    expect(events[0]).toMatchObject({ kind: 'authenticated', features: new Set(['nick', 'away']) });
  });

  it('the server ignores names it does not know', () => {
    const s = server(['backlog']);
    const raw = new RawV2Client();
    const hello = raw.hello(s.takeOutput(), { features: ['zz-unknown', 'backlog', 'x1'] });
    expect(s.receive(hello)).toEqual([]);
    expect(s.state).toBe('AWAIT_JOIN');
    expect([...s.features]).toEqual(['backlog']);
  });

  it.each([
    ['a duplicate name', ['backlog', 'backlog']],
    ['an upper-case name', ['Backlog']],
    ['a name that starts with a digit', ['1x']],
    ['a name of 33 characters', ['a'.repeat(33)]],
    ['33 names', Array.from({ length: 33 }, (_, i) => `f${i}`)],
    ['a name that is not a string', [7]],
  ])('a client_hello list with %s is PACKET_MALFORMED', (_label, features) => {
    const s = server(['backlog']);
    const raw = new RawV2Client();
    const events = s.receive(raw.hello(s.takeOutput(), { features }));
    expect(events).toMatchObject([{ kind: 'error', error: { code: 'PACKET_MALFORMED' } }]);
  });

  it('32 names of 32 characters are within the rules', () => {
    const names = Array.from({ length: 32 }, (_, i) => `f${String(i).padStart(31, '0')}`);
    const s = server(['backlog']);
    const raw = new RawV2Client();
    expect(s.receive(raw.hello(s.takeOutput(), { features: names }))).toEqual([]);
    expect(s.features.size).toBe(0);
  });

  it('a server_hello list with a duplicate is PACKET_MALFORMED at the client', () => {
    const hello = body(server(['backlog']).takeOutput());
    const c = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('c') });
    const events = c.receive(encodeFrame(JSON.stringify({ ...hello, features: ['nick', 'nick'] })));
    expect(events).toMatchObject([{ kind: 'error', error: { code: 'PACKET_MALFORMED' } }]);
  });
});

describe('feature packets (5.8)', () => {
  const owners = { export_reply: 'structured-export' } as const;

  it('a core packet needs no feature; a feature packet needs its feature agreed', () => {
    expect(packetAllowed('say', NO_FEATURES, owners)).toBe(true);
    expect(packetAllowed('export_reply', NO_FEATURES, owners)).toBe(false);
    expect(packetAllowed('export_reply', new Set(['structured-export']), owners)).toBe(true);
  });

  it('receiving a packet of a feature not agreed is PACKET_UNEXPECTED', () => {
    expect(codeOf(() => checkReceivedFeature('export_reply', new Set(['nick']), owners))).toBe(
      'PACKET_UNEXPECTED',
    );
    expect(codeOf(() => checkReceivedFeature('export_reply', new Set(['structured-export']), owners))).toBe(
      null,
    );
  });

  it('the generated registry names every packet of a feature under that feature', () => {
    expect(Object.keys(V2_FEATURES)).toEqual(V2_FEATURE_NAMES);
    for (const [name, info] of Object.entries(V2_FEATURES))
      for (const type of info.packets) expect(V2_PACKET_FEATURE[type]).toBe(name);
    for (const type of Object.keys(V2_PACKET_FEATURE)) expect(V2_PACKET_FEATURE[type as 'say']).toBeDefined();
  });
});
