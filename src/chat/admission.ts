/**
 * Admission at accept (spec 5.10, 11): whether a new connection is served, decided in one place.
 *
 * How this works: the adapter passes each connection's remote address in at `open`; addresses
 * count by `addressKey` (an IPv6 address by its /64, an IPv4-mapped one as IPv4). In order, a
 * connection is refused with SERVER_SHUTDOWN while the server stops, ADDRESS_RATE_LIMITED when its
 * address's bucket (addressHandshakeBurst, refilled at addressHandshakesPerSecond) is empty,
 * TOO_MANY_FROM_ADDRESS when its address holds maxPerAddress connections already (or, for an
 * address holding none yet, when maxAddressesPerPrefix other addresses of its network prefix hold
 * some), and SERVER_FULL at maxClients, unless the caller holds a connection that has not joined:
 * then the newcomer is admitted on condition that the caller closes the oldest of those (11.2,
 * `evict`), so that silent or slow handshakes from many addresses cannot lock newcomers out.
 * Every connection that gets past the bucket takes a token, served or refused (11.4), and an
 * admitted one counts against its address until `release`. So one address cannot hold every slot
 * (a lockout), make the server run handshakes as fast as it can reconnect, or make it refuse (a
 * record and a log count each) as fast as it can reopen: once its bucket is empty, the first
 * connection is told ADDRESS_RATE_LIMITED and the rest are refused `quiet` (closed with no record)
 * until a token is back. An address the server holds no connection from and whose bucket is full
 * again is forgotten, so the table stays small.
 */
import type { Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { refill, type TokenBucket, take } from './rate-limit.js';

export type AdmissionLimits = Pick<
  Limits,
  | 'maxClients'
  | 'maxPerAddress'
  | 'maxAddressesPerPrefix'
  | 'addressHandshakeBurst'
  | 'addressHandshakesPerSecond'
>;

export type RefusalCode = Extract<
  ErrorCode,
  'SERVER_FULL' | 'SERVER_SHUTDOWN' | 'TOO_MANY_FROM_ADDRESS' | 'ADDRESS_RATE_LIMITED'
>;

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
  /**
   * 11.4: the address was told ADDRESS_RATE_LIMITED already while its bucket stayed empty; this
   * connection is closed without a `refused` record.
   */
  readonly quiet?: true;
}

interface AddressEntry extends TokenBucket {
  /** Connections held from the address. */
  held: number;
  /** Told ADDRESS_RATE_LIMITED since it last took a token (11.4). */
  told: boolean;
}

/** From this many entries on (or twice the connections held), `admit` prunes the table. */
const PRUNE_AT = 4096;

/**
 * The key an address counts by (11): IPv4 as it is, an IPv4-mapped IPv6 address as its IPv4
 * address, any other IPv6 address by its first 64 bits (one host or home network is usually
 * given a whole /64, so counting single addresses would let it take every slot).
 */
export function addressKey(address: string): string {
  const bare = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1];
  if (!bare.includes(':')) return bare;
  const [head, tail] = bare.split('::', 2);
  const groups = (part: string | undefined) =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const front = groups(head);
  const back = groups(tail);
  const all = [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The network an address key (`addressKey`) belongs to (11, maxAddressesPerPrefix): an IPv4
 * address's /24, an IPv6 /64's /48. One customer of a host or an ISP is commonly given a whole
 * /24 or /48, so without this one of them could fill the server from a few hundred addresses.
 */
export function prefixKey(address: string): string {
  if (address.endsWith('::/64')) return `${address.split(':').slice(0, 3).join(':')}::/48`;
  const dot = address.lastIndexOf('.');
  return dot === -1 ? address : `${address.slice(0, dot)}.0/24`;
}

export class Admission {
  private readonly addresses = new Map<string, AddressEntry>();
  /** Per network prefix: how many of its addresses hold connections now. */
  private readonly prefixes = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Connections admitted and not yet released. */
  get held(): number {
    return this.total;
  }

  /** True when one more admitted connection takes the slot of one that has not joined (11.2). */
  get full(): boolean {
    return this.total >= this.limits.maxClients;
  }

  /**
   * Admits a connection from `address` (its key, `addressKey`) at `now`, or says why not. Without
   * an address (the adapter could not tell it) only the server-wide checks apply. `evictable`: the
   * caller holds a connection that has not joined, and closes it when this admits one past
   * maxClients (`full` before the call).
   */
  admit(address: string | undefined, stopping: boolean, now: number, evictable = false): Refusal | null {
    const { maxClients, maxPerAddress, addressHandshakeBurst: burst } = this.limits;
    const perSecond = this.limits.addressHandshakesPerSecond;
    if (stopping) return { code: 'SERVER_SHUTDOWN', message: 'the server is stopping' };
    let entry = address === undefined ? undefined : this.addresses.get(address);
    if (entry) refill(entry, burst, perSecond, now);
    if (entry && entry.tokens < 1) {
      const message = `your address may open ${perSecond} connections a second; try again shortly`;
      if (entry.told) return { code: 'ADDRESS_RATE_LIMITED', message, quiet: true };
      entry.told = true;
      return { code: 'ADDRESS_RATE_LIMITED', message };
    }
    if (address !== undefined) {
      // 11.4: the token is taken before the other checks, so that a refusal costs one too.
      if (entry === undefined) {
        // Amortised: a prune keeps at most the held addresses, so the next one is as many admits away.
        if (this.addresses.size >= Math.max(PRUNE_AT, 2 * this.total)) this.prune(now);
        entry = { tokens: burst, at: now, held: 0, told: false };
        this.addresses.set(address, entry);
      }
      take(entry, 1, burst, perSecond, now);
      entry.told = false;
    }
    if (entry && entry.held >= maxPerAddress) {
      const message = `the server holds ${maxPerAddress} connections from your address already`;
      return { code: 'TOO_MANY_FROM_ADDRESS', message };
    }
    const prefix = address === undefined ? undefined : prefixKey(address);
    if (prefix !== undefined && !(entry && entry.held > 0)) {
      const holding = this.prefixes.get(prefix) ?? 0;
      if (holding >= this.limits.maxAddressesPerPrefix) {
        const message = `the server holds connections from ${holding} addresses of your network (${prefix}) already`;
        return { code: 'TOO_MANY_FROM_ADDRESS', message };
      }
    }
    // 11.2: full, but a connection that has not joined gives up its slot; its release follows.
    if (this.total >= maxClients && !evictable) {
      return { code: 'SERVER_FULL', message: `the server holds ${maxClients} connections already` };
    }
    this.total++;
    if (entry === undefined || prefix === undefined) return null;
    if (entry.held++ === 0) this.prefixes.set(prefix, (this.prefixes.get(prefix) ?? 0) + 1);
    return null;
  }

  /** A connection admitted from `address` ended. */
  release(address: string | undefined): void {
    this.total--;
    if (address === undefined) return;
    const entry = this.addresses.get(address);
    if (!entry) return;
    if (--entry.held > 0) return;
    const prefix = prefixKey(address);
    const holding = (this.prefixes.get(prefix) ?? 1) - 1;
    if (holding > 0) this.prefixes.set(prefix, holding);
    else this.prefixes.delete(prefix);
  }

  /** Forgets addresses that hold no connection and whose bucket is full again. */
  private prune(now: number): void {
    const { addressHandshakeBurst: burst, addressHandshakesPerSecond: perSecond } = this.limits;
    for (const [key, entry] of this.addresses) {
      if (entry.held > 0) continue;
      refill(entry, burst, perSecond, now);
      if (entry.tokens >= burst) this.addresses.delete(key);
    }
  }
}
