/**
 * The log's bound (spec 11.5; log-budget.ts, and the chat server that charges its lines to it):
 * the lines about connections of one network prefix within its bucket, all prefixes within the
 * server's, the rest summed up per prefix once a window ends, and a storm from rotating addresses
 * held to the bound that the spec's numbers give. Time is the test's own.
 */
import { describe, expect, it } from 'vitest';
import type { ServerAction } from '../../src/chat/chat-server.js';
import {
  LOG_SUMMARY_PREFIXES,
  LOG_SUMMARY_WINDOW_MS,
  LogBudget,
  PRUNE_AT,
} from '../../src/chat/log-budget.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS } from '../../src/generated/constants.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';

const BOUND = { logLineBurst: 3, logLinesPerSecond: 1, logTotalLinesPerSecond: 100 };

/** How many of `n` lines from `address` at `now` are written. */
function written(budget: LogBudget, address: string | undefined, n: number, now: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (budget.charge(address, now)) count++;
  return count;
}

describe('LogBudget (11.5)', () => {
  it('writes logLineBurst lines of one prefix at once, then logLinesPerSecond, and counts the rest', () => {
    const budget = new LogBudget(BOUND);
    expect(written(budget, '192.0.2.1', 5, 0)).toBe(3);
    expect(budget.due).toBe(LOG_SUMMARY_WINDOW_MS);
    expect(written(budget, '192.0.2.1', 5, 999)).toBe(0);
    expect(written(budget, '192.0.2.1', 5, 1000)).toBe(1);
    expect(written(budget, '192.0.2.1', 5, 3000)).toBe(2);
  });

  it('charges the addresses of one IPv4 /24 or IPv6 /48 to one bucket, and others to their own', () => {
    const budget = new LogBudget(BOUND);
    for (let host = 1; host <= 3; host++) expect(budget.charge(`192.0.2.${host}`, 0)).toBe(true);
    expect(budget.charge('192.0.2.200', 0)).toBe(false);
    expect(budget.charge('198.51.100.7', 0)).toBe(true);
    expect(written(budget, '2001:db8:1:1::/64', 2, 0)).toBe(2);
    expect(written(budget, '2001:db8:1:2::/64', 2, 0)).toBe(1);
    expect(written(budget, '2001:db8:2:1::/64', 1, 0)).toBe(1);
    // Connections whose address was not told share one prefix.
    expect(written(budget, undefined, 5, 0)).toBe(3);
  });

  it('holds all prefixes together to 10 x logTotalLinesPerSecond at once, then logTotalLinesPerSecond', () => {
    const budget = new LogBudget({ logLineBurst: 100, logLinesPerSecond: 100, logTotalLinesPerSecond: 2 });
    let count = 0;
    for (let net = 0; net < 30; net++) count += written(budget, `10.0.${net}.1`, 1, 0);
    expect(count).toBe(20);
    for (let net = 0; net < 30; net++) count += written(budget, `10.0.${net}.1`, 1, 1000);
    expect(count).toBe(22);
  });

  it('sums up the lines not written once the window ends: the prefixes with the most first, then the rest', () => {
    const budget = new LogBudget(BOUND);
    // Prefix n (0..11) has n + 1 lines counted past its burst.
    for (let net = 0; net < LOG_SUMMARY_PREFIXES + 2; net++) written(budget, `10.0.${net}.9`, 3 + net + 1, 5);
    expect(budget.due).toBe(5 + LOG_SUMMARY_WINDOW_MS);
    expect(budget.summary(4 + LOG_SUMMARY_WINDOW_MS)).toEqual([]);
    const lines = budget.summary(5 + LOG_SUMMARY_WINDOW_MS);
    expect(lines).toHaveLength(LOG_SUMMARY_PREFIXES + 1);
    expect(lines[0]).toBe(
      'log bound (11.5): 12 more lines about connections from 10.0.11.0/24 within 10 s were not written',
    );
    expect(lines[LOG_SUMMARY_PREFIXES - 1]).toContain(': 3 more lines about connections from 10.0.2.0/24 ');
    expect(lines[LOG_SUMMARY_PREFIXES]).toBe(
      'log bound (11.5): 3 more lines about connections from 2 other networks within 10 s were not written',
    );
    // Summed up once: the next window opens with the next line counted.
    expect(budget.due).toBeNull();
    expect(budget.summary(10 * LOG_SUMMARY_WINDOW_MS)).toEqual([]);
    expect(written(budget, '10.0.0.9', 4, 5 + LOG_SUMMARY_WINDOW_MS)).toBe(3);
    expect(budget.due).toBe(5 + 2 * LOG_SUMMARY_WINDOW_MS);
    expect(budget.summary(5 + 2 * LOG_SUMMARY_WINDOW_MS)).toEqual([
      'log bound (11.5): 1 more line about connections from 10.0.0.0/24 within 10 s was not written',
    ]);
  });

  it('names one other network in the singular', () => {
    const budget = new LogBudget(BOUND);
    for (let net = 0; net <= LOG_SUMMARY_PREFIXES; net++) written(budget, `10.1.${net}.9`, 4, 0);
    expect(budget.summary(LOG_SUMMARY_WINDOW_MS).at(-1)).toBe(
      'log bound (11.5): 1 more line about connections from 1 other network within 10 s was not written',
    );
  });

  it('forgets the prefixes whose bucket is full again and that have nothing counted, once it holds PRUNE_AT', () => {
    // The server's bucket large enough that only the prefixes' buckets decide.
    const budget = new LogBudget({ ...BOUND, logTotalLinesPerSecond: 1_000_000 });
    const net = (i: number) => `10.${i >> 8}.${i & 255}.1`;
    // PRUNE_AT prefixes with one line each; the last 10 also have lines counted past their burst.
    for (let i = 0; i < PRUNE_AT; i++) budget.charge(net(i), 0);
    for (let i = PRUNE_AT - 10; i < PRUNE_AT; i++) written(budget, net(i), 3, 0);
    expect(budget.held).toBe(PRUNE_AT);
    // Five seconds on, every bucket is full again (burst 3, 1 a second): a new prefix makes the
    // budget forget every prefix with nothing counted; the 10 whose lines are still to be summed up
    // stay, beside the new one.
    budget.charge('198.51.100.1', 5000);
    expect(budget.held).toBe(10 + 1);
    // The next prune waits until the table holds PRUNE_AT again (PRUNE_AT is the floor).
    for (let i = 0; i < PRUNE_AT - 11; i++) budget.charge(net(i), 6000);
    expect(budget.held).toBe(PRUNE_AT);
    // A new prefix prunes again: only the one charged a second ago is full; the others stay.
    budget.charge('203.0.113.1', 6000);
    expect(budget.held).toBe(PRUNE_AT);
    // The lines counted before the prunes are summed up: none was forgotten with its prefix.
    expect(budget.summary(LOG_SUMMARY_WINDOW_MS)).toHaveLength(LOG_SUMMARY_PREFIXES);
  });

  it('after a prune that kept many, waits until it holds twice as many before it prunes again', () => {
    const budget = new LogBudget({ ...BOUND, logTotalLinesPerSecond: 1_000_000 });
    const net = (i: number) => `10.${i >> 8}.${i & 255}.1`;
    // 3000 prefixes with lines counted (they stay), then one line each from the rest up to PRUNE_AT.
    for (let i = 0; i < 3000; i++) written(budget, net(i), 4, 0);
    for (let i = 3000; i < PRUNE_AT; i++) budget.charge(net(i), 0);
    budget.charge('192.0.2.1', 1000); // prunes: the 3000 stay, beside this one
    expect(budget.held).toBe(3001);
    for (let i = 3000; i < 5999; i++) budget.charge(net(i), 1000);
    expect(budget.held).toBe(6000);
    budget.charge('203.0.113.1', 2000); // 6000 held, twice the 3000 kept: prunes the 3000 full again
    expect(budget.held).toBe(3001);
  });

  it('keeps the bound over a long storm from many prefixes, however they rotate', () => {
    const budget = new LogBudget(LIMITS);
    const seconds = 120;
    let count = 0;
    let summaries = 0;
    for (let ms = 0; ms < seconds * 1000; ms += 10) {
      count += written(budget, `10.${ms % 7}.${(ms / 10) % 256}.${ms % 251}`, 3, ms);
      summaries += budget.summary(ms).length;
    }
    const total = LIMITS.logTotalLinesPerSecond;
    expect(count).toBeLessThanOrEqual(10 * total + seconds * total);
    expect(count).toBeGreaterThanOrEqual(seconds * total);
    expect(summaries).toBeLessThanOrEqual((seconds / 10) * (LOG_SUMMARY_PREFIXES + 1));
  });
});

describe('the chat server within the log bound (11.5)', () => {
  const identity = identityFromSeed(Buffer.alloc(32, 7));
  const server = (limits = {}) =>
    createV2Server({ keyAgreement: testKeyAgreement, identity, random: seededRandom('bound'), limits });
  const logs = (actions: readonly ServerAction[], level?: string) =>
    actions.filter(
      (a): a is Extract<ServerAction, { kind: 'log' }> =>
        a.kind === 'log' && (level === undefined || a.level === level),
    );

  it('writes a storm of connections from the rotating addresses of one /24 within the bound, then sums it up', () => {
    const chat = server();
    const lines: string[] = [];
    let id = 1;
    // 20 connections a second for 30 s, each from the next address of 127.0.0.0/24, each closed
    // before its handshake: a connection line apiece (closed: CONNECTION_LOST).
    for (let ms = 0; ms < 30_000; ms += 50, id++) {
      const address = `127.0.0.${(id % 250) + 2}`;
      for (const a of logs(chat.open(id, ms, address), 'info')) lines.push(a.message);
      for (const a of logs(chat.end(id, ms + 1))) lines.push(a.message);
      if (chat.nextDeadline !== null && chat.nextDeadline <= ms + 1)
        for (const a of logs(chat.tick(ms + 1))) lines.push(a.message);
    }
    const connections = id - 1;
    expect(connections).toBe(600);
    const written = lines.filter((l) => l.includes('closed: CONNECTION_LOST'));
    // logLineBurst at once, then logLinesPerSecond for the 30 s.
    expect(written.length).toBeLessThanOrEqual(LIMITS.logLineBurst + 30 * LIMITS.logLinesPerSecond + 1);
    expect(written.length).toBeGreaterThanOrEqual(LIMITS.logLineBurst + 29 * LIMITS.logLinesPerSecond);
    const summed = lines
      .filter((l) => l.startsWith('log bound (11.5): '))
      .map((l) => {
        expect(l).toContain('about connections from 127.0.0.0/24 within 10 s');
        return Number(/: (\d+) more line/.exec(l)![1]);
      });
    expect(summed.length).toBeLessThanOrEqual(3);
    // Nothing is lost: what was not written is counted, in a summary now or at the next tick.
    const rest = chat.tick(60_000);
    for (const a of logs(rest)) summed.push(Number(/: (\d+) more line/.exec(a.message)![1]));
    expect(written.length + summed.reduce((a, b) => a + b, 0)).toBe(connections);
  });

  it('writes debug lines always, and sums up the connection lines past the bucket at the tick', () => {
    const chat = server({ logLineBurst: 1, logLinesPerSecond: 1 });
    const debug: string[] = [];
    for (let id = 1; id <= 5; id++) {
      for (const a of logs(chat.open(id, 0, `127.0.0.${id}`), 'debug')) debug.push(a.message);
      chat.end(id, 0);
    }
    expect(debug).toHaveLength(5);
    expect(chat.nextDeadline).toBe(LOG_SUMMARY_WINDOW_MS);
    expect(logs(chat.tick(LOG_SUMMARY_WINDOW_MS)).map((a) => a.message)).toEqual([
      'log bound (11.5): 4 more lines about connections from 127.0.0.0/24 within 10 s were not written',
    ]);
  });
});
