/**
 * A room's packets for its members (spec 7.6, 7.10, 7.12, 7.15): what a newcomer to a room is sent
 * (its user list, then its backlog and who in it is away within the join budget), the room list,
 * and any packet in the forms a room's members need.
 *
 * How this works: `#lobby` holds clients that did not agree rooms beside those that did, so a
 * packet for it is serialised in both forms, the 2.0 one and the one with `room`, and the
 * connection table picks one per member (connection-table.ts); any other room holds only clients
 * that agreed rooms. A server that does not offer rooms builds the 2.0 form alone. Lists are split
 * to fit a frame (export-reply.ts); the room list, which can be hundreds of kilobytes, is a reply
 * made part by part as its asker's socket drains (RoomListReply, 7.7). The v2 dialect
 * (v2-dialect.ts) uses these; only a room list's reply keeps state between calls (its place).
 */
import type { Limits } from '../generated/constants.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet } from '../session/v2-codec.js';
import type { ChatRoom } from './chat-room.js';
import { chunkByJsonSize, exportChunks, listBudget, REPLY_BUSY } from './export-reply.js';
import type { ChatEntry, Room, RoomListing } from './room.js';
import {
  type ConnId,
  type Delivery,
  type Encoded,
  type PacketForm,
  pickForm,
  type ReplySource,
} from './server-contract.js';

/** A serialised packet of `type` for one member. */
export const to = (id: ConnId, packet: Buffer, type: V2ServerPacket['type']): Delivery => ({
  kind: 'send',
  to: id,
  packet,
  type,
});

/** One packet for one member. */
export const one = (id: ConnId, packet: V2ServerPacket): Delivery =>
  to(id, encodeV2Packet(packet), packet.type);

/** A packet's forms: the 2.0 one, and those with `room` or an extra where they differ (7.15). */
export interface Forms {
  readonly packet: Buffer;
  readonly forms?: readonly PacketForm[];
}

/**
 * Fields a packet gains for members that agreed `feature`: a keyed sender's `key` (7.16), a kick's
 * leave reason (7.18).
 */
export interface Extra {
  readonly feature: string;
  readonly fields: object;
}

const ROOMS = 'rooms';
const AWAY = 'away';
const BACKLOG = 'backlog';

/** The keyed members among some names, as a list shows them (7.16). */
export type KeysOf = (names: readonly string[]) => { name: string; key: string; op?: true }[];

/** Everyone who shares a room with member `by`, and `by` itself, once each (7.15). */
export function audience(by: ConnId, rooms: readonly ChatRoom<ConnId>[]): Iterable<ConnId> {
  if (rooms.length === 1) return rooms[0].members;
  const all = new Set<ConnId>([by]);
  for (const room of rooms) for (const id of room.members) all.add(id);
  return all;
}

export class RoomPackets {
  constructor(
    private readonly limits: Limits,
    /** Whether the server offers rooms (7.15): only then does a packet carry `room`. */
    private readonly offersRooms: boolean,
  ) {}

  /**
   * The packet for a room's members in each form they need (7.15), and with `extra`'s fields for
   * those that agreed its feature; in the order the connection table prefers them (pickForm).
   */
  forms(room: ChatRoom<ConnId>, build: (scope: { room?: string }) => V2ServerPacket, extra?: Extra): Forms {
    const make = (scope: { room?: string }, withExtra: boolean) =>
      encodeV2Packet(
        withExtra && extra ? ({ ...build(scope), ...extra.fields } as V2ServerPacket) : build(scope),
      );
    const scoped = this.offersRooms ? { room: room.name } : null;
    // `#lobby` (or a server without rooms) also holds members that get the 2.0 form.
    const both = scoped !== null && room.isLobby;
    const base = scoped !== null && !room.isLobby ? scoped : {};
    const forms: PacketForm[] = [];
    if (extra && both) forms.push({ needs: [ROOMS, extra.feature], packet: make(scoped, true) });
    if (extra) forms.push({ needs: [extra.feature], packet: make(base, true) });
    if (both) forms.push({ needs: [ROOMS], packet: make(scoped, false) });
    const packet = make(base, false);
    return forms.length > 0 ? { packet, forms } : { packet };
  }

  /**
   * A room's user list for `by` in as many packets as it needs (7.6): the first from `head` when
   * given (join_ok, room_joined), the others user_list parts. `keys`: for a member shown keys
   * (7.16), join_ok and user_list carry `keys` for the keyed members among their names.
   */
  users(
    out: Delivery[],
    by: ConnId,
    room: ChatRoom<ConnId>,
    head?: (users: string[], more: { more?: true }) => V2ServerPacket,
    keys?: KeysOf,
    reserve = 0,
  ): void {
    // A name's JSON is at most 6 bytes per UTF-16 unit (\uXXXX) plus quotes and a comma; the
    // room's name and topic (room_joined carries both, at most 4 bytes a character) come off. A
    // keyed list may repeat a name in `keys`, with the short key and `op`.
    const extra = (room.name.length + room.topic.length) * 4;
    const budget = listBudget(this.limits.maxFrame) - extra;
    const cost = keys ? (n: string) => n.length * 12 + 50 : (n: string) => n.length * 6 + 3;
    // `reserve`: bytes the head takes besides (join_ok's motd, 11.1), off its own part only; that
    // part still holds one name however large the reserve, which the start check of 11.1 bounds.
    const names = room.names.list();
    const first = reserve > 0 ? chunkByJsonSize(names, budget - reserve, cost)[0] : [];
    const chunks = [
      ...(first.length > 0 ? [first] : []),
      ...chunkByJsonSize(names.slice(first.length), budget, cost),
    ];
    if (chunks.length > 1 && chunks[chunks.length - 1].length === 0) chunks.pop();
    chunks.forEach((users, i) => {
      const more = i < chunks.length - 1 ? { more: true as const } : {};
      const keyed = keys ? keys(users) : [];
      const list = keyed.length > 0 ? { keys: keyed } : {};
      if (i === 0 && head) {
        const packet = head(users, more);
        out.push(one(by, packet.type === 'join_ok' ? { ...packet, ...list } : packet));
      } else {
        const forms = this.forms(room, (s) => ({ type: 'user_list', users, ...s, ...list, ...more }));
        out.push({ kind: 'send', to: by, ...forms, type: 'user_list' });
      }
    });
  }

  /**
   * What a newcomer to a room gets after its lists (7.10, 7.12, 7.15): the room's backlog, then
   * one user_away per away member other than itself, within the join budget (7.10). The budget is
   * the bytes its queue has left when this is delivered (connection-table.ts, the one place that
   * knows it), so the packets are chosen then, from the lines and away members of the join.
   */
  joinNews(out: Delivery[], by: ConnId, model: Room<ConnId>, room: ChatRoom<ConnId>, ts: number): void {
    const recent = this.limits.backlog > 0 ? model.recentChat(this.limits.backlog, room) : [];
    const away = model.awayMembers(room).filter((m) => m.id !== by);
    if (recent.length === 0 && away.length === 0) return;
    out.push({
      kind: 'budgeted',
      to: by,
      make: (left, features) => {
        // 7.10: who is away first, then the backlog, then the away reasons with what is left; on
        // the wire the backlog comes first (7.15). A packet of a feature not agreed is not counted.
        const bare = features.has(AWAY) ? awayBare(away, left, ts) : [];
        const bareBytes = bare.reduce((sum, p) => sum + p.length, 0);
        const lines = features.has(BACKLOG)
          ? this.backlogWithin(recent, left - bareBytes, room, features)
          : [];
        const spare = left - bareBytes - lines.reduce((sum, e) => sum + e.packet.length, 0);
        return [...lines, ...withReasons(away, bare, spare, ts)];
      },
    });
  }

  /**
   * The newest of `recent` whose backlog packets fit `left` bytes, oldest first, split to fit a
   * frame (7.10); none when not even the newest fits.
   */
  private backlogWithin(
    recent: readonly ChatEntry[],
    left: number,
    room: ChatRoom<ConnId>,
    features: ReadonlySet<string>,
  ): Encoded[] {
    // Each entry's JSON and its comma: the newest that fit. The packets' own fields come on top,
    // so once they are made, older entries worth what is still over go, until they fit.
    const cost = (entry: ChatEntry) => Buffer.byteLength(JSON.stringify(entry)) + 1;
    let from = recent.length;
    let size = 0;
    while (from > 0 && size + cost(recent[from - 1]) <= left) size += cost(recent[--from]);
    while (from < recent.length) {
      const packets = this.backlogPackets(recent.slice(from), room, features);
      let over = packets.reduce((sum, e) => sum + e.packet.length, 0) - left;
      if (over <= 0) return packets;
      while (over > 0 && from < recent.length) over -= cost(recent[from++]);
    }
    return [];
  }

  /** Backlog packets of `entries` in the form `features` call for (7.10, 7.15). */
  private backlogPackets(
    entries: readonly ChatEntry[],
    room: ChatRoom<ConnId>,
    features: ReadonlySet<string>,
  ): Encoded[] {
    const chunks = exportChunks(entries, this.limits.maxFrame) as ChatEntry[][];
    return chunks.map((part, i) => {
      const done = i === chunks.length - 1;
      const forms = this.forms(room, (s) => ({ type: 'backlog', entries: part, done, ...s }));
      return { packet: pickForm(forms, features), type: 'backlog' };
    });
  }

  /**
   * The room list (7.15), split like a user list and made part by part as `by`'s socket drains
   * (7.7, 11): a large reply, one in flight per connection (REPLY_BUSY otherwise).
   */
  roomList(by: ConnId, rooms: readonly ListedRoom[]): Delivery[] {
    const budget = listBudget(this.limits.maxFrame);
    return [{ kind: 'stream', to: by, source: () => new RoomListReply(rooms, budget), busy: REPLY_BUSY }];
  }
}

/** What a room list shows of a room (7.15): a ChatRoom, read when its part is made. */
export interface ListedRoom {
  readonly name: string;
  readonly size: number;
  readonly topic: string;
}

/**
 * A room list's reply (7.15): the rooms that existed at the request, in list order, shown as they
 * are when each part is made. A part takes the rooms that fit the JSON budget; a room that has
 * emptied since the request is left out (it is forgotten, and a room of the same name made since
 * is another room, not in the list), so the parts never outgrow the request's list. Without this,
 * one `rooms` of a few dozen bytes queued hundreds of kilobytes at once (maxRooms rooms of long
 * names and topics), and clients that asked and never read held the server's memory.
 */
export class RoomListReply implements ReplySource {
  private at = 0;
  private finished = false;

  constructor(
    private readonly rooms: readonly ListedRoom[],
    private readonly budget: number,
  ) {}

  next(): Encoded | null {
    if (this.finished) return null;
    const part: RoomListing[] = [];
    let size = 0;
    for (; this.at < this.rooms.length; this.at++) {
      const room = this.rooms[this.at];
      if (room.size === 0) continue;
      // A room name or topic character takes at most 6 bytes of JSON, and an entry's keys 60.
      const cost = (room.name.length + room.topic.length) * 6 + 60;
      if (size + cost > this.budget && part.length > 0) break;
      part.push({ room: room.name, members: room.size, topic: room.topic });
      size += cost;
    }
    // `more` only while a room still to list exists now; one that empties later leaves the last part empty.
    while (this.at < this.rooms.length && this.rooms[this.at].size === 0) this.at++;
    const more = this.at < this.rooms.length;
    this.finished = !more;
    return {
      packet: encodeV2Packet({ type: 'room_list', rooms: part, ...(more ? { more: true } : {}) }),
      type: 'room_list',
    };
  }
}

/**
 * The away notices of a join without their reasons, one per away member while they fit `left`
 * bytes (7.10): the first that does not fit ends them.
 */
function awayBare(away: readonly { name: string }[], left: number, ts: number): Buffer[] {
  const bare: Buffer[] = [];
  let bytes = 0;
  for (const { name } of away) {
    const packet = encodeV2Packet({ type: 'user_away', name, away: true, ts });
    if (bytes + packet.length > left) break;
    bare.push(packet);
    bytes += packet.length;
  }
  return bare;
}

/**
 * The `bare` notices of the first away members, each with its reason when the extra bytes still
 * fit the `spare` ones, in turn (7.10; `whois` gives the others', 7.13).
 */
function withReasons(
  away: readonly { name: string; reason: string }[],
  bare: readonly Buffer[],
  spare: number,
  ts: number,
): Encoded[] {
  let left = spare;
  return bare.map((packet, i): Encoded => {
    const { name, reason } = away[i];
    if (!reason) return { packet, type: 'user_away' };
    const full = encodeV2Packet({ type: 'user_away', name, away: true, reason, ts });
    if (full.length - packet.length > left) return { packet, type: 'user_away' };
    left -= full.length - packet.length;
    return { packet: full, type: 'user_away' };
  });
}
