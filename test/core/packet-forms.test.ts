/**
 * The forms of one packet (5.8, 7.15, 7.16, 7.18): a room's packet with `room` and with a keyed
 * sender's `key`, and the connection table's one choice among them by a member's features.
 */
import { describe, expect, it } from 'vitest';
import { ChatRoom, LOBBY } from '../../src/chat/room.js';
import { pickForm } from '../../src/chat/server-contract.js';
import { RoomPackets } from '../../src/chat/v2-room-packets.js';
import { LIMITS, V2_NAME_RULES } from '../../src/generated/constants.js';

const room = (name: string) => new ChatRoom<number>(name, [name], V2_NAME_RULES, 10);
const line = (s: { room?: string }) =>
  ({ type: 'message', id: 1, from: 'ann', text: 'hi', ts: 5, ...s }) as const;
const key = { feature: 'client-key', fields: { key: 'AAAAAAAAAAAA' } };
const seen = (forms: ReturnType<RoomPackets['forms']>, features: string[]) =>
  JSON.parse(pickForm(forms, new Set(features)).toString('utf8'));

describe('a packet in the forms its members need', () => {
  it('#lobby: the 2.0 form, with room, with key, and with both, each to the members that agreed them', () => {
    const forms = new RoomPackets(LIMITS, true).forms(room(LOBBY), line, key);
    expect(seen(forms, [])).toEqual(line({}));
    expect(seen(forms, ['rooms'])).toEqual(line({ room: LOBBY }));
    expect(seen(forms, ['client-key'])).toEqual({ ...line({}), key: 'AAAAAAAAAAAA' });
    expect(seen(forms, ['rooms', 'client-key', 'nick'])).toEqual({
      ...line({ room: LOBBY }),
      key: 'AAAAAAAAAAAA',
    });
  });

  it('another room holds only members with rooms: its packet always names it, keyed or not', () => {
    const forms = new RoomPackets(LIMITS, true).forms(room('#tea'), line, key);
    expect(seen(forms, ['rooms'])).toEqual(line({ room: '#tea' }));
    expect(seen(forms, ['rooms', 'client-key'])).toEqual({ ...line({ room: '#tea' }), key: 'AAAAAAAAAAAA' });
  });

  it('a server without rooms and an anonymous sender: one form for everyone', () => {
    const forms = new RoomPackets(LIMITS, false).forms(room(LOBBY), line);
    expect(forms.forms).toBeUndefined();
    expect(seen(forms, ['rooms', 'client-key'])).toEqual(line({}));
  });
});
