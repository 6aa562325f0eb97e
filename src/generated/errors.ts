// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

/** Every error code (section 12), in spec order. Compare codes, never message text. */
export const ERROR_CODES = [
  'FRAME_HEADER_INVALID',
  'FRAME_TOO_LARGE',
  'FRAME_EMPTY',
  'FRAME_TRUNCATED',
  'PACKET_MALFORMED',
  'PACKET_UNEXPECTED',
  'PROTOCOL_MISMATCH',
  'GROUP_UNSUPPORTED',
  'PUBLIC_VALUE_INVALID',
  'DECRYPT_FAILED',
  'SERVER_AUTH_FAILED',
  'FINGERPRINT_MISMATCH',
  'CLIENT_AUTH_FAILED',
  'BANNED',
  'KICKED',
  'NOT_OPERATOR',
  'MUTED',
  'NO_SUCH_BAN',
  'NO_SUCH_ROOM',
  'NAME_TAKEN',
  'NAME_INVALID',
  'NAME_RESERVED',
  'NO_SUCH_USER',
  'ROOM_INVALID',
  'NOT_IN_ROOM',
  'TOO_MANY_ROOMS',
  'MESSAGE_TOO_LONG',
  'RATE_LIMITED',
  'RATE_EXCEEDED',
  'SERVER_FULL',
  'TOO_MANY_FROM_ADDRESS',
  'ADDRESS_RATE_LIMITED',
  'HANDSHAKE_TIMEOUT',
  'IDLE_TIMEOUT',
  'SLOW_READER',
  'LINES_SKIPPED',
  'SERVER_SHUTDOWN',
  'CONNECTION_LOST',
  'LIMITS_INCONSISTENT',
  'INTERNAL_ERROR',
  'NO_SUCH_MUTE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  /** A fatal error moves the connection to ERROR (section 4). */
  readonly fatal: boolean;
  /** The section that defines the error. */
  readonly section: string;
  readonly text: string;
}

export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = {
  FRAME_HEADER_INVALID: {
    fatal: true,
    section: '3.2',
    text: 'The 10-byte header does not match the grammar.',
  },
  FRAME_TOO_LARGE: {
    fatal: true,
    section: '3.2',
    text: 'The header announces a body larger than maxFrame.',
  },
  FRAME_EMPTY: { fatal: true, section: '3.2', text: 'The header announces a zero-length body.' },
  FRAME_TRUNCATED: { fatal: true, section: '3.3', text: 'The stream ended inside a frame.' },
  PACKET_MALFORMED: {
    fatal: true,
    section: '7',
    text:
      'The body is not strict UTF-8 JSON (7.1: no byte-order mark, no key twice, integers only, canonical ' +
      'base64), names no packet type, or does not match the packet table.',
  },
  PACKET_UNEXPECTED: {
    fatal: true,
    section: '13',
    text:
      'The packet is not allowed in the current state (13), is a packet of the other direction (4.2), or ' +
      'belongs to a feature the connection did not agree (5.8).',
  },
  PROTOCOL_MISMATCH: { fatal: true, section: '5.1', text: 'The peer speaks another protocol or version.' },
  GROUP_UNSUPPORTED: {
    fatal: true,
    section: '5.2',
    text: 'The client chose a key agreement group the server did not offer.',
  },
  PUBLIC_VALUE_INVALID: {
    fatal: true,
    section: '5.3',
    text: 'A key agreement public value is out of range or yields an all-zero secret.',
  },
  DECRYPT_FAILED: {
    fatal: true,
    section: '6.2',
    text: 'A record failed authentication: tampered, replayed, reordered, dropped, or under the wrong key.',
  },
  SERVER_AUTH_FAILED: {
    fatal: true,
    section: '5.5',
    text: 'The server\'s signature over the transcript does not verify.',
  },
  FINGERPRINT_MISMATCH: {
    fatal: true,
    section: '5.6',
    text: 'The server\'s identity key is not the one the client pinned.',
  },
  CLIENT_AUTH_FAILED: {
    fatal: true,
    section: '7.16',
    text:
      'The client\'s `client_auth` does not prove its key: the key is not a valid Ed25519 point, not the ' +
      'canonical encoding of its point or a point of small order (7.16 Key encoding), or the signature ' +
      'over the client context and TH does not verify.',
  },
  BANNED: {
    fatal: true,
    section: '7.18',
    text:
      'A ban covers this client: its key (`client_auth` refused), its address (a `refused` record at ' +
      'accept, 5.10), or the member an operator just banned.',
  },
  KICKED: { fatal: true, section: '7.18', text: 'An operator removed this member; it may connect again.' },
  NOT_OPERATOR: {
    fatal: false,
    section: '7.18',
    text:
      'A moderation packet from a member whose key is not an operator\'s (or who has no key); nothing ' +
      'changed.',
  },
  MUTED: {
    fatal: false,
    section: '7.18',
    text:
      'An operator muted this member: the `say` or `me` was not delivered and took no id; or the `topic`, ' +
      '`nick`, `away` with a reason or `room_join` of a new room changed nothing (7.18: what a mute ' +
      'covers).',
  },
  NO_SUCH_BAN: { fatal: false, section: '7.18', text: '`unban` named an id no ban in force has.' },
  NO_SUCH_ROOM: {
    fatal: false,
    section: '7.18',
    text: 'A `mute` named a `room` that does not exist (no member is in it); nothing changed.',
  },
  NAME_TAKEN: {
    fatal: false,
    section: '7.2',
    text:
      'Another user has that name (v2 compares names by their UTS #39 key, 7.2: look-alikes are the same ' +
      'name).',
  },
  NAME_INVALID: { fatal: false, section: '7.2', text: 'The name breaks the length or character rules.' },
  NAME_RESERVED: {
    fatal: false,
    section: '7.2',
    text:
      'The name is reserved: for the server (7.2), or, on a server that reserves names, for another key ' +
      '(7.17).',
  },
  NO_SUCH_USER: {
    fatal: false,
    section: '7.4',
    text:
      'A private message names a user who is not in the room. With rooms (7.15) private messages are ' +
      'server-wide: the room here is every joined member, whatever rooms they are in.',
  },
  ROOM_INVALID: {
    fatal: false,
    section: '7.15',
    text:
      'A room name that is not `#` followed by a name under the rules of 7.2 of at most maxRoomName ' +
      'characters (feature `rooms`). Nothing changes.',
  },
  NOT_IN_ROOM: {
    fatal: false,
    section: '7.15',
    text:
      'A packet names a room the sender is not in (`say`, `me`, `who`, `export`, `room_part`, `topic`; ' +
      'feature `rooms`), whether or not that room exists. Nothing is sent to the room and a refused line ' +
      'takes no id.',
  },
  TOO_MANY_ROOMS: {
    fatal: false,
    section: '7.15',
    text:
      'A `room_join` would put the sender in more than maxRoomsPerMember rooms, or make more than maxRooms ' +
      'rooms exist besides `#lobby` (feature `rooms`). Nothing changes.',
  },
  MESSAGE_TOO_LONG: { fatal: false, section: '7.3', text: 'A text is longer than maxMessage.' },
  RATE_LIMITED: {
    fatal: false,
    section: '7.8',
    text:
      'A packet needed more tokens than the connection\'s bucket held (7.8); the packet was dropped. Sent ' +
      'for at most rateRefusalReplies refusals per rateRefusalWindowMs.',
  },
  RATE_EXCEEDED: {
    fatal: true,
    section: '7.8',
    text:
      'The connection went on sending past its rate limit: more than rateRefusalBudget refused packets ' +
      'within rateRefusalWindowMs. The server closes it.',
  },
  SERVER_FULL: {
    fatal: true,
    section: '5.10',
    text:
      'The server holds maxClients connections already. Sent at accept in a `refused` packet (5.10), never ' +
      'as an `error` packet.',
  },
  TOO_MANY_FROM_ADDRESS: {
    fatal: true,
    section: '5.10',
    text:
      'The server holds maxPerAddress connections from the client\'s address already, or connections from ' +
      'maxAddressesPerPrefix other addresses of its network (11). Sent at accept in a `refused` packet ' +
      '(5.10).',
  },
  ADDRESS_RATE_LIMITED: {
    fatal: true,
    section: '5.10',
    text:
      'The client\'s address opened connections, served or refused, faster than addressHandshakesPerSecond ' +
      'allows (beyond addressHandshakeBurst). Sent at accept in a `refused` packet (5.10) to the first ' +
      'connection that finds the address\'s bucket empty; the next ones are closed without a record until ' +
      'a token is back (11.4).',
  },
  HANDSHAKE_TIMEOUT: {
    fatal: true,
    section: '11',
    text:
      'The peer did not finish the handshake and join in time: within handshakeTimeoutMs, or, on a full ' +
      'server, before it had to make room for a newer connection (11.2).',
  },
  IDLE_TIMEOUT: { fatal: true, section: '11', text: 'Nothing was heard from the peer for idleTimeoutMs.' },
  SLOW_READER: {
    fatal: true,
    section: '11',
    text:
      'The peer read too slowly: more than its queue limit (maxQueuedBytes, 11) waited for it with no chat ' +
      'line left to shed (private messages, notices and replies are never shed, whoever caused them: 11), ' +
      'or its socket took nothing for slowReaderMs.',
  },
  LINES_SKIPPED: {
    fatal: false,
    section: '11',
    text:
      'Server to client, non-fatal: chat lines (`message`, `action`) were not sent to this client because ' +
      'they came faster than it read them (maxQueuedBytes, 11); the message says how many. `export` has ' +
      'those of them that the room\'s history still keeps (its last `history` entries, 11); lines older ' +
      'than that are gone.',
  },
  SERVER_SHUTDOWN: {
    fatal: true,
    section: '7.9',
    text:
      'The server is stopping. Sent only in a `refused` record (5.10) to a connection accepted while the ' +
      'server stops (7.9); connections with keys get `goodbye` instead.',
  },
  CONNECTION_LOST: {
    fatal: true,
    section: '6.3',
    text: 'The stream ended without a goodbye (possible truncation attack, or a crashed peer).',
  },
  LIMITS_INCONSISTENT: {
    fatal: true,
    section: '11',
    text:
      'Local, never sent: a server\'s limits let a packet it stamps outgrow its maxFrame (11), so it does ' +
      'not start.',
  },
  INTERNAL_ERROR: {
    fatal: true,
    section: '4',
    text: 'A bug in the implementation; the connection is closed, the process carries on.',
  },
  NO_SUCH_MUTE: {
    fatal: false,
    section: '7.18',
    text:
      '`unmute` named a mute id no mute in force has, or a member no mute covers (in the `room` named); ' +
      'nothing changed.',
  },
};

export interface FramingOutcome {
  /** `SECTION/N`, e.g. `3.2/1`. */
  readonly id: string;
  readonly input: string;
  /** The error reported, or null for a clean outcome. */
  readonly code: ErrorCode | null;
  readonly text: string;
}

/** How a receiver decodes frames (section 3): each case and its outcome. */
export const FRAMING_OUTCOMES: readonly FramingOutcome[] = [
  {
    id: '3.2/1',
    input: 'header `0` + 9 spaces',
    code: 'FRAME_EMPTY',
    text: 'A zero length is an error: an empty body carries no packet.',
  },
  {
    id: '3.2/2',
    input: 'header with leading spaces, e.g. `  12      `',
    code: 'FRAME_HEADER_INVALID',
    text: 'The length is left-aligned.',
  },
  {
    id: '3.2/3',
    input: 'header with a sign, e.g. `+12` or `-12`',
    code: 'FRAME_HEADER_INVALID',
    text: 'No sign is allowed.',
  },
  {
    id: '3.2/4',
    input: 'header with a non-digit, e.g. `12a`, a tab, a NUL or a non-ASCII byte',
    code: 'FRAME_HEADER_INVALID',
    text: 'Only digits then spaces.',
  },
  {
    id: '3.2/5',
    input: 'header with a leading zero, e.g. `012`',
    code: 'FRAME_HEADER_INVALID',
    text: 'The shortest decimal form only.',
  },
  {
    id: '3.2/6',
    input: 'header with a digit after a space, e.g. `1 2`',
    code: 'FRAME_HEADER_INVALID',
    text: 'Padding ends the number.',
  },
  {
    id: '3.2/7',
    input: 'length greater than the configured maxFrame',
    code: 'FRAME_TOO_LARGE',
    text: 'Checked on the header, before any body byte is buffered.',
  },
  {
    id: '3.3/1',
    input: 'end of stream inside a header or a body',
    code: 'FRAME_TRUNCATED',
    text: 'Reported when the stream ends, with the number of bytes held.',
  },
  { id: '3.3/2', input: 'end of stream between frames', code: null, text: 'A clean end of stream.' },
];
