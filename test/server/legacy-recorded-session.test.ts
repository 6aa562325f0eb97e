/**
 * The legacy server against the session recorded from the original pyChat server
 * (shared/vectors/legacy-session.json): the recorded clients' own bytes go in, and what comes out
 * must be what the original sent, but for what Parley changes on purpose (dates, `0.0.0.0` for
 * addresses; legacy `mitigations`) and the per-connection keys.
 *
 * The recorded encrypted frames cannot be replayed (the server's key pair and IV are fresh), but
 * everything that does not depend on them can: each client's plaintext key_exc frame goes out byte
 * for byte (the recording holds the clients' private keys, so the live key is derived from it), and
 * every later client plaintext, with the original client's compact JSON and unescaped UTF-8, is
 * encrypted under the live key.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { headerLength } from '../../conformance/frame-count.js';
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { legacyDecrypt, legacyKey } from '../../src/crypto/legacy-cipher.js';
import type { Frame } from '../../src/framing/frame-codec.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { type LegacyCipherState, sealLegacyBody } from '../../src/legacy/legacy-packet.js';
import {
  loadRecordedSession,
  RECORDED_SESSION_PATH,
  type RecordedFrame,
  type RecordedSession,
} from '../support/legacy-recording.js';
import type { RawTestClient } from '../support/tcp-client.js';
import { TEST_TIMEOUT_MS, useHarness } from './helpers.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

const haveSession = existsSync(RECORDED_SESSION_PATH);

/** One recorded client replayed over a raw socket with our own key handling. */
class Replayer {
  cipher: LegacyCipherState | null = null;
  private readonly c2s: RecordedFrame[];
  private sent = 0;

  constructor(
    readonly raw: RawTestClient,
    readonly name: string,
    private readonly privateKey: Buffer,
    session: RecordedSession,
  ) {
    this.c2s = session.frames.filter((f) => f.client === name && f.dir === 'c2s');
  }

  /** Reads iv_exc and key_exc, sends the recorded key_exc frame as is, derives the live key. */
  async keyExchange(): Promise<void> {
    const [ivFrame, keyFrame] = await this.raw.waitForFrames(2);
    const iv = Buffer.from(JSON.parse(ivFrame.body.toString()).cont, 'base64');
    const serverPublic = JSON.parse(keyFrame.body.toString()).cont as string;
    this.cipher = { key: legacyKey(keyAgreement.legacySharedSecret(this.privateKey, serverPublic)), iv };
    const recorded = this.c2s[this.sent++];
    expect(recorded.encrypted).toBe(false);
    this.raw.write(Buffer.from(recorded.raw, 'utf8'));
  }

  /** Sends the next recorded plaintext, encrypted under the live key; returns it. */
  sendNext(): string {
    const recorded = this.c2s[this.sent++];
    expect(recorded.encrypted).toBe(true);
    this.raw.write(encodeFrame(sealLegacyBody(Buffer.from(recorded.plaintext, 'utf8'), this.cipher!)));
    return recorded.plaintext;
  }

  /** Every frame received so far, as plaintext JSON (handshake frames are plaintext already). */
  plaintexts(frames: Frame[] = this.raw.frames()): string[] {
    return frames.map((f, i) =>
      i < 2
        ? f.body.toString('utf8')
        : legacyDecrypt(this.cipher!.key, this.cipher!.iv, f.body.toString('latin1')).toString('utf8'),
    );
  }
}

/**
 * What may differ from the original on purpose: the date (ours is the server's clock), addresses
 * (ours are always 0.0.0.0), the IV and public value (fresh per connection), padding (trailing
 * spaces that keep bodies a multiple of 10 bytes).
 */
function normalise(json: string): string {
  return json
    .trimEnd()
    .replace(/"date": "[^"]*"/, '"date": "<date>"')
    .replace(/"(shost|dhost)": "(127\.0\.0\.1|0\.0\.0\.0)"/g, '"$1": "<host>"')
    .replace(/"cont": "[^"]*", "typ": "(iv_exc|key_exc)"/, '"cont": "<$1>", "typ": "$1"');
}

/** The original clients read a body in 10-byte recv() steps: what such a reader makes of a stream. */
function readLikeTheOriginal(stream: Buffer): string[] {
  const bodies: string[] = [];
  let at = 0;
  while (at < stream.length) {
    const length = headerLength(stream, at);
    at += 10;
    let body = Buffer.alloc(0);
    while (body.length < length) {
      body = Buffer.concat([body, stream.subarray(at, at + 10)]);
      at += 10;
    }
    bodies.push(body.toString('latin1'));
  }
  return bodies;
}

describe.skipIf(!haveSession)(
  'legacy server with the recorded pyChat session',
  { timeout: TEST_TIMEOUT_MS },
  () => {
    const h = useHarness();

    it('the recorded private keys match the recorded key_exc frames', () => {
      const session = loadRecordedSession();
      for (const client of session.clients) {
        const keyExc = session.frames.find((f) => f.client === client.name && f.dir === 'c2s')!;
        expect(JSON.parse(keyExc.plaintext).cont).toBe(
          keyAgreement.legacyPublicDecimal(Buffer.from(client.privateKeyHex, 'hex')),
        );
      }
    });

    it("keys a connection from the recorded client's key_exc frame, sent byte for byte", async () => {
      const session = loadRecordedSession();
      const server = await h.start({ profile: 'legacy' });
      const clients = session.clients.map(async (c) => {
        const keyExc = session.frames.find((f) => f.client === c.name && f.dir === 'c2s')!;
        return h.legacy(server, c.name, {
          privateKey: Buffer.from(c.privateKeyHex, 'hex'),
          keyExchangeFrame: Buffer.from(keyExc.raw, 'utf8'),
        });
      });
      const [alice, bob] = await Promise.all(clients);
      alice.say('keyed by the recording');
      expect((await bob.waitFor('default')).cont).toBe('keyed by the recording');
    });

    it("accepts the recorded clients' bytes and answers each as the original did", async () => {
      const session = loadRecordedSession();
      const server = await h.start({ profile: 'legacy' });
      const key = (name: string) =>
        Buffer.from(session.clients.find((c) => c.name === name)!.privateKeyHex, 'hex');
      const alice = new Replayer(await h.raw(server, 'recorded alice'), 'alice', key('alice'), session);
      const bob = new Replayer(await h.raw(server, 'recorded bob'), 'bob', key('bob'), session);

      // The order of the recording: alice joins; bob collides on "alice", then joins as bob.
      await alice.keyExchange();
      alice.sendNext(); // setuser alice
      await alice.raw.waitForFrames(4); // approved_conn, client_list_update_add []
      await bob.keyExchange();
      bob.sendNext(); // setuser alice: taken
      await bob.raw.waitForFrames(3);
      bob.sendNext(); // setuser bob
      await bob.raw.waitForFrames(5);
      await alice.raw.waitForFrames(5); // client_list_update_add ["bob"]
      // Chat, in the original client's compact JSON with raw UTF-8 (è, 👋).
      const hello = alice.sendNext();
      await bob.raw.waitForFrames(6);
      const ciao = bob.sendNext();
      expect(ciao).toContain('è tutto ok? 👋');
      await alice.raw.waitForFrames(6);
      bob.sendNext(); // export
      await bob.raw.waitForFrames(7);
      alice.raw.destroy();
      await bob.raw.waitForFrames(9); // leave notice, then the list update

      const recorded = (name: string) =>
        session.frames.filter((f) => f.client === name && f.dir === 's2c').map((f) => normalise(f.plaintext));
      expect(alice.plaintexts().map(normalise)).toEqual(recorded('alice'));
      expect(bob.plaintexts().map(normalise)).toEqual(recorded('bob'));

      // The chat text made it through unchanged, and the export is the original's text, byte for byte.
      const bobGot = bob.plaintexts().map((p) => JSON.parse(p));
      expect(bobGot[5]).toMatchObject({ username: 'alice', cont: JSON.parse(hello).cont, typ: 'default' });
      const aliceGot = JSON.parse(alice.plaintexts()[5]);
      expect(aliceGot).toMatchObject({ username: 'bob', cont: 'ciao alice, è tutto ok? 👋', typ: 'default' });
      expect(bobGot[6].cont).toBe(
        '{Start of conversation}\nalice> hello from alice\nbob> ciao alice, è tutto ok? 👋\n',
      );
      for (const p of bobGot) expect(p.date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);

      // Every body is a multiple of 10 bytes, so the original's 10-byte reader survives the burst.
      for (const f of bob.raw.frames()) expect(f.body.length % 10).toBe(0);
      const asTheOriginalReads = readLikeTheOriginal(bob.raw.received);
      expect(asTheOriginalReads).toEqual(bob.raw.frames().map((f) => f.body.toString('latin1')));
    });
  },
);
