/**
 * What a member asks of the chat model and what the model decides (spec 7.2-7.15, 10): the data
 * handed between a wire dialect and the model (room.ts). A dialect reads a request off its own
 * packets; the model returns a decision; the dialect renders it as its own packets. Keys (7.16),
 * reserved names (7.17) and moderation (7.18) add a member's facts, the operators' requests and
 * the removals and news they decide.
 */
import type { ParleyError } from '../errors.js';
import type { LeaveReason } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import {
  V2_PACKET_FEATURE,
  V2_PACKET_INFO,
  V2_PACKET_TYPES,
  type V2PacketOf,
} from '../generated/v2-packets.js';
import type { ChatRoom } from './chat-room.js';

export type NameVerdict =
  | { readonly ok: true; readonly name: string }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'NAME_TAKEN' | 'NAME_INVALID' | 'NAME_RESERVED'>;
      readonly message: string;
    };

/** A moderation request as the model gets it (the packets of 7.18 without `type`). */
export type RoomModerationRequest =
  | { readonly kind: 'kick'; readonly name: string; readonly reason?: string }
  | {
      readonly kind: 'ban';
      readonly name?: string;
      readonly key?: string;
      readonly addr?: string;
      readonly duration: number;
      readonly reason?: string;
    }
  | { readonly kind: 'unban'; readonly ban: number }
  | { readonly kind: 'bans' }
  | {
      readonly kind: 'mute';
      readonly name?: string;
      readonly key?: string;
      readonly addr?: string;
      readonly room?: string;
      readonly duration: number;
      readonly reason?: string;
    }
  | { readonly kind: 'unmute'; readonly name?: string; readonly room?: string; readonly mute?: number }
  | { readonly kind: 'mutes' }
  | { readonly kind: 'motd'; readonly text: string };

/**
 * The kinds of the moderation requests: the client packets of feature `moderation` (7.18), as the
 * spec lists them (src/generated), each read as the request of the same name.
 */
const MODERATION_KINDS: ReadonlySet<string> = new Set(
  V2_PACKET_TYPES.filter(
    (t) => V2_PACKET_FEATURE[t] === 'moderation' && V2_PACKET_INFO[t].direction === 'c2s',
  ),
);

/** True for a moderation packet type (7.18): the dialect reads it as the request of that kind. */
export function isModerationKind(kind: string): boolean {
  return MODERATION_KINDS.has(kind);
}

/** True for a moderation request (7.18), which moderate.ts decides. */
export function isModerationRequest(request: { readonly kind: string }): request is RoomModerationRequest {
  return MODERATION_KINDS.has(request.kind);
}

/** A member's facts besides its name, fixed when it joins (7.16, 7.18). */
export interface MemberFacts {
  /** The full fingerprint of the key its connection proved (7.16), or null: anonymous. */
  readonly fingerprint: string | null;
  /** Its key's short fingerprint, or null. */
  readonly key: string | null;
  /** Its key is an operator's (7.18). */
  readonly op: boolean;
  /** Its address hash (7.18), or null when the address is unknown or the server does not moderate. */
  readonly addr: string | null;
  /** Its address as the server counts it (11), kept only for `--ops-see-addresses`; else null. */
  readonly address: string | null;
  /** The v2 features its connection agreed (5.8); none for legacy. */
  readonly features: ReadonlySet<string>;
}

/** How a connection joins: what the server knows of it besides the wanted name. */
export interface JoinContext {
  /** The address as the server counts it (admission.ts addressKey), when known. */
  readonly address?: string;
  readonly features?: ReadonlySet<string>;
}

/** The fields of a `moderated` packet (7.18). */
export type ModeratedNews = Readonly<Omit<V2PacketOf<'moderated'>, 'type'>>;

/** One entry of ban_list (7.18). */
export type BanEntry = V2PacketOf<'ban_list'>['bans'][number];

/** One entry of mute_list (7.18). */
export type MuteEntry = V2PacketOf<'mute_list'>['mutes'][number];

/**
 * What a member asks of the model; a dialect reads it off its own packets. `room` is the room a
 * packet names (feature rooms, 7.15); absent means `#lobby`.
 */
export type RoomRequest =
  /** `rooms`: the joiner agreed the feature rooms (7.15), so it is told of rooms. */
  | ({ readonly kind: 'join'; readonly name: string; readonly rooms?: boolean } & JoinContext)
  /** The connection proved its key (client_auth, 7.16): the full fingerprint. */
  | { readonly kind: 'prove'; readonly fingerprint: string }
  | RoomModerationRequest
  | { readonly kind: 'say'; readonly text: string; readonly action: boolean; readonly room?: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'who'; readonly room?: string }
  | { readonly kind: 'export'; readonly room?: string }
  | { readonly kind: 'nick'; readonly name: string }
  /** Away with an optional reason, or back (`reason: null`), feature away (7.12). */
  | { readonly kind: 'away'; readonly reason: string | null; readonly away: boolean }
  | { readonly kind: 'whois'; readonly name: string }
  | { readonly kind: 'room_join'; readonly room: string }
  | { readonly kind: 'room_part'; readonly room: string }
  | { readonly kind: 'rooms' }
  | { readonly kind: 'topic'; readonly room: string; readonly topic: string };

/**
 * A member away or back (feature away, 7.12): the fields of user_away, so that the model's decision
 * and the client's event (client/events.ts) are one declaration, derived from the spec's packet.
 */
export type AwayNews = { readonly kind: 'away' } & Readonly<Omit<V2PacketOf<'user_away'>, 'type'>>;

/** About one member (feature whois, 7.13): the fields of whois_reply, for the model and the client. */
export type WhoisFacts = { readonly kind: 'whois' } & Readonly<Omit<V2PacketOf<'whois_reply'>, 'type'>>;

/** What the model decided; `by` is the member who asked (or left). */
export type RoomDecision<Id> =
  /** Joined the server, and so `#lobby` (`room`, 7.15). */
  | {
      readonly kind: 'joined';
      readonly by: Id;
      readonly name: string;
      readonly ts: number;
      readonly room: ChatRoom<Id>;
    }
  | { readonly kind: 'refused'; readonly by: Id; readonly verdict: Exclude<NameVerdict, { ok: true }> }
  | {
      readonly kind: 'message';
      readonly by: Id;
      readonly id: number;
      readonly from: string;
      readonly text: string;
      readonly action: boolean;
      readonly ts: number;
      readonly room: ChatRoom<Id>;
    }
  | {
      readonly kind: 'private';
      readonly by: Id;
      readonly target: Id;
      readonly id: number;
      readonly from: string;
      readonly to: string;
      readonly text: string;
      readonly ts: number;
      /** The target is away (7.12): the sender is told, with this reason ('' for none). */
      readonly targetAway?: string;
    }
  | { readonly kind: 'who'; readonly by: Id; readonly room: ChatRoom<Id> }
  | { readonly kind: 'export'; readonly by: Id; readonly room: ChatRoom<Id> }
  /** A rename (feature nick, 7.11), told in the rooms the member is in; refused: `rename-refused`. */
  | {
      readonly kind: 'renamed';
      readonly by: Id;
      readonly from: string;
      readonly to: string;
      readonly ts: number;
      readonly rooms: readonly ChatRoom<Id>[];
    }
  | (AwayNews & { readonly by: Id; readonly rooms: readonly ChatRoom<Id>[] })
  /** About one member (feature whois, 7.13): never an address. */
  | (WhoisFacts & { readonly by: Id })
  /** Nothing to tell anyone (back when not away, 7.12). */
  | { readonly kind: 'none'; readonly by: Id }
  | { readonly kind: 'rename-refused'; readonly by: Id; readonly verdict: Exclude<NameVerdict, { ok: true }> }
  | { readonly kind: 'notice'; readonly by: Id; readonly error: ParleyError; readonly log?: string }
  /**
   * Members removed (7.18: kicked or banned, or a banned key or address found at client_auth or
   * join): the server ends each `targets` connection with `error`, and they leave with `reason`.
   * `announce`: the `moderated` news, when an operator acted (to the members that agreed
   * moderation and share a room with a target, `among`; the targets aside); `log`: the line to log.
   */
  | {
      readonly kind: 'removed';
      readonly by: Id;
      readonly targets: readonly Id[];
      readonly error: ParleyError;
      readonly reason: Extract<LeaveReason, 'kicked' | 'banned'>;
      readonly announce?: ModeratedNews;
      readonly among?: ReadonlySet<Id>;
      readonly log: string;
    }
  /**
   * An operator acted (7.18): `moderated` to the operator alone, or to every member that agreed
   * moderation among `among` (those sharing a room with the target, 7.15; absent: every member).
   */
  | {
      readonly kind: 'moderated';
      readonly by: Id;
      readonly to: 'operator' | 'all';
      readonly announce: ModeratedNews;
      readonly among?: ReadonlySet<Id>;
      readonly log: string;
    }
  /** The bans in force, for the operator who asked (7.18). */
  | { readonly kind: 'ban-list'; readonly by: Id; readonly bans: readonly BanEntry[]; readonly log: string }
  /** The mutes in force, for the operator who asked (7.18). */
  | {
      readonly kind: 'mute-list';
      readonly by: Id;
      readonly mutes: readonly MuteEntry[];
      readonly log: string;
    }
  /** Left the server; `rooms` are those it was in, each now without it (7.15). */
  | {
      readonly kind: 'left';
      readonly by: Id;
      readonly name: string;
      readonly reason: LeaveReason;
      readonly ts: number;
      readonly rooms: readonly ChatRoom<Id>[];
    }
  /** In a room (7.15); `fresh` is false for a join of a room it was in (idempotent). */
  | {
      readonly kind: 'room-joined';
      readonly by: Id;
      readonly name: string;
      readonly room: ChatRoom<Id>;
      readonly fresh: boolean;
      readonly ts: number;
      /**
       * The joiner is away (7.12) with `reason` ('' for none): `to`, the room's members that share
       * no other room with it, are told so (7.15).
       */
      readonly away?: { readonly reason: string; readonly to: readonly Id[] };
    }
  | {
      readonly kind: 'room-parted';
      readonly by: Id;
      readonly name: string;
      readonly room: ChatRoom<Id>;
      readonly ts: number;
    }
  | { readonly kind: 'room-list'; readonly by: Id; readonly rooms: readonly ChatRoom<Id>[] }
  | {
      readonly kind: 'topic';
      readonly by: Id;
      readonly name: string;
      readonly room: ChatRoom<Id>;
      readonly topic: string;
      readonly ts: number;
    };
