/**
 * Rooms (spec 7.15, feature `rooms`): listing, topics, room names, limits, empty rooms. Joining,
 * lines, parts and leaves are in v2-rooms.ts; scope (2.0 clients, who, export, backlog, private
 * messages) in v2-rooms-scope.ts.
 *
 * How this works: as in v2-rooms.ts. The limits are not announced on the wire, so the suite uses
 * the values it was told (--max-rooms and friends) or the spec defaults; a server that refuses
 * at another count than the one expected is judged only when the suite was told the limit.
 */
import { foldCase } from '../../src/chat/name-rules.js';
import { LIMITS } from '../../src/generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { limitText, pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import {
  ask,
  expectRoomError,
  joinRoom,
  LOBBY,
  linesWith,
  listRooms,
  maxRoomName,
  member,
  mustJoin,
  mustPart,
  roomBarrier,
  roomName,
  roomOf,
  show,
} from './v2-room-steps.js';
import { roomsCase } from './v2-rooms-case.js';
import { tag } from './v2-steps.js';

type TopicChanged = V2PacketOf<'topic_changed'>;
const isTopic = (p: V2ServerPacket): p is TopicChanged => p.type === 'topic_changed';

/** Sets a topic and returns the setter's topic_changed, or the refusal's code. */
function setTopic(ctx: CaseContext, v2: V2Session, room: string, topic: string) {
  return ask(ctx, v2, { type: 'topic', room, topic }, isTopic, `topic_changed for ${room}`);
}

export const v2RoomsMoreCases: Case[] = [
  roomsCase({
    id: 'v2-chat/7.15/8',
    description: 'rooms lists every room that exists with its member count and topic, sorted by folded name',
    specText: texts(
      quote('7.15', '`rooms` asks for every room that exists'),
      quote('7.15', 'one entry `{room, members, topic}` per room'),
    ),
    covers: [pkt('v2', 'rooms'), pkt('v2', 'room_list'), tr('v2/server', 'JOINED', 'rooms')],
    accepts: [
      'room_list (its parts joined) with both rooms of the case (2 members and the topic; 1 member and ""), #lobby, sorted by case-folded name',
    ],
    async run(ctx) {
      const [a, b, c] = [await member(ctx, 'rla'), await member(ctx, 'rlb'), await member(ctx, 'rlc')];
      const [one, two] = [roomName(ctx, 'rl1'), roomName(ctx, 'rl2')];
      const topic = ctx.line(`about ${tag()}`).slice(0, ctx.options.maxTopic ?? LIMITS.maxTopic);
      await mustJoin(ctx, a, one);
      await mustJoin(ctx, b, one);
      await mustJoin(ctx, b, two);
      const set = await setTopic(ctx, a, one, topic);
      if (set.error !== undefined) return ctx.fail('topic_changed', `error ${set.error}`);
      const list = await listRooms(ctx, c);
      const entry = (room: string) => list.find((e) => e.room === room);
      const [e1, e2, lobby] = [entry(one), entry(two), entry(LOBBY)];
      ctx.check(
        e1?.members === 2 && e1.topic === topic,
        `${one}: 2 members, topic "${topic}"`,
        JSON.stringify(e1 ?? null),
      );
      ctx.check(
        e2?.members === 1 && e2.topic === '',
        `${two}: 1 member, topic ""`,
        JSON.stringify(e2 ?? null),
      );
      ctx.check(
        (lobby?.members ?? 0) >= 3,
        '#lobby with at least the 3 members',
        JSON.stringify(lobby ?? null),
      );
      const folded = list.map((e) => foldCase(e.room));
      const inOrder = folded.every((f, i) => i === 0 || folded[i - 1] < f);
      ctx.check(inOrder, 'entries sorted by case-folded name, each room once', folded.join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/9',
    description:
      'topic: topic_changed to every member of the room (the setter too) and to no one else; newcomers see it; "" clears it',
    specText: texts(
      quote('7.15', 'An accepted topic, even the same one again, is announced with `topic_changed'),
      quote('7.15', 'an empty topic clears it'),
    ),
    covers: [pkt('v2', 'topic'), pkt('v2', 'topic_changed'), tr('v2/server', 'JOINED', 'topic')],
    accepts: [
      'topic_changed (room, topic, by the setter) at both members and none at a non-member; room_joined with the topic, then with "" once cleared',
    ],
    async run(ctx) {
      const [a, b, c] = [await member(ctx, 'rta'), await member(ctx, 'rtb'), await member(ctx, 'rtc')];
      const room = roomName(ctx, 'rt');
      const topic = ctx.line(`topic ${tag()}`).slice(0, ctx.options.maxTopic ?? LIMITS.maxTopic);
      await mustJoin(ctx, a, room);
      await mustJoin(ctx, b, room);
      const set = await setTopic(ctx, a, room, topic);
      if (set.error !== undefined) return ctx.fail('topic_changed', `error ${set.error}`);
      const told = (p: V2ServerPacket) => isTopic(p) && p.room === room;
      const good = (p: TopicChanged, text: string, by: V2Session) => p.topic === text && p.by === by.name;
      ctx.check(good(set.ok, topic, a), `topic_changed "${topic}" by ${a.name}`, show(set.ok));
      const [, atB, atC] = await roomBarrier(ctx, a, undefined, [a, b, c]);
      const atMember = atB.filter(told) as TopicChanged[];
      ctx.check(
        atMember.length === 1 && good(atMember[0], topic, a),
        'topic_changed once at the other member',
        atB.map(show).join(', '),
      );
      ctx.check(!atC.some(told), 'no topic_changed at a non-member', atC.map(show).join(', '));
      const seen = await mustJoin(ctx, c, room);
      ctx.check(seen.topic === topic, `room_joined with topic "${topic}"`, show(seen));
      const cleared = await setTopic(ctx, b, room, '');
      if (cleared.error !== undefined) return ctx.fail('topic_changed ""', `error ${cleared.error}`);
      ctx.check(good(cleared.ok, '', b), `topic_changed "" by ${b.name}`, show(cleared.ok));
      const list = await listRooms(ctx, c);
      const entry = list.find((e) => e.room === room);
      ctx.check(entry?.topic === '', `${room} listed with topic ""`, JSON.stringify(entry ?? null));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/10',
    description: 'A topic longer than maxTopic gets MESSAGE_TOO_LONG (not fatal) and changes nothing',
    specText: texts(quote('7.15', 'a longer one (up to the packet table'), limitText('maxTopic')),
    covers: [pkt('v2', 'topic')],
    accepts: [
      'error MESSAGE_TOO_LONG, not fatal; the room keeps its topic (room_list); a topic of exactly maxTopic is accepted',
    ],
    async run(ctx) {
      const max = ctx.options.maxTopic ?? LIMITS.maxTopic;
      const a = await member(ctx, 'rtl');
      const room = roomName(ctx, 'rtl');
      await mustJoin(ctx, a, room);
      const keep = ctx.line(`kept ${tag()}`).slice(0, max);
      if (keep.length > 0) {
        const set = await setTopic(ctx, a, room, keep);
        if (set.error !== undefined) return ctx.fail('topic_changed', `error ${set.error}`);
      }
      await expectRoomError(ctx, a, { type: 'topic', room, topic: 'x'.repeat(max + 1) }, 'MESSAGE_TOO_LONG');
      const entry = (await listRooms(ctx, a)).find((e) => e.room === room);
      ctx.check(entry?.topic === keep, `${room} keeps "${keep}"`, JSON.stringify(entry ?? null));
      const full = 'y'.repeat(max);
      const set = await setTopic(ctx, a, room, full);
      ctx.check(
        set.error === undefined,
        `a topic of exactly ${max} characters accepted`,
        `error ${set.error}`,
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/11',
    description:
      'A room name without #, empty, too long, or breaking the name rules of 7.2 gets ROOM_INVALID (not fatal)',
    specText: texts(
      quote('7.15', 'gets the non-fatal `error` ROOM_INVALID and changes nothing'),
      limitText('maxRoomName'),
    ),
    covers: [pkt('v2', 'room_join')],
    accepts: [
      'error ROOM_INVALID, not fatal, for each; then room_joined for a room name of exactly maxRoomName characters',
    ],
    async run(ctx) {
      const v2 = await member(ctx, 'rinv');
      const max = maxRoomName(ctx);
      const base = roomName(ctx, 'rinv').slice(1);
      const bad = [
        base, // no #
        '#',
        '',
        `#${'r'.repeat(max + 1)}`,
        `##${base}`.slice(0, max + 1),
      ];
      // Names of two characters or more: a space, a Cyrillic о among Latin letters, a zero-width space.
      if (max >= 2) {
        const short = base.slice(0, max - 1);
        bad.push(`#${short}\u043e`, `#${short}\u200b`);
        if (max >= 3) bad.push(`#${short.slice(0, -1)} ${short.slice(-1)}`);
      }
      for (const room of bad) await expectRoomError(ctx, v2, { type: 'room_join', room }, 'ROOM_INVALID');
      await expectRoomError(ctx, v2, { type: 'room_part', room: '#' }, 'ROOM_INVALID');
      const longest = `#${`${base}${'z'.repeat(max)}`.slice(0, max)}`;
      const joined = await mustJoin(ctx, v2, longest);
      ctx.check(joined.room === longest, `room_joined for ${longest}`, show(joined));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/12',
    description:
      'Room names that share a key (7.2) are one room: #LOBBY is #lobby, a look-alike (l for 1) joins the same room',
    specText: texts(
      quote('7.15', 'Two room names are the same room when the parts after `#` share a key'),
      quote('7.2', 'A name has two keys'),
    ),
    covers: [pkt('v2', 'room_joined')],
    accepts: [
      'room_joined #lobby for #LOBBY; room_joined naming the first spelling, with its member, for the look-alike',
    ],
    async run(ctx) {
      const [a, b] = [await member(ctx, 'rca'), await member(ctx, 'rcb')];
      const lobby = await mustJoin(ctx, a, '#LOBBY');
      ctx.check(lobby.room === LOBBY, 'room_joined #lobby', show(lobby));
      const max = maxRoomName(ctx);
      if (max < 2) return ctx.fail('a look-alike room', `not checked: maxRoomName ${max}`, 'MAY');
      const room = `#${roomName(ctx, 'rc').slice(1, max)}1`;
      await mustJoin(ctx, a, room);
      const alike = `${room.slice(0, -1)}l`.toUpperCase();
      const same = await mustJoin(ctx, b, alike);
      ctx.check(
        same.room === room && same.users.includes(a.name!),
        `room_joined ${room} with ${a.name} for ${alike}`,
        show(same),
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/13',
    description:
      'A member in maxRoomsPerMember rooms (#lobby counted) gets TOO_MANY_ROOMS for one more, and the server goes on serving it',
    specText: texts(
      quote('7.15', 'refuses with TOO_MANY_ROOMS when the sender is in maxRoomsPerMember'),
      limitText('maxRoomsPerMember'),
    ),
    covers: [tr('v2/server', 'JOINED', 'room_join')],
    accepts: [
      'room_joined for each room up to the limit, then error TOO_MANY_ROOMS (not fatal); a line in one of its rooms still reaches another member; after a part, a join succeeds',
    ],
    async run(ctx) {
      const told = ctx.options.maxRoomsPerMember;
      const limit = told ?? LIMITS.maxRoomsPerMember;
      const [a, b] = [await member(ctx, 'rma'), await member(ctx, 'rmb')];
      const spend = bucketOf(ctx, 2, [a, b]);
      const rooms: string[] = [];
      // #lobby is one of its rooms already.
      for (let i = 1; i < limit; i++) {
        const room = roomName(ctx, `rm${i}`);
        await spend(2);
        await mustJoin(ctx, a, room);
        rooms.push(room);
      }
      const extra = roomName(ctx, 'rmx');
      await spend(2);
      const refused = await joinRoom(ctx, a, extra);
      if (refused.error === undefined)
        return ctx.fail(
          `TOO_MANY_ROOMS for room ${limit + 1}`,
          `room_joined ${extra}`,
          told === undefined ? 'MAY' : undefined,
        );
      ctx.check(refused.error === 'TOO_MANY_ROOMS', 'TOO_MANY_ROOMS', `error ${refused.error}`);
      const shared = rooms[rooms.length - 1] ?? LOBBY;
      if (shared !== LOBBY) await mustJoin(ctx, b, shared);
      const line = ctx.line(`still here ${tag()}`);
      await spend(2); // the line and the barrier's marker
      a.send({ type: 'say', room: shared, text: line });
      const [atB] = await roomBarrier(ctx, a, shared, [b]);
      ctx.check(
        linesWith(atB, line).length === 1,
        `the line in ${shared} at another member`,
        atB.map(show).join(', '),
      );
      await spend(1);
      await mustPart(ctx, a, shared);
      await spend(2);
      const later = await mustJoin(ctx, a, extra);
      ctx.check(later.room === extra, `room_joined ${extra} after a part`, show(later));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/14',
    description:
      'With maxRooms rooms besides #lobby, a new room gets TOO_MANY_ROOMS; rooms that exist and #lobby can still be joined, and chat goes on',
    specText: texts(
      quote('7.15', 'when the room does not exist and maxRooms rooms besides `#lobby` exist'),
      limitText('maxRooms'),
    ),
    covers: [tr('v2/server', 'JOINED', 'room_join')],
    accepts: [
      'error TOO_MANY_ROOMS (not fatal) for a new room once maxRooms exist; room_joined for an existing room and for #lobby; a line still reaches a member',
    ],
    async run(ctx) {
      const told = ctx.options.maxRooms;
      const limit = told ?? LIMITS.maxRooms;
      const perMember = Math.max(
        1,
        Math.min(
          ctx.options.maxRoomsPerMember ?? LIMITS.maxRoomsPerMember,
          Math.floor((ctx.options.burst - 1) / 2),
        ),
      );
      const probe = await member(ctx, 'rwp');
      const existing = (await listRooms(ctx, probe)).filter((e) => e.room !== LOBBY).length;
      const made: string[] = [];
      const needed = Math.max(0, limit - existing);
      const holders = Math.ceil(needed / perMember);
      if (ctx.options.maxClients !== undefined && holders + 2 > ctx.options.maxClients)
        return ctx.fail(
          `TOO_MANY_ROOMS with ${limit} rooms`,
          `not checked: ${holders} members to hold them, over the server's maxClients ${ctx.options.maxClients}`,
          'MAY',
        );
      // Members fill the server side by side, each out of #lobby and in perMember rooms.
      const fill = async (h: number) => {
        const holder = await member(ctx, `rw${h}`);
        await mustPart(ctx, holder, LOBBY);
        for (let i = h * perMember; i < Math.min(needed, (h + 1) * perMember); i++) {
          const name = roomName(ctx, `rw${i}`);
          const answer = await joinRoom(ctx, holder, name);
          // Another user of the server made rooms meanwhile, or the limit is lower than assumed.
          if (answer.error === 'TOO_MANY_ROOMS' && told === undefined) return;
          if (answer.error !== undefined)
            return ctx.fail(
              `room_joined ${name} (room ${existing + i + 1} of ${limit})`,
              `error ${answer.error}`,
            );
          made.push(name);
        }
      };
      await Promise.all(Array.from({ length: holders }, (_, h) => fill(h)));
      // The probe sat unread while the rooms filled (its pings unanswered), so a server with a
      // short idle timeout may have ended it: a member that joins now watches #lobby instead.
      const watcher = await member(ctx, 'rww');
      const asker = await member(ctx, 'rwa');
      const refused = await joinRoom(ctx, asker, roomName(ctx, 'rwmore'));
      if (refused.error === undefined)
        return ctx.fail(
          `TOO_MANY_ROOMS with ${limit} rooms besides #lobby`,
          'room_joined',
          told === undefined ? 'MAY' : undefined,
        );
      ctx.check(refused.error === 'TOO_MANY_ROOMS', 'TOO_MANY_ROOMS', `error ${refused.error}`);
      const target = made[0];
      if (target !== undefined) {
        const joined = await mustJoin(ctx, asker, target);
        ctx.check(joined.room === target, `room_joined ${target} (a room that exists)`, show(joined));
      }
      await mustPart(ctx, asker, LOBBY);
      await mustJoin(ctx, asker, LOBBY);
      const line = ctx.line(`full house ${tag()}`);
      asker.send({ type: 'say', text: line });
      const [atWatcher] = await roomBarrier(ctx, asker, undefined, [watcher]);
      ctx.check(
        linesWith(atWatcher, line).length === 1,
        'a line in #lobby still delivered',
        atWatcher.map(show).join(', '),
      );
      ctx.note(`${existing} rooms existed, ${made.length} made`);
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/15',
    description:
      'A room that empties is forgotten: not listed, and a later join makes it new, without its topic or history',
    specText: quote('7.15', 'the room is forgotten: its history and its topic are dropped'),
    covers: [pkt('v2', 'room_list'), pkt('v2', 'export_reply')],
    accepts: [
      'the room gone from room_list once its member parts, and once its member leaves the server; room_joined with topic "" and only the newcomer; an export of it without the old line',
    ],
    async run(ctx) {
      const topic = ctx.line(`old topic ${tag()}`).slice(0, ctx.options.maxTopic ?? LIMITS.maxTopic);
      const watcher = await member(ctx, 'rew');
      for (const how of ['part', 'goodbye'] as const) {
        const a = await member(ctx, `re${how}`);
        const room = roomName(ctx, `re${how}`);
        await mustJoin(ctx, a, room);
        const line = ctx.line(`old line ${how} ${tag()}`);
        a.send({ type: 'say', room, text: line });
        const set = await setTopic(ctx, a, room, topic);
        if (set.error !== undefined) return ctx.fail('topic_changed', `error ${set.error}`);
        if (how === 'part') await mustPart(ctx, a, room);
        else {
          a.send({ type: 'goodbye' });
          await ctx.attempt(`user_left ${a.name}`, 'at a member of #lobby', () =>
            watcher.until(
              (p) =>
                (p.type === 'user_left' && p.name === a.name) ||
                (p.type === 'users_left' && p.names.includes(a.name!)),
              'the leave notice',
            ),
          );
        }
        const listed = (await listRooms(ctx, watcher)).find((e) => foldCase(e.room) === foldCase(room));
        ctx.check(
          listed === undefined,
          `${room} not listed after its last member's ${how}`,
          JSON.stringify(listed ?? null),
        );
        const again = await mustJoin(ctx, watcher, room);
        ctx.check(
          again.topic === '' && again.users.length === 1 && again.users[0] === watcher.name,
          `a new ${room}: topic "", only the newcomer`,
          show(again),
        );
        const isReply = (p: V2ServerPacket): p is V2PacketOf<'export_reply'> =>
          p.type === 'export_reply' && roomOf(p) === room;
        const first = await ask(ctx, watcher, { type: 'export', room }, isReply, `export_reply for ${room}`);
        if (first.error !== undefined) return ctx.fail(`export_reply for ${room}`, `error ${first.error}`);
        const entries = first.ok.entries.map((e) => e.text ?? '');
        for (let part = first.ok; !part.done; ) {
          const { packet } = await ctx.attempt('export_reply', `exporting ${room}`, () =>
            watcher.until(isReply, 'export_reply'),
          );
          if (packet.type !== 'export_reply') break;
          entries.push(...packet.entries.map((e) => e.text ?? ''));
          part = packet;
        }
        ctx.check(!entries.includes(line), `no line of the old ${room} in its export`, entries.join(' | '));
        await mustPart(ctx, watcher, room);
      }
    },
  }),
];

/**
 * A member's token bucket as the case can know it (7.8): --burst tokens, the first `spent` of them
 * gone on the join, refilled at ratePerSecond, which is not announced but is at least 1 a second
 * (11). A case that spends more than a burst waits, before each packet past it, until the bucket
 * holds that packet's rateCost, so the rate limit never decides what the case checks. It waits by
 * reading `members` (their pings answered, 7.8), so no idle timeout ends them meanwhile; what
 * arrives in the wait is nothing the case checks.
 */
function bucketOf(ctx: CaseContext, spent: number, members: V2Session[]): (cost: number) => Promise<void> {
  const burst = ctx.options.burst;
  let tokens = burst - spent;
  let at = Date.now();
  return async (cost) => {
    tokens = Math.min(burst, tokens + (Date.now() - at) / 1000);
    at = Date.now();
    if (tokens < cost) {
      const ms = Math.ceil((cost - tokens) * 1000) + 100;
      await Promise.all(members.map((m) => m.until(() => false, 'the bucket refilling', ms).catch(() => {})));
      tokens = cost;
      at = Date.now();
    }
    tokens -= cost;
  };
}
