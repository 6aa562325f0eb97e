/**
 * The chat server's door (spec 5.10, 11): whether an accepted connection is served (admission.ts
 * decides), which connection that has not joined gives up its slot when the server is full
 * (11.2), and the log lines for those refused (SERVER_FULL, SERVER_SHUTDOWN,
 * TOO_MANY_FROM_ADDRESS, BANNED...) or closed to make room, at most one line per kind per window.
 *
 * How this works: the first refusal (or eviction) of a window is logged in full; the rest are
 * counted by kind and summed up in one line each when the window ends, so that a flood of
 * connections cannot flood the log too (one line per refusal was 30,000 lines in 40 s). The chat
 * server asks for the lines and for when the summary falls due; nothing here keeps time of its own.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { Admission, addressKey } from './admission.js';
import type { ConnId } from './server-contract.js';

/** How long one window of refusal logging lasts. */
export const REFUSAL_LOG_WINDOW_MS = 10_000;

/** What the log counts: a refusal by its code, or a connection closed to make room (11.2). */
type Counted = ErrorCode | 'evicted';

/** One kind's window: when it began (its first event was logged in full then), and the rest. */
interface Window {
  since: number;
  count: number;
}

class RefusalLog {
  /** Each kind has a window of its own, so a flood of one kind never hides the first of another. */
  private readonly windows = new Map<Counted, Window>();

  /** When the earliest counted events are due to be summed up, or null when none are counted. */
  get due(): number | null {
    let due: number | null = null;
    for (const w of this.windows.values()) {
      if (w.count === 0) continue;
      const end = w.since + REFUSAL_LOG_WINDOW_MS;
      due = due === null ? end : Math.min(due, end);
    }
    return due;
  }

  /** The lines to log for a refusal of connection `id` at `now` (none while it is only counted). */
  refused(id: ConnId, code: ErrorCode, now: number): string[] {
    return this.event(code, `conn ${id}: refused: ${code}`, now);
  }

  /** The lines to log for connection `victim` closed at `now` to serve `id` (11.2). */
  evicted(victim: ConnId, id: ConnId, now: number): string[] {
    return this.event(
      'evicted',
      `conn ${victim}: closed before it joined: server full, its slot went to conn ${id}`,
      now,
    );
  }

  private event(kind: Counted, line: string, now: number): string[] {
    const w = this.windows.get(kind);
    if (w === undefined || now - w.since >= REFUSAL_LOG_WINDOW_MS) {
      const lines = w === undefined ? [] : this.summary(kind, w);
      this.windows.set(kind, { since: now, count: 0 });
      lines.push(line);
      return lines;
    }
    w.count++;
    return [];
  }

  /** The summary lines of the windows that have ended at `now` (none before, or when nothing is counted). */
  tick(now: number): string[] {
    const lines: string[] = [];
    for (const [kind, w] of this.windows) {
      if (now - w.since < REFUSAL_LOG_WINDOW_MS) continue;
      lines.push(...this.summary(kind, w));
      this.windows.delete(kind);
    }
    return lines;
  }

  /**
   * A window's line, if it counted any: e.g. `refused 1979 more connections within 10 s:
   * SERVER_FULL`, or `closed 950 more connections that had not joined within 10 s: server full`.
   */
  private summary(kind: Counted, w: Window): string[] {
    if (w.count === 0) return [];
    const seconds = REFUSAL_LOG_WINDOW_MS / 1000;
    const connections = `${w.count} more connection${w.count === 1 ? '' : 's'}`;
    return [
      kind === 'evicted'
        ? `closed ${connections} that had not joined within ${seconds} s: server full`
        : `refused ${connections} within ${seconds} s: ${kind}`,
    ];
  }
}

/**
 * A connection at the door: served (counted by its address's key), maybe in the slot of a
 * connection that has not joined (`evict`: the chat server closes it, 11.2), or refused and why.
 */
export type Acceptance =
  | {
      readonly served: true;
      readonly address: string | undefined;
      readonly evict?: ConnId;
      readonly log: readonly string[];
    }
  | {
      readonly served: false;
      readonly error: ParleyError;
      readonly log: readonly string[];
      /** 11.4: closed without a `refused` record (its address was told already). */
      readonly quiet?: true;
    };

export class AcceptGate {
  private readonly admission: Admission;
  private readonly refusals = new RefusalLog();

  constructor(limits: Limits) {
    this.admission = new Admission(limits);
  }

  /** When the refusals counted in this window are due to be summed up, or null: none are. */
  get due(): number | null {
    return this.refusals.due;
  }

  /**
   * Connection `id` from `remoteAddress` (as the socket gives it) at `now`, while `stopping` or
   * not; `oldest`: the chat server's oldest connection that has not joined, if any (11.2).
   */
  accept(
    id: ConnId,
    remoteAddress: string | undefined,
    stopping: boolean,
    now: number,
    oldest?: ConnId,
  ): Acceptance {
    const address = remoteAddress === undefined ? undefined : addressKey(remoteAddress);
    const full = this.admission.full;
    const refusal = this.admission.admit(address, stopping, now, oldest !== undefined);
    if (refusal === null) {
      // Admitted past maxClients: `oldest` gives up its slot (11.2).
      const evict = full ? oldest : undefined;
      const log = evict === undefined ? [] : this.refusals.evicted(evict, id, now);
      return { served: true, address, evict, log };
    }
    const error = parleyError(refusal.code, refusal.message);
    const log = this.refusals.refused(id, refusal.code, now);
    return refusal.quiet ? { served: false, error, log, quiet: true } : { served: false, error, log };
  }

  /**
   * The log lines for connection `id`, which the gate served, refused after all at `now` (a
   * banned address, 7.18): logged and summed up like the gate's own refusals (5.10).
   */
  refusedAfter(id: ConnId, code: ErrorCode, now: number): string[] {
    return this.refusals.refused(id, code, now);
  }

  /** A served connection from `address` (its key) ended. */
  release(address: string | undefined): void {
    this.admission.release(address);
  }

  /** The summary lines once the window has ended at `now`. */
  tick(now: number): string[] {
    return this.refusals.tick(now);
  }
}
