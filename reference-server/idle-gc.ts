/**
 * The server's memory tuning, in one opt-in place (`startMemoryTuning`): `node reference-server`
 * turns it on; a server embedded in other code (tests, the benchmarks' in-process runs) does not,
 * since both parts change settings of the whole process. It gives memory back once the server
 * goes quiet after a burst (a join storm, a flood), and keeps V8's young generation small.
 *
 * Why the collector: V8 collects garbage when JavaScript allocates. A server whose clients have all joined and
 * say nothing allocates next to nothing, so whatever a burst left behind (the user lists sent to
 * thousands of joiners, their sealed records and socket buffers) stays in the heap and in the
 * Buffers' native memory for good: bench/RESULTS.md measured 3,000 idle clients at 220 MB of RSS,
 * 157 MB after one full collection. So a timer looks at the collectable memory every `quietMs`:
 * when it stopped growing (less than `quietGrowthBytes` since the previous look: the burst is over;
 * idle pings hardly allocate) and stands at least `minGrowthBytes` above where the last collection
 * left it, one full collection runs. A busy server is left to V8 (it collects as it allocates), and
 * a quiet one pays for one collection per burst, not per tick.
 *
 * A burst also grows V8's young generation (up to 2 x 16 MB of semi-spaces, all of it resident), and
 * V8 shrinks it back only in a collection that runs while its measured allocation rate (over the
 * last few seconds) is low: never, in a server that has gone quiet. So after the full collection the
 * collector keeps running a cheap young-generation collection at each quiet look, for up to
 * `settleLooks` looks or until the young generation has shrunk: at 10,000 idle clients that is
 * about 32 MB (3 KB per client) given back. bench/RESULTS.md has the figures.
 *
 * The collector itself is V8's `gc()`, which Node exposes only with --expose-gc; `exposedGc()` turns
 * that flag on at run time and takes the function from a fresh context (`node reference-server` has
 * no way to pass node flags). Where that fails, the server simply runs without it.
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleCollectorOptions {
  /** Runs a full collection. */
  readonly gc: () => void;
  /** Runs a young-generation collection (where V8 may shrink the young generation). */
  readonly youngGc?: () => void;
  /** Bytes the young generation holds resident. */
  readonly youngBytes?: () => number;
  /** Quiet looks after a full collection that may run a young one (see above). */
  readonly settleLooks?: number;
  /** Bytes a collection can free: heap in use plus Buffer memory. */
  readonly memory?: () => number;
  /** How often to look (ms). */
  readonly quietMs?: number;
  /** Growth between two looks below which the server counts as quiet (bytes). */
  readonly quietGrowthBytes?: number;
  /** Growth since the last collection below which a quiet server is left alone (bytes). */
  readonly minGrowthBytes?: number;
}

const DEFAULT_QUIET_MS = 1000;
/** A room of 10,000 idle members answering pings allocates about 1 MB a second: still quiet. */
const DEFAULT_QUIET_GROWTH = 4 * 1024 * 1024;
const DEFAULT_MIN_GROWTH = 8 * 1024 * 1024;
/**
 * V8 judges its allocation rate over about five seconds, and a burst's tail (the last joiners, the
 * first pings) can keep it above V8's threshold for a while after the heap stopped growing: at
 * 10,000 members, ten looks (the old default) ended before the young generation shrank in about
 * half the runs. A minute of quiet looks costs a young collection (about a millisecond) a second.
 */
const DEFAULT_SETTLE_LOOKS = 60;

export function collectableBytes(): number {
  const heap = getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
}

export interface V8Collections {
  readonly full: () => void;
  readonly young: () => void;
}

/** V8's collections, or null when this Node does not let them be exposed at run time. */
export function exposedGc(): V8Collections | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc !== 'function') return null;
    return { full: () => gc(), young: () => gc({ type: 'minor' }) };
  } catch {
    return null;
  }
}

/** The V8 flag holdYoungGeneration sets (exported for the test that checks it on this Node). */
export const HOLD_YOUNG_GENERATION = '--semi-space-growth-factor=1';

/**
 * Keeps V8's young generation at the size it has when this is called (the server calls it once
 * its modules are loaded: 4 MB semi-spaces here) instead of letting it grow to 16 MB (Node 20, 22)
 * or 64 MB (Node 24) under sustained load.
 *
 * Why: V8 grows the young generation once enough bytes have survived scavenges, which a busy server
 * always reaches, and then starts old-generation marking whenever the old generation's room to its
 * limit is no larger than the young generation's capacity. A server's old generation is small
 * (10 MB while a room of 100 chats), so with 16 MB semi-spaces that was always true: `--trace-gc`
 * showed a full mark-compact every 60-90 ms through a fan-out run, and perf put V8's marking and
 * sweeping threads at about 40% of the server's CPU. Held at its first size, the server's CPU per
 * delivery fell by about a quarter and the 10,000-member idle room by 10-25 MB (bench/RESULTS.md).
 * `--max-semi-space-size` would be the plain way, but V8 reads it only when the heap is created
 * (`node reference-server` passes no node flags); the growth factor it reads at each growth.
 * On Node 20 and 22 a worker thread's start resets the flags set at run time, so the server calls
 * this again each time its key pool's worker is up (key-pool.ts).
 */
export function holdYoungGeneration(): boolean {
  try {
    setFlagsFromString(HOLD_YOUNG_GENERATION);
    return true;
  } catch {
    return false;
  }
}

export class IdleCollector {
  private readonly memory: () => number;
  private readonly quietGrowth: number;
  private readonly minGrowth: number;
  /** Memory at the previous look. */
  private last: number;
  /** Memory after the last collection, or the lowest seen since. */
  private baseline: number;
  private timer: NodeJS.Timeout | null = null;
  /** Quiet looks left that may run a young collection, and the young generation's size to beat. */
  private settling = 0;
  private youngBefore = 0;
  /** The young generation's size when the collector started: it cannot shrink below that. */
  private readonly youngFloor: number;
  /** Collections run so far (for tests and logs). */
  collections = 0;
  youngCollections = 0;

  constructor(private readonly options: IdleCollectorOptions) {
    this.memory = options.memory ?? collectableBytes;
    this.quietGrowth = options.quietGrowthBytes ?? DEFAULT_QUIET_GROWTH;
    this.minGrowth = options.minGrowthBytes ?? DEFAULT_MIN_GROWTH;
    this.last = this.memory();
    this.baseline = this.last;
    this.youngFloor = options.youngBytes?.() ?? 0;
  }

  /** One look: collects when memory stopped growing well above the baseline. Returns whether it did. */
  check(): boolean {
    const now = this.memory();
    const growing = now - this.last >= this.quietGrowth;
    this.last = now;
    this.baseline = Math.min(this.baseline, now); // V8 collected, or clients left: count from the low
    if (!growing) this.settle();
    if (growing || now - this.baseline < this.minGrowth) return false;
    this.options.gc();
    this.collections++;
    this.last = this.memory();
    this.baseline = this.last;
    if (this.options.youngGc && this.options.youngBytes) {
      this.youngBefore = this.options.youngBytes();
      // A young generation that never grew (holdYoungGeneration) has nothing to give back.
      this.settling =
        this.youngBefore > this.youngFloor ? (this.options.settleLooks ?? DEFAULT_SETTLE_LOOKS) : 0;
    }
    return true;
  }

  /** One young collection of the settling after a full one; done once the young generation shrank. */
  private settle(): void {
    if (this.settling === 0) return;
    this.options.youngGc!();
    this.youngCollections++;
    this.settling = this.options.youngBytes!() < this.youngBefore ? 0 : this.settling - 1;
  }

  /** Looks every quietMs on an unreferenced timer (it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.options.quietMs ?? DEFAULT_QUIET_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** What startMemoryTuning set going; `onWorkerOnline` is for each worker thread the server starts. */
export interface MemoryTuning {
  readonly onWorkerOnline: () => void;
  stop(): void;
}

/**
 * Turns the tuning on for this process: the young generation held at its size (holdYoungGeneration)
 * and, where V8's collections can be exposed, the idle collector. The reasons are above.
 */
export function startMemoryTuning(): MemoryTuning {
  holdYoungGeneration();
  const gc = exposedGc();
  const idle = gc
    ? new IdleCollector({ gc: gc.full, youngGc: gc.young, youngBytes: youngGenerationBytes })
    : null;
  idle?.start();
  return {
    onWorkerOnline: () => {
      holdYoungGeneration();
    },
    stop: () => idle?.stop(),
  };
}
