/**
 * One client connection to a Parley server, in either profile, sans-IO: the part of a client that
 * is the same for every program (the reference client, tests, tools).
 *
 * How this works: session-core.ts is the wire side (the adapter's transport calls, the profile's
 * connection, trust in the server's key, deadlines); this class adds the user's side: asking for a
 * name, chat, private messages, actions, the v2 features (nick, away, whois), rooms (7.15: join,
 * part, list, topic, and the room a line, `who` or export is for), the user list, an export, the
 * answer to a key question, and leaving. Without the feature `rooms` the only room is `#lobby`:
 * a request for it goes out in the 2.0 form, one for any other room is refused here. Each request throws a ParleyError when it
 * cannot be made now and changes nothing then; its answer comes later as events. The options and
 * timings are in client-options.ts. One session is one connection: reconnecting is a new one.
 */
import { parleyError } from '../errors.js';
import { V2ClientConnection } from '../session/v2-client-connection.js';
import type { ClientSessionOptions } from './client-options.js';
import type { SessionEvent } from './events.js';
import { LOBBY, sameRoom } from './room-book.js';
import { type Connection, SessionCore } from './session-core.js';

export * from './client-options.js';

export class ClientSession extends SessionCore {
  constructor(options: ClientSessionOptions) {
    super(options);
  }

  // ---- the user's side: each throws a ParleyError (not connected, not now, too long) and changes nothing ----

  /** Asks for a name (v2 join, legacy setuser); `joined` or `join-refused` follows. */
  join(name: string): SessionEvent[] {
    const conn = this.requireReady();
    conn.join(name);
    this.reader.name = name;
    return this.setState('joining');
  }

  /** A chat line to `room` (default `#lobby`, 7.15). */
  say(text: string, room?: string): SessionEvent[] {
    const conn = this.requireReady();
    const field = this.roomField(room);
    if (conn instanceof V2ClientConnection) {
      conn.say(text, field);
      this.pending.add({ kind: 'say', text });
      return [];
    }
    conn.say(text);
    // A legacy server forwards chat to the others only (10.3): report our own line ourselves.
    const from = this.reader.name ?? '';
    return [{ kind: 'message', message: { kind: 'chat', from, text, ts: this.now, room: LOBBY } }];
  }

  privateMessage(to: string, text: string): SessionEvent[] {
    const conn = this.requireV2('private messages');
    conn.privateMessage(to, text);
    this.pending.add({ kind: 'msg', to, text });
    return [];
  }

  /** An action in `room` (default `#lobby`, 7.15). */
  action(text: string, room?: string): SessionEvent[] {
    const conn = this.requireV2('actions (/me)');
    conn.action(text, this.roomField(room));
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
    if (away) conn.away(reason === undefined ? undefined : oneLine(reason));
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

  /** Refreshes a room's user list (v2 asks the server; legacy reports the list it keeps). */
  who(room?: string): SessionEvent[] {
    const conn = this.requireReady();
    const field = this.roomField(room);
    if (conn instanceof V2ClientConnection) {
      conn.who(field);
      this.pending.add({ kind: 'who' });
      return [];
    }
    return [{ kind: 'users', room: LOBBY, users: this.reader.roster.users }];
  }

  /** Asks for a room's conversation; `export` (v2) or `export-text` (legacy) follows. */
  requestExport(room?: string): SessionEvent[] {
    const conn = this.requireReady();
    const field = this.roomField(room);
    if (conn instanceof V2ClientConnection) conn.requestExport(field);
    else conn.requestExport();
    this.pending.add({ kind: 'export', due: this.now + this.timings.exportTimeoutMs });
    return [];
  }

  /** Joins `room` (feature rooms, 7.15); `room-joined` or a non-fatal error follows. */
  roomJoin(room: string): SessionEvent[] {
    this.requireRooms().roomJoin(room);
    this.pending.add({ kind: 'room_join' });
    return [];
  }

  /** Leaves `room` (feature rooms); `room-parted` or a non-fatal error (NOT_IN_ROOM) follows. */
  roomPart(room: string): SessionEvent[] {
    this.requireRooms().roomPart(room);
    this.pending.add({ kind: 'room_part' });
    return [];
  }

  /** Asks for every room on the server (feature rooms); `room-list` follows. */
  listRooms(): SessionEvent[] {
    this.requireRooms().listRooms();
    this.pending.add({ kind: 'rooms' });
    return [];
  }

  /** Sets (or, with `''`, clears) the topic of `room` (feature rooms); `topic` follows. */
  setTopic(room: string, topic: string): SessionEvent[] {
    this.requireRooms().setTopic(room, oneLine(topic));
    this.pending.add({ kind: 'topic' });
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

  private requireReady(): Connection {
    if (!this.conn || !this.readyInfo) {
      throw parleyError('PACKET_UNEXPECTED', 'not connected to a server yet');
    }
    return this.conn;
  }

  /**
   * The `room` field for a request to `room`: the room itself with the feature `rooms`; nothing
   * without it, where `#lobby` is the only room (7.15) and any other is refused.
   */
  private roomField(room: string | undefined): string | undefined {
    if (room === undefined || this.reader.rooms) return room;
    if (sameRoom(room, LOBBY)) return undefined;
    throw parleyError(
      'PACKET_UNEXPECTED',
      `this server has no rooms (feature rooms, 5.8): ${room} is not here`,
    );
  }

  private requireRooms(): V2ClientConnection {
    const conn = this.requireV2('rooms');
    if (!conn.features.has('rooms'))
      throw parleyError('PACKET_UNEXPECTED', 'this server has no rooms besides #lobby (feature rooms, 5.8)');
    return conn;
  }

  private requireV2(what: string): V2ClientConnection {
    const conn = this.requireReady();
    if (!(conn instanceof V2ClientConnection)) {
      throw parleyError('PACKET_UNEXPECTED', `legacy servers have no ${what}`);
    }
    return conn;
  }
}

/**
 * An away reason or a topic is one line without controls (7.1 free text, 7.15): a pasted tab or
 * escape becomes a space rather than a fatal PACKET_MALFORMED.
 */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}
