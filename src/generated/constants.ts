// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

/** The version of the Parley spec these constants come from. */
export const SPEC_VERSION = '2.1.0';

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
  maxMessage: 2000,
  maxName: 24,
  maxClients: 1024,
  maxPerAddress: 8,
  addressHandshakeBurst: 8,
  addressHandshakesPerSecond: 2,
  history: 1000,
  backlog: 20,
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
  sendWindowBytes: 65536,
  slowReaderMs: 60000,
  presenceBatchMembers: 100,
  presenceBurst: 8,
  presenceBatchMs: 200,
  presenceBatchMaxMs: 2000,
  clientHandshakeTimeoutMs: 15000,
  clientPingMs: 30000,
  clientIdleTimeoutMs: 75000,
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
      '(LIMITS_INCONSISTENT) unless 6 x maxMessage + 8 x maxName + 106 <= maxFrame. With maxFrame 65536 ' +
      'and maxName 24 that allows maxMessage up to 10873; with maxFrame 1024, up to 121.',
  },
  maxMessage: {
    default: 2000,
    min: 1,
    max: 32768,
    unit: 'characters',
    serverFlag: '--max-message',
    text: 'Longest chat, private or action text. Longer text gets MESSAGE_TOO_LONG (not fatal).',
  },
  maxName: { default: 24, min: 1, max: 64, unit: 'characters', text: 'Longest user name.' },
  maxClients: {
    default: 1024,
    min: 1,
    max: 100000,
    unit: 'connections',
    serverFlag: '--max-clients',
    text:
      'Connections a server holds at once; a connection beyond it is refused at accept with SERVER_FULL ' +
      '(v2: a `refused` packet, 5.10; legacy: closed without a word).',
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
      'Checked before maxClients, so that a crowded address is told so rather than that the server is full.',
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
      'accept with ADDRESS_RATE_LIMITED (v2: a `refused` packet, 5.10; legacy: closed without a word). A ' +
      'refused connection takes no token. A bucket starts full; a server MAY forget the full bucket of an ' +
      'address it holds no connection from.',
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
  history: {
    default: 1000,
    min: 0,
    max: 1000000,
    unit: 'entries',
    serverFlag: '--history',
    text:
      'Chat entries kept in memory; the oldest go first. Never written to disk. What a newcomer may see of ' +
      'them is stated once, in 7.10.',
  },
  backlog: {
    default: 20,
    min: 0,
    max: 1000,
    unit: 'entries',
    serverFlag: '--backlog',
    text:
      'v2 feature `backlog` (7.10): how many of the newest kept chat lines and actions a joining client ' +
      'that agreed `backlog` is sent after `join_ok` (0: none). At most `history` of them exist. The ' +
      'reference server: `--backlog N`.',
  },
  handshakeTimeoutMs: {
    default: 10000,
    min: 100,
    max: 600000,
    unit: 'ms',
    serverFlag: '--handshake-timeout',
    text: 'Time from accept to a chosen name; past it the server closes with HANDSHAKE_TIMEOUT.',
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
      'rules and a reply); `who` 3 (a user list, up to maxClients names); `export` 8 (up to `history` ' +
      'entries; what bounds its output is the server\'s queue limits, the cost bounds how often it is ' +
      'asked: two exports and a few lines still fit one burst); `goodbye` 0 (nothing follows it). A packet ' +
      'costs at most rateBurst (so a small bucket forbids no type), and a bucket starts full. A server ' +
      'enforces the bucket in one place, before the packet has any effect.',
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
      'the oldest `message` and `action` packets not yet sent to that member (never presence, private ' +
      'messages, replies or errors), and once the member has caught up (less than sendWindowBytes waits ' +
      'for it) sends it one non-fatal `error` LINES_SKIPPED saying how many it missed (`export` still has ' +
      'them). So a member that keeps reading is never dropped for what the room says. Only a queue still ' +
      'over the limit with no chat line left to shed (replies and notices the member itself caused) ends ' +
      'the connection with SLOW_READER. legacy has no way to say lines were skipped, so a legacy server ' +
      'does not shed: over the limit is SLOW_READER.',
  },
  maxTotalQueuedBytes: {
    default: 268435456,
    min: 65536,
    max: 1099511627776,
    unit: 'bytes',
    text:
      'Bytes a server may hold queued across all its connections (the sum of what maxQueuedBytes counts ' +
      'for each). While the total is over it, each connection\'s limit is its fair share instead: ' +
      'maxTotalQueuedBytes divided by the connections open, no less than twice sendWindowBytes and no more ' +
      'than maxQueuedBytes, and the rules of maxQueuedBytes apply with that limit (chat lines shed first). ' +
      'So the server\'s memory for output is bounded by its configuration, not by what clients ask or how ' +
      'slowly they read.',
  },
  sendWindowBytes: {
    default: 65536,
    min: 4096,
    max: 16777216,
    unit: 'bytes',
    text:
      'Most bytes a server hands one connection\'s socket before the socket has taken them: the rest waits ' +
      'in the server\'s queue (maxQueuedBytes), unsealed where the profile allows. A large reply ' +
      '(`export_reply` parts, 7.7) is produced only as this window empties, from a cursor over the ' +
      'history, never materialised whole; entries the history drops before the cursor reaches them are not ' +
      'sent. A reply is never a reason to drop its asker: at most one window of it waits for the socket at ' +
      'a time.',
  },
  slowReaderMs: {
    default: 60000,
    min: 1000,
    max: 3600000,
    unit: 'ms',
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

/** Allowed user names (section 7.2); lengths are checked against maxName. */
export const V2_NAME_PATTERN = /^(?!\p{M})[\p{L}\p{M}\p{N}_.\-]+$/u;

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
export const LEAVE_REASONS = ['quit', 'lost', 'timeout', 'error', 'shutdown'] as const;

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
export const LEGACY_NAME_PATTERN = /^[^\u0000-\u001f\u007f]+$/;

/** Reserved names, compared exactly. */
export const LEGACY_RESERVED_NAMES = ['*server*', 'temp'] as const;

/** The legacy name rules (section 10.2). */
export const LEGACY_NAME_RULES: NameRules = {
  pattern: LEGACY_NAME_PATTERN,
  reserved: LEGACY_RESERVED_NAMES,
  compare: 'exact',
  invalid: 'a name may not hold control characters',
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
   * 'exact': names are taken and compared as sent (10.2). src/chat/name-rules.ts applies them.
   */
  readonly compare: 'uts39' | 'exact';
  /** What a refusal says when a name does not match the pattern. */
  readonly invalid: string;
}
