/**
 * Token buckets and admission (spec 7.8, 5.10, 11): the packet bucket with its refusal budget, the
 * address key, and the admission table's order of checks and its memory.
 */
import { describe, expect, it } from 'vitest';
import { Admission, addressKey } from '../../src/chat/admission.js';
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

describe('address key (11)', () => {
  it('keeps IPv4, unmaps IPv4-mapped IPv6, and counts other IPv6 by its /64', () => {
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });
});

describe('admission (5.10, 11)', () => {
  const limits = {
    maxClients: 3,
    maxPerAddress: 2,
    maxAddressesPerPrefix: 1000,
    addressHandshakeBurst: 2,
    addressHandshakesPerSecond: 1,
  };

  it('refuses in order: shutdown, the rate, the address, the server', () => {
    const a = new Admission({ ...limits, addressHandshakeBurst: 3 });
    expect(a.admit('a', true, 0)?.code).toBe('SERVER_SHUTDOWN');
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)?.code).toBe('TOO_MANY_FROM_ADDRESS');
    // 11.3: that refusal took the third token; the rate is checked before the address's slots.
    expect(a.admit('a', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    a.release('a');
    expect(a.admit('a', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.admit('b', false, 0)).toBeNull();
    expect(a.admit(undefined, false, 0)).toBeNull();
    expect(a.admit('c', false, 0)?.code).toBe('SERVER_FULL');
    expect(a.held).toBe(3);
  });

  it('takes a token for a refused connection too (11.3)', () => {
    const a = new Admission({ ...limits, maxClients: 1 });
    expect(a.admit('x', false, 0)).toBeNull();
    expect(a.admit('y', false, 0)?.code).toBe('SERVER_FULL');
    expect(a.admit('y', false, 0)?.code).toBe('SERVER_FULL');
    for (let i = 0; i < 5; i++) expect(a.admit('y', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    a.release('x');
    expect(a.admit('y', false, 999)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.admit('y', false, 1000)).toBeNull();
  });

  it('forgets addresses that hold nothing and have a full bucket, so the table stays bounded', () => {
    const a = new Admission({ ...limits, maxClients: 100_000 });
    for (let i = 0; i < 10_000; i++) {
      expect(a.admit(`10.0.${i >> 8}.${i & 255}`, false, i * 10_000)).toBeNull();
      a.release(`10.0.${i >> 8}.${i & 255}`);
    }
    const table = (a as unknown as { addresses: Map<string, unknown> }).addresses;
    expect(table.size).toBeLessThanOrEqual(4096);
  });
});
