/**
 * Presence notices as the cases count them: a server that batches presence (spec 11) may send a
 * run of joins or leaves as one users_joined/users_left packet (7.6), which a client handles
 * exactly as one user_joined/user_left per name, in order. So every case reads presence through
 * `notices()` (the client's own reading, src/client/presence.ts) and accepts either form.
 */
import { type Notice, presenceNotices } from '../src/client/presence.js';
import type { V2ServerPacket } from '../src/generated/v2-packets.js';

export { type Notice, PRESENCE_TYPES, presenceNotices as notices } from '../src/client/presence.js';

/** How many notices of `kind` for `name` the packets carry. */
export function countNotices(ps: readonly V2ServerPacket[], kind: Notice['kind'], name: string): number {
  return ps.flatMap(presenceNotices).filter((n) => n.kind === kind && n.name === name).length;
}

/** The leave notice for `name` in `p`, if it carries one (alone or in a users_left batch). */
export function leaveOf(p: V2ServerPacket, name: string): Extract<Notice, { kind: 'left' }> | undefined {
  return presenceNotices(p).find(
    (n): n is Extract<Notice, { kind: 'left' }> => n.kind === 'left' && n.name === name,
  );
}

/** Matches a packet that announces that `name` left. */
export const announcesLeave =
  (name: string) =>
  (p: V2ServerPacket): boolean =>
    leaveOf(p, name) !== undefined;
