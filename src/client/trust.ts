/**
 * Trust in a server's key (spec 5.6), decided once for every client: the pin check and the trust
 * on first use decision, as SSH's known_hosts does it. Pure: no files here.
 *
 * How this works: `checkFingerprint` is the one comparison of the key a v2 server proved (5.5)
 * with the one the caller expects; the v2 connection runs it before it leaves AWAIT_SERVER_AUTH, so
 * nothing encrypted goes to a server that fails it. `decideTrust` then says what to do with a
 * server that passed: an unknown key is recorded, a known one goes on, a different one is refused
 * unless the user accepts it. A legacy server proves nothing, so one known by key that now speaks
 * legacy is refused as a possible downgrade, unless legacy was asked for by name.
 */
import { parleyError } from '../errors.js';
import type { Profile } from '../generated/constants.js';

export type { Profile };
export type ProfileOption = 'auto' | Profile;

/** Throws FINGERPRINT_MISMATCH, naming both keys, unless `presented` is `expected` (or none is). */
export function checkFingerprint(presented: string, expected: string | undefined): void {
  if (expected === undefined || expected === presented) return;
  throw parleyError(
    'FINGERPRINT_MISMATCH',
    `server key ${presented} is not the expected ${expected}: someone may be intercepting the connection, or the server's key changed`,
  );
}

export interface TrustInput {
  readonly profile: Profile;
  /** The profile the user asked for (`auto` unless chosen). */
  readonly requested: ProfileOption;
  /** The key fingerprint the server proved (v2), or null (legacy). */
  readonly presented: string | null;
  /** The fingerprint recorded for this server (known_servers). */
  readonly known?: string;
  /** The fingerprint the user pinned; a v2 server reaches this only after checkFingerprint passed. */
  readonly pinned?: string;
}

/** How the server's key was checked (v2), or `none` (legacy: no server authentication at all). */
export type Trust = 'new' | 'known' | 'pinned' | 'accepted' | 'none';

export type TrustDecision =
  /** Go on; `record` says whether to record the presented key. */
  | { readonly kind: 'trust'; readonly trust: Trust; readonly record: boolean }
  /** The key differs from the recorded one: refuse unless the user accepts it. */
  | { readonly kind: 'changed'; readonly known: string; readonly presented: string }
  /** Refuse: no way round it but changing the command line. */
  | {
      readonly kind: 'refuse';
      readonly code: 'FINGERPRINT_MISMATCH' | 'PROTOCOL_MISMATCH';
      readonly lines: readonly string[];
    };

export function decideTrust(input: TrustInput): TrustDecision {
  const { profile, requested, presented, known, pinned } = input;
  if (profile === 'legacy' || presented === null) {
    if (pinned) {
      return {
        kind: 'refuse',
        code: 'FINGERPRINT_MISMATCH',
        lines: [
          `--fingerprint ${pinned} was given, but this server speaks legacy, which cannot prove any key`,
          'refusing to connect: drop --fingerprint to talk to a legacy server anyway',
        ],
      };
    }
    if (known && requested === 'auto') {
      return {
        kind: 'refuse',
        code: 'PROTOCOL_MISMATCH',
        lines: [
          `this server is known as a v2 server with key ${known}, but now it speaks legacy, which is unauthenticated`,
          'this may be a downgrade attack by someone on the network path; refusing to connect',
          'if the server really went back to legacy, use --profile legacy to connect anyway',
        ],
      };
    }
    return { kind: 'trust', trust: 'none', record: false };
  }
  if (pinned) return { kind: 'trust', trust: 'pinned', record: known !== presented };
  if (known === undefined) return { kind: 'trust', trust: 'new', record: true };
  if (known === presented) return { kind: 'trust', trust: 'known', record: false };
  return { kind: 'changed', known, presented };
}

/** The refusal for a server whose key is not the pinned one. */
export function pinMismatchLines(pinned: string, presented: string): string[] {
  return [
    `the server key ${presented} is not the one given with --fingerprint (${pinned})`,
    'someone may be intercepting the connection, or the server key changed; refusing to connect',
  ];
}

/** What to say about a recorded key that changed; the last line only when it is refused. */
export function changedKeyLines(server: string, known: string, presented: string): string[] {
  return [
    `the server key for ${server} has CHANGED since the last connection`,
    `known key:     ${known}`,
    `presented key: ${presented}`,
    "someone may be intercepting the connection, or the server's key was replaced: check with its operator",
    'refusing to connect; run again with --accept-new-key to accept and record the new key',
  ];
}
