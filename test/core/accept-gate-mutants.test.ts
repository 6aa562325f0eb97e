/**
 * The chat server's door (spec 5.10, 11, 11.2; accept-gate.ts): who is served, who is evicted when
 * the server is full, and the refusal log, one line in full per kind and window and the rest
 * summed up word for word when the window ends.
 */
import { describe, expect, it } from 'vitest';
import { AcceptGate, REFUSAL_LOG_WINDOW_MS } from '../../src/chat/accept-gate.js';
import { limitsWith } from './chat-fakes.js';

const W = REFUSAL_LOG_WINDOW_MS;

describe('AcceptGate.accept (5.10, 11.2)', () => {
  it('serves a connection under its address key, and one with no address', () => {
    const gate = new AcceptGate(limitsWith());
    expect(gate.accept(1, '::ffff:10.0.0.1', false, 0)).toEqual({
      served: true,
      address: '10.0.0.1',
      evict: undefined,
      log: [],
    });
    expect(gate.accept(2, undefined, false, 0)).toEqual({
      served: true,
      address: undefined,
      evict: undefined,
      log: [],
    });
    expect(gate.due).toBeNull();
  });

  it('refuses while stopping, with the refusal logged in full', () => {
    const gate = new AcceptGate(limitsWith());
    const door = gate.accept(7, '10.0.0.1', true, 5);
    expect(door.served).toBe(false);
    if (door.served) return;
    expect(door.error.code).toBe('SERVER_SHUTDOWN');
    expect(door.error.message).toBe('the server is stopping');
    expect(door.log).toEqual(['conn 7: refused: SERVER_SHUTDOWN']);
    expect('quiet' in door).toBe(false);
  });

  it('evicts the oldest unjoined connection only when full, and logs the eviction', () => {
    const gate = new AcceptGate(limitsWith({ maxClients: 1 }));
    // Not full yet: an oldest connection is named but nobody gives up a slot.
    expect(gate.accept(1, '10.0.0.1', false, 0, 99)).toEqual({
      served: true,
      address: '10.0.0.1',
      evict: undefined,
      log: [],
    });
    expect(gate.accept(2, '10.0.0.2', false, 1, 1)).toEqual({
      served: true,
      address: '10.0.0.2',
      evict: 1,
      log: ['conn 1: closed before it joined: server full, its slot went to conn 2'],
    });
    // Full and nobody to evict: SERVER_FULL.
    const full = gate.accept(3, '10.0.0.3', false, 2);
    expect(full.served).toBe(false);
    if (!full.served) expect(full.error.code).toBe('SERVER_FULL');
  });

  it('closes an address past its rate quietly once it was told', () => {
    const gate = new AcceptGate(limitsWith({ addressHandshakeBurst: 1, addressHandshakesPerSecond: 1 }));
    expect(gate.accept(1, '10.0.0.1', false, 0).served).toBe(true);
    const told = gate.accept(2, '10.0.0.1', false, 0);
    expect(told.served === false && told.error.code).toBe('ADDRESS_RATE_LIMITED');
    expect('quiet' in told).toBe(false);
    const quiet = gate.accept(3, '10.0.0.1', false, 0);
    expect(quiet).toMatchObject({ served: false, quiet: true });
    expect(quiet.served === false && quiet.error.code).toBe('ADDRESS_RATE_LIMITED');
  });

  it('frees an address slot on release', () => {
    const gate = new AcceptGate(limitsWith({ maxPerAddress: 1 }));
    expect(gate.accept(1, '10.0.0.1', false, 0).served).toBe(true);
    expect(gate.accept(2, '10.0.0.1', false, 1).served).toBe(false);
    gate.release('10.0.0.1');
    expect(gate.accept(3, '10.0.0.1', false, 2).served).toBe(true);
  });
});

describe('the refusal log (11)', () => {
  it('logs the first refusal of a window, counts the rest, and sums them up when it ends', () => {
    const gate = new AcceptGate(limitsWith());
    expect(gate.accept(1, undefined, true, 1000).log).toEqual(['conn 1: refused: SERVER_SHUTDOWN']);
    expect(gate.due).toBeNull();
    expect(gate.accept(2, undefined, true, 1500).log).toEqual([]);
    expect(gate.due).toBe(1000 + W);
    expect(gate.accept(3, undefined, true, 1000 + W - 1).log).toEqual([]);
    expect(gate.tick(1000 + W - 1)).toEqual([]);
    expect(gate.tick(1000 + W)).toEqual([`refused 2 more connections within ${W / 1000} s: SERVER_SHUTDOWN`]);
    expect(gate.due).toBeNull();
    // The window is gone: the next refusal is logged in full again.
    expect(gate.accept(4, undefined, true, 1000 + W).log).toEqual(['conn 4: refused: SERVER_SHUTDOWN']);
  });

  it('says "connection" for one', () => {
    const gate = new AcceptGate(limitsWith());
    gate.accept(1, undefined, true, 0);
    gate.accept(2, undefined, true, 1);
    expect(gate.tick(W)).toEqual([`refused 1 more connection within 10 s: SERVER_SHUTDOWN`]);
  });

  it('drops a window that counted nothing without a line', () => {
    const gate = new AcceptGate(limitsWith());
    gate.accept(1, undefined, true, 0);
    expect(gate.due).toBeNull();
    expect(gate.tick(W)).toEqual([]);
    // Dropped: a refusal now opens a new window and is logged in full.
    expect(gate.accept(2, undefined, true, W + 1).log).toEqual(['conn 2: refused: SERVER_SHUTDOWN']);
  });

  it('sums up the last window in the line of the refusal that opens the next one', () => {
    const gate = new AcceptGate(limitsWith());
    gate.accept(1, undefined, true, 0);
    gate.accept(2, undefined, true, 1);
    gate.accept(3, undefined, true, 2);
    expect(gate.accept(4, undefined, true, W).log).toEqual([
      'refused 2 more connections within 10 s: SERVER_SHUTDOWN',
      'conn 4: refused: SERVER_SHUTDOWN',
    ]);
    expect(gate.due).toBeNull();
    gate.accept(5, undefined, true, W + 3);
    expect(gate.due).toBe(2 * W);
  });

  it('keeps a window per kind, the earliest due first, and sums evictions in their own words', () => {
    const gate = new AcceptGate(limitsWith({ maxClients: 1 }));
    gate.accept(1, '10.0.0.1', false, 0);
    expect(gate.accept(2, '10.0.0.2', false, 100, 1).log).toEqual([
      'conn 1: closed before it joined: server full, its slot went to conn 2',
    ]);
    gate.release('10.0.0.1');
    expect(gate.accept(3, '10.0.0.3', false, 200, 2).log).toEqual([]);
    gate.release('10.0.0.2');
    expect(gate.accept(4, '10.0.0.4', false, 300, 3).log).toEqual([]);
    expect(gate.due).toBe(100 + W);
    // A refusal of another kind is logged in full although evictions are being counted.
    expect(gate.accept(5, '10.0.0.5', true, 400).log).toEqual(['conn 5: refused: SERVER_SHUTDOWN']);
    gate.accept(6, '10.0.0.6', true, 450);
    expect(gate.due).toBe(100 + W);
    expect(gate.tick(100 + W)).toEqual([
      'closed 2 more connections that had not joined within 10 s: server full',
    ]);
    expect(gate.due).toBe(400 + W);
    expect(gate.tick(400 + W)).toEqual(['refused 1 more connection within 10 s: SERVER_SHUTDOWN']);
    expect(gate.due).toBeNull();
  });

  it('says "connection" for one eviction too', () => {
    const gate = new AcceptGate(limitsWith({ maxClients: 1 }));
    gate.accept(1, '10.0.0.1', false, 0);
    gate.accept(2, '10.0.0.2', false, 0, 1);
    gate.release('10.0.0.1');
    gate.accept(3, '10.0.0.3', false, 0, 2);
    expect(gate.tick(W)).toEqual(['closed 1 more connection that had not joined within 10 s: server full']);
  });
});
