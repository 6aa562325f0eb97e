/**
 * What a well-behaved client observed, in a form the chat model can compare: server packets of
 * both profiles reduced to the fields the spec fixes (no timestamps, no dates), with multi-part
 * replies (export_reply and backlog until `done`) joined into one observation (the client connection joins a
 * user list split with `more` itself), and compact presence (users_joined/users_left) split into
 * one observation per name, as the client reads it (src/client/presence.ts).
 */
import { presenceNotices } from '../../src/client/presence.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { LegacyPacket } from '../../src/legacy/legacy-packet.js';

export interface ExportEntry {
  readonly kind: string;
  readonly from: string;
  readonly text: string;
}

/** What the 2.1 features (5.8) add, observed and expected alike. */
export type FeatureObs =
  | { readonly t: 'backlog'; readonly entries: readonly ExportEntry[] }
  | { readonly t: 'user_renamed'; readonly from: string; readonly to: string }
  | { readonly t: 'user_away'; readonly name: string; readonly away: boolean; readonly reason?: string }
  | {
      readonly t: 'whois_reply';
      readonly name: string;
      readonly joined: number;
      readonly idle: number;
      readonly away: boolean;
      readonly reason?: string;
    };

export type Obs =
  // v2
  | { readonly t: 'join_ok'; readonly name: string; readonly users: readonly string[] }
  | { readonly t: 'join_error'; readonly code: string }
  | { readonly t: 'message' | 'action'; readonly from: string; readonly text: string; readonly id: number }
  | {
      readonly t: 'private';
      readonly from: string;
      readonly to: string;
      readonly text: string;
      readonly id: number;
    }
  | { readonly t: 'user_list'; readonly users: readonly string[] }
  | { readonly t: 'user_joined'; readonly name: string }
  | { readonly t: 'user_left'; readonly name: string; readonly reason: string }
  | { readonly t: 'export'; readonly entries: readonly ExportEntry[] }
  | { readonly t: 'error'; readonly code: string; readonly fatal: boolean }
  | { readonly t: 'goodbye' }
  | FeatureObs
  | { readonly t: 'pong'; readonly n: number }
  // legacy
  | { readonly t: 'approved_conn' | 'username_taken' }
  | { readonly t: 'list'; readonly typ: string; readonly names: readonly (string | null)[] }
  | { readonly t: 'default'; readonly from: string; readonly cont: string; readonly dhost: string }
  | { readonly t: 'legacy_export'; readonly cont: string }
  | { readonly t: 'other'; readonly what: string }
  // the connection, as the client saw it end when it did not end it itself
  | { readonly t: 'closed' }
  // the client's own refusal to send (a packet that cannot fit the server's frames, 6.1)
  | { readonly t: 'refused'; readonly code: string };

/** Turns one client's packets into observations; holds the parts of an unfinished reply. */
export class Observer {
  readonly seen: Obs[] = [];
  private entries: ExportEntry[] | null = null;
  private backlog: ExportEntry[] | null = null;

  v2(packet: V2ServerPacket): void {
    switch (packet.type) {
      // Whole: the client connection joins a list split with `more` (7.2, 7.6).
      case 'join_ok':
        this.seen.push({ t: 'join_ok', name: packet.name, users: packet.users });
        return;
      case 'user_list':
        this.seen.push({ t: 'user_list', users: packet.users });
        return;
      case 'export_reply': {
        const entries = [
          ...(this.entries ?? []),
          ...packet.entries.map((e) => ({ kind: e.kind, from: e.from ?? '', text: e.text ?? '' })),
        ];
        if (!packet.done) {
          this.entries = entries;
          return;
        }
        this.entries = null;
        this.seen.push({ t: 'export', entries });
        return;
      }
      case 'backlog': {
        // Joined like an export: the parts until `done` are one backlog (7.10).
        const entries = [
          ...(this.backlog ?? []),
          ...packet.entries.map((e) => ({ kind: e.kind, from: e.from, text: e.text })),
        ];
        if (!packet.done) {
          this.backlog = entries;
          return;
        }
        this.backlog = null;
        this.seen.push({ t: 'backlog', entries });
        return;
      }
      case 'user_renamed':
        this.seen.push({ t: 'user_renamed', from: packet.from, to: packet.to });
        return;
      case 'user_away':
        this.seen.push({
          t: 'user_away',
          name: packet.name,
          away: packet.away,
          ...(packet.reason === undefined ? {} : { reason: packet.reason }),
        });
        return;
      case 'whois_reply':
        this.seen.push({
          t: 'whois_reply',
          name: packet.name,
          joined: packet.joined,
          idle: packet.idle,
          away: packet.away,
          ...(packet.reason === undefined ? {} : { reason: packet.reason }),
        });
        return;
      case 'join_error':
        this.seen.push({ t: 'join_error', code: packet.code });
        return;
      case 'message':
      case 'action':
        this.seen.push({ t: packet.type, from: packet.from, text: packet.text, id: packet.id });
        return;
      case 'private':
        this.seen.push({ t: 'private', from: packet.from, to: packet.to, text: packet.text, id: packet.id });
        return;
      // A presence batch's run (7.6) is one notice per name, in order: the model cannot tell.
      case 'user_joined':
      case 'user_left':
      case 'users_joined':
      case 'users_left':
        for (const n of presenceNotices(packet)) {
          this.seen.push(n.kind === 'joined' ? { t: 'user_joined', name: n.name } : { t: 'user_left', ...n });
        }
        return;
      case 'error':
        this.seen.push({ t: 'error', code: packet.code, fatal: packet.fatal });
        return;
      case 'goodbye':
        this.seen.push({ t: 'goodbye' });
        return;
      case 'pong':
        this.seen.push({ t: 'pong', n: packet.n });
        return;
      case 'ping':
        return; // the endpoint answers; liveness is not part of the chat
      default:
        this.seen.push({ t: 'other', what: packet.type });
    }
  }

  legacy(packet: LegacyPacket): void {
    const cont = packet.cont;
    switch (packet.typ) {
      case 'approved_conn':
      case 'username_taken':
        this.seen.push({ t: packet.typ });
        return;
      case 'client_list_update_add':
      case 'disconnection':
        this.seen.push({ t: 'list', typ: packet.typ, names: Array.isArray(cont) ? cont : [String(cont)] });
        return;
      case 'export':
        this.seen.push({ t: 'legacy_export', cont: String(cont) });
        return;
      default:
        this.seen.push({
          t: 'default',
          from: packet.username,
          cont: typeof cont === 'string' ? cont : JSON.stringify(cont),
          dhost: packet.dhost,
        });
    }
  }

  /** The server told this client of a fatal error (v2), or closed its connection. */
  fatal(code: string): void {
    this.seen.push({ t: 'error', code, fatal: true });
  }

  refused(code: string): void {
    this.seen.push({ t: 'refused', code });
  }

  closed(): void {
    this.seen.push({ t: 'closed' });
  }

  /** Takes everything observed so far. */
  take(): Obs[] {
    return this.seen.splice(0);
  }

  /** Is a multi-part reply still incomplete? */
  get partial(): boolean {
    return this.entries !== null || this.backlog !== null;
  }
}

export function describeObs(o: Obs): string {
  const { t, ...rest } = o as Obs & Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(([k]) => k !== 'id')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return fields ? `${t}(${fields})` : t;
}
