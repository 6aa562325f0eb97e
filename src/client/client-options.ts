/**
 * What a client session is set up with: its options (trust in the server's key, profile,
 * features), its timings, and the names of the cipher suites it reports. Kept apart from the
 * session (session-core.ts, client-session.ts) so that adapters and tests can read the defaults.
 *
 * The timings come from the spec (11): the handshake must end within clientHandshakeTimeoutMs;
 * once joined, a v2 client pings a server silent for clientPingMs and gives up after
 * clientIdleTimeoutMs. Two are the client's own: FIRST_BYTE_TIMEOUT_MS (below) and
 * EXPORT_TIMEOUT_MS (pending-requests.ts).
 */
import type { Identity } from '../crypto/identity.js';
import type { RandomSource } from '../crypto/key-agreement.js';
import { LIMITS } from '../generated/constants.js';
import { EXPORT_TIMEOUT_MS } from './pending-requests.js';
import type { ProfileOption } from './trust.js';

export const V2_SUITE_SUFFIX = '+AES-256-GCM';
export const LEGACY_SUITE = 'modp14 (legacy) AES-256-CFB8, unauthenticated';

export interface ClientTimings {
  /** From connect() to the end of the handshake (spec 11 clientHandshakeTimeoutMs). */
  readonly handshakeTimeoutMs: number;
  /** v2, joined: ping a server silent this long; 0 never (clientPingMs). */
  readonly pingMs: number;
  /** v2, joined: give up on a server silent this long; 0 never (clientIdleTimeoutMs). */
  readonly idleTimeoutMs: number;
  /** From TCP up to the server's first byte; past it, probably not a Parley server; 0 never. */
  readonly firstByteMs: number;
  /** From asking for an export to its whole answer; past it the export is given up on. */
  readonly exportTimeoutMs: number;
}

/**
 * A Parley server speaks first, at once (2): one silent this long after the TCP connection is up
 * is most likely some other service (or a wrong port). Short, so that a wrong port is named within
 * a couple of seconds instead of after the whole handshake timeout, yet well above a round trip.
 */
export const FIRST_BYTE_TIMEOUT_MS = 2000;

export const CLIENT_TIMINGS: ClientTimings = {
  handshakeTimeoutMs: LIMITS.clientHandshakeTimeoutMs,
  pingMs: LIMITS.clientPingMs,
  idleTimeoutMs: LIMITS.clientIdleTimeoutMs,
  firstByteMs: FIRST_BYTE_TIMEOUT_MS,
  exportTimeoutMs: EXPORT_TIMEOUT_MS,
};

export interface ClientSessionOptions {
  readonly random: RandomSource;
  readonly profile?: ProfileOption;
  /** The key recorded for this server (known_servers). */
  readonly known?: string;
  /** The only key to accept (--fingerprint); any other is refused, naming both. */
  readonly pinned?: string;
  /** A v2 key other than `known`: ask (`key-changed`, then answerKey), accept and record, or refuse. */
  readonly changedKey?: 'ask' | 'accept' | 'refuse';
  /**
   * A v2 key seen for the first time (no `known`, no `pinned`): accept and record it (trust on first
   * use, the default), or ask first (`key-unknown`, then answerKey), as SSH asks on first contact.
   */
  readonly newKey?: 'ask' | 'accept';
  /** The server as the user names it (`host:port`), for messages. */
  readonly server?: string;
  readonly timings?: Partial<ClientTimings>;
  readonly maxFrame?: number;
  /** Hold the record keys as KeyObjects (record-layer.ts). */
  readonly keyObjects?: boolean;
  /** v2 features this client wants (spec 5.8); it lists those the server offers. Default: none. */
  readonly features?: readonly string[];
  /**
   * The user's Ed25519 key (7.16), proved with client_auth when the server agrees `client-key`
   * (list it in `features`). Without it the client joins anonymously, as a 2.0 client does.
   */
  readonly clientKey?: Identity;
}
