/**
 * A server's refusal at accept (spec 5.10), as a client reports it.
 *
 * How this works: a v2 server that will not serve a connection sends one plaintext `refused`
 * packet instead of `server_hello`. No keys exist yet, so anyone on the path could have written
 * it: the client says what the server says and marks it unverified, never stating it as fact.
 * The server's own message is shown only for a code this client does not know.
 */
import { displayText } from '../text/untrusted-text.js';

/** The refusal codes of 5.10. */
export const SERVER_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'SERVER_FULL',
  'SERVER_SHUTDOWN',
  'TOO_MANY_FROM_ADDRESS',
  'ADDRESS_RATE_LIMITED',
  'BANNED',
]);

const SAYS: Readonly<Record<string, string>> = {
  SERVER_FULL: 'it is full',
  SERVER_SHUTDOWN: 'it is shutting down',
  TOO_MANY_FROM_ADDRESS: 'it holds too many connections from your address',
  ADDRESS_RATE_LIMITED: 'your address connects too often; try again shortly',
  BANNED: 'your address is banned by an operator (7.18)',
};

/** e.g. `the server says it is full (unverified)`. */
export function serverRefusalText(code: string, message: string): string {
  const says = Object.hasOwn(SAYS, code)
    ? SAYS[code]
    : `it refuses the connection (${displayText(code)}: ${displayText(message)})`;
  return `the server says ${says} (unverified)`;
}
