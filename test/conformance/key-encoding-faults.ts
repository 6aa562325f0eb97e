/**
 * Planted fault for the key-encoding case (spec 7.16 Key encoding), part of the broken-servers set
 * (broken-servers.ts takes it in): the reference server offering every feature, with its check
 * of a client key's encoding skipped, as a server does that leaves client_auth to its Ed25519
 * library alone. Caught by v2-chat/7.16/20 (conformance/cases/v2-keys-encoding.ts).
 *
 * How this works: each endpoint's handleClientAuth is shadowed (onEachEndpoint); where the real
 * check refuses a proof, the planted one asks node:crypto alone and records the key when it says
 * yes, so non-canonical and small-order keys with a no-secret signature get in.
 */
import { createPublicKey, verify } from 'node:crypto';
import { authMessage, fingerprintOf } from '../../src/crypto/identity.js';
import { unb64 } from '../../src/session/v2-codec.js';
import { ALL_FEATURES, type KeyFault } from './key-faults.js';
import { type Any, onEachEndpoint } from './planting.js';

/** node:crypto's verdict, without the 7.16 key checks. */
function libraryVerifies(key: Buffer, th: Buffer, sig: Buffer): boolean {
  try {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') };
    return verify(null, authMessage(th, 'client'), createPublicKey({ key: jwk, format: 'jwk' }), sig);
  } catch {
    return false;
  }
}

export const KEY_ENCODING_FAULTS: readonly KeyFault[] = [
  {
    name: 'takes non-canonical and small-order client keys',
    profile: 'v2',
    fault:
      'client_auth is left to node:crypto: a key y >= p or x = -0 (another fingerprint for the same point) and a small-order key with a no-secret signature are recorded (7.16 Key encoding)',
    caughtBy: 'v2-chat/7.16/20',
    server: ALL_FEATURES,
    plant: (server) =>
      onEachEndpoint(server, (endpoint: Any) => {
        const original = endpoint.handleClientAuth.bind(endpoint);
        endpoint.handleClientAuth = (packet: Any, first: boolean) => {
          const th: Buffer | null = endpoint.th;
          try {
            original(packet, first);
          } catch (err) {
            // Only the real check's refusal is overruled; the packet was admitted before it.
            const key = unb64(packet.key);
            if ((err as { code?: string }).code !== 'CLIENT_AUTH_FAILED' || !first || !th) throw err;
            if (!libraryVerifies(key, th, unb64(packet.sig))) throw err;
            endpoint.provenKey = key;
            endpoint.provenFingerprint = fingerprintOf(key);
          }
        };
      }),
  },
];
