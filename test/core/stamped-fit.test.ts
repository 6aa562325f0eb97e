/**
 * Spec 11.1: the bound on a stamped packet is tight (the worst `private` needs exactly that many
 * bytes) and a v2 server whose limits break it does not start.
 */
import { describe, expect, it } from 'vitest';
import { checkStampedFit, largestStampedRecord } from '../../src/chat/stamped-fit.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, V2_TAG_BYTES } from '../../src/generated/constants.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf, messageOf } from './helpers.js';

describe('a stamped packet fits maxFrame (11.1)', () => {
  it.each([
    [2000, 24],
    [121, 24],
    [1, 1],
  ])('the bound is the worst private message exactly (maxMessage %i, maxName %i)', (maxMessage, maxName) => {
    const name = '𝒜'.repeat(maxName); // 4 UTF-8 bytes a character
    const worst = encodeV2Packet({
      type: 'private',
      id: Number.MAX_SAFE_INTEGER,
      from: name,
      to: name,
      text: '\u0001'.repeat(maxMessage), // \u0001: 6 bytes a character
      ts: Number.MAX_SAFE_INTEGER,
    });
    expect(worst.length + V2_TAG_BYTES).toBe(largestStampedRecord({ maxMessage, maxName }));
  });

  it('takes the defaults, and the smallest maxFrame with a message short enough', () => {
    expect(codeOf(() => checkStampedFit(LIMITS))).toBeNull();
    expect(codeOf(() => checkStampedFit({ maxFrame: 1024, maxMessage: 121, maxName: 24 }))).toBeNull();
  });

  it('refuses limits that break it with LIMITS_INCONSISTENT, saying what to change', () => {
    const limits = { maxFrame: 1024, maxMessage: 122, maxName: 24 };
    expect(codeOf(() => checkStampedFit(limits))).toBe('LIMITS_INCONSISTENT');
    expect(messageOf(() => checkStampedFit(limits))).toMatch(
      /take 1030 bytes, over maxFrame 1024 .* at least 1030 or lower maxMessage to at most 121/,
    );
  });

  it('suggests the largest maxMessage that fits, rounded down', () => {
    // 1025 - 8 * 24 - 106 = 727 bytes for the text: 121 characters of 6 bytes (726), not 122.
    const limits = { maxFrame: 1025, maxMessage: 200, maxName: 24 };
    expect(messageOf(() => checkStampedFit(limits))).toBe(
      'maxMessage 200 and maxName 24 let a stamped private message take 1498 bytes, over maxFrame 1025 ' +
        '(spec 11.1): raise maxFrame to at least 1498 or lower maxMessage to at most 121',
    );
    expect(codeOf(() => checkStampedFit({ ...limits, maxMessage: 121 }))).toBeNull();
    expect(codeOf(() => checkStampedFit({ ...limits, maxMessage: 122 }))).toBe('LIMITS_INCONSISTENT');
  });

  it('a v2 server with such limits is not made', () => {
    const make = () =>
      createV2Server({
        identity: identityFromSeed(Buffer.alloc(32, 1)),
        random: seededRandom('s'),
        limits: { maxFrame: 1024 },
      });
    expect(codeOf(make)).toBe('LIMITS_INCONSISTENT');
  });
});
