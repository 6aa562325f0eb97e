/**
 * The operator commands (spec 7.18, feature moderation) and /key (7.16), read from a typed line:
 * /kick /ban /unban /bans /mute /unmute /mutes /motd, each into the request the server takes. Pure.
 *
 * How this works: commands.ts hands the command word and its arguments here. A duration is
 * `0` (no end: until /unban or /unmute, or the server stops), `forever`, or a number with an
 * optional unit s, m, h or d (no unit: seconds), at most 365 days (the packet table's bound). A
 * reason is one line: what the server would refuse as PACKET_MALFORMED (a control character,
 * 7.1) becomes a space here, and one longer than the table allows is refused before sending, so
 * a typo never costs the connection.
 */
import type { ModerationRequest } from '../../src/session/v2-client-connection.js';

/** The longest reason the packet table allows (kick, ban, mute). */
export const MAX_REASON = 256;
/** The longest motd text the packet table allows. */
export const MAX_MOTD = 512;
/** The packet table's bound on `duration`: 365 days in seconds. */
export const MAX_DURATION_S = 31_536_000;

export const MODERATION_COMMANDS = [
  'kick',
  'ban',
  'unban',
  'bans',
  'mute',
  'unmute',
  'mutes',
  'motd',
] as const;
export type ModerationCommand = (typeof MODERATION_COMMANDS)[number];

export type ModerationParse =
  | { readonly kind: 'moderate'; readonly request: ModerationRequest }
  | { readonly kind: 'bad'; readonly why: string };

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `10m`, `2h`, `7d`, `0`, `forever` in seconds; null when `word` is not a duration. */
export function parseDuration(word: string): number | null {
  if (/^(forever|permanent)$/i.test(word)) return 0;
  const m = /^(\d{1,9})([smhd]?)$/i.exec(word);
  if (!m) return null;
  const seconds = Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()];
  return seconds <= MAX_DURATION_S ? seconds : null;
}

/** `10m`, `2h 30m`, `no end`: a duration for people. */
export function durationText(seconds: number): string {
  if (seconds === 0) return 'no end';
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

/** A reason as one line (7.1): controls become spaces. Null when too long to send. */
function oneLine(text: string, max: number): string | null {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim();
  return [...line].length <= max ? line : null;
}

function withReason<T extends object>(request: T, reason: string): T | null {
  if (reason === '') return request;
  const line = oneLine(reason, MAX_REASON);
  return line === null ? null : { ...request, reason: line };
}

const TOO_LONG = `the reason is longer than ${MAX_REASON} characters`;

/** Reads `/command args` of an operator command into its request, or says what is wrong. */
export function parseModeration(command: ModerationCommand, args: string): ModerationParse {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const restAfter = (n: number) => args.replace(new RegExp(`^(\\s*\\S+){${n}}\\s*`), '');
  switch (command) {
    case 'bans':
      return words.length === 0 ? ok({ type: 'bans' }) : bad('/bans takes nothing');
    case 'mutes':
      return words.length === 0 ? ok({ type: 'mutes' }) : bad('/mutes takes nothing');
    case 'unban': {
      const id = /^#?(\d{1,15})$/.exec(args.trim());
      return id && Number(id[1]) >= 1 ? ok({ type: 'unban', ban: Number(id[1]) }) : bad('usage');
    }
    case 'motd': {
      if (args.trim() === '') return bad('usage');
      const text = args.trim() === '-' ? '' : oneLine(args, MAX_MOTD);
      return text === null
        ? bad(`the text is longer than ${MAX_MOTD} characters`)
        : ok({ type: 'motd', text });
    }
    case 'kick': {
      if (words.length === 0) return bad('usage');
      const request = withReason({ type: 'kick' as const, name: words[0] }, restAfter(1));
      return request ? ok(request) : bad(TOO_LONG);
    }
    case 'unmute': {
      // `/unmute #ID` lifts one mute by its id (/mutes lists them); `/unmute NAME [#ROOM]` every
      // mute that covers the member (7.18).
      const id = /^#(\d{1,15})$/.exec(args.trim());
      if (id) return Number(id[1]) >= 1 ? ok({ type: 'unmute', mute: Number(id[1]) }) : bad('usage');
      if (words.length === 0 || words.length > 2 || (words[1] && !words[1].startsWith('#')))
        return bad('usage');
      return ok({ type: 'unmute', name: words[0], ...(words[1] ? { room: words[1] } : {}) });
    }
    case 'mute': {
      if (words.length === 0) return bad('usage');
      const target = banTarget(words[0]);
      if (!target) return bad('a mute names a member, a key (SHA256:...) or an address hash (addr:...)');
      let used = 1;
      const room = words[1]?.startsWith('#') ? words[used++] : undefined;
      const scoped = { ...target, ...(room ? { room } : {}) };
      const duration = words[used] === undefined ? null : parseDuration(words[used]);
      if (duration !== null) used++;
      const request = withReason(
        { type: 'mute' as const, ...scoped, duration: duration ?? 0 },
        restAfter(used),
      );
      return request ? ok(request) : bad(TOO_LONG);
    }
    case 'ban': {
      if (words.length === 0) return bad('usage');
      const target = banTarget(words[0]);
      if (!target) return bad('a ban names a member, a key (SHA256:...) or an address hash (addr:...)');
      const duration = words[1] === undefined ? null : parseDuration(words[1]);
      const request = withReason(
        { type: 'ban' as const, ...target, duration: duration ?? 0 },
        restAfter(duration === null ? 1 : 2),
      );
      return request ? ok(request) : bad(TOO_LONG);
    }
  }
}

/** A ban's or mute's target: NAME, `SHA256:` and 43 base64 characters (a key), or `addr:` and 12 (an address hash, 7.18). */
function banTarget(word: string): { name: string } | { key: string } | { addr: string } | null {
  if (/^SHA256:/i.test(word)) return /^SHA256:[A-Za-z0-9+/]{43}$/.test(word) ? { key: word } : null;
  if (/^addr:/i.test(word)) {
    const addr = word.slice(5);
    return /^[A-Za-z0-9+/]{12}$/.test(addr) ? { addr } : null;
  }
  return { name: word };
}

function ok(request: ModerationRequest): ModerationParse {
  return { kind: 'moderate', request };
}

function bad(why: string): ModerationParse {
  return { kind: 'bad', why };
}
