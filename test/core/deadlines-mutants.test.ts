/**
 * A connection's deadlines (spec 11, deadlines.ts) one at a time, on fake connections: the grid,
 * each deadline at its exact moment and one millisecond before, the next time to look again, and
 * the ping queued on the endpoint.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineScan, deadlineGrid, onGrid } from '../../src/chat/deadlines.js';
import { fakeConn, limitsWith } from './chat-fakes.js';

const limits = limitsWith({
  handshakeTimeoutMs: 1000,
  idlePingMs: 3000,
  idleTimeoutMs: 5000,
  slowReaderMs: 2000,
});

/** A v2-like dialect: idle checks, and a ping that names its time. */
const pinging = { idleChecks: true, ping: (now: number) => Buffer.from(`ping ${now}`) };

function scan(
  now: number,
  grid = 1,
  dialect: { idleChecks: boolean; ping(now: number): Buffer | null } = pinging,
) {
  return new DeadlineScan(limits, grid, now, dialect);
}

describe('deadlineGrid and onGrid (11)', () => {
  it('takes a twentieth of the shorter of the idle ping and the handshake timeout', () => {
    expect(deadlineGrid({ idlePingMs: 4000, handshakeTimeoutMs: 10_000 })).toBe(200);
    expect(deadlineGrid({ idlePingMs: 10_000, handshakeTimeoutMs: 4000 })).toBe(200);
    expect(deadlineGrid({ idlePingMs: 4039, handshakeTimeoutMs: 10_000 })).toBe(201);
  });

  it('is at most one second and at least one millisecond', () => {
    expect(deadlineGrid({ idlePingMs: 60_000, handshakeTimeoutMs: 30_000 })).toBe(1000);
    expect(deadlineGrid({ idlePingMs: 20_020, handshakeTimeoutMs: 40_000 })).toBe(1000);
    expect(deadlineGrid({ idlePingMs: 19_980, handshakeTimeoutMs: 40_000 })).toBe(999);
    expect(deadlineGrid({ idlePingMs: 5, handshakeTimeoutMs: 5 })).toBe(1);
    expect(deadlineGrid({ idlePingMs: 39, handshakeTimeoutMs: 100 })).toBe(1);
  });

  it('rounds a time up to the next multiple of the grid, and keeps one on it', () => {
    expect(onGrid(1001, 250)).toBe(1250);
    expect(onGrid(1249, 250)).toBe(1250);
    expect(onGrid(1250, 250)).toBe(1250);
    expect(onGrid(7, 1)).toBe(7);
  });
});

describe('DeadlineScan.check (11)', () => {
  it('ends a slow reader at slowReaderMs after it last drained, not a millisecond before', () => {
    const conn = fakeConn(1, 0);
    conn.inFlight = 300;
    conn.waitingSince = 100;
    const before = scan(2099);
    expect(before.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(before.next).toBe(2100);
    expect(scan(2100).check(conn, true)).toEqual({
      kind: 'slow',
      message: 'nothing of 300 bytes read for 2000 ms',
    });
  });

  it('never calls a connection with nothing in flight slow', () => {
    const conn = fakeConn(1, 0);
    conn.waitingSince = 0;
    conn.lastHeard = 10_000;
    const s = scan(10_000);
    expect(s.check(conn, true)).toEqual({ kind: 'nothing' });
    // Only the ping is looked at again; no slow-reader deadline in the past.
    expect(s.next).toBe(13_000);
  });

  it('times out a handshake at handshakeTimeoutMs, and never a joined connection', () => {
    const conn = fakeConn(1, 500);
    const before = scan(1499);
    expect(before.check(conn, false)).toEqual({ kind: 'nothing' });
    expect(before.next).toBe(1500);
    expect(scan(1500).check(conn, false)).toEqual({
      kind: 'timeout',
      code: 'HANDSHAKE_TIMEOUT',
      message: 'no name was chosen in time',
    });
    const joined = scan(1500);
    expect(joined.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(joined.next).toBe(3500);
  });

  it('leaves idle connections alone without idle checks or before the connection is secured', () => {
    const conn = fakeConn(1, 0);
    const legacy = scan(50_000, 1, { idleChecks: false, ping: () => Buffer.from('never') });
    expect(legacy.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(legacy.next).toBeNull();
    conn.endpoint.secured = false;
    const unsecured = scan(50_000);
    expect(unsecured.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(unsecured.next).toBeNull();
    expect(conn.endpoint.sent).toEqual([]);
  });

  it('times out an idle connection at idleTimeoutMs after it was last heard', () => {
    const conn = fakeConn(1, 0);
    conn.lastHeard = 1000;
    conn.pingedAt = 4000;
    const before = scan(5999);
    expect(before.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(before.next).toBe(6000);
    expect(scan(6000).check(conn, true)).toEqual({
      kind: 'timeout',
      code: 'IDLE_TIMEOUT',
      message: 'nothing heard for 5000 ms',
    });
  });

  it('pings at idlePingMs after the connection was last heard, once, and queues the ping', () => {
    const conn = fakeConn(1, 0);
    conn.lastHeard = 1000;
    const before = scan(3999);
    expect(before.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(before.next).toBe(4000);
    expect(conn.pingedAt).toBeNull();
    const due = scan(4000);
    expect(due.check(conn, true)).toEqual({ kind: 'pinged' });
    expect(conn.pingedAt).toBe(4000);
    expect(conn.endpoint.sent).toEqual([{ text: 'ping 4000', type: 'ping', sender: undefined }]);
    expect(due.next).toBe(6000);
    // Pinged already: only the idle timeout is waited for.
    const after = scan(4500);
    expect(after.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(after.next).toBe(6000);
    expect(conn.endpoint.sent).toHaveLength(1);
  });

  it('does not count a ping the dialect has none of, and looks again at the ping time', () => {
    const conn = fakeConn(1, 0);
    conn.lastHeard = 1000;
    const s = scan(4500, 1, { idleChecks: true, ping: () => null });
    expect(s.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(conn.pingedAt).toBeNull();
    expect(s.next).toBe(4000);
  });

  it('gathers the earliest deadline of several connections, rounded up to the grid', () => {
    const s = scan(0, 100);
    const a = fakeConn(1, 0);
    a.lastHeard = 2950; // ping at 5950 -> 6000
    const b = fakeConn(2, 0);
    b.lastHeard = 1010; // ping at 4010 -> 4100
    const c = fakeConn(3, 0);
    c.lastHeard = 2000; // ping at 5000
    for (const conn of [a, b, c]) expect(s.check(conn, true)).toEqual({ kind: 'nothing' });
    expect(s.next).toBe(4100);
  });
});

describe('DeadlineScan.nextWith and consider', () => {
  it('gives the earlier of its own next and another time, either of which may be null', () => {
    const s = scan(0);
    expect(s.nextWith(null)).toBeNull();
    expect(s.nextWith(700)).toBe(700);
    s.consider(500);
    expect(s.nextWith(null)).toBe(500);
    expect(s.nextWith(700)).toBe(500);
    expect(s.nextWith(300)).toBe(300);
    expect(s.nextWith(500)).toBe(500);
  });

  it('keeps the earliest time considered', () => {
    const s = scan(0, 10);
    s.consider(55);
    expect(s.next).toBe(60);
    s.consider(75);
    expect(s.next).toBe(60);
    s.consider(41);
    expect(s.next).toBe(50);
  });
});
