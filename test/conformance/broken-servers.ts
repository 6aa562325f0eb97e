/**
 * Deliberately broken servers: the reference server with one planted fault each, for the
 * conformance suite to catch. Each fault names the case meant to catch it.
 *
 * How this works: startServer() exposes its sans-IO chat server, so a fault patches that one
 * server's objects in place (planting.ts): the chat server's packet handling, the wire dialect (how
 * decisions become packets), the room (rate limit, length check, names), or each new connection's
 * endpoint (frame decoder, record layer, handshake). Only the server built for the test is touched; every other server stays intact.
 */
import { randomBytes } from 'node:crypto';
import { servesRooms } from '../../fuzz/chat/rooms.js';
import { plantNoPartNotice, plantRoomLeak, plantRoomOutlives } from '../../fuzz/plants.js';
import type { RunningServer } from '../../reference-server/server.js';
import type { ChatServer, Delivery } from '../../src/chat/chat-server.js';
import { legacyExportText } from '../../src/chat/legacy-dialect.js';
import { foldCase, skeleton } from '../../src/chat/name-rules.js';
import type { RoomDecision } from '../../src/chat/room.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { parleyError } from '../../src/errors.js';
import type { Frame } from '../../src/framing/frame-codec.js';
import type { V2Group } from '../../src/generated/constants.js';
import { legacyPacket, serializeLegacyPacket } from '../../src/legacy/legacy-packet.js';
import { pythonDateString } from '../../src/legacy/python-json.js';
import { encodeV2Packet, parseClientPacket } from '../../src/session/v2-codec.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { ADMISSION_FAULTS } from './admission-faults.js';
import { BOUND_FAULTS } from './bound-faults.js';
import { FAIR_FAULTS } from './fair-faults.js';
import type { Fault, Planted } from './fault.js';
import { startReference, TIMERS } from './helpers.js';
import { KEY_ENCODING_FAULTS } from './key-encoding-faults.js';
import { KEY_FAULTS } from './key-faults.js';

export type { Fault } from './fault.js';

import {
  type Any,
  brokenHandshake,
  LenientDecoder,
  onClientHello,
  onEachEndpoint,
  onEachOpener,
  onNameCheck,
  onPacket,
  onRender,
} from './planting.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

/** The features (of those the faults here need) that the reference server's core offers (5.8). */
export function servedFeatures(): string[] {
  const identity = identityFromSeed(randomBytes(32));
  const chat = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: randomBytes,
  }) as ChatServer<unknown>;
  return servesRooms(chat, identity) ? ['rooms'] : [];
}

/** Plants a fault of the sans-IO chat server shared with the fuzzer's plants (fuzz/plants.ts). */
function inChat(server: RunningServer, plant: (chat: never) => void): RunningServer {
  plant(server.chat as never);
  return server;
}

/** A fault of the feature rooms (7.15), planted as the fuzzer plants it (fuzz/plants.ts). */
function roomsFault(
  name: string,
  fault: string,
  caughtBy: string,
  chatPlant: (chat: never) => void,
): Planted {
  return {
    name,
    profile: 'v2',
    fault,
    caughtBy,
    feature: 'rooms',
    plant: (server) => inChat(server, chatPlant),
  };
}

type Decide = (by: number, request: Any, now: number) => Any;

/** Wraps the chat model's decisions: `wrap(decide, by, request, now, room)` returns the decision. */
function onDecide(
  server: RunningServer,
  wrap: (decide: Decide, by: number, request: Any, now: number, room: Any) => Any,
): RunningServer {
  const room = server.chat.room as Any;
  const decide: Decide = room.decide.bind(room);
  room.decide = (by: number, request: Any, now: number) => wrap(decide, by, request, now, room);
  return server;
}

/** Sets `key` of a part of the server (`part` picks it: the dialect, the room...) to `value`. */
function replaced(part: (server: RunningServer) => Any, key: string, value: unknown) {
  return (server: RunningServer): RunningServer => {
    part(server)[key] = value;
    return server;
  };
}

/**
 * Runs `handle` (one packet's handling) with the dialect's render replaced by `render`, which is
 * handed the dialect's own (for this decision's room and time); the dialect is restored after.
 */
function rendering(
  chat: Any,
  handle: () => void,
  render: (decision: Any, own: (decision: Any) => readonly Delivery[]) => readonly Delivery[],
): void {
  const dialect = chat.dialect;
  const own = dialect.render;
  dialect.render = (decision: Any, ...rest: Any[]) =>
    render(decision, (d: Any) => own.call(dialect, d, ...rest));
  try {
    handle();
  } finally {
    dialect.render = own;
  }
}

/**
 * Timers for faults caught by a case that holds joined connections while it fills the server
 * (robustness/11/4): long enough that a loaded machine's late pong does not free a slot meanwhile.
 */
const HELD = { handshakeTimeoutMs: 600_000, idlePingMs: 600_000, idleTimeoutMs: 1_200_000 } as const;

/** The one way a fault is set up: start a reference server of the fault's profile, then plant. */
function plant({ server: settings, plant: patch, ...fault }: Planted): Fault {
  return {
    ...fault,
    async start() {
      const server = await startReference(fault.profile, settings);
      return patch ? patch(server) : server;
    },
  };
}

/**
 * Makes every large reply (an export's, 7.7; with `only`, just the replies to that decision, such
 * as a room list, 7.15) whole when it is asked for, as servers before 2.1 did: all its packets
 * queued at once, however many are asked (no reply produced as the socket drains, none refused
 * while one is in flight).
 */
function wholeReplies(server: RunningServer, only?: RoomDecision<number>['kind']): RunningServer {
  return onRender(server, (original, decision) =>
    original().flatMap((d): Delivery[] => {
      if (d.kind !== 'stream' || (only !== undefined && decision.kind !== only)) return [d];
      const out: Delivery[] = [];
      const source = d.source(new Set());
      for (let next = source.next(); next !== null; next = source.next())
        out.push({ kind: 'send', to: d.to, packet: next.packet, type: next.type });
      return out;
    }),
  );
}

const PLANTED: readonly Planted[] = [
  {
    name: 'closes every connection without goodbye when it stops',
    profile: 'v2',
    fault: 'on SIGTERM the server closes every connection without sending goodbye (7.9)',
    caughtBy: 'v2-chat/7.9/2',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        endpoint.goodbye = () => {};
      }),
  },
  {
    name: 'drops leave notices',
    profile: 'v2',
    fault: 'a leave renders as nothing: nobody hears that a user left',
    caughtBy: 'v2-chat/7.6/3',
    plant: (server) => onRender(server, (original, decision) => (decision.kind === 'left' ? [] : original())),
  },
  {
    name: 'sends the backlog newest first',
    profile: 'v2',
    fault: "a newcomer's backlog comes in reverse order: the newest line first (7.10)",
    caughtBy: 'v2-chat/7.10/1',
    plant(server) {
      const room = server.chat.room as Any;
      const recent = room.recentChat.bind(room);
      room.recentChat = (count: number) => recent(count).reverse();
      return server;
    },
  },
  {
    name: 'keeps private messages in the backlog',
    profile: 'v2',
    fault: 'a private message is rendered into the backlog of the next newcomer (7.10)',
    caughtBy: 'v2-chat/7.10/2',
    plant: (server) =>
      onDecide(server, (decide, by, request, now, room) => {
        const decision = decide(by, request, now);
        if (decision.kind === 'private')
          room.rooms.record(room.rooms.lobby, {
            kind: 'message',
            from: decision.from,
            text: decision.text,
            ts: now,
          });
        return decision;
      }),
  },
  {
    name: 'lets a rename take a taken name',
    profile: 'v2',
    fault: 'a rename skips the NAME_TAKEN check: two members end up with the same name (7.11)',
    caughtBy: 'v2-chat/7.11/2',
    plant(server) {
      const room = server.chat.room as Any;
      const check = room.checkName.bind(room);
      room.checkName = (wanted: string, self?: number) => {
        const verdict = check(wanted, self);
        return self !== undefined && !verdict.ok && verdict.code === 'NAME_TAKEN'
          ? { ok: true, name: wanted }
          : verdict;
      };
      return server;
    },
  },
  {
    name: 'forgets the away notice',
    profile: 'v2',
    fault: 'the sender of a private message to an away member is not told that the member is away (7.12)',
    caughtBy: 'v2-chat/7.12/1',
    plant: (server) =>
      onDecide(server, (decide, by, request, now) => {
        const { targetAway: _dropped, ...decision } = decide(by, request, now);
        return decision;
      }),
  },
  {
    name: 'answers whois about the asker',
    profile: 'v2',
    fault: 'whois_reply describes the member who asked, not the one asked about (7.13)',
    caughtBy: 'v2-chat/7.13/1',
    plant: (server) =>
      onDecide(server, (decide, by, request, now, room) =>
        request.kind === 'whois'
          ? decide(by, { kind: 'whois', name: room.nameOf(by) }, now)
          : decide(by, request, now),
      ),
  },
  {
    name: 'reuses a nonce',
    profile: 'v2',
    fault: 'every server record is sealed with sequence number 0',
    caughtBy: 'v2-records/6.1/1',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const receive = endpoint.receive.bind(endpoint);
        endpoint.receive = (chunk: Uint8Array) => {
          const events = receive(chunk);
          const sealer = endpoint.sealer;
          if (sealer && !sealer.stuck) {
            const seal = sealer.seal.bind(sealer);
            sealer.seal = (plain: Buffer) => {
              const record = seal(plain);
              sealer.seq = 0;
              return record;
            };
            sealer.stuck = true;
          }
          return events;
        };
      }),
  },
  {
    name: 'accepts an invalid public value',
    profile: 'v2',
    fault: 'modp14 shares are not checked against 2 <= y <= p-2',
    caughtBy: 'v2-handshake/5.3/5',
    plant: (server) => onEachEndpoint(server, (e) => brokenHandshake(e, 'no-validation')),
  },
  {
    name: 'signs the wrong transcript',
    profile: 'v2',
    fault: 'server_auth signs SHA-256(server_hello) instead of the transcript hash',
    caughtBy: 'v2-handshake/5.2/1',
    plant: (server) => onEachEndpoint(server, (e) => brokenHandshake(e, 'wrong-signature')),
  },
  {
    name: 'reuses its ephemeral keys',
    profile: 'v2',
    fault: 'the same nonce and key shares on every connection',
    caughtBy: 'v2-handshake/5.1/3',
    plant(s) {
      const fixed = randomBytes(64);
      const dialect = s.chat.dialect as Any;
      dialect.options = { ...dialect.options, random: (n: number) => Buffer.from(fixed.subarray(0, n)) };
      return s;
    },
  },
  {
    name: 'offers a used x25519 share again',
    profile: 'v2',
    fault: 'one x25519 key pair for every connection (fresh nonces, fresh modp14 shares)',
    caughtBy: 'v2-handshake/5.1/3',
    plant(s) {
      const fixed = keyAgreement.generateKeyPair('x25519', randomBytes);
      const dialect = s.chat.dialect as Any;
      const make = (group: V2Group) =>
        group === 'x25519' ? fixed : keyAgreement.generateKeyPair(group, randomBytes);
      dialect.options = { ...dialect.options, keyPairs: make, unusedKeyPair: undefined };
      return s;
    },
  },
  {
    name: 'delivers a message twice',
    profile: 'v2',
    fault: 'every say is broadcast twice',
    caughtBy: 'v2-chat/7.3/1',
    plant: (server) =>
      onPacket(server, (original, _chat, _conn, packet) => {
        original();
        if (packet.type === 'say') original();
      }),
  },
  {
    name: 'sends private messages to everyone',
    profile: 'v2',
    fault: 'a msg goes out as a private packet to every member',
    caughtBy: 'v2-chat/7.4/1',
    plant: (server) =>
      onRender(server, (original, decision) => {
        if (decision.kind !== 'private') return original();
        const { id, from, to, text, ts } = decision;
        return [{ kind: 'broadcast', packet: encodeV2Packet({ type: 'private', id, from, to, text, ts }) }];
      }),
  },
  {
    name: 'announces a join to the joiner',
    profile: 'v2',
    fault: 'user_joined also goes to the user who joined',
    caughtBy: 'v2-chat/7.6/2',
    plant: (server) =>
      onPacket(server, (original, chat, conn, packet, now) => {
        original();
        if (packet.type === 'join' && chat.room.nameOf(conn.id) === packet.name) {
          (conn.endpoint as Any).send({ type: 'user_joined', name: packet.name, ts: now });
        }
      }),
  },
  {
    name: 'drops a name from a compact join batch',
    profile: 'v2',
    fault: 'every users_joined packet loses its last name',
    caughtBy: 'v2-chat/11/4',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const send = endpoint.sendEncoded.bind(endpoint);
        endpoint.sendEncoded = (json: Buffer) => {
          const parts = json.toString('utf8').split('\n');
          const cut = parts.map((part) => {
            if (!part.startsWith('{"type":"users_joined"')) return part;
            const packet = JSON.parse(part);
            if (packet.names.length > 2) packet.names.pop();
            return JSON.stringify(packet);
          });
          send(Buffer.from(cut.join('\n'), 'utf8'));
        };
      }),
  },
  {
    name: 'compares names case-insensitively only',
    profile: 'v2',
    fault: 'look-alike names (1 as l, as capital I) are not the same name',
    caughtBy: 'v2-chat/7.2/9',
    plant: (server) =>
      onNameCheck(server, (verdict, name, room) => {
        if (verdict.ok || verdict.code !== 'NAME_TAKEN') return verdict;
        const lower = (n: string) => n.normalize('NFC').toLowerCase();
        return room.names().some((n) => lower(n) === lower(name)) ? verdict : { ok: true, name };
      }),
  },
  {
    name: 'compares names by two keys without key classes',
    profile: 'v2',
    fault: 'a look-alike of a case variant (LOOK3l for look3i) is not the same name',
    caughtBy: 'v2-chat/7.2/12',
    plant: (server) =>
      onNameCheck(server, (verdict, name, room) => {
        if (verdict.ok || verdict.code !== 'NAME_TAKEN') return verdict;
        const keys = (n: string) => {
          const nfc = n.normalize('NFC');
          return [skeleton(foldCase(nfc)), foldCase(skeleton(nfc))];
        };
        const mine = keys(name);
        return room.names().some((n) => keys(n).some((k) => mine.includes(k))) ? verdict : { ok: true, name };
      }),
  },
  {
    name: 'lets any letters into names',
    profile: 'v2',
    fault: 'names mixing scripts or holding code points UTS #39 does not allow are accepted',
    caughtBy: 'v2-chat/7.2/10',
    plant: (server) =>
      onNameCheck(server, (verdict, name) =>
        !verdict.ok && verdict.message.includes('UTS #39') ? { ok: true, name } : verdict,
      ),
  },
  {
    name: 'records names as sent',
    profile: 'v2',
    fault: 'a decomposed name is recorded and sent back decomposed, not in NFC',
    caughtBy: 'v2-chat/7.2/11',
    plant: (server) => onNameCheck(server, (verdict, name) => (verdict.ok ? { ok: true, name } : verdict)),
  },
  {
    name: 'accepts reserved names',
    profile: 'v2',
    fault: 'NAME_RESERVED is never given',
    caughtBy: 'v2-chat/7.2/4',
    plant: (server) =>
      onNameCheck(server, (verdict, name) =>
        !verdict.ok && verdict.code === 'NAME_RESERVED' ? { ok: true, name } : verdict,
      ),
  },
  {
    name: 'has no rate limit',
    profile: 'v2',
    fault: 'every packet passes the bucket',
    caughtBy: 'v2-chat/7.8/2',
    // No packet has a cost: none is charged to its bucket (packet-charge.ts).
    plant: replaced(
      (s) => s.chat.dialect,
      'rateCost',
      () => null,
    ),
  },
  {
    name: 'limits chat lines only',
    profile: 'v2',
    fault: 'ping, who and join cost nothing: a flood of them is answered in full',
    caughtBy: 'v2-chat/7.8/3',
    plant(s) {
      const dialect = s.chat.dialect as Any;
      const cost = dialect.rateCost.bind(dialect);
      dialect.rateCost = (event: Any) =>
        event.kind === 'packet' && ['ping', 'who', 'join'].includes(event.packet.type) ? null : cost(event);
      return s;
    },
  },
  {
    name: 'answers every refusal',
    profile: 'v2',
    fault: 'each refused packet gets its own RATE_LIMITED and a flood is never closed',
    caughtBy: 'v2-chat/7.8/4',
    server: { limits: { rateRefusalReplies: 100_000, rateRefusalBudget: 1_000_000 } },
  },
  {
    name: 'has no per-address limit',
    profile: 'v2',
    fault: 'one address may hold every slot',
    caughtBy: 'robustness/11/6',
    options: { maxPerAddress: 3 },
  },
  {
    name: 'has no handshake rate per address',
    profile: 'v2',
    fault: 'one address may open connections as fast as it likes',
    caughtBy: 'robustness/11/7',
    options: { addressBurst: 3 },
  },
  {
    name: 'closes a full server without a word',
    profile: 'v2',
    fault: 'SERVER_FULL is a bare close, not a refused packet',
    caughtBy: 'robustness/11/4',
    options: { maxClients: 3 },
    server: { limits: { maxClients: 3, ...HELD } },
    plant: replaced(
      (s) => s.chat.dialect,
      'refusal',
      () => null,
    ),
  },
  {
    name: 'refuses when full though a connection has not joined',
    profile: 'v2',
    fault: 'silent connections hold every slot: newcomers get SERVER_FULL (11.2)',
    caughtBy: 'robustness/11/9',
    options: { maxClients: 3, handshakeTimeoutMs: 30_000 },
    server: { limits: { maxClients: 3, handshakeTimeoutMs: 30_000 } },
    plant(s) {
      (s.chat as Any).table.oldestUnjoined = () => undefined;
      return s;
    },
  },
  {
    name: 'makes room by closing its newest connection',
    profile: 'legacy',
    fault: 'a full server closes the newest connection, not the oldest that has not joined (11.2)',
    caughtBy: 'robustness/11/9',
    options: { maxClients: 3, handshakeTimeoutMs: 30_000 },
    server: { limits: { maxClients: 3, handshakeTimeoutMs: 30_000 } },
    plant(s) {
      const table = (s.chat as Any).table;
      table.oldestUnjoined = () => [...table.conns.values()].filter((c: Any) => !c.finished).at(-1);
      return s;
    },
  },
  {
    name: 'accepts oversized messages',
    profile: 'v2',
    fault: 'texts longer than maxMessage are delivered',
    caughtBy: 'v2-chat/7.3/4',
    plant: replaced(
      (s) => s.chat.room,
      'checkLength',
      () => null,
    ),
  },
  {
    name: 'ignores the frame limit',
    profile: 'v2',
    fault: 'the decoder accepts any length and waits for the body',
    caughtBy: 'framing/3.2/7',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        endpoint.decoder.maxFrame = Number.MAX_SAFE_INTEGER;
      }),
  },
  {
    name: 'parses headers leniently',
    profile: 'v2',
    fault: 'headers are parsed as int(header.strip()): leading spaces and signs pass',
    caughtBy: 'framing/3.2/2',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        endpoint.decoder = new LenientDecoder();
      }),
  },
  {
    name: 'stalls on pipelined frames',
    profile: 'v2',
    fault: 'one frame is handled per read; the rest wait for more bytes',
    caughtBy: 'framing/3.2/12',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const decoder = endpoint.decoder;
        const next = decoder.next.bind(decoder);
        let budget = 0;
        decoder.next = () => (budget-- > 0 ? next() : null);
        const receive = endpoint.receive.bind(endpoint);
        endpoint.receive = (chunk: Uint8Array) => {
          budget = 1;
          return receive(chunk);
        };
      }),
  },
  {
    name: 'accepts a replayed record',
    profile: 'v2',
    fault: 'a record that fails is retried with the previous sequence number',
    caughtBy: 'v2-records/6.2/3',
    plant: (server) =>
      onEachOpener(server, (open, opener) => (frame) => {
        try {
          return open(frame);
        } catch (err) {
          opener.failed = null;
          if (opener.seq === 0) throw err;
          opener.seq -= 1;
          return open(frame);
        }
      }),
  },
  {
    name: 'counts the bytes of an unfinished frame as hearing from the client',
    profile: 'v2',
    fault:
      'a record trickled a byte at a time keeps a connection open forever (the idle clock restarts on any byte)',
    caughtBy: 'v2-chat/11/5',
    plant(s) {
      const chat = s.chat as Any;
      const data = chat.data.bind(chat);
      chat.data = (id: number, chunk: Uint8Array, now: number) => {
        const conn = chat.conns.get(id);
        if (conn) {
          conn.lastHeard = now;
          conn.pingedAt = null;
        }
        return data(id, chunk, now);
      };
      return s;
    },
  },
  {
    name: 'never times out a handshake',
    profile: 'v2',
    fault: 'its handshake timeout is ten minutes while it claims one second',
    caughtBy: 'v2-handshake/11/1',
    server: { limits: { ...TIMERS, handshakeTimeoutMs: 600_000 } },
  },
  {
    name: 'trusts the claimed username',
    profile: 'legacy',
    fault: "chat lines go out under the packet's username, as the original does",
    caughtBy: 'legacy-chat/10.3/2',
    plant: (server) =>
      onPacket(server, (original, chat, _conn, packet) => {
        if (packet.typ !== 'default') return original();
        rendering(chat, original, (decision, render) =>
          render(decision.kind === 'message' ? { ...decision, from: packet.username } : decision),
        );
      }),
  },
  {
    name: 'forwards the sender address',
    profile: 'legacy',
    fault: 'chat lines go out with the shost and dhost the client sent',
    caughtBy: 'legacy-chat/10.3/3',
    plant: (server) =>
      onPacket(server, (original, chat, conn, packet, now) => {
        if (packet.typ !== 'default' || packet.cont === '') return original();
        const forwarded = {
          ...legacyPacket('default', chat.room.nameOf(conn.id), packet.cont, pythonDateString(now)),
          shost: packet.shost,
          dhost: packet.dhost,
        };
        rendering(chat, original, (decision, render) =>
          decision.kind === 'message'
            ? [{ kind: 'broadcast', packet: serializeLegacyPacket(forwarded, true), except: conn.id }]
            : render(decision),
        );
      }),
  },
  {
    name: 'writes legacy export lines raw',
    profile: 'legacy',
    fault: 'like the original: a line break in a chat line starts a forged line in the export',
    caughtBy: 'legacy-chat/10.5/2',
    plant(s) {
      const dialect = s.chat.dialect as Any;
      dialect.exportText = (room: Any) =>
        legacyExportText(
          (room.entries() as { kind: string; from: string; text: string }[])
            .filter((e) => e.kind === 'message')
            .map((e) => `${e.from}> ${e.text}`),
        );
      return s;
    },
  },
  {
    name: 'drops the legacy leave notice',
    profile: 'legacy',
    fault: 'nobody is told that a user left',
    caughtBy: 'legacy-chat/10.4/1',
    plant: (server) => onRender(server, (original, decision) => (decision.kind === 'left' ? [] : original())),
  },
  {
    name: 'stops listening when a client leaves before its first frame',
    profile: 'legacy',
    fault: "like the original's accept loop: a connection closed before it sent anything stops the server",
    caughtBy: 'robustness/4/3',
    plant(s) {
      const chat = s.chat as Any;
      const spoke = new Set<unknown>();
      const data = chat.data.bind(chat);
      const end = chat.end.bind(chat);
      chat.data = (id: unknown, chunk: Uint8Array, now: number) => {
        spoke.add(id);
        return data(id, chunk, now);
      };
      chat.end = (id: unknown, now: number) => {
        if (!spoke.has(id)) void s.close();
        return end(id, now);
      };
      return s;
    },
  },
  {
    name: 'admits more clients than maxClients',
    profile: 'v2',
    fault: 'the server was configured for 3 connections and never refuses one',
    caughtBy: 'robustness/11/4',
    options: { maxClients: 3, timeoutMs: 3000 },
    server: { limits: { maxClients: 1000, ...HELD } },
  },
  {
    name: 'queues without limit for a client that does not read',
    profile: 'v2',
    fault:
      'the server was told to hold 4096 bytes for a slow reader, writes everything at once whether the socket takes it or not, and makes every export whole at once',
    caughtBy: 'robustness/11/5',
    alone: true,
    options: { maxQueuedBytes: 4096, burst: 200, timeoutMs: 3000 },
    // Long idle timers: the slow client must not be closed as idle before its exports arrive.
    server: {
      limits: {
        maxQueuedBytes: 1_000_000_000,
        idlePingMs: 60_000,
        idleTimeoutMs: 90_000,
        rateBurst: 200,
        ratePerSecond: 200,
      },
    },
    plant(server) {
      (server.chat as Any).out.flowControl = false;
      return wholeReplies(server);
    },
  },
  {
    name: 'requires a features list',
    profile: 'v2',
    fault: 'a client_hello without `features` (every 2.0 client) is refused as malformed',
    caughtBy: 'v2-handshake/5.8/1',
    server: { features: ['test-feature'] },
    plant: (server) =>
      onClientHello(server, (packet) => (packet.features ? null : 'client_hello has no features')),
  },
  {
    name: 'refuses feature names it does not know',
    profile: 'v2',
    fault: 'a client_hello listing a feature the server does not offer is refused as malformed',
    caughtBy: 'v2-handshake/5.8/2',
    server: { features: ['test-feature'] },
    plant: (server) =>
      onClientHello(server, (packet) => {
        const unknown = (packet.features ?? []).filter((f: string) => f !== 'test-feature');
        return unknown.length ? `unknown feature ${unknown[0]}` : null;
      }),
  },
  {
    name: 'takes a features list with a name twice',
    profile: 'v2',
    fault: 'the server drops the features list of client_hello unread, so a malformed one passes',
    caughtBy: 'v2-handshake/5.8/3',
    server: { features: ['test-feature'] },
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const handleFrame = endpoint.handleFrame.bind(endpoint);
        endpoint.handleFrame = (frame: Frame) => {
          if (endpoint.state !== 'AWAIT_CLIENT_HELLO') return handleFrame(frame);
          const { features: _ignored, ...rest } = JSON.parse(frame.body.toString('utf8'));
          endpoint.handleClientHello(
            parseClientPacket(Buffer.from(JSON.stringify(rest))),
            Buffer.concat([frame.header, frame.body]),
          );
        };
      }),
  },
  {
    name: 'shares one legacy cipher state between connections',
    profile: 'legacy',
    fault:
      "like the original's process-wide AES object: the key last used to open a client's frame seals what goes out next, so a forwarded line reaches others under the sender's key",
    caughtBy: 'legacy-chat/9.1/2',
    plant(server) {
      let last: unknown = null;
      return onEachEndpoint(server, (endpoint) => {
        const handleFrame = endpoint.handleFrame.bind(endpoint);
        const sendEncoded = endpoint.sendEncoded.bind(endpoint);
        endpoint.handleFrame = (frame: unknown) => {
          const packet = handleFrame(frame);
          last = endpoint.cipher;
          return packet;
        };
        endpoint.sendEncoded = (plain: Buffer) => {
          const own = endpoint.cipher;
          if (own && last) endpoint.cipher = last;
          try {
            sendEncoded(plain);
          } finally {
            endpoint.cipher = own;
          }
        };
      });
    },
  },
  {
    name: 'calls a server-only packet malformed',
    profile: 'v2',
    fault: 'a `message` from a client is answered with PACKET_MALFORMED instead of PACKET_UNEXPECTED (4.2)',
    caughtBy: 'v2-handshake/13.1/4',
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const notify = endpoint.notifyPeer.bind(endpoint);
        endpoint.notifyPeer = (error: Any) =>
          notify(/may not send/.test(error.message) ? parleyError('PACKET_MALFORMED', 'bad packet') : error);
      }),
  },
  ...(['v2-handshake/7.1/1', 'v2-handshake/7.1/2'] as const).map(
    (caughtBy, i): Planted => ({
      name: `reads JSON leniently (${i === 0 ? '1.0 as 1' : 'the last of two equal keys'})`,
      profile: 'v2',
      fault: 'each packet goes through plain JSON.parse, which takes 1.0 and keys given twice (7.1)',
      caughtBy,
      plant: (server) =>
        onEachOpener(server, (open) => (frame) => {
          const lines = open(frame).toString('utf8').split('\n');
          return Buffer.from(lines.map((l: string) => JSON.stringify(JSON.parse(l))).join('\n'));
        }),
    }),
  ),
  {
    name: 'delivers a private message to oneself twice',
    profile: 'v2',
    fault: 'a msg to the sender goes to it as target and again as the echo (7.4)',
    caughtBy: 'v2-chat/7.4/10',
    plant: (server) =>
      onRender(server, (original, decision) =>
        decision.kind === 'private' && decision.target === decision.by
          ? [...original(), ...original()]
          : original(),
      ),
  },
  {
    name: 'ends a connection on a client error that is not fatal',
    profile: 'v2',
    fault: 'every error packet from a client closes its connection, fatal or not (4.3)',
    caughtBy: 'v2-chat/4.3/1',
    plant: (server) =>
      onPacket(server, (original, chat, conn, packet, now) => {
        original();
        if (packet.type === 'error') chat.fail(conn.id, 'INTERNAL_ERROR', 'client said error', now);
      }),
  },
  {
    name: 'drops the asker of an export that outgrows its queue',
    profile: 'v2',
    fault:
      'an export is made whole when asked, so a full history outgrows the queue and the asker gets SLOW_READER',
    caughtBy: 'v2-chat/7.7/2',
    alone: true,
    options: { maxQueuedBytes: 65536, timeoutMs: 3000 },
    server: { limits: { maxQueuedBytes: 4096, sendWindowBytes: 4096 } },
    plant: (server) => wholeReplies(server),
  },
  {
    name: 'answers every export asked for at once',
    profile: 'v2',
    fault: 'a second export while one is in flight gets a whole second reply, not RATE_LIMITED',
    caughtBy: 'v2-chat/7.7/3',
    alone: true,
    options: { maxQueuedBytes: 65536, timeoutMs: 3000 },
    plant: (server) => wholeReplies(server),
  },
  {
    name: 'answers rooms while an export is in flight',
    profile: 'v2',
    fault:
      'a room list is queued whole when asked, not as a large reply: a rooms during an export gets its room_list (7.15)',
    caughtBy: 'v2-chat/7.15/19',
    feature: 'rooms',
    alone: true,
    options: { timeoutMs: 3000 },
    plant: (server) => wholeReplies(server, 'room-list'),
  },
  {
    name: 'drops a member whose queue the room outgrows',
    profile: 'v2',
    fault: 'no chat line is ever skipped: a member that reads slowly is closed with SLOW_READER in a burst',
    caughtBy: 'robustness/11/8',
    alone: true,
    options: { maxQueuedBytes: 65536, timeoutMs: 3000 },
    server: { limits: { maxQueuedBytes: 4096, sendWindowBytes: 4096 } },
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        endpoint.shed = () => 0;
      }),
  },
  {
    name: 'takes a full frame before the handshake',
    profile: 'v2',
    fault:
      'maxHandshakeFrame is not applied: a connection without keys may announce up to maxFrame (131072) bytes (3.2)',
    caughtBy: 'framing/3.2/14',
    server: { limits: { maxFrame: 131_072 } },
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        endpoint.decoder.maxFrame = 131_072;
      }),
  },
  {
    name: 'cleans controls out of a reason instead of refusing it',
    profile: 'v2',
    fault:
      'line breaks and C1 controls in a packet are turned into spaces, so a reason with them passes (7.1)',
    caughtBy: 'v2-chat/7.1/22',
    plant: (server) =>
      onEachOpener(
        server,
        (open) => (frame) =>
          Buffer.from(
            open(frame)
              .toString('utf8')
              .replace(/\\[nrt]|\\u00[0-9a-fA-F]{2}|[\u0080-\u009f\u2028\u2029]/g, ' '),
          ),
      ),
  },
  {
    name: 'counts a private message as activity',
    profile: 'v2',
    fault: "a msg restarts the sender's whois idle, so polling whois tells who sends private messages (7.13)",
    caughtBy: 'v2-chat/7.13/2',
    plant: (server) =>
      onDecide(server, (decide, by, request, now, room) => {
        const decision = decide(by, request, now);
        if (decision.kind === 'private') room.roster.active(by, now);
        return decision;
      }),
  },
  {
    name: 'encrypts every legacy frame from one key and IV',
    profile: 'legacy',
    fault: 'the legacy profile restarts AES-CFB8 at the one IV for every frame (9.1): the keystream repeats',
    caughtBy: 'legacy-handshake/9.1/3',
  },
  {
    name: 'forgets a member who leaves right after its approval',
    profile: 'legacy',
    fault:
      "like the original's broadcast after its one-second sleep: a member gone within a second of approved_conn is never announced",
    caughtBy: 'legacy-chat/10.4/2',
    plant(server) {
      const joinedAt = new Map<unknown, number>();
      return onRender(server, (original, decision) => {
        if (decision.kind === 'joined') joinedAt.set(decision.by, Date.now());
        if (decision.kind === 'left' && Date.now() - (joinedAt.get(decision.by) ?? 0) < 1000) return [];
        return original();
      });
    },
  },
  {
    name: 'cannot export once the room has emptied',
    profile: 'legacy',
    fault:
      'like the original, whose log file is gone once the last member left: an export then gets no answer',
    caughtBy: 'legacy-chat/10.5/3',
    plant(server) {
      const room = server.chat.room as Any;
      let gone = false;
      return onRender(server, (original, decision) => {
        if (decision.kind === 'left' && room.names().length === 0) gone = true;
        if (decision.kind === 'message') gone = false;
        return decision.kind === 'export' && gone ? [] : original();
      });
    },
  },
  {
    name: 'leaves a dropped setuser unanswered',
    profile: 'legacy',
    fault: 'a setuser the rate limit drops gets no reply and the connection stays open (10.2 says close it)',
    caughtBy: 'legacy-chat/10.2/22',
    plant: replaced((s) => s.chat.dialect, 'closesOnDroppedJoin', false),
  },
  {
    name: 'speaks the legacy profile at all',
    profile: 'legacy',
    fault: 'every legacy key exchange is unauthenticated: a man in the middle reads everything (8)',
    caughtBy: 'legacy-handshake/8/1',
  },
  roomsFault(
    'leaks a line across rooms',
    'a line said in a room reaches the members of every room (7.15)',
    'v2-chat/7.15/3',
    plantRoomLeak,
  ),
  roomsFault(
    'drops the part notice',
    "a part is told to the parter only: the room's other members never hear of it (7.15)",
    'v2-chat/7.15/5',
    plantNoPartNotice,
  ),
  roomsFault(
    'lets a room outlive its members',
    'a room that empties is kept, listed with its topic and history (7.15)',
    'v2-chat/7.15/15',
    plantRoomOutlives,
  ),
];

export const FAULTS: readonly Fault[] = [
  ...PLANTED,
  ...KEY_FAULTS,
  ...KEY_ENCODING_FAULTS,
  ...FAIR_FAULTS,
  ...ADMISSION_FAULTS,
  ...BOUND_FAULTS,
].map(plant);

/** A server that stops listening (as if it crashed) when it receives a 0xff byte first thing. */
export async function startFragile(): Promise<RunningServer> {
  const server = await startReference('v2');
  return onEachEndpoint(server, (endpoint) => {
    const receive = endpoint.receive.bind(endpoint);
    endpoint.receive = (chunk: Uint8Array) => {
      if (chunk[0] === 0xff && endpoint.state === 'AWAIT_CLIENT_HELLO') void server.close();
      return receive(chunk);
    };
  });
}
