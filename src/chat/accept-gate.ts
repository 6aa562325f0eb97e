/**
 * The chat server's door (spec 5.10, 11): whether an accepted connection is served (admission.ts
 * decides), and the log lines for those refused (SERVER_FULL, SERVER_SHUTDOWN,
 * TOO_MANY_FROM_ADDRESS...), at most one line per code per window.
 *
 * How this works: the first refusal of a window is logged in full; the rest are counted by code
 * and summed up in one line each when the window ends, so that a flood of connections cannot
 * flood the log too (one line per refusal was 30,000 lines in 40 s). The chat server asks for the
 * lines and for when the summary falls due; nothing here keeps time of its own.
 */
import { type ParleyError, parleyError } from '../errors.js';
import type { Limits } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { Admission, addressKey } from './admission.js';
import type { ConnId } from './server-contract.js';

/** How long one window of refusal logging lasts. */
export const REFUSAL_LOG_WINDOW_MS = 10_000;

class RefusalLog {
  /** When the current window began (its first refusal was logged in full then). */
  private since = Number.NEGATIVE_INFINITY;
  private readonly counts = new Map<ErrorCode, number>();

  /** When the counted refusals are due to be summed up, or null when none are counted. */
  get due(): number | null {
    return this.counts.size > 0 ? this.since + REFUSAL_LOG_WINDOW_MS : null;
  }

  /** The lines to log for a refusal of connection `id` at `now` (none while it is only counted). */
  refused(id: ConnId, code: ErrorCode, now: number): string[] {
    if (now - this.since >= REFUSAL_LOG_WINDOW_MS) {
      const lines = this.summary();
      this.since = now;
      lines.push(`conn ${id}: refused: ${code}`);
      return lines;
    }
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    return [];
  }

  /** The summary lines once the window has ended at `now` (none before, or when nothing is counted). */
  tick(now: number): string[] {
    const due = this.due;
    return due !== null && now >= due ? this.summary() : [];
  }

  /** One line per code, e.g. `refused 1979 more connections within 10 s: SERVER_FULL`. */
  private summary(): string[] {
    const seconds = REFUSAL_LOG_WINDOW_MS / 1000;
    const lines = [...this.counts].map(
      ([code, count]) =>
        `refused ${count} more connection${count === 1 ? '' : 's'} within ${seconds} s: ${code}`,
    );
    this.counts.clear();
    return lines;
  }
}

/** A connection at the door: served (counted by its address's key), or refused and why. */
export type Acceptance =
  | { readonly served: true; readonly address: string | undefined }
  | { readonly served: false; readonly error: ParleyError; readonly log: readonly string[] };

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

  /** Connection `id` from `remoteAddress` (as the socket gives it) at `now`, while `stopping` or not. */
  accept(id: ConnId, remoteAddress: string | undefined, stopping: boolean, now: number): Acceptance {
    const address = remoteAddress === undefined ? undefined : addressKey(remoteAddress);
    const refusal = this.admission.admit(address, stopping, now);
    if (!refusal) return { served: true, address };
    const error = parleyError(refusal.code, refusal.message);
    return { served: false, error, log: this.refusals.refused(id, refusal.code, now) };
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
