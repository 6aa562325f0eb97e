/**
 * Presence, read once for every client: who joined or left, and who is in the room.
 *
 * How this works: a v2 server tells a client about joins and leaves one by one (`user_joined`,
 * `user_left`) or, when it batches presence (spec 11), as runs (`users_joined`, `users_left`), which a
 * receiver handles exactly as one notice per name, in order (7.6). `presenceOf` reads the four
 * packets into one shape, a change with its names; `presenceNotices` splits a change into one
 * notice per name for those that compare notices (the conformance suite, the fuzz model). A
 * `Roster` keeps the user list a client shows, sorted as a v2 server sorts it (7.6). A list split
 * over `join_ok`/`user_list` packets with `more` is joined by the v2 connection itself
 * (v2-client-connection.ts), so nothing here sees the parts.
 */

import { compareCodePoints, foldCase } from '../chat/name-rules.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';

/** One join or leave event: one name, or a run of names in order. */
export type PresenceChange =
  | { readonly kind: 'joined'; readonly names: readonly string[]; readonly ts: number }
  | {
      readonly kind: 'left';
      readonly names: readonly string[];
      /** The spec's `user_left.reason`; undefined where the profile gives none (legacy). */
      readonly reason?: string;
      readonly ts: number;
    };

/** One presence notice: a user joined, or left with a reason. */
export type Notice =
  | { readonly kind: 'joined'; readonly name: string }
  | { readonly kind: 'left'; readonly name: string; readonly reason: string };

/** Packet types that carry presence notices. */
export const PRESENCE_TYPES: ReadonlySet<string> = new Set([
  'user_joined',
  'user_left',
  'users_joined',
  'users_left',
]);

/** The presence change a v2 packet carries, or null for any other packet. */
export function presenceOf(p: V2ServerPacket): PresenceChange | null {
  switch (p.type) {
    case 'user_joined':
      return { kind: 'joined', names: [p.name], ts: p.ts };
    case 'users_joined':
      return { kind: 'joined', names: p.names, ts: p.ts };
    case 'user_left':
      return { kind: 'left', names: [p.name], reason: p.reason, ts: p.ts };
    case 'users_left':
      return { kind: 'left', names: p.names, reason: p.reason, ts: p.ts };
    default:
      return null;
  }
}

/** The notices a packet carries, in order: none, one, or one per name of a run. */
export function presenceNotices(p: V2ServerPacket): Notice[] {
  const change = presenceOf(p);
  if (!change) return [];
  if (change.kind === 'joined') return change.names.map((name) => ({ kind: 'joined', name }));
  const reason = change.reason ?? '';
  return change.names.map((name) => ({ kind: 'left', name, reason }));
}

/**
 * The order of a v2 server's user lists (`user_list`, 7.6): by the case-folded form (7.2) in code
 * point order; names whose folded forms are equal, by the names themselves. Not the locale's order,
 * so that every client shows a room's members as the server lists them.
 */
function sortNames(names: Iterable<string>): string[] {
  return [...names]
    .map((name) => ({ name, key: foldCase(name) }))
    .sort((a, b) => compareCodePoints(a.key, b.key) || compareCodePoints(a.name, b.name))
    .map((entry) => entry.name);
}

/** The users in the room as a client last heard, sorted, each name once. */
export class Roster {
  private list: string[] = [];

  get users(): readonly string[] {
    return this.list;
  }

  /** Replaces the list (join_ok, user_list, a legacy list update). */
  set(users: Iterable<string>): readonly string[] {
    this.list = sortNames(new Set(users));
    return this.list;
  }

  /** Applies a join or leave; names compare case-insensitively (7.2). One sort per change. */
  apply(change: PresenceChange): readonly string[] {
    if (change.kind === 'joined') return this.set([...this.list, ...change.names]);
    const gone = new Set(change.names.map((n) => n.toLowerCase()));
    return this.set(this.list.filter((u) => !gone.has(u.toLowerCase())));
  }
}
