/**
 * What the connection does to the view: each session event once (`applySessionEvent`), and what
 * the app reports around sessions (a connection attempt, a loss, an export file written). Functions
 * over the view context; the effects returned are for the app to carry out.
 */

import { changedKeyLines, LOBBY, type ReadyInfo, type SessionEvent } from '../../src/client/index.js';
import { applyAway, renameAway, whoisText } from './away-view.js';
import { backlogLines } from './backlog-lines.js';
import { renderExportEntries, renderExportText } from './export-text.js';
import { isIgnored, renameIgnored } from './ignore-list.js';
import { askAcceptKey, askTrustKey } from './key-questions.js';
import {
  applyMemberKeys,
  banListLines,
  moderatedLine,
  muteListLines,
  ownKeyOnJoin,
  whoisKeyText,
} from './moderation-view.js';
import { noticeArrival } from './notifications.js';
import { flushOutbox, lineRefused } from './outbox.js';
import {
  addRoomLine,
  enterLobby,
  noticeElsewhere,
  roomJoined,
  roomParted,
  roomUsers,
  showRoomList,
  topicChanged,
} from './room-view.js';
import { addLine, errorLine, type NewLine, systemLine, warningLine } from './scrollback.js';
import { setConnection } from './status-bar.js';
import { isSameName, nameRulesOf, sanitize } from './text.js';
import type { Effect, Trust, ViewContext } from './view-types.js';

const TRUST_TEXT: Record<Trust, string> = {
  new: 'first connection to this server: key recorded in known_servers',
  known: 'matches known_servers',
  pinned: 'matches --fingerprint',
  accepted: 'new key accepted and recorded',
  none: '',
};

/** What one session event does to the view. */
export function applySessionEvent(ctx: ViewContext, event: SessionEvent): Effect[] {
  const s = ctx.state;
  switch (event.kind) {
    case 'state':
      if (event.state === 'handshaking') setConnection(s, 'handshaking');
      return [];
    case 'ready':
      if (event.replaced) {
        const lines = changedKeyLines(s.status.server, event.replaced, event.fingerprint ?? '');
        for (const line of lines.slice(0, 3)) warningLine(ctx, line);
      }
      return connected(ctx, event);
    case 'key-changed':
      askAcceptKey(ctx, event.known, event.presented);
      return [];
    case 'key-unknown':
      askTrustKey(ctx, event.presented);
      return [];
    case 'refused':
      refused(ctx, event.code, event.lines);
      return [];
    case 'joined': {
      s.usersToCome = event.usersToCome === true;
      s.keys = new Map();
      ownKeyOnJoin(ctx, event.key);
      const rejoin = enterLobby(ctx, event.users, event.rooms === true);
      return [...joined(ctx, event.name, event.users, event.motd), ...rejoin];
    }
    case 'join-refused':
      joinRefused(ctx, event.code, event.message);
      return [];
    case 'message': {
      const { kind, from, to, text, ts } = event.message;
      if (from !== s.me && isIgnored(s, from, 'chat')) return [];
      if (kind === 'private' && from !== s.me) s.lastPrivateFrom = from;
      const room = event.message.room;
      const line =
        kind === 'private'
          ? addLine(ctx, { kind, from, to, text, ts })
          : addRoomLine(ctx, room ?? LOBBY, { kind: kind === 'chat' ? 'message' : kind, from, text, ts });
      const viewer = { me: s.me, rules: nameRulesOf(s.status.resolved) };
      if (!noticeElsewhere(s, line, viewer)) noticeArrival(s, line, viewer);
      return [];
    }
    case 'presence': {
      const { change } = event;
      const room = event.room ?? LOBBY;
      // Away is server-wide (7.15): a part leaves the member on the server, away or not.
      if (change.kind === 'left' && change.reason !== 'part')
        for (const name of change.names) s.away.delete(name);
      const shown = change.names.filter((name) => !isIgnored(s, name, 'presence'));
      if (shown.length === 0) return [];
      const text =
        change.kind === 'joined' ? ' joined' : change.reason ? ` left (${change.reason})` : ' left';
      const who = shown.length === 1 ? { from: shown[0] } : { names: shown };
      addRoomLine(ctx, room, {
        kind: change.kind === 'joined' ? 'join' : 'leave',
        ...who,
        text,
        ts: change.ts,
      });
      return [];
    }
    case 'users':
      roomUsers(s, event.room ?? LOBBY, event.users);
      if (s.usersToCome) {
        s.usersToCome = false;
        systemLine(ctx, usersHere(s.users.length));
      }
      return [];
    case 'renamed': {
      renameAway(s.away, event.from, event.to);
      const hide = isIgnored(s, event.from, 'presence');
      const effects = renameIgnored(s, event.from, event.to);
      renamed(ctx, event.from, event.to, event.ts, hide);
      return effects;
    }
    case 'away': {
      const text = applyAway(s.away, event.name, event.away, event.reason);
      if (!isIgnored(s, event.name, 'presence'))
        inRoomsOf(ctx, event.name, { kind: 'join', from: event.name, text, ts: event.ts });
      return [];
    }
    case 'room-joined':
      roomJoined(ctx, event.room, event.users, event.topic);
      return [];
    case 'room-parted':
      roomParted(ctx, event.room);
      return [];
    case 'room-list':
      showRoomList(ctx, event.rooms);
      return [];
    case 'topic':
      topicChanged(ctx, event.room, event.topic, event.by, event.ts);
      return [];
    case 'whois':
      systemLine(ctx, whoisText(event, ctx.now()) + whoisKeyText(event));
      return [];
    case 'member-keys':
      applyMemberKeys(ctx, event);
      return [];
    case 'moderated':
      moderatedLine(ctx, event);
      return [];
    case 'ban-list':
      banListLines(ctx, event.bans);
      return [];
    case 'mute-list':
      muteListLines(ctx, event.mutes);
      return [];
    case 'history':
      for (const line of backlogLines(event.messages.filter((m) => !isIgnored(s, m.from, 'chat'))))
        addRoomLine(ctx, event.room ?? LOBBY, line);
      return [];
    case 'export':
      return [{ kind: 'write-export', text: renderExportEntries(event.entries) }];
    case 'export-text':
      return [{ kind: 'write-export', text: renderExportText(event.text) }];
    case 'error':
      // Fatal errors end the connection: the app reports them with the loss.
      if (event.fatal) return [];
      if (event.unsent) lineRefused(ctx, event.code, event.message, event.unsent);
      else {
        // Perhaps the answer to the room join under way (ROOM_INVALID, TOO_MANY_ROOMS): wait no more.
        s.roomWanted = null;
        errorLine(ctx, event.code, event.message);
      }
      return [];
    case 'export-timeout':
      exportDone(ctx, false, `the server did not answer within ${event.seconds} s; nothing was written`);
      return [];
    case 'closed':
      return []; // what follows a loss is the app's call (retry or not): see connectionLost
  }
}

function connected(ctx: ViewContext, info: ReadyInfo): Effect[] {
  const s = ctx.state;
  s.status = {
    ...s.status,
    resolved: info.profile,
    suite: info.suite,
    fingerprint: info.fingerprint,
    trust: info.trust,
    connection: 'connected',
    retryAt: null,
  };
  systemLine(
    ctx,
    `${s.lastLoss === null ? 'connected' : 'reconnected'} to ${s.status.server}: ${info.profile}, ${info.suite}`,
  );
  s.lastLoss = null;
  if (info.profile === 'legacy') {
    warningLine(
      ctx,
      'this is a legacy (pyChat) server: the connection is NOT authenticated and only weakly encrypted ' +
        '(AES-256-CFB8 with a fixed IV, no integrity check). Anyone on the network path can read or change it.',
    );
  } else if (info.fingerprint) {
    systemLine(ctx, `server key ${info.fingerprint} (${TRUST_TEXT[info.trust]})`);
  }
  const name = s.desiredName;
  if (name === null) {
    systemLine(ctx, 'choose a name: type it and press Enter');
    return [];
  }
  setConnection(s, 'joining');
  return [{ kind: 'join', name }];
}

/** The server accepted the name: sends what was queued. */
function joined(ctx: ViewContext, name: string, users: readonly string[], motd?: string): Effect[] {
  const s = ctx.state;
  s.me = name;
  s.desiredName = name;
  s.confirmedName = name;
  s.users = [...users];
  s.status = { ...s.status, connection: 'joined', attempt: 0, retryAt: null };
  // legacy: the list of the others comes next; its count is reported then (usersHere).
  systemLine(ctx, s.usersToCome ? `joined as ${name}` : `joined as ${name} (${usersHere(users.length)})`);
  if (motd) addLine(ctx, { kind: 'notice', from: 'motd', text: motd });
  const effects = flushOutbox(ctx);
  if (effects.length > 0)
    systemLine(ctx, `sending ${effects.length} queued ${effects.length === 1 ? 'message' : 'messages'}`);
  return effects;
}

/** Someone was renamed (7.11): a line for the room, and our own name when it was us. */
function renamed(ctx: ViewContext, from: string, to: string, ts: number, hide: boolean): void {
  const s = ctx.state;
  if (s.me !== null && from === s.me) {
    s.me = to;
    s.desiredName = to;
    s.confirmedName = to;
  }
  if (!hide) inRoomsOf(ctx, from, { kind: 'join', from, text: ` is now known as ${to}`, ts });
}

/**
 * A line about a member that is server-wide (a rename, an away change, 7.15): shown in every room
 * the client shares with them (all of its rooms when it is the client itself), else on screen.
 */
function inRoomsOf(ctx: ViewContext, name: string, line: NewLine): void {
  const s = ctx.state;
  const rules = nameRulesOf(s.status.resolved);
  const mine = s.me !== null && isSameName(rules, name, s.me);
  const rooms = mine ? s.rooms.rooms : s.rooms.roomsWith(name, (a, b) => isSameName(rules, a, b));
  if (rooms.length === 0) addLine(ctx, line);
  for (const room of rooms) addRoomLine(ctx, room.name, line);
}

function joinRefused(ctx: ViewContext, code: string, message: string): void {
  const s = ctx.state;
  const name = s.desiredName;
  s.desiredName = null;
  s.me = null;
  if (s.status.connection === 'joining') setConnection(s, 'connected');
  const named = name === null || message.includes(name) ? '' : ` (${sanitize(name)})`;
  errorLine(ctx, code, `${message}${named}`);
  systemLine(ctx, 'choose another name: type it and press Enter');
}

/** The client refuses to go on with this server (a security check failed); no automatic retry. */
function refused(ctx: ViewContext, code: string, lines: readonly string[]): void {
  ctx.state.me = null;
  ctx.state.users = [];
  setConnection(ctx.state, 'refused');
  lines.forEach((text, i) => {
    if (i === 0) errorLine(ctx, code, text);
    else warningLine(ctx, text);
  });
}

// ---- what the app reports: connection attempts and export files ----

/** The app connects to another server from now on (`/server`): a new status, a new start. */
export function serverChanged(ctx: ViewContext, server: string): void {
  const s = ctx.state;
  const profile = s.status.profile;
  s.status = {
    ...s.status,
    server,
    resolved: profile === 'auto' ? null : profile,
    suite: null,
    fingerprint: null,
    trust: null,
    attempt: 0,
    retryAt: null,
  };
  s.lastLoss = null;
  s.me = null;
  s.users = [];
  // Rooms belong to a server: none of the old server's is joined on the new one.
  s.rooms.clear();
  s.roomWanted = null;
}

export function connecting(ctx: ViewContext, attempt: number): void {
  const s = ctx.state;
  s.status = { ...s.status, connection: 'connecting', attempt, retryAt: null };
  // Retries after a loss already reported show in the status bar only, not a line each.
  if (s.lastLoss === null) systemLine(ctx, `connecting to ${s.status.server}…`);
}

/**
 * The connection ended. `retryAt` is when the next attempt is due, or null when there will be
 * none until the user acts (/reconnect, or choosing a name).
 */
export function connectionLost(
  ctx: ViewContext,
  detail: string,
  retryAt: number | null,
  attempt: number,
  neverConnected = false,
): void {
  const s = ctx.state;
  s.me = null;
  s.users = [];
  s.keys = new Map();
  s.status = { ...s.status, connection: retryAt === null ? 'idle' : 'lost', retryAt, attempt };
  if (s.exportsPending > 0) {
    s.exportsPending = 0;
    errorLine(ctx, undefined, 'export: the connection was lost before the reply (try /export again)');
  }
  let next: string;
  if (retryAt !== null) {
    const seconds = Math.max(0, (retryAt - ctx.now()) / 1000).toFixed(1);
    next = `retrying in ${seconds} s (or /reconnect)`;
  } else if (s.desiredName === null) {
    next = 'will reconnect when you choose a name (or /reconnect)';
  } else {
    next = '/reconnect to try again';
  }
  if (detail === s.lastLoss && retryAt !== null) return; // the same failure again: status bar only
  const first = s.lastLoss === null;
  s.lastLoss = detail;
  // A connection that never existed was not "lost": say what failed, and how to change server.
  const what = neverConnected
    ? `cannot connect to ${s.status.server}`
    : first
      ? 'connection lost'
      : 'reconnect failed';
  const change = neverConnected ? ' · /server HOST [PORT] to change server' : '';
  warningLine(ctx, `${what}: ${sanitize(detail)}; ${next}${change}`);
  if (first && s.outbox.length > 0) systemLine(ctx, `${s.outbox.length} queued, to send once back`);
}

/** An export file was written (`ok`) or could not be: either way the export is answered. */
export function exportDone(ctx: ViewContext, ok: boolean, detail: string): void {
  const s = ctx.state;
  s.exportsPending = Math.max(0, s.exportsPending - 1);
  if (ok) systemLine(ctx, `export written to ${detail}`);
  else errorLine(ctx, undefined, `export failed: ${detail}`);
}

function usersHere(n: number): string {
  return `${n} ${n === 1 ? 'user' : 'users'} here`;
}
