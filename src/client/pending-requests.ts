/**
 * What a client has asked of the server and not yet had answered, in order: so that a refusal can
 * name the line it refused (RATE_LIMITED, MESSAGE_TOO_LONG, NO_SUCH_USER), and an export that never
 * gets an answer is given up on instead of being waited for forever. Pure: times come in.
 *
 * How this works: a v2 server answers each request once and in the order it received them (spec 7):
 * a chat line, action or private message with its echo to the sender, `who` with `user_list`,
 * `export` with the `export_reply` marked done, `ping` with `pong`, the room requests of 7.15
 * (`room_join` with `room_joined`, `room_part` with `room_parted`, `rooms` with the last
 * `room_list` part, `topic` with the setter's `topic_changed`), and any of them with a non-fatal
 * `error` instead. So a non-fatal error answers the oldest open request. A legacy server
 * echoes nothing and refuses nothing (10.3): only its export is tracked there.
 */

import type { V2ServerPacket } from '../generated/v2-packets.js';
import type { LegacyPacket } from '../legacy/legacy-packet.js';

/** A chat line the server refused: enough to put it back in the input line. */
export interface UnsentLine {
  readonly kind: 'say' | 'me' | 'msg';
  readonly text: string;
  /** For `msg`: the recipient. */
  readonly to?: string;
}

/** Requests whose answer is one reply packet (or a non-fatal error). */
export type RepliedKind = 'who' | 'ping' | 'room_join' | 'room_part' | 'rooms' | 'topic';

export type PendingRequest =
  | UnsentLine
  | { readonly kind: RepliedKind }
  | { readonly kind: 'export'; readonly due: number };

/**
 * How long a client waits for the whole answer to `/export` before giving up on it (ms). Generous:
 * a full history is at most a few hundred kilobytes, sent in parts at once by the server.
 */
export const EXPORT_TIMEOUT_MS = 10_000;

export class PendingRequests {
  private list: PendingRequest[] = [];

  get size(): number {
    return this.list.length;
  }

  /** Open requests whose answer the user will see (a ping's pong is the session's own). */
  get awaitingReplies(): number {
    return this.list.filter((r) => r.kind !== 'ping').length;
  }

  add(request: PendingRequest): void {
    this.list.push(request);
  }

  /** The server echoed one of our own lines: the oldest open one like it is answered. */
  echoed(line: UnsentLine): void {
    const at = this.list.findIndex(
      (r) => r.kind === line.kind && 'text' in r && r.text === line.text && (r.to ?? '') === (line.to ?? ''),
    );
    if (at >= 0) this.list.splice(at, 1);
  }

  /** A reply of this kind arrived (user_list, the last part of an export, pong, a room reply). */
  answered(kind: RepliedKind | 'export'): void {
    const at = this.list.findIndex((r) => r.kind === kind);
    if (at >= 0) this.list.splice(at, 1);
  }

  /** A non-fatal error answers the oldest open request; the chat line it refused, if it was one. */
  refused(): UnsentLine | undefined {
    const head = this.list.shift();
    return head && 'text' in head ? head : undefined;
  }

  /** When the oldest open export is due, or null. */
  get exportDue(): number | null {
    for (const r of this.list) if (r.kind === 'export') return r.due;
    return null;
  }

  /** Gives up on the oldest open export if it is due at `now`; true if it did. */
  expireExport(now: number): boolean {
    const at = this.list.findIndex((r) => r.kind === 'export');
    if (at < 0 || (this.list[at] as { due: number }).due > now) return false;
    this.list.splice(at, 1);
    return true;
  }
}

/**
 * Notes what a server packet answers among `pending`, for a client joined as `me`; the chat line
 * it refused, if it refused one.
 */
export function noteAnswer(
  pending: PendingRequests,
  packet: V2ServerPacket | LegacyPacket,
  me: string | null | undefined,
): UnsentLine | undefined {
  if (!('type' in packet)) {
    if (packet.typ === 'export') pending.answered('export');
    return undefined;
  }
  switch (packet.type) {
    case 'message':
    case 'action':
      if (packet.from === me)
        pending.echoed({ kind: packet.type === 'message' ? 'say' : 'me', text: packet.text });
      return undefined;
    case 'private':
      if (packet.from === me) pending.echoed({ kind: 'msg', to: packet.to, text: packet.text });
      return undefined;
    case 'user_list':
      pending.answered('who');
      return undefined;
    case 'export_reply':
      if (packet.done) pending.answered('export');
      return undefined;
    case 'pong':
      pending.answered('ping');
      return undefined;
    case 'room_joined':
      pending.answered('room_join');
      return undefined;
    case 'room_parted':
      pending.answered('room_part');
      return undefined;
    case 'room_list':
      if (!packet.more) pending.answered('rooms');
      return undefined;
    case 'topic_changed':
      if (packet.by === me) pending.answered('topic');
      return undefined;
    case 'error':
      return packet.fatal ? undefined : pending.refused();
    default:
      return undefined;
  }
}
