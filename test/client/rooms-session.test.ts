/**
 * Rooms in the sans-IO client session (spec 7.15), against a scripted server on a fake clock: the
 * requests and the `room` they carry, the replies read into events (split lists joined), errors
 * matched to the request they answer, and a server without the feature `rooms` as one `#lobby`.
 */
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/client/events.js';
import { ScriptedServer } from './support/scripted-server.js';

const ALL = ['rooms', 'backlog', 'nick', 'away'];

function only<K extends SessionEvent['kind']>(events: SessionEvent[], kind: K) {
  return events.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
}

describe('ClientSession with rooms (7.15)', () => {
  it('says with rooms agreed, and sends each request with its room', () => {
    const t = new ScriptedServer(ALL);
    expect(only(t.join('ann'), 'joined')[0]).toMatchObject({ rooms: true, users: ['ann'] });
    expect(t.session.hasRooms).toBe(true);
    t.act((s) => s.roomJoin('#dev'));
    t.act((s) => s.say('hi', '#dev'));
    t.act((s) => s.action('waves', '#dev'));
    t.act((s) => s.who('#dev'));
    t.act((s) => s.requestExport('#dev'));
    t.act((s) => s.setTopic('#dev', 'a\ttopic'));
    t.act((s) => s.listRooms());
    t.act((s) => s.roomPart('#dev'));
    t.act((s) => s.say('plain'));
    expect(t.received()).toEqual([
      { type: 'room_join', room: '#dev' },
      { type: 'say', text: 'hi', room: '#dev' },
      { type: 'me', text: 'waves', room: '#dev' },
      { type: 'who', room: '#dev' },
      { type: 'export', room: '#dev' },
      { type: 'topic', room: '#dev', topic: 'a topic' },
      { type: 'rooms' },
      { type: 'room_part', room: '#dev' },
      { type: 'say', text: 'plain' },
    ]);
  });

  it('reads room packets into events, each room-scoped event naming its room', () => {
    const t = new ScriptedServer(ALL);
    t.join('ann', ['ann', 'bob']);
    t.act((s) => s.roomJoin('#dev'));
    // A long list continues in user_list parts with the room (7.15); none of it answers a `who`.
    expect(
      t.send({ type: 'room_joined', room: '#dev', users: ['ann'], topic: 'hello', ts: 5, more: true }),
    ).toEqual([]);
    expect(t.send({ type: 'user_list', room: '#dev', users: ['cat'] })).toEqual([
      { kind: 'room-joined', room: '#dev', users: ['ann', 'cat'], topic: 'hello', ts: 5 },
    ]);
    expect(t.session.unanswered).toBe(0);
    const said = t.send({ type: 'message', id: 1, from: 'cat', text: 'yo', ts: 6, room: '#dev' });
    expect(said).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'cat', text: 'yo', ts: 6, room: '#dev' } },
    ]);
    const joins = t.send({ type: 'user_joined', name: 'dan', ts: 7, room: '#dev' });
    expect(joins).toEqual([
      { kind: 'presence', room: '#dev', change: { kind: 'joined', names: ['dan'], ts: 7 } },
      { kind: 'users', room: '#dev', users: ['ann', 'cat', 'dan'] },
    ]);
    const left = t.send({ type: 'user_left', name: 'bob', reason: 'part', ts: 8, room: '#lobby' });
    expect(left[1]).toEqual({ kind: 'users', room: '#lobby', users: ['ann'] });
    expect(t.send({ type: 'topic_changed', room: '#dev', topic: '', by: 'cat', ts: 9 })).toEqual([
      { kind: 'topic', room: '#dev', topic: '', by: 'cat', ts: 9 },
    ]);
    expect(
      t.send({
        type: 'backlog',
        room: '#dev',
        entries: [{ kind: 'message', from: 'cat', text: 'old', ts: 1 }],
        done: true,
      }),
    ).toEqual([
      {
        kind: 'history',
        room: '#dev',
        messages: [{ kind: 'chat', from: 'cat', text: 'old', ts: 1, room: '#dev' }],
      },
    ]);
    t.act((s) => s.listRooms());
    const listed = [{ room: '#dev', members: 3, topic: '' }];
    expect(t.send({ type: 'room_list', rooms: listed, more: true })).toEqual([]);
    expect(t.session.unanswered).toBe(1);
    expect(t.send({ type: 'room_list', rooms: [{ room: '#lobby', members: 1, topic: 'x' }] })).toEqual([
      { kind: 'room-list', rooms: [...listed, { room: '#lobby', members: 1, topic: 'x' }] },
    ]);
    expect(t.session.unanswered).toBe(0);
    t.act((s) => s.roomPart('#dev'));
    expect(t.send({ type: 'room_parted', room: '#dev', ts: 10 })).toEqual([
      { kind: 'room-parted', room: '#dev', ts: 10 },
    ]);
    expect(t.session.unanswered).toBe(0);
  });

  it('renames a member in every room it shares with the client, and in no other', () => {
    const t = new ScriptedServer(ALL);
    t.join('ann', ['ann', 'bob']);
    t.send({ type: 'room_joined', room: '#dev', users: ['ann', 'bob'], topic: '', ts: 1 });
    t.send({ type: 'room_joined', room: '#ops', users: ['ann'], topic: '', ts: 1 });
    expect(t.send({ type: 'user_renamed', from: 'bob', to: 'rob', ts: 2 })).toEqual([
      { kind: 'renamed', from: 'bob', to: 'rob', ts: 2 },
      { kind: 'users', room: '#lobby', users: ['ann', 'rob'] },
      { kind: 'users', room: '#dev', users: ['ann', 'rob'] },
    ]);
  });

  it('matches a non-fatal room error to the request it answers (7.15), not to an earlier line', () => {
    const t = new ScriptedServer(ALL);
    t.join('ann');
    t.act((s) => s.roomJoin('#a b'));
    t.act((s) => s.say('hi', '#x'));
    const refused = t.send({ type: 'error', code: 'ROOM_INVALID', message: 'not a room name', fatal: false });
    expect(refused).toEqual([
      { kind: 'error', code: 'ROOM_INVALID', message: 'not a room name', fatal: false },
    ]);
    const notIn = t.send({ type: 'error', code: 'NOT_IN_ROOM', message: 'not in #x', fatal: false });
    expect(notIn[0]).toMatchObject({ code: 'NOT_IN_ROOM', unsent: { kind: 'say', text: 'hi' } });
    t.act((s) => s.setTopic('#lobby', 't'));
    expect(t.session.unanswered).toBe(1);
    t.send({ type: 'topic_changed', room: '#lobby', topic: 't', by: 'ann', ts: 3 });
    expect(t.session.unanswered).toBe(0);
  });

  it('treats a server without rooms as one #lobby: 2.0 forms only, other rooms refused here', () => {
    const t = new ScriptedServer(['backlog']);
    expect(only(t.join('ann', ['ann', 'bob']), 'joined')[0]).toMatchObject({ rooms: false });
    expect(t.session.hasRooms).toBe(false);
    t.act((s) => s.say('hi', '#lobby'));
    t.act((s) => s.who('#Lobby'));
    expect(t.received()).toEqual([{ type: 'say', text: 'hi' }, { type: 'who' }]);
    expect(() => t.session.say('hi', '#dev')).toThrow(/no rooms/);
    expect(() => t.session.roomJoin('#dev')).toThrow(/no rooms besides #lobby/);
    expect(t.received()).toEqual([]);
    const said = t.send({ type: 'message', id: 1, from: 'bob', text: 'yo', ts: 6 });
    expect(said).toEqual([
      { kind: 'message', message: { kind: 'chat', from: 'bob', text: 'yo', ts: 6, room: '#lobby' } },
    ]);
    expect(t.send({ type: 'user_left', name: 'bob', reason: 'quit', ts: 7 })[0]).toMatchObject({
      room: '#lobby',
    });
  });
});
