/**
 * The shape every rooms case shares (spec 7.15, feature `rooms`): section 7.15, the v2 profile,
 * level MUST, and a server that does not offer `rooms` passes with a note (5.8: a server offers
 * what it chooses), as each case's accepted outcomes say.
 *
 * How this works: a case of v2-rooms.ts, v2-rooms-more.ts or v2-rooms-scope.ts gives what is its
 * own (id, description, spec text, what it covers and accepts, its run); `roomsCase` adds the
 * rest, and runs the case's steps only once a probe has seen `rooms` offered (v2-room-steps.ts).
 */
import type { Case } from '../case.js';
import { roomsOffered } from './v2-room-steps.js';

/** A rooms case's own fields. */
export type RoomsCaseFields = Omit<Case, 'section' | 'profile' | 'level'>;

export function roomsCase(fields: RoomsCaseFields): Case {
  return {
    section: '7.15',
    profile: 'v2',
    level: 'MUST',
    ...fields,
    accepts: [...fields.accepts, 'nothing to check when the server does not offer rooms'],
    async run(ctx) {
      if (await roomsOffered(ctx)) await fields.run(ctx);
    },
  };
}
