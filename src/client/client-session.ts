/**
 * One client connection to a Parley server, in either profile, sans-IO: the part of a client that
 * is the same for every program (the reference client, tests, tools).
 *
 * How this works: the adapter owns the socket and the timers and calls in: `connect(now)` when it
 * starts to connect, `open(now)` once TCP is up, `receive(bytes, now)`, `receiveEnd(now)`,
 * `tick(now)` at `nextDeadline`, and `transportClosed(now)` when the socket is gone. Every call
 * returns events (events.ts); afterwards the adapter writes `takeOutput()` and, when `hangUp` says
 * so, ends the socket (`end`: after what was written) or drops it (`destroy`). Inside, one
 * connection of the profile (chosen at once, or sniffed from the first frame with `auto`, spec 2)
 * speaks the wire, trust.ts decides about the server's key (5.6), room-reader.ts turns packets into
 * events, and the timings come from the spec (11): the handshake must end within
 * clientHandshakeTimeoutMs; once joined, a v2 client pings a server silent for clientPingMs and
 * gives up after clientIdleTimeoutMs. Two client-side timings are this module's own: a server
 * speaks first in both profiles (2), so one silent for FIRST_BYTE_TIMEOUT_MS after TCP is up is
 * named as probably not a Parley server at once rather than after the whole handshake timeout; and
 * an export unanswered for EXPORT_TIMEOUT_MS is given up on (pending-requests.ts, which also names
 * the chat line a server refused). The first frame is always sniffed (profile-sniffer.ts), also
 * with a profile chosen by the user, so that a server of the other profile, or one that is not
 * Parley at all, is named as such. One session is one connection: reconnecting is a new one.
 */
import type { RandomSource } from '../crypto/key-agreement.js';
import { parleyError } from '../errors.js';
import { LIMITS } from '../generated/constants.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';
import type { LegacyPacket } from '../legacy/legacy-packet.js';
import { LegacyClientConnection } from '../session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../session/v2-client-connection.js';
import type { ReadyInfo, SessionError, SessionEvent, SessionState } from './events.js';
import { EXPORT_TIMEOUT_MS, PendingRequests, type UnsentLine } from './pending-requests.js';
import { ProfileSniffer } from './profile-sniffer.js';
import { RoomReader } from './room-reader.js';
import { serverRefusalText } from './server-refusal.js';
import { changedKeyLines, decideTrust, type Profile, type ProfileOption, pinMismatchLines } from './trust.js';

export const V2_SUITE_SUFFIX = '+AES-256-GCM';
export const LEGACY_SUITE = 'modp14 (legacy) AES-256-CFB8, unauthenticated';

export interface ClientTimings {
  /** From connect() to the end of the handshake (spec 11 clientHandshakeTimeoutMs). */
  readonly handshakeTimeoutMs: number;
  /** v2, joined: ping a server silent this long; 0 never (clientPingMs). */
  readonly pingMs: number;
  /** v2, joined: give up on a server silent this long; 0 never (clientIdleTimeoutMs). */
  readonly idleTimeoutMs: number;
  /** From TCP up to the server's first byte; past it, probably not a Parley server; 0 never. */
  readonly firstByteMs: number;
  /** From asking for an export to its whole answer; past it the export is given up on. */
  readonly exportTimeoutMs: number;
}

/**
 * A Parley server speaks first, at once (2): one silent this long after the TCP connection is up
 * is most likely some other service (or a wrong port). Short, so that a wrong port is named within
 * a couple of seconds instead of after the whole handshake timeout, yet well above a round trip.
 */
export const FIRST_BYTE_TIMEOUT_MS = 2000;

export const CLIENT_TIMINGS: ClientTimings = {
  handshakeTimeoutMs: LIMITS.clientHandshakeTimeoutMs,
  pingMs: LIMITS.clientPingMs,
  idleTimeoutMs: LIMITS.clientIdleTimeoutMs,
  firstByteMs: FIRST_BYTE_TIMEOUT_MS,
  exportTimeoutMs: EXPORT_TIMEOUT_MS,
};

export interface ClientSessionOptions {
  readonly random: RandomSource;
  readonly profile?: ProfileOption;
  /** The key recorded for this server (known_servers). */
  readonly known?: string;
  /** The only key to accept (--fingerprint); any other is refused, naming both. */
  readonly pinned?: string;
  /** A v2 key other than `known`: ask (`key-changed`, then answerKey), accept and record, or refuse. */
  readonly changedKey?: 'ask' | 'accept' | 'refuse';
  /**
   * A v2 key seen for the first time (no `known`, no `pinned`): accept and record it (trust on first
   * use, the default), or ask first (`key-unknown`, then answerKey), as SSH asks on first contact.
   */
  readonly newKey?: 'ask' | 'accept';
  /** The server as the user names it (`host:port`), for messages. */
  readonly server?: string;
  readonly timings?: Partial<ClientTimings>;
  readonly maxFrame?: number;
  /** Hold the record keys as KeyObjects (record-layer.ts). */
  readonly keyObjects?: boolean;
  /** v2 features this client wants (spec 5.8); it lists those the server offers. Default: none. */
  readonly features?: readonly string[];
}

type Connection = V2ClientConnection | LegacyClientConnection;

export class ClientSession {
  private readonly options: ClientSessionOptions;
  private readonly timings: ClientTimings;
  private readonly reader = new RoomReader();
  private readonly pending = new PendingRequests();
  private current: SessionState = 'idle';
  private conn: Connection | null = null;
  private sniffer: ProfileSniffer | null = null;
  private chosen: Profile | null;
  private readyInfo: ReadyInfo | null = null;
  private fatal: SessionError | null = null;
  private goodbyeReason: string | undefined;
  private byUser = false;
  /** What a pending answerKey answers: a first key (`new`) or a changed one (`accepted`). */
  private asked: 'new' | 'accepted' = 'accepted';
  private hang: 'end' | 'destroy' | null = null;
  private now = 0;
  private handshakeDue: number | null = null;
  private firstByteDue: number | null = null;
  /** The first frame did not look like Parley: errors say this is probably not a Parley server. */
  private foreign = false;
  private lastHeard = 0;
  private pinged = false;
  private pingCounter = 0;

  constructor(options: ClientSessionOptions) {
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

  /** The users in the room as last reported. */
  get users(): readonly string[] {
    return this.reader.roster.users;
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

  // ---- the user's side: each throws a ParleyError (not connected, not now, too long) and changes nothing ----

  /** Asks for a name (v2 join, legacy setuser); `joined` or `join-refused` follows. */
  join(name: string): SessionEvent[] {
    const conn = this.requireReady();
    conn.join(name);
    this.reader.name = name;
    return this.setState('joining');
  }

  say(text: string): SessionEvent[] {
    const conn = this.requireReady();
    conn.say(text);
    if (conn instanceof V2ClientConnection) {
      this.pending.add({ kind: 'say', text });
      return [];
    }
    // A legacy server forwards chat to the others only (10.3): report our own line ourselves.
    return [{ kind: 'message', message: { kind: 'chat', from: this.reader.name ?? '', text, ts: this.now } }];
  }

  privateMessage(to: string, text: string): SessionEvent[] {
    const conn = this.requireV2('private messages');
    conn.privateMessage(to, text);
    this.pending.add({ kind: 'msg', to, text });
    return [];
  }

  action(text: string): SessionEvent[] {
    const conn = this.requireV2('actions (/me)');
    conn.action(text);
    this.pending.add({ kind: 'me', text });
    return [];
  }

  /** Asks for a new name (v2 feature nick, 7.11); `renamed` or a NAME_* error follows. */
  nick(name: string): SessionEvent[] {
    const conn = this.requireV2('renaming (/nick)');
    if (!conn.features.has('nick'))
      throw parleyError('PACKET_UNEXPECTED', 'this server does not offer renaming (feature nick, 5.8)');
    conn.nick(name);
    return [];
  }

  /** Away with an optional reason, or back (v2 feature away, 7.12). */
  away(away: boolean, reason?: string): SessionEvent[] {
    const conn = this.requireV2('away state (/away)');
    if (!conn.features.has('away'))
      throw parleyError('PACKET_UNEXPECTED', 'this server does not offer away (feature away, 5.8)');
    if (away) conn.away(reason);
    else conn.back();
    return [];
  }

  /** Asks about one member (v2 feature whois, 7.13); `whois` or NO_SUCH_USER follows. */
  whois(name: string): SessionEvent[] {
    const conn = this.requireV2('whois');
    if (!conn.features.has('whois'))
      throw parleyError('PACKET_UNEXPECTED', 'this server does not offer whois (feature whois, 5.8)');
    conn.whois(name);
    return [];
  }

  /** Refreshes the user list (v2 asks the server; legacy reports the list it keeps). */
  who(): SessionEvent[] {
    const conn = this.requireReady();
    if (conn instanceof V2ClientConnection) {
      conn.who();
      this.pending.add({ kind: 'who' });
      return [];
    }
    return [{ kind: 'users', users: this.reader.roster.users }];
  }

  /** Asks for the conversation; `export` (v2) or `export-text` (legacy) follows. */
  requestExport(): SessionEvent[] {
    const conn = this.requireReady();
    conn.requestExport();
    this.pending.add({ kind: 'export', due: this.now + this.timings.exportTimeoutMs });
    return [];
  }

  /** The user's answer to `key-changed`: go on with the new key (recording it), or refuse it. */
  answerKey(accept: boolean): SessionEvent[] {
    if (this.current !== 'ready' || this.readyInfo || !(this.conn instanceof V2ClientConnection)) return [];
    if (!accept) {
      this.byUser = true;
      this.failWith('FINGERPRINT_MISMATCH', 'the new server key was not accepted', 'destroy');
      return [];
    }
    return this.becomeReady('v2', this.conn.fingerprint, this.asked, true);
  }

  /** Leaves cleanly (v2 goodbye) and ends the connection. */
  quit(reason = 'quit'): SessionEvent[] {
    this.byUser = true;
    const conn = this.conn;
    if (conn && conn.state !== 'ERROR' && conn.state !== 'CLOSED') {
      if (conn instanceof V2ClientConnection) conn.goodbye(reason);
      else conn.goodbye();
    }
    this.hangUpWith('end');
    return [];
  }

  /** Drops the connection at once, telling the server nothing more. */
  abort(code: string, message: string): SessionEvent[] {
    this.byUser = true;
    this.failWith(code, message, 'destroy');
    return [];
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
      else if (event.kind === 'authenticated') out.push(...this.trust('v2', event.fingerprint));
      // 5.10: unauthenticated, so reported as the server's word, under the server's code.
      else if (event.kind === 'refused')
        this.failWith(event.code, serverRefusalText(event.code, event.message));
      else {
        const unsent = this.track(event.packet);
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

  /** Notes the answers to open requests (pending-requests.ts); a refused chat line, if one was. */
  private track(packet: V2ServerPacket | LegacyPacket): UnsentLine | undefined {
    if (!('type' in packet)) {
      if (packet.typ === 'export') this.pending.answered('export');
      return undefined;
    }
    switch (packet.type) {
      case 'message':
      case 'action':
        if (packet.from === this.reader.name)
          this.pending.echoed({ kind: packet.type === 'message' ? 'say' : 'me', text: packet.text });
        return undefined;
      case 'private':
        if (packet.from === this.reader.name)
          this.pending.echoed({ kind: 'msg', to: packet.to, text: packet.text });
        return undefined;
      case 'user_list':
        this.pending.answered('who');
        return undefined;
      case 'export_reply':
        if (packet.done) this.pending.answered('export');
        return undefined;
      case 'pong':
        this.pending.answered('ping');
        return undefined;
      case 'error':
        return packet.fatal ? undefined : this.pending.refused();
      default:
        return undefined;
    }
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

  private becomeReady(
    profile: Profile,
    fingerprint: string | null,
    trust: ReadyInfo['trust'],
    record: boolean,
    replaced?: string,
  ): SessionEvent[] {
    const group = this.conn instanceof V2ClientConnection ? this.conn.group : null;
    const suite = profile === 'v2' ? `${group}${V2_SUITE_SUFFIX}` : LEGACY_SUITE;
    this.readyInfo = { profile, suite, fingerprint, trust };
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

  private setState(state: SessionState): SessionEvent[] {
    if (this.current === state) return [];
    this.current = state;
    return [{ kind: 'state', state }];
  }

  /** Records the first fatal error (the one the `closed` event reports) and hangs up. */
  private failWith(code: string, message: string, how: 'end' | 'destroy' = 'end'): void {
    if (!this.fatal) this.fatal = { code, message, fatal: true };
    this.hangUpWith(how);
  }

  private hangUpWith(how: 'end' | 'destroy'): void {
    if (this.hang !== 'destroy') this.hang = how;
  }

  private requireReady(): Connection {
    if (!this.conn || !this.readyInfo) {
      throw parleyError('PACKET_UNEXPECTED', 'not connected to a server yet');
    }
    return this.conn;
  }

  private requireV2(what: string): V2ClientConnection {
    const conn = this.requireReady();
    if (!(conn instanceof V2ClientConnection)) {
      throw parleyError('PACKET_UNEXPECTED', `legacy servers have no ${what}`);
    }
    return conn;
  }
}

/** What to say when the server speaks the other profile than the one asked for (spec 2). */
export function profileMismatchMessage(spoken: Profile): string {
  return spoken === 'legacy'
    ? 'this server speaks legacy (the original pyChat protocol), not v2 as --profile v2 asked: run with --profile auto (or --profile legacy) to talk to it'
    : 'this server speaks v2, not legacy as --profile legacy asked: run with --profile auto (or --profile v2) to talk to it';
}
