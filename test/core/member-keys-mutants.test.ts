/**
 * What the chat model knows of its members besides their names (spec 7.16, 7.18;
 * member-keys.ts), held alone: a proved key waiting for its join, the facts a joiner gets with and
 * without moderation, keyed names through a rename and a leave, the lists' keys, and what whois
 * shows to whom.
 */
import { describe, expect, it } from 'vitest';
import { MemberKeys } from '../../src/chat/member-keys.js';
import { Moderation } from '../../src/chat/moderation.js';
import { shortFingerprint } from '../../src/crypto/identity.js';
import { LIMITS } from '../../src/generated/constants.js';

const fp = (c: string) => `${c.repeat(43)}=`;
const OP = fp('A');
const USER = fp('B');

function moderation(opsSeeAddresses = false) {
  return new Moderation(LIMITS, { operators: [OP], addressSecret: Buffer.alloc(32, 3), opsSeeAddresses });
}

describe('MemberKeys.factsFor (7.16, 7.18)', () => {
  it('gives an anonymous joiner no key, no operator, no address, and no features', () => {
    const keys = new MemberKeys<number>();
    const facts = keys.factsFor(1, { address: '10.0.0.1' }, undefined);
    expect(facts).toEqual({
      fingerprint: null,
      key: null,
      op: false,
      addr: null,
      address: null,
      features: new Set(),
    });
  });

  it('gives a joiner the key its connection proved, and whether it is an operator', () => {
    const keys = new MemberKeys<number>();
    const m = moderation();
    keys.prove(1, OP);
    keys.prove(2, USER);
    const op = keys.factsFor(1, { address: '10.0.0.1', features: new Set(['client-key']) }, m);
    expect(op).toEqual({
      fingerprint: OP,
      key: shortFingerprint(OP),
      op: true,
      addr: m.addressHash('10.0.0.1'),
      address: null,
      features: new Set(['client-key']),
    });
    expect(keys.factsFor(2, {}, m)).toMatchObject({ fingerprint: USER, op: false, addr: null });
    // Without moderation nobody is an operator, and no address hash is made.
    expect(keys.factsFor(1, { address: '10.0.0.1' }, undefined)).toMatchObject({ op: false, addr: null });
  });

  it('keeps the address itself only when operators see addresses', () => {
    const keys = new MemberKeys<number>();
    expect(keys.factsFor(1, { address: '10.0.0.1' }, moderation(true)).address).toBe('10.0.0.1');
    expect(keys.factsFor(1, {}, moderation(true)).address).toBeNull();
  });
});

describe('MemberKeys members (7.11, 7.16)', () => {
  function joined() {
    const keys = new MemberKeys<number>();
    const m = moderation();
    keys.prove(1, OP);
    keys.joined(1, 'op', keys.factsFor(1, {}, m));
    keys.prove(2, USER);
    keys.joined(2, 'user', keys.factsFor(2, {}, m));
    keys.joined(3, 'anon', keys.factsFor(3, {}, m));
    return keys;
  }

  it('lists the keyed members among some names, operators marked, anonymous ones left out', () => {
    const keys = joined();
    expect(keys.any).toBe(true);
    expect(keys.among(['anon', 'user', 'op', 'nobody'])).toEqual([
      { name: 'user', key: shortFingerprint(USER) },
      { name: 'op', key: shortFingerprint(OP), op: true },
    ]);
    const none = new MemberKeys<number>();
    none.joined(1, 'anon', none.factsFor(1, {}, undefined));
    expect(none.any).toBe(false);
    expect(none.among(['anon'])).toEqual([]);
  });

  it('moves a key with a rename and ignores the rename of an anonymous member', () => {
    const keys = joined();
    keys.renamed('user', 'newname');
    keys.renamed('anon', 'other');
    expect(keys.among(['user', 'newname', 'other'])).toEqual([
      { name: 'newname', key: shortFingerprint(USER) },
    ]);
  });

  it('forgets a member that is gone, returning its fingerprint, and a proved key of one that never joined', () => {
    const keys = joined();
    expect(keys.gone(2, 'user')).toBe(USER);
    expect(keys.of(2)).toBeUndefined();
    expect(keys.among(['user'])).toEqual([]);
    expect(keys.gone(3, 'anon')).toBeNull();
    keys.prove(9, USER);
    expect(keys.gone(9, undefined)).toBeNull();
    expect(keys.factsFor(9, {}, undefined).fingerprint).toBeNull();
    expect(keys.gone(1, 'op')).toBe(OP);
    expect(keys.any).toBe(false);
  });

  it('drops the proved key once the connection joined', () => {
    const keys = new MemberKeys<number>();
    keys.prove(1, USER);
    keys.joined(1, 'user', keys.factsFor(1, {}, undefined));
    expect(keys.factsFor(1, {}, undefined).fingerprint).toBeNull();
    expect(keys.of(1)?.fingerprint).toBe(USER);
  });
});

describe('MemberKeys.whois (7.16, 7.18)', () => {
  function cast(opsSeeAddresses: boolean) {
    const keys = new MemberKeys<number>();
    const m = moderation(opsSeeAddresses);
    const both = new Set(['client-key', 'moderation']);
    keys.prove(1, OP);
    keys.joined(1, 'op', keys.factsFor(1, { address: '10.0.0.1', features: both }, m));
    keys.prove(2, USER);
    keys.joined(2, 'user', keys.factsFor(2, { address: '10.0.0.2', features: both }, m));
    keys.joined(3, 'anon', keys.factsFor(3, { address: '10.0.0.3', features: new Set(['moderation']) }, m));
    keys.prove(4, fp('C'));
    keys.joined(4, 'plain', keys.factsFor(4, { address: '10.0.0.4' }, m));
    return { keys, m };
  }

  it('shows a fingerprint to askers that agreed client-key, and addresses to operators that agreed moderation', () => {
    const { keys, m } = cast(true);
    expect(keys.whois(2, 1)).toEqual({ fingerprint: OP, op: true });
    expect(keys.whois(2, 3)).toEqual({});
    expect(keys.whois(1, 2)).toEqual({
      fingerprint: USER,
      addr: m.addressHash('10.0.0.2'),
      address: '10.0.0.2',
    });
    expect(keys.whois(1, 3)).toEqual({ addr: m.addressHash('10.0.0.3'), address: '10.0.0.3' });
    // Without client-key no fingerprint, without moderation no address (even for an operator's key).
    expect(keys.whois(3, 1)).toEqual({});
    expect(keys.whois(4, 1)).toEqual({});
    expect(keys.whois(9, 1)).toEqual({});
    expect(keys.whois(1, 9)).toEqual({});
  });

  it('shows the address hash alone when operators do not see addresses', () => {
    const { keys, m } = cast(false);
    expect(keys.whois(1, 2)).toEqual({ fingerprint: USER, addr: m.addressHash('10.0.0.2') });
  });
});
