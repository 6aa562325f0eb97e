/**
 * Keys and moderation in the view (spec 7.16-7.18): who is keyed or an operator (marks in the user
 * list and /users, facts in /whois), whether the server took this client's own key, the
 * operators' actions as room lines, and the ban list. Functions over the view context.
 *
 * How this works: the session reports the marks whole after each change (`member-keys`), so the
 * view only copies them. A mark is `@` for an operator and `+` for any other keyed member, before
 * the name as IRC marks its operators; an anonymous member has none. Every moderation news line
 * names the operator and the target, so the room sees who acted, as 7.18 wants; a mute aimed at
 * this client is a warning, so the user knows why its lines will be refused (MUTED).
 */
import type { BanEntry, KeyMark, MuteEntry, SessionEvent } from '../../src/client/index.js';
import { durationText } from './moderation-commands.js';
import { addLine, systemLine, warningLine } from './scrollback.js';
import { formatDateTime, isSameName, nameRulesOf, sanitize } from './text.js';
import type { ViewContext, ViewState } from './view-types.js';

/** `@` operator, `+` keyed, `` anonymous (or a server without client keys). */
export function keyMarkOf(s: Readonly<ViewState>, name: string): string {
  const mark = s.keys.get(name);
  return mark ? (mark.op ? '@' : '+') : '';
}

/** The marks changed. */
export function applyMemberKeys(
  ctx: ViewContext,
  event: Extract<SessionEvent, { kind: 'member-keys' }>,
): void {
  ctx.state.keys = new Map(event.marks);
}

/** Joined: say whether the server recorded this client's key (7.16), and whether it is an operator's. */
export function ownKeyOnJoin(ctx: ViewContext, mark: KeyMark | undefined): void {
  if (mark) systemLine(ctx, `your key is known here as ${mark.key}${mark.op ? ': you are an operator' : ''}`);
  else if (ctx.state.ownKey)
    warningLine(ctx, 'this server did not take your key (it offers no client keys): you are anonymous here');
}

/** The /whois facts of 7.16 and 7.18, appended to the 7.13 line. */
export function whoisKeyText(about: {
  fingerprint?: string;
  op?: boolean;
  addr?: string;
  address?: string;
}): string {
  const key = about.fingerprint ? `, keyed ${about.fingerprint}` : ', no key (anonymous)';
  const op = about.op ? ', operator' : '';
  const addr = about.addr ? `, addr:${about.addr}` : '';
  const address = about.address ? ` (${sanitize(about.address)})` : '';
  return `${key}${op}${addr}${address}`;
}

type Moderated = Extract<SessionEvent, { kind: 'moderated' }>;

function forHowLong(duration: number | undefined): string {
  return duration === undefined ? '' : duration === 0 ? ' (no end)' : ` for ${durationText(duration)}`;
}

/** An operator acted: one line for the room, `-!- op kicked bob (spam)`. */
export function moderatedLine(ctx: ViewContext, e: Moderated): void {
  const s = ctx.state;
  const target = e.target ?? '';
  const where = e.room ? ` in ${e.room}` : '';
  const why = e.reason ? ` (${e.reason})` : '';
  let text: string;
  switch (e.action) {
    case 'kick':
      text = ` kicked ${target}${why}`;
      break;
    case 'ban':
      text = ` banned ${target}${forHowLong(e.duration)}${why}`;
      break;
    case 'unban':
      text = ` lifted the ban on ${target}`;
      break;
    case 'mute':
      text = ` muted ${target}${where}${forHowLong(e.duration)}${why}`;
      break;
    case 'unmute':
      text = ` unmuted ${target}${where}`;
      break;
    default:
      text = e.text ? ` set the message of the day: ${e.text}` : ' cleared the message of the day';
  }
  addLine(ctx, { kind: 'join', from: e.by, text, ts: e.ts });
  const me = s.me !== null && isSameName(nameRulesOf(s.status.resolved), target, s.me);
  if (me && e.action === 'mute')
    warningLine(
      ctx,
      `you are muted${where}${forHowLong(e.duration)}: what you say is not delivered (/msg still is)`,
    );
  if (me && e.action === 'unmute') systemLine(ctx, `you may speak again${where}`);
}

/** The answer to /bans, one line per ban, oldest first. */
export function banListLines(ctx: ViewContext, bans: readonly BanEntry[]): void {
  ctx.state.banIds = bans.map((b) => b.id);
  listLines(ctx, bans, 'ban', '/unban ID');
}

/** The answer to /mutes, one line per mute, oldest first. */
export function muteListLines(ctx: ViewContext, mutes: readonly MuteEntry[]): void {
  listLines(ctx, mutes, 'mute', '/unmute #ID');
}

/** `2 bans in force (...)`, then `#ID target (name) in #room, until, by op: reason` per entry. */
function listLines(
  ctx: ViewContext,
  entries: readonly (BanEntry | MuteEntry)[],
  noun: 'ban' | 'mute',
  lift: string,
): void {
  if (entries.length === 0) {
    systemLine(ctx, `no ${noun}s in force`);
    return;
  }
  systemLine(
    ctx,
    `${entries.length} ${noun}${entries.length === 1 ? '' : 's'} in force (${lift} lifts one):`,
  );
  for (const e of entries) {
    const target = e.kind === 'addr' ? `addr:${e.target}` : e.target;
    const name = e.name ? ` (${sanitize(e.name)})` : '';
    const where = 'room' in e && e.room ? ` in ${sanitize(e.room)}` : '';
    const until = e.until === 0 ? 'no end' : `until ${formatDateTime(e.until)}`;
    const why = e.reason ? `: ${sanitize(e.reason)}` : '';
    systemLine(ctx, `  #${e.id} ${sanitize(target)}${name}${where}, ${until}, by ${sanitize(e.by)}${why}`);
  }
}
