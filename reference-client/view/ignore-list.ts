/**
 * /ignore and /unignore (irssi's habit): names whose lines this client hides. Functions over the
 * view state's `ignored` map (name as the user typed it, or as the server last renamed it, to
 * its level); the app saves the list in config.json (`ignore`) through the `save-ignore` effect.
 *
 * How this works: level `chat` hides a name's chat lines, actions and private messages (and so
 * they never ring the bell or count as unread); level `all` hides its joins, leaves, renames and
 * away changes too. Names compare under the server's name rules (text.ts isSameName: by their
 * UTS #39 keys on a v2 server, 7.2; exactly on a legacy one, 10.2), and a rename the server
 * announces (user_renamed, 7.11) moves the entry to the new name, so an ignored member cannot
 * shake it off with /nick. Nothing is sent to the server: ignoring is this client's own choice,
 * invisible to the others.
 */

import { errorLine, systemLine } from './scrollback.js';
import { isSameName, nameRulesOf, sanitize } from './text.js';
import type { Effect, IgnoreLevel, ViewContext, ViewState } from './view-types.js';

/** The most names kept: the list is saved with every change, and read at every start. */
export const MAX_IGNORED = 500;

/** The entry in the list that is `name` under the server's rules, if any. */
function entryOf(s: Readonly<ViewState>, name: string): string | undefined {
  const rules = nameRulesOf(s.status.resolved);
  for (const key of s.ignored.keys()) if (isSameName(rules, key, name)) return key;
  return undefined;
}

/**
 * Whether to hide what `name` did: `chat` for lines, actions and private messages, `presence`
 * for joins, leaves, renames and away changes (hidden only at level `all`).
 */
export function isIgnored(
  s: Readonly<ViewState>,
  name: string | undefined,
  what: 'chat' | 'presence',
): boolean {
  if (name === undefined || s.ignored.size === 0) return false;
  const key = entryOf(s, name);
  if (key === undefined) return false;
  return what === 'chat' || s.ignored.get(key) === 'all';
}

/** The ignored list as one line (`/ignore` alone). */
export function ignoredText(s: Readonly<ViewState>): string {
  if (s.ignored.size === 0)
    return 'ignoring nobody; /ignore NAME [all] hides what NAME says ("all": joins and leaves too)';
  const names = [...s.ignored].map(([name, level]) =>
    level === 'all' ? `${sanitize(name)} (all)` : sanitize(name),
  );
  return `ignoring ${names.join(', ')}; /unignore NAME to see them again`;
}

function saved(s: Readonly<ViewState>): Effect {
  return { kind: 'save-ignore', ignore: Object.fromEntries(s.ignored) };
}

/** `/ignore`, or `/ignore NAME [all]`. */
export function ignoreCommand(ctx: ViewContext, name: string | undefined, level: IgnoreLevel): Effect[] {
  const s = ctx.state;
  if (name === undefined) {
    systemLine(ctx, ignoredText(s));
    return [];
  }
  const rules = nameRulesOf(s.status.resolved);
  if (isSameName(rules, name, s.me ?? s.desiredName)) {
    errorLine(ctx, undefined, '/ignore: that is your own name');
    return [];
  }
  const key = entryOf(s, name);
  if (key === undefined && s.ignored.size >= MAX_IGNORED) {
    errorLine(ctx, undefined, `/ignore: the list is full (${MAX_IGNORED} names); /unignore some first`);
    return [];
  }
  if (key !== undefined) s.ignored.delete(key);
  s.ignored.set(name, level);
  const what =
    level === 'all'
      ? 'lines, actions, private messages, joins and leaves'
      : 'lines, actions and private messages';
  systemLine(
    ctx,
    `ignoring ${sanitize(name)}: their ${what} are hidden; /unignore ${sanitize(name)} to undo`,
  );
  return [saved(s)];
}

/** `/unignore NAME`. */
export function unignoreCommand(ctx: ViewContext, name: string): Effect[] {
  const s = ctx.state;
  const key = entryOf(s, name);
  if (key === undefined) {
    errorLine(ctx, undefined, `/unignore: ${sanitize(name)} is not ignored (/ignore lists who is)`);
    return [];
  }
  s.ignored.delete(key);
  systemLine(ctx, `no longer ignoring ${sanitize(key)}`);
  return [saved(s)];
}

/** A member was renamed (7.11): an ignored name stays ignored under its new name. */
export function renameIgnored(s: ViewState, from: string, to: string): Effect[] {
  const key = entryOf(s, from);
  if (key === undefined) return [];
  const level = s.ignored.get(key)!;
  s.ignored.delete(key);
  s.ignored.set(to, level);
  return [saved(s)];
}
