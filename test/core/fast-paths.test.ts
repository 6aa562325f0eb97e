/**
 * The server's speed shortcuts (src/session/fast-paths.ts) give byte for byte what the plain path
 * gives: each shortcut against the function it stands in for (fast-check properties), and whole
 * sessions through a v2 server run with and without them, every byte the server writes compared.
 * The plain pong's agreement with the schema is in v2-codec.test.ts (run both ways there); that
 * each shortcut is the path actually taken is in speed-paths.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerAction } from '../../src/chat/chat-server.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { prefersKeyObjects, RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { FrameDecoder } from '../../src/framing/frame-codec.js';
import { type FastPaths, PingCache, RecordJoiner, serverFastPaths } from '../../src/session/fast-paths.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet, joinPackets } from '../../src/session/v2-codec.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';

const packet = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.from(bytes));

describe('RecordJoiner: the same plaintext as joinPackets', () => {
  it('for any run of records, the same Buffers again or not', () => {
    // A pool of packets that records draw from, so that the very same Buffers come again.
    const scenario = fc.tuple(
      fc.array(packet, { minLength: 1, maxLength: 6 }),
      fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), { maxLength: 12 }),
      fc.array(fc.boolean(), { maxLength: 12 }),
    );
    fc.assert(
      fc.property(scenario, ([pool, records, reuse]) => {
        const joiner = new RecordJoiner();
        let last: Buffer[] | null = null;
        records.forEach((picks, i) => {
          // Sometimes the very same array again (a broadcast: every recipient queued the same).
          const parts: Buffer[] = reuse[i] && last ? last : picks.map((k) => pool[k % pool.length]);
          const total = parts.reduce((n, p) => n + p.length, 0);
          expect(joiner.join(parts, total).equals(joinPackets(parts, total))).toBe(true);
          last = parts;
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('PingCache: the same ping as serialising it each time', () => {
  it('for any sequence of times, repeated or not', () => {
    const times = fc.array(fc.oneof(fc.constant(1_800_000_000_000), fc.maxSafeNat()), { maxLength: 20 });
    fc.assert(
      fc.property(times, (ts) => {
        const pings = new PingCache();
        for (const n of ts) expect(pings.ping(n).equals(encodeV2Packet({ type: 'ping', n }))).toBe(true);
      }),
    );
  });
});

describe('record keys as KeyObjects: the same records as the key bytes', () => {
  it('seals and opens the same records either way', () => {
    const keys = fc.record({
      key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    });
    fc.assert(
      fc.property(keys, fc.array(packet, { minLength: 1, maxLength: 5 }), ({ key, iv }, plains) => {
        const k = { key: Buffer.from(key), iv: Buffer.from(iv) };
        const asObject = new RecordSealer(k, true);
        const asBytes = new RecordSealer(k, false);
        const opener = new RecordOpener(k, true);
        for (const plain of plains) {
          const sealed = asObject.seal(plain);
          expect(sealed.equals(asBytes.seal(plain))).toBe(true);
          const decoder = new FrameDecoder({ maxFrame: 1 << 20 });
          decoder.push(sealed);
          expect(opener.open(decoder.next()!).equals(plain)).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('are chosen by the Node release, as the record layer prefers', () => {
    for (const version of ['20.20.2', '22.23.3', '24.0.0', '25.1.0'])
      expect(serverFastPaths(version).keyObjects).toBe(prefersKeyObjects(version));
  });
});

/** One step of a session: a member says a line, time passes (pings, pongs), or a member asks. */
type Step =
  | { readonly kind: 'say'; readonly who: number; readonly text: string }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'who' | 'export'; readonly who: number };

const MEMBERS = 3;
const LIMITS = { idlePingMs: 2000, idleTimeoutMs: 6000 };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('say' as const),
    who: fc.nat({ max: MEMBERS - 1 }),
    text: fc.string({ minLength: 1, maxLength: 30 }).filter((t) => t.trim().length > 0),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 2600 }) }),
  fc.record({ kind: fc.constantFrom('who' as const, 'export' as const), who: fc.nat({ max: MEMBERS - 1 }) }),
);

/** Counts how often the shortcuts were taken, so that a run shows they were. */
function counted(base: FastPaths) {
  const taken = { pongs: 0 };
  const fast: FastPaths = {
    ...base,
    readPong: (bytes) => {
      const pong = base.readPong(bytes);
      if (pong) taken.pongs++;
      return pong;
    },
  };
  return { fast, taken };
}

/** Every byte the server wrote and every close, in order, for one session run. */
function session(steps: readonly Step[], fastPaths: FastPaths | undefined): string[] {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity: identityFromSeed(Buffer.alloc(32, 3)),
    random: seededRandom('fast-paths server'),
    limits: LIMITS,
    fastPaths,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  const wire: string[] = [];
  const apply = net.apply.bind(net);
  net.apply = (actions: ServerAction[]) => {
    for (const a of actions)
      if (a.kind === 'write') wire.push(`${a.id} ${a.data.toString('hex')}`);
      else if (a.kind === 'close') wire.push(`${a.id} close ${a.error?.code ?? ''}`);
    apply(actions);
  };
  const clients = Array.from({ length: MEMBERS }, (_, i) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`fast-paths client ${i}`),
    });
    net.connect(client);
    client.join(`member${i}`);
    net.settle();
    return client;
  });
  for (const s of steps) {
    if (s.kind === 'wait') net.advance(s.ms);
    else if (s.kind === 'say') clients[s.who].say(s.text);
    else if (s.kind === 'who') clients[s.who].who();
    else clients[s.who].requestExport();
    net.settle();
  }
  for (const client of clients) client.goodbye();
  net.settle();
  return wire;
}

describe('a v2 server with and without its fast paths: the same bytes on the wire', () => {
  const sessions = fc.array(step, { minLength: 1, maxLength: 14 });

  it.each(['20.20.2', '24.0.0'])('for any session (fast paths as on Node %s)', (version) => {
    let pongs = 0;
    fc.assert(
      fc.property(sessions, (steps) => {
        const { fast, taken } = counted(serverFastPaths(version));
        expect(session(steps, fast)).toEqual(session(steps, undefined));
        pongs += taken.pongs;
      }),
      { numRuns: 12 },
    );
    // The runs went through the shortcut, not around it (idle members answer pings).
    expect(pongs).toBeGreaterThan(0);
  });

  it('pings idle members and reads their pongs through the shortcut', () => {
    const steps: Step[] = [
      { kind: 'say', who: 0, text: 'hello' },
      { kind: 'wait', ms: 2500 },
      { kind: 'say', who: 1, text: 'still here' },
      { kind: 'wait', ms: 2500 },
    ];
    const { fast, taken } = counted(serverFastPaths('20.20.2'));
    const wire = session(steps, fast);
    expect(wire).toEqual(session(steps, undefined));
    expect(taken.pongs).toBeGreaterThanOrEqual(MEMBERS);
    expect(wire.some((line) => line.includes('close'))).toBe(true);
  });
});
