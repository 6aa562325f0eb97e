/**
 * What events from the network (passed on by the controller) do to the view: connecting, the
 * handshake and key question, joining, messages, user changes, exports and losing the connection.
 * A layer of the view model, kept apart from the handling of typed input.
 */

import { sanitize } from './text.js';
import type { ThemeId } from './themes.js';
import { ViewCore } from './view-core.js';
import type { Effect, KeyQuestion, Profile, Trust } from './view-types.js';

/** The view model's reactions to network events (see ViewModel for the input side). */
export class ConnectionView extends ViewCore {
  // ---- events from the network (through the controller) ----

  connecting(attempt: number): void {
    this.s.status = { ...this.s.status, connection: 'connecting', attempt, retryAt: null };
    // Retries after a loss already reported show in the status bar only, not a line each.
    if (this.lastLoss === null) this.system(`connecting to ${this.s.status.server}…`);
  }

  handshaking(): void {
    this.setConnection('handshaking');
  }

  /** The handshake is done and the server's key is trusted. Joins if a name is known. */
  connected(info: { profile: Profile; suite: string; fingerprint: string | null; trust: Trust }): Effect[] {
    this.s.status = {
      ...this.s.status,
      resolved: info.profile,
      suite: info.suite,
      fingerprint: info.fingerprint,
      trust: info.trust,
      connection: 'connected',
      retryAt: null,
    };
    this.system(
      `${this.lastLoss === null ? 'connected' : 'reconnected'} to ${this.s.status.server}: ${info.profile}, ${info.suite}`,
    );
    this.lastLoss = null;
    if (info.profile === 'legacy') {
      this.warning(
        'this is a legacy (pyChat) server: the connection is NOT authenticated and only weakly encrypted ' +
          '(AES-256-CFB8 with a fixed IV, no integrity check). Anyone on the network path can read or change it.',
      );
    } else if (info.fingerprint) {
      const how: Record<Trust, string> = {
        new: 'first connection to this server: key recorded in known_servers',
        known: 'matches known_servers',
        pinned: 'matches --fingerprint',
        accepted: 'new key accepted and recorded',
        none: '',
      };
      this.system(`server key ${info.fingerprint} (${how[info.trust]})`);
    }
    const name = this.s.desiredName;
    if (name === null) {
      this.system('choose a name: type it and press Enter');
      return [];
    }
    this.setConnection('joining');
    return [{ kind: 'join', name }];
  }

  /** The server accepted the name. Sends what was queued. */
  joined(name: string, users: readonly string[], motd?: string): Effect[] {
    this.s.me = name;
    this.s.desiredName = name;
    this.s.confirmedName = name;
    this.s.users = [...users];
    this.s.status = { ...this.s.status, connection: 'joined', attempt: 0, retryAt: null };
    this.system(`joined as ${name} (${users.length} ${users.length === 1 ? 'user' : 'users'} here)`);
    if (motd) this.addLine({ kind: 'notice', from: 'motd', text: motd });
    const effects: Effect[] = [];
    const queued = this.s.outbox;
    this.s.outbox = [];
    for (const { item, lineId } of queued) {
      this.removeLine(lineId);
      if (item.kind !== 'say' && this.s.status.resolved === 'legacy') this.unsupported(item);
      else effects.push(item);
    }
    if (effects.length > 0)
      this.system(`sending ${effects.length} queued ${effects.length === 1 ? 'message' : 'messages'}`);
    return effects;
  }

  joinRefused(code: string, message: string): void {
    const name = this.s.desiredName;
    this.s.desiredName = null;
    this.s.me = null;
    if (this.s.status.connection === 'joining') this.setConnection('connected');
    const named = name === null || message.includes(name) ? '' : ` (${sanitize(name)})`;
    this.error(code, `${message}${named}`);
    this.system('choose another name: type it and press Enter');
  }

  message(m: {
    kind: 'chat' | 'private' | 'action' | 'notice';
    from: string;
    to?: string;
    text: string;
    ts: number;
  }): void {
    if (m.kind === 'chat') this.addLine({ kind: 'message', from: m.from, text: m.text, ts: m.ts });
    else if (m.kind === 'action') this.addLine({ kind: 'action', from: m.from, text: m.text, ts: m.ts });
    else if (m.kind === 'private')
      this.addLine({ kind: 'private', from: m.from, to: m.to, text: m.text, ts: m.ts });
    else this.addLine({ kind: 'notice', from: m.from, text: m.text, ts: m.ts });
  }

  userJoined(name: string, ts: number): void {
    this.addLine({ kind: 'join', from: name, text: ' joined', ts });
  }

  userLeft(name: string, reason: string | undefined, ts: number): void {
    this.addLine({ kind: 'leave', from: name, text: reason ? ` left (${reason})` : ' left', ts });
  }

  /** Several users joined at once (7.6 users_joined): one line for all of them. */
  usersJoined(names: readonly string[], ts: number): void {
    this.addLine({ kind: 'join', names: [...names], text: ' joined', ts });
  }

  /** Several users left at once, for one reason (7.6 users_left): one line for all of them. */
  usersLeft(names: readonly string[], reason: string, ts: number): void {
    this.addLine({ kind: 'leave', names: [...names], text: ` left (${reason})`, ts });
  }

  users(users: readonly string[]): void {
    this.s.users = [...users];
  }

  exportSaved(path: string): void {
    this.s.exportsPending = Math.max(0, this.s.exportsPending - 1);
    this.system(`export written to ${path}`);
  }

  exportFailed(message: string): void {
    this.s.exportsPending = Math.max(0, this.s.exportsPending - 1);
    this.error(undefined, `export failed: ${message}`);
  }

  /**
   * The connection ended. `retryAt` is when the next attempt is due, or null when there will be
   * none until the user acts (/reconnect, or choosing a name).
   */
  lost(detail: string, retryAt: number | null, attempt: number): void {
    this.s.me = null;
    this.s.users = [];
    this.s.status = {
      ...this.s.status,
      connection: retryAt === null ? 'idle' : 'lost',
      retryAt,
      attempt,
    };
    if (this.s.exportsPending > 0) {
      this.s.exportsPending = 0;
      this.error(undefined, 'export: the connection was lost before the reply (try /export again)');
    }
    let next: string;
    if (retryAt !== null) {
      const seconds = Math.max(0, (retryAt - this.now()) / 1000).toFixed(1);
      next = `retrying in ${seconds} s (or /reconnect)`;
    } else if (this.s.desiredName === null) {
      next = 'will reconnect when you choose a name (or /reconnect)';
    } else {
      next = '/reconnect to try again';
    }
    if (detail === this.lastLoss && retryAt !== null) return; // the same failure again: status bar only
    const first = this.lastLoss === null;
    this.lastLoss = detail;
    this.warning(`${first ? 'connection lost' : 'reconnect failed'}: ${sanitize(detail)}; ${next}`);
    if (first && this.s.outbox.length > 0) this.system(`${this.s.outbox.length} queued, to send once back`);
  }

  /** The client refuses to go on with this server (a security check failed); no automatic retry. */
  refused(code: string, lines: readonly string[]): void {
    this.s.me = null;
    this.s.users = [];
    this.setConnection('refused');
    lines.forEach((text, i) => {
      if (i === 0) this.error(code, text);
      else this.warning(text);
    });
  }

  /** A v2 server presents a different key from the recorded one: ask before going on (5.6). */
  askAcceptKey(question: Omit<KeyQuestion, 'kind'>): void {
    this.s.question = { kind: 'accept-key', ...question };
    this.setConnection('refused');
    this.error(
      'FINGERPRINT_MISMATCH',
      `the server key for ${question.server} has CHANGED since the last connection`,
    );
    this.warning(`known key:     ${question.known}`);
    this.warning(`presented key: ${question.presented}`);
    this.warning(
      "someone may be intercepting the connection, or the server's key was replaced. Check with its operator.",
    );
    this.warning('accept the new key and continue? Type y to accept, anything else to refuse.');
    this.s.input = '';
    this.s.cursor = 0;
  }

  setTheme(theme: ThemeId): void {
    this.s.theme = theme;
  }
}
