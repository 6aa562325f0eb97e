/**
 * A history of capacity 0 (`--history 0`, spec 7.7) is off: it records nothing at all, so its entry
 * numbers do not move either (a history that recorded and dropped at once would hold the same
 * nothing, but count entries it never kept).
 */
import { describe, expect, it } from 'vitest';
import { History } from '../../src/chat/history.js';

describe('History of capacity 0 or less', () => {
  for (const capacity of [0, -1]) {
    it(`records nothing and numbers nothing (capacity ${capacity})`, () => {
      const history = new History(capacity);
      for (let i = 0; i < 3; i++) history.record({ kind: 'message', from: 'a', text: `t${i}`, ts: i });
      expect(history.size).toBe(0);
      expect(history.end).toBe(0);
      expect(history.first).toBe(0);
      expect(history.oldest).toBeUndefined();
      expect(history.all()).toEqual([]);
      expect(history.cursor().more).toBe(false);
    });
  }

  it('numbers from where it stands once entries are held (capacity 1)', () => {
    const history = new History(1);
    for (let i = 0; i < 3; i++) history.record({ kind: 'join', name: `n${i}`, ts: i });
    expect(history.end).toBe(3);
    expect(history.first).toBe(2);
    expect(history.all()).toEqual([{ kind: 'join', name: 'n2', ts: 2 }]);
  });
});
