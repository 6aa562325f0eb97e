/**
 * A refused-reopen storm over TCP (spec 11.4): one address reopens every refused socket at once.
 * Its refusals take tokens from its address's bucket, so once the bucket is empty the server only
 * closes its sockets (no `refused` record), a newcomer from another address still joins and chats,
 * and an honest client of the storming address that backs off is served once the storm stops.
 * Linux routes all of 127.0.0.0/8 to the loopback, so 127.0.0.2 is "another address" there.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/framing/frame-codec.js';
import { connectV2, type V2TestClient } from '../support/tcp-client.js';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

/** What one stormed socket got before its close: a `refused` code, a server_hello, or nothing. */
type Outcome = 'server_hello' | `refused ${string}` | 'nothing';

function outcomeOf(bytes: Buffer): Outcome {
  if (bytes.length === 0) return 'nothing';
  const decoder = new FrameDecoder({ maxFrame: 1 << 16 });
  decoder.push(bytes);
  const [frame] = decoder.drain();
  const packet = frame ? JSON.parse(frame.body.toString('utf8')) : {};
  return packet.type === 'refused' ? `refused ${packet.code}` : 'server_hello';
}

/** Opens one socket from 127.0.0.1 and resolves with what it got once the server closed it. */
function reopen(port: number, held: Socket[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A served socket (server_hello) is held open, as an attacker's slot would be.
      if (outcomeOf(Buffer.concat(chunks)) === 'server_hello') {
        held.push(socket);
        resolve('server_hello');
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(outcomeOf(Buffer.concat(chunks))));
  });
}

/** Reopens the storm makes at least. */
const STORM = 80;

const LIMITS = {
  maxPerAddress: 2,
  maxAddressesPerPrefix: 16,
  addressHandshakeBurst: 4,
  addressHandshakesPerSecond: 2,
};

describe.skipIf(process.platform !== 'linux')('a refused-reopen storm from one address (11.4)', () => {
  const h = useHarness();

  it('is closed without records once its bucket is empty, while a newcomer from another address joins, and a backing-off client of the address is served after it', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const server = await h.start({ limits: LIMITS });
    const held: Socket[] = [];
    h.track({
      destroy: () => {
        for (const s of held) s.destroy();
      },
    });
    const outcomes: Outcome[] = [];
    let storming = true;
    const started = Date.now();
    // Four reopeners, each opening a new socket the moment its last one is closed.
    const reopeners = Array.from({ length: 4 }, async () => {
      while (storming) outcomes.push(await reopen(server.port, held));
    });
    // Let the storm empty the address's bucket: the first quiet close.
    while (!outcomes.includes('nothing')) await new Promise((r) => setTimeout(r, 10));

    // A newcomer from another address joins and chats during the storm.
    const newcomer = h.track(await connectV2(server.port, { localAddress: '127.0.0.2', label: 'newcomer' }));
    await newcomer.join('newcomer');
    const text = marker('during the storm');
    newcomer.say(text);
    await newcomer.waitForPacket('message', (m) => m.text === text);
    // The storm goes on for at least STORM reopens in all.
    while (outcomes.length < STORM) await new Promise((r) => setTimeout(r, 10));
    storming = false;
    await Promise.all(reopeners);
    const seconds = Math.ceil((Date.now() - started) / 1000);

    // The address held its two slots; the first refusals said why; the storm was told once per
    // empty spell (ADDRESS_RATE_LIMITED) and otherwise closed with nothing written.
    expect(outcomes.filter((o) => o === 'server_hello')).toHaveLength(2);
    expect(outcomes[2]).toBe('refused TOO_MANY_FROM_ADDRESS');
    expect(outcomes).toContain('refused ADDRESS_RATE_LIMITED');
    const quiet = outcomes.filter((o) => o === 'nothing').length;
    const recorded = outcomes.length - quiet;
    expect(quiet).toBeGreaterThan(0);
    // A record takes a token, or is the one ADDRESS_RATE_LIMITED after a token was taken: the
    // records are bounded by the tokens the bucket had, not by how many sockets the storm opened.
    const tokens = LIMITS.addressHandshakeBurst + seconds * LIMITS.addressHandshakesPerSecond;
    expect(recorded).toBeLessThanOrEqual(2 * tokens);
    await server.waitForLog(/conn \d+: refused: ADDRESS_RATE_LIMITED/);

    // An honest client of the storming address, after the storm: its slots are freed, and it
    // reconnects with the reference client's backoff (0.5 s, doubling) until it is served.
    for (const s of held.splice(0)) s.destroy();
    let honest: V2TestClient | null = null;
    const failures: string[] = [];
    for (let attempt = 0; attempt < 5 && honest === null; attempt++) {
      try {
        honest = h.track(await connectV2(server.port, { label: 'honest', timeoutMs: 5000 }));
      } catch (err) {
        failures.push((err as Error).message);
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
    expect(honest, failures.join('; ')).not.toBeNull();
    await honest!.join('honest');
    const hello = marker('after the storm');
    honest!.say(hello);
    await newcomer.waitForPacket('message', (m) => m.text === hello);
  });
});
