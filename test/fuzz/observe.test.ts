/**
 * The chat fuzzer's observer (fuzz/chat/observe.ts): a compact presence batch (7.6 users_joined,
 * users_left) is observed exactly as the same notices sent one by one, so the model holds against
 * a server that batches presence.
 */
import { describe, expect, it } from 'vitest';
import { Observer } from '../../fuzz/chat/observe.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';

function observe(packets: readonly V2ServerPacket[]) {
  const o = new Observer();
  for (const p of packets) o.v2(p);
  return o.take();
}

describe('Observer: compact presence', () => {
  it('splits users_joined and users_left into one observation per name, in order', () => {
    const compact = observe([
      { type: 'users_joined', names: ['ann', 'bob', 'cat'], ts: 1 },
      { type: 'users_left', names: ['bob', 'ann'], reason: 'lost', ts: 2 },
      { type: 'user_left', name: 'cat', reason: 'quit', ts: 3 },
    ]);
    const single = observe([
      { type: 'user_joined', name: 'ann', ts: 1 },
      { type: 'user_joined', name: 'bob', ts: 1 },
      { type: 'user_joined', name: 'cat', ts: 1 },
      { type: 'user_left', name: 'bob', reason: 'lost', ts: 2 },
      { type: 'user_left', name: 'ann', reason: 'lost', ts: 2 },
      { type: 'user_left', name: 'cat', reason: 'quit', ts: 3 },
    ]);
    expect(compact).toEqual(single);
    expect(compact.map((o) => o.t)).toEqual([
      'user_joined',
      'user_joined',
      'user_joined',
      'user_left',
      'user_left',
      'user_left',
    ]);
  });
});
