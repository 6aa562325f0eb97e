/**
 * A server's room guards from its configuration (spec 7.17, 7.18): reserved names and moderation,
 * each only when configured. The state the adapter loaded from its files comes in as data, the
 * address-hash secret from the server's randomness; nothing here reads a file or a clock.
 */
import type { RandomSource } from '../crypto/key-agreement.js';
import type { Limits, NameRules } from '../generated/constants.js';
import { moderate } from './moderate.js';
import { Moderation, type SavedBans } from './moderation.js';
import { nameKeys } from './name-rules.js';
import { Reservations, type SavedReservations } from './reservations.js';
import type { Room, RoomGuards, RoomModerationRequest } from './room.js';

export interface GuardsConfig {
  /** Reserve names for keys (7.17), starting from what was saved (if anything). */
  readonly reservations?: { readonly saved?: SavedReservations };
  /** Operators and bans (7.18). */
  readonly moderation?: {
    readonly operators: readonly string[];
    readonly opsSeeAddresses?: boolean;
    /** A ban file is kept: its key bans as loaded, and changes are handed out to save. */
    readonly banFile?: { readonly saved?: SavedBans };
  };
}

export function createRoomGuards(
  config: GuardsConfig,
  rules: NameRules,
  limits: Limits,
  random: RandomSource,
): RoomGuards {
  const moderation = config.moderation
    ? new Moderation(limits, {
        operators: config.moderation.operators,
        addressSecret: random(32),
        opsSeeAddresses: config.moderation.opsSeeAddresses,
        saved: config.moderation.banFile?.saved,
        persist: config.moderation.banFile !== undefined,
      })
    : undefined;
  return {
    ...(config.reservations
      ? { reservations: new Reservations(limits, (name) => nameKeys(rules, name), config.reservations.saved) }
      : {}),
    ...(moderation
      ? {
          moderation,
          moderate: <Id>(room: Room<Id>, by: Id, request: RoomModerationRequest, now: number) =>
            moderate(room, moderation, by, request, now),
        }
      : {}),
  };
}
