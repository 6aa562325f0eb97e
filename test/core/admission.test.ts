/**
 * Admission at accept (spec 5.10, 11; admission.ts): the order of the checks and what a refused
 * client is told, the address key, how an address's handshake bucket refills, and that forgetting
 * idle addresses never forgets a limit still in force.
 */
import { describe, expect, it, vi } from 'vitest';
import { Admission, addressKey, prefixKey } from '../../src/chat/admission.js';

const limits = {
  maxClients: 3,
  maxPerAddress: 2,
  maxAddressesPerPrefix: 1000,
  addressHandshakeBurst: 2,
  addressHandshakesPerSecond: 1,
};

describe('admission (5.10, 11)', () => {
  it('refuses in order: shutdown, the address, its rate, the server', () => {
    const a = new Admission(limits);
    expect(a.admit('a', true, 0)?.code).toBe('SERVER_SHUTDOWN');
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)?.code).toBe('TOO_MANY_FROM_ADDRESS');
    a.release('a');
    expect(a.admit('a', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.admit('b', false, 0)).toBeNull();
    expect(a.admit(undefined, false, 0)).toBeNull();
    expect(a.admit('c', false, 0)?.code).toBe('SERVER_FULL');
    expect(a.held).toBe(3);
  });

  it('takes no token for a refused connection', () => {
    const a = new Admission({ ...limits, maxClients: 1 });
    expect(a.admit('x', false, 0)).toBeNull();
    for (let i = 0; i < 5; i++) expect(a.admit('y', false, 0)?.code).toBe('SERVER_FULL');
    a.release('x');
    expect(a.admit('y', false, 0)).toBeNull();
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

describe('admission refusals (5.10)', () => {
  it('tells the client why, with the limit that applies', () => {
    const a = new Admission(limits);
    expect(a.admit('a', true, 0)).toEqual({ code: 'SERVER_SHUTDOWN', message: 'the server is stopping' });
    a.admit('a', false, 0);
    a.admit('a', false, 0);
    expect(a.admit('a', false, 0)).toEqual({
      code: 'TOO_MANY_FROM_ADDRESS',
      message: 'the server holds 2 connections from your address already',
    });
    a.release('a');
    expect(a.admit('a', false, 0)).toEqual({
      code: 'ADDRESS_RATE_LIMITED',
      message: 'your address may open 1 connections a second; try again shortly',
    });
    a.admit('b', false, 0);
    a.admit('c', false, 0);
    expect(a.admit('d', false, 0)).toEqual({
      code: 'SERVER_FULL',
      message: 'the server holds 3 connections already',
    });
  });
});

describe('the address key (11)', () => {
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

  it('reads every spelling of an IPv6 address to the same /64', () => {
    // '::' standing for one group, and groups after it that reach into the first 64 bits.
    expect(addressKey('1::2:3:4:5:6:7')).toBe('1:0:2:3::/64');
    expect(addressKey('1:0:2:3:4:5:6:7')).toBe('1:0:2:3::/64');
    // An IPv4 tail is two groups.
    expect(addressKey('1::2:3:4:5:192.0.2.1')).toBe('1:0:2:3::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('reads an IPv4-mapped address only when it is one, with any octets, and drops a zone', () => {
    expect(addressKey('::ffff:10.200.30.240')).toBe('10.200.30.240');
    expect(addressKey('::ffff:192.0.2.1%eth0')).toBe('192.0.2.1');
    expect(addressKey('64:ff9b::ffff:192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('an address handshake bucket (11)', () => {
  it('refills at addressHandshakesPerSecond, never above addressHandshakeBurst', () => {
    const a = new Admission({ ...limits, maxClients: 100, maxPerAddress: 100 });
    expect(a.admit('x', false, 0)).toBeNull();
    expect(a.admit('x', false, 0)).toBeNull();
    expect(a.admit('x', false, 999)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.admit('x', false, 1000)).toBeNull(); // one token a second
    expect(a.admit('x', false, 1000)?.code).toBe('ADDRESS_RATE_LIMITED');
    // A long pause gives back the burst, no more.
    expect(a.admit('x', false, 60_000)).toBeNull();
    expect(a.admit('x', false, 60_000)).toBeNull();
    expect(a.admit('x', false, 60_000)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.held).toBe(5);
  });

  it('a connection without an address counts against the server only', () => {
    const a = new Admission({ ...limits, maxClients: 2 });
    expect(a.admit(undefined, false, 0)).toBeNull();
    expect(a.admit(undefined, false, 0)).toBeNull();
    expect(a.admit(undefined, false, 0)?.code).toBe('SERVER_FULL');
    a.release(undefined);
    expect(a.held).toBe(1);
    expect(a.admit('z', false, 0)).toBeNull();
    a.release('never-admitted'); // an unknown address: the server count only
    expect(a.held).toBe(1);
  });
});

describe('network prefixes (11, maxAddressesPerPrefix)', () => {
  it('keys an IPv4 address by its /24 and an IPv6 /64 by its /48', () => {
    expect(prefixKey(addressKey('203.0.113.77'))).toBe('203.0.113.0/24');
    expect(prefixKey(addressKey('::ffff:203.0.113.77'))).toBe('203.0.113.0/24');
    expect(prefixKey(addressKey('2001:db8:1:2:3::4'))).toBe('2001:db8:1::/48');
  });

  it('refuses a new address of a network whose addresses already hold connections, never one that holds some', () => {
    const a = new Admission({ ...limits, maxClients: 100, maxPerAddress: 2, maxAddressesPerPrefix: 2 });
    expect(a.admit('10.0.0.1', false, 0)).toBeNull();
    expect(a.admit('10.0.0.2', false, 0)).toBeNull();
    const refused = a.admit('10.0.0.3', false, 0);
    expect(refused?.code).toBe('TOO_MANY_FROM_ADDRESS');
    expect(refused?.message).toContain('10.0.0.0/24');
    // An address already holding one is held to maxPerAddress only; another network is not affected.
    expect(a.admit('10.0.0.1', false, 0)).toBeNull();
    expect(a.admit('10.0.1.3', false, 0)).toBeNull();
    // Once an address of the network holds nothing, another may take its place.
    a.release('10.0.0.2');
    expect(a.admit('10.0.0.3', false, 1000)).toBeNull();
    expect(a.admit('10.0.0.2', false, 1000)?.code).toBe('TOO_MANY_FROM_ADDRESS');
  });
});

describe('the address table (11)', () => {
  const many = {
    maxClients: 100_000,
    maxPerAddress: 1,
    maxAddressesPerPrefix: 1_000_000,
    addressHandshakeBurst: 2,
    addressHandshakesPerSecond: 1,
  };
  const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

  it('keeps the addresses that hold a connection or whose bucket is not full while it forgets the rest', () => {
    const a = new Admission(many);
    expect(a.admit('held', false, 0)).toBeNull();
    for (const _ of [1, 2]) {
      expect(a.admit('spent', false, 0)).toBeNull();
      a.release('spent');
    }
    for (let i = 1; i <= 4094; i++) {
      a.admit(addr(i), false, 0);
      a.release(addr(i));
    }
    const table = (a as unknown as { addresses: Map<string, unknown> }).addresses;
    expect(table.size).toBe(4096);
    // 1.5 s later every bucket that gave one token is full again; 'spent' (two) holds 1.5 of 2.
    const now = 1500;
    expect(a.admit('next', false, now)).toBeNull(); // the table is at 4096: a prune runs first
    expect([...table.keys()].sort()).toEqual(['held', 'next', 'spent']);
    expect(a.admit('held', false, now)?.code).toBe('TOO_MANY_FROM_ADDRESS');
    // Forgetting 'spent' would have handed it a fresh burst of two.
    expect(a.admit('spent', false, now)).toBeNull();
    a.release('spent');
    expect(a.admit('spent', false, now)?.code).toBe('ADDRESS_RATE_LIMITED');
  });

  it('prunes once every as many admits as it keeps, never at every admit', () => {
    const a = new Admission(many);
    for (let i = 0; i < 2500; i++) a.admit(addr(i), false, 0); // held: 2 * 2500 > 4096
    const prune = vi.spyOn(a as unknown as { prune(now: number): void }, 'prune');
    for (let i = 2500; i < 12_500; i++) {
      a.admit(addr(i), false, i * 10_000);
      a.release(addr(i));
    }
    const table = (a as unknown as { addresses: Map<string, unknown> }).addresses;
    expect(table.size).toBeLessThanOrEqual(5000);
    expect(prune.mock.calls.length).toBeGreaterThan(0);
    expect(prune.mock.calls.length).toBeLessThanOrEqual(10_000 / 2500 + 1);
  });
});
