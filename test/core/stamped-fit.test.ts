/**
 * Spec 11.1: the bound on a stamped packet is tight (the worst `private` needs exactly that many
 * bytes) and a v2 server whose limits break it does not start.
 */
import { describe, expect, it } from 'vitest';
import {
  checkStampedFit,
  largestModerationRecord,
  largestStampedRecord,
  largestTopicRecord,
  motdBytes,
} from '../../src/chat/stamped-fit.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, V2_TAG_BYTES } from '../../src/generated/constants.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { testKeyAgreement } from '../support/key-agreement.js';
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
        keyAgreement: testKeyAgreement,
        identity: identityFromSeed(Buffer.alloc(32, 1)),
        random: seededRandom('s'),
        limits: { maxFrame: 1024 },
      });
    expect(codeOf(make)).toBe('LIMITS_INCONSISTENT');
  });
});

describe('with rooms offered, room and topic packets fit maxFrame too (11.1, 7.15)', () => {
  const name = (n: number) => '𝒜'.repeat(n); // 4 UTF-8 bytes a character

  it.each([
    [2000, 24, 24],
    [120, 24, 24],
    [1, 1, 64],
  ])(
    'the bound is the worst of a private and a room message (maxMessage %i, maxName %i, maxRoomName %i)',
    (maxMessage, maxName, maxRoomName) => {
      const text = '\u0001'.repeat(maxMessage);
      const ts = Number.MAX_SAFE_INTEGER;
      const message = encodeV2Packet({
        type: 'message',
        id: ts,
        from: name(maxName),
        text,
        ts,
        room: `#${name(maxRoomName)}`,
      });
      const priv = encodeV2Packet({
        type: 'private',
        id: ts,
        from: name(maxName),
        to: name(maxName),
        text,
        ts,
      });
      const worst = Math.max(message.length, priv.length) + V2_TAG_BYTES;
      expect(largestStampedRecord({ maxMessage, maxName, maxRoomName }, true)).toBe(worst);
    },
  );

  it('bounds the largest packet with a topic: a room_list part of one entry, or room_joined', () => {
    const limits = { maxName: 24, maxRoomName: 24, maxTopic: 160 };
    const room = `#${name(24)}`;
    const topic = name(160);
    const list = encodeV2Packet({
      type: 'room_list',
      rooms: [{ room, members: Number.MAX_SAFE_INTEGER, topic }],
      more: false,
    });
    const joined = encodeV2Packet({
      type: 'room_joined',
      room,
      users: [name(24)],
      topic,
      ts: Number.MAX_SAFE_INTEGER,
      more: false,
    });
    expect(largestTopicRecord(limits)).toBeGreaterThanOrEqual(
      Math.max(list.length, joined.length) + V2_TAG_BYTES,
    );
    expect(largestTopicRecord(limits)).toBe(Math.max(list.length + 4 * 24, joined.length) + V2_TAG_BYTES);
  });

  it('refuses limits a rooms server cannot keep, and accepts them without rooms', () => {
    const small = { ...LIMITS, maxFrame: 1024, maxMessage: 121 };
    expect(codeOf(() => checkStampedFit(small))).toBeNull();
    expect(messageOf(() => checkStampedFit(small, true))).toMatch(/chat line take 1027 bytes.*at most 120$/);
    const topics = { ...LIMITS, maxFrame: 1024, maxMessage: 100, maxTopic: 200 };
    expect(codeOf(() => checkStampedFit(topics, true))).toBe('LIMITS_INCONSISTENT');
    expect(messageOf(() => checkStampedFit(topics, true))).toMatch(/a packet with a topic take 1102 bytes/);
    expect(codeOf(() => checkStampedFit(topics, false))).toBeNull();
    expect(codeOf(() => checkStampedFit({ ...LIMITS, maxFrame: 1024, maxMessage: 100 }, true))).toBeNull();
  });
});

describe('with moderation offered, packets with a motd or a reason fit maxFrame too (11.1, 7.18)', () => {
  const name = (n: number) => '𝒜'.repeat(n); // 4 UTF-8 bytes a character
  const fingerprint = `SHA256:${'A'.repeat(43)}`;
  const ts = Number.MAX_SAFE_INTEGER;
  const worst = (maxName: number, maxRoomName: number, motd = name(512)) => {
    const reason = name(256);
    const room = `#${name(maxRoomName)}`;
    const key = 'A'.repeat(12);
    return {
      join_ok: encodeV2Packet({
        type: 'join_ok',
        name: name(maxName),
        users: [name(maxName)],
        motd,
        more: true,
        key,
        op: true,
        keys: [{ name: name(maxName), key, op: true }],
      }),
      moderated: encodeV2Packet({
        type: 'moderated',
        action: 'unmute',
        target: 4 * maxName > 50 ? name(maxName) : fingerprint,
        by: name(maxName),
        room,
        duration: 31536000,
        reason,
        ts,
      }),
      motd: encodeV2Packet({ type: 'moderated', action: 'motd', by: name(maxName), text: motd, ts }),
      ban_list: encodeV2Packet({
        type: 'ban_list',
        bans: [
          {
            id: ts,
            kind: 'key',
            target: fingerprint,
            name: name(maxName),
            by: fingerprint,
            until: ts,
            reason,
          },
        ],
        more: true,
      }),
      mute_list: encodeV2Packet({
        type: 'mute_list',
        mutes: [
          {
            id: ts,
            kind: 'key',
            target: fingerprint,
            name: name(maxName),
            room,
            by: fingerprint,
            until: ts,
            reason,
          },
        ],
        more: true,
      }),
    };
  };

  it.each([
    [24, 24],
    [64, 64],
    [1, 1],
  ])('the bound is the worst of them exactly (maxName %i, maxRoomName %i)', (maxName, maxRoomName) => {
    const packets = worst(maxName, maxRoomName);
    const sizes = Object.values(packets).map((p) => p.length + V2_TAG_BYTES);
    expect(largestModerationRecord({ maxName, maxRoomName })).toBe(Math.max(...sizes));
    // Each formula of the spec text, one packet each (the ban_list part 13 bytes under mute_list).
    expect(packets.join_ok.length + V2_TAG_BYTES).toBe(2048 + 12 * maxName + 162);
    expect(packets.moderated.length + V2_TAG_BYTES).toBe(
      1024 + 4 * maxName + Math.max(4 * maxName, 50) + 4 * maxRoomName + 139,
    );
    expect(packets.mute_list.length + V2_TAG_BYTES).toBe(1024 + 4 * maxName + 4 * maxRoomName + 273);
    expect(packets.ban_list.length).toBe(packets.mute_list.length - 4 * maxRoomName - 13);
  });

  it('measures a motd given at start-up as it is', () => {
    const motd = '中'.repeat(1000); // 3000 bytes
    const packet = worst(24, 24, motd).join_ok;
    expect(largestModerationRecord({ maxName: 24, maxRoomName: 24 }, motdBytes(motd))).toBe(
      packet.length + V2_TAG_BYTES,
    );
    expect(motdBytes('a"b')).toBe(4);
  });

  it('takes the defaults with moderation offered; refuses maxFrame 1024, naming the fixes', () => {
    expect(codeOf(() => checkStampedFit(LIMITS, true, true, true))).toBeNull();
    const small = { ...LIMITS, maxFrame: 1024, maxMessage: 100 };
    expect(codeOf(() => checkStampedFit(small, true, true))).toBeNull();
    // A short motd given changes nothing: the largest an operator may set decides.
    expect(messageOf(() => checkStampedFit(small, true, true, true, 'hi'))).toBe(
      messageOf(() => checkStampedFit(small, true, true, true)),
    );
    expect(messageOf(() => checkStampedFit(small, true, true, true))).toBe(
      'maxName 24 and maxRoomName 24 let a join_ok with a motd of 512 characters take 2498 bytes, over ' +
        'maxFrame 1024 (spec 11.1, 7.18): raise maxFrame to at least 2498 or offer no moderation',
    );
    expect(codeOf(() => checkStampedFit({ ...small, maxFrame: 2498 }, true, true, true))).toBeNull();
    expect(codeOf(() => checkStampedFit({ ...small, maxFrame: 2497 }, true, true, true))).toBe(
      'LIMITS_INCONSISTENT',
    );
  });

  it('has join_ok with the motd as its largest packet within the limits ranges', () => {
    // A reason takes at most 1024 bytes, the motd 2048: the room name (4 x 64) cannot make up the rest.
    for (const [maxName, maxRoomName] of [
      [1, 64],
      [64, 64],
      [24, 24],
    ])
      expect(largestModerationRecord({ maxName, maxRoomName })).toBe(2048 + 12 * maxName + 162);
  });

  it('bounds a motd given at start-up without moderation by its size', () => {
    const small = { ...LIMITS, maxFrame: 1024, maxMessage: 100 };
    expect(codeOf(() => checkStampedFit(small, true, true, false, 'hello'))).toBeNull();
    const motd = '中'.repeat(200); // 600 bytes: 600 + 288 + 162 = 1050
    expect(messageOf(() => checkStampedFit(small, true, true, false, motd))).toBe(
      'maxName 24 let a join_ok with the motd given (600 bytes) take 1050 bytes, over maxFrame 1024 ' +
        '(spec 11.1): raise maxFrame to at least 1050 or shorten the motd',
    );
    expect(codeOf(() => checkStampedFit({ ...small, maxFrame: 1050 }, true, true, false, motd))).toBeNull();
    // With moderation, a motd given larger than 512 characters' worth counts as it is.
    const long = '中'.repeat(800); // 2400 bytes
    expect(messageOf(() => checkStampedFit({ ...small, maxFrame: 2800 }, true, true, true, long))).toMatch(
      /the motd given \(2400 bytes\) take 2850 bytes.*at least 2850 or shorten the motd or offer no moderation$/,
    );
  });
});
