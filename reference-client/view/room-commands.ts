/**
 * The room commands (spec 7.15, irssi's habits): `/join #x` joins a room and makes it current
 * (or just switches to it when the client is in it already), `/part [#x]` leaves one (the current
 * room by default), `/room #x` switches to a room the client is in (in --plain: where what is typed
 * goes from now on), `/rooms` lists the server's rooms and `/topic [text]` shows, sets or clears
 * (`-`) the current room's topic. Functions over the view context; each returns the effects.
 */

import { LOBBY, sameRoom } from '../../src/client/index.js';
import type { ParsedInput } from './commands.js';
import { currentRoom, needsRooms, switchRoom } from './room-view.js';
import { errorLine, systemLine } from './scrollback.js';
import { sanitize } from './text.js';
import type { Effect, ViewContext } from './view-types.js';

type RoomCommand = Extract<ParsedInput, { kind: 'join' | 'part' | 'room' | 'rooms' | 'topic' }>;

export function roomCommand(ctx: ViewContext, parsed: RoomCommand): Effect[] {
  const s = ctx.state;
  switch (parsed.kind) {
    case 'room':
      if (!switchRoom(ctx, { name: parsed.room })) {
        const where = s.rooms.rooms.map((r) => sanitize(r.name)).join(', ') || 'none';
        errorLine(ctx, undefined, `/room: not in ${sanitize(parsed.room)} (in: ${where}); /join it first`);
      } else if (s.hasRooms) {
        systemLine(ctx, `now talking in ${sanitize(currentRoom(s))}`);
      }
      return [];
    case 'join':
      if (s.rooms.find(parsed.room) && switchRoom(ctx, { name: parsed.room })) return [];
      if (!needsRooms(ctx, 'join')) return [];
      s.roomWanted = parsed.room;
      return [{ kind: 'room-join', room: parsed.room }];
    case 'part': {
      if (!needsRooms(ctx, 'part')) return [];
      const room = parsed.room ?? s.rooms.current?.name;
      if (room === undefined) {
        errorLine(ctx, undefined, '/part: in no room now');
        return [];
      }
      return [{ kind: 'room-part', room }];
    }
    case 'rooms':
      if (!needsRooms(ctx, 'rooms')) return [];
      return [{ kind: 'rooms' }];
    case 'topic':
      return topicCommand(ctx, parsed.topic);
  }
}

/** `/topic`: shows the current room's topic; `/topic TEXT` sets it, `/topic -` clears it. */
function topicCommand(ctx: ViewContext, topic: string | undefined): Effect[] {
  const s = ctx.state;
  const current = s.rooms.current;
  if (topic === undefined) {
    if (!current) systemLine(ctx, 'in no room now: no topic');
    else if (!s.hasRooms && sameRoom(current.name, LOBBY))
      systemLine(ctx, 'this server has no topics (no rooms)');
    else if (current.topic === '')
      systemLine(ctx, `${sanitize(current.name)} has no topic; /topic TEXT sets one`);
    else systemLine(ctx, `topic of ${sanitize(current.name)}: ${sanitize(current.topic)}`);
    return [];
  }
  if (!needsRooms(ctx, 'topic') || !current) return [];
  return [{ kind: 'topic', room: current.name, topic }];
}
