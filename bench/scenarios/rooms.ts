/**
 * rooms: N clients in R rooms (spec 7.15, feature `rooms`); one sender per room sends M chat lines
 * in its room, and every line reaches exactly that room's members.
 *
 * How this works: client i joins the server, then room `#room<i mod R>` (it stays in #lobby too,
 * where nothing is said during the measurement), all before the clock starts. Clients 0..R-1 are
 * the senders, one per room. Lines are `b:<sender>:<seq>:<send time µs>`, as in fanout.ts, with
 * the same flow control: a sender may have at most `window` lines not yet delivered to every
 * member of its room. A receiver checks that it gets every line of its room's sender once and in
 * order, and counts any line of another room as foreign (a leak across rooms). Deliveries per
 * second count from the first send to the last delivery; server CPU and peak RSS are sampled
 * across that interval. One load generator thread.
 */
import { type ClientSpec, createClient, leaveAll, startAll } from '../load-client.js';
import type { ServerUnderTest } from '../server-process.js';
import { nowUs, Samples } from '../stats.js';
import { type DeliveryFigures, deliveryFigures, measureDeliveries } from './fanout.js';

export interface RoomsOptions {
  readonly server: ServerUnderTest;
  readonly client: ClientSpec;
  readonly clients: number;
  readonly rooms: number;
  readonly messages: number;
  readonly window: number;
  readonly timeoutMs: number;
  readonly connectConcurrency?: number;
}

export interface RoomsResult extends DeliveryFigures {
  readonly scenario: 'rooms';
  readonly server: string;
  readonly clients: number;
  readonly rooms: number;
  readonly senders: number;
  readonly messages: number;
  readonly window: number;
}

export const roomOfClient = (i: number, rooms: number) => `#room${i % rooms}`;

export async function runRooms(options: RoomsOptions): Promise<RoomsResult> {
  const { clients: n, rooms: r, messages: m, window } = options;
  if (options.client.kind !== 'v2') throw new Error('rooms: v2 only (feature rooms, 7.15)');
  if (r < 1 || n < 2 * r) throw new Error(`rooms: --clients (${n}) must be at least twice --rooms (${r})`);
  const clients = Array.from({ length: n }, (_, i) =>
    createClient(options.client, `c${i}`, roomOfClient(i, r)),
  );
  // Members per room, the sender included (v2 echoes a line to its sender, 7.3).
  const size = Array.from({ length: r }, (_, k) => Math.floor(n / r) + (k < n % r ? 1 : 0));
  const got = new Int32Array(r * m);
  const complete = new Int32Array(r);
  const sent = new Int32Array(r);
  const next = new Int32Array(n);
  const expected = n * m;
  const latency = new Samples(expected);
  let delivered = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let lastDelivery = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const pump = () => {
    for (let k = 0; k < r; k++) {
      let queued = false;
      while (sent[k] < m && sent[k] - complete[k] < window) {
        clients[k].say(`b:${k}:${sent[k]}:${nowUs()}`);
        sent[k]++;
        queued = true;
      }
      if (queued) clients[k].flush();
    }
  };
  let pumpQueued = false;
  const schedulePump = () => {
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  };

  clients.forEach((client, i) => {
    const own = i % r;
    client.onChat = (line, start, end, at) => {
      const fields = line.slice(start, end).split(':');
      const k = Number(fields[1]);
      const seq = Number(fields[2]);
      const stamp = Number(fields[3]);
      if (fields[0] !== 'b' || k !== own || !(seq >= 0 && seq < m)) {
        foreign++;
        return;
      }
      if (seq < next[i]) {
        duplicates++;
        return;
      }
      if (seq > next[i]) outOfOrder++;
      next[i] = seq + 1;
      latency.push(at - stamp);
      delivered++;
      lastDelivery = at;
      if (++got[k * m + seq] === size[k]) {
        while (complete[k] < m && got[k * m + complete[k]] >= size[k]) complete[k]++;
        schedulePump();
      }
      if (delivered === expected) finish();
    };
  });

  try {
    const joinedBy = nowUs() + options.timeoutMs * 1000;
    const joins = await startAll(clients, options.connectConcurrency ?? 50, joinedBy);
    if (joins.failed > 0)
      throw new Error(`${joins.failed} of ${n} clients did not join their room: ${joins.errors.join('; ')}`);
    const interval = await measureDeliveries(options.server, options.timeoutMs, pump, done);
    let missing = 0;
    for (let i = 0; i < n; i++) missing += m - next[i];
    const tally = {
      expected,
      delivered,
      lastDeliveryUs: lastDelivery,
      duplicates,
      outOfOrder,
      missing,
      foreign,
      latency,
    };
    return {
      scenario: 'rooms',
      server: options.server.label,
      clients: n,
      rooms: r,
      senders: r,
      messages: m,
      window,
      // A line of another room, or not the bench's, counts as foreign: a leak across rooms shows there.
      ...deliveryFigures(tally, interval),
    };
  } finally {
    for (const c of clients) c.onChat = null;
    await leaveAll(clients);
  }
}
