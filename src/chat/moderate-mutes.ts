/**
 * The operators' mutes (spec 7.18 Mute, Unmute, Who is told), decided for the room: `mute`,
 * `unmute` and `mutes`, once moderate.ts has found that an operator asks.
 *
 * How this works: a mute names one target (a member by name, which stands for its key when keyed
 * and else its address hash, or a key, or an address hash) and an optional room; the moderation
 * state (moderation.ts) holds it with an id. `unmute` by id lifts that one mute, so a mute whose
 * member has left can still be lifted; `unmute` by name lifts every mute that covers the member
 * now, key and address alike, so that the answer is true: a `moderated` unmute means something
 * was lifted, and nothing to lift is NO_SUCH_MUTE. Who is told is one rule for both (7.18 Who is
 * told): the operator, every joined member the mute covers, and those who would have heard the
 * muted words (the room's members for a room mute, the covered members' roommates for a
 * server-wide one); a connection without `rooms` hears of a room mute only when it is `#lobby`'s.
 */
import type { ParleyError } from '../errors.js';
import { logText } from '../text/untrusted-text.js';
import type { ChatRoom } from './chat-room.js';
import { covers, type Moderation, type MuteEntry, type Target, targetOf } from './moderation.js';
import type { ModeratedNews, Room, RoomDecision, RoomModerationRequest } from './room.js';
import { muteKey } from './room-set.js';

export type MuteRequest = Extract<RoomModerationRequest, { kind: 'mute' | 'unmute' | 'mutes' }>;

/** What moderate.ts hands over: who asks, and how a refusal and a log line are made. */
export interface MuteAsker<Id> {
  readonly by: Id;
  /** The operator's name, as `moderated.by` shows it. */
  readonly opName: string;
  /** The operator's full fingerprint (7.18: kept with the mute, shown in mute_list). */
  readonly operator: string;
  readonly line: (what: string) => string;
  readonly notice: (
    code: 'NO_SUCH_USER' | 'NO_SUCH_ROOM' | 'NO_SUCH_MUTE' | 'RATE_LIMITED' | 'ROOM_INVALID',
    message: string,
  ) => RoomDecision<Id> & { readonly error: ParleyError };
}

/** The joined members a target covers, in join order (7.18). */
function coveredBy<Id>(room: Room<Id>, target: Target): Id[] {
  const out: Id[] = [];
  for (const id of room.members()) {
    const facts = room.factsOf(id);
    if (facts && covers(target, facts)) out.push(id);
  }
  return out;
}

/** The room a mute entry is scoped to, while it exists (room mutes end with their room). */
function scopeOf<Id>(room: Room<Id>, entry: MuteEntry): ChatRoom<Id> | undefined {
  if (entry.room === undefined) return undefined;
  const verdict = room.rooms.check(entry.room);
  return verdict.ok ? room.rooms.find(verdict.keys) : undefined;
}

/**
 * 7.18 Who is told, for one mute made or lifted: the members it covers and those who would have
 * heard their words, added to `into`. A connection without `rooms` only for a server-wide mute
 * or one of `#lobby`, its one room.
 */
function tell<Id>(room: Room<Id>, entry: MuteEntry, into: Set<Id>): Id[] {
  const covered = coveredBy(room, entry);
  const scope = scopeOf(room, entry);
  // A covered member without rooms hears of a room mute only as a member of `#lobby` (below).
  const reads = (id: Id) => entry.room === undefined || room.speaksRooms(id);
  for (const id of covered) {
    if (!reads(id)) continue;
    into.add(id);
    if (scope === undefined) for (const mate of room.roommatesOf(id)) into.add(mate);
  }
  // Every member of a room other than `#lobby` agreed rooms (7.15), so the room's members all read it.
  for (const id of scope?.members ?? []) into.add(id);
  return covered;
}

export function moderateMutes<Id>(
  room: Room<Id>,
  moderation: Moderation,
  asker: MuteAsker<Id>,
  request: MuteRequest,
  now: number,
): RoomDecision<Id> {
  const { by, opName, line, notice } = asker;
  if (request.kind === 'mutes')
    return { kind: 'mute-list', by, mutes: moderation.muteList(now), log: line('mutes') };

  /** A joined member by name, with its facts. */
  const member = (name: string) => {
    const id = room.idOf(name);
    const facts = id === undefined ? undefined : room.factsOf(id);
    return id === undefined || !facts ? null : { id, name: room.nameOf(id)!, facts };
  };
  const noSuchUser = (name: string) => notice('NO_SUCH_USER', `nobody called "${name}" is here`);
  /**
   * The news of mutes made or lifted, to whom 7.18 says (the dialect adds the operator); the
   * operator alone when none covers a joined member, even a room mute's room being there.
   */
  const decide = (entries: readonly MuteEntry[], announce: ModeratedNews, log: string): RoomDecision<Id> => {
    const among = new Set<Id>();
    let covering = false;
    for (const entry of entries) if (tell(room, entry, among).length > 0) covering = true;
    if (!covering) return { kind: 'moderated', by, to: 'operator', announce, log };
    return { kind: 'moderated', by, to: 'all', announce, among, log };
  };
  const where = (name: string | undefined) => (name === undefined ? 'server-wide' : `in ${logText(name)}`);

  if (request.kind === 'mute') {
    let target: Target | null;
    let name: string | undefined;
    if (request.name !== undefined) {
      const m = member(request.name);
      if (!m) return noSuchUser(request.name);
      target = targetOf(m.facts);
      name = m.name;
      if (!target) return notice('NO_SUCH_USER', `"${m.name}" has no key and no known address to mute`);
    } else if (request.key !== undefined) target = { kind: 'key', target: request.key };
    else target = { kind: 'addr', target: request.addr! };
    let scope: ChatRoom<Id> | undefined;
    if (request.room !== undefined) {
      const verdict = room.rooms.check(request.room);
      if (!verdict.ok) return notice('ROOM_INVALID', `"${request.room}" is not a room name (7.15)`);
      // 7.18: a room nobody is in has nothing to mute, and its mutes would end at once.
      scope = room.rooms.find(verdict.keys);
      if (!scope) return notice('NO_SUCH_ROOM', `there is no room "${request.room}" (nobody is in it)`);
    }
    const entry = moderation.mute(
      target,
      scope ? { key: muteKey(scope), name: scope.name } : null,
      request.duration,
      now,
      { by: asker.operator, name, reason: request.reason },
    );
    if (!entry) return notice('RATE_LIMITED', 'the mute list is full: lift a mute first (maxMutes, 11)');
    const first = coveredBy(room, entry)[0];
    const shown = name ?? (first === undefined ? entry.target : room.nameOf(first)!);
    const announce: ModeratedNews = {
      action: 'mute',
      target: shown,
      by: opName,
      // The room's recorded spelling (7.15, 7.18 moderated); fields left undefined are absent on
      // the wire (JSON leaves them out).
      room: scope?.name,
      duration: request.duration,
      reason: request.reason,
      ts: now,
    };
    // 7.18 Logging: which mute, where it holds, and for how long.
    const why = request.reason === undefined ? '' : ` reason ${logText(request.reason)}`;
    const log = line(
      `mute ${entry.id} ${entry.kind} ${logText(shown)} ${where(scope?.name)} for ${request.duration} s${why}`,
    );
    return decide([entry], announce, log);
  }

  // unmute: by id, or every mute that covers a joined member (7.18 Unmute).
  let lifted: MuteEntry[];
  let shown: string;
  let scopeName: string | undefined;
  if (request.mute !== undefined) {
    const entry = moderation.unmuteId(request.mute, now);
    if (!entry) return notice('NO_SUCH_MUTE', `no mute in force has the id ${request.mute}`);
    lifted = [entry];
    const first = coveredBy(room, entry)[0];
    shown = entry.name ?? (first === undefined ? entry.target : room.nameOf(first)!);
    scopeName = entry.room;
  } else {
    const m = member(request.name!);
    if (!m) return noSuchUser(request.name!);
    let roomKey: string | undefined;
    if (request.room !== undefined) {
      const key = room.roomKeyOf(request.room);
      if (key === null) return notice('ROOM_INVALID', `"${request.room}" is not a room name (7.15)`);
      roomKey = key;
    }
    lifted = moderation.unmuteCovering(m.facts, roomKey, now);
    if (lifted.length === 0) {
      // Said truthfully (7.18): nothing was lifted, and a server-wide mute a room's unmute leaves
      // (without a room every mute covering the member was just lifted, so none is left).
      const wide = moderation.muted(m.facts, now);
      const there = request.room === undefined ? '' : ` in ${request.room}`;
      const rest = wide ? ' (a server-wide mute does: unmute without a room lifts it)' : '';
      return notice('NO_SUCH_MUTE', `no mute covers "${m.name}"${there}${rest}`);
    }
    shown = m.name;
    // Lifted with a room: every one was of that room, and carries its recorded spelling (7.15).
    scopeName = roomKey === undefined ? undefined : lifted[0].room;
  }
  const announce: ModeratedNews = {
    action: 'unmute',
    target: shown,
    by: opName,
    room: scopeName,
    ts: now,
  };
  const ids = lifted.map((e) => e.id).join(',');
  return decide(lifted, announce, line(`unmute ${logText(shown)} ${where(scopeName)} lifted ${ids}`));
}
