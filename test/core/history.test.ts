/**
 * The history kept for export (spec 7.7, 10.5) and its cursors (history.ts): what a cursor reads
 * when entries come, go out of the ring, or are cleared while it reads.
 */
import { describe, expect, it } from 'vitest';
import { History, type HistoryEntry } from '../../src/chat/history.js';
import { wireExportEntry } from '../../src/chat/v2-dialect.js';

const line = (n: number): HistoryEntry => ({ kind: 'message', from: 'a', text: `${n}`, ts: n });
const texts = (entries: (HistoryEntry | undefined)[]) =>
  entries.map((e) => (e && e.kind === 'message' ? e.text : '?'));

function readAll(h: History, from?: number): HistoryEntry[] {
  const c = h.cursor(from);
  const out: HistoryEntry[] = [];
  for (let e = c.next(); e !== undefined; e = c.next()) out.push(e);
  return out;
}

describe('history (7.7)', () => {
  it('keeps the last `capacity` entries, numbered for its whole life', () => {
    const h = new History(10);
    for (let i = 0; i < 3000; i++) h.record(line(i));
    expect(h.size).toBe(10);
    expect(h.first).toBe(2990);
    expect(h.end).toBe(3000);
    expect(texts(h.all())).toEqual(Array.from({ length: 10 }, (_, i) => `${2990 + i}`));
    expect(h.at(2989)).toBeUndefined();
    expect(texts([h.at(2995)])).toEqual(['2995']);
    expect(texts(readAll(h))).toEqual(texts(h.all()));
  });

  it('drops the oldest in batches: in memory at most the larger of capacity + 1,024 and twice the capacity', () => {
    for (const capacity of [10, 3000]) {
      const h = new History(capacity);
      const held = () => (h as unknown as { entries: unknown[] }).entries.length;
      let most = 0;
      for (let i = 0; i < 20_000; i++) {
        h.record(line(i));
        most = Math.max(most, held());
      }
      // The array grows until the dropped part passes both 1,024 and the part held, then is cut.
      expect(most).toBe(Math.max(capacity + 1024, 2 * capacity));
      expect(h.first).toBe(20_000 - capacity);
      expect(texts([h.at(h.first), h.at(19_999)])).toEqual([`${20_000 - capacity}`, '19999']);
    }
  });

  it('keeps nothing with capacity 0', () => {
    const h = new History(0);
    h.record(line(1));
    expect(h.size).toBe(0);
    expect(h.cursor().more).toBe(false);
  });

  it('a cursor stops at the end it was made with: later entries are not read', () => {
    const h = new History(100);
    for (let i = 0; i < 3; i++) h.record(line(i));
    const c = h.cursor();
    expect(texts([c.next()])).toEqual(['0']);
    h.record(line(3));
    expect(texts([c.next(), c.next()])).toEqual(['1', '2']);
    expect(c.more).toBe(false);
    expect(c.next()).toBeUndefined();
  });

  it('a cursor skips what the ring dropped before it got there, and reads the rest once, in order', () => {
    const h = new History(4);
    for (let i = 0; i < 4; i++) h.record(line(i));
    const c = h.cursor();
    expect(texts([c.next()])).toEqual(['0']);
    h.record(line(4));
    h.record(line(5)); // 0 and 1 are gone
    expect(c.more).toBe(true);
    expect(texts([c.next()])).toEqual(['2']);
    expect(texts([c.next()])).toEqual(['3']);
    expect(c.more).toBe(false);
  });

  it('a cleared history ends every cursor, and numbering goes on', () => {
    const h = new History(10);
    for (let i = 0; i < 5; i++) h.record(line(i));
    const c = h.cursor();
    c.next();
    h.clear();
    expect(c.more).toBe(false);
    expect(c.next()).toBeUndefined();
    h.record(line(9));
    expect(h.first).toBe(5);
    expect(texts(readAll(h))).toEqual(['9']);
  });
});

describe('export entries on the wire (7.7)', () => {
  const join: HistoryEntry = { kind: 'join', name: 'alice', ts: 1 };
  const leave: HistoryEntry = { kind: 'leave', name: 'bob', reason: 'timeout', ts: 2 };
  const say: HistoryEntry = { kind: 'action', from: 'alice', text: 'waves', ts: 3 };

  it('structured: joins and leaves by name and reason, no prose', () => {
    expect([join, leave, say].map((e) => wireExportEntry(e, true))).toEqual([
      { kind: 'join', name: 'alice', ts: 1 },
      { kind: 'leave', name: 'bob', reason: 'timeout', ts: 2 },
      { kind: 'action', from: 'alice', text: 'waves', ts: 3 },
    ]);
  });

  it('the 2.0 form for a client without structured-export', () => {
    expect([join, leave, say].map((e) => wireExportEntry(e, false))).toEqual([
      { kind: 'join', from: 'alice', text: 'alice joined', ts: 1 },
      { kind: 'leave', from: 'bob', text: 'bob left', ts: 2 },
      { kind: 'action', from: 'alice', text: 'waves', ts: 3 },
    ]);
  });
});
