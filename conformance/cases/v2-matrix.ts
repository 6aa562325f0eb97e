/**
 * The v2 state-machine matrix (spec 13.1) and the packet table (7), one case per cell: every packet
 * the server's table has no transition for, in AWAIT_JOIN and in JOINED, and client packets that
 * break the table's field rules.
 *
 * How this works: the case brings a session to the state (handshake done; or joined), sends one
 * sealed record with the packet, and expects the refusal of section 13: PACKET_UNEXPECTED (or
 * PACKET_MALFORMED, since a server may check the table before the state), fatal, then the close;
 * a server-only packet is PACKET_UNEXPECTED alone (4.2).
 * Keys exist in both states, so the error packet may come before the close.
 */
import type { Case, CaseContext } from '../case.js';
import { quote } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { keyedRefusalCase } from './v2-steps.js';

type State = 'AWAIT_JOIN' | 'JOINED';
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
const STATE_CODES = ['PACKET_UNEXPECTED', 'PACKET_MALFORMED'];
const stateText = quote('13', 'A packet that has no transition from the current state');
const directionText = quote('4.2', 'A packet of the other direction');

/** A valid packet of every server-only type: the client may never send any of them. */
const SERVER_ONLY: Record<string, object> = {
  server_hello: {
    type: 'server_hello',
    protocol: 'parley/2',
    nonce: b64(32),
    groups: [{ group: 'x25519', share: b64(32) }],
    limits: { maxFrame: 65536, maxMessage: 2000, maxName: 24 },
  },
  server_auth: { type: 'server_auth', identity: b64(32), signature: b64(64) },
  join_ok: { type: 'join_ok', name: 'someone', users: ['someone'] },
  join_error: { type: 'join_error', code: 'NAME_TAKEN', message: 'taken' },
  message: { type: 'message', id: 1, from: 'someone', text: 'hi', ts: 1 },
  private: { type: 'private', id: 1, from: 'someone', to: 'other', text: 'hi', ts: 1 },
  action: { type: 'action', id: 1, from: 'someone', text: 'waves', ts: 1 },
  user_list: { type: 'user_list', users: ['someone'] },
  user_joined: { type: 'user_joined', name: 'someone', ts: 1 },
  user_left: { type: 'user_left', name: 'someone', reason: 'quit', ts: 1 },
  users_joined: { type: 'users_joined', names: ['someone', 'other'], ts: 1 },
  users_left: { type: 'users_left', names: ['someone', 'other'], reason: 'quit', ts: 1 },
  export_reply: { type: 'export_reply', entries: [], done: true },
};

async function reach(ctx: CaseContext, state: State): Promise<V2Session> {
  return state === 'JOINED' ? ctx.v2Joined('cell') : ctx.v2('cell');
}

function cell(
  id: string,
  state: State,
  description: string,
  payload: (v2: V2Session) => object | Buffer,
  codes: readonly string[],
  specText = stateText,
): Case {
  return keyedRefusalCase({
    id,
    description,
    specText,
    codes,
    what: description.replace(/ is refused$/, ''),
    session: (ctx) => reach(ctx, state),
    bytes: (v2) => v2.seal(payload(v2)),
  });
}

const serverOnly = (state: State, first: number, skip: readonly string[] = []): Case[] =>
  Object.entries(SERVER_ONLY)
    .filter(([type]) => !skip.includes(type))
    .map(([type, packet], i) =>
      cell(
        `v2-handshake/13.1/${first + i}`,
        state,
        `${state === 'JOINED' ? 'In the room' : 'Before join'}, a server-only packet (${type}) from the client is refused`,
        () => packet,
        ['PACKET_UNEXPECTED'],
        directionText,
      ),
    );

/** Client packets with no transition from AWAIT_JOIN: the room's packets before a name. */
const beforeJoin: Case[] = [
  ['msg', { type: 'msg', to: 'someone', text: 'too early' }],
  ['me', { type: 'me', text: 'waves too early' }],
  ['who', { type: 'who' }],
  ['export', { type: 'export' }],
].map(([type, packet], i) =>
  cell(
    `v2-handshake/13.1/${30 + i}`,
    'AWAIT_JOIN',
    `${type} before join is refused`,
    () => packet as object,
    ['PACKET_UNEXPECTED'],
  ),
);

const inRoom: Case[] = [
  cell(
    'v2-handshake/13.1/34',
    'JOINED',
    'A second join, once in the room, is refused',
    () => ({ type: 'join', name: 'again' }),
    ['PACKET_UNEXPECTED'],
  ),
  cell(
    'v2-handshake/13.1/35',
    'JOINED',
    'A client_hello record, once in the room, is refused',
    (v2) => JSON.parse(v2.clientHello().frame.subarray(10).toString()),
    STATE_CODES,
  ),
];

const tableText = quote('12', 'does not match the packet table');

/** Client packets that break the packet table (7): a missing field, a wrong type, a value out of range. */
const malformed: Case[] = (
  [
    ['AWAIT_JOIN', 'join without a name', { type: 'join' }],
    ['AWAIT_JOIN', 'join with a number for a name', { type: 'join', name: 42 }],
    ['JOINED', 'say without text', { type: 'say' }],
    ['JOINED', 'say with an empty text', { type: 'say', text: '' }],
    ['JOINED', 'say with a number for text', { type: 'say', text: 7 }],
    ['JOINED', 'msg without a target', { type: 'msg', text: 'to whom?' }],
    ['JOINED', 'me with a field the table does not list', { type: 'me', text: 'waves', loud: true }],
    ['JOINED', 'who with a field the table does not list', { type: 'who', all: true }],
    ['JOINED', 'ping with a negative n', { type: 'ping', n: -1 }],
    ['JOINED', 'ping with a string n', { type: 'ping', n: '1' }],
    ['JOINED', 'pong without n', { type: 'pong' }],
    ['JOINED', 'goodbye with a number for reason', { type: 'goodbye', reason: 3 }],
    ['JOINED', 'error without fatal', { type: 'error', code: 'X', message: 'm' }],
    ['JOINED', 'a packet whose type is not a string', { type: 5 }],
  ] as const
).map(([state, what, packet], i) =>
  cell(`v2-handshake/7/${5 + i}`, state, `${what} is refused`, () => packet, ['PACKET_MALFORMED'], tableText),
);

export const v2MatrixCases: Case[] = [
  ...serverOnly('AWAIT_JOIN', 9, ['message']),
  ...serverOnly('JOINED', 40),
  ...beforeJoin,
  ...inRoom,
  ...malformed,
];
