/**
 * The transition tables (spec 13): StateMachine runs each generated table exactly (every entry
 * fires, every missing entry is PACKET_UNEXPECTED, ERROR sticks), and every transition of every
 * table is reached through the real connection classes, driven by peers that can send anything.
 * A transition added to the spec without a driver here fails the test.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed, signTranscript } from '../../src/crypto/identity.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import {
  LEGACY_CLIENT_MACHINE,
  LEGACY_SERVER_MACHINE,
  MACHINES,
  type MachineDef,
  V2_CLIENT_MACHINE,
  V2_SERVER_MACHINE,
} from '../../src/generated/machines.js';
import {
  V2_FEATURE_NAMES,
  V2_PACKET_FEATURE,
  type V2ClientPacket,
  type V2PacketType,
  type V2ServerPacket,
} from '../../src/generated/v2-packets.js';
import { legacyPacket } from '../../src/legacy/legacy-packet.js';
import { LegacyClientConnection } from '../../src/session/legacy-client-connection.js';
import { LegacyServerConnection } from '../../src/session/legacy-server-connection.js';
import { StateMachine } from '../../src/session/machine.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { V2ServerConnection } from '../../src/session/v2-server-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { codeOf, forgingServer, RawLegacyClient, RawV2Client, rawV2Session } from './helpers.js';

interface Transition {
  readonly from: string;
  readonly event: string;
  readonly when: string | null;
  readonly to: string;
}

function transitions(def: MachineDef): Transition[] {
  return Object.entries(def.table).flatMap(([from, events]) =>
    Object.entries(events as Record<string, readonly { when: string | null; to: string }[]>).flatMap(
      ([event, list]) => list.map((t) => ({ from, event, when: t.when, to: t.to })),
    ),
  );
}

const label = (t: Transition) => `${t.from} --${t.event}${t.when ? ` [${t.when}]` : ''}--> ${t.to}`;

/** A machine that starts in `state` (the table is data, so a copy with another initial will do). */
const machineIn = (def: MachineDef, state: string) => new StateMachine({ ...def, initial: state }, 'test');

describe('StateMachine on the generated tables', () => {
  const machines = Object.entries(MACHINES) as [string, MachineDef][];

  it.each(machines)('%s: every entry fires and lands where the table says', (_name, def) => {
    for (const t of transitions(def)) {
      const m = machineIn(def, t.from);
      expect(m.allows(t.event)).toBe(true);
      expect(m.guards(t.event)).toContain(t.when);
      expect(m.fire(t.event, t.when)).toBe(t.to);
      expect(m.state).toBe(t.to);
    }
  });

  it.each(machines)(
    '%s: every missing entry is PACKET_UNEXPECTED and leaves the state alone',
    (_name, def) => {
      const events = new Set(transitions(def).map((t) => t.event));
      events.add('no_such_packet');
      for (const state of def.states) {
        const table = def.table[state] as Record<string, readonly { when: string | null }[]>;
        for (const event of events) {
          const m = machineIn(def, state);
          const listed = table[event]?.map((t) => t.when) ?? [];
          for (const when of [null, 'accepted', 'refused', 'fatal', 'nonfatal', 'bogus']) {
            if (listed.includes(when)) continue;
            expect(
              codeOf(() => m.fire(event, when)),
              `${state} ${event} ${when}`,
            ).toBe('PACKET_UNEXPECTED');
            expect(m.state).toBe(state);
          }
          expect(m.allows(event)).toBe(listed.length > 0);
        }
      }
    },
  );

  it.each(machines)('%s: starts in its initial state; CLOSED and ERROR have no way out', (_name, def) => {
    expect(new StateMachine(def, 'x').state).toBe(def.initial);
    expect(Object.keys(def.table.CLOSED as object)).toEqual([]);
    expect(Object.keys(def.table.ERROR as object)).toEqual([]);
  });

  it('fail() moves to ERROR for good; close() does not leave ERROR', () => {
    const m = new StateMachine(V2_CLIENT_MACHINE, 'v2 client');
    expect(m.terminal).toBe(false);
    m.fail();
    expect(m.state).toBe('ERROR');
    expect(m.terminal).toBe(true);
    m.close();
    expect(m.state).toBe('ERROR');
    expect(codeOf(() => m.fire('server_hello'))).toBe('PACKET_UNEXPECTED');
    expect(m.guards('server_hello')).toEqual([]);
  });

  it('close() moves any other state to CLOSED, which is terminal', () => {
    const m = machineIn(V2_CLIENT_MACHINE, 'JOINED');
    m.close();
    expect(m.state).toBe('CLOSED');
    expect(m.terminal).toBe(true);
  });

  it('says which guards an event has', () => {
    expect(machineIn(V2_SERVER_MACHINE, 'AWAIT_JOIN').guards('join')).toEqual(['accepted', 'refused']);
    expect(machineIn(V2_SERVER_MACHINE, 'AWAIT_JOIN').guards('ping')).toEqual([null]);
    expect(machineIn(V2_CLIENT_MACHINE, 'JOINED').guards('error')).toEqual(['nonfatal', 'fatal']);
    // hasUnguarded answers the same question without building the list.
    expect(machineIn(V2_SERVER_MACHINE, 'AWAIT_JOIN').hasUnguarded('join')).toBe(false);
    expect(machineIn(V2_SERVER_MACHINE, 'AWAIT_JOIN').hasUnguarded('ping')).toBe(true);
    expect(machineIn(V2_SERVER_MACHINE, 'AWAIT_JOIN').hasUnguarded('server_hello')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Reaching every transition through the implementation.

const identity = identityFromSeed(Buffer.alloc(32, 3));
/** A client's own key (7.16). */
const clientKey = identityFromSeed(Buffer.alloc(32, 4));
const DATE = '2026-11-27 13:54:32.854813';

/** A valid client packet for each client packet type. */
const CLIENT_PACKETS: Record<string, V2ClientPacket> = {
  join: { type: 'join', name: 'alice' },
  say: { type: 'say', text: 'hi' },
  msg: { type: 'msg', to: 'bob', text: 'psst' },
  me: { type: 'me', text: 'waves' },
  who: { type: 'who' },
  export: { type: 'export' },
  nick: { type: 'nick', name: 'alicia' },
  away: { type: 'away', reason: 'lunch' },
  back: { type: 'back' },
  whois: { type: 'whois', name: 'alice' },
  room_join: { type: 'room_join', room: '#tea' },
  room_part: { type: 'room_part', room: '#tea' },
  rooms: { type: 'rooms' },
  topic: { type: 'topic', room: '#tea', topic: 'earl grey' },
  kick: { type: 'kick', name: 'bob' },
  ban: { type: 'ban', name: 'bob', duration: 60 },
  unban: { type: 'unban', ban: 1 },
  bans: { type: 'bans' },
  mute: { type: 'mute', name: 'bob', duration: 0 },
  unmute: { type: 'unmute', name: 'bob' },
  mutes: { type: 'mutes' },
  motd: { type: 'motd', text: 'be kind' },
  ping: { type: 'ping', n: 1 },
  pong: { type: 'pong', n: 1 },
  goodbye: { type: 'goodbye' },
  error: { type: 'error', code: 'INTERNAL_ERROR', message: 'x', fatal: true },
  'error/nonfatal': { type: 'error', code: 'INTERNAL_ERROR', message: 'x', fatal: false },
};

/** A valid server packet for each server packet type (and error by guard). */
const SERVER_PACKETS: Record<string, V2ServerPacket> = {
  join_ok: { type: 'join_ok', name: 'alice', users: ['alice'] },
  join_error: { type: 'join_error', code: 'NAME_TAKEN', message: 'taken' },
  message: { type: 'message', id: 1, from: 'bob', text: 'hi', ts: 1 },
  private: { type: 'private', id: 1, from: 'bob', to: 'alice', text: 'psst', ts: 1 },
  action: { type: 'action', id: 2, from: 'bob', text: 'waves', ts: 1 },
  user_list: { type: 'user_list', users: ['alice', 'bob'] },
  user_joined: { type: 'user_joined', name: 'bob', ts: 1 },
  user_left: { type: 'user_left', name: 'bob', reason: 'quit', ts: 1 },
  users_joined: { type: 'users_joined', names: ['bob', 'carol'], ts: 1 },
  users_left: { type: 'users_left', names: ['bob', 'carol'], reason: 'lost', ts: 1 },
  export_reply: { type: 'export_reply', entries: [], done: true },
  user_renamed: { type: 'user_renamed', from: 'bob', to: 'rob', ts: 1 },
  user_away: { type: 'user_away', name: 'bob', away: true, reason: 'lunch', ts: 1 },
  whois_reply: { type: 'whois_reply', name: 'bob', joined: 1, idle: 2, away: false },
  room_joined: { type: 'room_joined', room: '#tea', users: ['alice', 'bob'], topic: '', ts: 1 },
  room_parted: { type: 'room_parted', room: '#tea', ts: 1 },
  room_list: { type: 'room_list', rooms: [{ room: '#tea', members: 2, topic: 'earl grey' }] },
  topic_changed: { type: 'topic_changed', room: '#tea', topic: 'earl grey', by: 'bob', ts: 1 },
  backlog: { type: 'backlog', entries: [{ kind: 'message', from: 'bob', text: 'hi', ts: 1 }], done: true },
  moderated: { type: 'moderated', action: 'kick', target: 'bob', by: 'alice', ts: 1 },
  ban_list: {
    type: 'ban_list',
    bans: [{ id: 1, kind: 'addr', target: 'AAAAAAAAAAAA', by: 'SHA256:x', until: 0 }],
  },
  mute_list: {
    type: 'mute_list',
    mutes: [{ id: 1, kind: 'addr', target: 'AAAAAAAAAAAA', room: '#tea', by: 'SHA256:x', until: 0 }],
  },
  ping: { type: 'ping', n: 5 },
  pong: { type: 'pong', n: 5 },
  goodbye: { type: 'goodbye', reason: 'bye' },
  'error/nonfatal': { type: 'error', code: 'RATE_LIMITED', message: 'slow', fatal: false },
  'error/fatal': { type: 'error', code: 'SERVER_SHUTDOWN', message: 'bye', fatal: true },
};

interface Driven {
  readonly state: string;
  /** Errors the endpoint detected itself (a remote `error` packet is not one). */
  readonly localErrors: string[];
}

const localErrors = (events: readonly { kind: string }[]) =>
  events
    .filter((e) => e.kind === 'error')
    .map((e) => (e as unknown as { error: { code: string; origin: string } }).error)
    .filter((e) => e.origin === 'local')
    .map((e) => e.code);

/** A raw session whose hellos both list every feature of the spec (5.8). */
function featuredV2Session() {
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('s'),
    features: V2_FEATURE_NAMES,
  });
  server.start();
  const client = new RawV2Client();
  server.receive(client.hello(server.takeOutput(), { features: [...V2_FEATURE_NAMES] }));
  client.open(server.takeOutput());
  return { server, client };
}

/** v2 server (13.1): a RawV2Client sends whatever the transition needs; the server sends its own. */
function driveV2Server(t: Transition): Driven {
  if (t.event === 'send:server_hello') {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start(); // fires send:server_hello
    expect(server.takeOutput().length).toBeGreaterThan(0);
    return { state: server.state, localErrors: [] };
  }
  if (t.event === 'send:server_auth') {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    server.receive(new RawV2Client().hello(server.takeOutput())); // answers with server_auth
    expect(server.takeOutput().length).toBeGreaterThan(0);
    return { state: server.state, localErrors: [] };
  }
  if (t.from === 'AWAIT_CLIENT_HELLO') {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    server.start();
    const events = server.receive(new RawV2Client().hello(server.takeOutput()));
    return { state: server.state, localErrors: localErrors(events) };
  }
  // A feature's packet needs a session that agreed the feature (5.8).
  const featured = V2_PACKET_FEATURE[t.event.replace(/^send:/, '') as V2PacketType] !== undefined;
  const { server, client } = featured ? featuredV2Session() : rawV2Session(identity);
  if (t.from === 'JOINED') {
    server.receive(client.seal(CLIENT_PACKETS.join));
    server.acceptJoin('alice', ['alice']);
  }
  expect(server.state).toBe(t.from);
  if (t.event.startsWith('send:')) {
    const type = t.event.slice('send:'.length);
    const sent = type === 'error' ? SERVER_PACKETS['error/nonfatal'] : SERVER_PACKETS[type];
    if (!sent) throw new Error(`no driver for ${label(t)}`);
    server.send(sent);
    return { state: server.state, localErrors: [] };
  }
  const packet =
    t.event === 'client_auth'
      ? {
          type: 'client_auth' as const,
          key: clientKey.publicKey.toString('base64'),
          sig: signTranscript(clientKey, client.transcript, 'client').toString('base64'),
        }
      : CLIENT_PACKETS[t.when === 'nonfatal' ? 'error/nonfatal' : t.event];
  if (!packet) throw new Error(`no driver for ${label(t)}`);
  const events = server.receive(client.seal(packet));
  if (t.event === 'join') {
    if (t.when === 'accepted') server.acceptJoin('alice', ['alice']);
    else if (t.when === 'refused') server.refuseJoin('NAME_TAKEN', 'taken');
    else throw new Error(`no driver for ${label(t)}`);
  }
  if (t.event === 'ping') {
    // The endpoint hands the ping on; the dialect answers it in order (see v2-dialect).
    expect(events).toContainEqual({ kind: 'packet', packet: { type: 'ping', n: 1 } });
  }
  return { state: server.state, localErrors: localErrors(events) };
}

/** v2 client (13.2): a real server sends packets with send(); a forging one where it must. */
function driveV2Client(t: Transition): Driven {
  if (t.from === 'AWAIT_SERVER_AUTH' && t.event === 'error') {
    const { client, seal } = forgingServer(identity);
    const events = client.receive(seal(SERVER_PACKETS['error/fatal']));
    return { state: client.state, localErrors: localErrors(events) };
  }
  // Both list every feature (5.8), so that feature packets are agreed and reach the table.
  const features = V2_FEATURE_NAMES;
  const server = new V2ServerConnection({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('s'),
    features,
  });
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('c'),
    features,
  });
  server.start();
  const hello = server.takeOutput();
  if (t.from === 'AWAIT_SERVER_HELLO') {
    // 5.10: a server that refuses at accept sends `refused` instead of server_hello.
    const first =
      t.event === 'refused'
        ? encodeFrame(JSON.stringify({ type: 'refused', code: 'SERVER_FULL', message: 'full' }))
        : hello;
    const events = client.receive(first);
    return { state: client.state, localErrors: localErrors(events) };
  }
  client.receive(hello);
  server.receive(client.takeOutput());
  const auth = server.takeOutput();
  if (t.from === 'AWAIT_SERVER_AUTH') {
    const events = client.receive(auth);
    expect(events.map((e) => e.kind)).toEqual(['authenticated']);
    return { state: client.state, localErrors: localErrors(events) };
  }
  client.receive(auth);
  if (t.from === 'AWAIT_JOIN_REPLY' || t.from === 'JOINED') {
    client.join('alice');
    server.receive(client.takeOutput());
  }
  if (t.from === 'JOINED') {
    server.acceptJoin('alice', ['alice']);
    client.receive(server.takeOutput());
  }
  expect(client.state).toBe(t.from);
  const sends: Record<string, () => void> = {
    'send:join': () => client.join('alice'),
    'send:say': () => client.say('hi'),
    'send:msg': () => client.privateMessage('bob', 'psst'),
    'send:me': () => client.action('waves'),
    'send:who': () => client.who(),
    'send:export': () => client.requestExport(),
    'send:nick': () => client.nick('alicia'),
    'send:away': () => client.away('lunch'),
    'send:back': () => client.back(),
    'send:whois': () => client.whois('bob'),
    'send:room_join': () => client.roomJoin('#tea'),
    'send:room_part': () => client.roomPart('#tea'),
    'send:rooms': () => client.listRooms(),
    'send:topic': () => client.setTopic('#tea', 'earl grey'),
    'send:client_auth': () => client.proveKey(clientKey),
    'send:kick': () => client.moderate({ type: 'kick', name: 'bob' }),
    'send:ban': () => client.moderate({ type: 'ban', key: `SHA256:${'A'.repeat(43)}`, duration: 0 }),
    'send:unban': () => client.moderate({ type: 'unban', ban: 1 }),
    'send:bans': () => client.moderate({ type: 'bans' }),
    'send:mute': () => client.moderate({ type: 'mute', name: 'bob', duration: 30, reason: 'calm' }),
    'send:unmute': () => client.moderate({ type: 'unmute', name: 'bob' }),
    'send:mutes': () => client.moderate({ type: 'mutes' }),
    'send:motd': () => client.moderate({ type: 'motd', text: 'hello' }),
    'send:ping': () => client.ping(9),
    'send:goodbye': () => client.goodbye('bye'),
  };
  let events: { kind: string }[] = [];
  if (sends[t.event]) {
    sends[t.event]();
    // The packet went out, and the server reads it as the same packet.
    const received = server.receive(client.takeOutput());
    expect(received.map((e) => e.kind)).toEqual(['packet']);
  } else if (t.event === 'send:pong') {
    // A pong is only ever an answer to a ping.
    server.send(SERVER_PACKETS.ping);
    events = client.receive(server.takeOutput());
    expect(server.receive(client.takeOutput())).toEqual([{ kind: 'packet', packet: { type: 'pong', n: 5 } }]);
  } else {
    const packet = SERVER_PACKETS[t.when ? `${t.event}/${t.when}` : t.event];
    if (!packet) throw new Error(`no driver for ${label(t)}`);
    // Sent unchecked: the client's table is under test, and the server's own may not allow it here.
    server.sendEncoded(encodeV2Packet(packet));
    events = client.receive(server.takeOutput());
  }
  return { state: client.state, localErrors: localErrors(events) };
}

/** Splits a byte stream into its frames (to deliver them one at a time). */
function frames(bytes: Buffer): Buffer[] {
  const decoder = new FrameDecoder();
  decoder.push(bytes);
  return decoder.drain().map((f) => Buffer.concat([f.header, f.body]));
}

/** legacy server (13.3): a RawLegacyClient sends the packet objects. */
function driveLegacyServer(t: Transition): Driven {
  const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
  const client = new RawLegacyClient();
  server.start(DATE);
  client.receive(server.takeOutput());
  if (t.from === 'AWAIT_KEY_EXC') {
    if (t.event !== 'key_exc') throw new Error(`no driver for ${label(t)}`);
    const events = server.receive(client.takeOutput());
    return { state: server.state, localErrors: localErrors(events) };
  }
  server.receive(client.takeOutput());
  if (t.from === 'JOINED') {
    client.send(legacyPacket('setuser', 'temp', 'alice', DATE));
    server.receive(client.takeOutput());
    server.acceptJoin(DATE);
  }
  expect(server.state).toBe(t.from);
  const cont = t.event === 'setuser' ? 'alice' : 'hello';
  client.send(legacyPacket(t.event, 'alice', cont, DATE));
  const events = server.receive(client.takeOutput());
  expect(events.map((e) => e.kind)).toEqual(['packet']);
  if (t.event === 'setuser') {
    if (t.when === 'accepted') server.acceptJoin(DATE);
    else if (t.when === 'refused') server.refuseJoin(DATE);
    else throw new Error(`no driver for ${label(t)}`);
    const reply = client.receive(server.takeOutput());
    expect(reply.map((p) => p.typ)).toEqual([t.when === 'accepted' ? 'approved_conn' : 'username_taken']);
  }
  return { state: server.state, localErrors: localErrors(events) };
}

/** legacy client (13.4): a real LegacyServerConnection sends packet objects with send(). */
function driveLegacyClient(t: Transition): Driven {
  const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
  const client = new LegacyClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom('lc'),
    clock: () => 0,
  });
  server.start(DATE);
  const [iv, key] = frames(server.takeOutput());
  if (t.from === 'AWAIT_IV') {
    const events = client.receive(iv);
    return { state: client.state, localErrors: localErrors(events) };
  }
  client.receive(iv);
  if (t.from === 'AWAIT_KEY') {
    const events = client.receive(key);
    expect(frames(client.takeOutput())).toHaveLength(1); // its own key_exc
    return { state: client.state, localErrors: localErrors(events) };
  }
  client.receive(key);
  server.receive(client.takeOutput());
  if (t.from === 'AWAIT_SETUSER_REPLY' || t.from === 'JOINED') {
    client.join('alice');
    server.receive(client.takeOutput());
  }
  if (t.from === 'JOINED') {
    server.acceptJoin(DATE);
    client.receive(server.takeOutput());
  }
  expect(client.state).toBe(t.from);
  const sends: Record<string, () => void> = {
    'send:setuser': () => client.join('alice'),
    'send:default': () => client.say('hi'),
    'send:export': () => client.requestExport(),
  };
  let events: { kind: string }[] = [];
  if (sends[t.event]) {
    sends[t.event]();
    expect(server.receive(client.takeOutput()).map((e) => e.kind)).toEqual(['packet']);
  } else {
    const lists = ['client_list_update_add', 'disconnection'];
    const known = ['approved_conn', 'username_taken', 'default', 'export', ...lists];
    if (!known.includes(t.event)) throw new Error(`no driver for ${label(t)}`);
    server.send(legacyPacket(t.event, '*server*', lists.includes(t.event) ? ['bob'] : 'text', DATE));
    events = client.receive(server.takeOutput());
    expect(events.map((e) => e.kind)).toEqual(['packet']);
  }
  return { state: client.state, localErrors: localErrors(events) };
}

const DRIVERS: [string, MachineDef, (t: Transition) => Driven][] = [
  ['v2 server (13.1)', V2_SERVER_MACHINE, driveV2Server],
  ['v2 client (13.2)', V2_CLIENT_MACHINE, driveV2Client],
  ['legacy server (13.3)', LEGACY_SERVER_MACHINE, driveLegacyServer],
  ['legacy client (13.4)', LEGACY_CLIENT_MACHINE, driveLegacyClient],
];

describe.each(DRIVERS)('the %s implementation', (_name, def, drive) => {
  it.each(transitions(def).map((t) => ({ t, name: label(t) })))('reaches $name', ({ t }) => {
    const out = drive(t);
    expect(out.localErrors).toEqual([]);
    expect(out.state).toBe(t.to);
  });
});

describe('missing entries through the implementation', () => {
  it('v2 server: sending what the state may not send is PACKET_UNEXPECTED (13.1)', () => {
    const { server } = rawV2Session(identity);
    expect(codeOf(() => server.send(SERVER_PACKETS.message))).toBe('PACKET_UNEXPECTED'); // before join
    expect(server.state).toBe('AWAIT_JOIN');
  });

  it('v2 server: say before join is PACKET_UNEXPECTED', () => {
    const { server, client } = rawV2Session(identity);
    expect(localErrors(server.receive(client.seal(CLIENT_PACKETS.say)))).toEqual(['PACKET_UNEXPECTED']);
    expect(server.state).toBe('ERROR');
  });

  it('v2 server: a second join after joining is PACKET_UNEXPECTED', () => {
    const { server, client } = rawV2Session(identity);
    server.receive(client.seal(CLIENT_PACKETS.join));
    server.acceptJoin('alice', ['alice']);
    expect(localErrors(server.receive(client.seal(CLIENT_PACKETS.join)))).toEqual(['PACKET_UNEXPECTED']);
  });

  it('v2 server: the room cannot accept or refuse a join that never came', () => {
    const joined = rawV2Session(identity);
    joined.server.receive(joined.client.seal(CLIENT_PACKETS.join));
    joined.server.acceptJoin('alice', ['alice']);
    expect(codeOf(() => joined.server.acceptJoin('alice', ['alice']))).toBe('PACKET_UNEXPECTED');
    expect(codeOf(() => joined.server.refuseJoin('NAME_TAKEN', 'x'))).toBe('PACKET_UNEXPECTED');
  });

  it('v2 client: a message before join_ok is PACKET_UNEXPECTED', () => {
    const server = new V2ServerConnection({
      keyAgreement: testKeyAgreement,
      identity,
      random: seededRandom('s'),
    });
    const client = new V2ClientConnection({ keyAgreement: testKeyAgreement, random: seededRandom('c') });
    server.start();
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    client.receive(server.takeOutput());
    client.join('alice');
    server.sendEncoded(encodeV2Packet(SERVER_PACKETS.message)); // forged: the server's table refuses it
    expect(localErrors(client.receive(server.takeOutput()))).toEqual(['PACKET_UNEXPECTED']);
  });

  it('legacy server: a chat line before setuser is PACKET_UNEXPECTED', () => {
    const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
    const client = new RawLegacyClient();
    server.start(DATE);
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    client.send(legacyPacket('default', 'alice', 'hello', DATE));
    expect(localErrors(server.receive(client.takeOutput()))).toEqual(['PACKET_UNEXPECTED']);
  });

  it('legacy server: setuser after joining is PACKET_UNEXPECTED', () => {
    const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
    const client = new RawLegacyClient();
    server.start(DATE);
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    client.send(legacyPacket('setuser', 'temp', 'alice', DATE));
    server.receive(client.takeOutput());
    server.acceptJoin(DATE);
    client.send(legacyPacket('setuser', 'alice', 'mallory', DATE));
    expect(localErrors(server.receive(client.takeOutput()))).toEqual(['PACKET_UNEXPECTED']);
  });

  it('legacy server: anything but key_exc first is PACKET_UNEXPECTED', () => {
    const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
    server.start(DATE);
    const body = JSON.stringify(legacyPacket('setuser', 'temp', 'alice', DATE));
    expect(localErrors(server.receive(encodeFrame(body)))).toEqual(['PACKET_UNEXPECTED']);
  });

  it('legacy client: approved_conn before setuser is PACKET_UNEXPECTED', () => {
    const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('lc'),
      clock: () => 0,
    });
    server.start(DATE);
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    server.acceptJoin(DATE); // the server side is wrong here too; the client must not follow
    expect(localErrors(client.receive(server.takeOutput()))).toEqual(['PACKET_UNEXPECTED']);
    expect(client.state).toBe('ERROR');
  });

  it('legacy client: key_exc before iv_exc is PACKET_UNEXPECTED', () => {
    const server = new LegacyServerConnection({ keyAgreement: testKeyAgreement, random: seededRandom('ls') });
    const client = new LegacyClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom('lc'),
      clock: () => 0,
    });
    server.start(DATE);
    const [, key] = frames(server.takeOutput());
    expect(localErrors(client.receive(key))).toEqual(['PACKET_UNEXPECTED']);
  });
});
