/**
 * Keys and moderation in the client's view (spec 7.16-7.18): the operator commands as typed, Tab
 * after them, the marks in the user list and /users, /whois, the news lines, the ban list, and
 * what a kicked, banned or muted user is told.
 */
import { describe, expect, it } from 'vitest';
import { lossDetail, NO_RETRY } from '../../reference-client/app/app-options.js';
import { parseInput } from '../../reference-client/view/commands.js';
import { durationText, parseDuration } from '../../reference-client/view/moderation-commands.js';
import { sidebarEntry } from '../../reference-client/view/user-list.js';
import { serverRefusalText } from '../../src/client/server-refusal.js';
import { joinedModel, lastLine } from './support/joined-model.js';

const FP = `SHA256:${'k'.repeat(43)}`;

describe('operator commands (7.18)', () => {
  it('parse into the requests the server takes', () => {
    expect(parseInput('/kick bob spamming the room')).toEqual({
      kind: 'moderate',
      request: { type: 'kick', name: 'bob', reason: 'spamming the room' },
    });
    expect(parseInput('/kick bob')).toEqual({ kind: 'moderate', request: { type: 'kick', name: 'bob' } });
    expect(parseInput('/ban bob 2h flood')).toEqual({
      kind: 'moderate',
      request: { type: 'ban', name: 'bob', duration: 7200, reason: 'flood' },
    });
    expect(parseInput(`/ban ${FP}`)).toEqual({
      kind: 'moderate',
      request: { type: 'ban', key: FP, duration: 0 },
    });
    expect(parseInput('/ban addr:AbCdEfGh1234 1d')).toEqual({
      kind: 'moderate',
      request: { type: 'ban', addr: 'AbCdEfGh1234', duration: 86400 },
    });
    expect(parseInput('/unban #3')).toEqual({ kind: 'moderate', request: { type: 'unban', ban: 3 } });
    expect(parseInput('/bans')).toEqual({ kind: 'moderate', request: { type: 'bans' } });
    expect(parseInput('/mute bob #dev 10m shouting')).toEqual({
      kind: 'moderate',
      request: { type: 'mute', name: 'bob', room: '#dev', duration: 600, reason: 'shouting' },
    });
    expect(parseInput('/mute bob')).toEqual({
      kind: 'moderate',
      request: { type: 'mute', name: 'bob', duration: 0 },
    });
    expect(parseInput('/unmute bob #dev')).toEqual({
      kind: 'moderate',
      request: { type: 'unmute', name: 'bob', room: '#dev' },
    });
    expect(parseInput('/motd welcome all')).toEqual({
      kind: 'moderate',
      request: { type: 'motd', text: 'welcome all' },
    });
    expect(parseInput('/motd -')).toEqual({ kind: 'moderate', request: { type: 'motd', text: '' } });
  });

  it('mute by name, key or address hash, list the mutes and lift one by id (7.18)', () => {
    expect(parseInput(`/mute ${FP} #dev 1h`)).toEqual({
      kind: 'moderate',
      request: { type: 'mute', key: FP, room: '#dev', duration: 3600 },
    });
    expect(parseInput('/mute addr:AbCdEfGh1234 loud')).toEqual({
      kind: 'moderate',
      request: { type: 'mute', addr: 'AbCdEfGh1234', duration: 0, reason: 'loud' },
    });
    expect(parseInput('/mute addr:nope')).toMatchObject({ kind: 'bad', command: 'mute' });
    expect(parseInput('/mutes')).toEqual({ kind: 'moderate', request: { type: 'mutes' } });
    expect(parseInput('/mutes all')).toMatchObject({ kind: 'bad', command: 'mutes' });
    expect(parseInput('/unmute #4')).toEqual({ kind: 'moderate', request: { type: 'unmute', mute: 4 } });
    expect(parseInput('/unmute bob')).toEqual({ kind: 'moderate', request: { type: 'unmute', name: 'bob' } });
    expect(parseInput('/unmute #0')).toMatchObject({ kind: 'usage', command: 'unmute' });
    expect(parseInput('/unmute')).toMatchObject({ kind: 'usage', command: 'unmute' });
    expect(parseInput('/unmute bob #dev #ops')).toMatchObject({ kind: 'usage', command: 'unmute' });
  });

  it('refuse what the server would refuse, before it costs the connection', () => {
    expect(parseInput('/kick')).toEqual({ kind: 'usage', command: 'kick', usage: '/kick NAME [REASON]' });
    expect(parseInput('/unban x')).toMatchObject({ kind: 'usage', command: 'unban' });
    expect(parseInput('/unban 0')).toMatchObject({ kind: 'usage', command: 'unban' });
    expect(parseInput('/unmute bob now')).toMatchObject({ kind: 'usage', command: 'unmute' });
    expect(parseInput('/ban SHA256:short')).toMatchObject({ kind: 'bad', command: 'ban' });
    expect(parseInput('/ban addr:nope')).toMatchObject({ kind: 'bad', command: 'ban' });
    expect(parseInput(`/kick bob ${'x'.repeat(257)}`)).toMatchObject({ kind: 'bad', why: /longer than 256/ });
    expect(parseInput(`/motd ${'x'.repeat(513)}`)).toMatchObject({ kind: 'bad', why: /longer than 512/ });
    expect(parseInput('/bans all')).toMatchObject({ kind: 'bad', command: 'bans' });
    // A reason is one line (7.1): a pasted tab becomes a space rather than a fatal PACKET_MALFORMED.
    expect(parseInput('/kick bob a\tb')).toMatchObject({ request: { reason: 'a b' } });
  });

  it('read durations with units, within the packet table bound', () => {
    expect([
      parseDuration('90'),
      parseDuration('10m'),
      parseDuration('2H'),
      parseDuration('forever'),
    ]).toEqual([90, 600, 7200, 0]);
    expect(parseDuration('366d')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
    expect([durationText(0), durationText(90), durationText(90061)]).toEqual(['no end', '1m 30s', '1d 1h']);
  });

  it('need a connection, and answer /key and /key new as effects', () => {
    const vm = joinedModel(['bob', 'me']);
    expect(vm.submitLine('/kick bob')).toEqual([
      { kind: 'moderate', request: { type: 'kick', name: 'bob' } },
    ]);
    expect(vm.submitLine('/key')).toEqual([{ kind: 'key', make: false }]);
    expect(vm.submitLine('/key new')).toEqual([{ kind: 'key', make: true }]);
    expect(vm.submitLine('/key old')).toEqual([]);
    expect(lastLine(vm)).toBe('error: usage: /key [new]');
    expect(vm.submitLine('/ban SHA256:x')).toEqual([]);
    expect(lastLine(vm)).toMatch(/^error: \/ban: a ban names a member/);
    vm.connectionLost('gone', null, 0);
    expect(vm.submitLine('/bans')).toEqual([]);
    expect(lastLine(vm)).toMatch(/\/bans needs a connection/);
  });

  it('complete with Tab: the commands, names after them, ban ids after /unban', () => {
    const vm = joinedModel(['bob', 'me']);
    const tab = (text: string) => {
      vm.insert(text);
      vm.key('tab');
      const got = vm.state.input;
      vm.key('escape');
      while (vm.state.input !== '') vm.key('backspace');
      return got;
    };
    expect(tab('/kic')).toBe('/kick ');
    expect(tab('/unm')).toBe('/unmute ');
    expect(tab('/ban b')).toBe('/ban bob ');
    vm.apply({ kind: 'ban-list', bans: [{ id: 7, kind: 'addr', target: 'AbCdEfGh1234', by: FP, until: 0 }] });
    expect(tab('/unban ')).toBe('/unban 7');
  });
});

describe('keys and operators in the view (7.16, 7.18)', () => {
  it('mark operators and keyed members in the user list and /users, never anonymous ones', () => {
    const vm = joinedModel(['ann', 'bob', 'me']);
    vm.apply({
      kind: 'member-keys',
      marks: new Map([
        ['ann', { key: 'AAAAAAAAAAAA', op: true }],
        ['me', { key: 'BBBBBBBBBBBB', op: false }],
      ]),
    });
    vm.submitLine('/users');
    expect(lastLine(vm)).toBe('3 users: @ann, bob, +me');
    expect(sidebarEntry(vm.state, 'ann', 10).text).toBe(' @ann');
    expect(sidebarEntry(vm.state, 'bob', 10).text).toBe(' bob');
    expect(sidebarEntry(vm.state, 'me', 4).text).toBe(' +me');
    expect(sidebarEntry(vm.state, 'ann', 3).text).toBe(' @…');
  });

  it('show in /whois whether a member is keyed, its fingerprint, and what an operator sees', () => {
    const vm = joinedModel(['bob', 'me']);
    vm.apply({ kind: 'whois', name: 'bob', joined: 1000, idle: 0, away: false, fingerprint: FP, op: true });
    expect(lastLine(vm)).toMatch(new RegExp(`^bob: joined .*, keyed ${FP}, operator$`));
    vm.apply({
      kind: 'whois',
      name: 'eve',
      joined: 1000,
      idle: 0,
      away: false,
      addr: 'AbCdEfGh1234',
      address: '10.0.0.9',
    });
    expect(lastLine(vm)).toMatch(/, no key \(anonymous\), addr:AbCdEfGh1234 \(10\.0\.0\.9\)$/);
  });

  it('say whether the server took the own key on join', () => {
    const vm = joinedModel(['me']);
    vm.ownKey(FP);
    vm.apply({ kind: 'joined', name: 'me', users: ['me'], key: { key: 'kkkkkkkkkkkk', op: true } });
    expect(vm.state.lines.map((l) => l.text)).toContain(
      'your key is known here as kkkkkkkkkkkk: you are an operator',
    );
    vm.apply({ kind: 'joined', name: 'me', users: ['me'] });
    expect(vm.state.lines.map((l) => l.text).join('\n')).toMatch(/did not take your key.*anonymous here/);
  });

  it('announce every action with the operator and the target, and warn the muted member', () => {
    const vm = joinedModel(['bob', 'me', 'op']);
    vm.apply({ kind: 'moderated', action: 'kick', target: 'bob', by: 'op', reason: 'spam', ts: 1 });
    expect(lastLine(vm)).toMatch(/-!- op kicked bob \(spam\)$/);
    vm.apply({ kind: 'moderated', action: 'ban', target: 'bob', by: 'op', duration: 3600, ts: 2 });
    expect(lastLine(vm)).toMatch(/-!- op banned bob for 1h$/);
    vm.apply({ kind: 'moderated', action: 'unban', target: 'bob', by: 'op', ts: 3 });
    expect(lastLine(vm)).toMatch(/-!- op lifted the ban on bob$/);
    vm.apply({ kind: 'moderated', action: 'mute', target: 'me', by: 'op', room: '#dev', duration: 0, ts: 4 });
    expect(lastLine(vm)).toMatch(/^warning: you are muted in #dev \(no end\)/);
    vm.apply({ kind: 'moderated', action: 'unmute', target: 'me', by: 'op', ts: 5 });
    expect(lastLine(vm)).toBe('you may speak again');
    vm.apply({ kind: 'moderated', action: 'motd', by: 'op', text: 'be kind', ts: 6 });
    expect(lastLine(vm)).toMatch(/-!- op set the message of the day: be kind$/);
    vm.apply({ kind: 'moderated', action: 'motd', by: 'op', text: '', ts: 7 });
    expect(lastLine(vm)).toMatch(/-!- op cleared the message of the day$/);
  });

  it('list the bans', () => {
    const vm = joinedModel(['me']);
    vm.apply({ kind: 'ban-list', bans: [] });
    expect(lastLine(vm)).toBe('no bans in force');
    vm.apply({
      kind: 'ban-list',
      bans: [
        { id: 1, kind: 'key', target: FP, name: 'bob', by: FP, until: 0, reason: 'spam' },
        { id: 2, kind: 'addr', target: 'AbCdEfGh1234', by: FP, until: 0 },
      ],
    });
    const text = vm.state.lines.slice(-3).map((l) => l.text);
    expect(text[0]).toBe('2 bans in force (/unban ID lifts one):');
    expect(text[1]).toBe(`  #1 ${FP} (bob), no end, by ${FP}: spam`);
    expect(text[2]).toBe(`  #2 addr:AbCdEfGh1234, no end, by ${FP}`);
  });

  it('list the mutes', () => {
    const vm = joinedModel(['me']);
    vm.apply({ kind: 'mute-list', mutes: [] });
    expect(lastLine(vm)).toBe('no mutes in force');
    vm.apply({
      kind: 'mute-list',
      mutes: [
        { id: 3, kind: 'key', target: FP, name: 'bob', room: '#dev', by: FP, until: 0, reason: 'loud' },
        { id: 4, kind: 'addr', target: 'AbCdEfGh1234', by: FP, until: 0 },
      ],
    });
    const text = vm.state.lines.slice(-3).map((l) => l.text);
    expect(text[0]).toBe('2 mutes in force (/unmute #ID lifts one):');
    expect(text[1]).toBe(`  #3 ${FP} (bob) in #dev, no end, by ${FP}: loud`);
    expect(text[2]).toBe(`  #4 addr:AbCdEfGh1234, no end, by ${FP}`);
    vm.apply({ kind: 'mute-list', mutes: [{ id: 5, kind: 'key', target: FP, by: FP, until: 0 }] });
    expect(lastLine(vm)).toBe(`  #5 ${FP}, no end, by ${FP}`);
    expect(vm.state.lines.at(-2)?.text).toBe('1 mute in force (/unmute #ID lifts one):');
  });

  it('tell a kicked or banned user clearly, and do not reconnect by itself', () => {
    const closed = (code: string, message: string) =>
      lossDetail({ kind: 'closed', byUser: false, error: { code, message, fatal: true } });
    expect(closed('KICKED', 'server: op kicked you: spam')).toBe(
      'KICKED: op kicked you: spam (an operator removed you; you may come back)',
    );
    expect(closed('BANNED', 'server: flood')).toBe(
      'BANNED: flood (an operator banned you: the server refuses you until the ban ends)',
    );
    for (const code of ['KICKED', 'BANNED', 'CLIENT_AUTH_FAILED']) expect(NO_RETRY.has(code)).toBe(true);
    expect(serverRefusalText('BANNED', 'x')).toBe(
      'the server says your address is banned by an operator (7.18) (unverified)',
    );
  });
});
