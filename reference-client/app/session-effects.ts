/**
 * What the view model's requests become on the connection: each effect that asks something of the
 * server is one call on the TcpSession (which throws a ParleyError when it cannot be made now).
 */

import type { TcpSession } from '../session/tcp-session.js';
import type { Effect } from '../view/view-types.js';

/** The effects that go to the server. */
export type SentEffect = Extract<
  Effect,
  {
    kind:
      | 'join'
      | 'say'
      | 'msg'
      | 'me'
      | 'who'
      | 'export'
      | 'nick'
      | 'away'
      | 'whois'
      | 'room-join'
      | 'room-part'
      | 'rooms'
      | 'topic';
  }
>;

/** Sends one effect on `session`; throws what the session throws. */
export function sendEffect(session: TcpSession, effect: SentEffect): void {
  switch (effect.kind) {
    case 'join':
      session.join(effect.name);
      return;
    case 'say':
      session.say(effect.text, effect.room);
      return;
    case 'msg':
      session.privateMessage(effect.to, effect.text);
      return;
    case 'me':
      session.action(effect.text, effect.room);
      return;
    case 'who':
      session.who(effect.room);
      return;
    case 'export':
      session.requestExport(effect.room);
      return;
    case 'room-join':
      session.roomJoin(effect.room);
      return;
    case 'room-part':
      session.roomPart(effect.room);
      return;
    case 'rooms':
      session.listRooms();
      return;
    case 'topic':
      session.setTopic(effect.room, effect.topic);
      return;
    case 'nick':
      session.nick(effect.name);
      return;
    case 'away':
      session.away(effect.away, effect.reason);
      return;
    case 'whois':
      session.whois(effect.name);
      return;
  }
}
