/**
 * Reads the room from a server's packets, in either profile, into the profile-neutral events of
 * events.ts: joins, messages, presence, the user list and exports. Pure: `now` comes in.
 *
 * How this works: one `read(packet, now)` per packet returns the events it means. The reader keeps
 * what needs memory across packets: the user list (presence.ts), the name asked for and accepted,
 * the parts of a v2 export (7.7) and of a backlog (7.10), and whether legacy's first list after approved_conn (which names
 * who was already there, 10.2) has come. The session moves its state on `joined` and
 * `join-refused`.
 */
import { LEGACY_MESSAGES, LEGACY_SERVER_NAME } from '../generated/constants.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';
import type { LegacyPacket } from '../legacy/legacy-packet.js';
import type { ChatMessage, ExportEntry, SessionEvent } from './events.js';
import { MemberKeys } from './member-keys.js';
import { presenceOf, Roster } from './presence.js';

const LEFT_PATTERN = new RegExp(
  `^${LEGACY_MESSAGES.left.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{name\\}', '(.+)')}$`,
);

export class RoomReader {
  readonly roster = new Roster();
  /** Keyed members and operators (7.16, 7.18), and the moderation news. */
  readonly keys = new MemberKeys();
  /** The name asked for (join) or accepted; null after a refusal. */
  name: string | null = null;
  /** legacy: a user list has arrived since approved_conn. */
  private seenList = false;
  private exportEntries: ExportEntry[] = [];
  private backlog: ChatMessage[] = [];
  /** A v2 join_ok has come: a join_error now refuses a rename (7.11), not the join. */
  private joined = false;

  /** The events one packet from the server means. */
  read(packet: V2ServerPacket | LegacyPacket, now: number): SessionEvent[] {
    if (!('type' in packet)) return this.readLegacy(packet, now);
    const events = this.readV2(packet);
    const keyed = this.keys.read(packet);
    return keyed.length > 0 ? [...events, ...keyed] : events;
  }

  private readV2(packet: V2ServerPacket): SessionEvent[] {
    const change = presenceOf(packet);
    if (change) return [{ kind: 'presence', change }, this.users(this.roster.apply(change))];
    switch (packet.type) {
      case 'join_ok': // whole: the connection joins a list split with `more` (7.2)
        this.name = packet.name;
        this.joined = true;
        return [
          {
            kind: 'joined',
            name: packet.name,
            users: this.roster.set(packet.users),
            motd: packet.motd,
            ...(packet.key === undefined ? {} : { key: { key: packet.key, op: packet.op === true } }),
          },
        ];
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
      case 'user_list':
        return [this.users(this.roster.set(packet.users))];
      case 'export_reply': {
        this.exportEntries.push(...packet.entries);
        if (!packet.done) return [];
        const entries = this.exportEntries;
        this.exportEntries = [];
        return [{ kind: 'export', entries }];
      }
      case 'user_renamed': {
        if (packet.from === this.name) this.name = packet.to;
        this.roster.apply({ kind: 'left', names: [packet.from], ts: packet.ts });
        const users = this.roster.apply({ kind: 'joined', names: [packet.to], ts: packet.ts });
        return [{ kind: 'renamed', from: packet.from, to: packet.to, ts: packet.ts }, this.users(users)];
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
          });
        if (!packet.done) return [];
        const messages = this.backlog;
        this.backlog = [];
        return [{ kind: 'history', messages }];
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
        return [{ kind: 'joined', name: me, users: this.roster.set([me]), usersToCome: true }];
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
              events.push({ kind: 'presence', change: { kind: 'joined', names: [name], ts: now } });
          }
        }
        this.seenList = true;
        events.push(this.users(users));
        return events;
      }
      case 'export':
        return [{ kind: 'export-text', text: typeof cont === 'string' ? cont : cont.join('\n') }];
      default: {
        // 10.3: a chat line; unknown typ values count as default. Empty lines are ignored.
        const text = typeof cont === 'string' ? cont : cont.filter((c) => c !== null).join(' ');
        if (text === '') return [];
        if (packet.username !== LEGACY_SERVER_NAME) {
          return [{ kind: 'message', message: { kind: 'chat', from: packet.username, text, ts: now } }];
        }
        const left = LEFT_PATTERN.exec(text);
        if (left) return [{ kind: 'presence', change: { kind: 'left', names: [left[1]], ts: now } }];
        return [{ kind: 'message', message: { kind: 'notice', from: LEGACY_SERVER_NAME, text, ts: now } }];
      }
    }
  }

  private users(users: readonly string[]): SessionEvent {
    return { kind: 'users', users };
  }
}
