/**
 * The join budget on the reference server over real TCP (spec 7.10, 11 maxQueuedBytes): with
 * `--max-message 10000`, 19 lines of 9990 control characters are 1.14 MB of history, more than the
 * 1 MiB queue limit; a newcomer that reads gets the newest lines that fit half of it and stays.
 */
import { describe, expect, it } from 'vitest';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

describe('reference server, join budget (7.10)', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('gives a reading newcomer the newest lines that fit, and keeps it', async () => {
    const server = await h.start({
      limits: {
        maxMessage: 10_000,
        backlog: 20,
        maxQueuedBytes: 1024 * 1024,
        rateBurst: 100,
        ratePerSecond: 100,
      },
    });
    const ann = await h.v2(server, 'ann');
    for (let i = 0; i < 19; i++) ann.say(`${i}:${'\u0001'.repeat(9990)}`);
    await ann.waitForPacket('message', (m) => m.text.startsWith('18:'));
    const bob = await h.v2(server, 'bob', { features: ['backlog'] });
    const lines: number[] = [];
    for (;;) {
      const part = await bob.waitFor('backlog');
      lines.push(...part.entries.map((e) => Number(e.text?.split(':')[0])));
      if (part.done) break;
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(19);
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => 19 - lines.length + i));
    const after = marker('after');
    ann.say(after);
    expect(await bob.waitForPacket('message', (m) => m.text === after)).toMatchObject({ from: 'ann' });
    expect(bob.isOpen).toBe(true);
  });
});
