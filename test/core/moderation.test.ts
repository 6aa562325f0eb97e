/**
 * Moderation (spec 7.18): operators by key; kick, ban (key or address hash, with a duration) that
 * survives a reconnect, unban, bans, mute, motd; the news to those that agreed moderation and
 * `quit` to the others; NOT_OPERATOR; address hashes only to operators; log lines with the
 * operator's fingerprint.
 */
import { describe, expect, it } from 'vitest';
import { Moderation, parseSavedBans } from '../../src/chat/moderation.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { errorOf, opKey, server, trollKey } from './moderation-harness.js';

describe('moderation (7.18)', () => {
  it('refuses a member who is not an operator, keyed or not, and changes nothing', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.join('anon');
    s.join('keyed', { key: trollKey });
    for (const who of ['anon', 'keyed']) {
      s.packets(who);
      s.act(who, { type: 'kick', name: 'op' });
      expect(s.packets(who)).toEqual([
        expect.objectContaining({ type: 'error', code: 'NOT_OPERATOR', fatal: false }),
      ]);
    }
    expect(s.chat.room.names()).toEqual(['anon', 'keyed', 'op']);
    expect(s.logs.some((l) => l.includes('kick refused: NOT_OPERATOR'))).toBe(true);
  });

  it('kicks: KICKED to the member, the news then `kicked` to moderation clients, `quit` to others', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.join('troll');
    s.join('mod', { features: ['moderation'] });
    s.join('old', { features: [] });
    for (const n of ['op', 'troll', 'mod', 'old']) s.packets(n);
    s.act('op', { type: 'kick', name: 'TROLL', reason: 'spam' });
    expect(errorOf(s.events('troll'))).toEqual(['KICKED']);
    expect(s.members.get('troll')!.client.state).toBe('CLOSED');
    const ts = s.net.now;
    expect(s.packets('mod')).toEqual([
      { type: 'moderated', action: 'kick', target: 'troll', by: 'op', reason: 'spam', ts },
      { type: 'user_left', name: 'troll', reason: 'kicked', ts },
    ]);
    expect(s.packets('old')).toEqual([{ type: 'user_left', name: 'troll', reason: 'quit', ts }]);
    expect(s.logs).toContainEqual(
      expect.stringContaining(`moderation: ${opKey.fingerprint} ("op") kick "troll" reason "spam"`),
    );
  });

  it('bans a keyed member by key: its reconnect is refused at client_auth with BANNED; unban lifts it', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.join('troll', { key: trollKey });
    s.packets('op');
    s.act('op', { type: 'ban', name: 'troll', duration: 60, reason: 'abuse' });
    expect(errorOf(s.events('troll'))).toEqual(['BANNED']);
    expect(s.packets('op')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'ban', target: 'troll', duration: 60 }),
      expect.objectContaining({ type: 'user_left', name: 'troll', reason: 'banned' }),
    ]);
    const back = s.join('troll2', { key: trollKey });
    expect(errorOf(s.events('troll2'))).toEqual(['BANNED']);
    expect(back.client.state).not.toBe('JOINED');
    // Anonymous from another address: not covered by a key ban.
    expect(s.join('troll3').client.state).toBe('JOINED');
    s.packets('op');
    s.act('op', { type: 'bans' });
    const list = s.packets('op').find((p) => p.type === 'ban_list');
    expect(list).toEqual({
      type: 'ban_list',
      bans: [
        {
          id: 1,
          kind: 'key',
          target: trollKey.fingerprint,
          name: 'troll',
          by: opKey.fingerprint,
          until: s.net.now + 60_000,
          reason: 'abuse',
        },
      ],
    });
    s.act('op', { type: 'unban', ban: 1 });
    expect(s.packets('op')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'unban', target: 'troll' }),
    ]);
    s.packets('op');
    expect(s.join('troll4', { key: trollKey }).client.state).toBe('JOINED');
    s.packets('op');
    s.act('op', { type: 'unban', ban: 1 });
    expect(s.packets('op')).toEqual([expect.objectContaining({ type: 'error', code: 'NO_SUCH_BAN' })]);
  });

  it('bans an anonymous member by address hash: refused at accept until the ban ends', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.join('anon', { address: '192.0.2.7' });
    s.act('op', { type: 'whois', name: 'anon' } as never);
    s.members.get('op')!.client.whois('anon');
    s.net.settle();
    const whois = s.packets('op').find((p) => p.type === 'whois_reply') as {
      addr?: string;
      address?: string;
    };
    expect(whois.addr).toMatch(/^[A-Za-z0-9+/]{12}$/);
    expect(whois.address).toBeUndefined();
    s.act('op', { type: 'ban', addr: whois.addr!, duration: 30 });
    expect(errorOf(s.events('anon'))).toEqual(['BANNED']);
    const again = s.join('anon2', { address: '192.0.2.7' });
    expect(again.client.state).toBe('CLOSED');
    expect(s.events('anon2')).toContainEqual(expect.objectContaining({ kind: 'refused', code: 'BANNED' }));
    s.net.now += 30_000;
    expect(s.join('anon3', { address: '192.0.2.7' }).client.state).toBe('JOINED');
  });

  it('bans a keyed member by address: a new key or none from that address is refused for the duration, others are served', () => {
    const s = server();
    s.join('op', { key: opKey, address: '192.0.2.1' });
    s.join('troll', { key: trollKey, address: '198.51.100.9' });
    s.members.get('op')!.client.whois('troll');
    s.net.settle();
    const { addr } = s.packets('op').find((p) => p.type === 'whois_reply') as { addr: string };
    const start = s.net.now;
    s.act('op', { type: 'ban', addr, duration: 60 });
    expect(errorOf(s.events('troll'))).toEqual(['BANNED']);
    const refused = (name: string) => s.events(name).some((e) => e.kind === 'refused' && e.code === 'BANNED');
    const newKey = identityFromSeed(Buffer.alloc(32, 23));
    s.net.now = start + 59_999;
    expect(s.join('troll2', { key: newKey, address: '198.51.100.9' }).client.state).toBe('CLOSED');
    expect(refused('troll2')).toBe(true);
    expect(s.join('troll3', { address: '198.51.100.9' }).client.state).toBe('CLOSED');
    expect(refused('troll3')).toBe(true);
    expect(s.join('honest', { address: '198.51.100.10' }).client.state).toBe('JOINED');
    s.net.now = start + 60_000;
    expect(s.join('troll4', { key: newKey, address: '198.51.100.9' }).client.state).toBe('JOINED');
  });

  it('tells addresses only to operators, and the address itself only with opsSeeAddresses', () => {
    const s = server({ opsSeeAddresses: true });
    s.join('op', { key: opKey });
    s.join('bob', { address: '198.51.100.4' });
    s.members.get('op')!.client.whois('bob');
    s.members.get('bob')!.client.whois('op');
    s.net.settle();
    expect(s.packets('op').find((p) => p.type === 'whois_reply')).toMatchObject({
      addr: expect.any(String),
      address: '198.51.100.4',
    });
    const seen = s.packets('bob').find((p) => p.type === 'whois_reply') as Record<string, unknown>;
    expect(seen).toMatchObject({ name: 'op', fingerprint: opKey.fingerprint, op: true });
    expect(seen.addr).toBeUndefined();
    expect(seen.address).toBeUndefined();
  });

  it('mutes: MUTED to the member, its lines reach nobody; unmute; motd for the next joins', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.join('loud');
    for (const n of ['op', 'loud']) s.packets(n);
    s.act('op', { type: 'mute', name: 'loud', duration: 0, reason: 'calm down' });
    expect(s.packets('loud')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'mute', target: 'loud', duration: 0 }),
    ]);
    s.packets('op');
    s.members.get('loud')!.client.say('LOUD');
    s.net.settle();
    expect(s.packets('loud')).toEqual([
      expect.objectContaining({ type: 'error', code: 'MUTED', fatal: false }),
    ]);
    expect(s.packets('op')).toEqual([]);
    s.act('op', { type: 'unmute', name: 'loud' });
    s.members.get('loud')!.client.say('ok');
    s.net.settle();
    expect(s.packets('op').map((p) => p.type)).toEqual(['moderated', 'message']);
    s.packets('loud');
    s.act('op', { type: 'motd', text: 'be kind' });
    expect(s.packets('loud')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'motd', text: 'be kind' }),
    ]);
    s.join('late');
    expect(s.packets('late')[0]).toMatchObject({ type: 'join_ok', motd: 'be kind' });
  });

  it('refuses a ban without exactly one target, and a room without the rooms feature, as PACKET_MALFORMED', () => {
    const s = server();
    s.join('op', { key: opKey });
    s.act('op', { type: 'ban', name: 'x', key: opKey.fingerprint, duration: 1 });
    expect(s.members.get('op')!.client.state).toBe('CLOSED');
    const t = server();
    t.join('op', { key: opKey });
    t.join('bob');
    t.act('op', { type: 'mute', name: 'bob', room: '#lobby', duration: 1 });
    expect(t.members.get('op')!.client.state).toBe('CLOSED');
  });
});

describe('what a mute covers (7.18)', () => {
  const FULL = ['client-key', 'moderation', 'whois', 'rooms', 'nick', 'away'];
  const setUp = () => {
    const s = server();
    s.join('op', { key: opKey, features: FULL });
    s.join('loud', { features: FULL });
    s.join('watch', { features: FULL });
    const loud = s.members.get('loud')!.client;
    loud.roomJoin('#side');
    s.members.get('watch')!.client.roomJoin('#side');
    s.members.get('op')!.client.roomJoin('#side');
    s.net.settle();
    for (const n of ['op', 'loud', 'watch']) s.packets(n);
    return { s, loud };
  };
  /** What `watch` got, and the codes `loud` got back, after `act`. */
  const outcome = (s: ReturnType<typeof server>, act: () => void) => {
    act();
    s.net.settle();
    return { watch: s.packets('watch').map((p) => p.type), loud: errorOf(s.events('loud')) };
  };

  it('a server-wide mute refuses topic, nick and an away reason with MUTED, and lets away without a reason and back pass', () => {
    const { s, loud } = setUp();
    s.act('op', { type: 'mute', name: 'loud', duration: 0 });
    for (const n of ['op', 'loud', 'watch']) s.packets(n);
    const refused = { watch: [], loud: ['MUTED'] };
    expect(outcome(s, () => loud.setTopic('#side', 'buy my stuff'))).toEqual(refused);
    expect(outcome(s, () => loud.nick('buymystuff'))).toEqual(refused);
    expect(outcome(s, () => loud.away('visit buymystuff.example'))).toEqual(refused);
    // Words of its own none: going away and coming back pass.
    expect(outcome(s, () => loud.away())).toEqual({ watch: ['user_away'], loud: [] });
    expect(outcome(s, () => loud.back())).toEqual({ watch: ['user_away'], loud: [] });
    // Unmuted, each passes again.
    s.act('op', { type: 'unmute', name: 'loud' });
    s.packets('watch');
    s.events('loud');
    expect(outcome(s, () => loud.setTopic('#side', 'fine'))).toEqual({ watch: ['topic_changed'], loud: [] });
    expect(outcome(s, () => loud.nick('quiet'))).toEqual({ watch: ['user_renamed'], loud: [] });
  });

  it("a room's mute refuses topic there, not elsewhere, and refuses nick and an away reason (they reach that room)", () => {
    const { s, loud } = setUp();
    s.act('op', { type: 'mute', name: 'loud', room: '#side', duration: 60 });
    for (const n of ['op', 'loud', 'watch']) s.packets(n);
    expect(outcome(s, () => loud.setTopic('#side', 'x'))).toEqual({ watch: [], loud: ['MUTED'] });
    expect(outcome(s, () => loud.setTopic('#lobby', 'x'))).toEqual({ watch: ['topic_changed'], loud: [] });
    expect(outcome(s, () => loud.nick('other'))).toEqual({ watch: [], loud: ['MUTED'] });
    expect(outcome(s, () => loud.away('gone'))).toEqual({ watch: [], loud: ['MUTED'] });
    // Out of the muted room, its name and away reason reach nobody there: they pass.
    loud.roomPart('#side');
    s.net.settle();
    s.packets('watch');
    s.events('loud');
    expect(outcome(s, () => loud.nick('other'))).toEqual({ watch: ['user_renamed'], loud: [] });
  });

  it('refuses a mute for a room that does not exist with NO_SUCH_ROOM; logs the id, the room and the duration of a mute', () => {
    const { s } = setUp();
    s.act('op', { type: 'mute', name: 'loud', room: '#nowhere', duration: 60 });
    expect(errorOf(s.events('op'))).toEqual(['NO_SUCH_ROOM']);
    expect(s.packets('loud')).toEqual([]);
    expect(s.logs.at(-1)).toMatch(/mute refused: NO_SUCH_ROOM$/);
    // A room that exists, whether or not the target is in it, may be named.
    s.members.get('watch')!.client.roomJoin('#quiet');
    s.net.settle();
    s.act('op', { type: 'mute', name: 'loud', room: '#quiet', duration: 600, reason: 'spam' });
    expect(s.packets('op').map((p) => p.type)).toEqual(['moderated']);
    expect(s.logs.at(-1)).toMatch(/\) mute 1 addr "loud" in "#quiet" for 600 s reason "spam"$/);
    s.act('op', { type: 'mute', name: 'loud', duration: 0 });
    expect(s.logs.at(-1)).toMatch(/\) mute 2 addr "loud" server-wide for 0 s$/);
    s.act('op', { type: 'unmute', name: 'loud', room: '#quiet' });
    expect(s.logs.at(-1)).toMatch(/\) unmute "loud" in "#quiet" lifted 1$/);
  });
});

describe('the moderation state (7.18)', () => {
  it('holds at most maxBans, saves key bans only, and reads them back', () => {
    const m = new Moderation(
      { maxBans: 2, maxMutes: 2 },
      { addressSecret: Buffer.alloc(32, 1), persist: true, operators: [] },
    );
    const key = { kind: 'key' as const, target: opKey.fingerprint };
    expect(m.ban(key, 'op', 0, 1000, {})).toMatchObject({ id: 1, until: 0 });
    expect(m.ban({ kind: 'addr', target: m.addressHash('10.0.0.1') }, 'op', 10, 1000, {})).toMatchObject({
      id: 2,
      until: 11_000,
    });
    expect(m.ban(key, 'op', 0, 1000, {})).toBeNull();
    const saved = m.takeSave()!;
    expect(saved.bans.map((b) => b.kind)).toEqual(['key']);
    expect(m.takeSave()).toBeNull();
    expect(m.list(11_000).map((b) => b.id)).toEqual([1]);
    const again = new Moderation(
      { maxBans: 5, maxMutes: 5 },
      { addressSecret: Buffer.alloc(32, 2), saved: parseSavedBans(JSON.parse(JSON.stringify(saved))) },
    );
    expect(again.bannedBy({ fingerprint: opKey.fingerprint, addr: null }, 0)?.id).toBe(1);
    expect(again.ban(key, 'op', 0, 0, {})?.id).toBe(2);
    expect(m.addressHash('10.0.0.1')).not.toBe(again.addressHash('10.0.0.1'));
    for (const bad of [
      null,
      { version: 1 },
      { version: 1, bans: [{ id: 1, kind: 'addr', target: 'x', by: 'o', until: 0 }] },
      { version: 1, bans: [{ id: 0, kind: 'key', target: opKey.fingerprint, by: 'o', until: 0 }] },
    ])
      expect(() => parseSavedBans(bad)).toThrow();
  });
});
