/**
 * The operators' requests (spec 7.18, feature moderation), decided for the room.
 *
 * How this works: the room (room.ts) hands each moderation request here with its moderation
 * state (moderation.ts). A member whose key is not an operator's gets NOT_OPERATOR and nothing
 * changes. Otherwise the target is found by the room's name comparison (7.2) and the request
 * becomes a decision: `removed` for a kick or a ban that hits joined members (the server ends
 * their connections), `moderated` for what is only announced, `ban-list` for `bans`. Every
 * decision carries the log line, with the operator's full fingerprint (7.18). Mutes are decided
 * in moderate-mutes.ts.
 */
import { parleyError } from '../errors.js';
import { logText } from '../text/untrusted-text.js';
import { moderateMutes } from './moderate-mutes.js';
import { covers, type Moderation, type Target, targetOf } from './moderation.js';
import type { ModeratedNews, Room, RoomDecision, RoomModerationRequest } from './room.js';

/** `reason` as the optional field of a packet. */
const withReason = (reason: string | undefined) => (reason === undefined ? {} : { reason });

export function moderate<Id>(
  room: Room<Id>,
  moderation: Moderation | undefined,
  by: Id,
  request: RoomModerationRequest,
  now: number,
): RoomDecision<Id> {
  const facts = room.factsOf(by);
  const operator = facts?.fingerprint ?? 'anonymous';
  const opName = room.nameOf(by) ?? '';
  const line = (what: string) => `moderation: ${operator} (${logText(opName)}) ${what}`;
  const notice = (
    code:
      | 'NOT_OPERATOR'
      | 'NO_SUCH_USER'
      | 'NO_SUCH_BAN'
      | 'NO_SUCH_MUTE'
      | 'NO_SUCH_ROOM'
      | 'RATE_LIMITED'
      | 'ROOM_INVALID',
    message: string,
  ) =>
    ({
      kind: 'notice',
      by,
      error: parleyError(code, message),
      log: line(`${request.kind} refused: ${code}`),
    }) as const;
  if (!moderation || !facts?.op) return notice('NOT_OPERATOR', 'only an operator may do that (7.18)');

  /** A joined member by name, with its facts. */
  const member = (name: string) => {
    const id = room.idOf(name);
    const f = id === undefined ? undefined : room.factsOf(id);
    return id === undefined || !f ? null : { id, name: room.nameOf(id)!, facts: f };
  };
  const why = (reason: string | undefined) => (reason === undefined ? '' : ` reason ${logText(reason)}`);

  switch (request.kind) {
    case 'kick': {
      const target = member(request.name);
      if (!target) return notice('NO_SUCH_USER', `nobody called "${request.name}" is here`);
      const announce: ModeratedNews = {
        action: 'kick',
        target: target.name,
        by: opName,
        ...withReason(request.reason),
        ts: now,
      };
      const message = `${opName} kicked you${request.reason ? `: ${request.reason}` : ''}`;
      return {
        kind: 'removed',
        by,
        targets: [target.id],
        error: parleyError('KICKED', message),
        reason: 'kicked',
        announce,
        among: room.roommatesOf(target.id),
        log: line(`kick ${logText(target.name)}${why(request.reason)}`),
      };
    }
    case 'ban': {
      let target: Target | null;
      let name: string | undefined;
      if (request.name !== undefined) {
        const m = member(request.name);
        if (!m) return notice('NO_SUCH_USER', `nobody called "${request.name}" is here`);
        target = targetOf(m.facts);
        name = m.name;
        if (!target) return notice('NO_SUCH_USER', `"${m.name}" has no key and no known address to ban`);
      } else if (request.key !== undefined) target = { kind: 'key', target: request.key };
      else target = { kind: 'addr', target: request.addr! };
      const ban = moderation.ban(target, operator, request.duration, now, { name, reason: request.reason });
      if (!ban) return notice('RATE_LIMITED', 'the ban list is full: lift a ban first (maxBans, 11)');
      const hit: Id[] = [];
      for (const id of room.members()) {
        const f = room.factsOf(id);
        if (f && covers(target, f)) hit.push(id);
      }
      const shown = name ?? (hit.length > 0 ? room.nameOf(hit[0])! : ban.target);
      const announce: ModeratedNews = {
        action: 'ban',
        target: shown,
        by: opName,
        duration: request.duration,
        ...withReason(request.reason),
        ts: now,
      };
      const log = line(
        `ban ${ban.id} ${ban.kind} ${logText(shown)} for ${request.duration} s${why(request.reason)}`,
      );
      if (hit.length === 0) return { kind: 'moderated', by, to: 'operator', announce, log };
      const message = `${opName} banned you${request.reason ? `: ${request.reason}` : ''}`;
      const among = new Set<Id>();
      for (const id of hit) for (const m of room.roommatesOf(id)) among.add(m);
      return {
        kind: 'removed',
        by,
        targets: hit,
        error: parleyError('BANNED', message),
        reason: 'banned',
        announce,
        among,
        log,
      };
    }
    case 'unban': {
      const ban = moderation.unban(request.ban, now);
      if (!ban) return notice('NO_SUCH_BAN', `no ban in force has the id ${request.ban}`);
      const target = ban.name ?? ban.target;
      const announce: ModeratedNews = { action: 'unban', target, by: opName, ts: now };
      return {
        kind: 'moderated',
        by,
        to: 'operator',
        announce,
        log: line(`unban ${ban.id} ${logText(target)}`),
      };
    }
    case 'bans':
      return { kind: 'ban-list', by, bans: moderation.list(now), log: line('bans') };
    case 'mute':
    case 'unmute':
    case 'mutes':
      return moderateMutes(room, moderation, { by, opName, operator, line, notice }, request, now);
    case 'motd': {
      moderation.motd = request.text;
      const announce: ModeratedNews = { action: 'motd', by: opName, text: request.text, ts: now };
      return { kind: 'moderated', by, to: 'all', announce, log: line(`motd ${logText(request.text)}`) };
    }
  }
}
