/**
 * What an operator's mute requests get back, word for word (moderate-mutes.ts, spec 7.18): each
 * refusal's message, the NO_SUCH_MUTE that says a server-wide mute still holds, and the log line
 * of a listing.
 */
import { describe, expect, it } from 'vitest';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { opKey, server, trollKey } from './moderation-harness.js';

const errors = (events: readonly V2ClientConnectionEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'packet' && e.packet.type === 'error' ? [[e.packet.code, e.packet.message]] : [],
  );
const logged = (logs: readonly string[], line: string) => logs.some((l) => l.endsWith(`: ${line}`));

function withOp() {
  const s = server();
  s.join('op', { key: opKey, features: ['client-key', 'moderation', 'whois', 'rooms'] });
  s.packets('op');
  return s;
}

describe('mute refusals, word for word (7.18)', () => {
  it('names the name nobody holds, the room that is no name or does not exist, and the mute id not in force', () => {
    const s = withOp();
    s.act('op', { type: 'mute', name: 'ghost', duration: 0 });
    s.act('op', { type: 'mute', name: 'op', room: '#nowhere', duration: 0 });
    s.act('op', { type: 'unmute', mute: 42 });
    expect(errors(s.events('op'))).toEqual([
      ['NO_SUCH_USER', 'nobody called "ghost" is here'],
      ['NO_SUCH_ROOM', 'there is no room "#nowhere" (nobody is in it)'],
      ['NO_SUCH_MUTE', 'no mute in force has the id 42'],
    ]);
  });

  it('says a server-wide mute still holds when a room unmute lifts nothing', () => {
    const s = withOp();
    s.join('bob', { features: ['rooms', 'moderation'] });
    s.act('op', { type: 'mute', name: 'bob', duration: 0 });
    s.packets('op');
    s.act('op', { type: 'unmute', name: 'bob', room: '#lobby' });
    const [[code, message]] = errors(s.events('op'));
    expect(code).toBe('NO_SUCH_MUTE');
    expect(message).toContain(' in #lobby');
    expect(message).toContain(' (a server-wide mute does: unmute without a room lifts it)');
    s.act('op', { type: 'unmute', name: 'bob' });
    s.act('op', { type: 'unmute', name: 'bob' });
    const [[, again]] = errors(s.events('op'));
    expect(again).toBe('no mute covers "bob"');
  });

  it('names a room name that is no name, for a mute and for an unmute by name', () => {
    const s = withOp();
    s.act('op', { type: 'mute', name: 'op', room: 'lobby', duration: 0 });
    s.act('op', { type: 'unmute', name: 'op', room: 'lobby' });
    expect(errors(s.events('op'))).toEqual([
      ['ROOM_INVALID', '"lobby" is not a room name (7.15)'],
      ['ROOM_INVALID', '"lobby" is not a room name (7.15)'],
    ]);
  });

  it('says the mute list is full when maxMutes are in force', () => {
    const s = server({ limits: { maxMutes: 1 } });
    s.join('op', { key: opKey, features: ['client-key', 'moderation'] });
    s.act('op', { type: 'mute', key: trollKey.fingerprint, duration: 0 });
    s.packets('op');
    s.act('op', { type: 'mute', name: 'op', duration: 0 });
    expect(errors(s.events('op'))).toEqual([
      ['RATE_LIMITED', 'the mute list is full: lift a mute first (maxMutes, 11)'],
    ]);
  });

  it('cannot mute by name an anonymous member whose address the server does not know', () => {
    const s = withOp();
    s.join('nowhere', { features: ['moderation'], address: null });
    s.act('op', { type: 'mute', name: 'nowhere', duration: 0 });
    expect(errors(s.events('op'))).toEqual([
      ['NO_SUCH_USER', '"nowhere" has no key and no known address to mute'],
    ]);
  });

  it('logs a listing of the mutes', () => {
    const s = withOp();
    s.act('op', { type: 'mutes' });
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") mutes`)).toBe(true);
  });
});

describe('who is told of a mute (7.18)', () => {
  const news = (packets: readonly V2ServerPacket[]) =>
    packets.flatMap((p) => (p.type === 'moderated' ? [p] : []));

  it('tells a server-wide mute, with its reason, to the member and its roommates, with rooms or without', () => {
    const s = withOp();
    s.join('bob', { features: ['moderation'] });
    s.join('plain', { features: ['moderation'] });
    for (const n of ['op', 'bob', 'plain']) s.packets(n);
    s.act('op', { type: 'mute', name: 'bob', duration: 60, reason: 'loud' });
    for (const n of ['op', 'bob', 'plain'])
      expect(news(s.packets(n)), n).toEqual([
        expect.objectContaining({ action: 'mute', target: 'bob', reason: 'loud' }),
      ]);
  });

  it("tells #lobby's mute to members without rooms too", () => {
    const s = withOp();
    s.join('bob', { features: ['moderation'] });
    s.join('plain', { features: ['moderation'] });
    for (const n of ['op', 'bob', 'plain']) s.packets(n);
    s.act('op', { type: 'mute', name: 'bob', room: '#lobby', duration: 0 });
    expect(news(s.packets('plain'))).toHaveLength(1);
    expect(news(s.packets('bob'))).toHaveLength(1);
  });

  it("tells a room mute other than #lobby's to the members of that room, not to a covered member without rooms", () => {
    const s = withOp();
    s.join('alice', { features: ['rooms', 'moderation'] });
    s.join('plain', { features: ['moderation'] });
    s.members.get('alice')!.client.roomJoin('#dev');
    s.net.settle();
    for (const n of ['op', 'alice', 'plain']) s.packets(n);
    s.act('op', { type: 'mute', name: 'plain', room: '#dev', duration: 0 });
    expect(news(s.packets('op'))).toEqual([expect.objectContaining({ target: 'plain', room: '#dev' })]);
    expect(news(s.packets('alice'))).toEqual([expect.objectContaining({ target: 'plain', room: '#dev' })]);
    expect(news(s.packets('plain'))).toEqual([]);
  });

  it('tells a room mute that covers no joined member to the operator alone, not to the room', () => {
    const s = withOp();
    s.join('alice', { features: ['rooms', 'moderation'] });
    s.members.get('alice')!.client.roomJoin('#dev');
    s.net.settle();
    for (const n of ['op', 'alice']) s.packets(n);
    s.act('op', { type: 'mute', key: trollKey.fingerprint, room: '#dev', duration: 0 });
    expect(news(s.packets('op'))).toHaveLength(1);
    expect(news(s.packets('alice'))).toEqual([]);
  });

  it('shows a key mute by the name of the member holding the key, in the mute and in its unmute by id', () => {
    const s = withOp();
    s.join('troll', { key: trollKey, features: ['client-key', 'moderation'] });
    for (const n of ['op', 'troll']) s.packets(n);
    s.act('op', { type: 'mute', key: trollKey.fingerprint, duration: 0 });
    s.act('op', { type: 'unmute', mute: 1 });
    expect(news(s.packets('troll'))).toEqual([
      expect.objectContaining({ action: 'mute', target: 'troll' }),
      expect.objectContaining({ action: 'unmute', target: 'troll' }),
    ]);
  });

  it('names the room in its recorded spelling, whatever spelling the operator used (7.15)', () => {
    const s = withOp();
    s.join('alice', { features: ['rooms', 'moderation'] });
    s.members.get('alice')!.client.roomJoin('#Dev');
    s.net.settle();
    for (const n of ['op', 'alice']) s.packets(n);
    s.act('op', { type: 'mute', name: 'alice', room: '#DEV', duration: 0 });
    s.act('op', { type: 'unmute', name: 'alice', room: '#dEv' });
    for (const n of ['op', 'alice'])
      expect(news(s.packets(n)).map((p) => [p.action, p.room])).toEqual([
        ['mute', '#Dev'],
        ['unmute', '#Dev'],
      ]);
    expect(s.logs.filter((l) => l.includes('#Dev'))).toHaveLength(2);
    expect(s.logs.filter((l) => l.includes('#DEV') || l.includes('#dEv'))).toEqual([]);
  });

  it('tells a mute of a key nobody joined with to the operator alone', () => {
    const s = withOp();
    s.join('watcher', { features: ['moderation'] });
    s.packets('watcher');
    s.act('op', { type: 'mute', key: trollKey.fingerprint, duration: 0 });
    expect(news(s.packets('op'))).toEqual([
      expect.objectContaining({ action: 'mute', target: trollKey.fingerprint }),
    ]);
    expect(news(s.packets('watcher'))).toEqual([]);
  });
});
