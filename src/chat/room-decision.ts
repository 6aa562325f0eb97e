/**
 * What a member asks of the chat model and what the model decides (spec 7.2-7.15, 10): the data
 * handed between a wire dialect and the model (room.ts). A dialect reads a request off its own
 * packets; the model returns a decision; the dialect renders it as its own packets.
 */
import type { ParleyError } from '../errors.js';
import type { LeaveReason } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { V2PacketOf } from '../generated/v2-packets.js';
import type { ChatRoom } from './chat-room.js';
import type { RoomListing } from './room-set.js';

export type NameVerdict =
  | { readonly ok: true; readonly name: string }
  | {
      readonly ok: false;
      readonly code: Extract<ErrorCode, 'NAME_TAKEN' | 'NAME_INVALID' | 'NAME_RESERVED'>;
      readonly message: string;
    };

/**
 * What a member asks of the model; a dialect reads it off its own packets. `room` is the room a
 * packet names (feature rooms, 7.15); absent means `#lobby`.
 */
export type RoomRequest =
  /** `rooms`: the joiner agreed the feature rooms (7.15), so it is told of rooms. */
  | { readonly kind: 'join'; readonly name: string; readonly rooms?: boolean }
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
  | { readonly kind: 'notice'; readonly by: Id; readonly error: ParleyError }
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
    }
  | {
      readonly kind: 'room-parted';
      readonly by: Id;
      readonly name: string;
      readonly room: ChatRoom<Id>;
      readonly ts: number;
    }
  | { readonly kind: 'room-list'; readonly by: Id; readonly rooms: readonly RoomListing[] }
  | {
      readonly kind: 'topic';
      readonly by: Id;
      readonly name: string;
      readonly room: ChatRoom<Id>;
      readonly topic: string;
      readonly ts: number;
    };
