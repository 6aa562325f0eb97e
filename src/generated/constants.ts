// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

/** The version of the Parley spec these constants come from. */
export const SPEC_VERSION = '2.2.0';

/** The default TCP port. */
export const DEFAULT_PORT = 7878;

/** Framing (section 3): the header is exactly this many bytes of ASCII. */
export const HEADER_SIZE = 10;

/**
 * The header grammar: HEADER = 1*10DIGIT *SP, exactly 10 bytes; the first byte is a digit 1-9; after the
 * first space only spaces follow.
 */
export const HEADER_REGEX = /^[1-9][0-9]{0,9} *$/;

/** The wire profiles (section 2). */
export const PROFILES = ['v2', 'legacy'] as const;

export type Profile = (typeof PROFILES)[number];

/** Severities of a log line, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** The largest length a 10-digit header can announce (section 3). */
export const MAX_HEADER_LENGTH = 9_999_999_999;

/** Default limits (section 11), by name. */
export const LIMITS = {
  maxFrame: 65536,
  maxHandshakeFrame: 4096,
  maxMessage: 2000,
  maxName: 24,
  maxClients: 1024,
  maxPerAddress: 8,
  addressHandshakeBurst: 8,
  addressHandshakesPerSecond: 2,
  logLineBurst: 20,
  logLinesPerSecond: 2,
  logTotalLinesPerSecond: 20,
  history: 1000,
  backlog: 20,
  maxRoomName: 24,
  maxRoomsPerMember: 10,
  maxRooms: 256,
  maxTopic: 160,
  historyTotal: 10000,
  handshakeTimeoutMs: 10000,
  idlePingMs: 60000,
  idleTimeoutMs: 90000,
  rateBurst: 20,
  ratePerSecond: 10,
  rateRefusalReplies: 3,
  rateRefusalBudget: 100,
  rateRefusalWindowMs: 10000,
  maxQueuedBytes: 1048576,
  maxTotalQueuedBytes: 268435456,
  replyPassBytes: 262144,
  fanoutTokenBytes: 1073741824,
  maxAddressesPerPrefix: 16,
  sendWindowBytes: 65536,
  slowReaderMs: 60000,
  presenceBatchMembers: 100,
  presenceBurst: 8,
  presenceBatchMs: 200,
  presenceBatchMaxMs: 2000,
  clientHandshakeTimeoutMs: 15000,
  clientPingMs: 30000,
  clientIdleTimeoutMs: 75000,
  reservationDays: 90,
  reservationsPerKey: 4,
  maxReservations: 10000,
  maxBans: 1000,
  maxMutes: 1000,
} as const;

export type LimitName = keyof typeof LIMITS;

/** A full set of limits, e.g. a server configuration. */
export type Limits = { [K in LimitName]: number };

export interface LimitInfo {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** The reference server's option that sets it, e.g. `--max-clients`. */
  readonly serverFlag?: string;
  readonly text: string;
}

/** Each limit with its default, its accepted range, its unit and its meaning. */
export const LIMIT_INFO: Readonly<Record<LimitName, LimitInfo>> = {
  maxFrame: {
    default: 65536,
    min: 1024,
    max: 16777216,
    unit: 'bytes',
    serverFlag: '--max-frame',
    text:
      'Largest body a receiver accepts (3.2). Announced by a v2 server in `server_hello`. 11.1 A stamped ' +
      'packet must fit: a server adds the sender\'s name, an id and a time to what a client sent, and the ' +
      'largest result, a `private` (7.4), MUST still fit one record of maxFrame, or a client that enforces ' +
      'maxFrame (6.1) refuses it. In JSON a text character takes at most 6 bytes (a control character ' +
      'escaped as \\u00XX), a name character at most 4 (UTF-8), and the keys, punctuation and two integers ' +
      'of at most 16 digits take 90 bytes; with the 16-byte tag a server MUST refuse to start ' +
      '(LIMITS_INCONSISTENT) unless 6 x maxMessage + 8 x maxName + 106 <= maxFrame. A server that offers ' +
      '`rooms` (7.15) also stamps `message` and `action` with a `room` of 1 + maxRoomName characters (the ' +
      '`#` and at most maxRoomName characters of 4 bytes each, with 93 bytes for the rest) and MUST also ' +
      'refuse to start unless 6 x maxMessage + 4 x maxName + 4 x maxRoomName + 109 <= maxFrame (and the ' +
      'topic check of maxTopic holds). With maxFrame 65536, maxName 24 and maxRoomName 24 that allows ' +
      'maxMessage up to 10872 (10873 without rooms); with maxFrame 1024, up to 120 (121 without rooms). A ' +
      'server that offers `client-key` (7.16) adds the sender\'s short fingerprint to the stamped packet ' +
      '(`"key"` with 12 characters and its punctuation, 21 bytes): it MUST refuse to start unless 6 x ' +
      'maxMessage + 8 x maxName + 127 <= maxFrame, and when it offers `rooms` too, unless 6 x maxMessage + ' +
      '4 x maxName + 4 x maxRoomName + 130 <= maxFrame. So a server that offers every feature (the ' +
      'reference server by default), with maxFrame 65536 and maxName and maxRoomName 24, allows maxMessage ' +
      'up to 10869. A server that offers `moderation` (7.18) sends a motd (at most 512 characters) and ' +
      'reasons (at most 256) that hold no control character (so 4 bytes a character, as a topic), and MUST ' +
      'refuse to start (LIMITS_INCONSISTENT) unless each of its largest such packets fits: `join_ok` with ' +
      'a motd of 512 characters and one name (the joiner\'s, in `name`, `users` and `keys`, with `more`, ' +
      '`key` and `op`) needs 2048 + 12 x maxName + 162 bytes; a `moderated` with `target`, `by`, `room`, ' +
      '`duration` (at most 31536000) and `reason` needs 1024 + 4 x maxName + max(4 x maxName, 50) + 4 x ' +
      'maxRoomName + 139 (a target a ban or mute names by its full fingerprint takes 50 bytes); a ' +
      '`mute_list` part of one entry (two full fingerprints, the name, the room and the reason) needs 1024 ' +
      '+ 4 x maxName + 4 x maxRoomName + 273, and a `ban_list` part 13 bytes less (all with the 16-byte ' +
      'tag and integers of at most 16 digits). With maxName and maxRoomName 24 the largest is the ' +
      '`join_ok`, 2498 bytes: a server offering moderation needs maxFrame at least that; below it the ' +
      'operator raises maxFrame or offers no moderation (the reference server: `--features` without ' +
      '`moderation`). A motd given at start-up (the reference server\'s `--motd`) is bounded the same way ' +
      'by its own size: a server MUST refuse to start unless `join_ok` with it, 12 x maxName + 162 bytes ' +
      'and the motd\'s JSON, fits maxFrame (with moderation offered, the larger of it and 2048 bytes ' +
      'counts). A `join_ok` with a motd and more than one name keeps its list\'s first part within what ' +
      'the motd leaves of the record. An `error` whose message quotes what a client sent (a schema\'s ' +
      'complaint may name an unknown key, which a client may make as long as its own record allows) MUST ' +
      'fit one record of maxFrame too, and its message stays within the 1024 characters `error` allows ' +
      '(4.3): a server cuts such a message where the packet would break either bound (the reference server ' +
      'ends it with `…`). (An outside test found a fatal PACKET_MALFORMED of 2,526 bytes in answer to a ' +
      '2,447-byte record at maxFrame 2498, which a client that enforces maxFrame refuses instead of ' +
      'reading its code.)',
  },
  maxHandshakeFrame: {
    default: 4096,
    min: 1024,
    max: 65536,
    unit: 'bytes',
    serverFlag: '--max-handshake-frame',
    text:
      'Largest body a server accepts before the handshake has given the connection keys (3.2): the v2 ' +
      '`client_hello` (under 2 KB with 32 features) and the legacy client `key_exc` (a 617-digit number, ' +
      'under 1 KB). A longer length header gets FRAME_TOO_LARGE before a body byte is buffered, so that a ' +
      'connection that has proved nothing cannot park up to maxFrame bytes in the server. Where maxFrame ' +
      'is smaller it applies instead; every later frame has maxFrame.',
  },
  maxMessage: {
    default: 2000,
    min: 1,
    max: 32768,
    unit: 'characters',
    serverFlag: '--max-message',
    text: 'Longest chat, private or action text. Longer text gets MESSAGE_TOO_LONG (not fatal).',
  },
  maxName: {
    default: 24,
    min: 1,
    max: 64,
    unit: 'characters',
    serverFlag: '--max-name',
    text: 'Longest user name.',
  },
  maxClients: {
    default: 1024,
    min: 1,
    max: 100000,
    unit: 'connections',
    serverFlag: '--max-clients',
    text:
      'Connections a server holds at once; a connection beyond it is refused at accept with SERVER_FULL ' +
      '(v2: a `refused` packet, 5.10; legacy: closed without a word), unless a connection held has not ' +
      'joined yet (11.2). 11.2 Eviction of connections that have not joined: a server that holds ' +
      'maxClients connections, some of which have not joined yet (v2: no `join_ok`; legacy: no approved ' +
      '`setuser`), MUST NOT refuse a new connection that passes the per-address checks (maxPerAddress, ' +
      'maxAddressesPerPrefix, addressHandshakeBurst) with SERVER_FULL. It closes the connection that it ' +
      'accepted first among those not joined (the oldest) with HANDSHAKE_TIMEOUT, as if that connection\'s ' +
      'handshake time were up (v2: the `error` packet when the connection has keys, else the close alone; ' +
      'legacy: the close), and serves the new one in its slot. SERVER_FULL is sent only when every ' +
      'connection held has joined. So connections that never finish their handshake or join, from however ' +
      'many addresses and networks, cannot lock newcomers out: each lasts only until maxClients newer ' +
      'connections have been accepted, and an attacker reopening them as they close is held to ' +
      'addressHandshakesPerSecond per address, while an honest client\'s handshake and join take well ' +
      'under a second (before this rule, 1,021 silent connections from 128 addresses, reopened as they ' +
      'closed, let 8 of 20 newcomers in). Joined members are never closed to make room. A server logs ' +
      'these closes as it logs refusals at accept: the first of a 10 s window as a line of its own, the ' +
      'rest counted and summed up in one line when the window ends (`closed 950 more connections that had ' +
      'not joined within 10 s: server full`), so that a flood of connections cannot flood the log.',
  },
  maxPerAddress: {
    default: 8,
    min: 1,
    max: 100000,
    unit: 'connections',
    serverFlag: '--max-per-address',
    text:
      'Connections a server holds at once from one remote address; one more is refused at accept with ' +
      'TOO_MANY_FROM_ADDRESS (v2: a `refused` packet, 5.10; legacy: closed without a word). An IPv6 ' +
      'address counts by its /64 prefix (what one host or home network is given) and an IPv4-mapped IPv6 ' +
      'address as its IPv4 address. Eight serves a household or office behind one NAT and keeps one ' +
      'address from holding every slot: with the defaults it takes 128 addresses to fill maxClients. ' +
      'Checked after the address\'s connection bucket (11.4: a refused connection takes a token too) and ' +
      'before maxClients, so that a crowded address is told so rather than that the server is full.',
  },
  addressHandshakeBurst: {
    default: 8,
    min: 1,
    max: 100000,
    unit: 'connections',
    serverFlag: '--address-burst',
    text:
      'Size of each remote address\'s token bucket for new connections (addresses counted as for ' +
      'maxPerAddress): every accepted connection takes a token, and one that finds none is refused at ' +
      'accept with ADDRESS_RATE_LIMITED (v2: a `refused` packet, 5.10; legacy: closed without a word). ' +
      '11.4 Refusals count: every connection from an address takes a token at accept, whether it is then ' +
      'served or refused (TOO_MANY_FROM_ADDRESS, maxAddressesPerPrefix, SERVER_FULL, BANNED), and the ' +
      'bucket is checked first, right after SERVER_SHUTDOWN, so that an address reopening refused sockets ' +
      'as fast as it can is held to addressHandshakesPerSecond of them like any other: refusing costs the ' +
      'server a record and a log count, and a storm of them would otherwise cost it as many as the address ' +
      'can open. A connection that finds the bucket empty takes nothing (the bucket never goes below ' +
      'empty). The first such connection since the address last took a token gets the `refused` record ' +
      'with ADDRESS_RATE_LIMITED; the following ones, until a token is back, are closed at accept without ' +
      'a record (the address was told; its storm costs the server an accept and a close, no write), and ' +
      'are only counted in the log\'s summary line. A client that waits for a token (1 / ' +
      'addressHandshakesPerSecond seconds) after a refusal is served or told again; the reference ' +
      'client\'s reconnects back off from half a second, doubling, so that they soon fit any ' +
      'addressHandshakesPerSecond. A bucket starts full; a server MAY forget the full bucket of an address ' +
      'it holds no connection from. Shared addresses: everyone behind one public address (a carrier-grade ' +
      'NAT, a campus or office NAT) shares its bucket, its maxPerAddress and its prefix\'s ' +
      'maxAddressesPerPrefix, so a storm from one of them refuses the others too while it lasts, and a new ' +
      'connection from that address waits until the storm stops and a token is back. This is accepted: the ' +
      'server cannot tell the hosts behind one address apart (no name, key or header joins a connection to ' +
      'a host before the handshake), and the alternative, counting per connection, lets one host take ' +
      'every slot; members already joined from that address are not affected, since the bucket is taken ' +
      'only at accept. An operator whose users sit behind one NAT raises `--address-burst`, ' +
      '`--address-rate` and `--max-per-address` for everyone, or runs the server where those users reach ' +
      'it directly.',
  },
  addressHandshakesPerSecond: {
    default: 2,
    min: 1,
    max: 100000,
    unit: 'connections/s',
    serverFlag: '--address-rate',
    text:
      'Tokens added to each address\'s connection bucket per second, up to addressHandshakeBurst. A ' +
      'reconnect storm from one address (a client that reopens each socket the moment it is closed) then ' +
      'costs the server at most this many handshakes a second, while a household\'s clients reconnecting ' +
      'together after a restart fit the burst.',
  },
  logLineBurst: {
    default: 20,
    min: 1,
    max: 1000000,
    unit: 'lines',
    serverFlag: '--log-burst',
    text:
      'Size of each network prefix\'s bucket of log lines (11.5). 11.5 The log\'s bound. What clients do ' +
      'makes a server write its log, so a server MUST bound how fast they can make it grow, whatever they ' +
      'do and from however many addresses. Each line the server writes about one connection is a ' +
      'connection line: its accept, its handshake failing, the connection closing before or after its ' +
      'join, its timeouts and other ends (HANDSHAKE_TIMEOUT, SLOW_READER, RATE_EXCEEDED...), its join and ' +
      'its leave, what its client reports (a v2 `error` packet), and the requests of its member that the ' +
      'server refuses and logs (a `kick` from a member that is not an operator, a join refused by a ban: ' +
      'the reference server writes all of these as `conn N: ...`). A connection line is charged to the ' +
      'network prefix of the connection\'s address, as maxAddressesPerPrefix counts it (an IPv4 /24, an ' +
      'IPv6 /48; connections whose address the server could not tell share one prefix): each prefix has a ' +
      'bucket of logLineBurst lines, refilled at logLinesPerSecond, and the whole server one bucket of 10 ' +
      'x logTotalLinesPerSecond lines, refilled at logTotalLinesPerSecond. A connection line is written ' +
      'when its prefix\'s bucket and the server\'s both hold a token (it takes one from each); otherwise ' +
      'it is not written, only counted for its prefix. Counted lines are summed up in windows of 10 s, ' +
      'opened by the first line counted: when the window ends the server writes one summary line for each ' +
      'prefix that had lines counted, for the 10 prefixes with the most, and one line for the rest (the ' +
      'reference server: `log bound (11.5): 412 more lines about connections from 127.0.0.0/24 within 10 s ' +
      'were not written`, and `... from 731 other networks ...`). Not charged: the lines of a connection ' +
      'whose member is an operator (7.18: its actions are always written in full), lines about the server ' +
      'itself (start, stop, state files, its own failures), debug lines (an operator who asks for them ' +
      'asks for every line), and the refusals at accept and the closes that make room, which are summed up ' +
      'by code already (5.10, 11.2). So in any T seconds a server writes at most 10 x ' +
      'logTotalLinesPerSecond + T x logTotalLinesPerSecond connection lines, one prefix at most ' +
      'logLineBurst + T x logLinesPerSecond of them (so with the defaults a storm from one network takes ' +
      'at most 2 of the server\'s 20 lines a second, and the other networks\' lines are written from the ' +
      'rest), plus at most 11 summary lines per 10 s and two lines per refusal code per 10 s; a line is ' +
      'short (a value a client chose is written neutralised, 7.1, and the reference server cuts it to 120 ' +
      'characters, before escaping: a value of control or bidi characters, 6 bytes each once escaped, can ' +
      'make a line of about 720 bytes, and an outside test measured 13.9 KB/s of log under a storm of such ' +
      'values, against 4.5 KB/s with plain ones), so the log grows by a bounded number of bytes a second. ' +
      'Before this bound a client rotating through the addresses of one /24, each address within its own ' +
      'connection bucket (11.4), made the reference server write a line per connection: about 330 lines, ' +
      '38 KB, a second. An operator who wants every connection line raises the three limits ' +
      '(`--log-burst`, `--log-rate`, `--log-rate-total`).',
  },
  logLinesPerSecond: {
    default: 2,
    min: 1,
    max: 1000000,
    unit: 'lines/s',
    serverFlag: '--log-rate',
    text:
      'Tokens added to each network prefix\'s bucket of log lines per second, up to logLineBurst (11.5): ' +
      'the connection lines one IPv4 /24 or IPv6 /48 may have written a second once its burst is spent. ' +
      'Two a second is one join and one leave, far above what the people of one network do, while a ' +
      'reconnect storm from it is summed up.',
  },
  logTotalLinesPerSecond: {
    default: 20,
    min: 1,
    max: 1000000,
    unit: 'lines/s',
    serverFlag: '--log-rate-total',
    text:
      'Tokens added per second to the server\'s own bucket of log lines, which holds at most 10 x this ' +
      'many (11.5): the connection lines of every prefix together that the server writes a second once ' +
      'that burst is spent. With the defaults the connection lines grow the log by a few KB a second at ' +
      'most (a line is commonly under 150 bytes), whatever clients do.',
  },
  history: {
    default: 1000,
    min: 0,
    max: 1000000,
    unit: 'entries',
    serverFlag: '--history',
    text:
      'Chat entries kept in memory per room (7.15; all of them together at most historyTotal); the oldest ' +
      'go first. Never written to disk. What a newcomer may see of them is stated once, in 7.10.',
  },
  backlog: {
    default: 20,
    min: 0,
    max: 1000,
    unit: 'entries',
    serverFlag: '--backlog',
    text:
      'v2 feature `backlog` (7.10): how many of the newest kept chat lines and actions a joining client ' +
      'that agreed `backlog` is sent after `join_ok` (0: none). At most `history` of them exist, and fewer ' +
      'are sent when they do not fit the join budget (7.10: with the join\'s away notices, half of the ' +
      'member\'s queue limit). The reference server: `--backlog N`.',
  },
  maxRoomName: {
    default: 24,
    min: 1,
    max: 64,
    unit: 'characters',
    serverFlag: '--max-room-name',
    text:
      'v2 feature `rooms` (7.15): longest room name, counted after the `#` (NFC code points, 7.2). A ' +
      'longer name gets ROOM_INVALID (not fatal).',
  },
  maxRoomsPerMember: {
    default: 10,
    min: 1,
    max: 1000,
    unit: 'rooms',
    serverFlag: '--max-rooms-per-member',
    text:
      'v2 feature `rooms` (7.15): rooms one member may be in at once, `#lobby` included. A `room_join` ' +
      'beyond it gets TOO_MANY_ROOMS (not fatal).',
  },
  maxRooms: {
    default: 256,
    min: 0,
    max: 100000,
    unit: 'rooms',
    serverFlag: '--max-rooms',
    text:
      'v2 feature `rooms` (7.15): rooms that may exist at once besides `#lobby` (which can always be ' +
      'joined). A `room_join` that would make one more gets TOO_MANY_ROOMS (not fatal).',
  },
  maxTopic: {
    default: 160,
    min: 0,
    max: 1000,
    unit: 'characters',
    serverFlag: '--max-topic',
    text:
      'v2 feature `rooms` (7.15): longest room topic (7.1 characters). A longer one gets MESSAGE_TOO_LONG ' +
      '(not fatal); 0 lets only the empty topic be set. 11.1 A packet holding a topic must fit one record: ' +
      'a topic character takes at most 4 bytes (a topic holds no control character, so UTF-8 is the ' +
      'worst), a name or room-name character 4, and the rest of the largest such packet (a `room_list` ' +
      'part with one entry, or `room_joined` with its first name) at most 94 bytes; with the 16-byte tag a ' +
      'server that offers `rooms` MUST refuse to start (LIMITS_INCONSISTENT) unless 4 x maxTopic + 4 x ' +
      'maxName + 4 x maxRoomName + 110 <= maxFrame. The default 160 fits the smallest maxFrame, 1024, with ' +
      'maxName and maxRoomName 24.',
  },
  historyTotal: {
    default: 10000,
    min: 0,
    max: 10000000,
    unit: 'entries',
    serverFlag: '--history-total',
    text:
      'Chat entries kept in memory over all rooms together (7.15); each room keeps at most `history`. When ' +
      'a new entry would make more than historyTotal, the oldest entry of the room that holds the most ' +
      'entries goes first (of rooms holding equally many, the one whose oldest entry is oldest). Never ' +
      'written to disk.',
  },
  handshakeTimeoutMs: {
    default: 10000,
    min: 100,
    max: 600000,
    unit: 'ms',
    serverFlag: '--handshake-timeout',
    text:
      'Time from accept to a chosen name; past it the server closes with HANDSHAKE_TIMEOUT. A full server ' +
      'may close a connection that has not joined earlier, with the same code, to serve a newer one (11.2, ' +
      'under maxClients).',
  },
  idlePingMs: {
    default: 60000,
    min: 100,
    max: 3600000,
    unit: 'ms',
    serverFlag: '--idle-ping',
    text:
      'v2: a server that has heard nothing for this long sends `ping`. A minute (IRC servers wait one to a ' +
      'few): each ping costs the server a record sealed and one opened, and at 30 s a room of 10,000 idle ' +
      'members kept it allocating fast enough that V8 never gave its young generation back ' +
      '(bench/RESULTS.md).',
  },
  idleTimeoutMs: {
    default: 90000,
    min: 200,
    max: 7200000,
    unit: 'ms',
    serverFlag: '--idle-timeout',
    text:
      'v2: a server that has heard nothing for this long closes with IDLE_TIMEOUT (30 s after the ping by ' +
      'default). A peer is heard when a frame from it is complete: the bytes of an unfinished frame do not ' +
      'count, so a record trickled a byte at a time does not keep a connection open. legacy has no ping, ' +
      'so legacy servers do not apply it.',
  },
  rateBurst: {
    default: 20,
    min: 1,
    max: 100000,
    unit: 'packets',
    serverFlag: '--burst',
    text:
      'Size of each connection\'s token bucket (7.8). After the handshake (v2: every packet after ' +
      '`client_hello`; legacy: once the key exchange is done) every packet a client sends takes its ' +
      '`rateCost` (the packet table) in tokens from the bucket, whatever its type and the connection\'s ' +
      'state: chat lines, actions and private messages 1; `ping`, `pong` and a non-fatal `error` 1 (each ' +
      'costs a record opened, a ping also one sealed), but the first `pong` after the server\'s own `ping` ' +
      'is free (the server asked for it); `join` and legacy `setuser` 2 (a name check under the UTS #39 ' +
      'rules and a reply); `who` 3 (a user list, up to maxClients names); `rooms` 3 (a room list, up to ' +
      'maxRooms + 1 entries: like an export\'s, what bounds its output is the window and the pass budget, ' +
      '11, and one in flight per connection); `export` 8 (up to `history` entries; what bounds its output ' +
      'is the server\'s queue limits, the cost bounds how often it is asked: two exports and a few lines ' +
      'still fit one burst); `goodbye` 0 (nothing follows it). A packet costs at most rateBurst (so a ' +
      'small bucket forbids no type), and a bucket starts full. A server enforces the bucket in one place, ' +
      'before the packet has any effect. A packet that is fanned out to the room\'s members is charged for ' +
      'that too, after it took effect (fanoutTokenBytes, 11).',
  },
  ratePerSecond: {
    default: 10,
    min: 1,
    max: 100000,
    unit: 'packets/s',
    serverFlag: '--rate',
    text:
      'Tokens added to each connection\'s bucket per second, up to rateBurst (7.8). A packet whose cost ' +
      'exceeds the tokens left is dropped without effect (a dropped `ping` gets no `pong`, a dropped ' +
      '`join` no verdict) and counts as a refusal: the connection gets RATE_LIMITED (not fatal) for the ' +
      'first rateRefusalReplies refusals of a rateRefusalWindowMs window and nothing for later ones, so ' +
      'that the replies to a flood cannot outgrow it (one reply per refused line was 917,866 replies in 10 ' +
      's); past rateRefusalBudget refusals in one window the server closes it with RATE_EXCEEDED (fatal; ' +
      'v2: the `error` packet, then the close; the others see `user_left` with reason `error`). legacy has ' +
      'no error packet: RATE_LIMITED is a `default` line from `*server*` and RATE_EXCEEDED a close, and a ' +
      'dropped `setuser` closes the connection at once (RATE_EXCEEDED, 10.2: no reply to it exists).',
  },
  rateRefusalReplies: {
    default: 3,
    min: 0,
    max: 100000,
    unit: 'packets',
    serverFlag: '--rate-replies',
    text:
      'RATE_LIMITED replies a connection gets within one rateRefusalWindowMs window (7.8); later refusals ' +
      'in the window are dropped without a reply. A window opens at a refusal when none is open and lasts ' +
      'rateRefusalWindowMs.',
  },
  rateRefusalBudget: {
    default: 100,
    min: 1,
    max: 1000000,
    unit: 'packets',
    serverFlag: '--rate-budget',
    text:
      'Refused packets a connection may send within one rateRefusalWindowMs window; the next refusal ' +
      'closes it with RATE_EXCEEDED (7.8). Far above what a fast typist or a paste reaches (a paste of 100 ' +
      'lines at once is 80 refusals with the default bucket), and reached by a flood in well under a ' +
      'second.',
  },
  rateRefusalWindowMs: {
    default: 10000,
    min: 100,
    max: 3600000,
    unit: 'ms',
    serverFlag: '--rate-window',
    text: 'The window over which refusals are counted for rateRefusalReplies and rateRefusalBudget (7.8).',
  },
  maxQueuedBytes: {
    default: 1048576,
    min: 4096,
    max: 1073741824,
    unit: 'bytes',
    serverFlag: '--max-queued',
    text:
      'Bytes a server may hold for one connection (or twice sendWindowBytes when that is more): packets ' +
      'queued for it and not yet sealed, records sealed and not yet taken by its socket (a packet shared ' +
      'by a broadcast counts in full for each member that holds it). A queue that grows past this limit ' +
      'because the room\'s chat lines come faster than the member reads them sheds them: the server drops ' +
      '`message` and `action` packets not yet sent to that member (never presence, private messages, ' +
      'replies or errors), the oldest lines of the sender holding the most bytes first (11.3: so a ' +
      'flooder\'s backlog goes first, and lines waiting for a member are served by sender in turn), and ' +
      'once the member has caught up (less than sendWindowBytes waits for it) sends it one non-fatal ' +
      '`error` LINES_SKIPPED saying how many it missed (`export` has those of them that the room\'s ' +
      'history still keeps: it keeps the last `history` entries, 11, so of a flood longer than that, the ' +
      'oldest skipped lines are gone from export too). So a member that keeps reading is never dropped for ' +
      'the room\'s chat lines, nor for what its join sends (7.10, join budget). Away notices are bounded ' +
      'where they are queued, not shed (7.12, Away notices under load): a newer notice about a member ' +
      'replaces one about the same member not yet sent, and a reason that would take the queue past half ' +
      'this limit is left out, so the away notices waiting for a member are at most one per other member ' +
      '(besides those of its own join and private messages, 7.12) and their reasons at most half the ' +
      'limit. (Before this rule an outside test at the defaults, 60 members each sending a burst of 19 ' +
      '`away` packets with reasons of 256 characters, queued 1.2 MB of notices for every member in one ' +
      'turn and ended every member of the room as a slow reader; with `--max-queued 131072`, 288 members ' +
      'setting one reason each did the same.) Nothing else is shed, whoever caused it: replies and errors ' +
      'to the member\'s own requests, the history and lists sent at its joins, private messages to it, and ' +
      'the notices of others\' presence, renames, away changes (the newest of which stands for the older ' +
      'ones not yet sent, 7.12), topics and moderation. Each of these changes what the member knows (who ' +
      'is here, what was said to it alone), and LINES_SKIPPED can only say that room lines were missed, so ' +
      'a server does not drop them in silence. A queue still over the limit with no chat line left to shed ' +
      'ends the connection with SLOW_READER, whoever caused what waits: a member that stops reading while ' +
      'others write to it privately is ended once their messages fill its queue (at the default limits, ' +
      'six members at the rate limit sending messages of 2000 control characters queue about 720 KB a ' +
      'second for it, so once its socket\'s own buffers are full a member that still does not read is ' +
      'ended within about 1.5 s). Its client reports SLOW_READER and may join again; a member that reads ' +
      'is not affected. legacy has no way to say lines were skipped, so a legacy server does not shed: ' +
      'over the limit is SLOW_READER. So a legacy queue should hold at least one member\'s burst of the ' +
      'longest lines: rateBurst lines of maxMessage characters, each character up to 16 bytes of a frame ' +
      'once the legacy body escapes it (`\\uXXXX`, twice for a character past U+FFFF) and base64 encodes ' +
      'it, which is about 32.3 KB a line and 650 KB for a burst of 20 at the defaults (about 16.3 KB a ' +
      'line of CJK text). Below that, one member saying its burst of the longest lines makes every prompt ' +
      'legacy reader a slow reader at once (with 256 KiB, a burst of 20 CJK lines did). A server does not ' +
      'refuse a smaller value, since for a legacy server this limit is the only bound on what it holds for ' +
      'a member; the operator chooses. The limit holds as packets are queued, not only when a socket is ' +
      'written to (one read may carry many chat lines, each fanned out to every member): nothing more is ' +
      'sealed for a legacy member already over it, and its unread queue is dropped, not written, when it ' +
      'is closed.',
  },
  maxTotalQueuedBytes: {
    default: 268435456,
    min: 65536,
    max: 1099511627776,
    unit: 'bytes',
    serverFlag: '--max-queued-total',
    text:
      'Bytes a server may hold queued across all its connections (the sum of what maxQueuedBytes counts ' +
      'for each). While the total is over it, each connection\'s limit is its fair share instead: ' +
      'maxTotalQueuedBytes divided by the connections open, no less than twice sendWindowBytes and no more ' +
      'than maxQueuedBytes, and the rules of maxQueuedBytes apply with that limit (chat lines shed first). ' +
      'So the server\'s memory for output is bounded by its configuration, not by what clients ask or how ' +
      'slowly they read.',
  },
  replyPassBytes: {
    default: 262144,
    min: 4096,
    max: 1073741824,
    unit: 'bytes',
    serverFlag: '--reply-pass-bytes',
    text:
      'Most bytes of large replies (`export_reply` parts, 7.7; `room_list` parts, 7.15) a server produces ' +
      'across all its connections in one pass over their output (the reference server makes one pass per ' +
      'turn of its event loop, after reading what its sockets hold). A reply that the pass has no bytes ' +
      'left for waits for the next pass, and the replies left waiting are served first then, in turn, so ' +
      'that each asker gets its share. Packets already queued (chat lines, presence, other replies) are ' +
      'not counted and go out in every pass. So many connections asking for exports or room lists, readers ' +
      'or not, cost the server a bounded amount of work per pass: its members\' chat is never held behind ' +
      'other people\'s exports, and an export still arrives, at a pace shared with the other askers.',
  },
  fanoutTokenBytes: {
    default: 1073741824,
    min: 1024,
    max: 1073741824,
    unit: 'bytes',
    serverFlag: '--fanout-token-bytes',
    text:
      'Off by default (the default is its largest value, so no room reaches one token): a sender that ' +
      'keeps to the packet rate and its rateCost must not lose lines, and at 32 KiB a member filling a ' +
      'history at that rate in a room of a few members lost them (the export cases, 7.7), so an operator ' +
      'who sets it smaller accepts that cost for a bound on fan-out. The fan-out a token pays for (7.8): a ' +
      'packet that passes the rate limit and makes the server queue packets for the room\'s members (a ' +
      'chat line, an action, `away`, `nick`: the bytes of each packet queued, summed over the members it ' +
      'is queued for, the sender\'s own echo included) also takes one token from the sender\'s bucket for ' +
      'each whole fanoutTokenBytes of them, at most rateBurst, once it has taken effect; the bucket may go ' +
      'below zero by that much, and the sender\'s next packets are refused (RATE_LIMITED) until it has ' +
      'refilled. So the work one member makes the server do each second is bounded by ratePerSecond x ' +
      'fanoutTokenBytes bytes, whatever the size of the room: within the packet rate alone, 100 members ' +
      'saying long lines made every member\'s queue grow as the square of the room and held an honest ' +
      'member\'s own line for seconds. In a room of 100 members a line of 300 bytes costs 1 token; a line ' +
      'of 1,000 characters costs 4, a user_away with a long reason to 200 members 3.',
  },
  maxAddressesPerPrefix: {
    default: 16,
    min: 1,
    max: 1000000,
    unit: 'connections',
    serverFlag: '--max-prefix-addresses',
    text:
      'Remote addresses (as maxPerAddress counts them) of one network prefix, an IPv4 /24 or an IPv6 /48, ' +
      'that may hold connections at once. A connection from an address that holds none yet, whose prefix ' +
      'has this many addresses holding connections already, is refused at accept with ' +
      'TOO_MANY_FROM_ADDRESS (its message names the network). An address that holds connections already is ' +
      'only held to maxPerAddress. So one network can hold at most maxAddressesPerPrefix x maxPerAddress ' +
      'connections (128 with the defaults): whoever holds a /24 or a /48, as a hosting customer or a home ' +
      'does, can no longer take every slot of a server from a few hundred addresses (1,024 idle ' +
      'connections from 128 addresses of one /24 locked every newcomer out), while clients behind one ' +
      'address, however many, are not affected. Checked after the address\'s connection bucket (11.4) and ' +
      'maxPerAddress, and before maxClients.',
  },
  sendWindowBytes: {
    default: 65536,
    min: 4096,
    max: 16777216,
    unit: 'bytes',
    serverFlag: '--send-window',
    text:
      'Most bytes a server hands one connection\'s socket before the socket has taken them: the rest waits ' +
      'in the server\'s queue (maxQueuedBytes), unsealed where the profile allows. A large reply ' +
      '(`export_reply` parts, 7.7; `room_list` parts, 7.15) is produced only as this window empties, from ' +
      'a cursor over the history or over the rooms listed, never materialised whole; entries the history ' +
      'drops, or rooms that empty, before the cursor reaches them are not sent. A reply is never a reason ' +
      'to drop its asker: at most one window of it waits for the socket at a time.',
  },
  slowReaderMs: {
    default: 60000,
    min: 1000,
    max: 3600000,
    unit: 'ms',
    serverFlag: '--slow-reader-timeout',
    text:
      'A connection whose socket takes none of the bytes handed to it for this long is closed with ' +
      'SLOW_READER (it reads nothing at all; a member that reads slowly but steadily is not closed, see ' +
      'maxQueuedBytes).',
  },
  presenceBatchMembers: {
    default: 100,
    min: 2,
    max: 1000000,
    unit: 'connections',
    serverFlag: '--presence-batch-members',
    text:
      'v2: in a room of at least this many members a server MAY batch user_joined and user_left notices ' +
      '(see presenceBatchMs); in a smaller room, once presenceBurst notices went out within ' +
      'presenceBatchMs. A batch MAY send a run of consecutive notices of one kind (for leaves, with one ' +
      'reason) as one users_joined or users_left packet (7.6).',
  },
  presenceBurst: {
    default: 8,
    min: 1,
    max: 1000000,
    unit: 'packets',
    serverFlag: '--presence-burst',
    text:
      'v2: presence notices a server sends at once within one presenceBatchMs window in a room smaller ' +
      'than presenceBatchMembers; later ones in the window MAY be batched (runs of them MAY then go as ' +
      'users_joined or users_left), so that joins and leaves at a human pace are seen at once while a ' +
      'stream of them (a reconnect storm, clients that come and go) costs each member one record per ' +
      'window.',
  },
  presenceBatchMs: {
    default: 200,
    min: 0,
    max: 10000,
    unit: 'ms',
    serverFlag: '--presence-batch-ms',
    text:
      'v2: how long a server MAY hold presence notices (see presenceBatchMembers) so that each member gets ' +
      'them in one record (broadcasting every join to every member one by one costs O(members^2) AEAD ' +
      'operations); in a room of n members, n x presenceBatchMs / 1000 when that is longer, up to ' +
      'presenceBatchMaxMs. Pending notices MUST be sent before any later chat packet, so order is kept.',
  },
  presenceBatchMaxMs: {
    default: 2000,
    min: 0,
    max: 60000,
    unit: 'ms',
    serverFlag: '--presence-batch-max-ms',
    text:
      'v2: the longest a server MAY hold presence notices in a large room (see presenceBatchMs). A join ' +
      'storm costs each member one record per hold, and the storm lasts longer the larger the room, so the ' +
      'hold grows with it: 200 ms at 1,000 members, 2 s from 10,000 with the defaults.',
  },
  clientHandshakeTimeoutMs: {
    default: 15000,
    min: 100,
    max: 600000,
    unit: 'ms',
    text:
      'Client: time from starting to connect to the end of the handshake (v2 server_auth, legacy key ' +
      'exchange); past it the client gives up with HANDSHAKE_TIMEOUT. Longer than the server\'s ' +
      'handshakeTimeoutMs, so that a slow server is reported by the server where it can be.',
  },
  clientPingMs: {
    default: 30000,
    min: 0,
    max: 3600000,
    unit: 'ms',
    text:
      'v2 client: once joined, a client that has heard nothing from the server for this long sends one ' +
      '`ping` (0: never). Half the server\'s idlePingMs, so that a dead path shows on the client first.',
  },
  clientIdleTimeoutMs: {
    default: 75000,
    min: 0,
    max: 7200000,
    unit: 'ms',
    text:
      'v2 client: once joined, a client that has heard nothing from the server for this long closes with ' +
      'CONNECTION_LOST (0: never). Two and a half times clientPingMs: the ping\'s answer has that long to ' +
      'arrive.',
  },
  reservationDays: {
    default: 90,
    min: 1,
    max: 3650,
    unit: 'days',
    serverFlag: '--reservation-days',
    text:
      'Reserved names (7.17): a reservation its owner has not used for this many days expires. The ' +
      'reference server: `--reservation-days N`.',
  },
  reservationsPerKey: {
    default: 4,
    min: 1,
    max: 64,
    unit: 'entries',
    serverFlag: '--reservations-per-key',
    text:
      'Reserved names (7.17): most names one key owns; taking one more drops that key\'s least recently ' +
      'used reservation.',
  },
  maxReservations: {
    default: 10000,
    min: 1,
    max: 1000000,
    unit: 'entries',
    serverFlag: '--max-reservations',
    text:
      'Reserved names (7.17): most reservations a server holds; when full, a name taken by a keyed member ' +
      'is not reserved (the server logs it) until one expires.',
  },
  maxBans: {
    default: 1000,
    min: 1,
    max: 100000,
    unit: 'entries',
    serverFlag: '--max-bans',
    text:
      'Moderation (7.18): most bans in force at once; a `ban` beyond them is refused with RATE_LIMITED ' +
      '(not fatal) and nothing changes.',
  },
  maxMutes: {
    default: 1000,
    min: 1,
    max: 100000,
    unit: 'entries',
    serverFlag: '--max-mutes',
    text:
      'Moderation (7.18): most mutes in force at once; a `mute` that would add one beyond them is refused ' +
      'with RATE_LIMITED (not fatal) and nothing changes (one that replaces a mute of the same target and ' +
      'scope always fits). The reference server: `--max-mutes N` (the conformance suite starts it with a ' +
      'small one, to fill the list in a few packets: at the rate limit of 7.8, with `mute` costing 2, the ' +
      'default takes minutes).',
  },
};

// v2

/** The v2 protocol id, sent in `server_hello` and `client_hello`. */
export const V2_PROTOCOL_ID = 'parley/2';

/** The key agreement groups, in the order a server offers them. */
export const V2_GROUPS = ['x25519', 'modp14'] as const;

export type V2Group = (typeof V2_GROUPS)[number];

export interface V2GroupInfo {
  /** The length of a share (public value) in bytes. */
  readonly shareBytes: number;
  /** A finite-field group's prime, in upper-case hexadecimal. */
  readonly primeHex?: string;
  /** A finite-field group's generator. */
  readonly generator?: number;
  /** The length of a private exponent in bytes. */
  readonly privateBytes?: number;
}

export const V2_GROUP_INFO: Readonly<Record<V2Group, V2GroupInfo>> = {
  x25519: { shareBytes: 32 },
  modp14: {
    shareBytes: 256,
    primeHex: [
      'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74',
      '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437',
      '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED',
      'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05',
      '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB',
      '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B',
      'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718',
      '3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF',
    ].join(''),
    generator: 2,
    privateBytes: 32,
  },
};

/** HKDF info labels (section 5.4), as ASCII. */
export const V2_KDF_LABELS = {
  c2sKey: 'parley/2 c2s key',
  c2sIv: 'parley/2 c2s iv',
  s2cKey: 'parley/2 s2c key',
  s2cIv: 'parley/2 s2c iv',
} as const;

export const V2_KEY_BYTES = 32;
export const V2_IV_BYTES = 12;
export const V2_TAG_BYTES = 16;
export const V2_CIPHER = 'aes-256-gcm';

/** The context string of the server's ed25519 signature (section 5.5). */
export const V2_SIGNATURE_CONTEXT = 'parley/2 server auth';

/** The context string of a client's signature over the transcript (feature client-key, 7.16). */
export const V2_CLIENT_SIGNATURE_CONTEXT = 'parley/2 client auth';

/**
 * Allowed user names (section 7.2); lengths are checked against maxName. The spec's
 * `^(?!\p{M})[\p{L}\p{M}\p{N}_.\-]+$` with its classes written out from the pinned Unicode data, not the
 * engine's.
 */
export const V2_NAME_PATTERN = new RegExp(
  [
    '^(?![\\u{300}-\\u{36f}\\u{483}-\\u{489}\\u{591}-\\u{5bd}\\u{5bf}\\u{5c1}-\\u{5c2}\\u{5c4}-\\u{5c5}\\u{5c7}\\u',
    '{610}-\\u{61a}\\u{64b}-\\u{65f}\\u{670}\\u{6d6}-\\u{6dc}\\u{6df}-\\u{6e4}\\u{6e7}-\\u{6e8}\\u{6ea}-\\u{6ed}\\',
    'u{711}\\u{730}-\\u{74a}\\u{7a6}-\\u{7b0}\\u{7eb}-\\u{7f3}\\u{7fd}\\u{816}-\\u{819}\\u{81b}-\\u{823}\\u{825}-',
    '\\u{827}\\u{829}-\\u{82d}\\u{859}-\\u{85b}\\u{897}-\\u{89f}\\u{8ca}-\\u{8e1}\\u{8e3}-\\u{903}\\u{93a}-\\u{93c',
    '}\\u{93e}-\\u{94f}\\u{951}-\\u{957}\\u{962}-\\u{963}\\u{981}-\\u{983}\\u{9bc}\\u{9be}-\\u{9c4}\\u{9c7}-\\u{9c',
    '8}\\u{9cb}-\\u{9cd}\\u{9d7}\\u{9e2}-\\u{9e3}\\u{9fe}\\u{a01}-\\u{a03}\\u{a3c}\\u{a3e}-\\u{a42}\\u{a47}-\\u{a4',
    '8}\\u{a4b}-\\u{a4d}\\u{a51}\\u{a70}-\\u{a71}\\u{a75}\\u{a81}-\\u{a83}\\u{abc}\\u{abe}-\\u{ac5}\\u{ac7}-\\u{ac',
    '9}\\u{acb}-\\u{acd}\\u{ae2}-\\u{ae3}\\u{afa}-\\u{aff}\\u{b01}-\\u{b03}\\u{b3c}\\u{b3e}-\\u{b44}\\u{b47}-\\u{b',
    '48}\\u{b4b}-\\u{b4d}\\u{b55}-\\u{b57}\\u{b62}-\\u{b63}\\u{b82}\\u{bbe}-\\u{bc2}\\u{bc6}-\\u{bc8}\\u{bca}-\\u{',
    'bcd}\\u{bd7}\\u{c00}-\\u{c04}\\u{c3c}\\u{c3e}-\\u{c44}\\u{c46}-\\u{c48}\\u{c4a}-\\u{c4d}\\u{c55}-\\u{c56}\\u{',
    'c62}-\\u{c63}\\u{c81}-\\u{c83}\\u{cbc}\\u{cbe}-\\u{cc4}\\u{cc6}-\\u{cc8}\\u{cca}-\\u{ccd}\\u{cd5}-\\u{cd6}\\u',
    '{ce2}-\\u{ce3}\\u{cf3}\\u{d00}-\\u{d03}\\u{d3b}-\\u{d3c}\\u{d3e}-\\u{d44}\\u{d46}-\\u{d48}\\u{d4a}-\\u{d4d}\\',
    'u{d57}\\u{d62}-\\u{d63}\\u{d81}-\\u{d83}\\u{dca}\\u{dcf}-\\u{dd4}\\u{dd6}\\u{dd8}-\\u{ddf}\\u{df2}-\\u{df3}\\',
    'u{e31}\\u{e34}-\\u{e3a}\\u{e47}-\\u{e4e}\\u{eb1}\\u{eb4}-\\u{ebc}\\u{ec8}-\\u{ece}\\u{f18}-\\u{f19}\\u{f35}\\',
    'u{f37}\\u{f39}\\u{f3e}-\\u{f3f}\\u{f71}-\\u{f84}\\u{f86}-\\u{f87}\\u{f8d}-\\u{f97}\\u{f99}-\\u{fbc}\\u{fc6}\\',
    'u{102b}-\\u{103e}\\u{1056}-\\u{1059}\\u{105e}-\\u{1060}\\u{1062}-\\u{1064}\\u{1067}-\\u{106d}\\u{1071}-\\u{',
    '1074}\\u{1082}-\\u{108d}\\u{108f}\\u{109a}-\\u{109d}\\u{135d}-\\u{135f}\\u{1712}-\\u{1715}\\u{1732}-\\u{173',
    '4}\\u{1752}-\\u{1753}\\u{1772}-\\u{1773}\\u{17b4}-\\u{17d3}\\u{17dd}\\u{180b}-\\u{180d}\\u{180f}\\u{1885}-\\',
    'u{1886}\\u{18a9}\\u{1920}-\\u{192b}\\u{1930}-\\u{193b}\\u{1a17}-\\u{1a1b}\\u{1a55}-\\u{1a5e}\\u{1a60}-\\u{1',
    'a7c}\\u{1a7f}\\u{1ab0}-\\u{1add}\\u{1ae0}-\\u{1aeb}\\u{1b00}-\\u{1b04}\\u{1b34}-\\u{1b44}\\u{1b6b}-\\u{1b73',
    '}\\u{1b80}-\\u{1b82}\\u{1ba1}-\\u{1bad}\\u{1be6}-\\u{1bf3}\\u{1c24}-\\u{1c37}\\u{1cd0}-\\u{1cd2}\\u{1cd4}-\\',
    'u{1ce8}\\u{1ced}\\u{1cf4}\\u{1cf7}-\\u{1cf9}\\u{1dc0}-\\u{1dff}\\u{20d0}-\\u{20f0}\\u{2cef}-\\u{2cf1}\\u{2d',
    '7f}\\u{2de0}-\\u{2dff}\\u{302a}-\\u{302f}\\u{3099}-\\u{309a}\\u{a66f}-\\u{a672}\\u{a674}-\\u{a67d}\\u{a69e}',
    '-\\u{a69f}\\u{a6f0}-\\u{a6f1}\\u{a802}\\u{a806}\\u{a80b}\\u{a823}-\\u{a827}\\u{a82c}\\u{a880}-\\u{a881}\\u{a',
    '8b4}-\\u{a8c5}\\u{a8e0}-\\u{a8f1}\\u{a8ff}\\u{a926}-\\u{a92d}\\u{a947}-\\u{a953}\\u{a980}-\\u{a983}\\u{a9b3',
    '}-\\u{a9c0}\\u{a9e5}\\u{aa29}-\\u{aa36}\\u{aa43}\\u{aa4c}-\\u{aa4d}\\u{aa7b}-\\u{aa7d}\\u{aab0}\\u{aab2}-\\u',
    '{aab4}\\u{aab7}-\\u{aab8}\\u{aabe}-\\u{aabf}\\u{aac1}\\u{aaeb}-\\u{aaef}\\u{aaf5}-\\u{aaf6}\\u{abe3}-\\u{ab',
    'ea}\\u{abec}-\\u{abed}\\u{fb1e}\\u{fe00}-\\u{fe0f}\\u{fe20}-\\u{fe2f}\\u{101fd}\\u{102e0}\\u{10376}-\\u{103',
    '7a}\\u{10a01}-\\u{10a03}\\u{10a05}-\\u{10a06}\\u{10a0c}-\\u{10a0f}\\u{10a38}-\\u{10a3a}\\u{10a3f}\\u{10ae5',
    '}-\\u{10ae6}\\u{10d24}-\\u{10d27}\\u{10d69}-\\u{10d6d}\\u{10eab}-\\u{10eac}\\u{10efa}-\\u{10eff}\\u{10f46}',
    '-\\u{10f50}\\u{10f82}-\\u{10f85}\\u{11000}-\\u{11002}\\u{11038}-\\u{11046}\\u{11070}\\u{11073}-\\u{11074}\\',
    'u{1107f}-\\u{11082}\\u{110b0}-\\u{110ba}\\u{110c2}\\u{11100}-\\u{11102}\\u{11127}-\\u{11134}\\u{11145}-\\u',
    '{11146}\\u{11173}\\u{11180}-\\u{11182}\\u{111b3}-\\u{111c0}\\u{111c9}-\\u{111cc}\\u{111ce}-\\u{111cf}\\u{1',
    '122c}-\\u{11237}\\u{1123e}\\u{11241}\\u{112df}-\\u{112ea}\\u{11300}-\\u{11303}\\u{1133b}-\\u{1133c}\\u{113',
    '3e}-\\u{11344}\\u{11347}-\\u{11348}\\u{1134b}-\\u{1134d}\\u{11357}\\u{11362}-\\u{11363}\\u{11366}-\\u{1136',
    'c}\\u{11370}-\\u{11374}\\u{113b8}-\\u{113c0}\\u{113c2}\\u{113c5}\\u{113c7}-\\u{113ca}\\u{113cc}-\\u{113d0}',
    '\\u{113d2}\\u{113e1}-\\u{113e2}\\u{11435}-\\u{11446}\\u{1145e}\\u{114b0}-\\u{114c3}\\u{115af}-\\u{115b5}\\u',
    '{115b8}-\\u{115c0}\\u{115dc}-\\u{115dd}\\u{11630}-\\u{11640}\\u{116ab}-\\u{116b7}\\u{1171d}-\\u{1172b}\\u{',
    '1182c}-\\u{1183a}\\u{11930}-\\u{11935}\\u{11937}-\\u{11938}\\u{1193b}-\\u{1193e}\\u{11940}\\u{11942}-\\u{1',
    '1943}\\u{119d1}-\\u{119d7}\\u{119da}-\\u{119e0}\\u{119e4}\\u{11a01}-\\u{11a0a}\\u{11a33}-\\u{11a39}\\u{11a',
    '3b}-\\u{11a3e}\\u{11a47}\\u{11a51}-\\u{11a5b}\\u{11a8a}-\\u{11a99}\\u{11b60}-\\u{11b67}\\u{11c2f}-\\u{11c3',
    '6}\\u{11c38}-\\u{11c3f}\\u{11c92}-\\u{11ca7}\\u{11ca9}-\\u{11cb6}\\u{11d31}-\\u{11d36}\\u{11d3a}\\u{11d3c}',
    '-\\u{11d3d}\\u{11d3f}-\\u{11d45}\\u{11d47}\\u{11d8a}-\\u{11d8e}\\u{11d90}-\\u{11d91}\\u{11d93}-\\u{11d97}\\',
    'u{11ef3}-\\u{11ef6}\\u{11f00}-\\u{11f01}\\u{11f03}\\u{11f34}-\\u{11f3a}\\u{11f3e}-\\u{11f42}\\u{11f5a}\\u{',
    '13440}\\u{13447}-\\u{13455}\\u{1611e}-\\u{1612f}\\u{16af0}-\\u{16af4}\\u{16b30}-\\u{16b36}\\u{16f4f}\\u{16',
    'f51}-\\u{16f87}\\u{16f8f}-\\u{16f92}\\u{16fe4}\\u{16ff0}-\\u{16ff1}\\u{1bc9d}-\\u{1bc9e}\\u{1cf00}-\\u{1cf',
    '2d}\\u{1cf30}-\\u{1cf46}\\u{1d165}-\\u{1d169}\\u{1d16d}-\\u{1d172}\\u{1d17b}-\\u{1d182}\\u{1d185}-\\u{1d18',
    'b}\\u{1d1aa}-\\u{1d1ad}\\u{1d242}-\\u{1d244}\\u{1da00}-\\u{1da36}\\u{1da3b}-\\u{1da6c}\\u{1da75}\\u{1da84}',
    '\\u{1da9b}-\\u{1da9f}\\u{1daa1}-\\u{1daaf}\\u{1e000}-\\u{1e006}\\u{1e008}-\\u{1e018}\\u{1e01b}-\\u{1e021}\\',
    'u{1e023}-\\u{1e024}\\u{1e026}-\\u{1e02a}\\u{1e08f}\\u{1e130}-\\u{1e136}\\u{1e2ae}\\u{1e2ec}-\\u{1e2ef}\\u{',
    '1e4ec}-\\u{1e4ef}\\u{1e5ee}-\\u{1e5ef}\\u{1e6e3}\\u{1e6e6}\\u{1e6ee}-\\u{1e6ef}\\u{1e6f5}\\u{1e8d0}-\\u{1e',
    '8d6}\\u{1e944}-\\u{1e94a}\\u{e0100}-\\u{e01ef}])[\\u{41}-\\u{5a}\\u{61}-\\u{7a}\\u{aa}\\u{b5}\\u{ba}\\u{c0}-',
    '\\u{d6}\\u{d8}-\\u{f6}\\u{f8}-\\u{2c1}\\u{2c6}-\\u{2d1}\\u{2e0}-\\u{2e4}\\u{2ec}\\u{2ee}\\u{370}-\\u{374}\\u{3',
    '76}-\\u{377}\\u{37a}-\\u{37d}\\u{37f}\\u{386}\\u{388}-\\u{38a}\\u{38c}\\u{38e}-\\u{3a1}\\u{3a3}-\\u{3f5}\\u{3',
    'f7}-\\u{481}\\u{48a}-\\u{52f}\\u{531}-\\u{556}\\u{559}\\u{560}-\\u{588}\\u{5d0}-\\u{5ea}\\u{5ef}-\\u{5f2}\\u{',
    '620}-\\u{64a}\\u{66e}-\\u{66f}\\u{671}-\\u{6d3}\\u{6d5}\\u{6e5}-\\u{6e6}\\u{6ee}-\\u{6ef}\\u{6fa}-\\u{6fc}\\u',
    '{6ff}\\u{710}\\u{712}-\\u{72f}\\u{74d}-\\u{7a5}\\u{7b1}\\u{7ca}-\\u{7ea}\\u{7f4}-\\u{7f5}\\u{7fa}\\u{800}-\\u',
    '{815}\\u{81a}\\u{824}\\u{828}\\u{840}-\\u{858}\\u{860}-\\u{86a}\\u{870}-\\u{887}\\u{889}-\\u{88f}\\u{8a0}-\\u',
    '{8c9}\\u{904}-\\u{939}\\u{93d}\\u{950}\\u{958}-\\u{961}\\u{971}-\\u{980}\\u{985}-\\u{98c}\\u{98f}-\\u{990}\\u',
    '{993}-\\u{9a8}\\u{9aa}-\\u{9b0}\\u{9b2}\\u{9b6}-\\u{9b9}\\u{9bd}\\u{9ce}\\u{9dc}-\\u{9dd}\\u{9df}-\\u{9e1}\\u',
    '{9f0}-\\u{9f1}\\u{9fc}\\u{a05}-\\u{a0a}\\u{a0f}-\\u{a10}\\u{a13}-\\u{a28}\\u{a2a}-\\u{a30}\\u{a32}-\\u{a33}\\',
    'u{a35}-\\u{a36}\\u{a38}-\\u{a39}\\u{a59}-\\u{a5c}\\u{a5e}\\u{a72}-\\u{a74}\\u{a85}-\\u{a8d}\\u{a8f}-\\u{a91}',
    '\\u{a93}-\\u{aa8}\\u{aaa}-\\u{ab0}\\u{ab2}-\\u{ab3}\\u{ab5}-\\u{ab9}\\u{abd}\\u{ad0}\\u{ae0}-\\u{ae1}\\u{af9}',
    '\\u{b05}-\\u{b0c}\\u{b0f}-\\u{b10}\\u{b13}-\\u{b28}\\u{b2a}-\\u{b30}\\u{b32}-\\u{b33}\\u{b35}-\\u{b39}\\u{b3d',
    '}\\u{b5c}-\\u{b5d}\\u{b5f}-\\u{b61}\\u{b71}\\u{b83}\\u{b85}-\\u{b8a}\\u{b8e}-\\u{b90}\\u{b92}-\\u{b95}\\u{b99',
    '}-\\u{b9a}\\u{b9c}\\u{b9e}-\\u{b9f}\\u{ba3}-\\u{ba4}\\u{ba8}-\\u{baa}\\u{bae}-\\u{bb9}\\u{bd0}\\u{c05}-\\u{c0',
    'c}\\u{c0e}-\\u{c10}\\u{c12}-\\u{c28}\\u{c2a}-\\u{c39}\\u{c3d}\\u{c58}-\\u{c5a}\\u{c5c}-\\u{c5d}\\u{c60}-\\u{c',
    '61}\\u{c80}\\u{c85}-\\u{c8c}\\u{c8e}-\\u{c90}\\u{c92}-\\u{ca8}\\u{caa}-\\u{cb3}\\u{cb5}-\\u{cb9}\\u{cbd}\\u{c',
    'dc}-\\u{cde}\\u{ce0}-\\u{ce1}\\u{cf1}-\\u{cf2}\\u{d04}-\\u{d0c}\\u{d0e}-\\u{d10}\\u{d12}-\\u{d3a}\\u{d3d}\\u{',
    'd4e}\\u{d54}-\\u{d56}\\u{d5f}-\\u{d61}\\u{d7a}-\\u{d7f}\\u{d85}-\\u{d96}\\u{d9a}-\\u{db1}\\u{db3}-\\u{dbb}\\u',
    '{dbd}\\u{dc0}-\\u{dc6}\\u{e01}-\\u{e30}\\u{e32}-\\u{e33}\\u{e40}-\\u{e46}\\u{e81}-\\u{e82}\\u{e84}\\u{e86}-\\',
    'u{e8a}\\u{e8c}-\\u{ea3}\\u{ea5}\\u{ea7}-\\u{eb0}\\u{eb2}-\\u{eb3}\\u{ebd}\\u{ec0}-\\u{ec4}\\u{ec6}\\u{edc}-\\',
    'u{edf}\\u{f00}\\u{f40}-\\u{f47}\\u{f49}-\\u{f6c}\\u{f88}-\\u{f8c}\\u{1000}-\\u{102a}\\u{103f}\\u{1050}-\\u{1',
    '055}\\u{105a}-\\u{105d}\\u{1061}\\u{1065}-\\u{1066}\\u{106e}-\\u{1070}\\u{1075}-\\u{1081}\\u{108e}\\u{10a0}',
    '-\\u{10c5}\\u{10c7}\\u{10cd}\\u{10d0}-\\u{10fa}\\u{10fc}-\\u{1248}\\u{124a}-\\u{124d}\\u{1250}-\\u{1256}\\u{',
    '1258}\\u{125a}-\\u{125d}\\u{1260}-\\u{1288}\\u{128a}-\\u{128d}\\u{1290}-\\u{12b0}\\u{12b2}-\\u{12b5}\\u{12b',
    '8}-\\u{12be}\\u{12c0}\\u{12c2}-\\u{12c5}\\u{12c8}-\\u{12d6}\\u{12d8}-\\u{1310}\\u{1312}-\\u{1315}\\u{1318}-',
    '\\u{135a}\\u{1380}-\\u{138f}\\u{13a0}-\\u{13f5}\\u{13f8}-\\u{13fd}\\u{1401}-\\u{166c}\\u{166f}-\\u{167f}\\u{',
    '1681}-\\u{169a}\\u{16a0}-\\u{16ea}\\u{16f1}-\\u{16f8}\\u{1700}-\\u{1711}\\u{171f}-\\u{1731}\\u{1740}-\\u{17',
    '51}\\u{1760}-\\u{176c}\\u{176e}-\\u{1770}\\u{1780}-\\u{17b3}\\u{17d7}\\u{17dc}\\u{1820}-\\u{1878}\\u{1880}-',
    '\\u{1884}\\u{1887}-\\u{18a8}\\u{18aa}\\u{18b0}-\\u{18f5}\\u{1900}-\\u{191e}\\u{1950}-\\u{196d}\\u{1970}-\\u{',
    '1974}\\u{1980}-\\u{19ab}\\u{19b0}-\\u{19c9}\\u{1a00}-\\u{1a16}\\u{1a20}-\\u{1a54}\\u{1aa7}\\u{1b05}-\\u{1b3',
    '3}\\u{1b45}-\\u{1b4c}\\u{1b83}-\\u{1ba0}\\u{1bae}-\\u{1baf}\\u{1bba}-\\u{1be5}\\u{1c00}-\\u{1c23}\\u{1c4d}-',
    '\\u{1c4f}\\u{1c5a}-\\u{1c7d}\\u{1c80}-\\u{1c8a}\\u{1c90}-\\u{1cba}\\u{1cbd}-\\u{1cbf}\\u{1ce9}-\\u{1cec}\\u{',
    '1cee}-\\u{1cf3}\\u{1cf5}-\\u{1cf6}\\u{1cfa}\\u{1d00}-\\u{1dbf}\\u{1e00}-\\u{1f15}\\u{1f18}-\\u{1f1d}\\u{1f2',
    '0}-\\u{1f45}\\u{1f48}-\\u{1f4d}\\u{1f50}-\\u{1f57}\\u{1f59}\\u{1f5b}\\u{1f5d}\\u{1f5f}-\\u{1f7d}\\u{1f80}-\\',
    'u{1fb4}\\u{1fb6}-\\u{1fbc}\\u{1fbe}\\u{1fc2}-\\u{1fc4}\\u{1fc6}-\\u{1fcc}\\u{1fd0}-\\u{1fd3}\\u{1fd6}-\\u{1',
    'fdb}\\u{1fe0}-\\u{1fec}\\u{1ff2}-\\u{1ff4}\\u{1ff6}-\\u{1ffc}\\u{2071}\\u{207f}\\u{2090}-\\u{209c}\\u{2102}',
    '\\u{2107}\\u{210a}-\\u{2113}\\u{2115}\\u{2119}-\\u{211d}\\u{2124}\\u{2126}\\u{2128}\\u{212a}-\\u{212d}\\u{21',
    '2f}-\\u{2139}\\u{213c}-\\u{213f}\\u{2145}-\\u{2149}\\u{214e}\\u{2183}-\\u{2184}\\u{2c00}-\\u{2ce4}\\u{2ceb}',
    '-\\u{2cee}\\u{2cf2}-\\u{2cf3}\\u{2d00}-\\u{2d25}\\u{2d27}\\u{2d2d}\\u{2d30}-\\u{2d67}\\u{2d6f}\\u{2d80}-\\u{',
    '2d96}\\u{2da0}-\\u{2da6}\\u{2da8}-\\u{2dae}\\u{2db0}-\\u{2db6}\\u{2db8}-\\u{2dbe}\\u{2dc0}-\\u{2dc6}\\u{2dc',
    '8}-\\u{2dce}\\u{2dd0}-\\u{2dd6}\\u{2dd8}-\\u{2dde}\\u{2e2f}\\u{3005}-\\u{3006}\\u{3031}-\\u{3035}\\u{303b}-',
    '\\u{303c}\\u{3041}-\\u{3096}\\u{309d}-\\u{309f}\\u{30a1}-\\u{30fa}\\u{30fc}-\\u{30ff}\\u{3105}-\\u{312f}\\u{',
    '3131}-\\u{318e}\\u{31a0}-\\u{31bf}\\u{31f0}-\\u{31ff}\\u{3400}-\\u{4dbf}\\u{4e00}-\\u{a48c}\\u{a4d0}-\\u{a4',
    'fd}\\u{a500}-\\u{a60c}\\u{a610}-\\u{a61f}\\u{a62a}-\\u{a62b}\\u{a640}-\\u{a66e}\\u{a67f}-\\u{a69d}\\u{a6a0}',
    '-\\u{a6e5}\\u{a717}-\\u{a71f}\\u{a722}-\\u{a788}\\u{a78b}-\\u{a7dc}\\u{a7f1}-\\u{a801}\\u{a803}-\\u{a805}\\u',
    '{a807}-\\u{a80a}\\u{a80c}-\\u{a822}\\u{a840}-\\u{a873}\\u{a882}-\\u{a8b3}\\u{a8f2}-\\u{a8f7}\\u{a8fb}\\u{a8',
    'fd}-\\u{a8fe}\\u{a90a}-\\u{a925}\\u{a930}-\\u{a946}\\u{a960}-\\u{a97c}\\u{a984}-\\u{a9b2}\\u{a9cf}\\u{a9e0}',
    '-\\u{a9e4}\\u{a9e6}-\\u{a9ef}\\u{a9fa}-\\u{a9fe}\\u{aa00}-\\u{aa28}\\u{aa40}-\\u{aa42}\\u{aa44}-\\u{aa4b}\\u',
    '{aa60}-\\u{aa76}\\u{aa7a}\\u{aa7e}-\\u{aaaf}\\u{aab1}\\u{aab5}-\\u{aab6}\\u{aab9}-\\u{aabd}\\u{aac0}\\u{aac',
    '2}\\u{aadb}-\\u{aadd}\\u{aae0}-\\u{aaea}\\u{aaf2}-\\u{aaf4}\\u{ab01}-\\u{ab06}\\u{ab09}-\\u{ab0e}\\u{ab11}-',
    '\\u{ab16}\\u{ab20}-\\u{ab26}\\u{ab28}-\\u{ab2e}\\u{ab30}-\\u{ab5a}\\u{ab5c}-\\u{ab69}\\u{ab70}-\\u{abe2}\\u{',
    'ac00}-\\u{d7a3}\\u{d7b0}-\\u{d7c6}\\u{d7cb}-\\u{d7fb}\\u{f900}-\\u{fa6d}\\u{fa70}-\\u{fad9}\\u{fb00}-\\u{fb',
    '06}\\u{fb13}-\\u{fb17}\\u{fb1d}\\u{fb1f}-\\u{fb28}\\u{fb2a}-\\u{fb36}\\u{fb38}-\\u{fb3c}\\u{fb3e}\\u{fb40}-',
    '\\u{fb41}\\u{fb43}-\\u{fb44}\\u{fb46}-\\u{fbb1}\\u{fbd3}-\\u{fd3d}\\u{fd50}-\\u{fd8f}\\u{fd92}-\\u{fdc7}\\u{',
    'fdf0}-\\u{fdfb}\\u{fe70}-\\u{fe74}\\u{fe76}-\\u{fefc}\\u{ff21}-\\u{ff3a}\\u{ff41}-\\u{ff5a}\\u{ff66}-\\u{ff',
    'be}\\u{ffc2}-\\u{ffc7}\\u{ffca}-\\u{ffcf}\\u{ffd2}-\\u{ffd7}\\u{ffda}-\\u{ffdc}\\u{10000}-\\u{1000b}\\u{100',
    '0d}-\\u{10026}\\u{10028}-\\u{1003a}\\u{1003c}-\\u{1003d}\\u{1003f}-\\u{1004d}\\u{10050}-\\u{1005d}\\u{1008',
    '0}-\\u{100fa}\\u{10280}-\\u{1029c}\\u{102a0}-\\u{102d0}\\u{10300}-\\u{1031f}\\u{1032d}-\\u{10340}\\u{10342',
    '}-\\u{10349}\\u{10350}-\\u{10375}\\u{10380}-\\u{1039d}\\u{103a0}-\\u{103c3}\\u{103c8}-\\u{103cf}\\u{10400}',
    '-\\u{1049d}\\u{104b0}-\\u{104d3}\\u{104d8}-\\u{104fb}\\u{10500}-\\u{10527}\\u{10530}-\\u{10563}\\u{10570}-',
    '\\u{1057a}\\u{1057c}-\\u{1058a}\\u{1058c}-\\u{10592}\\u{10594}-\\u{10595}\\u{10597}-\\u{105a1}\\u{105a3}-\\',
    'u{105b1}\\u{105b3}-\\u{105b9}\\u{105bb}-\\u{105bc}\\u{105c0}-\\u{105f3}\\u{10600}-\\u{10736}\\u{10740}-\\u',
    '{10755}\\u{10760}-\\u{10767}\\u{10780}-\\u{10785}\\u{10787}-\\u{107b0}\\u{107b2}-\\u{107ba}\\u{10800}-\\u{',
    '10805}\\u{10808}\\u{1080a}-\\u{10835}\\u{10837}-\\u{10838}\\u{1083c}\\u{1083f}-\\u{10855}\\u{10860}-\\u{10',
    '876}\\u{10880}-\\u{1089e}\\u{108e0}-\\u{108f2}\\u{108f4}-\\u{108f5}\\u{10900}-\\u{10915}\\u{10920}-\\u{109',
    '39}\\u{10940}-\\u{10959}\\u{10980}-\\u{109b7}\\u{109be}-\\u{109bf}\\u{10a00}\\u{10a10}-\\u{10a13}\\u{10a15',
    '}-\\u{10a17}\\u{10a19}-\\u{10a35}\\u{10a60}-\\u{10a7c}\\u{10a80}-\\u{10a9c}\\u{10ac0}-\\u{10ac7}\\u{10ac9}',
    '-\\u{10ae4}\\u{10b00}-\\u{10b35}\\u{10b40}-\\u{10b55}\\u{10b60}-\\u{10b72}\\u{10b80}-\\u{10b91}\\u{10c00}-',
    '\\u{10c48}\\u{10c80}-\\u{10cb2}\\u{10cc0}-\\u{10cf2}\\u{10d00}-\\u{10d23}\\u{10d4a}-\\u{10d65}\\u{10d6f}-\\',
    'u{10d85}\\u{10e80}-\\u{10ea9}\\u{10eb0}-\\u{10eb1}\\u{10ec2}-\\u{10ec7}\\u{10f00}-\\u{10f1c}\\u{10f27}\\u{',
    '10f30}-\\u{10f45}\\u{10f70}-\\u{10f81}\\u{10fb0}-\\u{10fc4}\\u{10fe0}-\\u{10ff6}\\u{11003}-\\u{11037}\\u{1',
    '1071}-\\u{11072}\\u{11075}\\u{11083}-\\u{110af}\\u{110d0}-\\u{110e8}\\u{11103}-\\u{11126}\\u{11144}\\u{111',
    '47}\\u{11150}-\\u{11172}\\u{11176}\\u{11183}-\\u{111b2}\\u{111c1}-\\u{111c4}\\u{111da}\\u{111dc}\\u{11200}',
    '-\\u{11211}\\u{11213}-\\u{1122b}\\u{1123f}-\\u{11240}\\u{11280}-\\u{11286}\\u{11288}\\u{1128a}-\\u{1128d}\\',
    'u{1128f}-\\u{1129d}\\u{1129f}-\\u{112a8}\\u{112b0}-\\u{112de}\\u{11305}-\\u{1130c}\\u{1130f}-\\u{11310}\\u',
    '{11313}-\\u{11328}\\u{1132a}-\\u{11330}\\u{11332}-\\u{11333}\\u{11335}-\\u{11339}\\u{1133d}\\u{11350}\\u{1',
    '135d}-\\u{11361}\\u{11380}-\\u{11389}\\u{1138b}\\u{1138e}\\u{11390}-\\u{113b5}\\u{113b7}\\u{113d1}\\u{113d',
    '3}\\u{11400}-\\u{11434}\\u{11447}-\\u{1144a}\\u{1145f}-\\u{11461}\\u{11480}-\\u{114af}\\u{114c4}-\\u{114c5',
    '}\\u{114c7}\\u{11580}-\\u{115ae}\\u{115d8}-\\u{115db}\\u{11600}-\\u{1162f}\\u{11644}\\u{11680}-\\u{116aa}\\',
    'u{116b8}\\u{11700}-\\u{1171a}\\u{11740}-\\u{11746}\\u{11800}-\\u{1182b}\\u{118a0}-\\u{118df}\\u{118ff}-\\u',
    '{11906}\\u{11909}\\u{1190c}-\\u{11913}\\u{11915}-\\u{11916}\\u{11918}-\\u{1192f}\\u{1193f}\\u{11941}\\u{11',
    '9a0}-\\u{119a7}\\u{119aa}-\\u{119d0}\\u{119e1}\\u{119e3}\\u{11a00}\\u{11a0b}-\\u{11a32}\\u{11a3a}\\u{11a50',
    '}\\u{11a5c}-\\u{11a89}\\u{11a9d}\\u{11ab0}-\\u{11af8}\\u{11bc0}-\\u{11be0}\\u{11c00}-\\u{11c08}\\u{11c0a}-',
    '\\u{11c2e}\\u{11c40}\\u{11c72}-\\u{11c8f}\\u{11d00}-\\u{11d06}\\u{11d08}-\\u{11d09}\\u{11d0b}-\\u{11d30}\\u',
    '{11d46}\\u{11d60}-\\u{11d65}\\u{11d67}-\\u{11d68}\\u{11d6a}-\\u{11d89}\\u{11d98}\\u{11db0}-\\u{11ddb}\\u{1',
    '1ee0}-\\u{11ef2}\\u{11f02}\\u{11f04}-\\u{11f10}\\u{11f12}-\\u{11f33}\\u{11fb0}\\u{12000}-\\u{12399}\\u{124',
    '80}-\\u{12543}\\u{12f90}-\\u{12ff0}\\u{13000}-\\u{1342f}\\u{13441}-\\u{13446}\\u{13460}-\\u{143fa}\\u{1440',
    '0}-\\u{14646}\\u{16100}-\\u{1611d}\\u{16800}-\\u{16a38}\\u{16a40}-\\u{16a5e}\\u{16a70}-\\u{16abe}\\u{16ad0',
    '}-\\u{16aed}\\u{16b00}-\\u{16b2f}\\u{16b40}-\\u{16b43}\\u{16b63}-\\u{16b77}\\u{16b7d}-\\u{16b8f}\\u{16d40}',
    '-\\u{16d6c}\\u{16e40}-\\u{16e7f}\\u{16ea0}-\\u{16eb8}\\u{16ebb}-\\u{16ed3}\\u{16f00}-\\u{16f4a}\\u{16f50}\\',
    'u{16f93}-\\u{16f9f}\\u{16fe0}-\\u{16fe1}\\u{16fe3}\\u{16ff2}-\\u{16ff3}\\u{17000}-\\u{18cd5}\\u{18cff}-\\u',
    '{18d1e}\\u{18d80}-\\u{18df2}\\u{1aff0}-\\u{1aff3}\\u{1aff5}-\\u{1affb}\\u{1affd}-\\u{1affe}\\u{1b000}-\\u{',
    '1b122}\\u{1b132}\\u{1b150}-\\u{1b152}\\u{1b155}\\u{1b164}-\\u{1b167}\\u{1b170}-\\u{1b2fb}\\u{1bc00}-\\u{1b',
    'c6a}\\u{1bc70}-\\u{1bc7c}\\u{1bc80}-\\u{1bc88}\\u{1bc90}-\\u{1bc99}\\u{1d400}-\\u{1d454}\\u{1d456}-\\u{1d4',
    '9c}\\u{1d49e}-\\u{1d49f}\\u{1d4a2}\\u{1d4a5}-\\u{1d4a6}\\u{1d4a9}-\\u{1d4ac}\\u{1d4ae}-\\u{1d4b9}\\u{1d4bb',
    '}\\u{1d4bd}-\\u{1d4c3}\\u{1d4c5}-\\u{1d505}\\u{1d507}-\\u{1d50a}\\u{1d50d}-\\u{1d514}\\u{1d516}-\\u{1d51c}',
    '\\u{1d51e}-\\u{1d539}\\u{1d53b}-\\u{1d53e}\\u{1d540}-\\u{1d544}\\u{1d546}\\u{1d54a}-\\u{1d550}\\u{1d552}-\\',
    'u{1d6a5}\\u{1d6a8}-\\u{1d6c0}\\u{1d6c2}-\\u{1d6da}\\u{1d6dc}-\\u{1d6fa}\\u{1d6fc}-\\u{1d714}\\u{1d716}-\\u',
    '{1d734}\\u{1d736}-\\u{1d74e}\\u{1d750}-\\u{1d76e}\\u{1d770}-\\u{1d788}\\u{1d78a}-\\u{1d7a8}\\u{1d7aa}-\\u{',
    '1d7c2}\\u{1d7c4}-\\u{1d7cb}\\u{1df00}-\\u{1df1e}\\u{1df25}-\\u{1df2a}\\u{1e030}-\\u{1e06d}\\u{1e100}-\\u{1',
    'e12c}\\u{1e137}-\\u{1e13d}\\u{1e14e}\\u{1e290}-\\u{1e2ad}\\u{1e2c0}-\\u{1e2eb}\\u{1e4d0}-\\u{1e4eb}\\u{1e5',
    'd0}-\\u{1e5ed}\\u{1e5f0}\\u{1e6c0}-\\u{1e6de}\\u{1e6e0}-\\u{1e6e2}\\u{1e6e4}-\\u{1e6e5}\\u{1e6e7}-\\u{1e6e',
    'd}\\u{1e6f0}-\\u{1e6f4}\\u{1e6fe}-\\u{1e6ff}\\u{1e7e0}-\\u{1e7e6}\\u{1e7e8}-\\u{1e7eb}\\u{1e7ed}-\\u{1e7ee',
    '}\\u{1e7f0}-\\u{1e7fe}\\u{1e800}-\\u{1e8c4}\\u{1e900}-\\u{1e943}\\u{1e94b}\\u{1ee00}-\\u{1ee03}\\u{1ee05}-',
    '\\u{1ee1f}\\u{1ee21}-\\u{1ee22}\\u{1ee24}\\u{1ee27}\\u{1ee29}-\\u{1ee32}\\u{1ee34}-\\u{1ee37}\\u{1ee39}\\u{',
    '1ee3b}\\u{1ee42}\\u{1ee47}\\u{1ee49}\\u{1ee4b}\\u{1ee4d}-\\u{1ee4f}\\u{1ee51}-\\u{1ee52}\\u{1ee54}\\u{1ee5',
    '7}\\u{1ee59}\\u{1ee5b}\\u{1ee5d}\\u{1ee5f}\\u{1ee61}-\\u{1ee62}\\u{1ee64}\\u{1ee67}-\\u{1ee6a}\\u{1ee6c}-\\',
    'u{1ee72}\\u{1ee74}-\\u{1ee77}\\u{1ee79}-\\u{1ee7c}\\u{1ee7e}\\u{1ee80}-\\u{1ee89}\\u{1ee8b}-\\u{1ee9b}\\u{',
    '1eea1}-\\u{1eea3}\\u{1eea5}-\\u{1eea9}\\u{1eeab}-\\u{1eebb}\\u{20000}-\\u{2a6df}\\u{2a700}-\\u{2b81d}\\u{2',
    'b820}-\\u{2cead}\\u{2ceb0}-\\u{2ebe0}\\u{2ebf0}-\\u{2ee5d}\\u{2f800}-\\u{2fa1d}\\u{30000}-\\u{3134a}\\u{31',
    '350}-\\u{33479}\\u{300}-\\u{36f}\\u{483}-\\u{489}\\u{591}-\\u{5bd}\\u{5bf}\\u{5c1}-\\u{5c2}\\u{5c4}-\\u{5c5}',
    '\\u{5c7}\\u{610}-\\u{61a}\\u{64b}-\\u{65f}\\u{670}\\u{6d6}-\\u{6dc}\\u{6df}-\\u{6e4}\\u{6e7}-\\u{6e8}\\u{6ea}',
    '-\\u{6ed}\\u{711}\\u{730}-\\u{74a}\\u{7a6}-\\u{7b0}\\u{7eb}-\\u{7f3}\\u{7fd}\\u{816}-\\u{819}\\u{81b}-\\u{823',
    '}\\u{825}-\\u{827}\\u{829}-\\u{82d}\\u{859}-\\u{85b}\\u{897}-\\u{89f}\\u{8ca}-\\u{8e1}\\u{8e3}-\\u{903}\\u{93',
    'a}-\\u{93c}\\u{93e}-\\u{94f}\\u{951}-\\u{957}\\u{962}-\\u{963}\\u{981}-\\u{983}\\u{9bc}\\u{9be}-\\u{9c4}\\u{9',
    'c7}-\\u{9c8}\\u{9cb}-\\u{9cd}\\u{9d7}\\u{9e2}-\\u{9e3}\\u{9fe}\\u{a01}-\\u{a03}\\u{a3c}\\u{a3e}-\\u{a42}\\u{a',
    '47}-\\u{a48}\\u{a4b}-\\u{a4d}\\u{a51}\\u{a70}-\\u{a71}\\u{a75}\\u{a81}-\\u{a83}\\u{abc}\\u{abe}-\\u{ac5}\\u{a',
    'c7}-\\u{ac9}\\u{acb}-\\u{acd}\\u{ae2}-\\u{ae3}\\u{afa}-\\u{aff}\\u{b01}-\\u{b03}\\u{b3c}\\u{b3e}-\\u{b44}\\u{',
    'b47}-\\u{b48}\\u{b4b}-\\u{b4d}\\u{b55}-\\u{b57}\\u{b62}-\\u{b63}\\u{b82}\\u{bbe}-\\u{bc2}\\u{bc6}-\\u{bc8}\\u',
    '{bca}-\\u{bcd}\\u{bd7}\\u{c00}-\\u{c04}\\u{c3c}\\u{c3e}-\\u{c44}\\u{c46}-\\u{c48}\\u{c4a}-\\u{c4d}\\u{c55}-\\',
    'u{c56}\\u{c62}-\\u{c63}\\u{c81}-\\u{c83}\\u{cbc}\\u{cbe}-\\u{cc4}\\u{cc6}-\\u{cc8}\\u{cca}-\\u{ccd}\\u{cd5}-',
    '\\u{cd6}\\u{ce2}-\\u{ce3}\\u{cf3}\\u{d00}-\\u{d03}\\u{d3b}-\\u{d3c}\\u{d3e}-\\u{d44}\\u{d46}-\\u{d48}\\u{d4a}',
    '-\\u{d4d}\\u{d57}\\u{d62}-\\u{d63}\\u{d81}-\\u{d83}\\u{dca}\\u{dcf}-\\u{dd4}\\u{dd6}\\u{dd8}-\\u{ddf}\\u{df2}',
    '-\\u{df3}\\u{e31}\\u{e34}-\\u{e3a}\\u{e47}-\\u{e4e}\\u{eb1}\\u{eb4}-\\u{ebc}\\u{ec8}-\\u{ece}\\u{f18}-\\u{f19',
    '}\\u{f35}\\u{f37}\\u{f39}\\u{f3e}-\\u{f3f}\\u{f71}-\\u{f84}\\u{f86}-\\u{f87}\\u{f8d}-\\u{f97}\\u{f99}-\\u{fbc',
    '}\\u{fc6}\\u{102b}-\\u{103e}\\u{1056}-\\u{1059}\\u{105e}-\\u{1060}\\u{1062}-\\u{1064}\\u{1067}-\\u{106d}\\u{',
    '1071}-\\u{1074}\\u{1082}-\\u{108d}\\u{108f}\\u{109a}-\\u{109d}\\u{135d}-\\u{135f}\\u{1712}-\\u{1715}\\u{173',
    '2}-\\u{1734}\\u{1752}-\\u{1753}\\u{1772}-\\u{1773}\\u{17b4}-\\u{17d3}\\u{17dd}\\u{180b}-\\u{180d}\\u{180f}\\',
    'u{1885}-\\u{1886}\\u{18a9}\\u{1920}-\\u{192b}\\u{1930}-\\u{193b}\\u{1a17}-\\u{1a1b}\\u{1a55}-\\u{1a5e}\\u{1',
    'a60}-\\u{1a7c}\\u{1a7f}\\u{1ab0}-\\u{1add}\\u{1ae0}-\\u{1aeb}\\u{1b00}-\\u{1b04}\\u{1b34}-\\u{1b44}\\u{1b6b',
    '}-\\u{1b73}\\u{1b80}-\\u{1b82}\\u{1ba1}-\\u{1bad}\\u{1be6}-\\u{1bf3}\\u{1c24}-\\u{1c37}\\u{1cd0}-\\u{1cd2}\\',
    'u{1cd4}-\\u{1ce8}\\u{1ced}\\u{1cf4}\\u{1cf7}-\\u{1cf9}\\u{1dc0}-\\u{1dff}\\u{20d0}-\\u{20f0}\\u{2cef}-\\u{2',
    'cf1}\\u{2d7f}\\u{2de0}-\\u{2dff}\\u{302a}-\\u{302f}\\u{3099}-\\u{309a}\\u{a66f}-\\u{a672}\\u{a674}-\\u{a67d',
    '}\\u{a69e}-\\u{a69f}\\u{a6f0}-\\u{a6f1}\\u{a802}\\u{a806}\\u{a80b}\\u{a823}-\\u{a827}\\u{a82c}\\u{a880}-\\u{',
    'a881}\\u{a8b4}-\\u{a8c5}\\u{a8e0}-\\u{a8f1}\\u{a8ff}\\u{a926}-\\u{a92d}\\u{a947}-\\u{a953}\\u{a980}-\\u{a98',
    '3}\\u{a9b3}-\\u{a9c0}\\u{a9e5}\\u{aa29}-\\u{aa36}\\u{aa43}\\u{aa4c}-\\u{aa4d}\\u{aa7b}-\\u{aa7d}\\u{aab0}\\u',
    '{aab2}-\\u{aab4}\\u{aab7}-\\u{aab8}\\u{aabe}-\\u{aabf}\\u{aac1}\\u{aaeb}-\\u{aaef}\\u{aaf5}-\\u{aaf6}\\u{ab',
    'e3}-\\u{abea}\\u{abec}-\\u{abed}\\u{fb1e}\\u{fe00}-\\u{fe0f}\\u{fe20}-\\u{fe2f}\\u{101fd}\\u{102e0}\\u{1037',
    '6}-\\u{1037a}\\u{10a01}-\\u{10a03}\\u{10a05}-\\u{10a06}\\u{10a0c}-\\u{10a0f}\\u{10a38}-\\u{10a3a}\\u{10a3f',
    '}\\u{10ae5}-\\u{10ae6}\\u{10d24}-\\u{10d27}\\u{10d69}-\\u{10d6d}\\u{10eab}-\\u{10eac}\\u{10efa}-\\u{10eff}',
    '\\u{10f46}-\\u{10f50}\\u{10f82}-\\u{10f85}\\u{11000}-\\u{11002}\\u{11038}-\\u{11046}\\u{11070}\\u{11073}-\\',
    'u{11074}\\u{1107f}-\\u{11082}\\u{110b0}-\\u{110ba}\\u{110c2}\\u{11100}-\\u{11102}\\u{11127}-\\u{11134}\\u{',
    '11145}-\\u{11146}\\u{11173}\\u{11180}-\\u{11182}\\u{111b3}-\\u{111c0}\\u{111c9}-\\u{111cc}\\u{111ce}-\\u{1',
    '11cf}\\u{1122c}-\\u{11237}\\u{1123e}\\u{11241}\\u{112df}-\\u{112ea}\\u{11300}-\\u{11303}\\u{1133b}-\\u{113',
    '3c}\\u{1133e}-\\u{11344}\\u{11347}-\\u{11348}\\u{1134b}-\\u{1134d}\\u{11357}\\u{11362}-\\u{11363}\\u{11366',
    '}-\\u{1136c}\\u{11370}-\\u{11374}\\u{113b8}-\\u{113c0}\\u{113c2}\\u{113c5}\\u{113c7}-\\u{113ca}\\u{113cc}-',
    '\\u{113d0}\\u{113d2}\\u{113e1}-\\u{113e2}\\u{11435}-\\u{11446}\\u{1145e}\\u{114b0}-\\u{114c3}\\u{115af}-\\u',
    '{115b5}\\u{115b8}-\\u{115c0}\\u{115dc}-\\u{115dd}\\u{11630}-\\u{11640}\\u{116ab}-\\u{116b7}\\u{1171d}-\\u{',
    '1172b}\\u{1182c}-\\u{1183a}\\u{11930}-\\u{11935}\\u{11937}-\\u{11938}\\u{1193b}-\\u{1193e}\\u{11940}\\u{11',
    '942}-\\u{11943}\\u{119d1}-\\u{119d7}\\u{119da}-\\u{119e0}\\u{119e4}\\u{11a01}-\\u{11a0a}\\u{11a33}-\\u{11a',
    '39}\\u{11a3b}-\\u{11a3e}\\u{11a47}\\u{11a51}-\\u{11a5b}\\u{11a8a}-\\u{11a99}\\u{11b60}-\\u{11b67}\\u{11c2f',
    '}-\\u{11c36}\\u{11c38}-\\u{11c3f}\\u{11c92}-\\u{11ca7}\\u{11ca9}-\\u{11cb6}\\u{11d31}-\\u{11d36}\\u{11d3a}',
    '\\u{11d3c}-\\u{11d3d}\\u{11d3f}-\\u{11d45}\\u{11d47}\\u{11d8a}-\\u{11d8e}\\u{11d90}-\\u{11d91}\\u{11d93}-\\',
    'u{11d97}\\u{11ef3}-\\u{11ef6}\\u{11f00}-\\u{11f01}\\u{11f03}\\u{11f34}-\\u{11f3a}\\u{11f3e}-\\u{11f42}\\u{',
    '11f5a}\\u{13440}\\u{13447}-\\u{13455}\\u{1611e}-\\u{1612f}\\u{16af0}-\\u{16af4}\\u{16b30}-\\u{16b36}\\u{16',
    'f4f}\\u{16f51}-\\u{16f87}\\u{16f8f}-\\u{16f92}\\u{16fe4}\\u{16ff0}-\\u{16ff1}\\u{1bc9d}-\\u{1bc9e}\\u{1cf0',
    '0}-\\u{1cf2d}\\u{1cf30}-\\u{1cf46}\\u{1d165}-\\u{1d169}\\u{1d16d}-\\u{1d172}\\u{1d17b}-\\u{1d182}\\u{1d185',
    '}-\\u{1d18b}\\u{1d1aa}-\\u{1d1ad}\\u{1d242}-\\u{1d244}\\u{1da00}-\\u{1da36}\\u{1da3b}-\\u{1da6c}\\u{1da75}',
    '\\u{1da84}\\u{1da9b}-\\u{1da9f}\\u{1daa1}-\\u{1daaf}\\u{1e000}-\\u{1e006}\\u{1e008}-\\u{1e018}\\u{1e01b}-\\',
    'u{1e021}\\u{1e023}-\\u{1e024}\\u{1e026}-\\u{1e02a}\\u{1e08f}\\u{1e130}-\\u{1e136}\\u{1e2ae}\\u{1e2ec}-\\u{',
    '1e2ef}\\u{1e4ec}-\\u{1e4ef}\\u{1e5ee}-\\u{1e5ef}\\u{1e6e3}\\u{1e6e6}\\u{1e6ee}-\\u{1e6ef}\\u{1e6f5}\\u{1e8',
    'd0}-\\u{1e8d6}\\u{1e944}-\\u{1e94a}\\u{e0100}-\\u{e01ef}\\u{30}-\\u{39}\\u{b2}-\\u{b3}\\u{b9}\\u{bc}-\\u{be}',
    '\\u{660}-\\u{669}\\u{6f0}-\\u{6f9}\\u{7c0}-\\u{7c9}\\u{966}-\\u{96f}\\u{9e6}-\\u{9ef}\\u{9f4}-\\u{9f9}\\u{a66',
    '}-\\u{a6f}\\u{ae6}-\\u{aef}\\u{b66}-\\u{b6f}\\u{b72}-\\u{b77}\\u{be6}-\\u{bf2}\\u{c66}-\\u{c6f}\\u{c78}-\\u{c',
    '7e}\\u{ce6}-\\u{cef}\\u{d58}-\\u{d5e}\\u{d66}-\\u{d78}\\u{de6}-\\u{def}\\u{e50}-\\u{e59}\\u{ed0}-\\u{ed9}\\u{',
    'f20}-\\u{f33}\\u{1040}-\\u{1049}\\u{1090}-\\u{1099}\\u{1369}-\\u{137c}\\u{16ee}-\\u{16f0}\\u{17e0}-\\u{17e9',
    '}\\u{17f0}-\\u{17f9}\\u{1810}-\\u{1819}\\u{1946}-\\u{194f}\\u{19d0}-\\u{19da}\\u{1a80}-\\u{1a89}\\u{1a90}-\\',
    'u{1a99}\\u{1b50}-\\u{1b59}\\u{1bb0}-\\u{1bb9}\\u{1c40}-\\u{1c49}\\u{1c50}-\\u{1c59}\\u{2070}\\u{2074}-\\u{2',
    '079}\\u{2080}-\\u{2089}\\u{2150}-\\u{2182}\\u{2185}-\\u{2189}\\u{2460}-\\u{249b}\\u{24ea}-\\u{24ff}\\u{2776',
    '}-\\u{2793}\\u{2cfd}\\u{3007}\\u{3021}-\\u{3029}\\u{3038}-\\u{303a}\\u{3192}-\\u{3195}\\u{3220}-\\u{3229}\\u',
    '{3248}-\\u{324f}\\u{3251}-\\u{325f}\\u{3280}-\\u{3289}\\u{32b1}-\\u{32bf}\\u{a620}-\\u{a629}\\u{a6e6}-\\u{a',
    '6ef}\\u{a830}-\\u{a835}\\u{a8d0}-\\u{a8d9}\\u{a900}-\\u{a909}\\u{a9d0}-\\u{a9d9}\\u{a9f0}-\\u{a9f9}\\u{aa50',
    '}-\\u{aa59}\\u{abf0}-\\u{abf9}\\u{ff10}-\\u{ff19}\\u{10107}-\\u{10133}\\u{10140}-\\u{10178}\\u{1018a}-\\u{1',
    '018b}\\u{102e1}-\\u{102fb}\\u{10320}-\\u{10323}\\u{10341}\\u{1034a}\\u{103d1}-\\u{103d5}\\u{104a0}-\\u{104',
    'a9}\\u{10858}-\\u{1085f}\\u{10879}-\\u{1087f}\\u{108a7}-\\u{108af}\\u{108fb}-\\u{108ff}\\u{10916}-\\u{1091',
    'b}\\u{109bc}-\\u{109bd}\\u{109c0}-\\u{109cf}\\u{109d2}-\\u{109ff}\\u{10a40}-\\u{10a48}\\u{10a7d}-\\u{10a7e',
    '}\\u{10a9d}-\\u{10a9f}\\u{10aeb}-\\u{10aef}\\u{10b58}-\\u{10b5f}\\u{10b78}-\\u{10b7f}\\u{10ba9}-\\u{10baf}',
    '\\u{10cfa}-\\u{10cff}\\u{10d30}-\\u{10d39}\\u{10d40}-\\u{10d49}\\u{10e60}-\\u{10e7e}\\u{10f1d}-\\u{10f26}\\',
    'u{10f51}-\\u{10f54}\\u{10fc5}-\\u{10fcb}\\u{11052}-\\u{1106f}\\u{110f0}-\\u{110f9}\\u{11136}-\\u{1113f}\\u',
    '{111d0}-\\u{111d9}\\u{111e1}-\\u{111f4}\\u{112f0}-\\u{112f9}\\u{11450}-\\u{11459}\\u{114d0}-\\u{114d9}\\u{',
    '11650}-\\u{11659}\\u{116c0}-\\u{116c9}\\u{116d0}-\\u{116e3}\\u{11730}-\\u{1173b}\\u{118e0}-\\u{118f2}\\u{1',
    '1950}-\\u{11959}\\u{11bf0}-\\u{11bf9}\\u{11c50}-\\u{11c6c}\\u{11d50}-\\u{11d59}\\u{11da0}-\\u{11da9}\\u{11',
    'de0}-\\u{11de9}\\u{11f50}-\\u{11f59}\\u{11fc0}-\\u{11fd4}\\u{12400}-\\u{1246e}\\u{16130}-\\u{16139}\\u{16a',
    '60}-\\u{16a69}\\u{16ac0}-\\u{16ac9}\\u{16b50}-\\u{16b59}\\u{16b5b}-\\u{16b61}\\u{16d70}-\\u{16d79}\\u{16e8',
    '0}-\\u{16e96}\\u{16ff4}-\\u{16ff6}\\u{1ccf0}-\\u{1ccf9}\\u{1d2c0}-\\u{1d2d3}\\u{1d2e0}-\\u{1d2f3}\\u{1d360',
    '}-\\u{1d378}\\u{1d7ce}-\\u{1d7ff}\\u{1e140}-\\u{1e149}\\u{1e2f0}-\\u{1e2f9}\\u{1e4f0}-\\u{1e4f9}\\u{1e5f1}',
    '-\\u{1e5fa}\\u{1e8c7}-\\u{1e8cf}\\u{1e950}-\\u{1e959}\\u{1ec71}-\\u{1ecab}\\u{1ecad}-\\u{1ecaf}\\u{1ecb1}-',
    '\\u{1ecb4}\\u{1ed01}-\\u{1ed2d}\\u{1ed2f}-\\u{1ed3d}\\u{1f100}-\\u{1f10c}\\u{1fbf0}-\\u{1fbf9}_.\\-]+$',
  ].join(''),
  'u',
);

/** Reserved names, compared by the name key (section 7.2). */
export const V2_RESERVED_NAMES = ['server', 'parley', 'system'] as const;

/** The v2 name rules (section 7.2). */
export const V2_NAME_RULES: NameRules = {
  pattern: V2_NAME_PATTERN,
  reserved: V2_RESERVED_NAMES,
  compare: 'uts39',
  invalid: 'a name may hold letters (with their accents and marks), digits, _ . and - only, and may not start with a mark',
};

/** Why a member leaves, as `user_left.reason` carries it (section 7.6). */
export const LEAVE_REASONS = [
  'quit',
  'lost',
  'timeout',
  'error',
  'shutdown',
  'part',
  'kicked',
  'banned',
] as const;

export type LeaveReason = (typeof LEAVE_REASONS)[number];

// legacy (insecure by design; see the spec)

export const LEGACY_CIPHER = 'aes-256-cfb8';
export const LEGACY_IV_BYTES = 16;

/** The legacy Diffie-Hellman group; its parameters are in V2_GROUP_INFO. */
export const LEGACY_GROUP = 'modp14';

/** The text whose SHA-256 keys frames the original sends before its key exchange ends. */
export const LEGACY_NONE_KEY_TEXT = 'None';

/** The keys of every legacy packet object, in wire order (section 10.1). */
export const LEGACY_KEY_ORDER = [
  'shost',
  'dhost',
  'username',
  'date',
  'cont',
  'typ',
  'shouldParseContents',
] as const;

export const LEGACY_SERVER_NAME = '*server*';
export const LEGACY_TEMP_NAME = 'temp';
export const LEGACY_EXPORT_HEADER = '{Start of conversation}';

/** Fixed texts; `{name}` in `left` stands for the user name. */
export const LEGACY_MESSAGES = {
  joined: '[*] You have joined the chat!',
  taken: '[*] Username already in use!',
  left: '[{name}] has left the chat',
} as const;

/** Allowed user names (section 10.2); lengths are checked against maxName. */
export const LEGACY_NAME_PATTERN = /^(?![\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])(?!.*[\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$)[^\u0000-\u001f\u007f-\u009f\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ud800-\udfff\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{110bd}\u{110cd}\u{13430}-\u{1343f}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]+$/u;

/** Reserved names, compared exactly. */
export const LEGACY_RESERVED_NAMES = ['*server*', 'temp'] as const;

/** The legacy name rules (section 10.2). */
export const LEGACY_NAME_RULES: NameRules = {
  pattern: LEGACY_NAME_PATTERN,
  reserved: LEGACY_RESERVED_NAMES,
  compare: 'keys',
  invalid: 'a name may not hold controls or invisible characters, nor start or end with a space',
};

/** The `typ` values a client sends once the key exchange is over; any other counts as `default` (10.3). */
export const LEGACY_CLIENT_TYPS = ['setuser', 'default', 'export'] as const;

export type LegacyClientTyp = (typeof LEGACY_CLIENT_TYPS)[number];

// both profiles

export interface NameRules {
  /** What a name must match; lengths are checked against maxName. */
  readonly pattern: RegExp;
  readonly reserved: readonly string[];
  /**
   * 'uts39': NFC, the Unicode UTS #39 identifier rules, and comparison by skeleton key (7.2);
   * 'keys': names are taken as sent and compared by the keys of 7.2 (10.2); 'exact': as sent.
   * src/chat/name-rules.ts applies them.
   */
  readonly compare: 'uts39' | 'keys' | 'exact';
  /** What a refusal says when a name does not match the pattern. */
  readonly invalid: string;
}
