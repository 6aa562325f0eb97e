/**
 * Mutes (spec 7.18 Mute, Unmute, Who is told): an unmute by name lifts every mute that covers the
 * member, key and address alike, and says NO_SUCH_MUTE when there is none; a mute whose member
 * has left is listed (`mutes`) and lifted by id; mutes by key and address hash; a room mute ends
 * with its room; a member muted server-wide makes no new room; who is told of a mute.
 */
import { describe, expect, it } from 'vitest';
import { Moderation } from '../../src/chat/moderation.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { errorOf, opKey, server, trollKey } from './moderation-harness.js';

const FULL = ['client-key', 'moderation', 'whois', 'rooms', 'nick', 'away'];
const NAT = '203.0.113.7';

/** An operator and whoever the test adds; every queue emptied after each step. */
function setUp() {
  const s = server();
  s.join('op', { key: opKey, features: FULL });
  const say = (name: string, text: string, room?: string) => {
    s.members.get(name)!.client.say(text, room);
    s.net.settle();
  };
  const drain = () => {
    for (const name of s.members.keys()) s.events(name);
  };
  /** What member `name` got: the types, with the action of a `moderated`. */
  const got = (name: string) =>
    s.packets(name).map((p) => (p.type === 'moderated' ? `moderated ${p.action}` : p.type));
  return { s, say, drain, got };
}

const lineOf = (packets: V2ServerPacket[], text: string) =>
  packets.some((p) => p.type === 'message' && p.text === text);

describe('unmute lifts what covers the member (7.18 Unmute)', () => {
  it('unmute of a keyed member lifts the address mute of an anonymous one that covered it, for both', () => {
    const { s, say, drain } = setUp();
    s.join('anonb', { features: FULL, address: NAT });
    s.join('keyedb', { key: trollKey, features: FULL, address: NAT });
    s.act('op', { type: 'mute', name: 'anonb', duration: 0 });
    drain();
    say('keyedb', 'covered');
    expect(errorOf(s.events('keyedb'))).toEqual(['MUTED']);
    s.act('op', { type: 'unmute', name: 'keyedb' });
    expect(s.packets('op')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'unmute', target: 'keyedb' }),
    ]);
    expect(s.logs.at(-1)).toMatch(/\) unmute "keyedb" server-wide lifted 1$/);
    say('keyedb', 'free');
    expect(lineOf(s.packets('op'), 'free')).toBe(true);
    say('anonb', 'free too');
    expect(lineOf(s.packets('op'), 'free too')).toBe(true);
  });

  it('says NO_SUCH_MUTE, to the operator alone, when no mute covers the member; names a server-wide one a room unmute leaves', () => {
    const { s, drain } = setUp();
    s.join('calm', { features: FULL });
    drain();
    s.act('op', { type: 'unmute', name: 'calm' });
    expect(errorOf(s.events('op'))).toEqual(['NO_SUCH_MUTE']);
    expect(s.packets('calm')).toEqual([]);
    expect(s.logs.at(-1)).toMatch(/unmute refused: NO_SUCH_MUTE$/);
    s.act('op', { type: 'mute', name: 'calm', duration: 0 });
    drain();
    s.act('op', { type: 'unmute', name: 'calm', room: '#lobby' });
    const [error] = s.packets('op');
    expect(error).toMatchObject({ type: 'error', code: 'NO_SUCH_MUTE', fatal: false });
    expect((error as { message: string }).message).toMatch(/server-wide mute does/);
    s.act('op', { type: 'unmute', name: 'calm', room: '#bad room' });
    expect(errorOf(s.events('op'))).toEqual(['ROOM_INVALID']);
  });

  it('without a room lifts the room mutes too; with a room only that room', () => {
    const { s, say, drain } = setUp();
    s.join('loud', { features: FULL });
    for (const n of ['op', 'loud']) s.members.get(n)!.client.roomJoin('#a');
    s.net.settle();
    s.act('op', { type: 'mute', name: 'loud', room: '#a', duration: 0 });
    s.act('op', { type: 'mute', name: 'loud', room: '#lobby', duration: 0 });
    drain();
    s.act('op', { type: 'unmute', name: 'loud', room: '#A' });
    expect(s.packets('op')).toEqual([expect.objectContaining({ action: 'unmute', room: '#a' })]);
    say('loud', 'in a', '#a');
    expect(lineOf(s.packets('op'), 'in a')).toBe(true);
    say('loud', 'in lobby');
    expect(errorOf(s.events('loud'))).toEqual(['MUTED']);
    s.act('op', { type: 'mute', name: 'loud', room: '#a', duration: 0 });
    s.act('op', { type: 'unmute', name: 'loud' });
    expect(s.logs.at(-1)).toMatch(/lifted 2,3$/);
    // Lifted everywhere: the news names no room, though both mutes it lifted had one.
    const [lifted] = s.packets('op').filter((p) => p.type === 'moderated' && p.action === 'unmute');
    expect(lifted).toMatchObject({ target: 'loud' });
    expect(lifted).not.toHaveProperty('room');
    drain();
    say('loud', 'everywhere');
    say('loud', 'everywhere a', '#a');
    const seen = s.packets('op');
    expect([lineOf(seen, 'everywhere'), lineOf(seen, 'everywhere a')]).toEqual([true, true]);
  });

  it('lists the mutes and lifts the mute of a member who has left by its id', () => {
    const { s, say, drain } = setUp();
    s.join('spammer', { features: FULL, address: NAT });
    s.act('op', { type: 'mute', name: 'spammer', duration: 0, reason: 'ads' });
    s.net.hangUp(s.members.get('spammer')!.id);
    s.net.settle();
    drain();
    s.act('op', { type: 'unmute', name: 'spammer' });
    expect(errorOf(s.events('op'))).toEqual(['NO_SUCH_USER']);
    s.act('op', { type: 'mutes' });
    const [list] = s.packets('op');
    expect(list).toEqual({
      type: 'mute_list',
      mutes: [
        {
          id: 1,
          kind: 'addr',
          target: expect.any(String),
          name: 'spammer',
          by: opKey.fingerprint,
          until: 0,
          reason: 'ads',
        },
      ],
    });
    s.join('newcomer', { features: FULL, address: NAT });
    drain();
    say('newcomer', 'hello');
    expect(errorOf(s.events('newcomer'))).toEqual(['MUTED']);
    s.act('op', { type: 'unmute', mute: 1 });
    // Told to the members it covered (the newcomer, on that address) and their roommates.
    expect(s.packets('newcomer')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'unmute', target: 'spammer' }),
    ]);
    say('newcomer', 'hello again');
    expect(lineOf(s.packets('op'), 'hello again')).toBe(true);
    s.act('op', { type: 'unmute', mute: 1 });
    expect(errorOf(s.events('op'))).toEqual(['NO_SUCH_MUTE']);
    s.act('op', { type: 'mutes' });
    expect(s.packets('op')).toEqual([{ type: 'mute_list', mutes: [] }]);
  });

  it('an unmute by id of a mute that covers no joined member goes to the operator alone', () => {
    const { s, drain } = setUp();
    s.join('watch', { features: FULL });
    drain();
    s.act('op', { type: 'mute', key: trollKey.fingerprint, duration: 60 });
    expect(s.packets('op')).toEqual([
      expect.objectContaining({ type: 'moderated', action: 'mute', target: trollKey.fingerprint }),
    ]);
    expect(s.packets('watch')).toEqual([]);
    s.act('op', { type: 'unmute', mute: 1 });
    expect(s.packets('op')).toEqual([
      expect.objectContaining({ action: 'unmute', target: trollKey.fingerprint }),
    ]);
    expect(s.packets('watch')).toEqual([]);
  });

  it('refuses a mute without exactly one target, and an unmute without exactly one of name and mute, as PACKET_MALFORMED', () => {
    for (const bad of [
      { type: 'mute', duration: 1 },
      { type: 'mute', name: 'op', key: opKey.fingerprint, duration: 1 },
      { type: 'unmute' },
      { type: 'unmute', name: 'op', mute: 1 },
      { type: 'unmute', mute: 1, room: '#lobby' },
    ] as const) {
      const { s } = setUp();
      s.act('op', bad as never);
      expect(errorOf(s.events('op'))).toEqual(['PACKET_MALFORMED']);
      expect(s.members.get('op')!.client.state).toBe('CLOSED');
    }
  });
});

describe('mutes by key and address, and their bound (7.18 Mute)', () => {
  it('an address mute covers a keyed member reconnecting anonymously from that address; a key mute follows the key', () => {
    const { s, say, drain } = setUp();
    s.join('kt', { key: trollKey, features: FULL, address: NAT });
    s.members.get('op')!.client.whois('kt');
    s.net.settle();
    const { addr } = s.packets('op').find((p) => p.type === 'whois_reply') as { addr: string };
    s.act('op', { type: 'mute', name: 'kt', duration: 0 });
    s.act('op', { type: 'mute', addr, duration: 0 });
    s.net.hangUp(s.members.get('kt')!.id);
    s.join('kt_anon', { features: FULL, address: NAT });
    s.join('kt_far', { key: trollKey, features: FULL, address: '198.51.100.1' });
    s.join('other', { key: identityFromSeed(Buffer.alloc(32, 40)), features: FULL });
    drain();
    say('kt_anon', 'x');
    say('kt_far', 'y');
    say('other', 'z');
    expect([errorOf(s.events('kt_anon')), errorOf(s.events('kt_far'))]).toEqual([['MUTED'], ['MUTED']]);
    expect(lineOf(s.packets('op'), 'z')).toBe(true);
  });

  it('a muted member that reconnects joins under a new name and is still muted', () => {
    const { s, say, drain } = setUp();
    s.join('target', { features: FULL, address: NAT });
    s.act('op', { type: 'mute', name: 'target', duration: 0 });
    s.net.hangUp(s.members.get('target')!.id);
    s.join('newname', { features: FULL, address: NAT });
    expect(s.members.get('newname')!.client.state).toBe('JOINED');
    drain();
    say('newname', 'x');
    expect(errorOf(s.events('newname'))).toEqual(['MUTED']);
  });

  it('holds at most maxMutes; a mute of the same target and scope replaces one and always fits; ends by its duration', () => {
    const m = new Moderation({ maxBans: 1, maxMutes: 2 }, { addressSecret: Buffer.alloc(32, 3) });
    const a = { kind: 'addr' as const, target: m.addressHash('10.0.0.1') };
    const k = { kind: 'key' as const, target: opKey.fingerprint };
    const room = { key: 'side', name: '#Side' };
    const by = { by: 'op' };
    expect(m.mute(a, null, 10, 1000, by)).toMatchObject({ id: 1, until: 11_000 });
    expect(m.mute(a, room, 0, 1000, { ...by, name: 'n', reason: 'r' })).toEqual({
      id: 2,
      kind: 'addr',
      target: a.target,
      name: 'n',
      room: '#Side',
      by: 'op',
      until: 0,
      reason: 'r',
    });
    expect(m.mute(k, null, 0, 1000, by)).toBeNull();
    expect(m.mute(a, null, 0, 1000, by)?.id).toBe(3);
    expect(m.muteList(1000).map((e) => e.id)).toEqual([2, 3]);
    expect(m.muted({ fingerprint: null, addr: a.target }, 1000, 'other')).toBe(true);
    expect(m.unmuteCovering({ fingerprint: null, addr: a.target }, 'side', 1000).map((e) => e.id)).toEqual([
      2,
    ]);
    expect(m.mute(k, room, 5, 1000, by)?.id).toBe(4);
    expect(m.muted({ fingerprint: opKey.fingerprint, addr: null }, 5999, 'side')).toBe(true);
    expect(m.muted({ fingerprint: opKey.fingerprint, addr: null }, 6000, 'side')).toBe(false);
    expect(m.muteList(6000).map((e) => e.id)).toEqual([3]);
    m.mute(k, room, 0, 6000, by);
    m.roomGone('side');
    expect(m.muteList(6000).map((e) => e.id)).toEqual([3]);
    expect(m.unmuteId(3, 6000)?.id).toBe(3);
    expect(m.unmuteId(3, 6000)).toBeUndefined();
  });
});

describe('what a mute covers beyond words in rooms (7.18)', () => {
  it('a member muted server-wide makes no new room (its name would be in every room list), but joins one that exists', () => {
    const { s, drain } = setUp();
    s.join('loud', { features: FULL });
    s.act('op', { type: 'mute', name: 'loud', duration: 0 });
    s.members.get('op')!.client.roomJoin('#open');
    s.net.settle();
    drain();
    const loud = s.members.get('loud')!.client;
    loud.roomJoin('#buy-my-stuff');
    s.net.settle();
    expect(errorOf(s.events('loud'))).toEqual(['MUTED']);
    s.members.get('op')!.client.listRooms();
    s.net.settle();
    const [list] = s.packets('op');
    expect(list.type === 'room_list' && list.rooms.map((r) => r.room)).toEqual(['#lobby', '#open']);
    loud.roomJoin('#open');
    s.net.settle();
    expect(s.packets('loud').map((p) => p.type)).toEqual(['room_joined']);
  });

  it('a member muted in one room only may make a new room', () => {
    const { s } = setUp();
    s.join('loud', { features: FULL });
    s.act('op', { type: 'mute', name: 'loud', room: '#lobby', duration: 0 });
    s.events('loud');
    s.members.get('loud')!.client.roomJoin('#own');
    s.net.settle();
    expect(s.packets('loud').map((p) => p.type)).toEqual(['room_joined']);
  });

  it('a room mute ends when its room empties: a later room of that name is not muted', () => {
    const { s, say, drain } = setUp();
    s.join('so', { features: FULL });
    const so = s.members.get('so')!.client;
    so.roomJoin('#solo');
    s.net.settle();
    s.act('op', { type: 'mute', name: 'so', room: '#solo', duration: 0 });
    drain();
    say('so', 'muted', '#solo');
    expect(errorOf(s.events('so'))).toEqual(['MUTED']);
    so.roomPart('#solo');
    so.roomJoin('#solo');
    s.net.settle();
    drain();
    say('so', 'new room', '#solo');
    expect(lineOf(s.packets('so'), 'new room')).toBe(true);
    s.act('op', { type: 'mutes' });
    expect(s.packets('op')).toEqual([{ type: 'mute_list', mutes: [] }]);
  });
});

describe('who is told of a mute (7.18 Who is told)', () => {
  it("a room mute: the operator, the target and that room's members; not the target's roommates elsewhere", () => {
    const { s, drain, got } = setUp();
    s.join('tgt', { features: FULL });
    s.join('inA', { features: FULL });
    s.join('lobbyOnly', { features: FULL });
    s.join('old', { features: ['client-key', 'moderation'] });
    for (const n of ['tgt', 'inA']) s.members.get(n)!.client.roomJoin('#a');
    s.net.settle();
    drain();
    s.act('op', { type: 'mute', name: 'tgt', room: '#a', duration: 0 });
    expect([got('op'), got('tgt'), got('inA'), got('lobbyOnly'), got('old')]).toEqual([
      ['moderated mute'],
      ['moderated mute'],
      ['moderated mute'],
      [],
      [],
    ]);
    // A mute of #lobby reaches a member without rooms, whose one room it is, without `room`.
    s.act('op', { type: 'mute', name: 'tgt', room: '#lobby', duration: 0 });
    const [news] = s.packets('old');
    expect(news).toMatchObject({ type: 'moderated', action: 'mute', target: 'tgt' });
    expect(news).not.toHaveProperty('room');
    expect(got('lobbyOnly')).toEqual(['moderated mute']);
  });

  it('a room mute of a member not in the room: the members there and the target; a server-wide mute of a member in no room: the target', () => {
    const { s, drain, got } = setUp();
    s.join('inb', { features: FULL });
    s.join('inA', { features: FULL });
    s.join('bmate', { features: FULL });
    s.members.get('inA')!.client.roomJoin('#a');
    for (const n of ['inb', 'bmate']) s.members.get(n)!.client.roomJoin('#b');
    s.net.settle();
    drain();
    s.act('op', { type: 'mute', name: 'inb', room: '#a', duration: 0 });
    expect([got('inb'), got('inA'), got('bmate')]).toEqual([['moderated mute'], ['moderated mute'], []]);
    for (const room of ['#lobby', '#b']) s.members.get('inb')!.client.roomPart(room);
    s.net.settle();
    drain();
    s.act('op', { type: 'mute', name: 'inb', duration: 0 });
    expect([got('op'), got('inb'), got('inA'), got('bmate')]).toEqual([
      ['moderated mute'],
      ['moderated mute'],
      [],
      [],
    ]);
  });
});

describe('who is told of a kick (7.18)', () => {
  it('the operator and those sharing a room with the target; not a member in other rooms only', () => {
    const { s, drain, got } = setUp();
    s.join('tgt', { features: FULL });
    s.join('mate', { features: FULL });
    s.join('far', { features: FULL });
    const far = s.members.get('far')!.client;
    far.roomJoin('#far');
    far.roomPart('#lobby');
    s.net.settle();
    drain();
    s.act('op', { type: 'kick', name: 'tgt' });
    expect([got('op'), got('mate'), got('far')]).toEqual([
      ['moderated kick', 'user_left'],
      ['moderated kick', 'user_left'],
      [],
    ]);
  });
});
