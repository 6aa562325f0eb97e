/**
 * One shard of the fanout load: some of the room's clients, in one thread.
 *
 * How this works: every shard of a run shares two counters through SharedArrayBuffers: `got`, how
 * many receivers have each (sender, seq), and `complete`, how many of each sender's lines every
 * receiver has (the window's trailing edge). A receiver that makes a line complete advances
 * `complete` with compare-and-swap, so that shards in other threads see it. A sender may have at
 * most `window` lines sent and not complete; its own shard checks the window after each turn of
 * deliveries and on a short timer (another shard may have completed the line). Each receiver also
 * checks, for itself, that it gets every (sender, seq) once and in per-sender order; the latencies
 * and tallies go back to the run at the end.
 */
import type { ChatClient } from './load-client.js';
import { leaveAll, startAll } from './load-client.js';
import { nowUs, Samples } from './stats.js';

export interface FanoutParams {
  readonly senders: number;
  readonly messages: number;
  readonly window: number;
  /** Receivers of each line: all members when the server echoes, else all but the sender. */
  readonly perMessage: number;
  readonly echo: boolean;
}

export interface SharedCounters {
  /** Int32 per (sender, seq): receivers that have it. */
  readonly got: SharedArrayBuffer;
  /** Int32 per sender: lines every receiver has. */
  readonly complete: SharedArrayBuffer;
}

export function sharedCounters(params: FanoutParams): SharedCounters {
  return {
    got: new SharedArrayBuffer(4 * params.senders * params.messages),
    complete: new SharedArrayBuffer(4 * params.senders),
  };
}

export interface ShardReport {
  readonly delivered: number;
  readonly expected: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly foreign: number;
  readonly missing: number;
  readonly notices: number;
  readonly lastDeliveryUs: number;
  /** Latency samples, microseconds. */
  readonly latencies: Float64Array;
}

/** Where the last digitsAt() stopped: one past the field's ':' (or the end). */
let digitsEnd = 0;

/** The decimal number at `from` up to the next ':' or `end`, or -1 when there is none. */
function digitsAt(text: string, from: number, end: number): number {
  let value = 0;
  let i = from;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 /* : */) break;
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  digitsEnd = i + 1;
  return i === from ? -1 : value;
}

export class FanoutShard {
  private readonly got: Int32Array;
  private readonly complete: Int32Array;
  private readonly sent: Int32Array;
  /** Per local receiver, per sender: the next seq it expects. */
  private readonly next: Int32Array[];
  private readonly latency: Samples;
  private readonly expected: number;
  private readonly ownSenders: { readonly k: number; readonly client: ChatClient }[];
  private delivered = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private foreign = 0;
  private lastDelivery = 0;
  private pumpQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private finish: () => void = () => {};
  readonly done: Promise<void>;

  /** `clients[i]` has the room-wide index `indices[i]`; senders are indices 0..senders-1. */
  constructor(
    private readonly clients: readonly ChatClient[],
    private readonly indices: readonly number[],
    private readonly params: FanoutParams,
    counters: SharedCounters,
  ) {
    const { senders: s, messages: m, echo } = params;
    this.got = new Int32Array(counters.got);
    this.complete = new Int32Array(counters.complete);
    this.sent = new Int32Array(s);
    this.next = clients.map(() => new Int32Array(s));
    this.ownSenders = indices.flatMap((g, i) => (g < s ? [{ k: g, client: clients[i] }] : []));
    let lines = 0;
    for (const g of indices) lines += echo || g >= s ? s : s - 1;
    this.expected = lines * m;
    this.latency = new Samples(this.expected);
    this.done = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    clients.forEach((client, i) => {
      client.onChat = (s, start, end, at) => this.onChat(i, s, start, end, at);
    });
  }

  /** Connects and joins every client of the shard. */
  join(concurrency: number, deadlineUs: number): Promise<{ failed: number; errors: string[] }> {
    return startAll(this.clients, concurrency, deadlineUs);
  }

  /** Starts sending; `done` resolves when this shard's receivers have everything. */
  go(): void {
    if (this.expected === 0) this.finish();
    this.pumpAll();
    this.timer = setInterval(() => this.pumpAll(), 1);
    this.done.then(() => this.stopTimer());
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private pumpAll(): void {
    const { messages: m, window } = this.params;
    for (const { k, client: sender } of this.ownSenders) {
      let queued = false;
      while (this.sent[k] < m && this.sent[k] - Atomics.load(this.complete, k) < window) {
        sender.say(`b:${k}:${this.sent[k]}:${nowUs()}`);
        this.sent[k]++;
        queued = true;
      }
      if (queued) sender.flush();
    }
  }

  /** Checks the windows once per turn of the event loop in which lines arrived. */
  private schedulePump(): void {
    if (this.pumpQueued || this.ownSenders.length === 0) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pumpAll();
    });
  }

  private advance(k: number): void {
    const { messages: m, perMessage } = this.params;
    let c = Atomics.load(this.complete, k);
    while (c < m && Atomics.load(this.got, k * m + c) >= perMessage) {
      const before = Atomics.compareExchange(this.complete, k, c, c + 1);
      c = before === c ? c + 1 : Atomics.load(this.complete, k);
    }
  }

  /** The chat line `line.slice(start, end)`, received at `at`. */
  private onChat(local: number, line: string, start: number, end: number, at: number): void {
    const { senders: s, messages: m, echo, perMessage } = this.params;
    // `b:<sender>:<seq>:<stamp>`, read in place (this runs once per delivery).
    if (
      end - start < 2 ||
      line.charCodeAt(start) !== 98 /* b */ ||
      line.charCodeAt(start + 1) !== 58 /* : */
    ) {
      this.foreign++;
      return;
    }
    const k = digitsAt(line, start + 2, end);
    const seq = digitsAt(line, digitsEnd, end);
    const stamp = digitsAt(line, digitsEnd, end);
    if (!(k >= 0 && k < s && seq >= 0 && seq < m && stamp >= 0) || (!echo && k === this.indices[local])) {
      this.foreign++;
      return;
    }
    const mine = this.next[local];
    if (seq < mine[k]) {
      this.duplicates++;
      return;
    }
    if (seq > mine[k]) this.outOfOrder++;
    mine[k] = seq + 1;
    this.latency.push(at - stamp);
    this.delivered++;
    this.lastDelivery = at;
    if (Atomics.add(this.got, k * m + seq, 1) + 1 === perMessage) this.advance(k);
    this.schedulePump();
    if (this.delivered === this.expected) this.finish();
  }

  /** Stops waiting (a timeout): `done` resolves now. */
  stop(): void {
    this.finish();
  }

  report(): ShardReport {
    const { senders: s, messages: m, echo } = this.params;
    let missing = 0;
    this.indices.forEach((g, i) => {
      for (let k = 0; k < s; k++) if (echo || k !== g) missing += m - this.next[i][k];
    });
    return {
      delivered: this.delivered,
      expected: this.expected,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      foreign: this.foreign,
      missing,
      notices: this.clients.reduce((sum, c) => sum + c.notices.length, 0),
      lastDeliveryUs: this.lastDelivery,
      latencies: this.latency.sorted(),
    };
  }

  async leave(): Promise<void> {
    this.stopTimer();
    for (const c of this.clients) c.onChat = null;
    await leaveAll(this.clients);
  }
}
