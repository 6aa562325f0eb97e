/**
 * Presence notices as the cases count them: a server that batches presence (spec 11) may send a
 * run of joins or leaves as one users_joined/users_left packet (7.6), which a client handles
 * exactly as one user_joined/user_left per name, in order. So every case reads presence through
 * `notices()` and accepts either form.
 */
import type { V2ServerPacket } from '../src/generated/v2-packets.js';

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

/** The notices a packet carries, in order: none, one, or one per name of a batch. */
export function notices(p: V2ServerPacket): Notice[] {
  switch (p.type) {
    case 'user_joined':
      return [{ kind: 'joined', name: p.name }];
    case 'users_joined':
      return p.names.map((name) => ({ kind: 'joined', name }));
    case 'user_left':
      return [{ kind: 'left', name: p.name, reason: p.reason }];
    case 'users_left':
      return p.names.map((name) => ({ kind: 'left', name, reason: p.reason }));
    default:
      return [];
  }
}

/** How many notices of `kind` for `name` the packets carry. */
export function countNotices(ps: readonly V2ServerPacket[], kind: Notice['kind'], name: string): number {
  return ps.flatMap(notices).filter((n) => n.kind === kind && n.name === name).length;
}

/** The leave notice for `name` in `p`, if it carries one (alone or in a users_left batch). */
export function leaveOf(p: V2ServerPacket, name: string): Extract<Notice, { kind: 'left' }> | undefined {
  return notices(p).find((n): n is Extract<Notice, { kind: 'left' }> => n.kind === 'left' && n.name === name);
}

/** Matches a packet that announces that `name` left. */
export const announcesLeave =
  (name: string) =>
  (p: V2ServerPacket): boolean =>
    leaveOf(p, name) !== undefined;
