/**
 * Keys and moderation together with rooms over real TCP (spec 7.15-7.18): a keyed member's join of
 * a room and its line there carry both `room` and `key`, and a mute scoped to a room silences that
 * room only.
 */
import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { marker, TEST_TIMEOUT_MS, useHarness } from './helpers.js';

const opKey = identityFromSeed(Buffer.alloc(32, 41));
const annKey = identityFromSeed(Buffer.alloc(32, 42));
const FEATURES = ['client-key', 'moderation', 'rooms'];

describe('keys and rooms together (7.15-7.18)', { timeout: TEST_TIMEOUT_MS }, () => {
  const h = useHarness();

  it('a keyed line in a room names both; a room-scoped mute covers that room only', async () => {
    const server = await h.start({ guards: { moderation: { operators: [opKey.fingerprint] } } });
    const op = await h.v2(server, 'op', { features: FEATURES, clientKey: opKey });
    const ann = await h.v2(server, 'ann', { features: FEATURES, clientKey: annKey });
    for (const c of [op, ann]) {
      c.endpoint.roomJoin('#tea');
      c.flush();
      await c.waitFor('room_joined');
    }
    // A room_join's user_joined shows the joiner's key as join_ok's does (7.16).
    expect(await op.waitForPacket('user_joined', (p) => p.room === '#tea')).toMatchObject({
      name: 'ann',
      key: annKey.fingerprint.slice(7, 19),
    });
    const first = marker('tea');
    ann.endpoint.say(first, '#tea');
    ann.flush();
    expect(await op.waitFor('message')).toMatchObject({
      text: first,
      room: '#tea',
      key: annKey.fingerprint.slice(7, 19),
    });

    // Another spelling of the room (7.2 keys) names the same mute.
    op.endpoint.moderate({ type: 'mute', name: 'ann', room: '#TEA', duration: 0 });
    op.flush();
    // moderated names it in its recorded spelling (7.15), whatever spelling the operator used.
    expect(await op.waitFor('moderated')).toMatchObject({ action: 'mute', target: 'ann', room: '#tea' });
    ann.endpoint.say(marker('muted'), '#tea');
    ann.flush();
    await ann.waitForError('MUTED');
    const lobby = marker('lobby');
    ann.endpoint.say(lobby);
    ann.flush();
    expect(await op.waitFor('message')).toMatchObject({ text: lobby, room: '#lobby' });
  });
});
