/**
 * Reads the rooms from a server's packets, in either profile, into the profile-neutral events of
 * events.ts: joins, messages, presence, the user lists, topics and exports. Pure: `now` comes in.
 *
 * How this works: one `read(packet, now)` per packet returns the events it means. The reader keeps
 * what needs memory across packets: a user list per room (presence.ts), the name asked for and
 * accepted, the parts of a v2 export (7.7), of a backlog (7.10), of a room list and of a
 * `room_joined` whose list continues in `user_list` parts (7.15), and whether legacy's first list
 * after approved_conn (which names who was already there, 10.2) has come. Every room-scoped event
 * names its room: the packet's `room`, or `#lobby` where it has none (a server without the feature
 * `rooms`, 2.0 or legacy, is one room, `#lobby`). The session moves its state on `joined` and
 * `join-refused`.
 */
import { LEGACY_MESSAGES, LEGACY_SERVER_NAME } from '../generated/constants.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';
import type { LegacyPacket } from '../legacy/legacy-packet.js';
import type { ChatMessage, ExportEntry, RoomListing, SessionEvent } from './events.js';
import { MemberKeys } from './member-keys.js';
import { presenceOf, Roster } from './presence.js';
import { LOBBY } from './room-book.js';

type RoomJoined = Extract<V2ServerPacket, { type: 'room_joined' }>;

const LEFT_PATTERN = new RegExp(
  `^${LEGACY_MESSAGES.left.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{name\\}', '(.+)')}$`,
);

export class RoomReader {
  /** Keyed members and operators (7.16, 7.18), and the moderation news. */
  readonly keys = new MemberKeys();
  /** The user list of each room the client is in, by the room's recorded name. */
  private readonly rosters = new Map<string, Roster>();
  /** The feature `rooms` is agreed on this connection (set by the session at authentication). */
  rooms = false;
  /** The name asked for (join) or accepted; null after a refusal. */
  name: string | null = null;
  /** legacy: a user list has arrived since approved_conn. */
  private seenList = false;
  private exportEntries: ExportEntry[] = [];
  private backlog: ChatMessage[] = [];
  private roomList: RoomListing[] = [];
  /** A room_joined with `more: true`: its list continues in that room's `user_list` (7.15). */
  private partialJoin: RoomJoined | null = null;
  /** A v2 join_ok has come: a join_error now refuses a rename (7.11), not the join. */
  private joined = false;

  /** `#lobby`'s user list: the room of a server without rooms. */
  get roster(): Roster {
    return this.rosterOf(LOBBY);
  }

  /** The user list of `room`, made empty when new. */
  rosterOf(room: string): Roster {
    let roster = this.rosters.get(room);
    if (!roster) {
      roster = new Roster();
      this.rosters.set(room, roster);
    }
    return roster;
  }

  /**
   * True when `packet` is a user_list that completes a room_joined: it answers no `who`. Only
   * while a room_joined waits for its list: a list that names no room (a server without `rooms`)
   * is `#lobby`'s, and answers a `who`.
   */
  continuesJoin(packet: V2ServerPacket | LegacyPacket): boolean {
    const partial = this.partialJoin;
    return (
      partial !== null && 'type' in packet && packet.type === 'user_list' && partial.room === packet.room
    );
  }

  /** The events one packet from the server means. */
  read(packet: V2ServerPacket | LegacyPacket, now: number): SessionEvent[] {
    if (!('type' in packet)) return this.readLegacy(packet, now);
    return [...this.readV2(packet), ...this.keys.read(packet)];
  }

  private readV2(packet: V2ServerPacket): SessionEvent[] {
    const change = presenceOf(packet);
    if (change) {
      const room = roomOf(packet);
      return [{ kind: 'presence', room, change }, this.users(room, this.rosterOf(room).apply(change))];
    }
    switch (packet.type) {
      case 'join_ok': {
        // whole: the connection joins a list split with `more` (7.2); join_ok is `#lobby`'s (7.15)
        this.name = packet.name;
        this.joined = true;
        this.rosters.clear();
        const users = this.roster.set(packet.users);
        const key = packet.key === undefined ? {} : { key: { key: packet.key, op: packet.op === true } };
        return [{ kind: 'joined', name: packet.name, users, motd: packet.motd, rooms: this.rooms, ...key }];
      }
      case 'join_error':
        if (this.joined) return [{ kind: 'error', code: packet.code, message: packet.message, fatal: false }];
        this.name = null;
        return [{ kind: 'join-refused', code: packet.code, message: packet.message }];
      case 'message':
      case 'action':
        return [
          {
            kind: 'message',
            message: {
              kind: packet.type === 'message' ? 'chat' : 'action',
              from: packet.from,
              text: packet.text,
              ts: packet.ts,
              room: roomOf(packet),
            },
          },
        ];
      case 'private':
        return [
          {
            kind: 'message',
            message: { kind: 'private', from: packet.from, to: packet.to, text: packet.text, ts: packet.ts },
          },
        ];
      case 'user_list': {
        const room = roomOf(packet);
        const partial = this.partialJoin;
        if (partial && partial.room === packet.room) {
          this.partialJoin = null;
          return this.roomJoined({ ...partial, users: [...partial.users, ...packet.users] });
        }
        return [this.users(room, this.rosterOf(room).set(packet.users))];
      }
      case 'export_reply': {
        this.exportEntries.push(...packet.entries);
        if (!packet.done) return [];
        const entries = this.exportEntries;
        this.exportEntries = [];
        return [{ kind: 'export', room: roomOf(packet), entries }];
      }
      case 'user_renamed': {
        // Server-wide (7.15): the name changes in every room the client shares with the member.
        if (packet.from === this.name) this.name = packet.to;
        const out: SessionEvent[] = [{ kind: 'renamed', from: packet.from, to: packet.to, ts: packet.ts }];
        for (const [room, roster] of this.rosters) {
          if (!roster.users.includes(packet.from)) continue;
          roster.apply({ kind: 'left', names: [packet.from], ts: packet.ts });
          out.push(this.users(room, roster.apply({ kind: 'joined', names: [packet.to], ts: packet.ts })));
        }
        return out;
      }
      case 'room_joined':
        if (packet.more) {
          this.partialJoin = { ...packet, users: [...packet.users] };
          return [];
        }
        return this.roomJoined(packet);
      case 'room_parted':
        this.rosters.delete(packet.room);
        return [{ kind: 'room-parted', room: packet.room, ts: packet.ts }];
      case 'room_list': {
        this.roomList.push(...packet.rooms);
        if (packet.more) return [];
        const rooms = this.roomList;
        this.roomList = [];
        return [{ kind: 'room-list', rooms }];
      }
      case 'topic_changed': {
        const { room, topic, by, ts } = packet;
        return [{ kind: 'topic', room, topic, by, ts }];
      }
      case 'user_away': {
        const { name, away, reason, ts } = packet;
        return [{ kind: 'away', name, away, ...(reason === undefined ? {} : { reason }), ts }];
      }
      case 'whois_reply': {
        const { type: _type, ...about } = packet;
        return [{ kind: 'whois', ...about }];
      }
      case 'backlog': {
        for (const e of packet.entries)
          this.backlog.push({
            kind: e.kind === 'message' ? 'chat' : 'action',
            from: e.from,
            text: e.text,
            ts: e.ts,
            room: roomOf(packet),
          });
        if (!packet.done) return [];
        const messages = this.backlog;
        this.backlog = [];
        return [{ kind: 'history', room: roomOf(packet), messages }];
      }
      case 'error':
        // Non-fatal errors arrive here (fatal ones end the connection and come as its error).
        return [{ kind: 'error', code: packet.code, message: packet.message, fatal: packet.fatal }];
      default:
        // ping (answered by the connection), pong (liveness, noted on arrival), goodbye (the connection's).
        return [];
    }
  }

  private readLegacy(packet: LegacyPacket, now: number): SessionEvent[] {
    const cont = packet.cont;
    const me = this.name ?? '';
    switch (packet.typ) {
      case 'approved_conn':
        this.seenList = false;
        return [{ kind: 'joined', name: me, users: this.roster.set([me]), usersToCome: true, rooms: false }];
      case 'username_taken':
        this.name = null;
        return [
          {
            kind: 'join-refused',
            code: 'NAME_TAKEN',
            message: typeof cont === 'string' ? cont : 'name refused',
          },
        ];
      case 'client_list_update_add':
      case 'disconnection': {
        if (this.name === null || !Array.isArray(cont)) return [];
        const before = new Set(this.roster.users);
        const others = cont.filter((n): n is string => typeof n === 'string' && n !== me);
        const users = this.roster.set([me, ...others]);
        const events: SessionEvent[] = [];
        // The first list after approved_conn names who was already here: no join notices for them.
        if (packet.typ === 'client_list_update_add' && this.seenList) {
          for (const name of users) {
            if (!before.has(name))
              events.push({
                kind: 'presence',
                room: LOBBY,
                change: { kind: 'joined', names: [name], ts: now },
              });
          }
        }
        this.seenList = true;
        events.push(this.users(LOBBY, users));
        return events;
      }
      case 'export':
        return [{ kind: 'export-text', text: typeof cont === 'string' ? cont : cont.join('\n') }];
      default: {
        // 10.3: a chat line; unknown typ values count as default. Empty lines are ignored.
        const text = typeof cont === 'string' ? cont : cont.filter((c) => c !== null).join(' ');
        if (text === '') return [];
        if (packet.username !== LEGACY_SERVER_NAME) {
          const message = { kind: 'chat', from: packet.username, text, ts: now, room: LOBBY } as const;
          return [{ kind: 'message', message }];
        }
        const left = LEFT_PATTERN.exec(text);
        if (left)
          return [{ kind: 'presence', room: LOBBY, change: { kind: 'left', names: [left[1]], ts: now } }];
        const notice = { kind: 'notice', from: LEGACY_SERVER_NAME, text, ts: now, room: LOBBY } as const;
        return [{ kind: 'message', message: notice }];
      }
    }
  }

  /** A whole room_joined (its parts joined): the room's list is the one given (7.15). */
  private roomJoined(packet: RoomJoined): SessionEvent[] {
    const users = this.rosterOf(packet.room).set(packet.users);
    return [{ kind: 'room-joined', room: packet.room, users, topic: packet.topic, ts: packet.ts }];
  }

  private users(room: string, users: readonly string[]): SessionEvent {
    return { kind: 'users', room, users };
  }
}

/** The room a room-scoped packet belongs to: its `room`, or `#lobby` without one (7.15). */
function roomOf(packet: V2ServerPacket): string {
  return ('room' in packet ? packet.room : undefined) ?? LOBBY;
}
