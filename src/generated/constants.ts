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
  history: 1000,
  backlog: 20,
  handshakeTimeoutMs: 10000,
  idlePingMs: 60000,
  idleTimeoutMs: 90000,
  rateBurst: 20,
  ratePerSecond: 10,
  maxQueuedBytes: 1048576,
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
  readonly text: string;
}

/** Each limit with its default, its accepted range, its unit and its meaning. */
export const LIMIT_INFO: Readonly<Record<LimitName, LimitInfo>> = {
  maxFrame: {
    default: 65536,
    min: 1024,
    max: 16777216,
    unit: 'bytes',
    text: 'Largest body a receiver accepts (3.2). Announced by a v2 server in `server_hello`.',
  },
  maxMessage: {
    default: 2000,
    min: 1,
    max: 32768,
    unit: 'characters',
    text: 'Longest chat, private or action text. Longer text gets MESSAGE_TOO_LONG (not fatal).',
  },
  maxName: { default: 24, min: 1, max: 64, unit: 'characters', text: 'Longest user name.' },
  maxClients: {
    default: 1024,
    min: 1,
    max: 100000,
    unit: 'connections',
    text: 'Connections a server holds at once; more get SERVER_FULL.',
  },
  history: {
    default: 1000,
    min: 0,
    max: 1000000,
    unit: 'entries',
    text:
      'Chat entries kept in memory; the oldest go first. Never written to disk. What a newcomer may see of ' +
      'them is stated once, in 7.10.',
  },
  backlog: {
    default: 20,
    min: 0,
    max: 1000,
    unit: 'entries',
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
    text: 'Time from accept to a chosen name; past it the server closes with HANDSHAKE_TIMEOUT.',
  },
  idlePingMs: {
    default: 60000,
    min: 100,
    max: 3600000,
    unit: 'ms',
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
    text: 'Token bucket size for chat packets per connection.',
  },
  ratePerSecond: {
    default: 10,
    min: 1,
    max: 100000,
    unit: 'packets/s',
    text:
      'Token bucket refill rate. A packet with no token left gets RATE_LIMITED (not fatal) and is dropped.',
  },
  maxQueuedBytes: {
    default: 1048576,
    min: 4096,
    max: 1073741824,
    unit: 'bytes',
    text: 'Bytes a server may hold unsent for one slow reader before it disconnects it with SLOW_READER.',
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
