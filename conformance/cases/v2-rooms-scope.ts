/**
 * Rooms (spec 7.15, feature `rooms`): what stays in #lobby for a client without rooms, what is
 * scoped to one room (who, export, backlog), and what is server-wide (private messages).
 *
 * How this works: as in v2-rooms.ts; the client without rooms lists no feature (a 2.0 client), so
 * the driver refuses any room packet it gets, and the case checks that none of its packets carries
 * a `room` field or the reason `part` (7.15: not a packet form of that connection).
 */
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { pkt, quote, texts } from '../spec-text.js';
import {
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

/** Whether `p` carries something a connection without rooms never gets (7.15). */
const roomForm = (p: V2ServerPacket) =>
  'room' in p || ('reason' in p && p.reason === 'part') || JSON.stringify(p).includes('"room"');

export const v2RoomsScopeCases: Case[] = [
  roomsCase({
    id: 'v2-chat/7.15/16',
    description:
      'A client without rooms on a server with rooms chats in #lobby only and gets the 2.0 forms: no room field, nothing of other rooms',
    specText: texts(
      quote('7.15', 'lives in `#lobby` only'),
      quote('7.15', 'never a `room` field, never the leave reason `part`'),
    ),
    covers: [pkt('v2', 'message'), pkt('v2', 'user_list')],
    accepts: [
      "the #lobby lines both ways (with room #lobby at the member with rooms, without room at the other); who lists #lobby's members; nothing of another room, no room field anywhere",
    ],
    async run(ctx) {
      const plain = await member(ctx, 'r20plain', []);
      const r = await member(ctx, 'r20rooms');
      const room = roomName(ctx, 'r20');
      await mustJoin(ctx, r, room);
      const [elsewhere, lobbyLine, reply] = [
        ctx.line(`elsewhere ${tag()}`),
        ctx.line(`in the lobby ${tag()}`),
        ctx.line(`from the old client ${tag()}`),
      ];
      r.send(
        { type: 'say', room, text: elsewhere },
        { type: 'topic', room, topic: 'x' },
        { type: 'say', room: LOBBY, text: lobbyLine },
      );
      const { packet, skipped } = await ctx.attempt('the #lobby line', 'at the client without rooms', () =>
        plain.until((p) => p.type === 'message' && p.text === lobbyLine, 'the #lobby line'),
      );
      const seen = [...skipped, packet];
      plain.send({ type: 'say', text: reply });
      const { packet: echoed } = await ctx.attempt(
        'the line of the client without rooms',
        'at the member',
        () => r.until((p) => p.type === 'message' && p.text === reply, 'the line'),
      );
      ctx.check(
        roomOf(echoed) === LOBBY && 'room' in echoed,
        'room #lobby on it at the member',
        show(echoed),
      );
      const users = await ctx.attempt('user_list', 'who from the client without rooms', () => plain.who());
      ctx.check(
        users.includes(r.name!) && users.includes(plain.name!),
        `${plain.name} and ${r.name} listed`,
        users.join(', '),
      );
      await mustPart(ctx, r, LOBBY);
      const [rest] = await roomBarrier(ctx, plain, undefined, [plain]);
      seen.push(...rest);
      ctx.check(linesWith(seen, elsewhere).length === 0, `nothing of ${room}`, seen.map(show).join(', '));
      const forms = seen.filter(roomForm);
      ctx.check(forms.length === 0, 'no room field and no reason part', forms.map(show).join(', '));
      // A presence batch (7.6) may carry it as users_left.
      const left = seen.filter(
        (p) =>
          (p.type === 'user_left' && p.name === r.name) ||
          (p.type === 'users_left' && p.names.includes(r.name!)),
      );
      ctx.check(
        left.length === 1 && 'reason' in left[0] && left[0].reason === 'quit',
        `the part of #lobby as user_left ${r.name} (quit)`,
        left.map(show).join(', ') || 'none',
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/17',
    description: "who, export and the backlog of a room are that room's: its members, its lines, with room",
    specText: texts(
      quote('7.15', '`user_list` (the answer to `who`), `export_reply` and `backlog` are those of one room'),
      quote('7.15', "what a newcomer to a room may see is that room's history"),
    ),
    covers: [pkt('v2', 'who'), pkt('v2', 'user_list'), pkt('v2', 'export'), pkt('v2', 'backlog')],
    accepts: [
      "user_list with room of the room's two members; export_reply parts with room holding the room's line and not the #lobby one; with backlog offered, the newcomer's backlog the same way",
    ],
    async run(ctx) {
      const features = await offeredFeatures(ctx);
      const [a, b] = [await member(ctx, 'rwa'), await member(ctx, 'rwb')];
      const room = roomName(ctx, 'rw');
      await mustJoin(ctx, a, room);
      await mustJoin(ctx, b, room);
      const [inRoom, inLobby] = [ctx.line(`in the room ${tag()}`), ctx.line(`in the lobby ${tag()}`)];
      a.send({ type: 'say', room, text: inRoom }, { type: 'say', text: inLobby });
      await roomBarrier(ctx, a, room, [a, b]);
      b.send({ type: 'who', room });
      const users: string[] = [];
      for (;;) {
        const { packet } = await ctx.attempt('user_list', `who ${room}`, () =>
          b.until((p) => p.type === 'user_list', 'user_list'),
        );
        if (packet.type !== 'user_list') break;
        ctx.check(roomOf(packet) === room, `user_list with room ${room}`, show(packet));
        users.push(...packet.users);
        if (!packet.more) break;
      }
      const both = [a.name!, b.name!].sort();
      ctx.check(JSON.stringify(users) === JSON.stringify(both), `users ${both.join(', ')}`, users.join(', '));
      b.send({ type: 'export', room });
      const texts: string[] = [];
      for (;;) {
        const { packet } = await ctx.attempt('export_reply', `export ${room}`, () =>
          b.until((p) => p.type === 'export_reply', 'export_reply'),
        );
        if (packet.type !== 'export_reply') break;
        ctx.check(roomOf(packet) === room, `export_reply with room ${room}`, show(packet));
        texts.push(...packet.entries.map((e) => e.text ?? ''));
        if (packet.done) break;
      }
      // The room's history holds two joins, the line and the marker; a server that keeps fewer
      // entries (`history`, not announced) may have dropped the line.
      const short = !texts.includes(inRoom) && texts.length < 4;
      if (short) ctx.note(`an export of ${texts.length} entries: a short history (11)`);
      ctx.check(texts.includes(inRoom) || short, "the room's line in its export", texts.join(' | '));
      ctx.check(!texts.includes(inLobby), 'no #lobby line in it', texts.join(' | '));
      if (!features.includes('backlog')) return ctx.note('no backlog offered: the backlog not checked');
      const c = await member(ctx, 'rwc', ['rooms', 'backlog']);
      await mustJoin(ctx, c, room);
      const [atC] = await roomBarrier(ctx, a, room, [c]);
      const backlog = atC.filter((p) => p.type === 'backlog');
      const entries = backlog.flatMap((p) => (p.type === 'backlog' ? p.entries.map((e) => e.text) : []));
      ctx.check(
        backlog.length > 0 && backlog.every((p) => roomOf(p) === room),
        `backlog with room ${room}`,
        atC.map(show).join(', '),
      );
      ctx.check(
        (entries.includes(inRoom) || short) && !entries.includes(inLobby),
        "the room's line in the backlog, not the #lobby one",
        entries.join(' | '),
      );
    },
  }),
  roomsCase({
    id: 'v2-chat/7.15/18',
    description:
      'Private messages are server-wide: members who share no room write to each other, and to oneself once',
    specText: quote('7.15', 'any joined member may write to any other, whatever rooms either is'),
    covers: [pkt('v2', 'msg'), pkt('v2', 'private')],
    accepts: [
      'the private message at its receiver and its echo at its sender, both ways, between members of two different rooms; one to oneself once',
    ],
    async run(ctx) {
      const [a, b] = [await member(ctx, 'rxa'), await member(ctx, 'rxb')];
      const [ra, rb] = [roomName(ctx, 'rxa'), roomName(ctx, 'rxb')];
      for (const [m, room] of [
        [a, ra],
        [b, rb],
      ] as const) {
        await mustJoin(ctx, m, room);
        await mustPart(ctx, m, LOBBY);
      }
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const text = ctx.line(`across rooms ${tag()}`);
        from.send({ type: 'msg', to: to.name!, text });
        for (const at of [to, from])
          await ctx.attempt('the private message', `at ${at.conn.label}`, () =>
            at.until((p) => p.type === 'private' && p.text === text && p.from === from.name, 'the private'),
          );
      }
      const self = ctx.line(`to myself ${tag()}`);
      a.send({ type: 'msg', to: a.name!, text: self });
      const [atA] = await roomBarrier(ctx, a, ra, [a]);
      const got = atA.filter((p) => p.type === 'private' && p.text === self);
      ctx.check(got.length === 1, 'a private message to oneself once', `${got.length}`);
    },
  }),
];
