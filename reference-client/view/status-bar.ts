/**
 * The status bar: what it shows for the current connection state, and which pieces are dropped
 * first when the terminal is narrow. Pure functions of the view state and the clock.
 */

import { unreadText } from './notifications.js';
import { sanitize } from './text.js';
import { clipToWidth, displayWidth } from './text-layout.js';
import type { ConnectionState, Segment, Style, ViewState } from './view-types.js';

export interface StatusSegment extends Segment {
  readonly priority: number;
}

const CONNECTION_LABELS: Readonly<Record<ConnectionState, string>> = {
  idle: 'not connected',
  connecting: 'connecting…',
  handshaking: 'handshaking…',
  connected: 'connected',
  joining: 'joining…',
  joined: 'joined',
  lost: 'connection lost',
  refused: 'refused',
  closed: 'closed',
};

/** Short form of a fingerprint for the status bar: `SHA256:AbCdEfGh…`. */
export function shortFingerprint(fp: string, keep = 12): string {
  const body = fp.startsWith('SHA256:') ? fp.slice(7) : fp;
  return body.length <= keep ? fp : `SHA256:${body.slice(0, keep)}…`;
}

/** Status bar pieces, left to right, each with a priority (0 first) for narrow terminals. */
export function statusSegments(s: Readonly<ViewState>, now: number): StatusSegment[] {
  const st = s.status;
  const stateStyle: Style = s.question
    ? 'warning'
    : st.connection === 'joined'
      ? 'ok'
      : st.connection === 'lost' || st.connection === 'refused' || st.connection === 'idle'
        ? 'error'
        : 'warning';
  let state = CONNECTION_LABELS[st.connection];
  if (st.connection === 'joined' && s.me) state = `joined as ${sanitize(s.me)}`;
  // Waiting for the user's answer about the key (5.6) is not a refusal (yet): say what is asked.
  if (s.question)
    state = s.question.kind === 'trust-key' ? 'new server key: trust it?' : 'server key CHANGED: accept it?';
  if (st.connection === 'lost' && st.retryAt !== null) {
    const seconds = Math.max(0, Math.ceil((st.retryAt - now) / 1000));
    state = `connection lost, retry in ${seconds}s (#${st.attempt})`;
  }
  const out: StatusSegment[] = [{ text: `● ${state}`, style: stateStyle, bold: true, priority: 0 }];
  // The current room and its topic (7.15), as irssi's status bar names the window's channel.
  const room = s.rooms.current;
  if (room && st.connection === 'joined') {
    out.push({ text: sanitize(room.name), style: 'accent', bold: true, priority: 0 });
    if (room.topic) out.push({ text: clipToWidth(sanitize(room.topic), 40), style: 'text', priority: 2 });
  }
  out.push({ text: sanitize(st.server), style: 'accent', priority: 3 });
  const profile = st.resolved ?? (st.profile === 'auto' ? 'auto' : st.profile);
  const suite = st.resolved === 'legacy' ? 'AES-256-CFB8' : st.suite;
  out.push({
    text: suite ? `${profile} ${suite}` : profile,
    style: st.resolved === 'legacy' ? 'warning' : 'text',
    priority: 4,
  });
  if (st.fingerprint) out.push({ text: shortFingerprint(st.fingerprint), style: 'dim', priority: 5 });
  else if (st.resolved === 'legacy') {
    out.push({ text: 'server NOT authenticated', style: 'error', bold: true, priority: 1 });
  }
  if (s.outbox.length > 0) {
    out.push({ text: `${s.outbox.length} queued`, style: 'warning', priority: 2 });
  }
  const unread = unreadText(s);
  if (unread) {
    out.push({
      text: `✉ ${unread}`,
      style: s.unreadForMe > 0 ? 'error' : 'warning',
      bold: true,
      priority: 1,
    });
  }
  if (s.scroll > 0) {
    const text = s.unseen > 0 ? `▲ scrolled, ${s.unseen} new below` : '▲ scrolled';
    out.push({ text, style: 'warning', bold: true, priority: 1 });
  }
  return out;
}

/**
 * The status pieces that fit in `width` columns, each shown as ` text ` with a one-column
 * separator: the least important go first, the order stays.
 */
export function fitStatus(segments: readonly StatusSegment[], width: number): StatusSegment[] {
  const shown = [...segments];
  const cost = () => shown.reduce((sum, s, i) => sum + displayWidth(s.text) + 2 + (i > 0 ? 1 : 0), 0);
  while (shown.length > 1 && cost() > width) {
    let drop = shown.length - 1;
    for (let i = shown.length - 1; i >= 0; i--) if (shown[i].priority > shown[drop].priority) drop = i;
    shown.splice(drop, 1);
  }
  return shown;
}

/** Moves the connection to `connection` (the status bar shows it); `retryAt` when a retry is due. */
export function setConnection(
  s: ViewState,
  connection: ConnectionState,
  retryAt: number | null = null,
): void {
  s.status = { ...s.status, connection, retryAt };
}
