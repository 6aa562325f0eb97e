// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

import { z } from 'zod';

// Standard base64 with padding, canonical (unused bits zero).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** The decoded length of a string that matches BASE64. */
function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Bytes carried as a base64 string; the decoded length must be exactly `size` or at most `maxSize`. */
function base64Bytes(bounds: { size?: number; maxSize?: number }) {
  const { size, maxSize } = bounds;
  const base = z.string().regex(BASE64, { error: 'expected standard base64 with padding', abort: true });
  if (size !== undefined) {
    return base.refine((text) => base64Length(text) === size, {
      error: `expected base64 of exactly ${size} bytes`,
    });
  }
  if (maxSize !== undefined) {
    return base.refine((text) => base64Length(text) <= maxSize, {
      error: `expected base64 of at most ${maxSize} bytes`,
    });
  }
  return base;
}

/** The number of code points in `text` (spec 7.1: a character is a code point). */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** True when no two items are equal (an array field with `unique`). */
function distinct(items: readonly unknown[]): boolean {
  return new Set(items).size === items.length;
}

/**
 * `server_hello` (section 5.1): server to client, plaintext. The server's offer. A `protocol` other than
 * `parley/2` is PROTOCOL_MISMATCH (checked after parsing, so it is a string here, not a literal). `features`
 * lists the features the server offers (5.8); a server that offers none omits it.
 */
export const serverHelloSchema = z.strictObject({
  type: z.literal('server_hello'),
  protocol: z.string().refine((s) => s.length <= 64 || codePoints(s) <= 64, { error: 'expected at most 64 characters' }),
  nonce: base64Bytes({ size: 32 }),
  groups: z.array(z.strictObject({
    group: z.string().refine((s) => s.length <= 32 || codePoints(s) <= 32, { error: 'expected at most 32 characters' }),
    share: base64Bytes({ maxSize: 512 }),
  })).min(1).max(8),
  limits: z.strictObject({
    maxFrame: z.number().int().min(1),
    maxMessage: z.number().int().min(1),
    maxName: z.number().int().min(1),
  }),
  features: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)).max(32).refine(distinct, { error: 'expected no duplicate items' }).optional(),
});

/**
 * `refused` (section 5.10): server to client, plaintext. Sent instead of `server_hello` by a server that will
 * not serve the connection, which it then closes (5.10). Unauthenticated: a client shows it as what the
 * server says, not as a fact. `code` is one of the refusal codes of section 12 (SERVER_FULL, SERVER_SHUTDOWN,
 * TOO_MANY_FROM_ADDRESS, ADDRESS_RATE_LIMITED, BANNED); a client shows an unknown code with the message as it
 * would a known one. One exception (11.4): while an address's connection bucket stays empty, only the first
 * connection refused for it gets this packet; the next are closed without one.
 */
export const refusedSchema = z.strictObject({
  type: z.literal('refused'),
  code: z.string().refine((s) => s.length <= 64 || codePoints(s) <= 64, { error: 'expected at most 64 characters' }),
  message: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `client_hello` (section 5.2): client to server, plaintext. The client's choice of group and its share. A
 * `protocol` other than `parley/2` is PROTOCOL_MISMATCH (checked after parsing, so it is a string here, not a
 * literal). `features` lists the features the client wants (5.8); sent only when `server_hello` listed
 * features.
 */
export const clientHelloSchema = z.strictObject({
  type: z.literal('client_hello'),
  protocol: z.string().refine((s) => s.length <= 64 || codePoints(s) <= 64, { error: 'expected at most 64 characters' }),
  group: z.string().refine((s) => s.length <= 32 || codePoints(s) <= 32, { error: 'expected at most 32 characters' }),
  share: base64Bytes({ maxSize: 512 }),
  nonce: base64Bytes({ size: 32 }),
  features: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)).max(32).refine(distinct, { error: 'expected no duplicate items' }).optional(),
});

/**
 * `server_auth` (section 5.5): server to client, encrypted. Proof of the server's identity over the
 * transcript.
 */
export const serverAuthSchema = z.strictObject({
  type: z.literal('server_auth'),
  identity: base64Bytes({ size: 32 }),
  signature: base64Bytes({ size: 64 }),
});

/**
 * `client_auth` (section 7.16): client to server, encrypted. Feature `client-key` (5.8): the client proves
 * that it holds the Ed25519 key `key` (32 bytes, RFC 8032 encoding); `sig` is its signature over the ASCII
 * context `parley/2 client auth`, one zero byte, then TH (5.4). Optional, and only as the client's first
 * packet after `server_auth`, before anything else it sends; a second one, or one after any other packet of
 * the client, is PACKET_UNEXPECTED. A key that is not a valid Ed25519 point, not canonically encoded or of
 * small order (7.16 Key encoding), or a signature that does not verify is CLIENT_AUTH_FAILED, a banned key
 * BANNED (both fatal). The server sends no reply of its own: `join_ok.key` shows what it recorded (7.16).
 */
export const clientAuthSchema = z.strictObject({
  type: z.literal('client_auth'),
  key: base64Bytes({ size: 32 }),
  sig: base64Bytes({ size: 64 }),
});

/** `join` (section 7.2): client to server, encrypted. Ask for a name. Allowed until a name is accepted. */
export const joinSchema = z.strictObject({
  type: z.literal('join'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `join_ok` (section 7.2): server to client, encrypted. The name is accepted; the joined user's name as the
 * server records it, the users in the room (including the joined user) and the message of the day. When the
 * list does not fit one record, `more: true` says it continues in `user_list` packets; the last has no `more`
 * (or false). Feature `client-key` (7.16): `key` is the joiner's own short fingerprint when it proved a key,
 * `op: true` when that key is an operator's (7.18), and `keys` names the keyed members among `users` of this
 * packet (each part of a split list carries the keys of its own names).
 */
export const joinOkSchema = z.strictObject({
  type: z.literal('join_ok'),
  name: z.string(),
  users: z.array(z.string()),
  motd: z.string().optional(),
  more: z.boolean().optional(),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  op: z.boolean().optional(),
  keys: z.array(z.strictObject({
    name: z.string(),
    key: z.string().regex(/^[A-Za-z0-9+/]{12}$/),
    op: z.boolean().optional(),
  })).optional(),
});

/**
 * `join_error` (section 7.2): server to client, encrypted. The name is refused; the client may try another.
 */
export const joinErrorSchema = z.strictObject({
  type: z.literal('join_error'),
  code: z.enum(['NAME_TAKEN', 'NAME_INVALID', 'NAME_RESERVED']),
  message: z.string(),
});

/**
 * `say` (section 7.3): client to server, encrypted. A chat line to everyone. Feature `rooms` (7.15): `room`
 * names the room it is for, one the sender is in (else NOT_IN_ROOM); absent means `#lobby`. Sent only on a
 * connection that agreed `rooms`.
 */
export const saySchema = z.strictObject({
  type: z.literal('say'),
  text: z.string().min(1).refine((s) => s.length <= 65536 || codePoints(s) <= 65536, { error: 'expected at most 65536 characters' }),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `message` (section 7.3): server to client, encrypted. A chat line, stamped by the server with the sender's
 * name, an id (7.3: one counter for message, action and private, from 1) and the time (ms since the Unix
 * epoch). Every member of its room (7.15; without rooms: every joined client) receives it once, the sender
 * included, in the order the server received them. Feature `rooms` (7.15): `room` names the room it belongs
 * to, `#lobby` included, in the room's recorded spelling; sent only to a client that agreed `rooms` (absent
 * means `#lobby`). Feature `client-key` (7.16): `key` is the sender's short fingerprint when the sender is
 * keyed.
 */
export const messageSchema = z.strictObject({
  type: z.literal('message'),
  id: z.number().int().min(1),
  from: z.string(),
  text: z.string(),
  ts: z.number().int().min(0),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/** `msg` (section 7.4): client to server, encrypted. A private message to one user. */
export const msgSchema = z.strictObject({
  type: z.literal('msg'),
  to: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
  text: z.string().min(1).refine((s) => s.length <= 65536 || codePoints(s) <= 65536, { error: 'expected at most 65536 characters' }),
});

/**
 * `private` (section 7.4): server to client, encrypted. A private message, delivered to its target and echoed
 * to its sender, to nobody else (to oneself: once, 7.4). Its id comes from the counter of `message` (7.3).
 * Private messages are not kept for export. Feature `client-key` (7.16): `key` is the sender's short
 * fingerprint when the sender is keyed.
 */
export const privateSchema = z.strictObject({
  type: z.literal('private'),
  id: z.number().int().min(1),
  from: z.string(),
  to: z.string(),
  text: z.string(),
  ts: z.number().int().min(0),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
});

/**
 * `me` (section 7.5): client to server, encrypted. An action (`/me waves`). Feature `rooms` (7.15): `room`
 * names the room it is for, one the sender is in (else NOT_IN_ROOM); absent means `#lobby`. Sent only on a
 * connection that agreed `rooms`.
 */
export const meSchema = z.strictObject({
  type: z.literal('me'),
  text: z.string().min(1).refine((s) => s.length <= 65536 || codePoints(s) <= 65536, { error: 'expected at most 65536 characters' }),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `action` (section 7.5): server to client, encrypted. An action, stamped as `message` is and delivered the
 * same way. Feature `rooms` (7.15): `room` names the room it belongs to, `#lobby` included, in the room's
 * recorded spelling; sent only to a client that agreed `rooms` (absent means `#lobby`). Feature `client-key`
 * (7.16): `key` is the sender's short fingerprint when the sender is keyed.
 */
export const actionSchema = z.strictObject({
  type: z.literal('action'),
  id: z.number().int().min(1),
  from: z.string(),
  text: z.string(),
  ts: z.number().int().min(0),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `who` (section 7.6): client to server, encrypted. Ask for the user list. Feature `rooms` (7.15): `room`
 * names the room it is for, one the sender is in (else NOT_IN_ROOM); absent means `#lobby`. Sent only on a
 * connection that agreed `rooms`.
 */
export const whoSchema = z.strictObject({
  type: z.literal('who'),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `user_list` (section 7.6): server to client, encrypted. The names in the room, sorted by their case-folded
 * form (full case folding, 7.2) in code point order. A long list is split: every part but the last has `more:
 * true`, and the receiver joins the parts. Feature `rooms` (7.15): `room` names the room it belongs to,
 * `#lobby` included, in the room's recorded spelling; sent only to a client that agreed `rooms` (absent means
 * `#lobby`). Feature `client-key` (7.16): `keys` lists `{name, key, op?}` for the keyed members among `users`
 * of this part.
 */
export const userListSchema = z.strictObject({
  type: z.literal('user_list'),
  users: z.array(z.string()),
  more: z.boolean().optional(),
  keys: z.array(z.strictObject({
    name: z.string(),
    key: z.string().regex(/^[A-Za-z0-9+/]{12}$/),
    op: z.boolean().optional(),
  })).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `user_joined` (section 7.6): server to client, encrypted. Sent to every other member of the room when a
 * user joins it (at `join_ok`: `#lobby`; with `rooms`: at `room_join` too, 7.15). Feature `rooms` (7.15):
 * `room` names the room it belongs to, `#lobby` included, in the room's recorded spelling; sent only to a
 * client that agreed `rooms` (absent means `#lobby`). Feature `client-key` (7.16): `key` and `op` as in
 * `join_ok`, for a keyed member.
 */
export const userJoinedSchema = z.strictObject({
  type: z.literal('user_joined'),
  name: z.string(),
  ts: z.number().int().min(0),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  op: z.boolean().optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `user_left` (section 7.6): server to client, encrypted. Sent to every remaining member of each room a
 * joined user leaves, for any reason: leaving the server (one per room it was in) or, with `rooms`, a part
 * (reason `part`, sent only to a client that agreed `rooms`; a client without it is told `quit`, 7.15).
 * Feature `rooms` (7.15): `room` names the room it belongs to, `#lobby` included, in the room's recorded
 * spelling; sent only to a client that agreed `rooms` (absent means `#lobby`). The reasons `kicked` and
 * `banned` (7.18) are sent only to a client that agreed `moderation`; any other gets `quit` for them.
 */
export const userLeftSchema = z.strictObject({
  type: z.literal('user_left'),
  name: z.string(),
  reason: z.enum(['quit', 'lost', 'timeout', 'error', 'shutdown', 'part', 'kicked', 'banned']),
  ts: z.number().int().min(0),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `users_joined` (section 7.6): server to client, encrypted. A run of `user_joined` notices sent together in
 * one presence batch (11): the names in the order they joined, and `ts` the time of the last join. The
 * receiver handles it exactly as one `user_joined` per name, in order. Only a server that batches presence
 * sends it; each packet fits one record, and a longer run is split over several packets. Feature `rooms`
 * (7.15): `room` names the room it belongs to, `#lobby` included, in the room's recorded spelling; sent only
 * to a client that agreed `rooms` (absent means `#lobby`). Feature `client-key` (7.16): `keys` lists `{name,
 * key, op?}` for the keyed members among `names`.
 */
export const usersJoinedSchema = z.strictObject({
  type: z.literal('users_joined'),
  names: z.array(z.string()).min(2),
  ts: z.number().int().min(0),
  keys: z.array(z.strictObject({
    name: z.string(),
    key: z.string().regex(/^[A-Za-z0-9+/]{12}$/),
    op: z.boolean().optional(),
  })).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `users_left` (section 7.6): server to client, encrypted. A run of consecutive `user_left` notices with the
 * same reason sent together in one presence batch (11): the names in the order they left, and `ts` the time
 * of the last leave. The receiver handles it exactly as one `user_left` per name with that reason, in order.
 * Only a server that batches presence sends it; each packet fits one record, and a longer run is split over
 * several packets. Feature `rooms` (7.15): `room` names the room it belongs to, `#lobby` included, in the
 * room's recorded spelling; sent only to a client that agreed `rooms` (absent means `#lobby`). `kicked` and
 * `banned` as for `user_left` (7.18).
 */
export const usersLeftSchema = z.strictObject({
  type: z.literal('users_left'),
  names: z.array(z.string()).min(2),
  reason: z.enum(['quit', 'lost', 'timeout', 'error', 'shutdown', 'part', 'kicked', 'banned']),
  ts: z.number().int().min(0),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `export` (section 7.7): client to server, encrypted. Ask for the conversation so far. At most one large
 * reply (an export's, or a room list's, 7.15) is in flight per connection: an `export` that arrives while the
 * server is still sending the reply to an earlier `export` or `rooms` is answered with a non-fatal `error`
 * RATE_LIMITED and nothing else; the first reply continues. Feature `rooms` (7.15): `room` names the room it
 * is for, one the sender is in (else NOT_IN_ROOM); absent means `#lobby`. Sent only on a connection that
 * agreed `rooms`.
 */
export const exportSchema = z.strictObject({
  type: z.literal('export'),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `export_reply` (section 7.7): server to client, encrypted. The conversation held in memory (at most
 * `history` entries) when the `export` arrived: chat lines, actions, joins and leaves, oldest first. Private
 * messages are not included. A long conversation is split over several export_reply packets so that each fits
 * in maxFrame; the last has `done: true`. The server produces the parts as the client's socket takes them
 * (sendWindowBytes, 11); an entry the history drops before its part is made is left out. Entries: kind
 * `message` and `action` carry `from` (the sender's name) and `text`; kind `join` carries `name`; kind
 * `leave` carries `name` and `reason` (the `user_left` reasons); every entry carries `ts`. No entry carries
 * English prose: a client renders join and leave entries from these fields. A client that did not list the
 * feature `structured-export` in its hello gets the 2.0 form instead: join and leave entries carry `from`
 * (the name) and `text` (`<name> joined`, `<name> left`) and no `name` or `reason`. Feature `rooms` (7.15):
 * `room` names the room it belongs to, `#lobby` included, in the room's recorded spelling; sent only to a
 * client that agreed `rooms` (absent means `#lobby`). A leave entry with reason `part` (7.15) is sent as
 * `quit` to a client that did not agree `rooms`. A member removed by a kick or a ban (7.18) is kept as a
 * leave with reason `quit`.
 */
export const exportReplySchema = z.strictObject({
  type: z.literal('export_reply'),
  entries: z.array(z.strictObject({
    kind: z.enum(['message', 'action', 'join', 'leave']),
    from: z.string().optional(),
    text: z.string().optional(),
    name: z.string().optional(),
    reason: z.enum(['quit', 'lost', 'timeout', 'error', 'shutdown', 'part']).optional(),
    ts: z.number().int().min(0),
  })),
  done: z.boolean(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `backlog` (section 7.10): server to client, encrypted. Feature `backlog` (5.8): the room's recent chat
 * lines and actions, sent once to a client that just joined, right after `join_ok` and its `user_list` parts
 * and before anything else, oldest first, and only when there is at least one: the newest `backlog` (11) of
 * them that fit the join budget (7.10). They are history, not new lines: a client shows them marked as such
 * (the reference client: dimmed, under a `-- history --` separator). A long backlog is split so that each
 * packet fits in maxFrame; the last has `done: true`. Feature `rooms` (7.15): `room` names the room it
 * belongs to, `#lobby` included, in the room's recorded spelling; sent only to a client that agreed `rooms`
 * (absent means `#lobby`).
 */
export const backlogSchema = z.strictObject({
  type: z.literal('backlog'),
  entries: z.array(z.strictObject({
    kind: z.enum(['message', 'action']),
    from: z.string(),
    text: z.string(),
    ts: z.number().int().min(0),
  })),
  done: z.boolean(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
});

/**
 * `nick` (section 7.11): client to server, encrypted. Feature `nick` (5.8): rename. The wanted name follows
 * the rules and keys of `join` (7.2: NFC, the pattern, UTS #39, reserved names, maxName); a name whose keys
 * belong only to the sender is allowed (a change of case or accent). A refused name gets `join_error` with
 * NAME_INVALID, NAME_RESERVED or NAME_TAKEN (the one packet for name errors) and the sender keeps its name;
 * an accepted one is announced with `user_renamed`. Its rateCost is that of `join` (it runs the same name
 * check); refused by the rate limit (7.8), it gets RATE_LIMITED and keeps its name.
 */
export const nickSchema = z.strictObject({
  type: z.literal('nick'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `user_renamed` (section 7.11): server to client, encrypted. Feature `nick`: `from` is now called `to` (the
 * name as the server records it), sent to every joined client that agreed `nick`, the renamed one included
 * (its confirmation), in order with the chat lines. A joined client that did not agree `nick` is told the
 * same change as a `user_left` of the old name (reason `quit`) followed by a `user_joined` of the new one, so
 * that its user list stays right. Lines said before the rename keep the old name in the history. Feature
 * `client-key` (7.16): `key` is the renamed member's short fingerprint when keyed (a rename keeps the key).
 */
export const userRenamedSchema = z.strictObject({
  type: z.literal('user_renamed'),
  from: z.string(),
  to: z.string(),
  ts: z.number().int().min(0),
  key: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
});

/**
 * `away` (section 7.12): client to server, encrypted. Feature `away` (5.8): the sender is away, with an
 * optional reason (`/away [reason]`); sent again, it replaces the reason.
 */
export const awaySchema = z.strictObject({
  type: z.literal('away'),
  reason: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
});

/**
 * `back` (section 7.12): client to server, encrypted. Feature `away`: the sender is back. Being back when not
 * away changes nothing and announces nothing.
 */
export const backSchema = z.strictObject({
  type: z.literal('back'),
});

/**
 * `user_away` (section 7.12): server to client, encrypted. Feature `away`: `name` is away (`away: true`, with
 * the `reason` if one was given) or back (`away: false`, no reason). Sent to every joined client that agreed
 * `away`, the sender included, when a member goes away or comes back; right after `join_ok` (and the backlog)
 * one per member away at that moment, so that a newcomer's user list shows who is away; when an away member
 * joins a room (`room_join`, 7.15), to each member of that room that shared no other room with it, right
 * after its `user_joined`; and to the sender of a private message to an away member, right after the echo of
 * that `private` (the away notice). Away ends when the member leaves; a rename keeps it. A client without
 * `away` is told nothing.
 */
export const userAwaySchema = z.strictObject({
  type: z.literal('user_away'),
  name: z.string(),
  away: z.boolean(),
  reason: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
  ts: z.number().int().min(0),
});

/**
 * `whois` (section 7.13): client to server, encrypted. Feature `whois` (5.8): ask about one member, found by
 * the room's name comparison (7.2). A name nobody has gets `error` NO_SUCH_USER (not fatal), as `msg` does.
 */
export const whoisSchema = z.strictObject({
  type: z.literal('whois'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `whois_reply` (section 7.13): server to client, encrypted. Feature `whois`: the answer, to the asker only.
 * `name` as the server records it; `joined`: when the member joined (ms since the Unix epoch); `idle`: ms
 * since the member's last public act, a chat line, action, rename or away change (since joining when none; a
 * private message does not count, 7.13); `away` and, when one was given, `reason` (7.12). Feature
 * `client-key` (7.16): `fingerprint`, the member's FULL fingerprint, and `op: true` for an operator, only
 * when the member is keyed. Feature `moderation` (7.18): `addr`, the member's address hash, only to an asker
 * that is an operator, and `address`, the member's network address as the per-address limits count it, only
 * to an operator and only on a server that allows it (the reference server: `--ops-see-addresses`). Nothing
 * else about a member is ever told: to a member who is not an operator no network address, no address hash,
 * no port, no client software.
 */
export const whoisReplySchema = z.strictObject({
  type: z.literal('whois_reply'),
  name: z.string(),
  joined: z.number().int().min(0),
  idle: z.number().int().min(0),
  away: z.boolean(),
  reason: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/).optional(),
  op: z.boolean().optional(),
  addr: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  address: z.string().refine((s) => s.length <= 64 || codePoints(s) <= 64, { error: 'expected at most 64 characters' }).optional(),
});

/**
 * `room_join` (section 7.15): client to server, encrypted. Feature `rooms` (5.8): join a room, making it
 * exist when it does not (7.15). The reply is `room_joined` (then the room's backlog and away notices), or a
 * non-fatal `error` ROOM_INVALID or TOO_MANY_ROOMS. Joining a room the sender is in is idempotent: a fresh
 * `room_joined` and nothing else.
 */
export const roomJoinSchema = z.strictObject({
  type: z.literal('room_join'),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `room_part` (section 7.15): client to server, encrypted. Feature `rooms`: leave a room. The reply is
 * `room_parted`, or a non-fatal `error` ROOM_INVALID or NOT_IN_ROOM (the sender is not in it, whether or not
 * it exists). Any room may be parted, `#lobby` included.
 */
export const roomPartSchema = z.strictObject({
  type: z.literal('room_part'),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
});

/**
 * `rooms` (section 7.15): client to server, encrypted. Feature `rooms`: ask for the list of every room that
 * exists. The reply is `room_list`, a large reply like an export's (7.7): at most one is in flight per
 * connection, so a `rooms` that arrives while the server is still sending the reply to an earlier `rooms` or
 * `export` is answered with a non-fatal `error` RATE_LIMITED and nothing else; the first reply continues.
 */
export const roomsSchema = z.strictObject({
  type: z.literal('rooms'),
});

/**
 * `topic` (section 7.15): client to server, encrypted. Feature `rooms`: set the topic of a room the sender is
 * in (any member may; else NOT_IN_ROOM). An empty `topic` clears it. One line (the `reason` rule of 7.1);
 * more than maxTopic characters (7.1) but no more than this maxLength gets the non-fatal MESSAGE_TOO_LONG and
 * changes nothing. Announced with `topic_changed`.
 */
export const topicSchema = z.strictObject({
  type: z.literal('topic'),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
  topic: z.string().refine((s) => s.length <= 4096 || codePoints(s) <= 4096, { error: 'expected at most 4096 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/),
});

/**
 * `room_joined` (section 7.15): server to client, encrypted. Feature `rooms`: the sender is in `room` (the
 * room's recorded spelling, 7.15). `users`: the room's members, the joiner included, sorted as `user_list`;
 * `topic`: the room's topic, `""` when it has none; `ts`: the time of the join. When the list does not fit
 * one record, `more: true` says it continues in `user_list` packets with `room`; the last has no `more` (or
 * false). Sent before any other packet of that room: then the room's `backlog` (with `backlog` agreed, only
 * when the join was not idempotent), then the room's `user_away` notices (with `away` agreed).
 */
export const roomJoinedSchema = z.strictObject({
  type: z.literal('room_joined'),
  room: z.string(),
  users: z.array(z.string()),
  topic: z.string(),
  ts: z.number().int().min(0),
  more: z.boolean().optional(),
});

/**
 * `room_parted` (section 7.15): server to client, encrypted. Feature `rooms`: the sender is no longer in
 * `room`; nothing of that room is sent to it after this packet. `ts`: the time of the part.
 */
export const roomPartedSchema = z.strictObject({
  type: z.literal('room_parted'),
  room: z.string(),
  ts: z.number().int().min(0),
});

/**
 * `room_list` (section 7.15): server to client, encrypted. Feature `rooms`: every room that exists (a room
 * with at least one member), one entry each: `room` (recorded spelling), `members` (how many members it has)
 * and `topic` (`""` when none); sorted by the case-folded form of the name (full case folding, 7.2) in code
 * point order. A long list is split as `user_list` is: every part but the last has `more: true`, and the
 * receiver joins the parts. With no room at all, one packet with an empty `rooms`. The server produces the
 * parts as the client's socket takes them (sendWindowBytes, 11), as it does an export's (7.7): the rooms
 * listed are those that existed when `rooms` arrived, in that order, and each part shows them as they are
 * when the part is made (`members`, `topic`); a room that has emptied by then (7.15) is left out, even when a
 * room of the same name exists again, and a room made after the request is not listed. So the last part may
 * hold no entry, and other packets may arrive between the parts.
 */
export const roomListSchema = z.strictObject({
  type: z.literal('room_list'),
  rooms: z.array(z.strictObject({
    room: z.string(),
    members: z.number().int().min(1),
    topic: z.string(),
  })),
  more: z.boolean().optional(),
});

/**
 * `topic_changed` (section 7.15): server to client, encrypted. Feature `rooms`: `by` (a member's name as the
 * server records it) set the topic of `room` to `topic` (`""`: cleared) at `ts`. Sent to every member of the
 * room, the setter included, in order with the room's lines.
 */
export const topicChangedSchema = z.strictObject({
  type: z.literal('topic_changed'),
  room: z.string(),
  topic: z.string(),
  by: z.string(),
  ts: z.number().int().min(0),
});

/**
 * `kick` (section 7.18): client to server, encrypted. Feature `moderation` (5.8), operators only (7.18):
 * remove the joined member `name` (found by the 7.2 comparison) from the server. The member gets `error`
 * KICKED (fatal) and is closed; it may come back at once. Not an operator: NOT_OPERATOR; no such member:
 * NO_SUCH_USER (both non-fatal).
 */
export const kickSchema = z.strictObject({
  type: z.literal('kick'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }),
  reason: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
});

/**
 * `ban` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): ban exactly
 * one target: `name`, a joined member (its key when keyed, else its address hash), `key`, a full key
 * fingerprint, or `addr`, an address hash as `whois_reply` shows it. No target or more than one is
 * PACKET_MALFORMED. `duration` in seconds (at most 365 days), 0 for as long as the ban list lasts (until
 * `unban`, or the server stops when it keeps bans in memory only). Every joined member the ban covers is
 * removed as by `kick`, with BANNED.
 */
export const banSchema = z.strictObject({
  type: z.literal('ban'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
  key: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/).optional(),
  addr: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  duration: z.number().int().min(0).max(31536000),
  reason: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
});

/**
 * `unban` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): lift the
 * ban with id `ban` (as `ban_list` shows it); an id no ban has is NO_SUCH_BAN (non-fatal).
 */
export const unbanSchema = z.strictObject({
  type: z.literal('unban'),
  ban: z.number().int().min(1),
});

/**
 * `bans` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): ask for
 * the ban list; answered with `ban_list`.
 */
export const bansSchema = z.strictObject({
  type: z.literal('bans'),
});

/**
 * `mute` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): mute
 * exactly one target: `name`, a joined member (its key when keyed, else its address hash), `key`, a full key
 * fingerprint, or `addr`, an address hash as `whois_reply` shows it. No target or more than one is
 * PACKET_MALFORMED. Those it covers may not speak (`say`, `me`, and `topic`, `nick`, an `away` reason, a new
 * room: 7.18) for `duration` seconds (0: until `unmute` or the server stops). `room` scopes it to one room
 * and is allowed only on a connection that agreed `rooms` (7.15; elsewhere PACKET_MALFORMED); without it the
 * mute is server-wide. A `room` that does not exist: NO_SUCH_ROOM. One that would make more than maxMutes in
 * force: RATE_LIMITED (a replacing one always fits).
 */
export const muteSchema = z.strictObject({
  type: z.literal('mute'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
  key: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/).optional(),
  addr: z.string().regex(/^[A-Za-z0-9+/]{12}$/).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
  duration: z.number().int().min(0).max(31536000),
  reason: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
});

/**
 * `unmute` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): lift
 * mutes, naming exactly one of `name` (every mute that covers that joined member, key and address alike:
 * without `room` all of them, with `room` that room's) and `mute` (the one mute with that id, as `mute_list`
 * shows it; the member need not be joined). Neither or both, or a `room` with `mute`: PACKET_MALFORMED.
 * Nothing to lift (no such id, or no mute covers the member there): NO_SUCH_MUTE (non-fatal), and nothing
 * changes.
 */
export const unmuteSchema = z.strictObject({
  type: z.literal('unmute'),
  name: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
  room: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).optional(),
  mute: z.number().int().min(1).optional(),
});

/**
 * `mutes` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): ask for
 * the mutes in force; answered with `mute_list`.
 */
export const mutesSchema = z.strictObject({
  type: z.literal('mutes'),
});

/**
 * `motd` (section 7.18): client to server, encrypted. Feature `moderation`, operators only (7.18): set the
 * message of the day that `join_ok` carries from now on (empty: none). Held in memory until the server stops.
 * The text is one line, by the rule of 7.1 for `reason` (no C0 or C1 control, U+2028 or U+2029: else
 * PACKET_MALFORMED), since every member's client shows it.
 */
export const motdSchema = z.strictObject({
  type: z.literal('motd'),
  text: z.string().refine((s) => s.length <= 512 || codePoints(s) <= 512, { error: 'expected at most 512 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/),
});

/**
 * `moderated` (section 7.18): server to client, encrypted. Feature `moderation` (7.18): an operator acted.
 * `action` says what; `target` is the member's name (for a ban, unban, mute or unmute that hits no joined
 * member: the target as `ban_list` or `mute_list` gives it); `by` is the operator's name; `room` the room's
 * recorded spelling (7.15), as `mute_list` gives it, whatever spelling the operator used; `duration`
 * (seconds, 0: no end), `reason` and, for `motd`, `text` as the operator gave them; `ts` when. Who gets it:
 * 7.18.
 */
export const moderatedSchema = z.strictObject({
  type: z.literal('moderated'),
  action: z.enum(['kick', 'ban', 'unban', 'mute', 'unmute', 'motd']),
  target: z.string().optional(),
  by: z.string(),
  room: z.string().optional(),
  duration: z.number().int().min(0).optional(),
  reason: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
  text: z.string().optional(),
  ts: z.number().int().min(0),
});

/**
 * `ban_list` (section 7.18): server to client, encrypted. Feature `moderation` (7.18): the bans in force, to
 * the operator who asked, oldest first. `id` names the ban for `unban`; `kind` says whether `target` is a
 * full key fingerprint or an address hash; `name`: the member's name when the ban was made by `name`; `by`:
 * the full fingerprint of the operator who made it; `until`: when it ends (ms since the Unix epoch, 0: no
 * end). A long list is split like `user_list`: every part but the last has `more: true`.
 */
export const banListSchema = z.strictObject({
  type: z.literal('ban_list'),
  bans: z.array(z.strictObject({
    id: z.number().int().min(1),
    kind: z.enum(['key', 'addr']),
    target: z.string(),
    name: z.string().optional(),
    by: z.string(),
    until: z.number().int().min(0),
    reason: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
  })),
  more: z.boolean().optional(),
});

/**
 * `mute_list` (section 7.18): server to client, encrypted. Feature `moderation` (7.18): the mutes in force,
 * to the operator who asked, oldest first. `id` names the mute for `unmute`; `kind` says whether `target` is
 * a full key fingerprint or an address hash; `name`: the member's name when the mute was made by `name`;
 * `room`: the room it is scoped to (the spelling the room had), absent for a server-wide mute; `by`: the full
 * fingerprint of the operator who made it; `until`: when it ends (ms since the Unix epoch, 0: no end). A long
 * list is split like `user_list`: every part but the last has `more: true`.
 */
export const muteListSchema = z.strictObject({
  type: z.literal('mute_list'),
  mutes: z.array(z.strictObject({
    id: z.number().int().min(1),
    kind: z.enum(['key', 'addr']),
    target: z.string(),
    name: z.string().optional(),
    room: z.string().optional(),
    by: z.string(),
    until: z.number().int().min(0),
    reason: z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
  })),
  more: z.boolean().optional(),
});

/**
 * `error` (section 4): either direction, encrypted. An error with its stable code. `fatal: true` means the
 * sender closes the connection right after it; `fatal: false` means the connection continues, and the
 * receiver only reports it (4.3).
 */
export const errorSchema = z.strictObject({
  type: z.literal('error'),
  code: z.string().refine((s) => s.length <= 64 || codePoints(s) <= 64, { error: 'expected at most 64 characters' }),
  message: z.string().refine((s) => s.length <= 1024 || codePoints(s) <= 1024, { error: 'expected at most 1024 characters' }),
  fatal: z.boolean(),
});

/**
 * `ping` (section 7.8): either direction, encrypted. Liveness check; the peer answers `pong` with the same n.
 */
export const pingSchema = z.strictObject({
  type: z.literal('ping'),
  n: z.number().int().min(0),
});

/** `pong` (section 7.8): either direction, encrypted. Answer to `ping`. */
export const pongSchema = z.strictObject({
  type: z.literal('pong'),
  n: z.number().int().min(0),
});

/**
 * `goodbye` (section 7.9): either direction, encrypted. A clean close: the sender sends nothing after it and
 * closes. A stopping server sends it to everyone (7.9).
 */
export const goodbyeSchema = z.strictObject({
  type: z.literal('goodbye'),
  reason: z.string().refine((s) => s.length <= 256 || codePoints(s) <= 256, { error: 'expected at most 256 characters' }).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/).optional(),
});

/** Every v2 packet type, in spec order. */
export const V2_PACKET_TYPES = [
  'server_hello',
  'refused',
  'client_hello',
  'server_auth',
  'client_auth',
  'join',
  'join_ok',
  'join_error',
  'say',
  'message',
  'msg',
  'private',
  'me',
  'action',
  'who',
  'user_list',
  'user_joined',
  'user_left',
  'users_joined',
  'users_left',
  'export',
  'export_reply',
  'backlog',
  'nick',
  'user_renamed',
  'away',
  'back',
  'user_away',
  'whois',
  'whois_reply',
  'room_join',
  'room_part',
  'rooms',
  'topic',
  'room_joined',
  'room_parted',
  'room_list',
  'topic_changed',
  'kick',
  'ban',
  'unban',
  'bans',
  'mute',
  'unmute',
  'mutes',
  'motd',
  'moderated',
  'ban_list',
  'mute_list',
  'error',
  'ping',
  'pong',
  'goodbye',
] as const;

export type V2PacketType = (typeof V2_PACKET_TYPES)[number];

/** The schema of each packet type. */
export const V2_PACKET_SCHEMAS = {
  server_hello: serverHelloSchema,
  refused: refusedSchema,
  client_hello: clientHelloSchema,
  server_auth: serverAuthSchema,
  client_auth: clientAuthSchema,
  join: joinSchema,
  join_ok: joinOkSchema,
  join_error: joinErrorSchema,
  say: saySchema,
  message: messageSchema,
  msg: msgSchema,
  private: privateSchema,
  me: meSchema,
  action: actionSchema,
  who: whoSchema,
  user_list: userListSchema,
  user_joined: userJoinedSchema,
  user_left: userLeftSchema,
  users_joined: usersJoinedSchema,
  users_left: usersLeftSchema,
  export: exportSchema,
  export_reply: exportReplySchema,
  backlog: backlogSchema,
  nick: nickSchema,
  user_renamed: userRenamedSchema,
  away: awaySchema,
  back: backSchema,
  user_away: userAwaySchema,
  whois: whoisSchema,
  whois_reply: whoisReplySchema,
  room_join: roomJoinSchema,
  room_part: roomPartSchema,
  rooms: roomsSchema,
  topic: topicSchema,
  room_joined: roomJoinedSchema,
  room_parted: roomPartedSchema,
  room_list: roomListSchema,
  topic_changed: topicChangedSchema,
  kick: kickSchema,
  ban: banSchema,
  unban: unbanSchema,
  bans: bansSchema,
  mute: muteSchema,
  unmute: unmuteSchema,
  mutes: mutesSchema,
  motd: motdSchema,
  moderated: moderatedSchema,
  ban_list: banListSchema,
  mute_list: muteListSchema,
  error: errorSchema,
  ping: pingSchema,
  pong: pongSchema,
  goodbye: goodbyeSchema,
} as const;

/** A packet a client may send (c2s or both); a server parses received packets with it. */
export const v2ClientPacketSchema = z.discriminatedUnion('type', [
  clientHelloSchema,
  clientAuthSchema,
  joinSchema,
  saySchema,
  msgSchema,
  meSchema,
  whoSchema,
  exportSchema,
  nickSchema,
  awaySchema,
  backSchema,
  whoisSchema,
  roomJoinSchema,
  roomPartSchema,
  roomsSchema,
  topicSchema,
  kickSchema,
  banSchema,
  unbanSchema,
  bansSchema,
  muteSchema,
  unmuteSchema,
  mutesSchema,
  motdSchema,
  errorSchema,
  pingSchema,
  pongSchema,
  goodbyeSchema,
]);

/** A packet a server may send (s2c or both); a client parses received packets with it. */
export const v2ServerPacketSchema = z.discriminatedUnion('type', [
  serverHelloSchema,
  refusedSchema,
  serverAuthSchema,
  joinOkSchema,
  joinErrorSchema,
  messageSchema,
  privateSchema,
  actionSchema,
  userListSchema,
  userJoinedSchema,
  userLeftSchema,
  usersJoinedSchema,
  usersLeftSchema,
  exportReplySchema,
  backlogSchema,
  userRenamedSchema,
  userAwaySchema,
  whoisReplySchema,
  roomJoinedSchema,
  roomPartedSchema,
  roomListSchema,
  topicChangedSchema,
  moderatedSchema,
  banListSchema,
  muteListSchema,
  errorSchema,
  pingSchema,
  pongSchema,
  goodbyeSchema,
]);

export type V2ClientPacket = z.infer<typeof v2ClientPacketSchema>;
export type V2ServerPacket = z.infer<typeof v2ServerPacketSchema>;

export interface V2PacketMap {
  server_hello: z.infer<typeof serverHelloSchema>;
  refused: z.infer<typeof refusedSchema>;
  client_hello: z.infer<typeof clientHelloSchema>;
  server_auth: z.infer<typeof serverAuthSchema>;
  client_auth: z.infer<typeof clientAuthSchema>;
  join: z.infer<typeof joinSchema>;
  join_ok: z.infer<typeof joinOkSchema>;
  join_error: z.infer<typeof joinErrorSchema>;
  say: z.infer<typeof saySchema>;
  message: z.infer<typeof messageSchema>;
  msg: z.infer<typeof msgSchema>;
  private: z.infer<typeof privateSchema>;
  me: z.infer<typeof meSchema>;
  action: z.infer<typeof actionSchema>;
  who: z.infer<typeof whoSchema>;
  user_list: z.infer<typeof userListSchema>;
  user_joined: z.infer<typeof userJoinedSchema>;
  user_left: z.infer<typeof userLeftSchema>;
  users_joined: z.infer<typeof usersJoinedSchema>;
  users_left: z.infer<typeof usersLeftSchema>;
  export: z.infer<typeof exportSchema>;
  export_reply: z.infer<typeof exportReplySchema>;
  backlog: z.infer<typeof backlogSchema>;
  nick: z.infer<typeof nickSchema>;
  user_renamed: z.infer<typeof userRenamedSchema>;
  away: z.infer<typeof awaySchema>;
  back: z.infer<typeof backSchema>;
  user_away: z.infer<typeof userAwaySchema>;
  whois: z.infer<typeof whoisSchema>;
  whois_reply: z.infer<typeof whoisReplySchema>;
  room_join: z.infer<typeof roomJoinSchema>;
  room_part: z.infer<typeof roomPartSchema>;
  rooms: z.infer<typeof roomsSchema>;
  topic: z.infer<typeof topicSchema>;
  room_joined: z.infer<typeof roomJoinedSchema>;
  room_parted: z.infer<typeof roomPartedSchema>;
  room_list: z.infer<typeof roomListSchema>;
  topic_changed: z.infer<typeof topicChangedSchema>;
  kick: z.infer<typeof kickSchema>;
  ban: z.infer<typeof banSchema>;
  unban: z.infer<typeof unbanSchema>;
  bans: z.infer<typeof bansSchema>;
  mute: z.infer<typeof muteSchema>;
  unmute: z.infer<typeof unmuteSchema>;
  mutes: z.infer<typeof mutesSchema>;
  motd: z.infer<typeof motdSchema>;
  moderated: z.infer<typeof moderatedSchema>;
  ban_list: z.infer<typeof banListSchema>;
  mute_list: z.infer<typeof muteListSchema>;
  error: z.infer<typeof errorSchema>;
  ping: z.infer<typeof pingSchema>;
  pong: z.infer<typeof pongSchema>;
  goodbye: z.infer<typeof goodbyeSchema>;
}

export type V2Packet = V2PacketMap[V2PacketType];

/** The packet of type T, e.g. `V2PacketOf<'join'>`. */
export type V2PacketOf<T extends V2PacketType> = V2PacketMap[T];

export interface V2PacketInfo {
  readonly direction: 'c2s' | 's2c' | 'both';
  /** Sent as a record (section 6) rather than plaintext JSON. */
  readonly encrypted: boolean;
  readonly section: string;
  /** Tokens the packet takes from its connection's rate bucket (7.8); client packets only. */
  readonly rateCost?: number;
}

export const V2_PACKET_INFO: Readonly<Record<V2PacketType, V2PacketInfo>> = {
  server_hello: { direction: 's2c', encrypted: false, section: '5.1' },
  refused: { direction: 's2c', encrypted: false, section: '5.10' },
  client_hello: { direction: 'c2s', encrypted: false, section: '5.2' },
  server_auth: { direction: 's2c', encrypted: true, section: '5.5' },
  client_auth: { direction: 'c2s', encrypted: true, section: '7.16', rateCost: 2 },
  join: { direction: 'c2s', encrypted: true, section: '7.2', rateCost: 2 },
  join_ok: { direction: 's2c', encrypted: true, section: '7.2' },
  join_error: { direction: 's2c', encrypted: true, section: '7.2' },
  say: { direction: 'c2s', encrypted: true, section: '7.3', rateCost: 1 },
  message: { direction: 's2c', encrypted: true, section: '7.3' },
  msg: { direction: 'c2s', encrypted: true, section: '7.4', rateCost: 1 },
  private: { direction: 's2c', encrypted: true, section: '7.4' },
  me: { direction: 'c2s', encrypted: true, section: '7.5', rateCost: 1 },
  action: { direction: 's2c', encrypted: true, section: '7.5' },
  who: { direction: 'c2s', encrypted: true, section: '7.6', rateCost: 3 },
  user_list: { direction: 's2c', encrypted: true, section: '7.6' },
  user_joined: { direction: 's2c', encrypted: true, section: '7.6' },
  user_left: { direction: 's2c', encrypted: true, section: '7.6' },
  users_joined: { direction: 's2c', encrypted: true, section: '7.6' },
  users_left: { direction: 's2c', encrypted: true, section: '7.6' },
  export: { direction: 'c2s', encrypted: true, section: '7.7', rateCost: 8 },
  export_reply: { direction: 's2c', encrypted: true, section: '7.7' },
  backlog: { direction: 's2c', encrypted: true, section: '7.10' },
  nick: { direction: 'c2s', encrypted: true, section: '7.11', rateCost: 2 },
  user_renamed: { direction: 's2c', encrypted: true, section: '7.11' },
  away: { direction: 'c2s', encrypted: true, section: '7.12', rateCost: 1 },
  back: { direction: 'c2s', encrypted: true, section: '7.12', rateCost: 1 },
  user_away: { direction: 's2c', encrypted: true, section: '7.12' },
  whois: { direction: 'c2s', encrypted: true, section: '7.13', rateCost: 1 },
  whois_reply: { direction: 's2c', encrypted: true, section: '7.13' },
  room_join: { direction: 'c2s', encrypted: true, section: '7.15', rateCost: 2 },
  room_part: { direction: 'c2s', encrypted: true, section: '7.15', rateCost: 1 },
  rooms: { direction: 'c2s', encrypted: true, section: '7.15', rateCost: 3 },
  topic: { direction: 'c2s', encrypted: true, section: '7.15', rateCost: 2 },
  room_joined: { direction: 's2c', encrypted: true, section: '7.15' },
  room_parted: { direction: 's2c', encrypted: true, section: '7.15' },
  room_list: { direction: 's2c', encrypted: true, section: '7.15' },
  topic_changed: { direction: 's2c', encrypted: true, section: '7.15' },
  kick: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  ban: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  unban: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  bans: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  mute: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  unmute: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  mutes: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  motd: { direction: 'c2s', encrypted: true, section: '7.18', rateCost: 2 },
  moderated: { direction: 's2c', encrypted: true, section: '7.18' },
  ban_list: { direction: 's2c', encrypted: true, section: '7.18' },
  mute_list: { direction: 's2c', encrypted: true, section: '7.18' },
  error: { direction: 'both', encrypted: true, section: '4', rateCost: 1 },
  ping: { direction: 'both', encrypted: true, section: '7.8', rateCost: 1 },
  pong: { direction: 'both', encrypted: true, section: '7.8', rateCost: 1 },
  goodbye: { direction: 'both', encrypted: true, section: '7.9', rateCost: 0 },
};

export interface V2FeatureInfo {
  readonly section: string;
  /** The packet types the feature adds: sent only where it is agreed. */
  readonly packets: readonly V2PacketType[];
}

/** The feature registry (section 5.8): every feature this spec version defines. */
export const V2_FEATURES: Readonly<Record<string, V2FeatureInfo>> = {
  'structured-export': { section: '7.7', packets: [] },
  backlog: { section: '7.10', packets: ['backlog'] },
  nick: { section: '7.11', packets: ['nick', 'user_renamed'] },
  away: { section: '7.12', packets: ['away', 'back', 'user_away'] },
  whois: { section: '7.13', packets: ['whois', 'whois_reply'] },
  rooms: {
    section: '7.15',
    packets: [
      'room_join',
      'room_part',
      'rooms',
      'topic',
      'room_joined',
      'room_parted',
      'room_list',
      'topic_changed',
    ],
  },
  'client-key': { section: '7.16', packets: ['client_auth'] },
  moderation: {
    section: '7.18',
    packets: [
      'kick',
      'ban',
      'unban',
      'bans',
      'mute',
      'unmute',
      'mutes',
      'motd',
      'moderated',
      'ban_list',
      'mute_list',
    ],
  },
};

/** Every feature name, in spec order. */
export const V2_FEATURE_NAMES: readonly string[] = [
  'structured-export',
  'backlog',
  'nick',
  'away',
  'whois',
  'rooms',
  'client-key',
  'moderation',
];

/** The feature a packet type belongs to (section 5.8); a type not listed is core 2.0 and needs none. */
export const V2_PACKET_FEATURE: Readonly<Partial<Record<V2PacketType, string>>> = {
  backlog: 'backlog',
  nick: 'nick',
  user_renamed: 'nick',
  away: 'away',
  back: 'away',
  user_away: 'away',
  whois: 'whois',
  whois_reply: 'whois',
  room_join: 'rooms',
  room_part: 'rooms',
  rooms: 'rooms',
  topic: 'rooms',
  room_joined: 'rooms',
  room_parted: 'rooms',
  room_list: 'rooms',
  topic_changed: 'rooms',
  client_auth: 'client-key',
  kick: 'moderation',
  ban: 'moderation',
  unban: 'moderation',
  bans: 'moderation',
  mute: 'moderation',
  unmute: 'moderation',
  mutes: 'moderation',
  motd: 'moderation',
  moderated: 'moderation',
  ban_list: 'moderation',
  mute_list: 'moderation',
};
