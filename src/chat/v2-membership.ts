/**
 * Who comes and goes, in v2 packets (spec 7.4-7.6, 7.11, 7.12, 7.15): the v2 dialect's rendering
 * of the decisions that change who is where. A join (join_ok with the list, backlog and away
 * members of `#lobby`, 7.10, 7.12), a refused name, a rename (user_renamed, or a leave and a join
 * for members without nick, 7.11), away and back, a leave from the server and a room joined or
 * parted (7.15).
 *
 * How this works: the v2 dialect (v2-dialect.ts) hands each such decision here and gets its
 * deliveries back, like its own renders. Presence notices go through presence-batch.ts: sent at
 * once in small rooms, held and batched in large ones (11), and every held notice goes out before
 * anything that could overtake it (`release`, which the dialect calls before every other packet
 * it renders). Keys (7.16) are shown only to members that agreed `client-key` and only for keyed
 * members; a kick or ban's leave carries its reason only to members that agreed `moderation`
 * (7.18). This module reads the model and never calls the server.
 */
import type { Limits } from '../generated/constants.js';
import { encodeV2Packet } from '../session/v2-codec.js';
import type { ChatRoom } from './chat-room.js';
import { PresenceBatches, type PresenceKey } from './presence-batch.js';
import type { MemberFacts, Room, RoomDecision, RoomGuards } from './room.js';
import type { ConnId, Delivery } from './server-contract.js';
import { audience, type KeysOf, one, type RoomPackets } from './v2-room-packets.js';

/** The features that show keys (7.16), moderation (7.18) and rooms (7.15). */
export const CLIENT_KEY = 'client-key';
export const MODERATION = 'moderation';
export const ROOMS = 'rooms';

/** The decisions rendered here: those that change who is where, and a refused name. */
export type MembershipDecision = Extract<
  RoomDecision<ConnId>,
  {
    kind:
      | 'joined'
      | 'refused'
      | 'rename-refused'
      | 'renamed'
      | 'away'
      | 'left'
      | 'room-joined'
      | 'room-parted';
  }
>;

export class V2Membership {
  /** Presence notices per room, sent at once or held and batched (presence-batch.ts). */
  private readonly presence: PresenceBatches;

  constructor(
    limits: Limits,
    /** A room's packets in the forms its members need (v2-room-packets.ts), shared with the dialect. */
    private readonly packets: RoomPackets,
    /** Whether the server offers rooms (7.15): only then does a packet carry `room`. */
    offersRooms: boolean,
    private readonly options: { readonly motd?: string; readonly guards?: RoomGuards },
    model: Room<ConnId>,
  ) {
    const formsOf = (room: ChatRoom<ConnId>) => ({
      plain: room.isLobby,
      room: offersRooms ? room.name : null,
    });
    this.presence = new PresenceBatches(
      limits,
      formsOf,
      (id) => model.speaksRooms(id),
      (id) => seesKeys(model, id),
    );
  }

  /** When held presence notices fall due (11), or null. */
  get due(): number | null {
    return this.presence.due;
  }

  /** Every held presence notice, to go out now (before anything that could overtake it). */
  release(): Delivery[] {
    return this.presence.release();
  }

  render(decision: MembershipDecision, model: Room<ConnId>, now: number): Delivery[] {
    const by = decision.by;
    switch (decision.kind) {
      case 'joined': {
        // Joining the server is joining #lobby (7.15): its list, backlog, away members, presence.
        const { room, name } = decision;
        const out: Delivery[] = [{ kind: 'settle', to: by, when: 'accepted' }];
        const motd = this.motd();
        // 7.16: a member that agreed client-key sees its own key and whether it is an operator.
        const facts = model.factsOf(by);
        const own =
          facts && seesKeys(model, by)
            ? { ...(facts.key ? { key: facts.key } : {}), ...(facts.op ? { op: true as const } : {}) }
            : {};
        this.packets.users(
          out,
          by,
          room,
          (users, more) => ({ type: 'join_ok', name, users, ...motd, ...own, ...more }),
          keysFor(model, by),
          // The motd shares join_ok with the list's first part, which leaves it room (11.1).
          motd.motd === undefined ? 0 : Buffer.byteLength(JSON.stringify(motd.motd)),
        );
        this.packets.joinNews(out, by, model, room, now);
        this.presence.notice(out, room, { type: 'user_joined', name, ts: now }, now, by, keyOf(facts));
        return out;
      }
      case 'refused': {
        const { code, message } = decision.verdict;
        return [{ kind: 'settle', to: by, when: 'refused' }, one(by, { type: 'join_error', code, message })];
      }
      case 'rename-refused': {
        const { code, message } = decision.verdict;
        return [one(by, { type: 'join_error', code, message })];
      }
      case 'renamed': {
        // 7.11: members with nick get user_renamed once; the others, in each room they share with
        // the member (7.15), a leave and a join. 7.16: a keyed member's rename carries its key.
        const { from, to: name, ts, rooms } = decision;
        const key = model.factsOf(by)?.key ?? null;
        const renamed = encodeV2Packet({ type: 'user_renamed', from, to: name, ts });
        const forms =
          key === null
            ? {}
            : {
                forms: [
                  {
                    needs: [CLIENT_KEY],
                    packet: encodeV2Packet({ type: 'user_renamed', from, to: name, ts, key }),
                  },
                ],
              };
        const out: Delivery[] = [
          { kind: 'broadcast', packet: renamed, ...forms, type: 'user_renamed', among: audience(by, rooms) },
        ];
        for (const room of rooms) {
          const among = room.members;
          const left = this.packets.forms(room, (s) => ({
            type: 'user_left',
            name: from,
            reason: 'quit',
            ts,
            ...s,
          }));
          const joined = this.packets.forms(room, (s) => ({ type: 'user_joined', name, ts, ...s }));
          out.push({ kind: 'broadcast', ...left, type: 'user_left', unless: 'nick', except: by, among });
          out.push({ kind: 'broadcast', ...joined, type: 'user_joined', unless: 'nick', except: by, among });
        }
        return out;
      }
      case 'away': {
        // Server-wide news (7.15): once to everyone who shares a room with the member, and to it.
        const { name, away, reason, ts } = decision;
        return [awayNotice(by, { name, away, reason, ts }, audience(by, decision.rooms))];
      }
      case 'left': {
        // One leave notice in each room the member was in (7.15).
        this.presence.forget(by);
        const out: Delivery[] = [];
        const { name, reason } = decision;
        if (reason === 'kicked' || reason === 'banned') {
          // 7.18: `kicked`/`banned` only to members that agreed moderation, `quit` to the others;
          // sent at once, after whatever presence was held, so that it follows the news.
          for (const room of decision.rooms) {
            out.push(...this.presence.releaseRoom(room));
            const extra = { feature: MODERATION, fields: { reason } };
            const forms = this.packets.forms(
              room,
              (s) => ({ type: 'user_left', name, reason: 'quit', ts: now, ...s }),
              extra,
            );
            out.push({ kind: 'broadcast', ...forms, type: 'user_left', among: room.members });
          }
          return out;
        }
        const notice = { type: 'user_left', name, reason, ts: now } as const;
        for (const room of decision.rooms) this.presence.notice(out, room, notice, now);
        return out;
      }
      case 'room-joined':
        return this.roomJoined(decision, model, now);
      case 'room-parted': {
        const { room, name, ts } = decision;
        const out = [one(by, { type: 'room_parted', room: room.name, ts })];
        this.presence.forget(by, room);
        this.presence.notice(out, room, { type: 'user_left', name, reason: 'part', ts }, now);
        return out;
      }
    }
  }

  /**
   * room_join (7.15): to the joiner room_joined (and its user_list parts), then, unless it was in
   * the room already, the room's backlog and away members; to the others user_joined, and when the
   * joiner is away, its user_away to those that were not told (they share no other room with it).
   */
  private roomJoined(
    decision: Extract<RoomDecision<ConnId>, { kind: 'room-joined' }>,
    model: Room<ConnId>,
    now: number,
  ): Delivery[] {
    const { by, room, name, fresh, ts } = decision;
    const out: Delivery[] = [];
    const { topic } = room;
    this.packets.users(out, by, room, (users, more) => ({
      type: 'room_joined',
      room: room.name,
      users,
      topic,
      ts,
      ...more,
    }));
    if (!fresh) return out;
    this.packets.joinNews(out, by, model, room, now);
    // 7.16: a keyed joiner's key (and op) in its user_joined, as at join_ok.
    this.presence.notice(out, room, { type: 'user_joined', name, ts }, now, by, keyOf(model.factsOf(by)));
    const { away } = decision;
    if (away && away.to.length > 0) {
      // 7.15: after the user_joined, which a held batch would let this overtake (so it goes now).
      out.push(...this.presence.releaseRoom(room));
      out.push(awayNotice(by, { name, away: true, reason: away.reason, ts }, away.to));
    }
    return out;
  }

  /** 7.18: the message of the day an operator set ('' for none), else the configured one. */
  private motd(): { motd?: string } {
    const set = this.options.guards?.moderation?.motd;
    const motd = set === undefined ? this.options.motd : set === '' ? undefined : set;
    return motd === undefined ? {} : { motd };
  }
}

/** True when member `id` agreed client-key (7.16): it is shown keys. */
export function seesKeys(model: Room<ConnId>, id: ConnId): boolean {
  return model.factsOf(id)?.features.has(CLIENT_KEY) ?? false;
}

/** The keyed members among some names, for a list `by` gets (7.16); undefined: it shows none. */
export function keysFor(model: Room<ConnId>, by: ConnId): KeysOf | undefined {
  if (!model.anyKeyed || !seesKeys(model, by)) return undefined;
  return (names) => model.keysAmong(names);
}

/** A joiner's key as presence shows it (7.16), when it is keyed. */
function keyOf(facts: MemberFacts | undefined): PresenceKey | undefined {
  if (!facts?.key) return undefined;
  return facts.op ? { key: facts.key, op: true } : { key: facts.key };
}

/**
 * The `user_away` telling `among` that member `by` is away (with `reason`, when one is given) or
 * back: its state now, so it replaces a notice about `by` a recipient still holds, and goes without
 * its reason to a recipient whose queue it would take past half its limit (7.12, away notices under
 * load; connection-table.ts applies both).
 */
function awayNotice(
  by: ConnId,
  fields: { name: string; away: boolean; reason: string | null | undefined; ts: number },
  among: Iterable<ConnId>,
): Delivery {
  const { name, away, reason, ts } = fields;
  const brief = encodeV2Packet({ type: 'user_away', name, away, ts });
  const packet = reason ? encodeV2Packet({ type: 'user_away', name, away, reason, ts }) : brief;
  return { kind: 'broadcast', packet, type: 'user_away', among, stateOf: { about: by, brief } };
}
