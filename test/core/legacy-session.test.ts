/**
 * Acceptance: the recorded session against the original pyChat server (../shared/vectors/
 * legacy-session.json, read in place, never copied). Our legacy crypto, serializer and client must
 * reproduce it exactly: the same secrets, keys and IVs, every frame decrypted to the recorded
 * plaintext and re-encrypted to the recorded wire bytes, and the recorded server frames driving a
 * LegacyClientConnection through the expected events.
 */
import { describe, expect, it } from 'vitest';
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { legacyDecrypt, legacyEncrypt, legacyKey } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { LEGACY_KEY_ORDER } from '../../src/generated/constants.js';
import {
  decodeLegacyRecord,
  type LegacyPacket,
  serializeLegacyPacket,
} from '../../src/legacy/legacy-packet.js';
import { type PythonJsonValue, pythonJsonDumps } from '../../src/legacy/python-json.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { scriptedRandom } from '../../tools/vector-builder.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { loadRecordedSession, type RecordedClient, type RecordedFrame } from '../support/legacy-recording.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

const session = loadRecordedSession();

const framesOf = (name: string) => session.frames.filter((f) => f.client === name);
const wire = (f: RecordedFrame) => Buffer.from(f.raw, 'utf8');
const bodyOf = (f: RecordedFrame) => f.raw.slice(10);
const parsed = (f: RecordedFrame) => JSON.parse(f.plaintext) as LegacyPacket;

function clientState(c: RecordedClient) {
  const frames = framesOf(c.name);
  const serverKey = frames.find((f) => f.dir === 's2c' && parsed(f).typ === 'key_exc');
  const iv = frames.find((f) => f.dir === 's2c' && parsed(f).typ === 'iv_exc');
  if (!serverKey || !iv) throw new Error(`${c.name}: no handshake in the recording`);
  return {
    privateKey: Buffer.from(c.privateKeyHex, 'hex'),
    serverPublic: parsed(serverKey).cont as string,
    iv: Buffer.from(parsed(iv).cont as string, 'base64'),
    key: Buffer.from(c.derived.keyHex, 'hex'),
    frames,
  };
}

describe('the recorded legacy session', () => {
  it('is the two-client session the acceptance criterion is about', () => {
    expect(session.clients.map((c) => c.name)).toEqual(['alice', 'bob']);
    expect(session.frames.filter((f) => f.encrypted).length).toBeGreaterThan(10);
    for (const f of session.frames) {
      // Every header is the strict form our decoder requires (spec 3.2).
      const decoder = new FrameDecoder();
      decoder.push(wire(f));
      const frame = decoder.next();
      expect(frame?.body.toString('utf8')).toBe(bodyOf(f));
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it.each(session.clients)('derives the recorded shared secret, key and IV for $name', (c) => {
    const s = clientState(c);
    const z = keyAgreement.legacySharedSecret(s.privateKey, s.serverPublic);
    expect(z.toString(10)).toBe(c.derived.sharedSecretDecimal);
    expect(legacyKey(z).toString('hex')).toBe(c.derived.keyHex);
    expect(legacyKey(c.derived.sharedSecretDecimal).toString('hex')).toBe(c.derived.keyHex);
    expect(s.iv.toString('base64')).toBe(c.derived.ivBase64);
    // The client's recorded key_exc carries the public value of its private key.
    const sent = s.frames.find((f) => f.dir === 'c2s' && parsed(f).typ === 'key_exc');
    expect(parsed(sent as RecordedFrame).cont).toBe(keyAgreement.legacyPublicDecimal(s.privateKey));
  });

  it.each(session.clients)('decrypts every encrypted frame of $name to the recorded plaintext', (c) => {
    const s = clientState(c);
    const encrypted = s.frames.filter((f) => f.encrypted);
    expect(encrypted.length).toBeGreaterThan(3);
    for (const f of encrypted) {
      const plain = legacyDecrypt(s.key, s.iv, bodyOf(f));
      expect(plain.toString('utf8')).toBe(f.plaintext);
      expect(decodeLegacyRecord(Buffer.from(bodyOf(f), 'latin1'), { key: s.key, iv: s.iv })).toEqual(
        parsed(f),
      );
    }
  });

  it.each(session.clients)(
    're-encrypts every frame of $name to the recorded wire bytes, header included',
    (c) => {
      const s = clientState(c);
      for (const f of s.frames) {
        const plain = Buffer.from(f.plaintext, 'utf8');
        const body = f.encrypted ? legacyEncrypt(s.key, s.iv, plain) : plain;
        expect(encodeFrame(body).toString('utf8')).toBe(f.raw);
      }
      // In particular every client frame, the part a Parley client must be able to produce.
      expect(s.frames.filter((f) => f.dir === 'c2s').length).toBeGreaterThanOrEqual(3);
    },
  );

  it('reproduces every recorded server plaintext byte for byte with pythonJsonDumps', () => {
    const serverFrames = session.frames.filter((f) => f.dir === 's2c');
    expect(serverFrames.some((f) => /\\u[0-9a-f]{4}/.test(f.plaintext))).toBe(true); // escapes covered
    for (const f of serverFrames) {
      const packet = parsed(f) as unknown as Record<string, PythonJsonValue>;
      expect(Object.keys(packet)).toEqual([...LEGACY_KEY_ORDER]);
      const fields = Object.fromEntries(LEGACY_KEY_ORDER.map((k) => [k, packet[k]]));
      expect(pythonJsonDumps(fields)).toBe(f.plaintext);
      // The padded form only adds trailing spaces (10 for plaintext bodies, 15 before encryption).
      const padded = serializeLegacyPacket(packet as unknown as LegacyPacket, f.encrypted).toString('latin1');
      expect(padded.trimEnd()).toBe(f.plaintext);
      expect(padded.length % (f.encrypted ? 15 : 10)).toBe(0);
    }
  });
});

describe('LegacyClientConnection on the recorded server frames', () => {
  function drive(
    name: string,
    join: (client: LegacyClientConnection, step: number) => void,
    bytewise = false,
  ) {
    const recorded = session.clients.find((c) => c.name === name) as RecordedClient;
    const s = clientState(recorded);
    const random = scriptedRandom([s.privateKey]);
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random,
      clock: () => Date.UTC(2026, 10, 27, 14),
    });
    const received: LegacyPacket[] = [];
    const sent: LegacyPacket[] = [];
    const decoder = new FrameDecoder();
    let step = 0;
    for (const f of s.frames) {
      if (f.dir === 'c2s') {
        if (parsed(f).typ !== 'key_exc') join(client, step++);
        decoder.push(client.takeOutput());
        const frames = decoder.drain();
        expect(frames).toHaveLength(1);
        const body = frames[0].body;
        const packet = f.encrypted
          ? decodeLegacyRecord(body, { key: s.key, iv: s.iv })
          : (JSON.parse(body.toString('latin1')) as LegacyPacket);
        // A Parley client never sends its address (legacy mitigations) and pads every body.
        expect(packet.shost).toBe('0.0.0.0');
        expect(body.length % (f.encrypted ? 20 : 10)).toBe(0);
        sent.push(packet);
        continue;
      }
      const chunks = bytewise ? [...wire(f)].map((b) => Buffer.from([b])) : [wire(f)];
      for (const chunk of chunks) {
        for (const event of client.receive(chunk)) {
          if (event.kind !== 'packet') throw new Error(`unexpected ${event.kind} event`);
          received.push(event.packet);
        }
      }
    }
    expect(random.remaining()).toBe(0);
    return { client, received, sent, s };
  }

  const expectedReceived = (name: string) =>
    framesOf(name)
      .filter((f) => f.dir === 's2c' && f.encrypted)
      .map(parsed);

  it.each([false, true])('takes alice through the key exchange, join and chat (bytewise: %s)', (bytewise) => {
    const { client, received, sent } = drive(
      'alice',
      (c, step) => {
        if (step === 0) c.join('alice');
        else c.say('hello from alice');
      },
      bytewise,
    );
    expect(client.state).toBe('JOINED');
    expect(received).toEqual(expectedReceived('alice'));
    expect(received.map((p) => p.typ)).toEqual([
      'approved_conn',
      'client_list_update_add',
      'client_list_update_add',
      'default',
    ]);
    // What it sent: the recorded client's key_exc value (from the scripted private key), then the
    // recorded packets' typ and cont.
    const recordedSent = framesOf('alice')
      .filter((f) => f.dir === 'c2s')
      .map(parsed);
    expect(sent.map((p) => [p.typ, p.cont])).toEqual(recordedSent.map((p) => [p.typ, p.cont]));
    expect(sent[0].username).toBe('temp');
    expect(sent[1].username).toBe('alice');
  });

  it('takes bob through a refused name, a retry, chat, export and a leave notice', () => {
    const { client, received, sent } = drive('bob', (c, step) => {
      if (step === 0) c.join('alice');
      else if (step === 1) {
        expect(c.state).toBe('READY'); // username_taken lets the user try again
        c.join('bob');
      } else if (step === 2) c.say('ciao alice, è tutto ok? 👋');
      else c.requestExport();
    });
    expect(received).toEqual(expectedReceived('bob'));
    expect(received.map((p) => p.typ)).toEqual([
      'username_taken',
      'approved_conn',
      'client_list_update_add',
      'default',
      'export',
      'default',
      'disconnection',
    ]);
    expect(client.state).toBe('JOINED');
    const recordedSent = framesOf('bob')
      .filter((f) => f.dir === 'c2s')
      .map(parsed);
    expect(sent.map((p) => [p.typ, p.cont])).toEqual(recordedSent.map((p) => [p.typ, p.cont]));
  });

  it('reports the end of the stream as CONNECTION_LOST (legacy has no goodbye)', () => {
    const { client } = drive('alice', (c, step) =>
      step === 0 ? c.join('alice') : c.say('hello from alice'),
    );
    const events = client.receiveEnd();
    expect(events).toHaveLength(1);
    expect(events[0].kind === 'error' && events[0].error.code).toBe('CONNECTION_LOST');
    expect(client.state).toBe('ERROR');
  });
});
