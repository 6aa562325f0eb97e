/**
 * The client's defaults (client-options.ts) as a session uses them: the cipher suite it reports
 * for each profile (shown to the user once the handshake ends) and the timings of spec 11 when the
 * caller gives none.
 */
import { describe, expect, it } from 'vitest';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import {
  CLIENT_TIMINGS,
  ClientSession,
  FIRST_BYTE_TIMEOUT_MS,
  LEGACY_SUITE,
  V2_SUITE_SUFFIX,
} from '../../src/client/client-session.js';
import type { SessionEvent } from '../../src/client/events.js';
import { EXPORT_TIMEOUT_MS } from '../../src/client/pending-requests.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, type Profile } from '../../src/generated/constants.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 5));

function readyOn(profile: Profile) {
  const server =
    profile === 'v2'
      ? createV2Server({ identity, random: seededRandom('opts server') })
      : createLegacyServer({ random: seededRandom('opts server'), clock: () => 0 } as never);
  const n = new MemoryNet<SessionEvent>(server as never);
  const session = new ClientSession({ random: seededRandom('opts client'), server: 'test:1' });
  session.connect(n.now);
  session.open(n.now);
  n.connect({
    receive: (chunk) => session.receive(chunk, n.now),
    receiveEnd: () => session.receiveEnd(n.now),
    takeOutput: () => session.takeOutput(),
  });
  n.settle();
  return session;
}

describe('client options: the suite names and default timings', () => {
  it('reports the legacy suite as unauthenticated modp14 with AES-256-CFB8', () => {
    expect(LEGACY_SUITE).toBe('modp14 (legacy) AES-256-CFB8, unauthenticated');
    expect(readyOn('legacy').ready).toMatchObject({ profile: 'legacy', suite: LEGACY_SUITE });
  });

  it('reports the v2 suite as the agreed group with AES-256-GCM', () => {
    expect(V2_SUITE_SUFFIX).toBe('+AES-256-GCM');
    expect(readyOn('v2').ready).toMatchObject({ profile: 'v2', suite: 'x25519+AES-256-GCM' });
  });

  it("takes the timings of spec 11 by default, and the client's own two", () => {
    expect(CLIENT_TIMINGS).toEqual({
      handshakeTimeoutMs: LIMITS.clientHandshakeTimeoutMs,
      pingMs: LIMITS.clientPingMs,
      idleTimeoutMs: LIMITS.clientIdleTimeoutMs,
      firstByteMs: FIRST_BYTE_TIMEOUT_MS,
      exportTimeoutMs: EXPORT_TIMEOUT_MS,
    });
    expect(FIRST_BYTE_TIMEOUT_MS).toBe(2000);
  });
});
