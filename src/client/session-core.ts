/**
 * The wire side of one client connection, sans-IO: the transport calls, the connection of the
 * chosen profile, trust in the server's key, the state, and the deadlines. client-session.ts adds
 * the user's side (join, say, ...) on top of it; the two together are one ClientSession.
 *
 * How this works: the adapter owns the socket and the timers and calls in: `connect(now)` when it
 * starts to connect, `open(now)` once TCP is up, `receive(bytes, now)`, `receiveEnd(now)`,
 * `tick(now)` at `nextDeadline`, and `transportClosed(now)` when the socket is gone. Every call
 * returns events (events.ts); afterwards the adapter writes `takeOutput()` and, when `hangUp` says
 * so, ends the socket (`end`: after what was written) or drops it (`destroy`). Inside, one
 * connection of the profile (chosen at once, or sniffed from the first frame with `auto`, spec 2)
 * speaks the wire, trust.ts decides about the server's key (5.6), room-reader.ts turns packets into
 * events, and pending-requests.ts notes what is still to be answered. The first frame is always
 * sniffed (profile-sniffer.ts), also with a profile chosen by the user, so that a server of the
 * other profile, or one that is not Parley at all, is named as such. A server speaks first in
 * both profiles (2), so one silent for the first-byte timing after TCP is up is named as probably
 * not a Parley server at once, rather than after the whole handshake timeout.
 */
import { LegacyClientConnection } from '../session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../session/v2-client-connection.js';
import {
  CLIENT_TIMINGS,
  type ClientSessionOptions,
  type ClientTimings,
  LEGACY_SUITE,
  V2_SUITE_SUFFIX,
} from './client-options.js';
import type { ReadyInfo, SessionError, SessionEvent, SessionState } from './events.js';
import { noteAnswer, PendingRequests } from './pending-requests.js';
import { ProfileSniffer, profileMismatchMessage } from './profile-sniffer.js';
import { RoomReader } from './room-reader.js';
import { serverRefusalText } from './server-refusal.js';
import { changedKeyLines, decideTrust, type Profile, pinMismatchLines } from './trust.js';

export type Connection = V2ClientConnection | LegacyClientConnection;

export abstract class SessionCore {
  protected readonly options: ClientSessionOptions;
  protected readonly timings: ClientTimings;
  protected readonly reader = new RoomReader();
  protected readonly pending = new PendingRequests();
  protected current: SessionState = 'idle';
  protected conn: Connection | null = null;
  private sniffer: ProfileSniffer | null = null;
  private chosen: Profile | null;
  protected readyInfo: ReadyInfo | null = null;
  private fatal: SessionError | null = null;
  private goodbyeReason: string | undefined;
  protected byUser = false;
  /** What a pending answerKey answers: a first key (`new`) or a changed one (`accepted`). */
  protected asked: 'new' | 'accepted' = 'accepted';
  private hang: 'end' | 'destroy' | null = null;
  protected now = 0;
  private handshakeDue: number | null = null;
  private firstByteDue: number | null = null;
  /** The first frame did not look like Parley: errors say this is probably not a Parley server. */
  private foreign = false;
  private lastHeard = 0;
  private pinged = false;
  private pingCounter = 0;

  protected constructor(options: ClientSessionOptions) {
    this.options = options;
    this.timings = { ...CLIENT_TIMINGS, ...options.timings };
    const profile = options.profile ?? 'auto';
    this.chosen = profile === 'auto' ? null : profile;
  }

  get state(): SessionState {
    return this.current;
  }

  /** The profile spoken, once known (at once unless `auto`). */
  get profile(): Profile | null {
    return this.chosen;
  }

  /** The handshake's outcome, once the server is trusted. */
  get ready(): ReadyInfo | null {
    return this.readyInfo;
  }

  /** The users in `#lobby` (the one room of a server without rooms) as last reported. */
  get users(): readonly string[] {
    return this.reader.roster.users;
  }

  /** The feature `rooms` is agreed on this connection (7.15): rooms besides `#lobby` exist. */
  get hasRooms(): boolean {
    return this.reader.rooms;
  }

  /** Requests sent and not yet answered: a chat line's echo or refusal, who, export (not pings). */
  get unanswered(): number {
    return this.pending.awaitingReplies;
  }

  /** What the adapter should do with the socket now: nothing, end it after the output, or drop it. */
  get hangUp(): 'end' | 'destroy' | null {
    return this.hang;
  }

  /** The earliest time `tick` has work to do, or null. */
  get nextDeadline(): number | null {
    if (this.current === 'closed' || this.hang) return null;
    const due: number[] = [];
    if (this.handshakeDue !== null) due.push(this.handshakeDue);
    if (this.firstByteDue !== null) due.push(this.firstByteDue);
    const exportDue = this.pending.exportDue;
    if (exportDue !== null) due.push(exportDue);
    if (this.keepsAlive()) {
      const { pingMs, idleTimeoutMs } = this.timings;
      if (pingMs > 0 && !this.pinged) due.push(this.lastHeard + pingMs);
      if (idleTimeoutMs > 0) due.push(this.lastHeard + idleTimeoutMs);
    }
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** Everything queued for the wire since the last call (empty once the socket is to be dropped). */
  takeOutput(): Buffer {
    const out = this.conn?.takeOutput() ?? Buffer.alloc(0);
    return this.hang === 'destroy' ? Buffer.alloc(0) : out;
  }

  // ---- the transport ----

  /** The adapter starts to connect: the handshake clock starts. */
  connect(now: number): SessionEvent[] {
    this.now = now;
    this.handshakeDue = now + this.timings.handshakeTimeoutMs;
    return this.setState('connecting');
  }

  /** TCP is up: the server speaks first. */
  open(now: number): SessionEvent[] {
    this.now = now;
    this.lastHeard = now;
    this.sniffer = new ProfileSniffer(this.options.maxFrame);
    if (this.timings.firstByteMs > 0) this.firstByteDue = now + this.timings.firstByteMs;
    return this.setState('handshaking');
  }

  receive(chunk: Uint8Array, now: number): SessionEvent[] {
    this.now = now;
    if (this.current === 'closed' || this.hang === 'destroy') return [];
    this.lastHeard = now;
    this.pinged = false;
    if (chunk.length > 0) this.firstByteDue = null;
    if (this.conn) return this.feed(this.conn.receive(chunk));
    const sniffed = this.sniffer?.push(chunk);
    if (!sniffed) return [];
    this.sniffer = null;
    const wanted = this.chosen;
    if (sniffed.parley && wanted && sniffed.profile !== wanted) {
      this.failWith('PROTOCOL_MISMATCH', profileMismatchMessage(sniffed.profile), 'destroy');
      return [];
    }
    this.foreign = !sniffed.parley;
    this.conn = this.makeConnection(wanted ?? sniffed.profile);
    return this.feed(this.conn.receive(sniffed.bytes));
  }

  /** The server closed its side. */
  receiveEnd(now: number): SessionEvent[] {
    this.now = now;
    this.hangUpWith('end');
    if (this.current === 'closed') return [];
    if (!this.conn) {
      if (!this.byUser)
        this.failWith('CONNECTION_LOST', 'the server closed the connection during the handshake');
      return [];
    }
    for (const event of this.conn.receiveEnd()) {
      if (event.kind === 'error' && !this.byUser) this.failWith(event.error.code, event.error.message);
    }
    return [];
  }

  /** The socket failed (`message` says how, e.g. "connection refused"). */
  transportFailed(message: string): void {
    this.failWith('CONNECTION_LOST', message);
  }

  /** The socket is gone: the one `closed` event. */
  transportClosed(now: number): SessionEvent[] {
    this.now = now;
    if (this.current === 'closed') return [];
    let error = this.fatal ?? undefined;
    if (!error && !this.byUser && this.goodbyeReason === undefined) {
      error = { code: 'CONNECTION_LOST', message: 'the connection ended', fatal: true };
    }
    return [
      ...this.setState('closed'),
      { kind: 'closed', byUser: this.byUser, goodbye: this.goodbyeReason, error },
    ];
  }

  tick(now: number): SessionEvent[] {
    this.now = now;
    if (this.current === 'closed' || this.hang) return [];
    if (this.handshakeDue !== null && now >= this.handshakeDue) {
      const seconds = this.timings.handshakeTimeoutMs / 1000;
      this.failWith(
        'HANDSHAKE_TIMEOUT',
        `the server did not complete the handshake within ${seconds} s`,
        'destroy',
      );
      return [];
    }
    if (this.firstByteDue !== null && now >= this.firstByteDue) {
      const seconds = this.timings.firstByteMs / 1000;
      this.failWith(
        'HANDSHAKE_TIMEOUT',
        `${this.serverName} sent nothing within ${seconds} s of connecting, and a Parley server speaks first: probably not a Parley server (check the host and port)`,
        'destroy',
      );
      return [];
    }
    const out: SessionEvent[] = [];
    while (this.pending.expireExport(now)) {
      out.push({ kind: 'export-timeout', seconds: this.timings.exportTimeoutMs / 1000 });
    }
    if (!this.keepsAlive() || !(this.conn instanceof V2ClientConnection)) return out;
    const silent = now - this.lastHeard;
    const { pingMs, idleTimeoutMs } = this.timings;
    if (idleTimeoutMs > 0 && silent >= idleTimeoutMs) {
      this.failWith(
        'CONNECTION_LOST',
        `nothing heard from the server for ${Math.round(silent / 1000)} s`,
        'destroy',
      );
    } else if (pingMs > 0 && silent >= pingMs && !this.pinged) {
      this.pinged = true;
      this.conn.ping(++this.pingCounter);
      this.pending.add({ kind: 'ping' });
    }
    return out;
  }

  // ---- inside ----

  private makeConnection(profile: Profile): Connection {
    this.chosen = profile;
    const { random, maxFrame } = this.options;
    return profile === 'v2'
      ? new V2ClientConnection({
          random,
          maxFrame,
          keyObjects: this.options.keyObjects,
          expectedFingerprint: this.options.pinned,
          features: this.options.features,
          clientKey: this.options.clientKey,
          // 5.6, 7.16: trust is decided here (trust()), and the key signs only after it.
          trustLater: true,
        })
      : new LegacyClientConnection({ random, maxFrame, clock: () => this.now });
  }

  private feed(
    events: V2ClientConnectionEvent[] | ReturnType<LegacyClientConnection['receive']>,
  ): SessionEvent[] {
    const conn = this.conn!;
    const out: SessionEvent[] = [];
    for (const event of events) {
      if (this.hang === 'destroy') break;
      if (event.kind === 'error') this.onConnectionError(event.error, out);
      else if (event.kind === 'closed') this.goodbyeReason = event.reason ?? 'goodbye';
      else if (event.kind === 'authenticated') {
        this.reader.rooms = event.features.has('rooms');
        out.push(...this.trust('v2', event.fingerprint));
      }
      // 5.10: unauthenticated, so reported as the server's word, under the server's code.
      else if (event.kind === 'refused')
        this.failWith(event.code, serverRefusalText(event.code, event.message));
      else {
        // A user_list that completes a room_joined (7.15) answers no `who`.
        const continues = this.reader.continuesJoin(event.packet);
        const unsent = continues ? undefined : noteAnswer(this.pending, event.packet, this.reader.name);
        const read = this.reader.read(event.packet, this.now);
        out.push(
          ...this.onRoomEvents(unsent ? read.map((e) => (e.kind === 'error' ? { ...e, unsent } : e)) : read),
        );
      }
    }
    if (conn instanceof LegacyClientConnection && conn.state === 'READY' && this.current === 'handshaking') {
      out.push(...this.trust('legacy', null));
    }
    if (conn.state === 'ERROR' || conn.state === 'CLOSED') this.hangUpWith('end');
    return out;
  }

  private get serverName(): string {
    return this.options.server ?? 'the server';
  }

  private onConnectionError(error: { code: string; message: string }, out: SessionEvent[]): void {
    const presented = this.conn instanceof V2ClientConnection ? this.conn.presentedFingerprint : null;
    const pinned = this.options.pinned;
    if (error.code === 'FINGERPRINT_MISMATCH' && pinned && presented) {
      out.push(...this.refuse(error.code, pinMismatchLines(pinned, presented)));
      return;
    }
    if (this.foreign && !this.readyInfo) {
      this.failWith(
        error.code,
        `${this.serverName} does not look like a Parley server: ${error.message} (check the host and port)`,
      );
      return;
    }
    this.failWith(error.code, error.message);
  }

  private onRoomEvents(events: SessionEvent[]): SessionEvent[] {
    const out: SessionEvent[] = [];
    for (const event of events) {
      if (event.kind === 'joined') out.push(...this.setState('joined'));
      if (event.kind === 'join-refused') out.push(...this.setState('ready'));
      out.push(event);
    }
    return out;
  }

  /** The server proved `presented` (v2) or nothing (legacy): decide whether to go on (5.6). */
  private trust(profile: Profile, presented: string | null): SessionEvent[] {
    this.handshakeDue = null;
    const { known, pinned } = this.options;
    const decision = decideTrust({
      profile,
      requested: this.options.profile ?? 'auto',
      presented,
      known,
      pinned,
    });
    switch (decision.kind) {
      case 'trust':
        if (decision.trust === 'new' && presented && this.options.newKey === 'ask') {
          this.asked = 'new';
          return [...this.setState('ready'), { kind: 'key-unknown', presented }];
        }
        return this.becomeReady(profile, presented, decision.trust, decision.record);
      case 'refuse':
        return this.refuse(decision.code, decision.lines);
      case 'changed': {
        const how = this.options.changedKey ?? 'refuse';
        if (how === 'accept') return this.becomeReady(profile, presented, 'accepted', true, decision.known);
        if (how === 'ask') {
          return [
            ...this.setState('ready'),
            { kind: 'key-changed', known: decision.known, presented: decision.presented },
          ];
        }
        const lines = changedKeyLines(
          this.options.server ?? 'this server',
          decision.known,
          decision.presented,
        );
        return this.refuse('FINGERPRINT_MISMATCH', lines);
      }
    }
  }

  protected becomeReady(
    profile: Profile,
    fingerprint: string | null,
    trust: ReadyInfo['trust'],
    record: boolean,
    replaced?: string,
  ): SessionEvent[] {
    const group = this.conn instanceof V2ClientConnection ? this.conn.group : null;
    const suite = profile === 'v2' ? `${group}${V2_SUITE_SUFFIX}` : LEGACY_SUITE;
    this.readyInfo = { profile, suite, fingerprint, trust };
    // The server is trusted now (5.6): only now may the user's key prove itself to it (7.16).
    if (this.conn instanceof V2ClientConnection) this.conn.trusted();
    const ready: SessionEvent = { kind: 'ready', ...this.readyInfo, record };
    return [...this.setState('ready'), replaced ? { ...ready, replaced } : ready];
  }

  /** The client will not go on with this server: drop the connection, say why, no retry. */
  private refuse(code: string, lines: readonly string[]): SessionEvent[] {
    this.byUser = true;
    this.failWith(code, lines[0] ?? code, 'destroy');
    return [{ kind: 'refused', code, lines }];
  }

  private keepsAlive(): boolean {
    return this.current === 'joined' && this.conn instanceof V2ClientConnection;
  }

  protected setState(state: SessionState): SessionEvent[] {
    if (this.current === state) return [];
    this.current = state;
    return [{ kind: 'state', state }];
  }

  /** Records the first fatal error (the one the `closed` event reports) and hangs up. */
  protected failWith(code: string, message: string, how: 'end' | 'destroy' = 'end'): void {
    if (!this.fatal) this.fatal = { code, message, fatal: true };
    this.hangUpWith(how);
  }

  protected hangUpWith(how: 'end' | 'destroy'): void {
    if (this.hang !== 'destroy') this.hang = how;
  }
}
