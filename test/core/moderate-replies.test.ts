/**
 * What an operator's request gets back, word for word (moderate.ts, spec 7.18): the message of
 * each refusal (NOT_OPERATOR, NO_SUCH_USER, NO_SUCH_BAN, RATE_LIMITED for a full ban list), what a
 * kicked or banned member is told, the news without a reason when none was given, whom a ban of
 * someone absent is shown as, and the log line of each action.
 */
import { describe, expect, it } from 'vitest';
import type { V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { opKey, server, trollKey } from './moderation-harness.js';

/** The code and message of each error a member got (a fatal one as the server worded it). */
const errors = (events: readonly V2ClientConnectionEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'error'
      ? [[e.error.code, e.error.message.replace(/^server: /, '')]]
      : e.kind === 'packet' && e.packet.type === 'error'
        ? [[e.packet.code, e.packet.message]]
        : [],
  );

/** The server logged this line (after its connection prefix). */
const logged = (logs: readonly string[], line: string) => logs.some((l) => l.endsWith(`: ${line}`));

function withOp() {
  const s = server();
  s.join('op', { key: opKey });
  s.packets('op');
  return s;
}

describe('refusals, word for word (7.18)', () => {
  it('tells a member that is no operator so, and logs it as anonymous when it has no key', () => {
    const s = withOp();
    s.join('anon');
    s.act('anon', { type: 'bans' });
    expect(errors(s.events('anon'))).toEqual([['NOT_OPERATOR', 'only an operator may do that (7.18)']]);
    expect(logged(s.logs, 'moderation: anonymous ("anon") bans refused: NOT_OPERATOR')).toBe(true);
  });

  it('names the name nobody holds, for a kick and for a ban', () => {
    const s = withOp();
    s.act('op', { type: 'kick', name: 'ghost' });
    s.act('op', { type: 'ban', name: 'ghost', duration: 0 });
    expect(errors(s.events('op'))).toEqual([
      ['NO_SUCH_USER', 'nobody called "ghost" is here'],
      ['NO_SUCH_USER', 'nobody called "ghost" is here'],
    ]);
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") kick refused: NO_SUCH_USER`)).toBe(true);
  });

  it('names the ban id that is not in force', () => {
    const s = withOp();
    s.act('op', { type: 'unban', ban: 99 });
    expect(errors(s.events('op'))).toEqual([['NO_SUCH_BAN', 'no ban in force has the id 99']]);
  });
});

describe('what the member is told, and the news (7.18)', () => {
  it('tells a kicked member who kicked it and why, and the news has no reason when none was given', () => {
    const s = withOp();
    s.join('a');
    s.join('b');
    s.packets('op');
    s.act('op', { type: 'kick', name: 'a', reason: 'spam' });
    expect(errors(s.events('a'))).toEqual([['KICKED', 'op kicked you: spam']]);
    s.act('op', { type: 'kick', name: 'b' });
    expect(errors(s.events('b'))).toEqual([['KICKED', 'op kicked you']]);
    const news = s.packets('op').filter((p) => p.type === 'moderated');
    expect(news.map((p) => 'reason' in p)).toEqual([true, false]);
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") kick "b"`)).toBe(true);
  });

  it('tells a banned member who banned it and why', () => {
    const s = withOp();
    s.join('a', { key: trollKey });
    s.join('b');
    s.act('op', { type: 'ban', name: 'a', duration: 60, reason: 'flood' });
    expect(errors(s.events('a'))).toEqual([['BANNED', 'op banned you: flood']]);
    s.act('op', { type: 'ban', name: 'b', duration: 0 });
    expect(errors(s.events('b'))).toEqual([['BANNED', 'op banned you']]);
    s.packets('op');
    s.act('op', { type: 'bans' });
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") bans`)).toBe(true);
  });

  it('shows a ban of an absent key by the key, to the operator only, and an unban by the name banned', () => {
    const s = withOp();
    s.join('watcher', { features: ['moderation'] });
    s.packets('watcher');
    s.act('op', { type: 'ban', key: trollKey.fingerprint, duration: 5 });
    const [news] = s.packets('op').filter((p) => p.type === 'moderated');
    expect(news).toMatchObject({ action: 'ban', target: trollKey.fingerprint, duration: 5 });
    expect(s.packets('watcher')).toEqual([]);
    expect(
      logged(
        s.logs,
        `moderation: ${opKey.fingerprint} ("op") ban 1 key ${JSON.stringify(trollKey.fingerprint)} for 5 s`,
      ),
    ).toBe(true);

    s.join('a', {
      key: trollKey.fingerprint === opKey.fingerprint ? undefined : undefined,
      address: '10.9.9.9',
    });
    s.act('op', { type: 'ban', name: 'a', duration: 0 });
    s.act('op', { type: 'unban', ban: 2 });
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") unban 2 "a"`)).toBe(true);
  });

  it('shows an address ban by the name of the member it covers', () => {
    const s = withOp();
    s.join('a', { address: '10.7.7.7' });
    s.packets('op');
    const addr = s.chat.room.guards.moderation!.addressHash('10.7.7.7');
    s.act('op', { type: 'ban', addr, duration: 0 });
    const [news] = s.packets('op').filter((p) => p.type === 'moderated');
    expect(news).toMatchObject({ action: 'ban', target: 'a' });
  });

  it('refuses a ban past maxBans as RATE_LIMITED, saying so', () => {
    const s = withOp();
    const moderation = s.chat.room.guards.moderation!;
    for (let i = 0; moderation.ban({ kind: 'addr', target: `x${i}` }, 'op', 0, 0, {}) !== null; i++);
    s.act('op', { type: 'ban', key: trollKey.fingerprint, duration: 0 });
    expect(errors(s.events('op'))).toEqual([
      ['RATE_LIMITED', 'the ban list is full: lift a ban first (maxBans, 11)'],
    ]);
  });

  it('logs the message of the day it sets', () => {
    const s = withOp();
    s.act('op', { type: 'motd', text: 'welcome' });
    expect(logged(s.logs, `moderation: ${opKey.fingerprint} ("op") motd "welcome"`)).toBe(true);
  });
});
