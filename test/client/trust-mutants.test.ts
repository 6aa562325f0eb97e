/**
 * Trust in a server's key (spec 5.6), word for word where the user reads it, and the cases
 * trust.test.ts leaves open: a v2 profile with no key presented, a pin that matches the recorded
 * key, and the exact refusal lines.
 */
import { describe, expect, it } from 'vitest';
import { changedKeyLines, checkFingerprint, decideTrust, pinMismatchLines } from '../../src/client/trust.js';

const OLD = `SHA256:${'o'.repeat(43)}`;
const NEW = `SHA256:${'n'.repeat(43)}`;

describe('trust (5.6): the exact words and the open cases', () => {
  it('names both keys in a fingerprint mismatch', () => {
    let caught: { code?: string; message?: string } | undefined;
    try {
      checkFingerprint(NEW, OLD);
    } catch (err) {
      caught = err as typeof caught;
    }
    expect(caught).toMatchObject({
      code: 'FINGERPRINT_MISMATCH',
      message: expect.stringContaining(
        `server key ${NEW} is not the expected ${OLD}: someone may be intercepting the connection, or the server's key changed`,
      ),
    });
  });

  it('treats a server that presented no key as legacy, whatever the profile says', () => {
    expect(decideTrust({ profile: 'v2', requested: 'auto', presented: null })).toEqual({
      kind: 'trust',
      trust: 'none',
      record: false,
    });
    expect(decideTrust({ profile: 'v2', requested: 'auto', presented: null, known: OLD })).toMatchObject({
      kind: 'refuse',
      code: 'PROTOCOL_MISMATCH',
    });
  });

  it('never trusts a legacy server by a key, even if a caller passes one', () => {
    expect(decideTrust({ profile: 'legacy', requested: 'auto', presented: NEW })).toEqual({
      kind: 'trust',
      trust: 'none',
      record: false,
    });
    expect(decideTrust({ profile: 'legacy', requested: 'legacy', presented: OLD, known: OLD })).toMatchObject(
      {
        trust: 'none',
      },
    );
  });

  it('does not record a pinned key that is already the recorded one', () => {
    expect(
      decideTrust({ profile: 'v2', requested: 'auto', presented: OLD, known: OLD, pinned: OLD }),
    ).toEqual({
      kind: 'trust',
      trust: 'pinned',
      record: false,
    });
    expect(decideTrust({ profile: 'v2', requested: 'auto', presented: OLD, pinned: OLD })).toEqual({
      kind: 'trust',
      trust: 'pinned',
      record: true,
    });
  });

  it('words the legacy refusals in full', () => {
    expect(decideTrust({ profile: 'legacy', requested: 'auto', presented: null, pinned: OLD })).toEqual({
      kind: 'refuse',
      code: 'FINGERPRINT_MISMATCH',
      lines: [
        `--fingerprint ${OLD} was given, but this server speaks legacy, which cannot prove any key`,
        'refusing to connect: drop --fingerprint to talk to a legacy server anyway',
      ],
    });
    expect(decideTrust({ profile: 'legacy', requested: 'auto', presented: null, known: OLD })).toEqual({
      kind: 'refuse',
      code: 'PROTOCOL_MISMATCH',
      lines: [
        `this server is known as a v2 server with key ${OLD}, but now it speaks legacy, which is unauthenticated`,
        'this may be a downgrade attack by someone on the network path; refusing to connect',
        'if the server really went back to legacy, use --profile legacy to connect anyway',
      ],
    });
  });

  it('words the pin and changed-key messages in full', () => {
    expect(pinMismatchLines(OLD, NEW)).toEqual([
      `the server key ${NEW} is not the one given with --fingerprint (${OLD})`,
      'someone may be intercepting the connection, or the server key changed; refusing to connect',
    ]);
    expect(changedKeyLines('h:1', OLD, NEW)).toEqual([
      'the server key for h:1 has CHANGED since the last connection',
      `known key:     ${OLD}`,
      `presented key: ${NEW}`,
      "someone may be intercepting the connection, or the server's key was replaced: check with its operator",
      'refusing to connect; run again with --accept-new-key to accept and record the new key',
    ]);
  });
});
