/**
 * What the rate limit does to one endpoint event (spec 7.8, 10.2; packet-charge.ts), on a fake
 * connection and dialect: uncharged events, the free pong after the server's ping, the four
 * verdicts, and a join dropped by the limit (settled as refused in v2, closed in legacy).
 */
import { describe, expect, it } from 'vitest';
import { chargeEvent } from '../../src/chat/packet-charge.js';
import { fakeConn, limitsWith } from './chat-fakes.js';

// Events are plain strings: 'say', 'pong', 'join', 'end' (no client packet).
const limits = limitsWith({ rateBurst: 2, ratePerSecond: 1, rateRefusalReplies: 1, rateRefusalBudget: 2 });

function dialect(closesOnDroppedJoin?: boolean) {
  return {
    rateCost: (e: string) => (e === 'end' ? null : 1),
    answersPing: (e: string) => e === 'pong',
    waitsForVerdict: (e: string) => e === 'join',
    ...(closesOnDroppedJoin === undefined ? {} : { closesOnDroppedJoin }),
  };
}

describe('chargeEvent (7.8)', () => {
  it('does not charge what is no client packet', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    for (let i = 0; i < 5; i++)
      expect(chargeEvent(conn, 'end', dialect(), limits, 0)).toEqual({ kind: 'uncharged' });
    expect(conn.rate.tokens).toBe(2);
  });

  it('lets the first pong after a ping through free, and charges the next one', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    conn.pingedAt = 0;
    expect(chargeEvent(conn, 'pong', dialect(), limits, 0)).toEqual({ kind: 'charged' });
    expect(conn.pingedAt).toBeNull();
    expect(conn.rate.tokens).toBe(2);
    expect(chargeEvent(conn, 'pong', dialect(), limits, 0)).toEqual({ kind: 'charged' });
    expect(conn.rate.tokens).toBe(1);
  });

  it('charges any other packet even while a ping is out, and keeps the ping outstanding', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    conn.pingedAt = 0;
    expect(chargeEvent(conn, 'say', dialect(), limits, 0)).toEqual({ kind: 'charged' });
    expect(conn.pingedAt).toBe(0);
    expect(conn.rate.tokens).toBe(1);
  });

  it('answers the first refusal of a window, drops the next silently, and closes past the budget', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    const d = dialect();
    expect(chargeEvent(conn, 'say', d, limits, 0).kind).toBe('charged');
    expect(chargeEvent(conn, 'say', d, limits, 0).kind).toBe('charged');
    const reply = chargeEvent(conn, 'say', d, limits, 0);
    expect(reply).toMatchObject({ kind: 'dropped', refuseJoin: false });
    expect(reply.kind === 'dropped' && reply.notice?.code).toBe('RATE_LIMITED');
    expect(reply.kind === 'dropped' && reply.notice?.message).toBe(
      'slow down: the server allows 1 packets a second',
    );
    expect(chargeEvent(conn, 'say', d, limits, 0)).toEqual({
      kind: 'dropped',
      refuseJoin: false,
      notice: null,
    });
    const close = chargeEvent(conn, 'say', d, limits, 0);
    expect(close.kind).toBe('close');
    expect(close.kind === 'close' && close.error.code).toBe('RATE_EXCEEDED');
    expect(close.kind === 'close' && close.error.message).toBe(
      'more than 2 packets over the rate limit within 10 s',
    );
  });

  it('settles a dropped join as refused only while the endpoint waits for a verdict', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    conn.rate.tokens = 0;
    const d = dialect(false);
    expect(chargeEvent(conn, 'join', d, limits, 0)).toMatchObject({ kind: 'dropped', refuseJoin: false });
    conn.endpoint.awaitingVerdict = true;
    expect(chargeEvent(conn, 'join', d, limits, 0)).toMatchObject({ kind: 'dropped', refuseJoin: true });
    // Another packet of the same read is no join.
    expect(chargeEvent(conn, 'say', dialect(true), limits, 0).kind).toBe('close');
  });

  it('closes a legacy connection whose waiting join the limit dropped (10.2, L1)', () => {
    const conn = fakeConn(1, 0, undefined, limits);
    conn.rate.tokens = 0;
    conn.endpoint.awaitingVerdict = true;
    const close = chargeEvent(conn, 'join', dialect(true), limits, 0);
    expect(close.kind).toBe('close');
    if (close.kind !== 'close') return;
    expect(close.error.code).toBe('RATE_EXCEEDED');
    expect(close.error.message).toBe(
      'a join dropped by the rate limit, which has no reply in this protocol (10.2)',
    );
    // Not waiting for a verdict: a plain drop, even in legacy.
    const other = fakeConn(2, 0, undefined, limits);
    other.rate.tokens = 0;
    expect(chargeEvent(other, 'join', dialect(true), limits, 0)).toMatchObject({
      kind: 'dropped',
      refuseJoin: false,
    });
    // No closesOnDroppedJoin at all: settled as refused.
    const v2 = fakeConn(3, 0, undefined, limits);
    v2.rate.tokens = 0;
    v2.endpoint.awaitingVerdict = true;
    expect(chargeEvent(v2, 'join', dialect(), limits, 0)).toMatchObject({
      kind: 'dropped',
      refuseJoin: true,
    });
  });
});
