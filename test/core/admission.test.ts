/**
 * Admission at accept (spec 5.10, 11; admission.ts): the order of the checks and what a refused
 * client is told, the address key, how an address's handshake bucket refills, and that forgetting
 * idle addresses never forgets a limit still in force.
 */
import { describe, expect, it, vi } from 'vitest';
import { Admission, addressKey, prefixKey } from '../../src/chat/admission.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { seededRandom } from '../support/seeded-random.js';

const limits = {
  maxClients: 3,
  maxPerAddress: 2,
  maxAddressesPerPrefix: 1000,
  addressHandshakeBurst: 2,
  addressHandshakesPerSecond: 1,
};

describe('admission (5.10, 11)', () => {
  it('refuses in order: shutdown, the rate, the address, the server', () => {
    const a = new Admission({ ...limits, addressHandshakeBurst: 3 });
    expect(a.admit('a', true, 0)?.code).toBe('SERVER_SHUTDOWN');
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)).toBeNull();
    expect(a.admit('a', false, 0)?.code).toBe('TOO_MANY_FROM_ADDRESS');
    // 11.4: that refusal took the third token; the rate is checked before the address's slots.
    expect(a.admit('a', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    a.release('a');
    expect(a.admit('a', false, 0)?.code).toBe('ADDRESS_RATE_LIMITED');
    expect(a.admit('b', false, 0)).toBeNull();
    expect(a.admit(undefined, false, 0)).toBeNull();
    expect(a.admit('c', false, 0)?.code).toBe('SERVER_FULL');
    expect(a.held).toBe(3);
  });

  it('takes a token for a refused connection too (11.4)', () => {
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

describe('admission refusals (5.10)', () => {
  it('tells the client why, with the limit that applies', () => {
    const a = new Admission({ ...limits, addressHandshakeBurst: 3 });
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

describe('refusals count against the bucket (11.4)', () => {
  const storm = {
    ...limits,
    maxClients: 100,
    maxPerAddress: 1,
    addressHandshakeBurst: 4,
    addressHandshakesPerSecond: 2,
  };

  it('a refused reopen takes a token; once the bucket is empty the address is told once, then closed quietly', () => {
    const a = new Admission(storm);
    expect(a.admit('s', false, 0)).toBeNull(); // held: every reopen is TOO_MANY_FROM_ADDRESS
    const refusals = Array.from({ length: 10 }, () => a.admit('s', false, 0));
    expect(refusals.map((r) => r?.code)).toEqual([
      'TOO_MANY_FROM_ADDRESS',
      'TOO_MANY_FROM_ADDRESS',
      'TOO_MANY_FROM_ADDRESS',
      ...Array(7).fill('ADDRESS_RATE_LIMITED'),
    ]);
    // Told once (a `refused` record), then quiet: no record for the rest of the storm.
    expect(refusals.map((r) => r?.quiet === true)).toEqual([
      false,
      false,
      false,
      false,
      ...Array(6).fill(true),
    ]);
    // A token back (500 ms at 2 a second) is taken by the next reopen, which is refused for what
    // it is again (the address still holds its one connection), and the storm starts over: told once more.
    expect(a.admit('s', false, 499)?.quiet).toBe(true);
    expect(a.admit('s', false, 500)).toEqual(expect.objectContaining({ code: 'TOO_MANY_FROM_ADDRESS' }));
    expect(a.admit('s', false, 500)).toEqual(expect.objectContaining({ code: 'ADDRESS_RATE_LIMITED' }));
    expect(a.admit('s', false, 500)?.quiet).toBe(true);
    // A storm at 1,000 reopens a second gets through to the address checks 2 times a second.
    let checked = 0;
    for (let ms = 501; ms <= 10_500; ms++)
      if (a.admit('s', false, ms)?.code === 'TOO_MANY_FROM_ADDRESS') checked++;
    expect(checked).toBe(20);
    // The storm never touched other addresses.
    expect(a.admit('t', false, 10_500)).toBeNull();
  });

  it('an honest client that waits for a token after a refusal is served', () => {
    const a = new Admission({ ...storm, maxClients: 1, maxPerAddress: 8 });
    expect(a.admit('other', false, 0)).toBeNull();
    // Full: the client is refused, and retries with a backoff from half a second, doubling.
    expect(a.admit('h', false, 0)?.code).toBe('SERVER_FULL');
    expect(a.admit('h', false, 500)?.code).toBe('SERVER_FULL');
    a.release('other');
    expect(a.admit('h', false, 1500)).toBeNull();
  });

  it('a connection without an address takes no token and is never quiet', () => {
    const a = new Admission({ ...storm, maxClients: 1 });
    expect(a.admit(undefined, false, 0)).toBeNull();
    for (let i = 0; i < 20; i++)
      expect(a.admit(undefined, false, 0)).toEqual(expect.objectContaining({ code: 'SERVER_FULL' }));
    expect(a.admit(undefined, false, 0)?.quiet).toBeUndefined();
  });
});

describe('the chat server at a refused-reopen storm (11.4)', () => {
  it('writes a `refused` record until the address is told ADDRESS_RATE_LIMITED, then only closes, and the log sums the rest up', () => {
    const server = createV2Server({
      identity: identityFromSeed(Buffer.alloc(32, 5)),
      random: seededRandom('storm'),
      limits: { maxPerAddress: 1, addressHandshakeBurst: 3, addressHandshakesPerSecond: 1 },
    });
    // The address holds its one connection: every reopen is refused.
    expect(server.open(1, 0, '198.51.100.1').filter((a) => a.kind === 'close')).toEqual([]);
    const kinds = (id: number, now: number) =>
      server
        .open(id, now, '198.51.100.1')
        .filter((a) => a.kind !== 'log')
        .map((a) => (a.kind === 'close' ? `close ${a.error?.code}` : a.kind));
    expect([2, 3].map((id) => kinds(id, 0))).toEqual([
      ['write', 'close TOO_MANY_FROM_ADDRESS'],
      ['write', 'close TOO_MANY_FROM_ADDRESS'],
    ]);
    expect(kinds(4, 0)).toEqual(['write', 'close ADDRESS_RATE_LIMITED']);
    for (let id = 5; id < 100; id++) expect(kinds(id, 10)).toEqual(['close ADDRESS_RATE_LIMITED']);
    // The first refusal of each code and the first rate refusal were logged; the storm is one line.
    const summary = server
      .tick(20_000)
      .flatMap((a) => (a.kind === 'log' ? [a.message] : []))
      .filter((m) => m.includes('ADDRESS_RATE_LIMITED'));
    expect(summary).toEqual(['refused 95 more connections within 10 s: ADDRESS_RATE_LIMITED']);
    // Its held connection timed out at that tick (no handshake) and tokens are back: served (server_hello).
    expect(kinds(100, 21_000)).toEqual(['write']);
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
