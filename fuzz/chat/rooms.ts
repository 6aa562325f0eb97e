/**
 * Rooms in the session model (spec 7.15): a model of who is where, the commands that move members
 * between rooms and speak in them, and the in-memory wiring that drives the sans-IO chat server
 * with real v2 client endpoints that agreed `rooms`.
 *
 * How this works: the model holds, per member, the rooms it is in (by the room key of 7.2: folded
 * case, so `#Tea` is `#tea`), and per room its recorded spelling, members and topic. After every
 * command each client's packets are compared with what the model says it must get, as multisets
 * of short descriptions: a chat line said in a room must reach every member of that room exactly
 * once (the sender too) and nobody else; a join, part, leave or topic is told to exactly the
 * room's members; a room that empties is forgotten (its topic with it). The rate limit and
 * presence batching are lifted: other properties test them (SESSION_LIMITS, the conformance suite).
 */
import fc from 'fast-check';
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';
import { foldCase } from '../../src/chat/name-rules.js';
import type { Identity } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { ensure, seededBytes } from '../util.js';

export const LOBBY = '#lobby';
/** Room names the commands use: pairs that are one room (7.2 keys), and #lobby in two spellings. */
export const ROOM_NAMES = ['#lobby', '#LOBBY', '#tea', '#Tea', '#ops', '#dev'] as const;
export const ROOM_SLOTS = 4;
/** Small room limits, so that TOO_MANY_ROOMS is reached (11). */
export const ROOM_LIMITS = { maxRoomsPerMember: 3, maxRooms: 2 } as const;

const keyOf = (room: string) => foldCase(room);
const byFolded = (a: string, b: string) => {
  const [x, y] = [foldCase(a), foldCase(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

interface ModelRoom {
  readonly spelling: string;
  readonly members: Set<number>;
  topic: string;
}

/** Who is where (7.15): the model the commands keep and check against. */
export class RoomsModel {
  readonly names = new Map<number, string>();
  readonly where = new Map<number, Set<string>>();
  readonly rooms = new Map<string, ModelRoom>();
  /** Expected descriptions per slot for the step under way. */
  expected = new Map<number, string[]>();

  tell(slot: number, what: string): void {
    const list = this.expected.get(slot) ?? [];
    list.push(what);
    this.expected.set(slot, list);
  }

  tellRoom(key: string, what: string, except?: number): void {
    for (const m of this.rooms.get(key)?.members ?? []) if (m !== except) this.tell(m, what);
  }

  usersOf(key: string): string[] {
    return [...(this.rooms.get(key)?.members ?? [])].map((m) => this.names.get(m)!).sort(byFolded);
  }

  enter(slot: number, room: string): ModelRoom {
    const key = keyOf(room);
    let entry = this.rooms.get(key);
    if (!entry) {
      entry = { spelling: key === keyOf(LOBBY) ? LOBBY : room, members: new Set(), topic: '' };
      this.rooms.set(key, entry);
    }
    entry.members.add(slot);
    this.where.get(slot)!.add(key);
    return entry;
  }

  /** Takes `slot` out of the room; a room left empty is forgotten, topic and all (7.15). */
  exit(slot: number, key: string): void {
    const entry = this.rooms.get(key)!;
    entry.members.delete(slot);
    this.where.get(slot)?.delete(key);
    if (entry.members.size === 0) this.rooms.delete(key);
  }

  /** Rooms that exist besides #lobby (maxRooms counts these). */
  get otherRooms(): number {
    return [...this.rooms.keys()].filter((k) => k !== keyOf(LOBBY)).length;
  }
}

/** One packet in short, as the model words it; presence batches are split per name (7.6). */
export function describePacket(p: V2ServerPacket): string[] {
  const room = 'room' in p && typeof p.room === 'string' ? p.room : '(none)';
  switch (p.type) {
    case 'join_ok':
      // join_ok's order is 7.2's, not this model's concern: the members, as a set.
      return [`join_ok ${p.name} [${[...p.users].sort(byFolded).join(',')}]`];
    case 'message':
    case 'action':
      return [`${p.type} ${room} ${p.from}: ${p.text}`];
    case 'room_joined':
      return [`room_joined ${p.room} [${p.users.join(',')}] "${p.topic}"`];
    case 'room_parted':
      return [`room_parted ${p.room}`];
    case 'user_joined':
      return [`joined ${room} ${p.name}`];
    case 'users_joined':
      return p.names.map((n) => `joined ${room} ${n}`);
    case 'user_left':
      return [`left ${room} ${p.name} ${p.reason}`];
    case 'users_left':
      return p.names.map((n) => `left ${room} ${n} ${p.reason}`);
    case 'topic_changed':
      return [`topic ${p.room} "${p.topic}" by ${p.by}`];
    case 'room_list':
      return [`room_list ${p.rooms.map((r) => `${r.room}:${r.members}:"${r.topic}"`).join(' ')}`];
    case 'error':
      return [`error ${p.code}`];
    case 'ping':
      return [];
    default:
      return [`${p.type} ${JSON.stringify(p).slice(0, 80)}`];
  }
}

interface Client {
  readonly id: number;
  readonly endpoint: V2ClientConnection;
  readonly got: V2ServerPacket[];
  closed: boolean;
}

/** The sans-IO chat server and one client endpoint per slot, wired in memory. */
export class RoomsSystem {
  readonly clients = new Map<number, Client>();
  readonly issues: string[] = [];
  /** The server did not agree `rooms` (5.8): nothing of 7.15 to check. */
  roomless = false;
  private readonly byId = new Map<number, Client>();
  private nextId = 1;
  private readonly now = 1_800_000_000_000;

  constructor(
    private readonly server: ChatServer<unknown>,
    private readonly identity: Identity,
    private readonly seed: number,
  ) {}

  connect(slot: number, name: string): void {
    const id = this.nextId++;
    const endpoint = new V2ClientConnection({
      random: seededBytes(`rooms/${this.seed}/${id}`),
      expectedFingerprint: this.identity.fingerprint,
      features: ['rooms'],
    });
    const client: Client = { id, endpoint, got: [], closed: false };
    this.clients.set(slot, client);
    this.byId.set(id, client);
    this.apply(this.server.open(id, this.now));
    this.pump();
    ensure(endpoint.state === 'READY', () => `slot ${slot}: the handshake ended in ${endpoint.state}`);
    if (!endpoint.features.has('rooms')) this.roomless = true;
    endpoint.join(name);
    this.pump();
  }

  act(slot: number, act: (endpoint: V2ClientConnection) => void): void {
    act(this.clients.get(slot)!.endpoint);
    this.pump();
  }

  leave(slot: number): void {
    const client = this.clients.get(slot)!;
    this.clients.delete(slot);
    client.endpoint.goodbye();
    this.pump();
    if (!client.closed) this.apply(this.server.end(client.id, this.now));
  }

  /** Every slot's packets since the last call, in short. */
  take(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [slot, client] of this.clients) out.set(slot, mergeLists(client.got.splice(0)));
    return out;
  }

  private pump(): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const client of this.byId.values()) {
        if (client.closed) continue;
        const out = client.endpoint.takeOutput();
        if (out.length === 0) continue;
        moved = true;
        this.apply(this.server.data(client.id, out, this.now));
      }
      if (!moved) return;
    }
    this.issues.push('the in-memory network did not settle in 1000 rounds');
  }

  private apply(actions: readonly ServerAction[]): void {
    for (const action of actions) {
      if (action.kind === 'log') {
        if (action.level === 'error' || action.message.includes('INTERNAL_ERROR'))
          this.issues.push(`server logged ${action.level}: ${action.message}`);
        continue;
      }
      const client = this.byId.get(action.id);
      if (!client || client.closed) continue;
      if (action.kind === 'write') {
        for (const e of client.endpoint.receive(action.data)) {
          if (e.kind === 'packet') client.got.push(e.packet);
          else if (e.kind === 'error')
            this.issues.push(`client ${action.id} failed: ${e.error.code} ${e.error.message}`);
        }
      } else {
        client.closed = true;
        this.byId.delete(action.id);
      }
    }
  }
}

/** room_list parts joined into one (7.15: every part but the last has more: true). */
function mergeLists(packets: V2ServerPacket[]): string[] {
  const out: string[] = [];
  let list: Extract<V2ServerPacket, { type: 'room_list' }>['rooms'] | null = null;
  for (const p of packets) {
    if (p.type === 'room_list') {
      list = [...(list ?? []), ...p.rooms];
      if (p.more) continue;
      out.push(...describePacket({ ...p, rooms: list, more: false }));
      list = null;
      continue;
    }
    out.push(...describePacket(p));
  }
  return out;
}

type RoomsCommand = fc.AsyncCommand<RoomsModel, RoomsSystem>;

/** Runs one step: act on the system, let the model say what each slot must get, compare. */
function step(label: string, model: RoomsModel, system: RoomsSystem, act: () => void, expect: () => void) {
  model.expected = new Map();
  if (system.roomless) return;
  act();
  expect();
  const seen = system.take();
  ensure(system.issues.length === 0, () => `${label}: ${system.issues.splice(0).join('; ')}`);
  for (const slot of new Set([...seen.keys(), ...model.expected.keys()])) {
    if (!system.clients.has(slot)) continue;
    const got = [...(seen.get(slot) ?? [])].sort();
    const want = [...(model.expected.get(slot) ?? [])].sort();
    ensure(
      JSON.stringify(got) === JSON.stringify(want),
      () =>
        `${label}: slot ${slot} (${model.names.get(slot)}) received [${got.join(' | ')}], expected [${want.join(' | ')}]`,
    );
  }
}

/** One command: what a slot does to the system, and what the model then says each slot gets. */
class RoomsStep implements RoomsCommand {
  constructor(
    private readonly label: string,
    readonly check: (m: Readonly<RoomsModel>) => boolean,
    private readonly act: (s: RoomsSystem) => void,
    private readonly expect: (m: RoomsModel) => void,
  ) {}
  async run(m: RoomsModel, s: RoomsSystem) {
    step(
      this.label,
      m,
      s,
      () => this.act(s),
      () => this.expect(m),
    );
  }
  toString = () => this.label;
}

/** A command of a joined member: its client endpoint does `act`. */
function byMember(
  label: string,
  slot: number,
  act: (e: V2ClientConnection) => void,
  expect: (m: RoomsModel) => void,
): RoomsCommand {
  return new RoomsStep(
    label,
    (m) => m.names.has(slot),
    (s) => s.act(slot, act),
    expect,
  );
}

/** A command in a room the member must be in (7.15: NOT_IN_ROOM otherwise, and nothing else). */
function inRoom(
  label: string,
  slot: number,
  room: string,
  act: (e: V2ClientConnection) => void,
  expect: (m: RoomsModel, key: string, entry: ModelRoom) => void,
): RoomsCommand {
  return byMember(label, slot, act, (m) => {
    const key = keyOf(room);
    if (!m.where.get(slot)!.has(key)) return m.tell(slot, 'error NOT_IN_ROOM');
    expect(m, key, m.rooms.get(key)!);
  });
}

/** Connects and joins as `u<slot>`: in #lobby, told to its members (7.15). */
const joinServer = (slot: number): RoomsCommand => {
  const name = `u${slot}`;
  return new RoomsStep(
    `connect(${slot})`,
    (m) => !m.names.has(slot),
    (s) => s.connect(slot, name),
    (m) => {
      m.names.set(slot, name);
      m.where.set(slot, new Set());
      m.tellRoom(keyOf(LOBBY), `joined ${LOBBY} ${name}`);
      m.enter(slot, LOBBY);
      m.tell(slot, `join_ok ${name} [${m.usersOf(keyOf(LOBBY)).join(',')}]`);
    },
  );
};

const roomJoin = (slot: number, room: string): RoomsCommand =>
  byMember(
    `room_join(${slot}, ${room})`,
    slot,
    (e) => e.roomJoin(room),
    (m) => {
      const key = keyOf(room);
      const mine = m.where.get(slot)!;
      const exists = m.rooms.get(key);
      const name = m.names.get(slot)!;
      if (!mine.has(key)) {
        const full = mine.size >= ROOM_LIMITS.maxRoomsPerMember;
        const noMore = !exists && key !== keyOf(LOBBY) && m.otherRooms >= ROOM_LIMITS.maxRooms;
        if (full || noMore) return m.tell(slot, 'error TOO_MANY_ROOMS');
        m.tellRoom(key, `joined ${exists?.spelling ?? room} ${name}`);
        m.enter(slot, room);
      }
      const entry = m.rooms.get(key)!;
      m.tell(slot, `room_joined ${entry.spelling} [${m.usersOf(key).join(',')}] "${entry.topic}"`);
    },
  );

const roomPart = (slot: number, room: string): RoomsCommand =>
  inRoom(
    `room_part(${slot}, ${room})`,
    slot,
    room,
    (e) => e.roomPart(room),
    (m, key, entry) => {
      m.tell(slot, `room_parted ${entry.spelling}`);
      m.exit(slot, key);
      m.tellRoom(key, `left ${entry.spelling} ${m.names.get(slot)} part`);
    },
  );

// Exactly once per member of the room, the sender included, and nobody else (7.15).
const say = (slot: number, room: string, text: string): RoomsCommand =>
  inRoom(
    `say(${slot}, ${room}, ${JSON.stringify(text)})`,
    slot,
    room,
    (e) => e.say(text, room),
    (m, key, entry) => m.tellRoom(key, `message ${entry.spelling} ${m.names.get(slot)}: ${text}`),
  );

const topic = (slot: number, room: string, text: string): RoomsCommand =>
  inRoom(
    `topic(${slot}, ${room}, ${JSON.stringify(text)})`,
    slot,
    room,
    (e) => e.setTopic(room, text),
    (m, key, entry) => {
      entry.topic = text;
      m.tellRoom(key, `topic ${entry.spelling} "${text}" by ${m.names.get(slot)}`);
    },
  );

const listRooms = (slot: number): RoomsCommand =>
  byMember(
    `rooms(${slot})`,
    slot,
    (e) => e.listRooms(),
    (m) => {
      const rooms = [...m.rooms.values()]
        .sort((a, b) => byFolded(a.spelling, b.spelling))
        .map((r) => `${r.spelling}:${r.members.size}:"${r.topic}"`);
      m.tell(slot, `room_list ${rooms.join(' ')}`);
    },
  );

const leaveServer = (slot: number): RoomsCommand =>
  new RoomsStep(
    `leave(${slot})`,
    (m) => m.names.has(slot),
    (s) => s.leave(slot),
    (m) => {
      const name = m.names.get(slot)!;
      // One notice per room it was in, to that room's remaining members (7.15).
      for (const key of [...m.where.get(slot)!]) {
        const spelling = m.rooms.get(key)!.spelling;
        m.exit(slot, key);
        m.tellRoom(key, `left ${spelling} ${name} quit`);
      }
      m.names.delete(slot);
      m.where.delete(slot);
    },
  );

/**
 * Whether `server` agrees `rooms` with a client that lists it (5.8): a server may not offer it, and
 * then the rooms property has nothing to check.
 */
export function servesRooms(server: ChatServer<unknown>, identity: Identity): boolean {
  const system = new RoomsSystem(server, identity, 0);
  system.connect(0, 'probe');
  return !system.roomless;
}

/** One run: a fresh server, then the commands, each checked against the model. */
export async function runRooms(
  server: ChatServer<unknown>,
  identity: Identity,
  seed: number,
  cmds: Iterable<RoomsCommand>,
): Promise<void> {
  await fc.asyncModelRun(
    () => ({ model: new RoomsModel(), real: new RoomsSystem(server, identity, seed) }),
    cmds,
  );
}

export function roomsCommandArbs(): fc.Arbitrary<RoomsCommand>[] {
  const slot = fc.nat({ max: ROOM_SLOTS - 1 });
  const room = fc.constantFrom(...ROOM_NAMES);
  const text = fc.stringMatching(/^[a-z]{1,6}$/);
  return [
    slot.map(joinServer),
    fc.tuple(slot, room).map(([s, r]) => roomJoin(s, r)),
    fc.tuple(slot, room).map(([s, r]) => roomJoin(s, r)),
    fc.tuple(slot, room).map(([s, r]) => roomPart(s, r)),
    fc.tuple(slot, room, text).map(([s, r, t]) => say(s, r, t)),
    fc.tuple(slot, room, text).map(([s, r, t]) => say(s, r, t)),
    fc.tuple(slot, room, fc.constantFrom('', 'news', 'tea time')).map(([s, r, t]) => topic(s, r, t)),
    slot.map(listRooms),
    slot.map(leaveServer),
  ];
}
