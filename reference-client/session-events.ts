/**
 * The legacy/v2 adaptation: turns packets from either profile's core connection into the
 * profile-neutral SessionEvents, keeping the room state that needs (the user list, a v2 list split
 * over several packets, export parts). Kept apart from chat-session.ts, which owns the socket.
 */

import { LEGACY_MESSAGES, LEGACY_SERVER_NAME, type LegacyPacket, type V2ServerPacket } from '../src/index.js';
import type { SessionEvent, SessionState } from './session-types.js';
import { formatDateTime, sanitize } from './text.js';

const LEFT_PATTERN = new RegExp(
  `^${LEGACY_MESSAGES.left.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{name\\}', '(.+)')}$`,
);

/** Sorted as a v2 server sorts its user lists: case-insensitively. */
function sortNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/** Renders v2 export entries (7.7) as text, one line each. */
export function renderExportEntries(
  entries: readonly { kind: string; from: string; text: string; ts: number }[],
): string {
  return entries
    .map((e) => {
      const stamp = `[${formatDateTime(e.ts)}]`;
      const text = sanitize(e.text);
      const from = sanitize(e.from);
      if (e.kind === 'message') return `${stamp} <${from}> ${text}`;
      if (e.kind === 'action') return `${stamp} * ${from} ${text}`;
      return `${stamp} -!- ${text}`;
    })
    .join('\n');
}

/** What the translator needs from its session. */
export interface PacketHost {
  readonly clock: () => number;
  state(): SessionState;
  setState(state: SessionState): void;
  /** The name asked for or accepted (set by join, cleared by a refusal). */
  name(): string | null;
  setName(name: string | null): void;
  emit(event: SessionEvent): void;
}

/** Translates a session's incoming packets into events, and tracks who is in the room. */
export class PacketTranslator {
  /** The users in the room as last reported, sorted. */
  users: string[] = [];
  /** v2: the parts of a user list split over several packets (7.6), and a join waiting for them. */
  private listParts: string[] = [];
  private joinPending: { name: string; motd?: string } | null = null;
  /** legacy: a user list has arrived since approved_conn. */
  private seenList = false;
  private exportEntries: { kind: string; from: string; text: string; ts: number }[] = [];

  constructor(private readonly host: PacketHost) {}

  /** Reports what one packet from the server means, in either profile. */
  onPacket(packet: V2ServerPacket | LegacyPacket): void {
    if ('type' in packet) this.onV2Packet(packet);
    else this.onLegacyPacket(packet);
  }

  private onV2Packet(packet: V2ServerPacket): void {
    switch (packet.type) {
      case 'join_ok':
        this.host.setName(packet.name);
        this.host.setState('joined');
        if (packet.more) {
          // 7.2: a long list continues in user_list packets; report the join once it is whole.
          this.listParts = [...packet.users];
          this.joinPending = { name: packet.name, motd: packet.motd };
          return;
        }
        this.users = sortNames(packet.users);
        this.host.emit({ kind: 'joined', name: packet.name, users: this.users, motd: packet.motd });
        return;
      case 'join_error':
        this.host.setName(null);
        this.host.setState('ready');
        this.host.emit({ kind: 'join-refused', code: packet.code, message: packet.message });
        return;
      case 'message':
        this.host.emit({
          kind: 'message',
          message: { kind: 'chat', from: packet.from, text: packet.text, ts: packet.ts },
        });
        return;
      case 'action':
        this.host.emit({
          kind: 'message',
          message: { kind: 'action', from: packet.from, text: packet.text, ts: packet.ts },
        });
        return;
      case 'private':
        this.host.emit({
          kind: 'message',
          message: { kind: 'private', from: packet.from, to: packet.to, text: packet.text, ts: packet.ts },
        });
        return;
      case 'user_list': {
        // 7.6: every part of a long list but the last has more: true.
        this.listParts.push(...packet.users);
        if (packet.more) return;
        const users = this.listParts;
        this.listParts = [];
        const joining = this.joinPending;
        this.joinPending = null;
        if (joining) {
          this.users = sortNames(new Set(users));
          this.host.emit({ kind: 'joined', name: joining.name, users: this.users, motd: joining.motd });
        } else {
          this.setUsers(users);
        }
        return;
      }
      case 'user_joined':
        this.host.emit({ kind: 'user-joined', name: packet.name, ts: packet.ts });
        this.setUsers([...this.users, packet.name]);
        return;
      case 'user_left': {
        this.host.emit({ kind: 'user-left', name: packet.name, reason: packet.reason, ts: packet.ts });
        const gone = packet.name.toLowerCase();
        this.setUsers(this.users.filter((u) => u.toLowerCase() !== gone));
        return;
      }
      // 7.6: a presence batch's run of joins or leaves, handled as one notice per name in order;
      // the list is updated once for the whole run and shown as one line.
      case 'users_joined':
        this.host.emit({ kind: 'users-joined', names: packet.names, ts: packet.ts });
        this.setUsers([...this.users, ...packet.names]);
        return;
      case 'users_left': {
        this.host.emit({ kind: 'users-left', names: packet.names, reason: packet.reason, ts: packet.ts });
        const gone = new Set(packet.names.map((n) => n.toLowerCase()));
        this.setUsers(this.users.filter((u) => !gone.has(u.toLowerCase())));
        return;
      }
      case 'export_reply':
        this.exportEntries.push(...packet.entries);
        if (packet.done) {
          const entries = this.exportEntries;
          this.exportEntries = [];
          this.host.emit({ kind: 'export', text: renderExportEntries(entries), entries: entries.length });
        }
        return;
      case 'error':
        // Non-fatal errors arrive here (fatal ones come as core error events).
        this.host.emit({ kind: 'error', code: packet.code, message: packet.message, fatal: packet.fatal });
        return;
      default:
        // ping (answered by the core), pong (liveness, noted on arrival), goodbye (a core event).
        return;
    }
  }

  private onLegacyPacket(packet: LegacyPacket): void {
    const cont = packet.cont;
    switch (packet.typ) {
      case 'approved_conn':
        this.users = [this.host.name()!];
        this.seenList = false;
        this.host.setState('joined');
        this.host.emit({ kind: 'joined', name: this.host.name()!, users: this.users });
        return;
      case 'username_taken':
        this.host.setState('ready');
        this.host.emit({
          kind: 'join-refused',
          code: 'NAME_TAKEN',
          message: typeof cont === 'string' ? cont : 'name refused',
        });
        this.host.setName(null);
        return;
      case 'client_list_update_add':
      case 'disconnection': {
        if (this.host.state() !== 'joined' || !Array.isArray(cont)) return;
        const others = cont.filter((n): n is string => typeof n === 'string' && n !== this.host.name());
        const next = sortNames([this.host.name()!, ...others]);
        // The first list after approved_conn names who was already here: no join notices for them.
        if (packet.typ === 'client_list_update_add' && this.seenList) {
          const before = new Set(this.users);
          const ts = this.host.clock();
          for (const n of next) if (!before.has(n)) this.host.emit({ kind: 'user-joined', name: n, ts });
        }
        this.seenList = true;
        this.setUsers(next);
        return;
      }
      case 'export':
        this.host.emit({
          kind: 'export',
          text: sanitizeExport(typeof cont === 'string' ? cont : cont.join('\n')),
          entries: -1,
        });
        return;
      default: {
        // 10.3: a chat line; unknown typ values count as default. Empty lines are ignored.
        const text = typeof cont === 'string' ? cont : cont.filter((c) => c !== null).join(' ');
        if (text === '') return;
        const ts = this.host.clock();
        if (packet.username === LEGACY_SERVER_NAME) {
          const left = LEFT_PATTERN.exec(text);
          if (left) this.host.emit({ kind: 'user-left', name: left[1], ts });
          else
            this.host.emit({
              kind: 'message',
              message: { kind: 'notice', from: LEGACY_SERVER_NAME, text, ts },
            });
          return;
        }
        this.host.emit({ kind: 'message', message: { kind: 'chat', from: packet.username, text, ts } });
      }
    }
  }

  private setUsers(users: readonly string[]): void {
    this.users = sortNames(new Set(users));
    this.host.emit({ kind: 'users', users: this.users });
  }
}

function sanitizeExport(text: string): string {
  return text
    .split('\n')
    .map((line) => sanitize(line))
    .join('\n');
}
