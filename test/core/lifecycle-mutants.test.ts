/**
 * How a connection comes and goes (spec 5.10, 7.6, 7.18, 11, 11.2; lifecycle.ts), with a fake
 * room and dialect: the door's refusals (with and without a record), a banned address, the
 * eviction of the oldest unjoined connection, giving up on a connection, and its end exactly as
 * the outbox and the others see it.
 */
import { describe, expect, it } from 'vitest';
import { REFUSAL_LOG_WINDOW_MS } from '../../src/chat/accept-gate.js';
import { Lifecycle } from '../../src/chat/lifecycle.js';
import { Outbox } from '../../src/chat/outbox.js';
import type { Room, RoomDecision } from '../../src/chat/room.js';
import type { Conn, Delivery, WireDialect } from '../../src/chat/server-contract.js';
import { anError, fakeConn, limitsWith } from './chat-fakes.js';

const limits = limitsWith({ addressHandshakeBurst: 1, addressHandshakesPerSecond: 1 });

interface Setup {
  banned?: string;
  /** What the room says when a member leaves: its name, or nobody. */
  leaver?: string;
  neverSheds?: boolean;
  refusal?: boolean;
  /** The connection whose member is an operator (7.18). */
  operator?: number;
}

function setup(options: Setup = {}, own = limits) {
  const rendered: RoomDecision<number>[] = [];
  const leaves: unknown[][] = [];
  const room = {
    addressBanned: (address: string | undefined) => address !== undefined && address === options.banned,
    factsOf: (id: number) => (options.operator === id ? { op: true } : undefined),
    leave: (id: number, reason: string, now: number) => {
      leaves.push([id, reason, now]);
      return options.leaver === undefined
        ? null
        : { kind: 'left', by: id, name: options.leaver, reason, ts: now, rooms: [] };
    },
  } as unknown as Room<number>;
  const news: Delivery = { kind: 'broadcast', packet: Buffer.from('left') };
  const dialect = {
    refusal: (code: string, message: string) =>
      options.refusal === false ? null : Buffer.from(`refused ${code}: ${message}`),
    render: (decision: RoomDecision<number>) => {
      rendered.push(decision);
      return [news];
    },
    neverSheds: options.neverSheds,
    skipped: () => null,
  } as unknown as WireDialect<string>;
  const joined = new Set<Conn<string>>();
  const out = new Outbox(own, dialect, false, 10);
  const life = new Lifecycle(own, dialect, room, joined, out);
  return { life, out, joined, rendered, leaves, news };
}

describe('Lifecycle.admit (5.10, 7.18, 11.2)', () => {
  it('serves a connection with its address key and makes no action', () => {
    const { life, out } = setup();
    expect(life.admit(1, '::ffff:10.1.1.1', false, 0)).toEqual({ served: true, address: '10.1.1.1' });
    expect(out.take()).toEqual([]);
    expect(out.nextDeadline).toBeNull();
  });

  it('refuses with the refusal record, then the close, and logs it', () => {
    const { life, out } = setup();
    expect(life.admit(4, '10.1.1.1', true, 0)).toEqual({ served: false });
    const actions = out.take();
    expect(actions.map((a) => a.kind)).toEqual(['log', 'write', 'close']);
    expect(actions[0]).toEqual({ kind: 'log', level: 'warn', message: 'conn 4: refused: SERVER_SHUTDOWN' });
    expect(actions[1]).toEqual({
      kind: 'write',
      id: 4,
      data: Buffer.from('refused SERVER_SHUTDOWN: the server is stopping'),
    });
    expect(actions[2]).toMatchObject({ kind: 'close', id: 4, error: { code: 'SERVER_SHUTDOWN' } });
  });

  it('closes without a record when the dialect has none (legacy) or the refusal is quiet (11.4)', () => {
    const legacy = setup({ refusal: false });
    legacy.life.admit(1, undefined, true, 0);
    expect(legacy.out.take().map((a) => a.kind)).toEqual(['log', 'close']);
    const { life, out } = setup();
    life.admit(1, '10.1.1.1', false, 0);
    life.admit(2, '10.1.1.1', false, 0);
    expect(out.take().map((a) => a.kind)).toEqual(['log', 'write', 'close']);
    life.admit(3, '10.1.1.1', false, 0);
    const quiet = out.take();
    expect(quiet.map((a) => a.kind)).toEqual(['close']);
    expect(quiet[0]).toMatchObject({ id: 3, error: { code: 'ADDRESS_RATE_LIMITED' } });
    // The counted refusal is due to be summed up when its window ends.
    expect(out.nextDeadline).toBe(REFUSAL_LOG_WINDOW_MS);
  });

  it('refuses a banned address with BANNED, logged like other refusals (5.10), and gives its slot back', () => {
    const { life, out } = setup({ banned: '10.9.9.9' });
    expect(life.admit(1, '10.9.9.9', false, 0)).toEqual({ served: false });
    const actions = out.take();
    expect(actions).toEqual([
      { kind: 'log', level: 'warn', message: 'conn 1: refused: BANNED' },
      { kind: 'write', id: 1, data: Buffer.from('refused BANNED: this address is banned from the server') },
      expect.objectContaining({ kind: 'close', id: 1 }),
    ]);
    expect(actions[2]).toMatchObject({
      error: { code: 'BANNED', message: 'this address is banned from the server' },
    });
    // It held no slot: once the ban is lifted the address may hold all it may (maxPerAddress).
    const options: Setup = { banned: '10.7.7.7' };
    const one = setup(options, limitsWith({ maxPerAddress: 1 }));
    expect(one.life.admit(2, '10.7.7.7', false, 0).served).toBe(false);
    options.banned = undefined;
    expect(one.life.admit(3, '10.7.7.7', false, 0).served).toBe(true);
  });

  it('makes room in a full server with the oldest unjoined connection, failed as a handshake timeout', () => {
    const full = limitsWith({ maxClients: 1 });
    const dialect = {
      refusal: () => null,
      render: () => [],
      skipped: () => null,
    } as unknown as WireDialect<string>;
    const room = { addressBanned: () => false, leave: () => null } as unknown as Room<number>;
    const out = new Outbox(full, dialect, false, 10);
    const life = new Lifecycle(full, dialect, room, new Set(), out);
    const oldest = fakeConn(1);
    expect(life.admit(1, '10.0.0.1', false, 0, oldest)).toEqual({ served: true, address: '10.0.0.1' });
    const arrival = life.admit(2, '10.0.0.2', false, 5, oldest);
    expect(arrival.served && arrival.evict?.conn).toBe(oldest);
    const error = arrival.served ? arrival.evict?.error : undefined;
    expect(error?.code).toBe('HANDSHAKE_TIMEOUT');
    expect(error?.message).toBe('the server is full and needed this slot before you joined');
    expect(oldest.endpoint.failure).toBe(error);
    expect(out.take()).toEqual([
      {
        kind: 'log',
        level: 'warn',
        message: 'conn 1: closed before it joined: server full, its slot went to conn 2',
      },
    ]);
    // Full, and nobody to make room: SERVER_FULL.
    expect(life.admit(3, '10.0.0.3', false, 6)).toEqual({ served: false });
  });

  it('sums up the counted refusals at tick, at warn, and says when the next are due', () => {
    const { life, out } = setup();
    life.admit(1, undefined, true, 0);
    life.admit(2, undefined, true, 1);
    out.take();
    expect(life.tick(REFUSAL_LOG_WINDOW_MS - 1)).toBe(REFUSAL_LOG_WINDOW_MS);
    expect(out.take()).toEqual([]);
    expect(life.tick(REFUSAL_LOG_WINDOW_MS)).toBeNull();
    expect(out.take()).toEqual([
      { kind: 'log', level: 'warn', message: 'refused 1 more connection within 10 s: SERVER_SHUTDOWN' },
    ]);
  });
});

describe('Lifecycle.giveUp (7.8, 11)', () => {
  it('fails the endpoint and logs the code and message at warn, or the code alone at info', () => {
    const { life, out } = setup();
    const conn = fakeConn(3);
    const error = life.giveUp(conn, 'IDLE_TIMEOUT', 'nothing heard\u0007', false, 0);
    expect(error.code).toBe('IDLE_TIMEOUT');
    expect(error.message).toBe('nothing heard\u0007');
    expect(conn.endpoint.failure).toBe(error);
    const quiet = life.giveUp(fakeConn(4), 'RATE_EXCEEDED', 'too fast', true, 0);
    expect(quiet.code).toBe('RATE_EXCEEDED');
    const logs = out.take();
    expect(logs[0]).toMatchObject({ kind: 'log', level: 'warn' });
    expect((logs[0] as { message: string }).message).toBe('conn 3: IDLE_TIMEOUT: "nothing heard\\u0007"');
    expect(logs[1]).toEqual({ kind: 'log', level: 'info', message: 'conn 4: RATE_EXCEEDED' });
  });

  it('drops the sealed output of a slow reader only for a profile that never sheds', () => {
    const legacy = setup({ neverSheds: true });
    const a = fakeConn(1);
    legacy.life.giveUp(a, 'SLOW_READER', 'slow', false, 0);
    expect(a.endpoint.dropped).toBe(1);
    const b = fakeConn(2);
    legacy.life.giveUp(b, 'IDLE_TIMEOUT', 'idle', false, 0);
    expect(b.endpoint.dropped).toBe(0);
    const v2 = setup({ neverSheds: false });
    const c = fakeConn(3);
    v2.life.giveUp(c, 'SLOW_READER', 'slow', false, 0);
    expect(c.endpoint.dropped).toBe(0);
  });
});

describe('Lifecycle.logAbout (11.5)', () => {
  const bound = limitsWith({ logLineBurst: 1, logLinesPerSecond: 1 });

  it("charges a member's lines to its prefix and sums up the rest at tick; an operator's are written in full", () => {
    const { life, out } = setup({ operator: 9 }, bound);
    const member = fakeConn(3, 0, undefined, bound, '10.1.1.1');
    const neighbour = fakeConn(4, 0, undefined, bound, '10.1.1.2');
    const operator = fakeConn(9, 0, undefined, bound, '10.1.1.3');
    life.logAbout(member, 'info', 'one', 0);
    life.logAbout(neighbour, 'warn', 'two', 0);
    for (const line of ['op 1', 'op 2', 'op 3']) life.logAbout(operator, 'info', line, 0);
    life.logAbout(member, 'debug', 'open', 0);
    expect(out.take()).toEqual([
      { kind: 'log', level: 'info', message: 'one' },
      { kind: 'log', level: 'info', message: 'op 1' },
      { kind: 'log', level: 'info', message: 'op 2' },
      { kind: 'log', level: 'info', message: 'op 3' },
      { kind: 'log', level: 'debug', message: 'open' },
    ]);
    expect(out.nextDeadline).toBe(10_000);
    expect(life.tick(9_999)).toBe(10_000);
    expect(out.take()).toEqual([]);
    expect(life.tick(10_000)).toBeNull();
    expect(out.take()).toEqual([
      {
        kind: 'log',
        level: 'warn',
        message:
          'log bound (11.5): 1 more line about connections from 10.1.1.0/24 within 10 s was not written',
      },
    ]);
  });

  it("charges a leaving member's line unless it was an operator, whose facts the leave forgets", () => {
    const { life, out } = setup({ leaver: 'ann', operator: 9 }, bound);
    for (const id of [9, 9, 3, 4]) {
      life.end(fakeConn(id, 0, undefined, bound, '10.1.1.1'), 'quit', 0);
    }
    const lines = out.take().filter((a) => a.kind === 'log');
    expect(lines.map((a) => (a as { message: string }).message)).toEqual([
      'conn 9: "ann" left (quit)',
      'conn 9: "ann" left (quit)',
      'conn 3: "ann" left (quit)',
    ]);
    expect(out.nextDeadline).toBe(10_000);
  });

  it('takes the smaller of the door and the log bound as the next tick', () => {
    const { life, out } = setup({}, bound);
    life.admit(1, undefined, true, 0);
    life.admit(2, undefined, true, 1);
    life.logAbout(fakeConn(3, 0, undefined, bound, '10.1.1.1'), 'info', 'a', 5);
    life.logAbout(fakeConn(3, 0, undefined, bound, '10.1.1.1'), 'info', 'b', 5);
    out.take();
    expect(life.tick(6)).toBe(REFUSAL_LOG_WINDOW_MS);
    expect(life.tick(REFUSAL_LOG_WINDOW_MS)).toBe(10_005);
    expect(life.tick(10_005)).toBeNull();
    expect(out.take().map((a) => (a as { message: string }).message)).toEqual([
      'refused 1 more connection within 10 s: SERVER_SHUTDOWN',
      'log bound (11.5): 1 more line about connections from 10.1.1.0/24 within 10 s was not written',
    ]);
  });
});

describe('Lifecycle.end (7.6, 11)', () => {
  it('finishes a joined member: its last output, its close with the error, the news for the others', () => {
    const { life, out, joined, rendered, leaves, news } = setup({ leaver: 'ann\u001b' });
    const conn = fakeConn(5, 0, undefined, limits, '10.1.1.1');
    life.admit(5, '10.1.1.1', false, 0);
    joined.add(conn);
    conn.reply = { next: () => null };
    conn.endpoint.sendEncoded(Buffer.from('last words'));
    const error = anError('it broke');
    expect(life.end(conn, 'error', 77, error)).toEqual([news]);
    expect(conn.finished).toBe(true);
    expect(conn.reply).toBeNull();
    expect(joined.has(conn)).toBe(false);
    expect(leaves).toEqual([[5, 'error', 77]]);
    expect(rendered).toMatchObject([{ kind: 'left', by: 5, reason: 'error', ts: 77 }]);
    const actions = out.take();
    expect(actions.map((a) => a.kind)).toEqual(['log', 'write', 'close']);
    expect((actions[0] as { message: string }).message).toBe('conn 5: "ann\\u001b" left (error)');
    expect(actions[0]).toMatchObject({ level: 'info' });
    expect(actions[1]).toEqual({ kind: 'write', id: 5, data: Buffer.from('last words') });
    expect(actions[2]).toEqual({ kind: 'close', id: 5, error });
    // Its address slot is free again: the address may connect once more (burst 1 a second, so later).
    expect(life.admit(6, '10.1.1.1', false, 1000)).toEqual({ served: true, address: '10.1.1.1' });
  });

  it('tells nobody of a connection that never joined, and closes it without an error or a write', () => {
    const { life, out, rendered } = setup();
    const conn = fakeConn(6);
    expect(life.end(conn, 'lost', 5)).toEqual([]);
    expect(rendered).toEqual([]);
    expect(out.take()).toEqual([{ kind: 'close', id: 6 }]);
  });

  it('logs but announces nothing when told not to (shutdown: everyone goes at once)', () => {
    const { life, out, rendered } = setup({ leaver: 'bob' });
    expect(life.end(fakeConn(7), 'shutdown', 5, undefined, false)).toEqual([]);
    expect(rendered).toEqual([]);
    expect(out.take()).toEqual([
      { kind: 'log', level: 'info', message: 'conn 7: "bob" left (shutdown)' },
      { kind: 'close', id: 7 },
    ]);
  });
});
