/**
 * Feature `backlog` (spec 7.10): what a newcomer may see of the room's kept history, in the room
 * (recentChat), the v2 server (after join_ok, only to clients that agreed it) and the client's
 * reader (the parts joined into one `history` event).
 */
import { describe, expect, it } from 'vitest';
import { RoomReader } from '../../src/client/room-reader.js';
import { LIMITS } from '../../src/generated/constants.js';
import { featureNet, roomWith } from '../support/feature-net.js';

describe('the room: recent chat (7.10)', () => {
  it('gives the newest chat lines and actions, oldest first, without joins, leaves or private messages', () => {
    const room = roomWith([
      ['ann', 0],
      ['bob', 1],
    ]);
    room.decide(1, { kind: 'say', text: 'one', action: false }, 2);
    room.decide(2, { kind: 'msg', to: 'ann', text: 'secret' }, 3);
    room.decide(2, { kind: 'say', text: 'waves', action: true }, 4);
    room.decide(1, { kind: 'say', text: 'three', action: false }, 5);
    const texts = (n: number) => room.recentChat(n).map((e) => `${e.kind}:${e.from}:${e.text}`);
    expect(texts(10)).toEqual(['message:ann:one', 'action:bob:waves', 'message:ann:three']);
    expect(texts(2)).toEqual(['action:bob:waves', 'message:ann:three']);
    expect(texts(0)).toEqual([]);
  });

  it('never reaches past the kept history (history limit)', () => {
    const room = roomWith([['ann', 0]], { ...LIMITS, history: 3 });
    for (let i = 0; i < 5; i++) room.decide(1, { kind: 'say', text: `l${i}`, action: false }, 10 + i);
    expect(room.recentChat(20).map((e) => e.text)).toEqual(['l2', 'l3', 'l4']);
  });
});

describe('the v2 server: backlog after join_ok (7.10)', () => {
  it('sends the newest `backlog` lines right after join_ok to a client that agreed backlog', () => {
    const s = featureNet('backlog', { backlog: 2 });
    const ann = s.join('ann');
    for (const text of ['a', 'b', 'c']) ann.client.say(text);
    s.net.settle();
    s.packets(ann.id);
    const bob = s.join('bob', ['backlog']);
    const got = bob.first;
    expect(got.map((p) => p.type)).toEqual(['join_ok', 'backlog']);
    expect(got[1]).toEqual({
      type: 'backlog',
      entries: [
        { kind: 'message', from: 'ann', text: 'b', ts: s.net.now },
        { kind: 'message', from: 'ann', text: 'c', ts: s.net.now },
      ],
      done: true,
    });
  });

  it('sends none to a client without the feature, with backlog 0, or when nothing was said', () => {
    const s = featureNet('backlog');
    const ann = s.join('ann', ['backlog']);
    expect(ann.first.map((p) => p.type)).toEqual(['join_ok']);
    ann.client.say('hello');
    s.net.settle();
    const plain = s.join('plain');
    expect(plain.first.map((p) => p.type)).toEqual(['join_ok']);
    const off = featureNet('backlog', { backlog: 0 });
    const cat = off.join('cat');
    cat.client.say('hello');
    off.net.settle();
    const dan = off.join('dan', ['backlog']);
    expect(dan.first.map((p) => p.type)).toEqual(['join_ok']);
  });

  it('splits a long backlog so that each packet fits a frame, the last with done', () => {
    const s = featureNet('backlog', { maxFrame: 4096, maxMessage: 600, history: 50, backlog: 30 });
    const ann = s.join('ann');
    for (let i = 0; i < 30; i++) {
      ann.client.say(`${i} ${'x'.repeat(500)}`);
      s.net.advance(1000);
    }
    s.net.settle();
    const bob = s.join('bob', ['backlog']);
    const parts = bob.first.filter((p) => p.type === 'backlog');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.type === 'backlog' && p.done)).toEqual([
      ...Array(parts.length - 1).fill(false),
      true,
    ]);
    const texts = parts.flatMap((p) => (p.type === 'backlog' ? p.entries.map((e) => e.text) : []));
    expect(texts.map((t) => Number(t.split(' ')[0]))).toEqual([...Array(30).keys()]);
  });
});

describe('the client reader: backlog (7.10)', () => {
  it('joins the parts into one history event of chat messages', () => {
    const reader = new RoomReader();
    const entry = (text: string, kind: 'message' | 'action' = 'message') => ({
      kind,
      from: 'ann',
      text,
      ts: 5,
    });
    expect(reader.read({ type: 'backlog', entries: [entry('a')], done: false }, 0)).toEqual([]);
    expect(reader.read({ type: 'backlog', entries: [entry('b', 'action')], done: true }, 0)).toEqual([
      {
        kind: 'history',
        room: '#lobby',
        messages: [
          { kind: 'chat', from: 'ann', text: 'a', ts: 5, room: '#lobby' },
          { kind: 'action', from: 'ann', text: 'b', ts: 5, room: '#lobby' },
        ],
      },
    ]);
  });
});
