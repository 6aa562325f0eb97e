/**
 * Lists that must fit a frame, and the export's reply (spec 7.6, 7.7, 7.10, 7.15).
 *
 * How this works: a list (user names, export or backlog entries) is split into chunks whose JSON
 * stays within a budget below maxFrame, so that each packet fits a record the client accepts. An
 * export's reply is made one export_reply at a time from a cursor over the history as the asker's
 * socket drains (ReplySource, send-queue.ts), in the form the asker agreed (structured-export,
 * 5.8); a room list is made the same way (v2-room-packets.ts), and both answer a request that comes
 * while either is on its way with REPLY_BUSY. The v2 dialect (v2-dialect.ts) uses these; nothing
 * here keeps state between replies.
 */
import { type LeaveReason, LIMITS } from '../generated/constants.js';
import type { V2PacketOf } from '../generated/v2-packets.js';
import { encodeV2Packet } from '../session/v2-codec.js';
import type { History, HistoryCursor } from './history.js';
import type { HistoryEntry } from './room.js';
import type { Encoded, ReplySource } from './server-contract.js';

/**
 * Splits `items` into chunks whose JSON stays within `budget` bytes (worst case: every character
 * 3 UTF-8 bytes), so that each packet fits a record the client accepts (7.6, 7.7). Always returns
 * at least one (possibly empty) chunk.
 */
export function chunkByJsonSize<T>(
  items: readonly T[],
  budget: number,
  cost: (item: T) => number = (item) => JSON.stringify(item).length * 3 + 1,
): T[][] {
  const chunks: T[][] = [[]];
  let size = 0;
  for (const item of items) {
    const itemCost = cost(item);
    if (size + itemCost > budget && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(item);
    size += itemCost;
  }
  return chunks;
}

/** The JSON budget of one list packet: within the server's maxFrame and the default a client uses. */
export function listBudget(maxFrame: number): number {
  return Math.max(256, Math.min(maxFrame, LIMITS.maxFrame) - 1024);
}

/**
 * The answer to an `export` or `rooms` that arrives while a large reply (an export's or a room
 * list's) is still on its way to the same connection (7.7, 7.15): one is in flight at a time, so
 * a client asking again cannot make the server hold more than one window of replies for it.
 */
export const REPLY_BUSY: Encoded = {
  packet: encodeV2Packet({
    type: 'error',
    code: 'RATE_LIMITED',
    message: 'an earlier export or room list is still on its way: wait for it to finish',
    fatal: false,
  }),
  type: 'error',
};

/** The feature that gives export_reply its structured join and leave entries (5.8, 7.7). */
export const STRUCTURED_EXPORT = 'structured-export';

/** One export_reply entry as it goes on the wire (7.7): structured, or the 2.0 form. */
export type WireExportEntry = V2PacketOf<'export_reply'>['entries'][number];

/**
 * A history entry in export_reply's form (7.7): join and leave entries by their fields (name,
 * reason) for a client that listed `structured-export`, as the 2.0 prose (`from`, `text`) for
 * one that did not. A part is a quit to a client without rooms (`rooms` false, 7.15).
 */
export function wireExportEntry(entry: HistoryEntry, structured: boolean, rooms = false): WireExportEntry {
  switch (entry.kind) {
    case 'message':
    case 'action':
      return { kind: entry.kind, from: entry.from, text: entry.text, ts: entry.ts };
    case 'join':
      return structured
        ? { kind: 'join', name: entry.name, ts: entry.ts }
        : { kind: 'join', from: entry.name, text: `${entry.name} joined`, ts: entry.ts };
    case 'leave':
      return structured
        ? { kind: 'leave', name: entry.name, reason: exportReason(entry.reason, rooms), ts: entry.ts }
        : { kind: 'leave', from: entry.name, text: `${entry.name} left`, ts: entry.ts };
  }
}

/**
 * The reason an export entry gives: a kick or a ban is a plain `quit` (7.18: moderation is not part
 * of the history), and so is a part for an asker that did not agree rooms (7.15).
 */
function exportReason(reason: LeaveReason, rooms: boolean): Exclude<LeaveReason, 'kicked' | 'banned'> {
  if (reason === 'kicked' || reason === 'banned') return 'quit';
  return reason === 'part' && !rooms ? 'quit' : reason;
}

/**
 * An export's reply (7.7), made one export_reply at a time as the asker's socket drains (11,
 * sendWindowBytes): each part takes the entries that fit the JSON budget from a cursor over the
 * history, so no reply exists whole and a second export cannot double what waits.
 */
export class ExportReply implements ReplySource {
  private readonly cursor: HistoryCursor;
  /** An entry read that did not fit the last part: it opens the next. */
  private carried: HistoryEntry | undefined;
  private finished = false;

  constructor(
    history: History,
    private readonly budget: number,
    private readonly structured: boolean,
    /** The room's name, for an asker that agreed rooms (7.15): each part carries it. */
    private readonly room?: string,
  ) {
    this.cursor = history.cursor();
  }

  next(): Encoded | null {
    if (this.finished) return null;
    const entries: WireExportEntry[] = [];
    let size = 0;
    for (;;) {
      const entry = this.carried ?? this.cursor.next();
      this.carried = undefined;
      if (entry === undefined) break;
      const wire = wireExportEntry(entry, this.structured, this.room !== undefined);
      // Worst case: every character 3 UTF-8 bytes (chunkByJsonSize's rule).
      const cost = JSON.stringify(wire).length * 3 + 1;
      if (size + cost > this.budget && entries.length > 0) {
        this.carried = entry;
        break;
      }
      entries.push(wire);
      size += cost;
    }
    const done = this.carried === undefined && !this.cursor.more;
    this.finished = done;
    // Without rooms `room` is undefined, which JSON leaves out (the 2.0 form).
    return {
      packet: encodeV2Packet({ type: 'export_reply', entries, done, room: this.room }),
      type: 'export_reply',
    };
  }
}

/** Room entries for export or backlog, split so that each packet fits one frame (7.7, 7.10). */
export function exportChunks(entries: readonly HistoryEntry[], maxFrame: number): HistoryEntry[][] {
  return chunkByJsonSize(entries, listBudget(maxFrame));
}
