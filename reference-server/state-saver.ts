/**
 * When the server's state files (reserved names, 7.17; key bans, 7.18) are written: at most once
 * per interval, and once more at a clean shutdown.
 *
 * How this works: every event the server handles may change the state, so `touched()` is called
 * after each; the first one arms a timer for `intervalMs`, and the ones that follow find it armed
 * and do nothing. When the timer fires, `take()` (the chat server's takeSaves) hands over what
 * changed since the last write, and each file gets one write of the latest state (state-file.ts:
 * 0600, atomic). So a burst of renames costs one write per interval rather than one per rename
 * (9,400 reservations were 0.9 MB written for every one), and `take` itself, which builds the
 * whole list, runs once per interval too. `flush()` writes at once what is pending (shutdown).
 * The timers are passed in, so a test decides when time passes.
 */

/** One state that changed, as the chat server hands it (ChatServer.takeSaves). */
export interface StateChange {
  readonly what: 'reservations' | 'bans';
  readonly data: unknown;
}

export interface StateSaverOptions {
  /** What changed since the last call (and marks it saved). */
  readonly take: () => readonly StateChange[];
  /** Writes one state (writeStateFile at its path); may throw: `failed` hears it. */
  readonly write: (change: StateChange) => void;
  readonly failed: (change: StateChange, err: Error) => void;
  readonly intervalMs: number;
  readonly setTimer: (run: () => void, ms: number) => unknown;
  readonly clearTimer: (timer: unknown) => void;
}

/** The reference server's default: a second's changes in one write. */
export const STATE_SAVE_INTERVAL_MS = 1000;

export class StateSaver {
  private timer: unknown = null;

  constructor(private readonly options: StateSaverOptions) {}

  /** The state may have changed: it is written within intervalMs. */
  touched(): void {
    if (this.timer !== null) return;
    this.timer = this.options.setTimer(() => {
      this.timer = null;
      this.save();
    }, this.options.intervalMs);
  }

  /** Writes what changed now, and cancels the pending write (a clean shutdown). */
  flush(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
    this.save();
  }

  private save(): void {
    for (const change of this.options.take()) {
      try {
        this.options.write(change);
      } catch (err) {
        this.options.failed(change, err as Error);
      }
    }
  }
}
