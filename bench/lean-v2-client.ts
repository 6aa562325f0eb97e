/**
 * The load generator's v2 client: the core's V2ClientConnection with a cheaper reader for the
 * packets a bench client receives by the hundred thousand.
 *
 * Why: every receiving client in the bench opens each record (AES-256-GCM, tag checked: every
 * delivery stays encrypted and authenticated), then parses each packet in it. The core parses with
 * JSON.parse and validates with the generated zod schema, about 1 µs per packet here, which made
 * the load generator, not the server, set the pace of a fan-out run (RESULTS.md). The IRC driver
 * reads an IRC line with a few indexOf calls; this does the same for a record's packets as the
 * reference server writes them: `message` (`{"type":"message","id":N,"from":"..","text":"..",
 * "ts":N}`), `user_joined` (`{"type":"user_joined","name":"..","ts":N}`, thousands per client
 * when the idle scenario fills a room), `user_left` (the handshake scenario's clients come and
 * go) and their compact batches, which the members of a large room get instead (7.6:
 * `{"type":"users_joined","names":["..",".."],"ts":N}`, and `users_left` with a reason). A record
 * with an escape anywhere goes whole through the core; any other packet goes through the core's
 * parser. A wrong reading cannot pass unnoticed: the fan-out checks every (sender, seq) arrives
 * exactly once and in order at every receiver, and the tests compare presence with the core's.
 * `--receiver full` runs the bench with the core's reader instead.
 */
import { userLeftSchema, type V2ServerPacket } from '../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../src/session/v2-client-connection.js';
import { hasAt } from './text-at.js';

const MESSAGE = '{"type":"message","id":';
const FROM = ',"from":"';
const TEXT = '","text":"';
const JOINED = '{"type":"user_joined","name":"';
const LEFT = '{"type":"user_left","name":"';
const REASON = '","reason":"';
const REASONS: ReadonlySet<string> = new Set(userLeftSchema.shape.reason.options);
const TS = '","ts":';
const JOINED_RUN = '{"type":"users_joined","names":["';
const LEFT_RUN = '{"type":"users_left","names":["';
const ARRAY_TS = ',"ts":';
const ARRAY_REASON = ',"reason":"';
const BACKSLASH = 0x5c;

/**
 * The names of a JSON array of strings whose first string starts at `at` (just after `["`), and
 * where the array ends; null if it is not one within `end`. Without escapes, a quote always ends
 * a string, and the string is followed by `,"` (another name) or `]`.
 */
function leanNames(s: string, at: number, end: number): { names: string[]; after: number } | null {
  const names: string[] = [];
  for (;;) {
    const close = s.indexOf('"', at);
    if (close === -1 || close + 1 >= end) return null;
    names.push(s.slice(at, close));
    if (hasAt(s, close, '","')) at = close + 3;
    else if (s.charCodeAt(close + 1) === 0x5d) return { names, after: close + 2 };
    else return null;
  }
}

/** The reason at `at` (just after `"reason":"`) if it is one the schema knows and `"ts":` follows. */
function leanReason(s: string, at: number, end: number): string | null {
  const close = s.indexOf('"', at);
  if (close === -1 || close >= end || !hasAt(s, close, TS)) return null;
  const reason = s.slice(at, close);
  return REASONS.has(reason) ? reason : null;
}

/** Where the last messageAt() found the `from` and `text` strings (no object per packet). */
const found = { fromStart: 0, fromEnd: 0, textStart: 0, textEnd: 0 };

/**
 * Whether the packet on `s` from `start` to `end` is a `message` in the reference server's layout;
 * if so, `found` has where its from and text strings are. `s` must hold no backslash.
 */
function messageAt(s: string, start: number, end: number): boolean {
  if (!hasAt(s, start, MESSAGE)) return false;
  const comma = s.indexOf(',', start + MESSAGE.length); // after the id's digits
  if (comma === -1 || comma >= end || !hasAt(s, comma, FROM)) return false;
  const fromStart = comma + FROM.length;
  const fromEnd = s.indexOf('"', fromStart);
  if (fromEnd === -1 || fromEnd >= end || !hasAt(s, fromEnd, TEXT)) return false;
  const textStart = fromEnd + TEXT.length;
  const textEnd = s.indexOf('"', textStart);
  if (textEnd === -1 || textEnd >= end || !hasAt(s, textEnd, TS)) return false;
  found.fromStart = fromStart;
  found.fromEnd = fromEnd;
  found.textStart = textStart;
  found.textEnd = textEnd;
  return true;
}

/**
 * The packet on `s` from `start` to `end` if it is a message or presence packet in the
 * reference server's layout, else null (the caller parses it fully). `s` must hold no backslash:
 * without escapes, a quote always ends a JSON string.
 */
export function leanPacket(s: string, start = 0, end = s.length): V2ServerPacket | null {
  if (messageAt(s, start, end)) {
    // id and ts are not read by the bench; the packet keeps the shape the client code expects.
    return {
      type: 'message',
      id: 0,
      from: s.slice(found.fromStart, found.fromEnd),
      text: s.slice(found.textStart, found.textEnd),
      ts: 0,
    };
  }
  if (hasAt(s, start, JOINED)) {
    const nameStart = start + JOINED.length;
    const nameEnd = s.indexOf('"', nameStart);
    if (nameEnd === -1 || nameEnd >= end || !hasAt(s, nameEnd, TS)) return null;
    return { type: 'user_joined', name: s.slice(nameStart, nameEnd), ts: 0 };
  }
  if (hasAt(s, start, LEFT)) {
    const nameStart = start + LEFT.length;
    const nameEnd = s.indexOf('"', nameStart);
    if (nameEnd === -1 || nameEnd >= end || !hasAt(s, nameEnd, REASON)) return null;
    const reason = leanReason(s, nameEnd + REASON.length, end);
    if (reason === null) return null;
    return { type: 'user_left', name: s.slice(nameStart, nameEnd), reason, ts: 0 } as V2ServerPacket;
  }
  // A compact batch (7.6) has at least two names; anything else is the core's to refuse.
  if (hasAt(s, start, JOINED_RUN)) {
    const run = leanNames(s, start + JOINED_RUN.length, end);
    if (run === null || run.names.length < 2 || !hasAt(s, run.after, ARRAY_TS)) return null;
    return { type: 'users_joined', names: run.names, ts: 0 };
  }
  if (hasAt(s, start, LEFT_RUN)) {
    const run = leanNames(s, start + LEFT_RUN.length, end);
    if (run === null || run.names.length < 2 || !hasAt(s, run.after, ARRAY_REASON)) return null;
    const reason = leanReason(s, run.after + ARRAY_REASON.length, end);
    if (reason === null) return null;
    return { type: 'users_left', names: run.names, reason, ts: 0 } as V2ServerPacket;
  }
  return null;
}

/** Receives a chat line in place: its text is `s.slice(start, end)`. */
export type MessageHook = (s: string, start: number, end: number) => void;

export class LeanV2ClientConnection extends V2ClientConnection {
  /**
   * Where `message` packets go, when set, instead of becoming packet events: called during
   * receive(), with the line's text in place in the record (no packet, event or string per line;
   * a fan-out receiver reads a million lines a second). Only while the client is JOINED, where a
   * message changes no state (13.2), and only while no event of the same receive() is waiting
   * before it, so that the hook and the events together keep the packets' order.
   */
  onMessage: MessageHook | null = null;

  protected override handleRecord(plaintext: Buffer, events: V2ClientConnectionEvent[]): void {
    if (plaintext.indexOf(BACKSLASH) !== -1) {
      super.handleRecord(plaintext, events);
      return;
    }
    // Packets are newline-separated (6.1): one decode per record, then string work per packet.
    const s = plaintext.toString('utf8');
    const hook = this.onMessage;
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      const end = nl === -1 ? s.length : nl;
      if (hook && events.length === 0 && this.machine.state === 'JOINED' && messageAt(s, start, end)) {
        hook(s, found.textStart, found.textEnd);
      } else {
        const packet =
          leanPacket(s, start, end) ?? this.parsePacket(Buffer.from(s.slice(start, end), 'utf8'));
        this.handlePacket(packet, events);
        if (this.machine.terminal) return;
      }
      if (nl === -1) return;
      start = nl + 1;
    }
  }
}
