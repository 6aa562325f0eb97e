/**
 * What a client session reports, in either profile: its states and its profile-neutral events.
 * The reference client's view model reads these and nothing else from the session.
 */
import type { AwayNews, WhoisFacts } from '../chat/room.js';
import type { V2PacketOf } from '../generated/v2-packets.js';
import type { UnsentLine } from './pending-requests.js';
import type { PresenceChange } from './presence.js';
import type { Profile, Trust } from './trust.js';

export type SessionState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'joining' | 'joined' | 'closed';

export interface ChatMessage {
  /** `notice`: from the server itself (legacy `*server*` lines). */
  readonly kind: 'chat' | 'private' | 'action' | 'notice';
  readonly from: string;
  /** For `private`: the recipient. */
  readonly to?: string;
  readonly text: string;
  /** ms since the epoch: the server's stamp (v2), or the time of arrival (legacy). */
  readonly ts: number;
  /** The room it was said in (7.15; `#lobby` on a server without rooms); none for `private`. */
  readonly room?: string;
}

/** A keyed member's mark (7.16): the short fingerprint, and whether it is an operator (7.18). */
export interface KeyMark {
  readonly key: string;
  readonly op: boolean;
}

/** One ban of a `ban_list` (7.18). */
export type BanEntry = V2PacketOf<'ban_list'>['bans'][number];
/** One mute of a `mute_list` (7.18). */
export type MuteEntry = V2PacketOf<'mute_list'>['mutes'][number];

export interface SessionError {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
}

export interface ReadyInfo {
  readonly profile: Profile;
  /** e.g. `x25519+AES-256-GCM`, or `modp14 (legacy) AES-256-CFB8, unauthenticated`. */
  readonly suite: string;
  /** The server's key fingerprint (v2), null for legacy (which has no server key). */
  readonly fingerprint: string | null;
  readonly trust: Trust;
}

/** One room of a `room_list` (7.15). */
export interface RoomListing {
  readonly room: string;
  readonly members: number;
  readonly topic: string;
}

/**
 * One entry of a v2 export (7.7): `from` and `text` for chat lines and actions; `name` (and, for
 * a leave, `reason`) for joins and leaves from a server that sends the structured form, `from`
 * and `text` from one that sends the 2.0 form.
 */
export interface ExportEntry {
  readonly kind: string;
  readonly from?: string;
  readonly text?: string;
  readonly name?: string;
  readonly reason?: string;
  readonly ts: number;
}

export type SessionEvent =
  | { readonly kind: 'state'; readonly state: SessionState }
  /**
   * The handshake is done and the server's key trusted: joining may start. `record`: write the key
   * down as this server's (known_servers). `replaced`: the recorded key this one replaces.
   */
  | ({ readonly kind: 'ready'; readonly record: boolean; readonly replaced?: string } & ReadyInfo)
  /** A v2 server's key is not known yet and the user is to be asked; answerKey() decides (5.6). */
  | { readonly kind: 'key-unknown'; readonly presented: string }
  /** A v2 server presents a key other than the recorded one; answerKey() decides (5.6). */
  | { readonly kind: 'key-changed'; readonly known: string; readonly presented: string }
  /** The client refuses this server (a security check failed): the connection ends, no retry. */
  | { readonly kind: 'refused'; readonly code: string; readonly lines: readonly string[] }
  | {
      readonly kind: 'joined';
      readonly name: string;
      readonly users: readonly string[];
      readonly motd?: string;
      /** legacy: `users` is only the joiner; who else is here comes in the next list (10.2). */
      readonly usersToCome?: boolean;
      /** v2 feature `client-key` (7.16): the mark of this client's own key, when the server recorded one. */
      readonly key?: KeyMark;
      /** The feature `rooms` is agreed (7.15): rooms may be joined; else there is only `#lobby`. */
      readonly rooms?: boolean;
    }
  | { readonly kind: 'join-refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'message'; readonly message: ChatMessage }
  /**
   * Joins or leaves in `room`: one name, or a v2 run of names in order (7.6, 7.15). On these
   * room-scoped events an absent `room` means `#lobby`, as on the wire (the reader always names it).
   */
  | { readonly kind: 'presence'; readonly room?: string; readonly change: PresenceChange }
  /** Who is in `room` now (`#lobby` on a server without rooms). */
  | { readonly kind: 'users'; readonly room?: string; readonly users: readonly string[] }
  /** Feature `rooms` (7.15): this client is in `room` (also again: a join is idempotent). */
  | {
      readonly kind: 'room-joined';
      readonly room: string;
      readonly users: readonly string[];
      readonly topic: string;
      readonly ts: number;
    }
  /** Feature `rooms`: this client is no longer in `room`. */
  | { readonly kind: 'room-parted'; readonly room: string; readonly ts: number }
  /** Feature `rooms`: every room on the server, all parts joined. */
  | { readonly kind: 'room-list'; readonly rooms: readonly RoomListing[] }
  /** Feature `rooms`: `by` set the topic of `room` (`''`: cleared). */
  | {
      readonly kind: 'topic';
      readonly room: string;
      readonly topic: string;
      readonly by: string;
      readonly ts: number;
    }
  /** v2 feature `nick`: `from` is now called `to` (7.11); the user list follows in a `users` event. */
  | { readonly kind: 'renamed'; readonly from: string; readonly to: string; readonly ts: number }
  /** v2 feature `away`: `name` is away (with its reason) or back (7.12); `notice`: told for a private message. */
  | AwayNews
  /** v2 feature `whois`: about one member (7.13); `joined` ms since the epoch, `idle` in ms. */
  | WhoisFacts
  /** v2 feature `backlog`: chat said before this client joined (7.10), all parts joined, oldest first. */
  | { readonly kind: 'history'; readonly room?: string; readonly messages: readonly ChatMessage[] }
  /** v2 feature `client-key` (7.16): the keyed members and operators by name, after a change. */
  | { readonly kind: 'member-keys'; readonly marks: ReadonlyMap<string, KeyMark> }
  /** v2 feature `moderation` (7.18): an operator acted (a kick, ban, mute, motd...). */
  | ({ readonly kind: 'moderated' } & Readonly<Omit<V2PacketOf<'moderated'>, 'type'>>)
  /** v2 feature `moderation` (7.18): the bans in force, all parts joined, oldest first. */
  | { readonly kind: 'ban-list'; readonly bans: readonly BanEntry[] }
  /** v2 feature `moderation` (7.18): the mutes in force, all parts joined, oldest first. */
  | { readonly kind: 'mute-list'; readonly mutes: readonly MuteEntry[] }
  /** v2: the conversation of `room` as entries (7.7), all parts joined. */
  | { readonly kind: 'export'; readonly room?: string; readonly entries: readonly ExportEntry[] }
  /** legacy: the conversation as the server wrote it (10.4). */
  | { readonly kind: 'export-text'; readonly text: string }
  /** A non-fatal error; `unsent`: the chat line it refused (RATE_LIMITED, MESSAGE_TOO_LONG...). */
  | ({ readonly kind: 'error'; readonly unsent?: UnsentLine } & SessionError)
  /** An export got no whole answer within the export timeout: nothing more is awaited. */
  | { readonly kind: 'export-timeout'; readonly seconds: number }
  | {
      readonly kind: 'closed';
      /** The user asked for it (quit) or the client refused the server. */
      readonly byUser: boolean;
      /** The server said goodbye (v2), with its reason. */
      readonly goodbye?: string;
      /** The fatal error that ended the connection, if any. */
      readonly error?: SessionError;
    };
