/**
 * The pong a v2 server asked for is free (spec 7.8): the first pong after its own ping passes
 * whatever the bucket holds, and a line said while that ping waits for its pong is charged as ever.
 * A real v2 server in memory (the dialect tells which packet answers a ping).
 */
import { describe, expect, it } from 'vitest';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { featureNet } from '../support/feature-net.js';

/** A bucket of 2 that refills one token a second, pings after 200 ms of silence. */
const limits = { rateBurst: 2, ratePerSecond: 1, idlePingMs: 200, rateRefusalReplies: 5 };
const errors = (got: V2ServerPacket[]) => got.flatMap((p) => (p.type === 'error' ? [p.code] : []));

describe('the pong after the server ping (7.8)', () => {
  it('passes with an empty bucket', () => {
    const s = featureNet('free pong', limits);
    const ann = s.join('ann');
    // The join took the bucket's 2 tokens; 200 ms give back 0.2 of one.
    s.net.advance(200);
    const got = s.packets(ann.id);
    expect(got.map((p) => p.type)).toContain('ping');
    expect(errors(got)).toEqual([]);
    expect(ann.client.state).toBe('JOINED');
  });

  it('is the only packet that does: a line that reaches the server before it is refused', () => {
    const s = featureNet('charged line', limits);
    const ann = s.join('ann');
    // Said now, read by the server after its tick has sent the ping: the ping waits for its pong.
    ann.client.say('spent');
    s.net.advance(200);
    const got = s.packets(ann.id);
    expect(got.map((p) => p.type)).toContain('ping');
    // The line was refused (not said to the room), and the pong after it was free.
    expect(errors(got)).toEqual(['RATE_LIMITED']);
    expect(got.filter((p) => p.type === 'message')).toEqual([]);
    expect(ann.client.state).toBe('JOINED');
  });
});
