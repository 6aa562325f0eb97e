/**
 * The log's bound over TCP (spec 11.5): a client rotating through the addresses of one /24
 * (127.0.0.2, .3, ...; Linux routes all of 127.0.0.0/8 to the loopback), each address within its
 * own connection bucket (11.4), opens connections and drops them after the server_hello. Each
 * is a connection line (closed: CONNECTION_LOST). With the bound lifted the server writes one
 * apiece; with the spec's defaults it writes what the prefix's bucket allows and sums up the
 * rest, so the log's bytes are bounded by the spec's numbers and the storm's length, not by the
 * connections it made.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LOG_SUMMARY_WINDOW_MS } from '../../src/chat/log-budget.js';
import { LIMITS } from '../../src/generated/constants.js';
import { TEST_TIMEOUT_MS, type TestServer, useHarness } from './helpers.js';

/** Connections the storm makes, and how many are open at once. */
const CONNECTIONS = 400;
const PARALLEL = 8;

/** Opens one connection from `localAddress`, and drops it once the server has said something. */
function touch(port: number, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.once('data', () => socket.end());
    socket.on('error', () => {});
    socket.once('close', () => resolve());
  });
}

/** The storm, from 127.0.0.2 on, rotating over 250 addresses; returns its length in seconds. */
async function storm(server: TestServer): Promise<number> {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < CONNECTIONS) {
        const n = next++;
        await touch(server.port, `127.0.0.${2 + (n % 250)}`);
      }
    }),
  );
  // Each socket closed once the server closed its side, after it had logged the connection's end.
  return (Date.now() - started) / 1000;
}

const closedLines = (server: TestServer) => server.logs.filter((l) => l.includes('closed: CONNECTION_LOST'));
const bytes = (lines: readonly string[]) => lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);

describe.skipIf(process.platform !== 'linux')(
  'a connection storm from the rotating addresses of one /24 (11.5)',
  () => {
    const h = useHarness();

    it('writes a line per connection with the bound lifted, and within the bound at the defaults', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      // The bound lifted (the loopback limits of every test): one line per connection.
      const open = await h.start();
      await storm(open);
      expect(closedLines(open).length).toBe(CONNECTIONS);

      const bound = {
        logLineBurst: LIMITS.logLineBurst,
        logLinesPerSecond: LIMITS.logLinesPerSecond,
        logTotalLinesPerSecond: LIMITS.logTotalLinesPerSecond,
      };
      const server = await h.start({ limits: bound });
      const seconds = await storm(server);
      const written = closedLines(server);
      // One prefix: at most its burst and its rate for the storm's length (11.5).
      const allowed = bound.logLineBurst + Math.ceil(seconds) * bound.logLinesPerSecond;
      expect(written.length).toBeLessThanOrEqual(allowed);
      expect(written.length).toBeGreaterThanOrEqual(Math.min(bound.logLineBurst, CONNECTIONS));
      // The whole log: those lines, each no longer than the longest the unbounded run wrote for
      // the same connections, and at most one summary line per window the storm spanned.
      const longest = Math.max(...open.logs.map((l) => Buffer.byteLength(l) + 1));
      const summaries = server.logs.filter((l) => l.includes(' log bound (11.5): '));
      expect(server.logs).toHaveLength(written.length + summaries.length);
      expect(bytes(written)).toBeLessThanOrEqual(allowed * longest);
      expect(summaries.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / LOG_SUMMARY_WINDOW_MS));
      expect(bytes(server.logs)).toBeLessThan(bytes(open.logs));

      // What was not written is summed up when the window ends, with its count and its network.
      const summary = await server.waitForLog(
        /^.* WARN {2}log bound \(11\.5\): /,
        LOG_SUMMARY_WINDOW_MS + 5000,
      );
      expect(summary).toContain('about connections from 127.0.0.0/24 within 10 s were not written');
      // The first window's count (a slow run may span more windows, summed up later).
      const counted = Number(/: (\d+) more lines/.exec(summary)![1]);
      expect(counted).toBeGreaterThan(0);
      expect(written.length + counted).toBeLessThanOrEqual(CONNECTIONS);
    });
  },
);
