/**
 * The view model's data types: lines, connection status, effects, keys and the mutable view state.
 * Kept apart so that the formatting, input and status modules can share them without importing
 * the ViewModel class. What the session reports (profiles, trust) comes from src/client.
 */

import type { Profile, ProfileOption, RoomBook, Trust } from '../../src/client/index.js';
import type { NameRules } from '../../src/generated/constants.js';
import type { ThemeId } from './themes.js';

export type { Profile, ProfileOption, Trust };

export type LineKind =
  | 'message'
  | 'action'
  | 'private'
  | 'join'
  | 'leave'
  | 'notice'
  | 'system'
  | 'warning'
  | 'error'
  | 'pending';

export interface Line {
  readonly id: number;
  readonly kind: LineKind;
  readonly ts: number;
  readonly text: string;
  readonly from?: string;
  /** A join or leave of several users at once (v2 users_joined/users_left), in order. */
  readonly names?: readonly string[];
  readonly to?: string;
  /** An error's stable code. */
  readonly code?: string;
  /** Said before this client joined (a backlog line, 7.10): drawn dimmed. */
  readonly history?: boolean;
  /** The room it belongs to (7.15), for a line from the server about one room. */
  readonly room?: string;
}

/** The lines of a room that is not on screen, kept as they were left (room-view.ts). */
export interface RoomBuffer {
  lines: Line[];
  scroll: number;
  unseen: number;
}

export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'handshaking'
  | 'connected'
  | 'joining'
  | 'joined'
  | 'lost'
  | 'refused'
  | 'closed';

export interface Status {
  readonly server: string;
  readonly profile: ProfileOption;
  readonly resolved: Profile | null;
  readonly suite: string | null;
  readonly fingerprint: string | null;
  readonly trust: Trust | null;
  readonly connection: ConnectionState;
  readonly attempt: number;
  readonly retryAt: number | null;
}

/** Chat from the user; `room`: the room it goes to (7.15), absent on a server without rooms. */
export type Outgoing =
  | { readonly kind: 'say'; readonly text: string; readonly room?: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'me'; readonly text: string; readonly room?: string };

export type Effect =
  | Outgoing
  | { readonly kind: 'join'; readonly name: string }
  | { readonly kind: 'who'; readonly room?: string }
  | { readonly kind: 'export'; readonly room?: string }
  /** Rooms (feature rooms, 7.15): join, part, list, set a topic. */
  | { readonly kind: 'room-join'; readonly room: string }
  | { readonly kind: 'room-part'; readonly room: string }
  | { readonly kind: 'rooms' }
  | { readonly kind: 'topic'; readonly room: string; readonly topic: string }
  /** Rename (feature nick, 7.11). */
  | { readonly kind: 'nick'; readonly name: string }
  /** Away with an optional reason, or back (feature away, 7.12). */
  | { readonly kind: 'away'; readonly away: boolean; readonly reason?: string }
  /** About one member (feature whois, 7.13). */
  | { readonly kind: 'whois'; readonly name: string }
  | { readonly kind: 'save-theme'; readonly theme: ThemeId }
  | { readonly kind: 'save-bell'; readonly bell: boolean }
  /** Save the ignored names (config.json `ignore`). */
  | { readonly kind: 'save-ignore'; readonly ignore: Readonly<Record<string, IgnoreLevel>> }
  | { readonly kind: 'reconnect' }
  /** Connect to another server from now on (`/server`); `port` undefined keeps the current one. */
  | { readonly kind: 'server'; readonly host: string; readonly port?: number }
  | { readonly kind: 'quit' }
  | { readonly kind: 'answer-key'; readonly accept: boolean }
  /** Write this conversation to an export file (then exportSaved or exportFailed). */
  | { readonly kind: 'write-export'; readonly text: string };

/** A question about the server's key: a changed one (`accept-key`), or a first one (`trust-key`). */
export type KeyQuestion =
  | {
      readonly kind: 'accept-key';
      readonly server: string;
      readonly known: string;
      readonly presented: string;
    }
  | { readonly kind: 'trust-key'; readonly server: string; readonly presented: string };

export type Phase = 'name' | 'chat' | 'question';

/** What /ignore hides of a name: its chat, or its joins, leaves, renames and away changes too. */
export type IgnoreLevel = 'chat' | 'all';

export interface ViewState {
  lines: Line[];
  /** The id of the last line added (ids only grow, across /clear too). */
  lastLineId: number;
  /** The last connection failure reported, until the next successful handshake. */
  lastLoss: string | null;
  users: string[];
  /** legacy: joined, and the first list (who else is here) has not come yet; its count is shown then. */
  usersToCome: boolean;
  /** The first user list entry shown (user-list.ts). */
  userScroll: number;
  /** The name the server accepted on this connection; null when not joined. */
  me: string | null;
  /** The name to join (and re-join after a reconnect) with; null until the user picks one. */
  desiredName: string | null;
  /** The last name the server accepted, on any connection. */
  confirmedName: string | null;
  question: KeyQuestion | null;
  input: string;
  /** UTF-16 index into input. */
  cursor: number;
  history: string[];
  historyPos: number | null;
  draft: string;
  /** How many lines are hidden below the bottom of the pane (0: following the conversation). */
  scroll: number;
  /** Lines that arrived while scrolled up. */
  unseen: number;
  /** The terminal has the focus (as far as it reports focus; true otherwise). */
  focused: boolean;
  /** Chat lines from others that arrived while away or scrolled back (notifications.ts). */
  unread: number;
  /** Of those, private messages and mentions. */
  unreadForMe: number;
  /** Ring the terminal bell for private messages and mentions. */
  bell: boolean;
  /** How many times the bell was asked to ring (the TUI rings when this grows). */
  bells: number;
  status: Status;
  theme: ThemeId;
  outbox: { readonly item: Outgoing; lineId: number }[];
  exportsPending: number;
  completion: Completion | null;
  /** Users away, by name, with their reasons ('' for none): feature away (7.12), away-view.ts. */
  away: Map<string, string>;
  /** The sender of the last private message received, for /reply. */
  lastPrivateFrom: string | null;
  /** Names whose lines are hidden (/ignore, ignore-list.ts), with what is hidden of each. */
  ignored: Map<string, IgnoreLevel>;
  /** The rooms this client is in (7.15), their members, topics and unread counts, and the current one. */
  rooms: RoomBook;
  /** The room whose lines `lines` holds (null before the first join); the others' are in `buffers`. */
  shownRoom: string | null;
  /** The lines of the rooms not shown, by the room's name (room-view.ts). */
  buffers: Map<string, RoomBuffer>;
  /** The server agreed the feature `rooms`: rooms besides `#lobby` may be joined. */
  hasRooms: boolean;
  /** A room the user asked to join: it becomes current when the server says it is joined. */
  roomWanted: string | null;
}

/**
 * What the view's pieces (commands, session events, the outbox) work on: the state, the clock and
 * the scrollback limit. The ViewModel makes one and hands it to each.
 */
export interface ViewContext {
  readonly state: ViewState;
  readonly now: () => number;
  readonly maxLines: number;
}

/** A Tab completion under way: pressing Tab again cycles through `candidates`. */
export interface Completion {
  readonly start: number;
  readonly before: string;
  readonly after: string;
  readonly candidates: readonly string[];
  index: number;
}

export interface ViewModelOptions {
  readonly server: string;
  readonly profile: ProfileOption;
  readonly theme: ThemeId;
  readonly name?: string;
  /** Ring the bell for private messages and mentions (default on). */
  readonly bell?: boolean;
  /** Names to ignore from the start (config.json `ignore`). */
  readonly ignore?: Readonly<Record<string, IgnoreLevel>>;
  readonly now: () => number;
  readonly maxLines?: number;
}

export type KeyName =
  | 'enter'
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'up'
  | 'down'
  | 'pageup'
  | 'pagedown'
  | 'tab'
  | 'escape'
  | 'C-a'
  | 'C-e'
  | 'C-u'
  | 'C-k'
  | 'C-w'
  | 'C-end'
  /** Alt-PageUp and Alt-PageDown: scroll the user list. */
  | 'M-pageup'
  | 'M-pagedown'
  /** Alt-1 .. Alt-9: to the room of that number; Ctrl-N, Ctrl-P: the next, the previous room. */
  | 'M-1'
  | 'M-2'
  | 'M-3'
  | 'M-4'
  | 'M-5'
  | 'M-6'
  | 'M-7'
  | 'M-8'
  | 'M-9'
  | 'C-n'
  | 'C-p';

// ---- formatted lines (line-format.ts makes them, the TUI and the status bar draw them) ----

export type Style =
  | 'time'
  | 'dim'
  | 'text'
  | 'nick'
  | 'own'
  | 'system'
  | 'error'
  | 'warning'
  | 'ok'
  | 'private'
  | 'action'
  | 'pending'
  | 'accent';

export interface Segment {
  readonly text: string;
  readonly style: Style;
  /** For style `nick`: the name whose colour to use. */
  readonly nick?: string;
  readonly bold?: boolean;
}

/** Who reads the lines: the own name and the rule names are compared by (text.ts isSameName). */
export interface Viewer {
  readonly me: string | null;
  readonly rules: NameRules;
}

export interface FormattedLine {
  readonly segments: readonly Segment[];
  /** The line mentions the user by name. */
  readonly highlight: boolean;
}
