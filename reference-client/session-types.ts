/**
 * The chat session's public types: its states, the profile-neutral events it reports, and its
 * options. Apart from chat-session.ts so that the packet translation can share them.
 */

import type { RandomSource } from '../src/index.js';
import type { Profile, ProfileOption } from './view-types.js';

export type SessionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'joining' | 'joined' | 'closed';

export interface ChatMessage {
  /** `notice`: from the server itself (legacy `*server*` lines). */
  readonly kind: 'chat' | 'private' | 'action' | 'notice';
  readonly from: string;
  /** For `private`: the recipient. */
  readonly to?: string;
  readonly text: string;
  /** ms since the epoch: the server's stamp (v2), or the time of arrival (legacy). */
  readonly ts: number;
}

export interface SessionError {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
  /** FINGERPRINT_MISMATCH against `expectedFingerprint`: the two keys. */
  readonly expected?: string;
  readonly presented?: string;
}

export interface ReadyInfo {
  readonly profile: Profile;
  /** e.g. `x25519+AES-256-GCM`, or `modp14 (legacy) AES-256-CFB8, unauthenticated`. */
  readonly suite: string;
  /** The server's key fingerprint (v2), null for legacy (which has no server key). */
  readonly fingerprint: string | null;
}

export type SessionEvent =
  | { readonly kind: 'state'; readonly state: SessionState }
  | ({ readonly kind: 'ready' } & ReadyInfo)
  | {
      readonly kind: 'joined';
      readonly name: string;
      readonly users: readonly string[];
      readonly motd?: string;
    }
  | { readonly kind: 'join-refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'message'; readonly message: ChatMessage }
  | { readonly kind: 'user-joined'; readonly name: string; readonly ts: number }
  | { readonly kind: 'user-left'; readonly name: string; readonly reason?: string; readonly ts: number }
  /** v2 users_joined/users_left (7.6): several joins or leaves at once, in order. */
  | { readonly kind: 'users-joined'; readonly names: readonly string[]; readonly ts: number }
  | {
      readonly kind: 'users-left';
      readonly names: readonly string[];
      readonly reason: string;
      readonly ts: number;
    }
  | { readonly kind: 'users'; readonly users: readonly string[] }
  | { readonly kind: 'export'; readonly text: string; readonly entries: number }
  | ({ readonly kind: 'error' } & SessionError)
  | {
      readonly kind: 'closed';
      /** The user asked for it (quit) or the client refused the server (abort). */
      readonly byUser: boolean;
      /** The server said goodbye (v2), with its reason. */
      readonly goodbye?: string;
      /** The fatal error that ended the connection, if any. */
      readonly error?: SessionError;
    };

export interface ChatSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly profile?: ProfileOption;
  /** v2: refuse any other server key (FINGERPRINT_MISMATCH, naming both keys). */
  readonly expectedFingerprint?: string;
  readonly random?: RandomSource;
  readonly clock?: () => number;
  /** Time allowed from connect to the end of the handshake (default 15 s). */
  readonly handshakeTimeoutMs?: number;
  /** v2: ping the server after this long without hearing from it; give up after 2.5 times it. */
  readonly keepaliveMs?: number;
  readonly maxFrame?: number;
}
