// Generated from spec/parley.spec.json by scripts/gen.mjs. Do not edit by hand:
// edit the spec and run `npm run gen`.

export interface MachineTransition<S extends string = string> {
  /** The guard that picks this transition among those on the same event, or null. */
  readonly when: string | null;
  readonly to: S;
}

export interface MachineDef<S extends string = string> {
  readonly section: string;
  readonly initial: S;
  readonly states: readonly S[];
  /**
   * state -> event -> transitions. An event is a packet type received, `send:X` when this side sends
   * packet X, or a local event. A packet with no entry is PACKET_UNEXPECTED.
   */
  readonly table: { readonly [K in S]: { readonly [event: string]: ReadonlyArray<MachineTransition<S>> } };
}

/** The v2 server state machine (section 13.1). */
export const V2_SERVER_MACHINE = {
  section: '13.1',
  initial: 'AWAIT_CLIENT_HELLO',
  states: ['AWAIT_CLIENT_HELLO', 'AWAIT_JOIN', 'JOINED', 'CLOSED', 'ERROR'],
  table: {
    AWAIT_CLIENT_HELLO: {
      client_hello: [{ when: null, to: 'AWAIT_JOIN' }],
      'send:server_hello': [{ when: null, to: 'AWAIT_CLIENT_HELLO' }],
    },
    AWAIT_JOIN: {
      join: [{ when: 'accepted', to: 'JOINED' }, { when: 'refused', to: 'AWAIT_JOIN' }],
      ping: [{ when: null, to: 'AWAIT_JOIN' }],
      pong: [{ when: null, to: 'AWAIT_JOIN' }],
      goodbye: [{ when: null, to: 'CLOSED' }],
      error: [{ when: 'fatal', to: 'CLOSED' }, { when: 'nonfatal', to: 'AWAIT_JOIN' }],
      'send:server_auth': [{ when: null, to: 'AWAIT_JOIN' }],
      'send:join_error': [{ when: null, to: 'AWAIT_JOIN' }],
      'send:ping': [{ when: null, to: 'AWAIT_JOIN' }],
      'send:pong': [{ when: null, to: 'AWAIT_JOIN' }],
      'send:error': [{ when: null, to: 'AWAIT_JOIN' }],
      'send:goodbye': [{ when: null, to: 'CLOSED' }],
      client_auth: [{ when: null, to: 'AWAIT_JOIN' }],
    },
    JOINED: {
      say: [{ when: null, to: 'JOINED' }],
      msg: [{ when: null, to: 'JOINED' }],
      me: [{ when: null, to: 'JOINED' }],
      who: [{ when: null, to: 'JOINED' }],
      export: [{ when: null, to: 'JOINED' }],
      nick: [{ when: null, to: 'JOINED' }],
      away: [{ when: null, to: 'JOINED' }],
      back: [{ when: null, to: 'JOINED' }],
      whois: [{ when: null, to: 'JOINED' }],
      room_join: [{ when: null, to: 'JOINED' }],
      room_part: [{ when: null, to: 'JOINED' }],
      rooms: [{ when: null, to: 'JOINED' }],
      topic: [{ when: null, to: 'JOINED' }],
      ping: [{ when: null, to: 'JOINED' }],
      pong: [{ when: null, to: 'JOINED' }],
      goodbye: [{ when: null, to: 'CLOSED' }],
      error: [{ when: 'fatal', to: 'CLOSED' }, { when: 'nonfatal', to: 'JOINED' }],
      'send:join_ok': [{ when: null, to: 'JOINED' }],
      'send:user_list': [{ when: null, to: 'JOINED' }],
      'send:message': [{ when: null, to: 'JOINED' }],
      'send:action': [{ when: null, to: 'JOINED' }],
      'send:private': [{ when: null, to: 'JOINED' }],
      'send:user_joined': [{ when: null, to: 'JOINED' }],
      'send:users_joined': [{ when: null, to: 'JOINED' }],
      'send:user_left': [{ when: null, to: 'JOINED' }],
      'send:users_left': [{ when: null, to: 'JOINED' }],
      'send:export_reply': [{ when: null, to: 'JOINED' }],
      'send:backlog': [{ when: null, to: 'JOINED' }],
      'send:user_renamed': [{ when: null, to: 'JOINED' }],
      'send:user_away': [{ when: null, to: 'JOINED' }],
      'send:whois_reply': [{ when: null, to: 'JOINED' }],
      'send:room_joined': [{ when: null, to: 'JOINED' }],
      'send:room_parted': [{ when: null, to: 'JOINED' }],
      'send:room_list': [{ when: null, to: 'JOINED' }],
      'send:topic_changed': [{ when: null, to: 'JOINED' }],
      'send:join_error': [{ when: null, to: 'JOINED' }],
      'send:ping': [{ when: null, to: 'JOINED' }],
      'send:pong': [{ when: null, to: 'JOINED' }],
      'send:error': [{ when: null, to: 'JOINED' }],
      'send:goodbye': [{ when: null, to: 'CLOSED' }],
      kick: [{ when: null, to: 'JOINED' }],
      ban: [{ when: null, to: 'JOINED' }],
      unban: [{ when: null, to: 'JOINED' }],
      bans: [{ when: null, to: 'JOINED' }],
      mute: [{ when: null, to: 'JOINED' }],
      unmute: [{ when: null, to: 'JOINED' }],
      mutes: [{ when: null, to: 'JOINED' }],
      motd: [{ when: null, to: 'JOINED' }],
      'send:moderated': [{ when: null, to: 'JOINED' }],
      'send:ban_list': [{ when: null, to: 'JOINED' }],
      'send:mute_list': [{ when: null, to: 'JOINED' }],
    },
    CLOSED: {},
    ERROR: {},
  },
} as const satisfies MachineDef;

export type V2ServerState = (typeof V2_SERVER_MACHINE.states)[number];
export type V2ServerEvent = {
  [S in V2ServerState]: keyof (typeof V2_SERVER_MACHINE.table)[S];
}[V2ServerState];

/** The guards (`when`) that pick among transitions on one event. */
export type V2ServerGuard = 'accepted' | 'refused' | 'fatal' | 'nonfatal';

/** The v2 client state machine (section 13.2). */
export const V2_CLIENT_MACHINE = {
  section: '13.2',
  initial: 'AWAIT_SERVER_HELLO',
  states: [
    'AWAIT_SERVER_HELLO',
    'AWAIT_SERVER_AUTH',
    'READY',
    'AWAIT_JOIN_REPLY',
    'JOINED',
    'CLOSED',
    'ERROR',
  ],
  table: {
    AWAIT_SERVER_HELLO: {
      server_hello: [{ when: null, to: 'AWAIT_SERVER_AUTH' }],
      refused: [{ when: null, to: 'CLOSED' }],
    },
    AWAIT_SERVER_AUTH: { server_auth: [{ when: null, to: 'READY' }], error: [{ when: null, to: 'CLOSED' }] },
    READY: {
      'send:join': [{ when: null, to: 'AWAIT_JOIN_REPLY' }],
      ping: [{ when: null, to: 'READY' }],
      error: [{ when: 'nonfatal', to: 'READY' }, { when: 'fatal', to: 'CLOSED' }],
      goodbye: [{ when: null, to: 'CLOSED' }],
      'send:goodbye': [{ when: null, to: 'CLOSED' }],
      'send:pong': [{ when: null, to: 'READY' }],
      'send:client_auth': [{ when: null, to: 'READY' }],
    },
    AWAIT_JOIN_REPLY: {
      join_ok: [{ when: null, to: 'JOINED' }],
      join_error: [{ when: null, to: 'READY' }],
      ping: [{ when: null, to: 'AWAIT_JOIN_REPLY' }],
      error: [{ when: 'nonfatal', to: 'READY' }, { when: 'fatal', to: 'CLOSED' }],
      goodbye: [{ when: null, to: 'CLOSED' }],
      'send:goodbye': [{ when: null, to: 'CLOSED' }],
      'send:pong': [{ when: null, to: 'AWAIT_JOIN_REPLY' }],
    },
    JOINED: {
      message: [{ when: null, to: 'JOINED' }],
      private: [{ when: null, to: 'JOINED' }],
      action: [{ when: null, to: 'JOINED' }],
      user_list: [{ when: null, to: 'JOINED' }],
      user_joined: [{ when: null, to: 'JOINED' }],
      user_left: [{ when: null, to: 'JOINED' }],
      users_joined: [{ when: null, to: 'JOINED' }],
      users_left: [{ when: null, to: 'JOINED' }],
      export_reply: [{ when: null, to: 'JOINED' }],
      backlog: [{ when: null, to: 'JOINED' }],
      user_renamed: [{ when: null, to: 'JOINED' }],
      user_away: [{ when: null, to: 'JOINED' }],
      whois_reply: [{ when: null, to: 'JOINED' }],
      room_joined: [{ when: null, to: 'JOINED' }],
      room_parted: [{ when: null, to: 'JOINED' }],
      room_list: [{ when: null, to: 'JOINED' }],
      topic_changed: [{ when: null, to: 'JOINED' }],
      join_error: [{ when: null, to: 'JOINED' }],
      error: [{ when: 'nonfatal', to: 'JOINED' }, { when: 'fatal', to: 'CLOSED' }],
      ping: [{ when: null, to: 'JOINED' }],
      pong: [{ when: null, to: 'JOINED' }],
      goodbye: [{ when: null, to: 'CLOSED' }],
      'send:say': [{ when: null, to: 'JOINED' }],
      'send:msg': [{ when: null, to: 'JOINED' }],
      'send:me': [{ when: null, to: 'JOINED' }],
      'send:who': [{ when: null, to: 'JOINED' }],
      'send:export': [{ when: null, to: 'JOINED' }],
      'send:nick': [{ when: null, to: 'JOINED' }],
      'send:away': [{ when: null, to: 'JOINED' }],
      'send:back': [{ when: null, to: 'JOINED' }],
      'send:whois': [{ when: null, to: 'JOINED' }],
      'send:room_join': [{ when: null, to: 'JOINED' }],
      'send:room_part': [{ when: null, to: 'JOINED' }],
      'send:rooms': [{ when: null, to: 'JOINED' }],
      'send:topic': [{ when: null, to: 'JOINED' }],
      'send:ping': [{ when: null, to: 'JOINED' }],
      'send:goodbye': [{ when: null, to: 'CLOSED' }],
      'send:pong': [{ when: null, to: 'JOINED' }],
      moderated: [{ when: null, to: 'JOINED' }],
      ban_list: [{ when: null, to: 'JOINED' }],
      mute_list: [{ when: null, to: 'JOINED' }],
      'send:kick': [{ when: null, to: 'JOINED' }],
      'send:ban': [{ when: null, to: 'JOINED' }],
      'send:unban': [{ when: null, to: 'JOINED' }],
      'send:bans': [{ when: null, to: 'JOINED' }],
      'send:mute': [{ when: null, to: 'JOINED' }],
      'send:unmute': [{ when: null, to: 'JOINED' }],
      'send:mutes': [{ when: null, to: 'JOINED' }],
      'send:motd': [{ when: null, to: 'JOINED' }],
    },
    CLOSED: {},
    ERROR: {},
  },
} as const satisfies MachineDef;

export type V2ClientState = (typeof V2_CLIENT_MACHINE.states)[number];
export type V2ClientEvent = {
  [S in V2ClientState]: keyof (typeof V2_CLIENT_MACHINE.table)[S];
}[V2ClientState];

/** The guards (`when`) that pick among transitions on one event. */
export type V2ClientGuard = 'nonfatal' | 'fatal';

/** The legacy server state machine (section 13.3). */
export const LEGACY_SERVER_MACHINE = {
  section: '13.3',
  initial: 'AWAIT_KEY_EXC',
  states: ['AWAIT_KEY_EXC', 'AWAIT_SETUSER', 'JOINED', 'CLOSED', 'ERROR'],
  table: {
    AWAIT_KEY_EXC: { key_exc: [{ when: null, to: 'AWAIT_SETUSER' }] },
    AWAIT_SETUSER: {
      setuser: [{ when: 'accepted', to: 'JOINED' }, { when: 'refused', to: 'AWAIT_SETUSER' }],
    },
    JOINED: { default: [{ when: null, to: 'JOINED' }], export: [{ when: null, to: 'JOINED' }] },
    CLOSED: {},
    ERROR: {},
  },
} as const satisfies MachineDef;

export type LegacyServerState = (typeof LEGACY_SERVER_MACHINE.states)[number];
export type LegacyServerEvent = {
  [S in LegacyServerState]: keyof (typeof LEGACY_SERVER_MACHINE.table)[S];
}[LegacyServerState];

/** The guards (`when`) that pick among transitions on one event. */
export type LegacyServerGuard = 'accepted' | 'refused';

/** The legacy client state machine (section 13.4). */
export const LEGACY_CLIENT_MACHINE = {
  section: '13.4',
  initial: 'AWAIT_IV',
  states: ['AWAIT_IV', 'AWAIT_KEY', 'READY', 'AWAIT_SETUSER_REPLY', 'JOINED', 'CLOSED', 'ERROR'],
  table: {
    AWAIT_IV: { iv_exc: [{ when: null, to: 'AWAIT_KEY' }] },
    AWAIT_KEY: { key_exc: [{ when: null, to: 'READY' }] },
    READY: {
      'send:setuser': [{ when: null, to: 'AWAIT_SETUSER_REPLY' }],
      client_list_update_add: [{ when: null, to: 'READY' }],
      disconnection: [{ when: null, to: 'READY' }],
      default: [{ when: null, to: 'READY' }],
    },
    AWAIT_SETUSER_REPLY: {
      approved_conn: [{ when: null, to: 'JOINED' }],
      username_taken: [{ when: null, to: 'READY' }],
      client_list_update_add: [{ when: null, to: 'AWAIT_SETUSER_REPLY' }],
      disconnection: [{ when: null, to: 'AWAIT_SETUSER_REPLY' }],
      default: [{ when: null, to: 'AWAIT_SETUSER_REPLY' }],
    },
    JOINED: {
      default: [{ when: null, to: 'JOINED' }],
      client_list_update_add: [{ when: null, to: 'JOINED' }],
      disconnection: [{ when: null, to: 'JOINED' }],
      export: [{ when: null, to: 'JOINED' }],
      'send:default': [{ when: null, to: 'JOINED' }],
      'send:export': [{ when: null, to: 'JOINED' }],
    },
    CLOSED: {},
    ERROR: {},
  },
} as const satisfies MachineDef;

export type LegacyClientState = (typeof LEGACY_CLIENT_MACHINE.states)[number];
export type LegacyClientEvent = {
  [S in LegacyClientState]: keyof (typeof LEGACY_CLIENT_MACHINE.table)[S];
}[LegacyClientState];

/** The guards (`when`) that pick among transitions on one event. */
export type LegacyClientGuard = never;

/** Every machine, keyed `profile/role`. */
export const MACHINES = {
  'v2/server': V2_SERVER_MACHINE,
  'v2/client': V2_CLIENT_MACHINE,
  'legacy/server': LEGACY_SERVER_MACHINE,
  'legacy/client': LEGACY_CLIENT_MACHINE,
} as const satisfies Readonly<Record<string, MachineDef>>;

export type MachineName = keyof typeof MACHINES;
