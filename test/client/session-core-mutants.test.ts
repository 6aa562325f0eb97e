/**
 * The wire side of a client session (src/client/session-core.ts) in process, the cases the other
 * session tests leave open (some only the TCP tests, which see no mutant, checked): a server that
 * is not Parley named as such, the server's goodbye and its reason, a failed socket's words, the
 * first fatal error kept, an empty chunk that is no first byte, a dropped connection that reads
 * nothing more, and what the ready event reports.
 */
import { describe, expect, it } from 'vitest';
import { ClientSession, V2_SUITE_SUFFIX } from '../../src/client/client-session.js';
import { EXPORT_TIMEOUT_MS } from '../../src/client/pending-requests.js';
import { serverRefusalText } from '../../src/client/server-refusal.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LIMITS } from '../../src/generated/constants.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { seededRandom } from '../support/seeded-random.js';
import { ScriptedServer } from './support/scripted-server.js';

function opened(options: Partial<ConstructorParameters<typeof ClientSession>[0]> = {}): ClientSession {
  const s = new ClientSession({ random: seededRandom('core'), ...options });
  s.connect(1000);
  s.open(1000);
  return s;
}

describe('SessionCore: servers that are not Parley', () => {
  it('names a server whose first frame is not Parley, with the host, and drops it', () => {
    const s = opened({ server: 'web.example:80', profile: 'v2' });
    s.receive(Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 1001);
    expect(s.hangUp).not.toBeNull();
    const closed = s.transportClosed(1002).at(-1);
    expect(closed).toMatchObject({
      kind: 'closed',
      byUser: false,
      error: {
        message: expect.stringMatching(
          /^web\.example:80 does not look like a Parley server: .+ \(check the host and port\)$/,
        ),
      },
    });
  });

  it('says "the server" when it has no name for it', () => {
    const s = opened({ timings: { firstByteMs: 500 } });
    expect(s.nextDeadline).toBe(1500);
    s.tick(1500);
    expect(s.transportClosed(1501).at(-1)).toMatchObject({
      error: { message: expect.stringMatching(/^the server sent nothing within 0\.5 s of connecting/) },
    });
  });

  it('keeps waiting for a first byte after an empty chunk', () => {
    const s = opened({ timings: { firstByteMs: 500 } });
    expect(s.receive(Buffer.alloc(0), 1100)).toEqual([]);
    expect(s.nextDeadline).toBe(1500);
  });
});

describe('SessionCore: endings', () => {
  it("reports the server's goodbye and its reason instead of an error", () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    t.server.goodbye('restarting');
    t.pump();
    expect(t.session.hangUp).toBe('end');
    expect(t.session.transportClosed(t.now).at(-1)).toEqual({
      kind: 'closed',
      byUser: false,
      goodbye: 'restarting',
      error: undefined,
    });
  });

  it('reports a goodbye without a reason as "goodbye"', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    t.server.goodbye();
    t.pump();
    expect(t.session.transportClosed(t.now).at(-1)).toMatchObject({ goodbye: 'goodbye', error: undefined });
  });

  it("reports a failed socket with the socket's words, and keeps the first fatal error", () => {
    const s = opened();
    s.transportFailed('connection refused');
    s.transportFailed('later');
    s.receiveEnd(1001);
    expect(s.hangUp).toBe('end');
    expect(s.nextDeadline).toBeNull();
    expect(s.tick(99_999)).toEqual([]);
    expect(s.transportClosed(1002)).toEqual([
      { kind: 'state', state: 'closed' },
      {
        kind: 'closed',
        byUser: false,
        goodbye: undefined,
        error: { code: 'CONNECTION_LOST', message: 'connection refused', fatal: true },
      },
    ]);
    expect(s.receive(Buffer.from('x'), 1003)).toEqual([]);
    expect(s.receiveEnd(1004)).toEqual([]);
    expect(s.tick(1005)).toEqual([]);
  });

  it('reads nothing more once the connection is to be dropped, and sends nothing', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    t.session.abort('CLIENT_QUIT', 'bye');
    t.server.sendEncoded(Buffer.from('{}'));
    expect(t.session.receive(t.server.takeOutput(), t.now)).toEqual([]);
    expect(t.session.takeOutput()).toHaveLength(0);
    // A later end does not soften the drop.
    t.session.receiveEnd(t.now);
    expect(t.session.hangUp).toBe('destroy');
  });
});

describe('SessionCore: ready', () => {
  it('reports the suite, the fingerprint and the trust, and asks to record a new key', () => {
    const t = new ScriptedServer([]);
    const ready = t.pump().filter((e) => e.kind === 'ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({
      profile: 'v2',
      suite: expect.stringMatching(new RegExp(`^[a-z0-9]+${V2_SUITE_SUFFIX.replace('+', '\\+')}$`)),
      fingerprint: expect.stringMatching(/^SHA256:/),
      trust: 'new',
      record: true,
    });
    expect(ready[0]).not.toHaveProperty('replaced');
    expect(t.session.ready).toMatchObject({ profile: 'v2', trust: 'new' });
    expect(t.session.profile).toBe('v2');
    expect(t.session.nextDeadline).toBeNull();
  });

  it('waits for the earliest of its deadlines: an export due before the next ping', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    expect(t.session.nextDeadline).toBe(t.now + LIMITS.clientPingMs);
    t.act((s) => s.requestExport());
    expect(EXPORT_TIMEOUT_MS).toBeLessThan(LIMITS.clientPingMs);
    expect(t.session.nextDeadline).toBe(t.now + EXPORT_TIMEOUT_MS);
  });

  it("counts its own ping as no request of the user's, and a pong as its answer", () => {
    const t = new ScriptedServer([], { timings: { pingMs: 100, idleTimeoutMs: 1000 } });
    t.join('ann');
    t.now += 100;
    expect(t.session.tick(t.now)).toEqual([]);
    expect(t.session.unanswered).toBe(0);
    expect(t.session.nextDeadline).toBe(t.now + 900);
    t.pump();
    expect(t.received()).toEqual([{ type: 'ping', n: 1 }]);
    // The pong answers the ping: a refusal then answers the next line, not the ping.
    expect(t.send({ type: 'pong', n: 1 })).toEqual([]);
    t.act((s) => s.say('x'));
    expect(t.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false })[0]).toMatchObject({
      unsent: { kind: 'say', text: 'x' },
    });
    // The next ping counts on.
    t.now += 100;
    t.session.tick(t.now);
    t.pump();
    expect(t.received()).toEqual([
      { type: 'say', text: 'x' },
      { type: 'ping', n: 2 },
    ]);
  });
});

describe('SessionCore: the server ends the connection', () => {
  it('reports an end without goodbye as the connection lost', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    expect(t.session.receiveEnd(t.now)).toEqual([]);
    expect(t.session.hangUp).toBe('end');
    expect(t.session.transportClosed(t.now).at(-1)).toMatchObject({
      byUser: false,
      error: { code: 'CONNECTION_LOST', message: 'server closed the connection without goodbye' },
    });
  });

  it('reports no error for an end after the user quit', () => {
    const t = new ScriptedServer([]);
    t.join('ann');
    t.session.quit();
    t.session.receiveEnd(t.now);
    expect(t.session.transportClosed(t.now).at(-1)).toEqual({
      kind: 'closed',
      byUser: true,
      goodbye: undefined,
      error: undefined,
    });
  });

  it('reports no error for an end during the handshake after the user quit', () => {
    const s = opened();
    s.quit();
    s.receiveEnd(1001);
    expect(s.transportClosed(1002).at(-1)).toMatchObject({ byUser: true, error: undefined });
  });
});

describe('SessionCore: odd orders', () => {
  it('reads nothing before TCP is up', () => {
    const s = new ClientSession({ random: seededRandom('early') });
    s.connect(0);
    expect(s.receive(Buffer.from('5:{}'), 1)).toEqual([]);
    expect(s.state).toBe('connecting');
    expect(s.hangUp).toBeNull();
  });

  it("reports a server's refusal at accept under its code, as the server's word (5.10)", () => {
    const s = opened({ server: 'busy:1' });
    const frame = encodeFrame(encodeV2Packet({ type: 'refused', code: 'SERVER_FULL', message: 'full up' }));
    expect(s.receive(frame, 1001)).toEqual([]);
    expect(s.hangUp).toBe('end');
    expect(s.transportClosed(1002).at(-1)).toEqual({
      kind: 'closed',
      byUser: false,
      goodbye: undefined,
      error: { code: 'SERVER_FULL', message: serverRefusalText('SERVER_FULL', 'full up'), fatal: true },
    });
  });

  it('gives up on every export due at once, one event each', () => {
    const t = new ScriptedServer([], { timings: { pingMs: 0, idleTimeoutMs: 0 } });
    t.join('ann');
    t.session.requestExport();
    t.session.requestExport();
    expect(t.session.tick(t.now + EXPORT_TIMEOUT_MS)).toEqual([
      { kind: 'export-timeout', seconds: EXPORT_TIMEOUT_MS / 1000 },
      { kind: 'export-timeout', seconds: EXPORT_TIMEOUT_MS / 1000 },
    ]);
    expect(t.session.unanswered).toBe(0);
  });
});
