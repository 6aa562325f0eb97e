/**
 * Coalesces screen renders into frames: however many changes arrive, the screen is drawn at most
 * once per frame interval, and never synchronously inside the code that reported the change.
 *
 * Why: a busy room can deliver hundreds of messages a second, and drawing the whole screen for
 * each would keep the event loop from reading the socket, making the client the slow reader the
 * server drops (issue 15). With frames, a burst of events costs one draw, and between frames the
 * socket is read. The timer functions are injected so that tests run on a fake clock.
 */

export interface FrameTimers {
  readonly now: () => number;
  readonly setTimeout: (run: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

/** Node's timers, unref'd so that a pending frame never keeps the process alive. */
export const NODE_TIMERS: FrameTimers = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** 30 frames a second: smooth enough to type in, cheap enough for a busy room. */
export const FRAME_MS = 33;

export class FrameScheduler {
  private pending: unknown = null;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly draw: () => void,
    private readonly timers: FrameTimers = NODE_TIMERS,
    private readonly interval = FRAME_MS,
  ) {}

  /** Something changed: draw in the next frame (one draw however many requests come before it). */
  request(): void {
    if (this.pending !== null || this.stopped) return;
    const wait = Math.max(0, this.lastDraw + this.interval - this.timers.now());
    this.pending = this.timers.setTimeout(() => {
      this.pending = null;
      this.drawNow();
    }, wait);
  }

  /** Draws now (Ctrl-L, a resize), which also answers any request waiting for its frame. */
  drawNow(): void {
    if (this.stopped) return;
    if (this.pending !== null) {
      this.timers.clearTimeout(this.pending);
      this.pending = null;
    }
    this.lastDraw = this.timers.now();
    this.draw();
  }

  /** No more drawing (the screen is gone). */
  stop(): void {
    this.stopped = true;
    if (this.pending !== null) this.timers.clearTimeout(this.pending);
    this.pending = null;
  }
}
