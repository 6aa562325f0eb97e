/**
 * The refusal of limits that let a stamped packet outgrow maxFrame (spec 11.1, 7.15, 7.16), word
 * for word: which packet is the worst (a private message or a room's chat line, with or without
 * the sender's key), the topic's bound at exactly maxFrame, and limits that leave rooms out.
 */
import { describe, expect, it } from 'vitest';
import { checkStampedFit, largestStampedRecord, largestTopicRecord } from '../../src/chat/stamped-fit.js';
import { LIMITS } from '../../src/generated/constants.js';
import { codeOf, messageOf } from './helpers.js';

describe('checkStampedFit refusals, word for word (11.1)', () => {
  const small = { ...LIMITS, maxFrame: 1024 };

  it('names the room name and the chat line when a room message is the worst', () => {
    // 6 x 121 + 4 x 24 + 4 x 24 + 109 = 1027; the private message takes 1024.
    expect(messageOf(() => checkStampedFit({ ...small, maxMessage: 121 }, true))).toBe(
      'maxMessage 121 and maxName 24 and maxRoomName 24 let a stamped chat line take 1027 bytes, over ' +
        'maxFrame 1024 (spec 11.1): raise maxFrame to at least 1027 or lower maxMessage to at most 120',
    );
  });

  it("says the sender's key is counted when the server offers client-key", () => {
    // 1024 + 21 for `"key":"...."`.
    expect(messageOf(() => checkStampedFit({ ...small, maxMessage: 121 }, false, true))).toBe(
      "maxMessage 121 and maxName 24 let a stamped private message (with the sender's key, 7.16) take " +
        '1045 bytes, over maxFrame 1024 (spec 11.1): raise maxFrame to at least 1045 or lower maxMessage ' +
        'to at most 117',
    );
    expect(messageOf(() => checkStampedFit({ ...small, maxMessage: 118 }, true, true))).toBe(
      "maxMessage 118 and maxName 24 and maxRoomName 24 let a stamped chat line (with the sender's key, " +
        '7.16) take 1030 bytes, over maxFrame 1024 (spec 11.1): raise maxFrame to at least 1030 or lower ' +
        'maxMessage to at most 117',
    );
  });

  it('calls it a private message when that is the worst with rooms and keys offered', () => {
    // Room names one character shorter than names: the private message is 1 byte larger than the
    // room's chat line (4 x (23 - 24) + 3), both keyed.
    const limits = { ...small, maxMessage: 118, maxRoomName: 23 };
    expect(largestStampedRecord(limits, true, true)).toBe(largestStampedRecord(limits, false, true));
    expect(messageOf(() => checkStampedFit(limits, true, true))).toMatch(
      /^maxMessage 118 and maxName 24 and maxRoomName 23 let a stamped private message \(with the sender's key, 7\.16\) take 1027 bytes/,
    );
  });

  it('accepts a topic packet of exactly maxFrame and refuses one byte more, word for word', () => {
    // 4 x 200 + 4 x 24 + 4 x 24 + 110 = 1102.
    const limits = { ...LIMITS, maxMessage: 100, maxTopic: 200 };
    expect(codeOf(() => checkStampedFit({ ...limits, maxFrame: 1102 }, true))).toBeNull();
    expect(messageOf(() => checkStampedFit({ ...limits, maxFrame: 1101 }, true))).toBe(
      'maxTopic 200, maxName 24 and maxRoomName 24 let a packet with a topic take 1102 bytes, over ' +
        'maxFrame 1101 (spec 11.1): raise maxFrame to at least 1102 or lower maxTopic',
    );
  });

  it('counts no room name and no topic when the limits have none', () => {
    expect(largestTopicRecord({ maxName: 24 })).toBe(4 * 24 + 110);
    // max(6 + 8 + 106, 6 + 4 + 0 + 109): the private message.
    expect(largestStampedRecord({ maxMessage: 1, maxName: 1 }, true)).toBe(120);
    expect(largestStampedRecord({ maxMessage: 1, maxName: 1 })).toBe(120);
    // Rooms are left out unless offered: a long room name counts only then (6 + 4 + 256 + 109).
    expect(largestStampedRecord({ maxMessage: 1, maxName: 1, maxRoomName: 64 })).toBe(120);
    expect(largestStampedRecord({ maxMessage: 1, maxName: 1, maxRoomName: 64 }, true)).toBe(375);
    expect(largestStampedRecord({ maxMessage: 1, maxName: 1 }, true, true)).toBe(141);
  });
});
