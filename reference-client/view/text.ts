/**
 * Small text helpers for untrusted network text: sanitising, timestamps, name comparison and
 * mentions, and stable nick colours. Shared by line formatting, the view model and the session.
 */

import { sameName } from '../../src/chat/name-rules.js';
import type { Profile } from '../../src/client/index.js';
import { LEGACY_NAME_RULES, type NameRules, V2_NAME_RULES } from '../../src/generated/constants.js';
import { displayText } from '../../src/text/untrusted-text.js';

/** A stable colour slot for a name (FNV-1a over its case-folded form), so alice is always blue. */
export function nickColour(name: string, paletteSize: number): number {
  let hash = 0x811c9dc5;
  for (const ch of name.normalize('NFC').toLowerCase()) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % paletteSize;
}

/**
 * Makes text from the network safe to print (src/text/untrusted-text.ts, the rule the server's
 * logs use too): control characters (terminal escape sequences), bidirectional overrides and other
 * format or invisible characters become U+FFFD, tabs spaces, line breaks `↵`.
 */
export const sanitize = displayText;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS`, local time. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS`, local time. */
export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatTime(ts)}`;
}

/** The timestamp in an export file name: `2026-11-27T14-05-09`, local time. */
export function exportStamp(ts: number): string {
  return formatDateTime(ts).replace(' ', 'T').replace(/:/g, '-');
}

/**
 * The server's name rules for a profile: a legacy server compares names exactly (spec 10.2), a v2
 * server by their UTS #39 keys (7.2). Before the profile is known, the v2 rules.
 */
export function nameRulesOf(profile: Profile | null): NameRules {
  return profile === 'legacy' ? LEGACY_NAME_RULES : V2_NAME_RULES;
}

/** Whether two names are one, by the rule the server uses (src/chat/name-rules.ts, one rule). */
export function isSameName(rules: NameRules, a: string, b: string | null): boolean {
  return b !== null && sameName(rules, a, b);
}

/** The text mentions `name` as a whole word. */
export function mentions(text: string, name: string | null): boolean {
  if (!name) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);
}
