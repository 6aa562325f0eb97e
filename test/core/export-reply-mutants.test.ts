/**
 * Lists that fit a frame and the export's reply (spec 7.6, 7.7, 7.15, 7.18), on the functions
 * themselves: chunks at exactly their budget, the list budget's bounds, every export entry in both
 * forms with the reasons a client may see, and an export made part by part from a history.
 */
import { describe, expect, it } from 'vitest';
import {
  chunkByJsonSize,
  ExportReply,
  exportChunks,
  listBudget,
  wireExportEntry,
} from '../../src/chat/export-reply.js';
import { History, type HistoryEntry } from '../../src/chat/history.js';
import { LEAVE_REASONS } from '../../src/generated/constants.js';

/** chunkByJsonSize's default cost: every character 3 UTF-8 bytes, and a comma. */
const cost = (item: unknown) => JSON.stringify(item).length * 3 + 1;

describe('chunkByJsonSize (7.6, 7.7)', () => {
  it('gives one empty chunk for no items', () => {
    expect(chunkByJsonSize([], 100)).toEqual([[]]);
  });

  it('fills a chunk up to exactly its budget with the default cost', () => {
    const items = ['ab', 'cd', 'ef']; // each "ab": 4 characters, 13 bytes
    expect(cost('ab')).toBe(13);
    expect(chunkByJsonSize(items, 26)).toEqual([['ab', 'cd'], ['ef']]);
    expect(chunkByJsonSize(items, 25)).toEqual([['ab'], ['cd'], ['ef']]);
    expect(chunkByJsonSize(items, 39)).toEqual([['ab', 'cd', 'ef']]);
  });

  it('puts an item over the budget alone in its chunk, never an empty chunk first', () => {
    expect(chunkByJsonSize([5, 1, 1], 3, (n) => n)).toEqual([[5], [1, 1]]);
    expect(chunkByJsonSize([1, 5, 1], 3, (n) => n)).toEqual([[1], [5], [1]]);
  });
});

describe('listBudget (7.6)', () => {
  it('is maxFrame less 1024, within the default maxFrame a client takes, and never under 256', () => {
    expect(listBudget(1024)).toBe(256);
    expect(listBudget(1280)).toBe(256);
    expect(listBudget(1281)).toBe(257);
    expect(listBudget(2000)).toBe(976);
    expect(listBudget(65536)).toBe(64512);
    expect(listBudget(1_000_000)).toBe(64512);
  });

  it('is what exportChunks splits by', () => {
    const entry: HistoryEntry = { kind: 'message', from: 'a', text: 'x'.repeat(30), ts: 1 };
    const each = cost(entry);
    const five = Array.from({ length: 5 }, () => entry);
    // maxFrame 1024 + 2 x each: two entries fit a part exactly.
    expect(exportChunks(five, 1024 + 2 * each).map((c) => c.length)).toEqual([2, 2, 1]);
    expect(exportChunks(five, 1024 + 2 * each - 1).map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('wireExportEntry (7.7, 7.15, 7.18)', () => {
  it('shows chat lines the same in both forms', () => {
    for (const kind of ['message', 'action'] as const)
      for (const structured of [false, true])
        expect(wireExportEntry({ kind, from: 'ann', text: 'hi', ts: 3 }, structured)).toEqual({
          kind,
          from: 'ann',
          text: 'hi',
          ts: 3,
        });
  });

  it('shows a join by its name, or in the 2.0 prose', () => {
    const join: HistoryEntry = { kind: 'join', name: 'ann', ts: 4 };
    expect(wireExportEntry(join, true)).toEqual({ kind: 'join', name: 'ann', ts: 4 });
    expect(wireExportEntry(join, false)).toEqual({ kind: 'join', from: 'ann', text: 'ann joined', ts: 4 });
  });

  it('shows a leave in the 2.0 prose whatever its reason', () => {
    for (const reason of LEAVE_REASONS)
      expect(wireExportEntry({ kind: 'leave', name: 'bob', reason, ts: 5 }, false, true)).toEqual({
        kind: 'leave',
        from: 'bob',
        text: 'bob left',
        ts: 5,
      });
  });

  it('gives a leave the reason a client may see: kick and ban as quit, part only with rooms', () => {
    const shown = (reason: (typeof LEAVE_REASONS)[number], rooms: boolean) =>
      wireExportEntry({ kind: 'leave', name: 'bob', reason, ts: 5 }, true, rooms);
    for (const rooms of [false, true]) {
      expect(shown('kicked', rooms)).toEqual({ kind: 'leave', name: 'bob', reason: 'quit', ts: 5 });
      expect(shown('banned', rooms).reason).toBe('quit');
      for (const reason of ['quit', 'lost', 'timeout', 'error', 'shutdown'] as const)
        expect(shown(reason, rooms).reason).toBe(reason);
    }
    expect(shown('part', true).reason).toBe('part');
    expect(shown('part', false).reason).toBe('quit');
    expect(wireExportEntry({ kind: 'leave', name: 'bob', reason: 'part', ts: 5 }, true).reason).toBe('quit');
  });
});

describe('ExportReply: an export part by part (7.7)', () => {
  const line = (n: number): HistoryEntry => ({ kind: 'message', from: 'ann', text: `line ${n}`, ts: n });
  function history(entries: readonly HistoryEntry[]) {
    const h = new History(100);
    for (const e of entries) h.record(e);
    return h;
  }
  function parts(reply: ExportReply) {
    const out: Record<string, unknown>[] = [];
    for (let p = reply.next(); p !== null; p = reply.next()) {
      expect(p.type).toBe('export_reply');
      out.push(JSON.parse(p.packet.toString('utf8')));
    }
    return out;
  }

  it('sends one empty, done part for an empty history, then nothing', () => {
    const reply = new ExportReply(history([]), 1000, true);
    expect(parts(reply)).toEqual([{ type: 'export_reply', entries: [], done: true }]);
    expect(reply.next()).toBeNull();
  });

  it('fills each part up to exactly its budget, carrying the entry that did not fit', () => {
    const entries = [1, 2, 3, 4, 5].map(line);
    const each = cost(wireExportEntry(entries[0], true));
    const sizes = (budget: number) =>
      parts(new ExportReply(history(entries), budget, true)).map((p) => [
        (p.entries as unknown[]).length,
        p.done,
      ]);
    expect(sizes(2 * each)).toEqual([
      [2, false],
      [2, false],
      [1, true],
    ]);
    expect(sizes(2 * each - 1)).toEqual([
      [1, false],
      [1, false],
      [1, false],
      [1, false],
      [1, true],
    ]);
    // A budget that takes exactly all: one part, done, with no empty part after it.
    expect(sizes(5 * each)).toEqual([[5, true]]);
  });

  it('keeps entries in order, in the asker form, with the room for an asker that agreed rooms', () => {
    const entries: HistoryEntry[] = [
      { kind: 'join', name: 'ann', ts: 1 },
      line(2),
      { kind: 'leave', name: 'ann', reason: 'part', ts: 3 },
    ];
    expect(parts(new ExportReply(history(entries), 10_000, false))).toEqual([
      {
        type: 'export_reply',
        entries: [
          { kind: 'join', from: 'ann', text: 'ann joined', ts: 1 },
          { kind: 'message', from: 'ann', text: 'line 2', ts: 2 },
          { kind: 'leave', from: 'ann', text: 'ann left', ts: 3 },
        ],
        done: true,
      },
    ]);
    const roomed = parts(new ExportReply(history(entries), 10_000, true, '#den'));
    expect(roomed).toEqual([
      {
        type: 'export_reply',
        entries: [
          { kind: 'join', name: 'ann', ts: 1 },
          { kind: 'message', from: 'ann', text: 'line 2', ts: 2 },
          { kind: 'leave', name: 'ann', reason: 'part', ts: 3 },
        ],
        done: true,
        room: '#den',
      },
    ]);
    // Without rooms agreed, a part is a quit (7.15).
    const plain = parts(new ExportReply(history(entries), 10_000, true));
    expect((plain[0].entries as { reason?: string }[])[2].reason).toBe('quit');
  });

  it('holds the history as it was when it began (7.7)', () => {
    const h = history([line(1)]);
    const reply = new ExportReply(h, 10_000, true);
    h.record(line(2));
    expect(parts(reply).map((p) => (p.entries as unknown[]).length)).toEqual([1]);
  });
});
