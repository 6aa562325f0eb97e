/**
 * The session fuzz target: model-based sequences pass against the real server core in both
 * profiles, and a core that drops or repeats one delivery, announces a rename twice, or sends a
 * newcomer a backlog one line short, is caught; the rooms property (7.15) holds, and catches a
 * line leaked across rooms, a part no one hears of, and a room that outlives its members.
 */
import { describe, it } from 'vitest';
import { servesRooms } from '../../fuzz/chat/rooms.js';
import { sessionPlant } from '../../fuzz/plants.js';
import {
  REAL_SESSION,
  roomsProperty,
  SESSION_IDENTITY,
  sessionProperties,
} from '../../fuzz/targets/session.js';
import { seededBytes } from '../../fuzz/util.js';
import { LIMITS } from '../../src/generated/constants.js';
import { byName, expectCatches, expectHolds } from './helpers.js';

const ROOMS_PROBE = { identity: SESSION_IDENTITY, random: seededBytes('rooms probe'), limits: LIMITS };

describe('session fuzz target', () => {
  it.each(['v2', 'legacy'] as const)('holds for the real server core (%s)', async (profile) => {
    await expectHolds(byName(sessionProperties(), profile), 60);
  });

  it.each(['v2', 'legacy'] as const)('catches a dropped delivery (%s)', async (profile) => {
    const broken = sessionProperties(sessionPlant('drop-delivery')!, [profile]);
    await expectCatches(byName(broken, profile), /received \[.*\], expected/);
  });

  it.each(['v2', 'legacy'] as const)('catches a duplicated delivery (%s)', async (profile) => {
    const broken = sessionProperties(sessionPlant('duplicate-delivery')!, [profile]);
    await expectCatches(byName(broken, profile), /received \[.*\], expected/);
  });

  it('catches a legacy server that leaves a client whose setuser was dropped waiting (10.2)', async () => {
    const broken = sessionProperties(sessionPlant('legacy-join-waits')!, ['legacy']);
    await expectCatches(byName(broken, 'legacy'), /received \[.*\], expected/);
  });

  it('catches a rename announced twice (7.11)', async () => {
    const broken = sessionProperties(sessionPlant('rename-twice')!, ['v2']);
    await expectCatches(
      byName(broken, 'v2'),
      /nick\(.*received \[.*user_renamed.*user_renamed.*\], expected \[user_renamed\(/,
    );
  });

  it('catches a backlog without its oldest line (7.10)', async () => {
    const broken = sessionProperties(sessionPlant('backlog-drops-oldest')!, ['v2']);
    await expectCatches(
      byName(broken, 'v2'),
      /join\(.*received \[join_ok.*\], expected \[join_ok.*backlog\(/,
    );
  });

  // The planted rooms faults need a core that serves rooms (7.15); until it does, nothing to catch.
  const rooms = servesRooms(REAL_SESSION.createServer('v2', ROOMS_PROBE), SESSION_IDENTITY);

  it('rooms: holds for the real server core (7.15)', async () => {
    await expectHolds(roomsProperty(), 60);
  });

  it.skipIf(!rooms).each([
    ['rooms-leak', /say\(.*received \[message #/],
    ['rooms-no-part-notice', /room_part\(.*expected \[left #/],
    // Kept, an emptied room is still listed, keeps its topic, or still counts toward maxRooms.
    ['rooms-outlive', /(rooms|room_join)\(.*received \[(room_list|room_joined|error TOO_MANY_ROOMS)/],
  ])('rooms: catches the planted %s', async (plant, message) => {
    await expectCatches(roomsProperty(sessionPlant(plant)!), message);
  });
});
