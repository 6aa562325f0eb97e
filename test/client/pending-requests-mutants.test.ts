/**
 * What a client still waits for (src/client/pending-requests.ts), on the list itself: which echo
 * answers which line (kind, text and recipient all count, the oldest first), which reply answers
 * which request, a non-fatal error answering the oldest request whatever it is, the export's
 * deadline at its exact time, and which server packets answer what (noteAnswer, both profiles).
 */
import { describe, expect, it } from 'vitest';
import { noteAnswer, PendingRequests, type UnsentLine } from '../../src/client/pending-requests.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { LegacyPacket } from '../../src/legacy/legacy-packet.js';

const v2 = (p: Record<string, unknown>) => p as unknown as V2ServerPacket;
const legacy = (p: Record<string, unknown>) => p as unknown as LegacyPacket;

/** The kinds still open, oldest first, read through refused() (which empties the list). */
function drain(p: PendingRequests): string[] {
  const out: string[] = [];
  while (p.size > 0) {
    const line = p.refused();
    out.push(line ? `${line.kind}:${line.to ?? ''}:${line.text}` : 'other');
  }
  return out;
}

describe('PendingRequests', () => {
  it('counts every open request, and those the user waits for without pings', () => {
    const p = new PendingRequests();
    expect(p.size).toBe(0);
    expect(p.awaitingReplies).toBe(0);
    p.add({ kind: 'ping' });
    p.add({ kind: 'who' });
    p.add({ kind: 'say', text: 'a' });
    expect(p.size).toBe(3);
    expect(p.awaitingReplies).toBe(2);
  });

  it('takes an echo as the answer to the oldest line of the same kind, text and recipient', () => {
    const p = new PendingRequests();
    p.add({ kind: 'who' });
    p.add({ kind: 'say', text: 'hi' });
    p.add({ kind: 'me', text: 'hi' });
    p.add({ kind: 'msg', to: 'bob', text: 'hi' });
    p.add({ kind: 'say', text: 'hi' });
    // Another kind, another text or another recipient answers nothing.
    p.echoed({ kind: 'say', text: 'ho' });
    p.echoed({ kind: 'msg', to: 'carol', text: 'hi' });
    p.echoed({ kind: 'msg', text: 'hi' });
    expect(p.size).toBe(5);
    p.echoed({ kind: 'msg', to: 'bob', text: 'hi' });
    p.echoed({ kind: 'say', text: 'hi' });
    expect(drain(p)).toEqual(['other', 'me::hi', 'say::hi']);
    // The oldest open request itself may be the one answered.
    p.add({ kind: 'me', text: 'wave' });
    p.add({ kind: 'say', text: 'x' });
    p.echoed({ kind: 'me', text: 'wave' });
    expect(drain(p)).toEqual(['say::x']);
  });

  it('never takes an echo as the answer to a request without text', () => {
    const p = new PendingRequests();
    p.add({ kind: 'who' });
    p.echoed({ kind: 'who', text: '' } as unknown as UnsentLine);
    expect(p.size).toBe(1);
  });

  it('takes a reply as the answer to the oldest request of its kind, and to nothing else', () => {
    const p = new PendingRequests();
    p.add({ kind: 'say', text: 'a' });
    p.add({ kind: 'who' });
    p.add({ kind: 'rooms' });
    p.add({ kind: 'who' });
    p.answered('ping');
    expect(p.size).toBe(4);
    p.answered('who');
    expect(drain(p)).toEqual(['say::a', 'other', 'other']);
    // With nothing of its kind open, the last request stays open too.
    p.add({ kind: 'say', text: 'b' });
    p.answered('export');
    expect(drain(p)).toEqual(['say::b']);
    p.add({ kind: 'room_join' });
    p.add({ kind: 'say', text: 'c' });
    p.answered('room_join');
    expect(drain(p)).toEqual(['say::c']);
  });

  it('takes a refusal as the answer to the oldest request; the line back only when it was one', () => {
    const p = new PendingRequests();
    expect(p.refused()).toBeUndefined();
    p.add({ kind: 'topic' });
    p.add({ kind: 'msg', to: 'ann', text: 'x' });
    expect(p.refused()).toBeUndefined();
    expect(p.size).toBe(1);
    expect(p.refused()).toEqual({ kind: 'msg', to: 'ann', text: 'x' });
    expect(p.size).toBe(0);
  });

  it('gives up on the oldest export at its due time exactly, not before', () => {
    const p = new PendingRequests();
    expect(p.exportDue).toBeNull();
    expect(p.expireExport(1_000_000)).toBe(false);
    p.add({ kind: 'who' });
    p.add({ kind: 'export', due: 500 });
    p.add({ kind: 'export', due: 900 });
    p.add({ kind: 'say', text: 'z' });
    expect(p.exportDue).toBe(500);
    expect(p.expireExport(499)).toBe(false);
    expect(p.size).toBe(4);
    expect(p.expireExport(500)).toBe(true);
    expect(p.exportDue).toBe(900);
    expect(p.expireExport(899)).toBe(false);
    expect(p.expireExport(2_000)).toBe(true);
    expect(p.exportDue).toBeNull();
    expect(p.expireExport(3_000)).toBe(false);
    expect(drain(p)).toEqual(['other', 'say::z']);
    p.add({ kind: 'export', due: 7 });
    p.add({ kind: 'say', text: 'w' });
    expect(p.expireExport(7)).toBe(true);
    expect(drain(p)).toEqual(['say::w']);
  });
});

describe('noteAnswer: what a server packet answers', () => {
  /** A list holding one request of each kind: seven that are no chat line, then three lines. */
  function full(): PendingRequests {
    const p = new PendingRequests();
    for (const kind of ['who', 'ping', 'room_join', 'room_part', 'rooms', 'topic'] as const) p.add({ kind });
    p.add({ kind: 'export', due: 10 });
    p.add({ kind: 'say', text: 't' });
    p.add({ kind: 'me', text: 't' });
    p.add({ kind: 'msg', to: 'bob', text: 't' });
    return p;
  }

  /** The lines left open after `packet` (the seven others always stay here). */
  function linesAfter(packet: V2ServerPacket, me: string | null = 'me'): string[] {
    const p = full();
    expect(noteAnswer(p, packet, me)).toBeUndefined();
    expect(p.awaitingReplies).toBe(p.size - 1);
    return drain(p)
      .filter((k) => k !== 'other')
      .map((k) => k.split(':')[0]);
  }

  it('answers the line a v2 server echoes from this client only', () => {
    expect(linesAfter(v2({ type: 'message', id: 1, from: 'me', text: 't', ts: 1 }))).toEqual(['me', 'msg']);
    expect(linesAfter(v2({ type: 'action', id: 1, from: 'me', text: 't', ts: 1 }))).toEqual(['say', 'msg']);
    expect(linesAfter(v2({ type: 'private', id: 1, from: 'me', to: 'bob', text: 't', ts: 1 }))).toEqual([
      'say',
      'me',
    ]);
    for (const type of ['message', 'action'])
      expect(linesAfter(v2({ type, id: 1, from: 'you', text: 't', ts: 1 }))).toEqual(['say', 'me', 'msg']);
    expect(linesAfter(v2({ type: 'private', id: 1, from: 'you', to: 'bob', text: 't', ts: 1 }))).toEqual([
      'say',
      'me',
      'msg',
    ]);
    // A client not joined yet (no name) owns no line.
    expect(linesAfter(v2({ type: 'message', id: 1, from: 'me', text: 't', ts: 1 }), null)).toEqual([
      'say',
      'me',
      'msg',
    ]);
  });

  it('answers each request with its own reply', () => {
    const one = (packet: V2ServerPacket, gone: number) => {
      const p = full();
      noteAnswer(p, packet, 'me');
      expect(p.size, packet.type).toBe(gone < 0 ? 10 : 9);
      return p;
    };
    one(v2({ type: 'user_list', users: [] }), 0);
    one(v2({ type: 'pong', nonce: 1 }), 1);
    one(v2({ type: 'room_joined', room: '#a', users: [], topic: '', ts: 1 }), 2);
    one(v2({ type: 'room_parted', room: '#a', ts: 1 }), 3);
    one(v2({ type: 'room_list', rooms: [] }), 4);
    one(v2({ type: 'room_list', rooms: [], more: true }), -1);
    one(v2({ type: 'topic_changed', room: '#a', topic: 'x', by: 'me', ts: 1 }), 5);
    one(v2({ type: 'topic_changed', room: '#a', topic: 'x', by: 'you', ts: 1 }), -1);
    one(v2({ type: 'export_reply', entries: [], done: true }), 6);
    one(v2({ type: 'export_reply', entries: [], done: false }), -1);
    one(v2({ type: 'user_joined', name: 'x', ts: 1 }), -1);
    one(v2({ type: 'error', code: 'RATE_LIMITED', message: 'm', fatal: true }), -1);
    // Each reply takes its own request, which the head refusal then no longer finds.
    const p = new PendingRequests();
    for (const kind of ['who', 'ping', 'room_join', 'room_part', 'rooms', 'topic'] as const) p.add({ kind });
    p.add({ kind: 'export', due: 1 });
    for (const packet of [
      v2({ type: 'export_reply', entries: [], done: true }),
      v2({ type: 'topic_changed', room: '#a', topic: 'x', by: 'me', ts: 1 }),
      v2({ type: 'room_list', rooms: [] }),
      v2({ type: 'room_parted', room: '#a', ts: 1 }),
      v2({ type: 'room_joined', room: '#a', users: [], topic: '', ts: 1 }),
      v2({ type: 'pong', nonce: 1 }),
    ])
      noteAnswer(p, packet, 'me');
    expect(p.size).toBe(1);
    expect(p.awaitingReplies).toBe(1);
    noteAnswer(p, v2({ type: 'user_list', users: [] }), 'me');
    expect(p.size).toBe(0);
  });

  it('takes a non-fatal error as the refusal of the oldest request, returning its line', () => {
    const p = new PendingRequests();
    p.add({ kind: 'say', text: 'long' });
    p.add({ kind: 'who' });
    expect(
      noteAnswer(p, v2({ type: 'error', code: 'MESSAGE_TOO_LONG', message: 'm', fatal: false }), 'me'),
    ).toEqual({ kind: 'say', text: 'long' });
    expect(noteAnswer(p, v2({ type: 'error', code: 'RATE_LIMITED', message: 'm', fatal: false }), 'me')).toBe(
      undefined,
    );
    expect(p.size).toBe(0);
  });

  it('answers only the export of a legacy server', () => {
    const p = new PendingRequests();
    p.add({ kind: 'export', due: 5 });
    expect(noteAnswer(p, legacy({ typ: 'msg', username: 'x', cont: 'hi' }), 'me')).toBeUndefined();
    expect(p.size).toBe(1);
    expect(noteAnswer(p, legacy({ typ: 'export', username: '*server*', cont: 'log' }), 'me')).toBeUndefined();
    expect(p.size).toBe(0);
  });
});
