/**
 * Rooms (spec 7.15, feature `rooms`): joining, what a room's line reaches, parting, leaving the
 * server. Names, topics, listing and limits are in v2-rooms-more.ts.
 *
 * How this works: each case asks whether the server offers `rooms` and passes with a note when it
 * does not (5.8: a server offers what it chooses). Its members list `rooms` (and a "plain" member
 * lists nothing, a 2.0 client); the driver refuses any room packet a member did not agree. Rooms
 * get names unique to the run, and "exactly once" and "nobody else" are checked with a barrier
 * (v2-room-steps.ts): a marker said after the action, in a room every receiver is in.
 */
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import {
  expectRoomError,
  LOBBY,
  linesWith,
  member,
  mustJoin,
  mustPart,
  offeredFeatures,
  roomBarrier,
  roomName,
  roomOf,
  show,
} from './v2-room-steps.js';
import { roomsCase } from './v2-rooms-case.js';
import { tag } from './v2-steps.js';

/** A join notice for `name` in `room` (alone or in a batch, 7.6). */
const joinedIn = (name: string, room: string) => (p: V2ServerPacket) =>
  ((p.type === 'user_joined' && p.name === name) || (p.type === 'users_joined' && p.names.includes(name))) &&
  roomOf(p) === room;

/** A leave notice for `name` in `room` with `reason` (alone or in a batch, 7.6). */
const leftIn = (name: string, room: string, reason: string) => (p: V2ServerPacket) =>
  ((p.type === 'user_left' && p.name === name) || (p.type === 'users_left' && p.names.includes(name))) &&
  p.reason === reason &&
  roomOf(p) === room;

const sorted = (names: readonly string[]) => [...names].sort();

export const v2RoomsCases: Case[] = [
  roomsCase({
    id: 'v2-chat/7.15/1',
    description:
      'room_join: room_joined to the joiner before anything of the room, user_joined with room to the others, then lines reach the joiner',
    specText: texts(
      quote('7.15', 'the server sends, in this order: to the sender `room_joined`'),
      quote('7.15', 'The joiner gets no `user_joined` of itself'),
    ),
    covers: [
      pkt('v2', 'room_join'),
      pkt('v2', 'room_joined'),
      pkt('v2', 'user_joined'),
      tr('v2/server', 'JOINED', 'room_join'),
    ],
    accepts: [
      'room_joined (the room, its members sorted, topic "") first at the joiner; user_joined (or users_joined) with room at the member; the next line in the room at both, none of the joiner about itself',
    ],
    async run(ctx) {
      const a = await member(ctx, 'rja');
      const b = await member(ctx, 'rjb');
      const room = roomName(ctx, 'rj');
      const made = await mustJoin(ctx, a, room);
      ctx.check(made.room === room, `room_joined for ${room}`, show(made));
      ctx.check(
        made.users.length === 1 && made.users[0] === a.name,
        `users [${a.name}] in a new room`,
        show(made),
      );
      ctx.check(made.topic === '', 'topic "" in a new room', show(made));
      b.send({ type: 'room_join', room });
      const { packet, skipped } = await ctx.attempt('room_joined', `after room_join ${room}`, () =>
        b.until((p) => p.type === 'room_joined' || p.type === 'error', 'room_joined'),
      );
      if (packet.type !== 'room_joined') return ctx.fail('room_joined', show(packet));
      const early = skipped.filter((p) => roomOf(p) === room);
      ctx.check(early.length === 0, `nothing of ${room} before room_joined`, early.map(show).join(', '));
      const users = packet.more ? [...packet.users, ...(await b.restOfList('the rest'))] : packet.users;
      ctx.check(
        JSON.stringify(users) === JSON.stringify(sorted([a.name!, b.name!])),
        `users ${sorted([a.name!, b.name!]).join(', ')}`,
        show(packet),
      );
      await ctx.attempt(`user_joined ${b.name} with room ${room}`, 'at the member already there', () =>
        a.until(joinedIn(b.name!, room), 'the join notice'),
      );
      const line = ctx.line(`after the join ${tag()}`);
      a.send({ type: 'say', room, text: line });
      const [atA, atB] = await roomBarrier(ctx, a, room, [a, b]);
      for (const [who, got] of [
        ['the sender', atA],
        ['the joiner', atB],
      ] as const) {
        const lines = linesWith(got, line);
        ctx.check(
          lines.length === 1 && roomOf(lines[0]) === room,
          `the line once, with room ${room}, at ${who}`,
          `${lines.length}: ${lines.map(show).join(', ')}`,
        );
      }
      const self = atB.filter(joinedIn(b.name!, room));
      ctx.check(self.length === 0, 'no user_joined of the joiner at the joiner', self.map(show).join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/2',
    description:
      'A room keeps the spelling that made it; joining a room one is in gets a fresh room_joined and nothing else',
    specText: texts(
      quote('7.15', 'A room keeps the NFC spelling of the `room_join` that made it exist'),
      quote('7.15', 'When the sender is already in the room the join is idempotent'),
    ),
    covers: [pkt('v2', 'room_joined'), tr('v2/server', 'JOINED', 'room_join')],
    accepts: [
      'room_joined naming the recorded spelling for a join in upper case; a second join: room_joined again, no notice to the other member, no backlog',
    ],
    async run(ctx) {
      const features = ['rooms', 'backlog'];
      const a = await member(ctx, 'ria');
      const b = await member(ctx, 'rib', features);
      const room = roomName(ctx, 'ri');
      await mustJoin(ctx, a, room);
      a.send({ type: 'say', room, text: ctx.line(`history ${tag()}`) });
      const first = await mustJoin(ctx, b, room.toUpperCase());
      ctx.check(first.room === room, `room_joined names ${room} (the recorded spelling)`, show(first));
      await ctx.attempt(`user_joined ${b.name}`, 'at the member already there', () =>
        a.until(joinedIn(b.name!, room), 'the join notice'),
      );
      const again = await mustJoin(ctx, b, room);
      ctx.check(
        again.room === room && again.users.includes(a.name!) && again.users.includes(b.name!),
        `a fresh room_joined for ${room} with both members`,
        show(again),
      );
      const [atA, atB] = await roomBarrier(ctx, a, room, [a, b]);
      const notices = atA.filter(joinedIn(b.name!, room));
      ctx.check(
        notices.length === 0,
        'no second user_joined at the other member',
        notices.map(show).join(', '),
      );
      const extra = atB.filter((p) => roomOf(p) === room);
      ctx.check(extra.length === 0, 'nothing else after the second room_joined', extra.map(show).join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/3',
    description:
      "A line and an action said in a room reach exactly that room's members, each once, with the room and one id",
    specText: quote('7.15', '`message` and `action` go to exactly the members of their room'),
    covers: [pkt('v2', 'say'), pkt('v2', 'message'), pkt('v2', 'me'), pkt('v2', 'action')],
    accepts: [
      'the line and the action once at the sender and the other member, with room and the same id; nothing at a member of another room or a member without rooms',
    ],
    async run(ctx) {
      const a = await member(ctx, 'rsa');
      const b = await member(ctx, 'rsb');
      const c = await member(ctx, 'rsc');
      const plain = await member(ctx, 'rsplain', []);
      const [x, y] = [roomName(ctx, 'rsx'), roomName(ctx, 'rsy')];
      await mustJoin(ctx, a, x);
      await mustJoin(ctx, b, x);
      await mustJoin(ctx, c, y);
      const line = ctx.line(`in x ${tag()}`);
      const act = ctx.line(`acts in x ${tag()}`);
      const other = ctx.line(`in y ${tag()}`);
      a.send({ type: 'say', room: x, text: line }, { type: 'me', room: x, text: act });
      c.send({ type: 'say', room: y, text: other });
      // Everyone is in #lobby: a marker there closes every receiver's account.
      const [atA, atB, atC, atPlain] = await roomBarrier(ctx, a, undefined, [a, b, c, plain]);
      const ids = new Set<string>();
      for (const [who, got] of [
        ['the sender', atA],
        ['the other member', atB],
      ] as const) {
        for (const [kind, text] of [
          ['message', line],
          ['action', act],
        ] as const) {
          const found = linesWith(got, text);
          ctx.check(
            found.length === 1 && found[0].type === kind && roomOf(found[0]) === x,
            `the ${kind} once at ${who}, with room ${x}`,
            `${found.length}: ${found.map(show).join(', ')}`,
          );
          if (found[0]?.type === kind) ids.add(`${kind} ${found[0].id}`);
        }
        ctx.check(linesWith(got, other).length === 0, `no line of ${y} at ${who}`, got.map(show).join(', '));
      }
      ctx.check(ids.size === 2, 'one id per line for every recipient', `ids ${[...ids].join(', ')}`);
      ctx.check(
        linesWith(atC, line).length + linesWith(atC, act).length === 0,
        `nothing of ${x} at a member of ${y} only`,
        atC.map(show).join(', '),
      );
      ctx.check(
        linesWith(atPlain, line).length +
          linesWith(atPlain, act).length +
          linesWith(atPlain, other).length ===
          0,
        'nothing of another room at a member without rooms',
        atPlain.map(show).join(', '),
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/4',
    description:
      'say, me, who, export, topic and room_part naming a room the sender is not in get NOT_IN_ROOM, and nothing reaches the room',
    specText: texts(
      quote('7.15', 'the sender MUST be in that room, else it gets the non-fatal `error` NOT_IN_ROOM'),
      quote('7.15', 'Parting a room the sender is not in gets NOT_IN_ROOM, whether or not the room exists'),
    ),
    covers: [pkt('v2', 'who'), pkt('v2', 'export'), tr('v2/server', 'JOINED', 'room_part')],
    accepts: [
      'a non-fatal error NOT_IN_ROOM for each, for a room that exists and one that does not; nothing of it at the room',
    ],
    absence: true,
    async run(ctx) {
      const outsider = await member(ctx, 'rno');
      const owner = await member(ctx, 'rnm');
      const room = roomName(ctx, 'rn');
      const nowhere = roomName(ctx, 'rnnone');
      await mustJoin(ctx, owner, room);
      const line = ctx.line(`not in ${tag()}`);
      for (const packet of [
        { type: 'say', room, text: line },
        { type: 'me', room, text: line },
        { type: 'who', room },
        { type: 'export', room },
        { type: 'topic', room, topic: line },
        { type: 'room_part', room },
        { type: 'say', room: nowhere, text: line },
        { type: 'room_part', room: nowhere },
      ])
        await expectRoomError(ctx, outsider, packet, 'NOT_IN_ROOM');
      const [atOwner] = await roomBarrier(ctx, owner, room, [owner]);
      const leaked = atOwner.filter((p) => roomOf(p) === room);
      ctx.check(leaked.length === 0, `nothing at ${room}`, leaked.map(show).join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/5',
    description:
      'room_part: room_parted to the parter, user_left with reason part to the rest, and nothing more of the room to the parter',
    specText: quote('7.15', '`room_part {room}` takes the sender out of the room'),
    covers: [pkt('v2', 'room_part'), pkt('v2', 'room_parted'), pkt('v2', 'user_left')],
    accepts: [
      'room_parted for the room; user_left (or users_left) with room and reason part at both other members; a later line of the room at them only',
    ],
    async run(ctx) {
      const [a, b, c] = [await member(ctx, 'rpa'), await member(ctx, 'rpb'), await member(ctx, 'rpc')];
      const room = roomName(ctx, 'rp');
      for (const m of [a, b, c]) await mustJoin(ctx, m, room);
      const parted = await mustPart(ctx, b, room);
      ctx.check(parted.room === room, `room_parted for ${room}`, show(parted));
      for (const [who, at] of [
        ['a member', a],
        ['another member', c],
      ] as const)
        await ctx.attempt(`user_left ${b.name} (part) with room ${room}`, `at ${who}`, () =>
          at.until(leftIn(b.name!, room, 'part'), 'the part notice'),
        );
      const line = ctx.line(`after the part ${tag()}`);
      a.send({ type: 'say', room, text: line });
      const [atA, atB, atC] = await roomBarrier(ctx, a, undefined, [a, b, c]);
      ctx.check(linesWith(atC, line).length === 1, 'the later line at the member', atC.map(show).join(', '));
      ctx.check(linesWith(atA, line).length === 1, 'the later line at the sender', atA.map(show).join(', '));
      const after = atB.filter((p) => roomOf(p) === room);
      ctx.check(after.length === 0, `nothing of ${room} after room_parted`, after.map(show).join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/6',
    description:
      'Parting #lobby: part to members with rooms, quit without room to one without; the member still gets and sends private messages and may join again',
    specText: texts(
      quote('7.15', 'A member may part every room, `#lobby` included, and stays joined to the server'),
      quote('7.15', 'a part of `#lobby` is told to it as `user_left`'),
    ),
    covers: [pkt('v2', 'msg'), pkt('v2', 'private'), pkt('v2', 'user_left')],
    accepts: [
      'user_left part with room #lobby at the member with rooms; user_left quit without room at the one without; private messages both ways; room_joined #lobby again, and user_joined at the one without',
    ],
    async run(ctx) {
      const r = await member(ctx, 'rlr');
      const q = await member(ctx, 'rlq');
      const plain = await member(ctx, 'rlplain', []);
      await mustPart(ctx, r, LOBBY);
      await ctx.attempt(`user_left ${r.name} (part) in #lobby`, 'at a member with rooms', () =>
        q.until(leftIn(r.name!, LOBBY, 'part'), 'the part notice'),
      );
      const { packet } = await ctx.attempt(`user_left ${r.name} (quit)`, 'at a member without rooms', () =>
        plain.until(
          (p) =>
            (p.type === 'user_left' && p.name === r.name) ||
            (p.type === 'users_left' && p.names.includes(r.name!)),
          'the leave notice',
        ),
      );
      ctx.check(
        'reason' in packet && packet.reason === 'quit' && !('room' in packet),
        'reason quit and no room field',
        show(packet),
      );
      const [there, back] = [ctx.line(`to nowhere ${tag()}`), ctx.line(`from nowhere ${tag()}`)];
      plain.send({ type: 'msg', to: r.name!, text: there });
      await ctx.attempt('the private message', 'at a member in no room', () =>
        r.until((p) => p.type === 'private' && p.text === there, 'the private message'),
      );
      r.send({ type: 'msg', to: plain.name!, text: back });
      await ctx.attempt('the private message', 'from a member in no room', () =>
        plain.until((p) => p.type === 'private' && p.text === back, 'the private message'),
      );
      const again = await mustJoin(ctx, r, LOBBY);
      ctx.check(again.room === LOBBY, 'room_joined #lobby', show(again));
      await ctx.attempt(`user_joined ${r.name}`, 'at the member without rooms', () =>
        plain.until(
          (p) =>
            ((p.type === 'user_joined' && p.name === r.name) ||
              (p.type === 'users_joined' && p.names.includes(r.name!))) &&
            !('room' in p),
          'the join notice, without room',
        ),
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/7',
    description: 'A member that leaves the server is announced once in every room it was in',
    specText: quote('7.15', 'so a client that shared two rooms with it gets two'),
    covers: [pkt('v2', 'goodbye')],
    accepts: ['user_left (quit) in #lobby and in the shared room, each once, with its room'],
    async run(ctx) {
      const [x, y] = [await member(ctx, 'rgx'), await member(ctx, 'rgy')];
      const room = roomName(ctx, 'rg');
      await mustJoin(ctx, x, room);
      await mustJoin(ctx, y, room);
      x.send({ type: 'goodbye' });
      // The two notices may come in either order (7.15 orders packets per room).
      const due = new Set([LOBBY, room]);
      await ctx.attempt(
        `user_left ${x.name} (quit) in ${LOBBY} and ${room}`,
        'at the member that shared both',
        () =>
          y.until((p) => {
            for (const where of due) if (leftIn(x.name!, where, 'quit')(p)) due.delete(where);
            return due.size === 0;
          }, 'the leave notices'),
      );
      const [atY] = await roomBarrier(ctx, y, undefined, [y]);
      const more = atY.filter(
        (p) =>
          (p.type === 'user_left' && p.name === x.name) ||
          (p.type === 'users_left' && p.names.includes(x.name!)),
      );
      ctx.check(more.length === 0, 'one notice per room', more.map(show).join(', '));
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/20',
    description:
      'An away member that joins a room is told away (user_away right after its user_joined) to a member that shared no room with it',
    specText: quote(
      '7.15',
      'When the joiner is away (7.12), each other member of the room that agreed `away`',
    ),
    covers: [pkt('v2', 'user_away'), tr('v2/server', 'JOINED', 'room_join')],
    accepts: [
      'user_joined (or users_joined) of the joiner with room, then user_away of it with its reason, at the member that shared no room with it',
      'nothing to check when the server does not offer away',
    ],
    async run(ctx) {
      if (!(await offeredFeatures(ctx)).includes('away')) {
        ctx.note('the server does not offer away (5.8): nothing to check');
        return;
      }
      const features = ['rooms', 'away'];
      const [x, far] = [await member(ctx, 'rwx', features), await member(ctx, 'rwf', features)];
      const room = roomName(ctx, 'rw');
      await mustJoin(ctx, x, room);
      // far shares no room with x when it goes away: x is not told then.
      await mustPart(ctx, far, LOBBY);
      const reason = ctx.line(`nap ${tag()}`);
      far.send({ type: 'away', reason });
      await ctx.attempt(`user_away for ${far.name}`, 'at the member who went away', () =>
        far.until((p) => p.type === 'user_away' && p.name === far.name, 'user_away'),
      );
      await mustJoin(ctx, far, room);
      const isAway = (p: V2ServerPacket) => p.type === 'user_away' && p.name === far.name;
      const joined = await ctx.attempt(`user_joined ${far.name} with room ${room}`, 'at the member', () =>
        x.until((p) => joinedIn(far.name!, room)(p) || isAway(p), 'the join notice'),
      );
      ctx.check(
        joinedIn(far.name!, room)(joined.packet),
        'the join notice before the away notice',
        show(joined.packet),
      );
      const away = await ctx.attempt(`user_away for ${far.name}`, 'after its join notice', () =>
        x.until(isAway, 'the away notice'),
      );
      ctx.check(
        away.packet.type === 'user_away' && away.packet.away && away.packet.reason === reason,
        `user_away for ${far.name}, away, with its reason`,
        show(away.packet),
      );
    },
  }),
];
