/**
 * Which members are keyed, and which of them are operators, as a client hears it (spec 7.16,
 * 7.18), and the moderation news a server sends (7.18): pure, one packet at a time.
 *
 * How this works: on a connection that agreed `client-key`, the server marks keyed members with
 * their short fingerprint (`key`) and operators with `op: true`: on `join_ok` (the joiner's own,
 * and `keys` for the list), `user_list` and `users_joined` (`keys`), `user_joined`,
 * `user_renamed`, and the chat lines (`key` of the sender). `MemberKeys.read` keeps one mark per
 * name and reports a `member-keys` event whenever the marks change; an anonymous member simply
 * has none (7.16: the server never marks one). Leaves drop the mark, a rename moves it. (Whether
 * the server took this client's own key, `join_ok.key`, is in the `joined` event.) `moderated`,
 * `ban_list` and `mute_list` (feature moderation) become `moderated`, `ban-list` and `mute-list`
 * events, each list's parts joined.
 */
import type { V2ServerPacket } from '../generated/v2-packets.js';
import type { BanEntry, KeyMark, MuteEntry, SessionEvent } from './events.js';

type Listed = { readonly name: string; readonly key: string; readonly op?: boolean };

export class MemberKeys {
  private marks = new Map<string, KeyMark>();
  private banParts: BanEntry[] = [];
  private muteParts: MuteEntry[] = [];

  /** The marks as last heard, by name as the server records it. */
  get all(): ReadonlyMap<string, KeyMark> {
    return this.marks;
  }

  /** The events one v2 packet means for keys and moderation (none for most packets). */
  read(packet: V2ServerPacket): SessionEvent[] {
    switch (packet.type) {
      case 'join_ok': {
        // A whole list (the connection joins split parts): the marks start again from it.
        const had = this.marks.size > 0;
        this.marks = new Map();
        this.list(packet.keys);
        if (packet.key !== undefined)
          this.marks.set(packet.name, { key: packet.key, op: packet.op === true });
        return had || this.marks.size > 0 ? [this.event()] : [];
      }
      case 'user_list': {
        // A fresh list of the room: its names without a mark are anonymous now.
        const before = this.marks.size;
        for (const name of packet.users) this.marks.delete(name);
        const dropped = this.marks.size !== before;
        this.list(packet.keys);
        return dropped || packet.keys?.length ? [this.event()] : [];
      }
      case 'users_joined':
        if (!packet.keys?.length) return [];
        this.list(packet.keys);
        return [this.event()];
      case 'user_joined':
        return this.mark(packet.name, packet.key, packet.op);
      case 'message':
      case 'action':
      case 'private':
        return this.mark(packet.from, packet.key, this.marks.get(packet.from)?.op);
      case 'user_renamed': {
        const had = this.marks.get(packet.from);
        this.marks.delete(packet.from);
        if (packet.key !== undefined) this.marks.set(packet.to, { key: packet.key, op: had?.op === true });
        return had || packet.key !== undefined ? [this.event()] : [];
      }
      case 'user_left':
      case 'users_left': {
        // A part (7.15) leaves the member on the server: its key stays its own.
        if (packet.reason === 'part') return [];
        const names = packet.type === 'user_left' ? [packet.name] : packet.names;
        let changed = false;
        for (const name of names) changed = this.marks.delete(name) || changed;
        return changed ? [this.event()] : [];
      }
      case 'moderated': {
        const { type: _type, ...news } = packet;
        return [{ kind: 'moderated', ...news }];
      }
      case 'ban_list': {
        this.banParts.push(...packet.bans);
        if (packet.more) return [];
        const bans = this.banParts;
        this.banParts = [];
        return [{ kind: 'ban-list', bans }];
      }
      case 'mute_list': {
        this.muteParts.push(...packet.mutes);
        if (packet.more) return [];
        const mutes = this.muteParts;
        this.muteParts = [];
        return [{ kind: 'mute-list', mutes }];
      }
      default:
        return [];
    }
  }

  private list(keys: readonly Listed[] | undefined): void {
    for (const k of keys ?? []) this.marks.set(k.name, { key: k.key, op: k.op === true });
  }

  /** Records one member's mark when it is new or changed. */
  private mark(name: string, key: string | undefined, op: boolean | undefined): SessionEvent[] {
    if (key === undefined) return [];
    const before = this.marks.get(name);
    const next = { key, op: op === true };
    if (before && before.key === next.key && before.op === next.op) return [];
    this.marks.set(name, next);
    return [this.event()];
  }

  private event(): SessionEvent {
    return { kind: 'member-keys', marks: new Map(this.marks) };
  }
}
