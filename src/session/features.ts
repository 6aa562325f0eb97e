/**
 * The v2 version rule (spec 5.8): what a 2.x peer supports is a set of named features listed in
 * the hellos, and a feature is in use on a connection only when both hellos list it.
 *
 * How this works: the server offers its list in `server_hello`, the client answers with the names
 * it wants in `client_hello`, and both sides compute the same agreed set from the two lists
 * (unknown names simply never match). Packets a feature adds are gated on that set in both
 * directions: a receiver refuses one it did not agree (PACKET_UNEXPECTED), a sender leaves it out.
 */
import { parleyError } from '../errors.js';
import { V2_PACKET_FEATURE, type V2PacketType } from '../generated/v2-packets.js';

/** The empty set: a connection on which nothing was agreed is a 2.0 connection. */
export const NO_FEATURES: ReadonlySet<string> = new Set();

/**
 * The features both hellos list (5.8), in the order of `offered`. A missing list is the empty
 * list; names only one side knows drop out here, which is how unknown names are ignored.
 */
export function agreeFeatures(
  offered: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): ReadonlySet<string> {
  if (!offered?.length || !wanted?.length) return NO_FEATURES;
  const want = new Set(wanted);
  return new Set(offered.filter((name) => want.has(name)));
}

/** Packet type -> the feature that adds it; the spec's registry unless a test passes another. */
export type PacketFeatures = Readonly<Partial<Record<V2PacketType, string>>>;

/** True when `type` is a core packet or one of a feature in `agreed` (5.8). */
export function packetAllowed(
  type: V2PacketType,
  agreed: ReadonlySet<string>,
  owners: PacketFeatures = V2_PACKET_FEATURE,
): boolean {
  const feature = owners[type];
  return feature === undefined || agreed.has(feature);
}

/** Throws PACKET_UNEXPECTED for a received packet of a feature this connection did not agree (5.8). */
export function checkReceivedFeature(
  type: V2PacketType,
  agreed: ReadonlySet<string>,
  owners: PacketFeatures = V2_PACKET_FEATURE,
): void {
  if (!packetAllowed(type, agreed, owners)) {
    throw parleyError(
      'PACKET_UNEXPECTED',
      `${type} belongs to the feature ${owners[type]}, which this connection did not agree (5.8)`,
    );
  }
}

/** A hello's list: the names as given, or no field at all when there are none (5.8). */
export function featuresField(names: readonly string[]): { features?: string[] } {
  return names.length === 0 ? {} : { features: [...names] };
}

/** The feature that adds `room` to the room-scoped 2.0 packets and the leave reason `part` (7.15). */
export const ROOMS = 'rooms';

/** Whether a received packet uses the leave reason `part`, anywhere it may appear (7.15). */
function mentionsPart(packet: object): boolean {
  if ('reason' in packet && packet.reason === 'part') return true;
  if (!('entries' in packet) || !Array.isArray(packet.entries)) return false;
  return packet.entries.some((e: { reason?: string }) => e.reason === 'part');
}

/**
 * Throws PACKET_MALFORMED for a received packet in a form of a feature this connection did not
 * agree (5.8): `room` or the reason `part` without rooms (7.15) are not packet forms there.
 */
export function checkReceivedForm(packet: { readonly type: string }, agreed: ReadonlySet<string>): void {
  if (agreed.has(ROOMS) || !('room' in packet || mentionsPart(packet))) return;
  throw parleyError(
    'PACKET_MALFORMED',
    `${packet.type} names a room or a part, but this connection did not agree rooms (7.15)`,
  );
}
