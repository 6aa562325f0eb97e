/**
 * Trust on first use for server keys (spec 5.6), as SSH's known_hosts: the decision only, pure.
 *
 * How this works: after a v2 handshake the controller asks `decideTrust` what to do with the key the
 * server proved it holds, given the key recorded for that host:port and the one pinned with
 * --fingerprint. An unknown server is recorded and shown; a match goes on; a different key is
 * refused unless the user accepts it (a y/N question in the TUI, --accept-new-key in --plain). A
 * legacy server proves nothing, so a server known by key that now speaks legacy is refused as a
 * possible downgrade, unless the user asked for legacy by name.
 */

import type { Profile, ProfileOption } from './view-model.js';

export interface TrustInput {
  readonly profile: Profile;
  /** The profile the user asked for (`auto` unless --profile was given). */
  readonly requested: ProfileOption;
  /** The key fingerprint the server proved (v2), or null (legacy). */
  readonly presented: string | null;
  /** The fingerprint known_servers holds for this host:port. */
  readonly known?: string;
  /** The fingerprint given with --fingerprint. */
  readonly pinned?: string;
}

export type TrustDecision =
  /** Go on; `record` says whether to write the presented key to known_servers. */
  | { readonly kind: 'trust'; readonly trust: 'new' | 'known' | 'pinned'; readonly record: boolean }
  /** Unauthenticated legacy server: go on, with the warning. */
  | { readonly kind: 'legacy' }
  /** The key differs from the recorded one: refuse unless the user accepts it. */
  | { readonly kind: 'changed'; readonly known: string; readonly presented: string }
  /** Refuse: no way round it but changing the command line. */
  | { readonly kind: 'refuse'; readonly code: string; readonly lines: readonly string[] };

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
    return { kind: 'legacy' };
  }
  if (pinned) {
    if (presented !== pinned) return pinMismatch(pinned, presented);
    return { kind: 'trust', trust: 'pinned', record: known !== presented };
  }
  if (known === undefined) return { kind: 'trust', trust: 'new', record: true };
  if (known === presented) return { kind: 'trust', trust: 'known', record: false };
  return { kind: 'changed', known, presented };
}

/** The refusal for a server whose key is not the one given with --fingerprint. */
export function pinMismatch(pinned: string, presented: string): TrustDecision {
  return {
    kind: 'refuse',
    code: 'FINGERPRINT_MISMATCH',
    lines: [
      `the server key ${presented} is not the one given with --fingerprint (${pinned})`,
      'someone may be intercepting the connection, or the server key changed; refusing to connect',
    ],
  };
}

/** What --plain prints when a recorded key changed and --accept-new-key was not given. */
export function changedKeyLines(server: string, known: string, presented: string): string[] {
  return [
    `the server key for ${server} has CHANGED since the last connection`,
    `known key:     ${known}`,
    `presented key: ${presented}`,
    "someone may be intercepting the connection, or the server's key was replaced: check with its operator",
    'refusing to connect; run again with --accept-new-key to accept and record the new key',
  ];
}
