/**
 * The client session's user side (src/client/client-session.ts) and its wire side
 * (src/client/session-core.ts) against a scripted v2 server on a fake clock, the cases the other
 * session tests leave open: each request refused before it can be made (not ready, a feature not
 * agreed) with its sentence, the room field without the feature `rooms`, free text made one line,
 * the requests that wait for an answer, the key question's answers, quitting and aborting, and the
 * deadlines at their exact times.
 */
import { describe, expect, it } from 'vitest';
import { createLegacyServer } from '../../src/chat/legacy-dialect.js';
import { ClientSession } from '../../src/client/client-session.js';
import type { SessionEvent } from '../../src/client/events.js';
import { EXPORT_TIMEOUT_MS } from '../../src/client/pending-requests.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';
import { ScriptedServer } from './support/scripted-server.js';

const ALL = ['rooms', 'nick', 'away', 'whois', 'moderation'];

function only<K extends SessionEvent['kind']>(events: SessionEvent[], kind: K) {
  return events.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
}

describe('ClientSession: requests refused before they go out', () => {
  it('refuses every request before the server is trusted', () => {
    const s = new ClientSession({ random: seededRandom('x') });
    const calls: (() => unknown)[] = [
      () => s.join('a'),
      () => s.say('a'),
      () => s.who(),
      () => s.requestExport(),
      () => s.privateMessage('a', 'b'),
      () => s.roomJoin('#a'),
    ];
    for (const call of calls)
      expect(call).toThrow(
        expect.objectContaining({ code: 'PACKET_UNEXPECTED', message: 'not connected to a server yet' }),
      );
    s.connect(0);
    s.open(0);
    expect(() => s.join('a')).toThrow(/not connected to a server yet/);
    expect(s.state).toBe('handshaking');
  });

  it('names the feature a server did not agree, and sends nothing', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    const cases: [(s: ClientSession) => unknown, string][] = [
      [(s) => s.nick('bob'), 'this server does not offer renaming (feature nick, 5.8)'],
      [(s) => s.away(true, 'x'), 'this server does not offer away (feature away, 5.8)'],
      [(s) => s.whois('bob'), 'this server does not offer whois (feature whois, 5.8)'],
      [
        (s) => s.moderate({ type: 'kick', name: 'bob' } as never),
        'this server does not offer moderation (feature moderation, 5.8)',
      ],
      [(s) => s.listRooms(), 'this server has no rooms besides #lobby (feature rooms, 5.8)'],
      [(s) => s.roomPart('#lobby'), 'this server has no rooms besides #lobby (feature rooms, 5.8)'],
      [(s) => s.setTopic('#lobby', 't'), 'this server has no rooms besides #lobby (feature rooms, 5.8)'],
      [(s) => s.action('waves', '#dev'), 'this server has no rooms (feature rooms, 5.8): #dev is not here'],
      [(s) => s.requestExport('#dev'), 'this server has no rooms (feature rooms, 5.8): #dev is not here'],
    ];
    for (const [call, message] of cases)
      expect(() => call(t.session)).toThrow(expect.objectContaining({ code: 'PACKET_UNEXPECTED', message }));
    expect(t.pump()).toEqual([]);
    expect(t.received()).toEqual([]);
    expect(t.session.unanswered).toBe(0);
  });
});

describe('ClientSession: requests that go out', () => {
  it('sends #lobby requests of a server without rooms in the 2.0 form, any spelling of it', () => {
    const t = new ScriptedServer(['away']);
    t.join('ann');
    t.act((s) => s.action('waves', '#LOBBY'));
    t.act((s) => s.requestExport('#Lobby'));
    t.act((s) => s.say('hi'));
    expect(t.received()).toEqual([
      { type: 'me', text: 'waves' },
      { type: 'export' },
      { type: 'say', text: 'hi' },
    ]);
    expect(t.session.unanswered).toBe(3);
  });

  it('makes an away reason and a topic one line; back is its own packet', () => {
    const t = new ScriptedServer(ALL);
    t.join('ann');
    t.act((s) => s.away(true, 'a\u0000b\u001fc\u007fd\u009fe\u2028f\u2029g\u00a0h'));
    t.act((s) => s.away(true));
    t.act((s) => s.away(false, 'ignored'));
    t.act((s) => s.setTopic('#lobby', 'x\ny'));
    expect(t.received()).toEqual([
      { type: 'away', reason: 'a b c d e f g\u00a0h' },
      { type: 'away' },
      { type: 'back' },
      { type: 'topic', room: '#lobby', topic: 'x y' },
    ]);
  });

  it('waits for an answer to each request that has one, and for none of the others', () => {
    const t = new ScriptedServer(ALL);
    t.join('ann', ['ann', 'bob']);
    t.act((s) => s.privateMessage('bob', 'p'));
    t.act((s) => s.action('a'));
    t.act((s) => s.roomJoin('#dev'));
    t.act((s) => s.roomPart('#dev'));
    t.act((s) => s.listRooms());
    t.act((s) => s.who());
    expect(t.session.unanswered).toBe(6);
    t.act((s) => s.nick('zed'));
    t.act((s) => s.whois('bob'));
    t.act((s) => s.moderate({ type: 'kick', name: 'bob' } as never));
    expect(t.session.unanswered).toBe(6);
    expect(t.received().map((p) => p.type)).toEqual([
      'msg',
      'me',
      'room_join',
      'room_part',
      'rooms',
      'who',
      'nick',
      'whois',
      'kick',
    ]);
    // Each refusal answers the oldest: the private line comes back first.
    const refused = t.send({ type: 'error', code: 'NO_SUCH_USER', message: 'no bob', fatal: false });
    expect(refused).toEqual([
      {
        kind: 'error',
        code: 'NO_SUCH_USER',
        message: 'no bob',
        fatal: false,
        unsent: { kind: 'msg', to: 'bob', text: 'p' },
      },
    ]);
    expect(t.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false })[0]).toMatchObject({
      unsent: { kind: 'me', text: 'a' },
    });
    expect(
      t.send({ type: 'error', code: 'ROOM_INVALID', message: 'no', fatal: false })[0],
    ).not.toHaveProperty('unsent');
  });

  it('answers who on a server without rooms with its user_list', () => {
    const t = new ScriptedServer([]);
    t.join('ann', ['ann', 'bob']);
    t.act((s) => s.who());
    expect(t.session.unanswered).toBe(1);
    expect(t.send({ type: 'user_list', users: ['ann', 'bob', 'cat'] })).toEqual([
      { kind: 'users', room: '#lobby', users: ['ann', 'bob', 'cat'] },
    ]);
    expect(t.session.unanswered).toBe(0);
    // So a refusal that follows is matched to the line it refuses.
    t.act((s) => s.say('hi'));
    expect(t.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false })[0]).toMatchObject({
      unsent: { kind: 'say', text: 'hi' },
    });
  });
});

describe('ClientSession: the key question and the endings', () => {
  it('ignores an answer to a key question never asked', () => {
    const t = new ScriptedServer([]);
    expect(t.session.answerKey(true)).toEqual([]);
    t.join('ann');
    expect(t.session.answerKey(false)).toEqual([]);
    expect(t.session.hangUp).toBeNull();
  });

  it('asks about a first key when told to, and records it once accepted', () => {
    const t = new ScriptedServer([], { newKey: 'ask' });
    const events = t.pump();
    const asked = only(events, 'key-unknown');
    expect(asked).toHaveLength(1);
    expect(t.session.state).toBe('ready');
    expect(t.session.ready).toBeNull();
    const ready = t.session.answerKey(true);
    expect(ready.at(-1)).toMatchObject({
      kind: 'ready',
      trust: 'new',
      record: true,
      fingerprint: asked[0].presented,
    });
    expect(t.session.answerKey(true)).toEqual([]);
  });

  it('refuses a first key the user does not accept, dropping the connection', () => {
    const t = new ScriptedServer([], { newKey: 'ask' });
    t.pump();
    expect(t.session.answerKey(false)).toEqual([]);
    expect(t.session.hangUp).toBe('destroy');
    expect(t.session.transportClosed(t.now).at(-1)).toEqual({
      kind: 'closed',
      byUser: true,
      goodbye: undefined,
      error: { code: 'FINGERPRINT_MISMATCH', message: 'the new server key was not accepted', fatal: true },
    });
  });

  it('says goodbye with the reason on quit, and only once', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    t.act((s) => s.quit());
    expect(t.received()).toEqual([{ type: 'goodbye', reason: 'quit' }]);
    expect(t.session.hangUp).toBe('end');
    t.act((s) => s.quit('again'));
    expect(t.received()).toEqual([]);
  });

  it('ends a session not connected yet on quit, with nothing to say', () => {
    const s = new ClientSession({ random: seededRandom('q') });
    expect(s.quit()).toEqual([]);
    expect(s.hangUp).toBe('end');
    expect(s.takeOutput()).toHaveLength(0);
  });
});

describe('ClientSession on a legacy server', () => {
  function legacyJoined(name: string) {
    const server = createLegacyServer({
      keyAgreement: testKeyAgreement,
      random: seededRandom('server'),
      clock: () => 0,
    } as never);
    const n = new MemoryNet<SessionEvent>(server as never);
    const session = new ClientSession({
      random: seededRandom(name),
      timings: { pingMs: 0, idleTimeoutMs: 0 },
    });
    session.connect(n.now);
    session.open(n.now);
    const id = n.connect({
      receive: (chunk) => session.receive(chunk, n.now),
      receiveEnd: () => session.receiveEnd(n.now),
      takeOutput: () => session.takeOutput(),
    });
    n.settle();
    n.events(id).push(...session.join(name));
    n.settle();
    return { n, id, session };
  }

  it('names what a legacy server does not have', () => {
    const { session } = legacyJoined('ann');
    expect(session.state).toBe('joined');
    const cases: [(s: ClientSession) => unknown, string][] = [
      [(s) => s.privateMessage('bob', 'x'), 'legacy servers have no private messages'],
      [(s) => s.action('waves'), 'legacy servers have no actions (/me)'],
      [(s) => s.nick('bob'), 'legacy servers have no renaming (/nick)'],
      [(s) => s.away(true), 'legacy servers have no away state (/away)'],
      [(s) => s.whois('bob'), 'legacy servers have no whois'],
      [(s) => s.moderate({ type: 'kick', name: 'bob' } as never), 'legacy servers have no moderation'],
      [(s) => s.roomJoin('#a'), 'legacy servers have no rooms'],
    ];
    for (const [call, message] of cases)
      expect(() => call(session)).toThrow(expect.objectContaining({ code: 'PACKET_UNEXPECTED', message }));
    expect(session.unanswered).toBe(0);
  });

  it('shows its own line at once, keeps the list itself, and waits for an export', () => {
    const { n, id, session } = legacyJoined('ann');
    n.take(id);
    n.now = 4242;
    expect(session.tick(n.now)).toEqual([]);
    expect(session.say('hello', '#lobby')).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'ann', text: 'hello', ts: 4242, room: '#lobby' } },
    ]);
    expect(session.unanswered).toBe(0);
    expect(session.who('#LOBBY')).toEqual([{ kind: 'users', room: '#lobby', users: ['ann'] }]);
    expect(session.unanswered).toBe(0);
    session.requestExport();
    expect(session.unanswered).toBe(1);
    expect(session.nextDeadline).toBe(4242 + EXPORT_TIMEOUT_MS);
    n.settle();
    expect(n.take(id).filter((e) => e.kind === 'export-text')).toHaveLength(1);
    expect(session.unanswered).toBe(0);
    expect(session.answerKey(true)).toEqual([]);
  });
});
