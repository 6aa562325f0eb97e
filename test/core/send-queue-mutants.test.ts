/**
 * One connection's turn at its socket (spec 11: sendWindowBytes, maxQueuedBytes,
 * maxTotalQueuedBytes, replyPassBytes, LINES_SKIPPED), on a scripted endpoint: the queue limit and
 * its fair share, shedding and the slow reader's reason, the skipped-lines notice once caught up,
 * a large reply produced up to the window and the pass's budget, and what a drain says.
 */
import { describe, expect, it } from 'vitest';
import { SendQueue, type Turn } from '../../src/chat/send-queue.js';
import type { Conn, Encoded, ReplySource } from '../../src/chat/server-contract.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';

const limits: Limits = {
  ...LIMITS,
  sendWindowBytes: 100,
  maxQueuedBytes: 1000,
  maxTotalQueuedBytes: 5000,
  replyPassBytes: 300,
};

/** A queue of packets; chat lines (`line`) may be shed, oldest first. */
class ScriptedEndpoint {
  queue: { bytes: Buffer; type?: string; line: boolean }[] = [];
  sheds: number[] = [];
  takes: number[] = [];

  get pendingBytes(): number {
    return this.queue.reduce((n, p) => n + p.bytes.length, 0);
  }

  sendEncoded(packet: Buffer, type?: string): void {
    this.queue.push({ bytes: packet, type, line: false });
  }

  line(bytes: number): void {
    this.queue.push({ bytes: Buffer.alloc(bytes, 0x6c), type: 'message', line: true });
  }

  shed(target: number): number {
    this.sheds.push(target);
    let dropped = 0;
    while (this.pendingBytes > target) {
      const at = this.queue.findIndex((p) => p.line);
      if (at < 0) break;
      this.queue.splice(at, 1);
      dropped++;
    }
    return dropped;
  }

  /** Whole packets up to `max` bytes, at least one. */
  takeOutput(max = Number.POSITIVE_INFINITY): Buffer {
    this.takes.push(max);
    const parts: Buffer[] = [];
    let size = 0;
    while (this.queue.length > 0 && (parts.length === 0 || size + this.queue[0].bytes.length <= max)) {
      const p = this.queue.shift()!;
      parts.push(p.bytes);
      size += p.bytes.length;
    }
    return Buffer.concat(parts);
  }
}

function conn(endpoint = new ScriptedEndpoint()): Conn<unknown> & { endpoint: ScriptedEndpoint } {
  return {
    id: 1,
    endpoint,
    reply: null,
    inFlight: 0,
    waitingSince: -1,
    skipped: 0,
    counted: 0,
    overrun: false,
    openedAt: 0,
    lastHeard: 0,
    pingedAt: null,
    finished: false,
    address: undefined,
    rate: undefined as never,
  } as unknown as Conn<unknown> & { endpoint: ScriptedEndpoint };
}

/** A reply of `parts` packets of `size` bytes each; counts how many were asked for. */
function reply(parts: number, size: number): ReplySource & { made: number } {
  const source = {
    made: 0,
    next(): Encoded | null {
      if (source.made >= parts) return null;
      source.made++;
      return { packet: Buffer.alloc(size, 0x72), type: 'export_reply' };
    },
  };
  return source;
}

const notices: number[] = [];
const dialect = {
  skipped: (count: number): Encoded => {
    notices.push(count);
    return { packet: Buffer.from(`skipped ${count}`), type: 'error' };
  },
};
const silent = { skipped: () => null };

const bytesOf = (turn: Turn) => (Buffer.isBuffer(turn) ? turn.length : turn);

describe('SendQueue.limit (11: maxQueuedBytes, maxTotalQueuedBytes)', () => {
  it('is maxQueuedBytes while the total is within maxTotalQueuedBytes, never under two windows', () => {
    expect(new SendQueue(limits, dialect, true).limit(3)).toBe(1000);
    expect(new SendQueue({ ...limits, maxQueuedBytes: 150 }, dialect, true).limit(3)).toBe(200);
  });

  function over(total: number, l: Limits = limits) {
    const queue = new SendQueue(l, dialect, true);
    const c = conn();
    c.endpoint.sendEncoded(Buffer.alloc(total));
    queue.count(c);
    expect(queue.queuedBytes).toBe(total);
    return queue;
  }

  it('is the fair share of the total once it is over, within two windows and maxQueuedBytes', () => {
    expect(over(5000).limit(10)).toBe(1000); // exactly at the total: not over
    expect(over(5001).limit(10)).toBe(500); // 5000 / 10
    expect(over(5001).limit(3)).toBe(1000); // 1666 capped at maxQueuedBytes
    expect(over(5001).limit(7)).toBe(714); // rounded down
    expect(over(5001).limit(40)).toBe(200); // 125 raised to two windows
    // No connection counted: the whole total is one share (capped), not a division by zero.
    expect(over(5001, { ...limits, maxQueuedBytes: 1e9 }).limit(0)).toBe(5000);
  });
});

describe('SendQueue.turn: the queue held to its limit (11, 11.3)', () => {
  it('ends an overrun connection with the limit in its reason, without writing', () => {
    const c = conn();
    c.endpoint.sendEncoded(Buffer.alloc(10));
    c.overrun = true;
    expect(new SendQueue(limits, dialect, true).turn(c, 5, 1)).toEqual({
      slow: 'more than 1000 bytes waited unread',
    });
    expect(c.endpoint.takes).toEqual([]);
  });

  it('sheds nothing at exactly the limit', () => {
    const c = conn();
    for (let i = 0; i < 10; i++) c.endpoint.line(100);
    const turn = new SendQueue(limits, dialect, false).turn(c, 5, 1);
    expect(c.endpoint.sheds).toEqual([]);
    expect(bytesOf(turn)).toBe(1000);
  });

  it('sheds chat lines down to the limit less what is in flight, and counts them skipped', () => {
    const c = conn();
    for (let i = 0; i < 11; i++) c.endpoint.line(100);
    c.inFlight = 50;
    const queue = new SendQueue(limits, dialect, true);
    expect(queue.turn(c, 5, 1)).toBeNull(); // still waiting for its socket
    expect(c.endpoint.sheds).toEqual([950]);
    expect(c.skipped).toBe(2);
    expect(c.endpoint.pendingBytes).toBe(900);
    expect(queue.queuedBytes).toBe(950);
  });

  it('writes what is left when shedding brings it to exactly the limit', () => {
    const c = conn();
    for (let i = 0; i < 11; i++) c.endpoint.line(100);
    const turn = new SendQueue(limits, dialect, false).turn(c, 5, 1);
    expect(c.endpoint.sheds).toEqual([1000]);
    expect(c.skipped).toBe(1);
    expect(bytesOf(turn)).toBe(1000);
  });

  it('never asks to shed below nothing when more than the limit is in flight', () => {
    const c = conn();
    c.endpoint.line(100);
    c.inFlight = 1500;
    const turn = new SendQueue(limits, dialect, true).turn(c, 5, 1);
    expect(c.endpoint.sheds).toEqual([0]);
    expect(turn).toEqual({ slow: '1500 bytes wait unread (limit 1000)' });
  });

  it('is a slow reader when what cannot be shed is still over the limit, saying how much', () => {
    const c = conn();
    c.endpoint.sendEncoded(Buffer.alloc(900));
    c.endpoint.line(100);
    c.endpoint.sendEncoded(Buffer.alloc(150));
    expect(new SendQueue(limits, dialect, true).turn(c, 5, 1)).toEqual({
      slow: '1050 bytes wait unread (limit 1000)',
    });
    expect(c.skipped).toBe(1);
  });
});

describe('SendQueue.turn: what is written (11: sendWindowBytes, LINES_SKIPPED)', () => {
  it('writes about a window under flow control and waits for the drain', () => {
    const c = conn();
    for (let i = 0; i < 3; i++) c.endpoint.line(60);
    const queue = new SendQueue(limits, dialect, true);
    expect(bytesOf(queue.turn(c, 7, 1))).toBe(60);
    expect(c.endpoint.takes).toEqual([100]);
    expect(c.inFlight).toBe(60);
    expect(c.waitingSince).toBe(7);
    expect(queue.turn(c, 8, 1)).toBeNull();
    expect(c.endpoint.takes).toEqual([100]);
    expect(queue.queuedBytes).toBe(180);
  });

  it('writes everything at once without flow control, whatever is in flight', () => {
    const c = conn();
    for (let i = 0; i < 3; i++) c.endpoint.line(60);
    c.inFlight = 10;
    const queue = new SendQueue(limits, dialect, false);
    expect(bytesOf(queue.turn(c, 7, 1))).toBe(180);
    expect(c.endpoint.takes).toEqual([Number.POSITIVE_INFINITY]);
    expect(c.inFlight).toBe(10);
    expect(c.waitingSince).toBe(-1);
  });

  it('writes nothing when nothing waits', () => {
    const c = conn();
    expect(new SendQueue(limits, dialect, true).turn(c, 7, 1)).toBeNull();
    expect(c.endpoint.takes).toEqual([]);
    expect(c.inFlight).toBe(0);
  });

  it('tells skipped lines once, only when less than a window waits', () => {
    notices.length = 0;
    const c = conn();
    c.skipped = 3;
    c.endpoint.sendEncoded(Buffer.alloc(100)); // exactly a window: not caught up
    const queue = new SendQueue(limits, dialect, false);
    queue.turn(c, 1, 1);
    expect(notices).toEqual([]);
    expect(c.skipped).toBe(3);
    c.endpoint.sendEncoded(Buffer.alloc(99));
    const data = queue.turn(c, 2, 1) as Buffer;
    expect(notices).toEqual([3]);
    expect(c.skipped).toBe(0);
    expect(data.subarray(99).toString()).toBe('skipped 3');
  });

  it('forgets skipped lines it has no notice for (legacy never sheds)', () => {
    const c = conn();
    c.skipped = 2;
    expect(new SendQueue(limits, silent, false).turn(c, 1, 1)).toBeNull();
    expect(c.skipped).toBe(0);
  });
});

describe('SendQueue: a large reply, up to the window and the pass budget (7.7, 11)', () => {
  it('produces parts until a window waits, then again after a drain', () => {
    const c = conn();
    const r = reply(5, 40);
    c.reply = r;
    const queue = new SendQueue(limits, dialect, true);
    queue.startPass();
    expect(bytesOf(queue.turn(c, 1, 1))).toBe(80); // 3 parts made (120 >= 100), 2 fit the window
    expect(r.made).toBe(3);
    expect(queue.drained(c, 2)).toBe(true);
    expect(c.inFlight).toBe(0);
    expect(c.waitingSince).toBe(2);
    expect(bytesOf(queue.turn(c, 3, 1))).toBe(80); // 40 left + 2 more parts, then the end
    expect(r.made).toBe(5);
    expect(c.reply).toBe(r); // not yet known to be complete
    expect(queue.drained(c, 4)).toBe(true);
    expect(bytesOf(queue.turn(c, 5, 1))).toBe(40);
    expect(c.reply).toBeNull();
    expect(queue.drained(c, 6)).toBe(false);
  });

  it('stops making parts once exactly a window waits', () => {
    const c = conn();
    const r = reply(5, 50);
    c.reply = r;
    const queue = new SendQueue(limits, dialect, true);
    queue.startPass();
    expect(bytesOf(queue.turn(c, 1, 1))).toBe(100);
    expect(r.made).toBe(2);
  });

  it('stops at the pass budget and serves the connection first at the next pass', () => {
    const a = conn();
    const b = conn();
    a.reply = reply(20, 100);
    const rb = reply(20, 100);
    b.reply = rb;
    const queue = new SendQueue({ ...limits, sendWindowBytes: 1000 }, dialect, true);
    queue.startPass();
    expect(bytesOf(queue.turn(a, 1, 2))).toBe(300); // the pass's 300 bytes spent
    expect(bytesOf(queue.turn(b, 1, 2))).toBeNull();
    expect(rb.made).toBe(0);
    expect(queue.takeWaiting()).toEqual([b]);
    expect(queue.takeWaiting()).toEqual([]);
    queue.startPass();
    expect(bytesOf(queue.turn(b, 2, 2))).toBe(300);
  });

  it('without flow control a reply goes out whole, with no pass budget', () => {
    const c = conn();
    const r = reply(20, 100);
    c.reply = r;
    const queue = new SendQueue(limits, dialect, false);
    queue.startPass();
    expect(bytesOf(queue.turn(c, 1, 1))).toBe(2000);
    expect(c.reply).toBeNull();
    expect(queue.takeWaiting()).toEqual([]);
  });
});

describe('SendQueue.drained and count (11)', () => {
  it('says whether more waits: a reply, queued bytes or skipped lines', () => {
    const queue = new SendQueue(limits, dialect, true);
    const idle = conn();
    expect(queue.drained(idle, 3)).toBe(false);
    expect(idle.waitingSince).toBe(-1); // nothing was in flight
    const cases: [string, (c: ReturnType<typeof conn>) => void, boolean][] = [
      ['nothing', () => {}, false],
      ['a reply', (c) => (c.reply = reply(1, 1)), true],
      ['queued bytes', (c) => c.endpoint.line(1), true],
      ['skipped lines', (c) => (c.skipped = 1), true],
    ];
    for (const [, set, more] of cases) {
      const c = conn();
      c.inFlight = 10;
      set(c);
      expect(queue.drained(c, 3)).toBe(more);
      expect(c.inFlight).toBe(0);
      expect(c.waitingSince).toBe(3);
    }
  });

  it('counts what a connection holds, in flight included, and nothing once it is finished', () => {
    const queue = new SendQueue(limits, dialect, true);
    const a = conn();
    const b = conn();
    a.endpoint.line(70);
    a.inFlight = 30;
    b.endpoint.line(5);
    queue.count(a);
    queue.count(b);
    expect(queue.queuedBytes).toBe(105);
    expect(a.counted).toBe(100);
    queue.count(a); // counted again: no change
    expect(queue.queuedBytes).toBe(105);
    a.finished = true;
    queue.count(a);
    expect(queue.queuedBytes).toBe(5);
    expect(a.counted).toBe(0);
  });
});
