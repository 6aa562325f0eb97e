/**
 * Steps the rooms cases (spec 7.15) share: is `rooms` offered, members that agreed it, fresh room
 * names, asking for something and reading its answer, and the barrier within one room.
 *
 * How this works: a server that does not offer `rooms` (5.8) is not at fault, so every case asks
 * first and passes with a note when it is not offered. Room names are `#` and a name unique to the
 * run (so rooms of other cases, or of other users of a shared server, never get in the way), cut
 * to maxRoomName. A request that the token bucket refuses (RATE_LIMITED, 7.8) is asked again after
 * a pause: a case that joins many rooms is about rooms, not about the rate limit. The barrier works
 * as in v2-steps.ts, but the marker is said in one room: whatever a member of that room got before
 * the marker is everything the action under test caused it to get.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { LIMITS } from '../../src/generated/constants.js';
import type { V2PacketOf, V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { CaseContext } from '../case.js';
import type { V2Session } from '../v2-driver.js';
import { joinedWith, offeredFeatures, tag } from './v2-steps.js';

export { offeredFeatures };

export const LOBBY = '#lobby';

/** Whether the server offers `rooms` (5.8), read off a probe's server_hello; notes it when not. */
export async function roomsOffered(ctx: CaseContext): Promise<boolean> {
  const features = await offeredFeatures(ctx);
  if (!features.includes('rooms')) ctx.note('the server does not offer rooms (5.8): nothing to check');
  return features.includes('rooms');
}

/** A member joined under a fresh name that listed `features` (by default `rooms` only). */
export const member = (ctx: CaseContext, base: string, features: readonly string[] = ['rooms']) =>
  joinedWith(ctx, base, features);

/** The server's maxRoomName, if the suite was told; else the spec default. */
export function maxRoomName(ctx: CaseContext): number {
  return ctx.options.maxRoomName ?? LIMITS.maxRoomName;
}

/**
 * A fresh room name: `#`, lower-case letters and digits unique to the run, within maxRoomName
 * (whatever maxName is: a room name has its own limit, 7.15).
 */
export function roomName(ctx: CaseContext, base: string): string {
  const max = maxRoomName(ctx);
  const suffix = randomBytes(5).readUInt32BE().toString(36).padStart(6, '0');
  return `#${`${base.slice(0, Math.max(1, max - 6))}${suffix}`.slice(0, max)}`;
}

/** What a room request was answered with: the answer packet, or a non-fatal error's code. */
export type Answer<T> = { readonly ok: T; readonly error?: undefined } | { readonly error: string };

/**
 * Sends `packet` and reads until `match` (the success answer) or an `error`; a RATE_LIMITED
 * refusal is asked again after a pause, a few times. Packets skipped on the way stay skipped.
 */
export async function ask<T extends V2ServerPacket>(
  ctx: CaseContext,
  v2: V2Session,
  packet: Record<string, unknown>,
  match: (p: V2ServerPacket) => p is T,
  what: string,
): Promise<Answer<T>> {
  for (let tries = 0; ; tries++) {
    v2.send(packet);
    const { packet: got } = await ctx.attempt(what, `after ${JSON.stringify(packet)}`, () =>
      v2.until((p) => match(p) || p.type === 'error', what),
    );
    if (got.type !== 'error') return { ok: got as T };
    if (got.fatal) return ctx.fail(what, `a fatal error ${got.code} (${got.message})`);
    if (got.code !== 'RATE_LIMITED' || tries >= 6) return { error: got.code };
    await pause(250 * (tries + 1));
  }
}

export type RoomJoined = V2PacketOf<'room_joined'>;

const isRoomJoined = (p: V2ServerPacket): p is RoomJoined => p.type === 'room_joined';

/**
 * room_join; returns room_joined with its `users` whole (a long list continues in user_list
 * parts with `room`, 7.15), or the refusal's code.
 */
export async function joinRoom(ctx: CaseContext, v2: V2Session, room: string): Promise<Answer<RoomJoined>> {
  const answer = await ask(ctx, v2, { type: 'room_join', room }, isRoomJoined, `room_joined for ${room}`);
  if (answer.error !== undefined || !answer.ok.more) return answer;
  const users = [...answer.ok.users];
  for (;;) {
    const { packet } = await ctx.attempt('the rest of the room_joined list', `joining ${room}`, () =>
      v2.until((p) => p.type === 'user_list', 'a user_list part'),
    );
    if (packet.type !== 'user_list') break;
    users.push(...packet.users);
    if (!packet.more) break;
  }
  return { ok: { ...answer.ok, users, more: false } };
}

/** room_join that must succeed; returns room_joined. */
export async function mustJoin(ctx: CaseContext, v2: V2Session, room: string): Promise<RoomJoined> {
  const answer = await joinRoom(ctx, v2, room);
  if (answer.error !== undefined)
    return ctx.fail(`room_joined for the free, valid room ${room}`, `error ${answer.error}`);
  return answer.ok;
}

/** room_part that must succeed; returns room_parted. */
export async function mustPart(
  ctx: CaseContext,
  v2: V2Session,
  room: string,
): Promise<V2PacketOf<'room_parted'>> {
  const answer = await ask(
    ctx,
    v2,
    { type: 'room_part', room },
    (p): p is V2PacketOf<'room_parted'> => p.type === 'room_parted',
    `room_parted for ${room}`,
  );
  if (answer.error !== undefined) return ctx.fail(`room_parted for ${room}`, `error ${answer.error}`);
  return answer.ok;
}

export type RoomEntry = V2PacketOf<'room_list'>['rooms'][number];

/** `rooms`; returns every part of room_list joined (7.15). */
export async function listRooms(ctx: CaseContext, v2: V2Session): Promise<RoomEntry[]> {
  const isList = (p: V2ServerPacket): p is V2PacketOf<'room_list'> => p.type === 'room_list';
  const first = await ask(ctx, v2, { type: 'rooms' }, isList, 'room_list');
  if (first.error !== undefined) return ctx.fail('room_list', `error ${first.error}`);
  const entries = [...first.ok.rooms];
  for (let part = first.ok; part.more; ) {
    const { packet } = await ctx.attempt('the rest of room_list', 'after rooms', () =>
      v2.until(isList, 'a room_list part'),
    );
    if (packet.type !== 'room_list') break;
    entries.push(...packet.rooms);
    part = packet;
  }
  return entries;
}

/**
 * Expects the non-fatal error `code` in answer to what `v2` just sent (7.15: to the sender only,
 * and nothing else happens), skipping nothing the answer could be mistaken for.
 */
export async function expectRoomError(
  ctx: CaseContext,
  v2: V2Session,
  packet: Record<string, unknown>,
  code: string,
): Promise<void> {
  const what = JSON.stringify(packet);
  const answered = (p: V2ServerPacket) =>
    p.type === 'error' ||
    p.type === 'room_joined' ||
    p.type === 'room_parted' ||
    p.type === 'topic_changed' ||
    p.type === 'user_list' ||
    p.type === 'export_reply' ||
    ((p.type === 'message' || p.type === 'action') && p.from === v2.name);
  for (let tries = 0; ; tries++) {
    v2.send(packet);
    const { packet: got } = await ctx.attempt(`error ${code} (not fatal)`, `after ${what}`, () =>
      v2.until(answered, `the answer to ${what}`),
    );
    if (got.type === 'error' && got.code === 'RATE_LIMITED' && !got.fatal && tries < 6) {
      await pause(250 * (tries + 1));
      continue;
    }
    if (got.type !== 'error') return ctx.fail(`error ${code}`, `${what} was answered with ${got.type}`);
    if (got.code !== code) return ctx.fail(`error ${code}`, `error ${got.code} after ${what}`);
    if (got.fatal) return ctx.fail(`error ${code} with fatal: false`, `${code} came with fatal: true`);
    return;
  }
}

/**
 * `from` says a marker in `room` (undefined: without a room field, so #lobby); returns, per
 * receiver (members of that room), every packet it got before the marker.
 */
export async function roomBarrier(
  ctx: CaseContext,
  from: V2Session,
  room: string | undefined,
  receivers: readonly V2Session[],
): Promise<V2ServerPacket[][]> {
  const marker = ctx.line(`marker ${tag()}`);
  from.send(room === undefined ? { type: 'say', text: marker } : { type: 'say', room, text: marker });
  return Promise.all(
    receivers.map(async (r) => {
      const { skipped } = await ctx.attempt(
        `the marker line "${marker}"${room ? ` in ${room}` : ''}`,
        `waiting at ${r.conn.label}`,
        () => r.until((p) => p.type === 'message' && p.text === marker, `the marker line at ${r.conn.label}`),
      );
      return skipped;
    }),
  );
}

/** The lines (message or action) with `text` among `ps`. */
export function linesWith(ps: readonly V2ServerPacket[], text: string): V2ServerPacket[] {
  return ps.filter((p) => (p.type === 'message' || p.type === 'action') && p.text === text);
}

/** A packet in short, for findings. */
export function show(p: V2ServerPacket | undefined): string {
  return p === undefined ? 'nothing' : JSON.stringify(p).slice(0, 200);
}

/** The room a packet names, `#lobby` when it names none (7.15). */
export function roomOf(p: V2ServerPacket): string {
  return 'room' in p && typeof p.room === 'string' ? p.room : LOBBY;
}
