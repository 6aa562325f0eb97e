/**
 * A server's refusal at accept as the client words it (spec 5.10): every known code has its own
 * sentence, an unknown one shows the server's code and message (made safe to display), and each is
 * marked unverified, because no key vouches for a `refused` packet.
 */
import { describe, expect, it } from 'vitest';
import { SERVER_REFUSAL_CODES, serverRefusalText } from '../../src/client/server-refusal.js';

describe('serverRefusalText (5.10)', () => {
  it("words each known code in its own sentence and ignores the server's message", () => {
    const texts = new Map<string, string>();
    for (const code of SERVER_REFUSAL_CODES) texts.set(code, serverRefusalText(code, 'ignored words'));
    expect(Object.fromEntries(texts)).toEqual({
      SERVER_FULL: 'the server says it is full (unverified)',
      SERVER_SHUTDOWN: 'the server says it is shutting down (unverified)',
      TOO_MANY_FROM_ADDRESS: 'the server says it holds too many connections from your address (unverified)',
      ADDRESS_RATE_LIMITED: 'the server says your address connects too often; try again shortly (unverified)',
      BANNED: 'the server says your address is banned by an operator (7.18) (unverified)',
    });
  });

  it('lists exactly the five codes of 5.10', () => {
    expect([...SERVER_REFUSAL_CODES].sort()).toEqual([
      'ADDRESS_RATE_LIMITED',
      'BANNED',
      'SERVER_FULL',
      'SERVER_SHUTDOWN',
      'TOO_MANY_FROM_ADDRESS',
    ]);
    expect(SERVER_REFUSAL_CODES.has('NOT_A_CODE')).toBe(false);
  });

  it("shows an unknown code with the server's message, escaped, still unverified", () => {
    expect(serverRefusalText('MAINTENANCE', 'back at noon')).toBe(
      'the server says it refuses the connection (MAINTENANCE: back at noon) (unverified)',
    );
    const shown = serverRefusalText('ODD\u001b[2J', 'line\nbreak');
    expect(shown).not.toMatch(/[\u0000-\u001f]/);
    expect(shown).toMatch(
      /^the server says it refuses the connection \(ODD.*: line.*break\) \(unverified\)$/,
    );
  });

  it('takes a code named like an object property as unknown, not as a sentence', () => {
    for (const code of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(serverRefusalText(code, 'm')).toBe(
        `the server says it refuses the connection (${code}: m) (unverified)`,
      );
    }
  });
});
