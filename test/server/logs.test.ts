/**
 * Server logs cannot be forged or flooded (hardening): values a client chooses are quoted and
 * escaped, every line goes through one guard, refusals at accept are summed up per window, and
 * `--log-format json` writes one JSON object a line.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../reference-server/logger.js';
import { REFUSAL_LOG_WINDOW_MS, type ServerAction } from '../../src/chat/chat-server.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 9));
const server = (limits = {}) =>
  createV2Server({ keyAgreement: testKeyAgreement, identity, random: seededRandom('logs'), limits });

/** The log lines the reference server would print for these actions, at debug level. */
function printed(actions: readonly ServerAction[]): string[] {
  const lines: string[] = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  for (const a of actions) if (a.kind === 'log') logger.log(a.level, a.message);
  return lines;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('server log lines', () => {
  it('quote a hostile client_hello: no forged line, no control byte, a bounded length', () => {
    const chat = server();
    chat.open(1, 0);
    const forged = `x\n${new Date(0).toISOString()} INFO  conn 7: joined as admin\u001b]0;owned\u0007\u001b[2J`;
    const hello = {
      type: 'client_hello',
      protocol: forged,
      group: 'x25519',
      share: Buffer.alloc(32, 1).toString('base64'),
      nonce: Buffer.alloc(32, 2).toString('base64'),
      [`k\n${'z'.repeat(40_000)}`]: 1,
    };
    const actions = chat.data(1, encodeFrame(Buffer.from(JSON.stringify(hello))), 1);
    const lines = printed(actions);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(line).not.toMatch(CONTROL);
      expect([...line].length).toBeLessThan(2200);
    }
    expect(lines.join('')).not.toMatch(/\nconn 7: joined as admin/);
  });

  it('sum up refusals at accept: one line, then one count per window', () => {
    // Refused by address: a full server would make room instead while conn 1 has not joined (11.2).
    const chat = server({ maxPerAddress: 1, handshakeTimeoutMs: 600_000 });
    chat.open(1, 0, '192.0.2.1');
    const actions: ServerAction[] = [];
    for (let id = 2; id <= 51; id++) actions.push(...chat.open(id, id, '192.0.2.1'));
    const refusals = actions.filter((a) => a.kind === 'close').length;
    expect(refusals).toBe(50);
    // One full line per code: the address's refusals take its tokens too (11.4), so past its
    // burst (8, one taken by conn 1) it is refused ADDRESS_RATE_LIMITED.
    expect(printed(actions).filter((l) => l.includes('refused'))).toEqual([
      expect.stringContaining('conn 2: refused: TOO_MANY_FROM_ADDRESS'),
      expect.stringContaining('conn 9: refused: ADDRESS_RATE_LIMITED'),
    ]);
    expect(chat.nextDeadline).not.toBeNull();
    const summary = printed(chat.tick(51 + REFUSAL_LOG_WINDOW_MS));
    const seconds = REFUSAL_LOG_WINDOW_MS / 1000;
    expect(summary.filter((l) => l.includes('refused'))).toEqual([
      expect.stringContaining(`refused 6 more connections within ${seconds} s: TOO_MANY_FROM_ADDRESS`),
      expect.stringContaining(`refused 42 more connections within ${seconds} s: ADDRESS_RATE_LIMITED`),
    ]);
    // A new window starts with a full line again.
    expect(printed(chat.open(99, 52 + REFUSAL_LOG_WINDOW_MS, '192.0.2.1'))).toEqual([
      expect.stringContaining('conn 99: refused: TOO_MANY_FROM_ADDRESS'),
    ]);
  });
});

describe('--log-format', () => {
  it('json writes one object a line with time, level and the guarded message', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (l) => lines.push(l), 'json');
    logger.log('warn', 'conn 1: "a\u001b[2Jb"');
    logger.log('debug', 'not shown');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(Object.keys(entry)).toEqual(['time', 'level', 'message']);
    expect(entry.level).toBe('warn');
    expect(entry.message).toBe('conn 1: "a\\u001b[2Jb"');
    expect(new Date(entry.time).toISOString()).toBe(entry.time);
  });

  it('text cuts an overlong line and says by how much', () => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l)).log('info', 'y'.repeat(5000));
    expect(lines[0]).toMatch(/y…\(\+3000\)\n$/);
  });
});
