/**
 * What the chat server hands its adapter (outbox.ts, spec 11): actions in order and once, the
 * next deadline, and a flush's pass over the connections with output (writes, slow readers, the
 * slowReaderMs deadline under flow control, replies left for the next pass).
 */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/chat/outbox.js';
import type { Conn, ServerAction } from '../../src/chat/server-contract.js';
import { anError, fakeConn, limitsWith } from './chat-fakes.js';

const limits = limitsWith({
  slowReaderMs: 1000,
  sendWindowBytes: 8,
  maxQueuedBytes: 64,
  maxTotalQueuedBytes: 1 << 20,
  replyPassBytes: 4,
});
const noSkips = { skipped: () => null };

function collect(out: Outbox, dirty: Set<Conn<string>>, now: number) {
  return [...out.pass(dirty, now, dirty.size)].map((step) =>
    'slow' in step ? { slow: step.conn.id, why: step.slow } : step,
  );
}

describe('Outbox actions and deadline', () => {
  it('hands the actions made so far over once, in order', () => {
    const out = new Outbox(limits, noSkips, false, 10);
    out.add({ kind: 'close', id: 3 });
    out.log('warn', 'careful');
    expect(out.take()).toEqual([
      { kind: 'close', id: 3 },
      { kind: 'log', level: 'warn', message: 'careful' },
    ]);
    expect(out.take()).toEqual([]);
  });

  it('lowers the deadline to the earliest time asked, and a scan replaces it', () => {
    const out = new Outbox(limits, noSkips, false, 10);
    expect(out.nextDeadline).toBeNull();
    out.lowerDeadline(500);
    expect(out.nextDeadline).toBe(500);
    out.lowerDeadline(700);
    expect(out.nextDeadline).toBe(500);
    out.lowerDeadline(300);
    expect(out.nextDeadline).toBe(300);
    out.setDeadline(900);
    expect(out.nextDeadline).toBe(900);
    out.setDeadline(null);
    expect(out.nextDeadline).toBeNull();
  });
});

describe('Outbox.pass (11)', () => {
  it('yields the actions first, then one write per dirty connection, skipping finished ones', () => {
    const out = new Outbox(limits, noSkips, false, 10);
    const a = fakeConn(1);
    const b = fakeConn(2);
    const c = fakeConn(3);
    a.endpoint.sendEncoded(Buffer.from('to a'));
    b.endpoint.sendEncoded(Buffer.from('to b'));
    c.endpoint.sendEncoded(Buffer.from('to c'));
    c.finished = true;
    out.log('info', 'first');
    const dirty = new Set<Conn<string>>([a, c, b]);
    expect(collect(out, dirty, 0)).toEqual([
      { kind: 'log', level: 'info', message: 'first' },
      { kind: 'write', id: 1, data: Buffer.from('to a') },
      { kind: 'write', id: 2, data: Buffer.from('to b') },
    ]);
    expect(dirty.size).toBe(0);
    // Without flow control nothing waits for a drain, and no deadline is set.
    expect(out.nextDeadline).toBeNull();
    expect(a.inFlight).toBe(0);
    // A dirty connection with nothing queued writes nothing.
    expect(collect(out, new Set([a]), 0)).toEqual([]);
  });

  it('hands the actions made during a turn on right after it', () => {
    const out = new Outbox(limits, noSkips, false, 10);
    const a = fakeConn(1);
    const b = fakeConn(2);
    a.endpoint.sendEncoded(Buffer.from('a'));
    b.endpoint.sendEncoded(Buffer.from('b'));
    const steps: ServerAction[] = [];
    for (const step of out.pass(new Set<Conn<string>>([a, b]), 0, 2)) {
      if ('slow' in step) continue;
      steps.push(step);
      if (step.kind === 'write' && step.id === 1) out.add({ kind: 'close', id: 9, error: anError() });
    }
    expect(steps.map((s) => `${s.kind} ${'id' in s ? s.id : ''}`)).toEqual(['write 1', 'close 9', 'write 2']);
  });

  it('hands back a slow reader for the server to end', () => {
    const out = new Outbox(limits, noSkips, false, 10);
    const a = fakeConn(1);
    a.overrun = true;
    a.endpoint.sendEncoded(Buffer.from('x'));
    expect(collect(out, new Set([a]), 0)).toEqual([{ slow: 1, why: 'more than 64 bytes waited unread' }]);
  });

  it('under flow control, starts the slowReaderMs deadline on the grid at each write', () => {
    const out = new Outbox(limits, noSkips, true, 300);
    const a = fakeConn(1);
    a.endpoint.sendEncoded(Buffer.from('0123456789'));
    expect(collect(out, new Set([a]), 250)).toHaveLength(1);
    expect(a.endpoint.takes).toEqual([8]);
    expect(a.inFlight).toBe(10);
    expect(out.nextDeadline).toBe(1500);
    expect(out.queuedBytes).toBe(10);
    expect(out.queueLimit(1)).toBe(64);
    // Not drained yet: its turn writes nothing, and the deadline stays.
    a.endpoint.sendEncoded(Buffer.from('more'));
    expect(collect(out, new Set([a]), 400)).toEqual([]);
    expect(out.nextDeadline).toBe(1500);
    expect(out.drained(a, 600)).toBe(true);
    expect(a.waitingSince).toBe(600);
    expect(out.drained(a, 700)).toBe(false);
    a.finished = true;
    out.count(a);
    expect(out.queuedBytes).toBe(0);
  });

  it('keeps a reply the pass budget did not reach dirty for the next pass, unless it finished', () => {
    const out = new Outbox(limits, noSkips, true, 10);
    const parts = (n: number) => {
      let left = n;
      return { next: () => (left-- > 0 ? { packet: Buffer.from('abcd') } : null) };
    };
    const a = fakeConn(1);
    const b = fakeConn(2);
    const c = fakeConn(3);
    a.reply = parts(1);
    b.reply = parts(1);
    c.reply = parts(1);
    // c has bytes of its own queued: its write comes although its reply waits.
    c.endpoint.sendEncoded(Buffer.from('zz'));
    const dirty = new Set<Conn<string>>([a, b, c]);
    const writes: unknown[] = [];
    for (const step of out.pass(dirty, 0, 3)) {
      writes.push(step);
      // c ends (the server gave up on it) after its write, while its reply waits.
      if (!('slow' in step) && step.kind === 'write' && step.id === 3) c.finished = true;
    }
    // The budget (4 bytes) is spent on a's reply; b and c wait, and c finished meanwhile.
    expect(writes).toEqual([
      { kind: 'write', id: 1, data: Buffer.from('abcd') },
      { kind: 'write', id: 3, data: Buffer.from('zz') },
    ]);
    expect([...dirty]).toEqual([b]);
    // The next pass has a budget again: b's reply goes out.
    expect(collect(out, dirty, 0)).toEqual([{ kind: 'write', id: 2, data: Buffer.from('abcd') }]);
  });
});
