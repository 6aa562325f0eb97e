/**
 * The packet bucket (spec 7.8; rate-limit.ts): its refill, its refusal budget, the fan-out charge
 * and the spec's cost table. (Admission at accept and the address key: admission.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { chargeFanout, chargePacket, packetBucket } from '../../src/chat/rate-limit.js';
import { LIMITS } from '../../src/generated/constants.js';
import { V2_PACKET_INFO } from '../../src/generated/v2-packets.js';

const rate = { ...LIMITS, rateBurst: 4, ratePerSecond: 2, rateRefusalReplies: 2, rateRefusalBudget: 5 };

describe('packet bucket (7.8)', () => {
  it('passes packets while tokens last, refills at ratePerSecond, never above the burst', () => {
    const b = packetBucket(rate, 0);
    expect([1, 1, 1, 1, 1].map(() => chargePacket(b, 1, rate, 0))).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'reply',
    ]);
    expect(chargePacket(b, 1, rate, 500)).toBe('pass'); // one token back after 1/2 s
    expect(chargePacket(b, 4, rate, 100_000)).toBe('pass'); // a long pause gives back the burst only
    expect(chargePacket(b, 1, rate, 100_000)).toBe('reply');
  });

  it('answers rateRefusalReplies refusals, drops the rest silently, closes past the budget', () => {
    const b = packetBucket(rate, 0);
    chargePacket(b, 4, rate, 0);
    const verdicts = Array.from({ length: 6 }, () => chargePacket(b, 1, rate, 0));
    expect(verdicts).toEqual(['reply', 'reply', 'drop', 'drop', 'drop', 'close']);
  });

  it('counts refusals per window: a refusal after rateRefusalWindowMs opens a new one', () => {
    const b = packetBucket(rate, 0);
    chargePacket(b, 4, rate, 0);
    for (let i = 0; i < 5; i++) chargePacket(b, 1, rate, 0);
    // Still empty-ish: the bucket is spent at once again, but the window is new.
    const later = rate.rateRefusalWindowMs;
    chargePacket(b, 4, rate, later);
    expect(chargePacket(b, 1, rate, later)).toBe('reply');
  });

  it('charges fan-out after the fact: a token per fanoutTokenBytes, at most a burst of debt', () => {
    const fan = { ...rate, fanoutTokenBytes: 1000 };
    const b = packetBucket(fan, 0);
    expect(chargePacket(b, 1, fan, 0)).toBe('pass');
    chargeFanout(b, 999, fan); // less than a token's worth: free
    expect(b.tokens).toBe(3);
    chargeFanout(b, 1_000_000, fan); // a thousand tokens' worth: one burst of debt
    expect(b.tokens).toBe(-1);
    expect(chargePacket(b, 1, fan, 0)).toBe('reply');
    expect(chargePacket(b, 1, fan, 1000)).toBe('pass'); // 1 s at 2/s pays the debt and one packet
  });

  it('charges at most a full bucket, so a small burst forbids no packet type', () => {
    const small = { ...rate, rateBurst: 3 };
    const b = packetBucket(small, 0);
    expect(chargePacket(b, V2_PACKET_INFO.export.rateCost!, small, 0)).toBe('pass');
    expect(chargePacket(b, 1, small, 0)).toBe('reply');
  });

  it('gives every packet a client may send a cost, and a server packet none (the spec table)', () => {
    for (const [type, info] of Object.entries(V2_PACKET_INFO)) {
      const fromClient = info.encrypted && info.direction !== 's2c';
      expect([type, info.rateCost !== undefined]).toEqual([type, fromClient]);
    }
    expect(V2_PACKET_INFO.say.rateCost).toBe(1);
    expect(V2_PACKET_INFO.goodbye.rateCost).toBe(0);
  });
});
