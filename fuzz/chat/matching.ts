/**
 * Comparing one observation with one expectation: the per-packet rules (user lists as sets sorted
 * case-insensitively, export tails, legacy exports cut to fit a frame) and how expectations print.
 */
import { compareCodePoints, nameOrderKey, sameName } from '../../src/chat/name-rules.js';
import { LEGACY_EXPORT_HEADER, LEGACY_SERVER_NAME, V2_NAME_RULES } from '../../src/generated/constants.js';
import { pythonJsonString } from '../../src/legacy/python-json.js';
import type { Obs } from './observe.js';
import type { Expect } from './types.js';

/** Whether two v2 names are one name under the v2 name rules (7.2). */
export const sameV2 = (a: string, b: string): boolean => sameName(V2_NAME_RULES, a, b);

/** v2 user lists are sorted by the case-folded names (7.6). */
const orderV2 = (name: string): string => nameOrderKey(V2_NAME_RULES, name);

/** Whether observation `o` is what `w` expects. */
export function matches(w: Expect, o: Obs): boolean {
  switch (w.t) {
    case 'join_ok':
      return (
        o.t === 'join_ok' &&
        o.name === w.name &&
        sameSet(o.users, w.users) &&
        sortedCaseInsensitively(o.users)
      );
    case 'user_list':
      return o.t === 'user_list' && sameSet(o.users, w.users) && sortedCaseInsensitively(o.users);
    case 'join_error':
      return o.t === 'join_error' && o.code === w.code;
    case 'message':
    case 'action':
      return o.t === w.t && o.from === w.from && o.text === w.text;
    case 'private':
      return o.t === 'private' && o.from === w.from && o.to === w.to && o.text === w.text;
    case 'user_joined':
      return o.t === 'user_joined' && o.name === w.name;
    case 'user_left':
      return o.t === 'user_left' && o.name === w.name && o.reason === w.reason;
    case 'export': {
      if (o.t !== 'export') return false;
      const got = o.entries.map((e) => ({
        kind: e.kind,
        from: e.from,
        text: e.kind === 'message' || e.kind === 'action' ? e.text : '',
      }));
      const tail = w.exact ? got : got.slice(Math.max(0, got.length - w.entries.length));
      return JSON.stringify(tail) === JSON.stringify(w.entries);
    }
    case 'error':
      return o.t === 'error' && o.code === w.code && !o.fatal;
    case 'fatal':
      return o.t === 'error' && o.code === w.code && o.fatal;
    case 'closed':
      return o.t === 'closed';
    case 'refused':
      return o.t === 'refused' && o.code === w.code;
    case 'approved_conn':
    case 'username_taken':
      return o.t === w.t;
    case 'list':
      return o.t === 'list' && o.typ === w.typ && sameSet(o.names, w.names);
    case 'default':
      return o.t === 'default' && o.from === w.from && o.cont === w.cont;
    case 'notice':
      return o.t === 'default' && o.from === LEGACY_SERVER_NAME && o.cont.includes(w.code);
    case 'backlog':
      return o.t === 'backlog' && JSON.stringify(o.entries) === JSON.stringify(w.entries);
    case 'user_renamed':
      return o.t === 'user_renamed' && o.from === w.from && o.to === w.to;
    case 'user_away':
      return o.t === 'user_away' && o.name === w.name && o.away === w.away && o.reason === w.reason;
    case 'whois_reply':
      return (
        o.t === 'whois_reply' &&
        o.name === w.name &&
        o.joined === w.joined &&
        o.idle === w.idle &&
        o.away === w.away &&
        o.reason === w.reason
      );
    case 'legacy_export':
      return o.t === 'legacy_export' && legacyExportMatches(o.cont, w.lines, w.exact, w.maxFrame);
  }
}

/** The export text (10.5): the header, then one line per chat line, each ending in a newline. */
export function legacyExportText(lines: readonly string[]): string {
  return [LEGACY_EXPORT_HEADER, ...lines].map((l) => `${l}\n`).join('');
}

/**
 * The bytes a legacy frame needs for an export of `text`: Python's json.dumps escapes each
 * character into 1 to 6, the other fields take under 200, and base64 adds a third (9.1).
 */
function legacyExportFrameBytes(text: string): number {
  return Math.ceil(((pythonJsonString(text).length + 200) * 4) / 3);
}

/**
 * A legacy export is the whole log (10.5). It must fit one frame, so the oldest lines may be left
 * out, but only when the log with one line more would not fit (with 1 KiB of slack). On a shared
 * server (`exact` false) the run's own lines are the tail of what the server keeps.
 */
function legacyExportMatches(
  cont: string,
  lines: readonly string[],
  exact: boolean,
  maxFrame: number,
): boolean {
  for (let kept = lines.length; kept >= 0; kept--) {
    const text = legacyExportText(lines.slice(lines.length - kept));
    const body = text.slice(LEGACY_EXPORT_HEADER.length + 1);
    const same = exact
      ? cont === text || cont === text.slice(0, -1)
      : cont.startsWith(`${LEGACY_EXPORT_HEADER}\n`) && (cont.endsWith(body) || `${cont}\n`.endsWith(body));
    if (!same) continue;
    if (kept === lines.length) return true;
    const oneMore = legacyExportText(lines.slice(lines.length - kept - 1));
    return legacyExportFrameBytes(oneMore) > maxFrame - 1024;
  }
  return false;
}

function sameSet(a: readonly (string | null)[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

/**
 * "Sorted case-insensitively" (7.6): by the folded names in code unit order, or by a
 * case-insensitive collation; the spec does not say which, so either passes.
 */
function sortedCaseInsensitively(names: readonly string[]): boolean {
  const byFold = [...names].sort((a, b) => compareCodePoints(orderV2(a), orderV2(b)));
  const byLocale = [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const fold = (list: readonly string[]) => list.map(orderV2).join('\u0000');
  return fold(names) === fold(byFold) || fold(names) === fold(byLocale);
}

export function describeExpect(e: Expect): string {
  const { t, ...rest } = e as Expect & Record<string, unknown>;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return fields ? `${t}(${fields})` : t;
}
