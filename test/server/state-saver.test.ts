/**
 * The state files' writes (spec 7.17, 7.18; reference-server/state-saver.ts): many changes within
 * an interval are one write of the latest state, and a clean shutdown writes what is pending. The
 * core saver runs on timers the test owns; the server test over TCP renames a keyed member many
 * times and reads the reserved-names file after the server stops.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type StateChange, StateSaver } from '../../reference-server/state-saver.js';
import { parseSavedReservations } from '../../src/chat/reservations.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { TEST_TIMEOUT_MS, useHarness } from './helpers.js';

/** A saver over a counter of changes, with timers run by hand. */
function saverOf() {
  let version = 0;
  let saved = 0;
  const writes: StateChange[] = [];
  const timers = new Map<number, () => void>();
  let nextTimer = 1;
  const saver = new StateSaver({
    take: () => (saved === version ? [] : [{ what: 'reservations', data: (saved = version) }]),
    write: (change) => writes.push(change),
    failed: () => {},
    intervalMs: 1000,
    setTimer: (run) => {
      timers.set(nextTimer, run);
      return nextTimer++;
    },
    clearTimer: (timer) => timers.delete(timer as number),
  });
  const change = () => {
    version++;
    saver.touched();
  };
  const fire = () => {
    const due = [...timers.values()];
    timers.clear();
    for (const run of due) run();
  };
  return { saver, change, fire, writes, timers };
}

describe('the state saver', () => {
  it('writes many changes of one interval once, with the latest state', () => {
    const s = saverOf();
    for (let i = 0; i < 500; i++) s.change();
    expect(s.writes).toEqual([]);
    expect(s.timers.size).toBe(1);
    s.fire();
    expect(s.writes).toEqual([{ what: 'reservations', data: 500 }]);
    // An interval with events but no change writes nothing.
    s.saver.touched();
    s.fire();
    expect(s.writes).toHaveLength(1);
  });

  it('a flush (shutdown) writes what is pending at once and cancels the timer; nothing pending, nothing written', () => {
    const s = saverOf();
    s.change();
    s.change();
    s.saver.flush();
    expect(s.writes).toEqual([{ what: 'reservations', data: 2 }]);
    expect(s.timers.size).toBe(0);
    s.saver.flush();
    expect(s.writes).toHaveLength(1);
  });

  it('a failed write is reported and the next change is written again', () => {
    let fail = true;
    const failures: string[] = [];
    const written: unknown[] = [];
    let version = 0;
    let saved = 0;
    const saver = new StateSaver({
      take: () => (saved === version ? [] : [{ what: 'bans', data: (saved = version) }]),
      write: (change) => {
        if (fail) throw new Error('disk full');
        written.push(change.data);
      },
      failed: (change, err) => failures.push(`${change.what}: ${err.message}`),
      intervalMs: 1000,
      setTimer: () => 1,
      clearTimer: () => {},
    });
    version++;
    saver.flush();
    expect(failures).toEqual(['bans: disk full']);
    fail = false;
    version++;
    saver.flush();
    expect(written).toEqual([2]);
  });
});

describe('the reserved-names file over TCP (7.17)', () => {
  const h = useHarness();
  const key = identityFromSeed(Buffer.alloc(32, 41));

  it('is not rewritten for each of many renames, and a clean shutdown writes the last state', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-saver-'));
    const file = join(dir, 'reserved.json');
    // An interval longer than the test: every write before the shutdown would be one per change.
    const server = await h.start({
      guards: { reservations: {} },
      stateFiles: { reservations: file },
      stateSaveMs: 600_000,
      // Renames cost what a join does (7.8): thirty in a row are not what this test is about.
      limits: { rateBurst: 100_000, ratePerSecond: 100_000 },
    });
    const member = await h.v2(server, undefined, { features: ['client-key', 'nick'], clientKey: key });
    await member.join('renamer0');
    for (let i = 1; i <= 30; i++) {
      member.endpoint.nick(`renamer${i}`);
      member.flush();
      await member.waitForPacket('user_renamed', (p) => p.to === `renamer${i}`);
    }
    expect(existsSync(file)).toBe(false);
    await server.close();
    const saved = parseSavedReservations(JSON.parse(readFileSync(file, 'utf8')));
    // The key's last reservationsPerKey (4) names, the last one included.
    expect(saved.reservations.map((r) => r.name).sort()).toEqual([
      'renamer27',
      'renamer28',
      'renamer29',
      'renamer30',
    ]);
  });
});
