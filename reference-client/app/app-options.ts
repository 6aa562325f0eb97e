/**
 * What the client app is started with (the command line and config.json, through cli.ts), the v2
 * features it asks for, which errors stop its retries, and how it names a server and a loss. Kept
 * apart from the controller (client-app.ts) so that the CLI and the tests can build the options
 * alone.
 */

import type { SessionEvent } from '../../src/client/index.js';
import type { TcpSessionOptions } from '../session/tcp-session.js';
import type { ThemeId } from '../view/themes.js';
import type { IgnoreLevel, ProfileOption } from '../view/view-types.js';
import type { KeyChoice } from './client-key-file.js';

export interface ClientAppOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: ProfileOption;
  readonly name?: string;
  /** --fingerprint: the only server key to accept. */
  readonly fingerprint?: string;
  /** --accept-new-key: accept and record a new or changed server key without asking. */
  readonly acceptNewKey?: boolean;
  /** The TUI: ask y/N about a changed key. Otherwise refuse it. */
  readonly interactive: boolean;
  /**
   * --plain: exit (status 1) when the client refuses the server, instead of waiting, and when it
   * cannot join within the bounds of backoff.ts (SCRIPT_JOIN_*), or quits before it ever joined.
   */
  readonly exitOnRefusal?: boolean;
  readonly theme: ThemeId;
  /** Ring the bell for private messages and mentions (config.json `bell`, default on). */
  readonly bell?: boolean;
  /** Names to ignore (config.json `ignore`). */
  readonly ignore?: Readonly<Record<string, IgnoreLevel>>;
  readonly configDir: string;
  /** False when config.json could not be parsed: theme changes then apply but are not saved. */
  readonly configWritable?: boolean;
  readonly knownServers: Map<string, string>;
  /** Where exports go (default ./exported). */
  readonly exportDir?: string;
  readonly clock?: () => number;
  /** A number in [0, 1) for backoff jitter. */
  readonly random01?: () => number;
  /** --key: prove the user's own key (7.16), one for all servers or one per server; default off. */
  readonly keyChoice?: KeyChoice;
  /** Passed to each session (timings). */
  readonly session?: Partial<TcpSessionOptions>;
}

/** The v2 features this client uses when the server offers them (spec 5.8). */
export const CLIENT_FEATURES: readonly string[] = [
  'backlog',
  'nick',
  'away',
  'whois',
  'structured-export',
  // Also without a key of its own: the client then shows who else is keyed (7.16) and moderation news (7.18).
  'client-key',
  'moderation',
  'rooms',
];

/** Errors after which retrying by itself would be pointless or unsafe: the user decides. */
export const NO_RETRY = new Set([
  'FINGERPRINT_MISMATCH',
  'SERVER_AUTH_FAILED',
  'PROTOCOL_MISMATCH',
  'GROUP_UNSUPPORTED',
  // 7.18: an operator removed us; coming back at once would only look like evading it.
  'KICKED',
  'BANNED',
  // 7.16: our key's proof failed: retrying with the same key fails the same way.
  'CLIENT_AUTH_FAILED',
]);

/** `host:port` as the user reads it (an IPv6 address in brackets). */
export function serverLabel(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What ended a connection, in one phrase for the user. */
export function lossDetail(event: Extract<SessionEvent, { kind: 'closed' }>): string {
  const error = event.error;
  if (event.goodbye !== undefined) return `the server closed the connection (${event.goodbye})`;
  // 7.18: the server's own words say who acted and why; the rest says what it means for the user.
  const said = error?.message.replace(/^server: /, '');
  if (error?.code === 'KICKED') return `KICKED: ${said} (an operator removed you; you may come back)`;
  if (error?.code === 'BANNED')
    return `BANNED: ${said} (an operator banned you: the server refuses you until the ban ends)`;
  return error ? `${error.code}: ${error.message}` : 'the connection ended';
}
