/**
 * Away state in the view (spec 7.12, feature away): who is away and why, as the server told us
 * in `user_away`, kept by name. Pure helpers over the view state's `away` map; the user list
 * (/users) and the lines about going away and coming back read it; /whois (7.13) shows it too.
 */
import { formatTime, sanitize } from './text.js';

/** Records `name` away with `reason` ('' for none), or back; the text of the line to show. */
export function applyAway(away: Map<string, string>, name: string, isAway: boolean, reason?: string): string {
  if (!isAway) {
    away.delete(name);
    return ' is back';
  }
  away.set(name, reason ?? '');
  return reason ? ` is away: ${reason}` : ' is away';
}

/** A rename keeps the away state (7.12); a leave ends it. */
export function renameAway(away: Map<string, string>, from: string, to: string): void {
  const reason = away.get(from);
  if (reason === undefined) return;
  away.delete(from);
  away.set(to, reason);
}

/** One user for /users: the name, marked when away. */
export function listedName(away: ReadonlyMap<string, string>, name: string): string {
  const reason = away.get(name);
  if (reason === undefined) return sanitize(name);
  return reason ? `${sanitize(name)} (away: ${sanitize(reason)})` : `${sanitize(name)} (away)`;
}

/** `1h 2m`, `3m 4s`, `5s`: a duration for /whois. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** The /whois answer as one line (7.13): joined, idle, away. */
export function whoisText(
  about: { name: string; joined: number; idle: number; away: boolean; reason?: string },
  now: number,
): string {
  const since = `joined ${formatTime(about.joined)} (${duration(Math.max(0, now - about.joined))} ago)`;
  const away = about.away ? (about.reason ? `, away: ${sanitize(about.reason)}` : ', away') : '';
  return `${sanitize(about.name)}: ${since}, idle ${duration(about.idle)}${away}`;
}
