/**
 * The bench's lean packet reader (bench/lean-v2-client.ts) against the core's parser: for any
 * `message` or presence packet as the server encodes it, the lean reader either declines
 * (null: the core parses it) or reads exactly the fields the core does; and a lean client handles
 * whole records, escapes and errors included, as the core client does.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeanV2ClientConnection, leanPacket } from '../../bench/lean-v2-client.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet, parseServerPacket } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('"', '\\', '","ts":', 'b:1:2:3'),
);
const noEscape = (s: string) => !s.includes('\\');

describe('leanPacket', () => {
  it('reads a message packet as the core does, or declines', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), text, text, fc.nat(), (id, from, body, ts) => {
        const json = encodeV2Packet({ type: 'message', id, from, text: body, ts }).toString();
        fc.pre(noEscape(json));
        const full = parseServerPacket(Buffer.from(json)) as { from: string; text: string };
        const lean = leanPacket(json);
        if (lean !== null) expect(lean).toMatchObject({ type: 'message', from: full.from, text: full.text });
      }),
    );
  });

  it('reads a user_joined packet as the core does, or declines', () => {
    fc.assert(
      fc.property(text, fc.nat(), (name, ts) => {
        const json = encodeV2Packet({ type: 'user_joined', name, ts }).toString();
        fc.pre(noEscape(json));
        const lean = leanPacket(json);
        if (lean !== null) expect(lean).toEqual({ type: 'user_joined', name, ts: 0 });
      }),
    );
  });

  it('reads a user_left packet as the core does, or declines', () => {
    const reason = fc.constantFrom('quit', 'lost', 'timeout', 'error', 'shutdown');
    fc.assert(
      fc.property(text, reason, fc.nat(), (name, why, ts) => {
        const json = encodeV2Packet({ type: 'user_left', name, reason: why, ts }).toString();
        fc.pre(noEscape(json));
        const lean = leanPacket(json);
        if (lean !== null) expect(lean).toEqual({ type: 'user_left', name, reason: why, ts: 0 });
      }),
    );
    expect(leanPacket('{"type":"user_left","name":"a","reason":"vanished","ts":1}')).toBeNull();
  });

  it('reads a users_joined or users_left batch as the core does, or declines', () => {
    const names = fc.array(text, { minLength: 2, maxLength: 6 });
    const reason = fc.constantFrom('quit', 'lost', 'timeout', 'error', 'shutdown');
    fc.assert(
      fc.property(names, reason, fc.nat(), fc.boolean(), (list, why, ts, left) => {
        const packet = left
          ? ({ type: 'users_left', names: list, reason: why, ts } as const)
          : ({ type: 'users_joined', names: list, ts } as const);
        const json = encodeV2Packet(packet).toString();
        fc.pre(noEscape(json));
        const lean = leanPacket(json);
        if (lean !== null) expect(lean).toEqual({ ...packet, ts: 0 });
      }),
    );
    // Names that look like the array's own punctuation are read as the core reads them.
    const tricky = encodeV2Packet({ type: 'users_joined', names: [']', ',', '],ts:1', ''], ts: 3 });
    expect(leanPacket(tricky.toString())).toEqual({
      type: 'users_joined',
      names: [']', ',', '],ts:1', ''],
      ts: 0,
    });
    expect(leanPacket('{"type":"users_left","names":["a","b"],"reason":"quit","ts":9}')).toEqual({
      type: 'users_left',
      names: ['a', 'b'],
      reason: 'quit',
      ts: 0,
    });
    // One name, no names, an unknown reason or a cut array: the core decides (and refuses).
    for (const bad of [
      '{"type":"users_joined","names":["a"],"ts":1}',
      '{"type":"users_joined","names":[],"ts":1}',
      '{"type":"users_left","names":["a","b"],"reason":"vanished","ts":1}',
      '{"type":"users_joined","names":["a","b"',
    ]) {
      expect(leanPacket(bad)).toBeNull();
    }
  });

  it('reads plain bench lines, and only within the given range', () => {
    const line = encodeV2Packet({ type: 'message', id: 7, from: 'c1', text: 'b:1:2:3', ts: 9 }).toString();
    expect(leanPacket(line)).toMatchObject({ from: 'c1', text: 'b:1:2:3' });
    expect(leanPacket(`x\n${line}`, 2)).toMatchObject({ from: 'c1', text: 'b:1:2:3' });
    expect(leanPacket(line, 0, line.indexOf('"text"'))).toBeNull(); // cut before the text: declined
    expect(leanPacket('{"type":"user_joined","name":"c42","ts":1}')).toEqual({
      type: 'user_joined',
      name: 'c42',
      ts: 0,
    });
  });

  it('declines anything else', () => {
    for (const packet of [
      { type: 'private', id: 1, from: 'a', to: 'b', text: 'x', ts: 1 },
      { type: 'ping', n: 1 },
    ] as const) {
      expect(leanPacket(encodeV2Packet(packet as never).toString())).toBeNull();
    }
    expect(leanPacket('{"type":"message","id":1,"from":"a"')).toBeNull();
  });
});

describe('LeanV2ClientConnection', () => {
  const identity = identityFromSeed(Buffer.alloc(32, 9));

  /** A server connection and a client of the given kind, joined, with the client's events. */
  function joined(Client: typeof V2ClientConnection) {
    const server = new V2ServerConnection({ keyAgreement: testKeyAgreement, identity, random: randomBytes });
    const client = new Client({ random: randomBytes });
    server.start();
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    client.receive(server.takeOutput());
    client.join('alice');
    server.receive(client.takeOutput());
    server.acceptJoin('alice', ['alice']);
    client.receive(server.takeOutput());
    return { server, client };
  }

  it('hands on the same packets as the core client for one record of mixed packets', () => {
    const packets = [
      { type: 'message', id: 1, from: 'bob', text: 'b:0:1:5', ts: 2 },
      { type: 'user_joined', name: 'carol', ts: 3 },
      { type: 'message', id: 2, from: 'bob', text: 'say "hi" \\o/', ts: 4 },
      { type: 'user_left', name: 'carol', reason: 'quit', ts: 5 },
      { type: 'users_joined', names: ['dave', 'erin', 'fay'], ts: 6 },
      { type: 'users_left', names: ['dave', 'erin'], reason: 'lost', ts: 7 },
    ] as const;
    const kinds = (events: { kind: string; packet?: { type: string } }[]) =>
      events.map((e) => (e.kind === 'packet' ? e.packet!.type : e.kind));
    for (const withEscape of [false, true]) {
      const chosen = withEscape ? packets : packets.filter((p) => !('text' in p && p.text.includes('\\')));
      const results = [V2ClientConnection, LeanV2ClientConnection].map((Client) => {
        const { server, client } = joined(Client);
        for (const p of chosen) server.send(p as never);
        return client.receive(server.takeOutput());
      });
      expect(kinds(results[1])).toEqual(kinds(results[0]));
      expect(kinds(results[1])).toEqual(chosen.map((p) => p.type));
      const texts = (events: (typeof results)[0]) =>
        events.flatMap((e) => (e.kind === 'packet' && e.packet.type === 'message' ? [e.packet.text] : []));
      expect(texts(results[1])).toEqual(texts(results[0]));
      const names = (events: (typeof results)[0]) =>
        events.flatMap((e) => (e.kind === 'packet' && 'names' in e.packet ? e.packet.names : []));
      expect(names(results[1])).toEqual(names(results[0]));
      expect(names(results[1])).toEqual(['dave', 'erin', 'fay', 'dave', 'erin']);
    }
  });

  it('fails on a malformed packet inside a record as the core client does', () => {
    const results = [V2ClientConnection, LeanV2ClientConnection].map((Client) => {
      const { server, client } = joined(Client);
      server.sendEncoded(Buffer.from('{"type":"message","id":1'));
      return client.receive(server.takeOutput());
    });
    const codes = results.map((events) => events.map((e) => (e.kind === 'error' ? e.error.code : e.kind)));
    expect(codes[1]).toEqual(codes[0]);
    expect(codes[0]).toEqual(['PACKET_MALFORMED']);
  });

  it('hands messages to onMessage in place while joined, and keeps them in order with events', () => {
    const { server, client } = joined(LeanV2ClientConnection);
    const lines: string[] = [];
    (client as LeanV2ClientConnection).onMessage = (s, start, end) => lines.push(s.slice(start, end));
    const message = (text: string) => ({ type: 'message', id: 1, from: 'bob', text, ts: 2 }) as never;
    const types = (events: ReturnType<typeof client.receive>) =>
      events.map((e) =>
        e.kind === 'packet' ? `${e.packet.type}${'text' in e.packet ? ` ${e.packet.text}` : ''}` : e.kind,
      );

    server.send(message('b:0:1:5'));
    server.send(message('b:0:2:6'));
    expect(types(client.receive(server.takeOutput()))).toEqual([]);
    expect(lines).toEqual(['b:0:1:5', 'b:0:2:6']);

    // A message behind an event of the same read comes as an event too: the order holds.
    server.send(message('b:0:3:7'));
    server.send({ type: 'user_joined', name: 'carol', ts: 3 });
    server.send(message('b:0:4:8'));
    expect(types(client.receive(server.takeOutput()))).toEqual(['user_joined', 'message b:0:4:8']);
    expect(lines).toEqual(['b:0:1:5', 'b:0:2:6', 'b:0:3:7']);

    // One with an escape goes through the core parser, as an event.
    server.send(message('say "hi"'));
    expect(types(client.receive(server.takeOutput()))).toEqual(['message say "hi"']);
  });
});
