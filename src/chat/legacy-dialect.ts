/**
 * The legacy server profile (spec 10): the original's chat, minus the defects a client cannot see.
 *
 * How this works: names come from the room, never from the packet's `username` (the original
 * trusted it); shost/dhost are `0.0.0.0` (the original forwarded addresses); a connection gets
 * nothing until its key exchange has finished. Chat lines are forwarded to every *other* member,
 * as the original does. legacy has no error packet, so notices (rate limit, length) are `default`
 * packets from `*server*` that an original client shows as a chat line.
 */

import type { RandomSource } from '../crypto/key-agreement.js';
import type { ParleyError } from '../errors.js';
import {
  LEGACY_EXPORT_HEADER,
  LEGACY_MESSAGES,
  LEGACY_NAME_PATTERN,
  LEGACY_RESERVED_NAMES,
  LEGACY_SERVER_NAME,
} from '../generated/constants.js';
import { type LegacyPacket, legacyPacket, serializeLegacyPacket } from '../legacy/legacy-packet.js';
import { pythonDateString, pythonJsonString } from '../legacy/python-json.js';
import {
  LegacyServerConnection,
  type LegacyServerConnectionEvent,
} from '../session/legacy-server-connection.js';
import { Room } from './room.js';
import {
  type Conn,
  type LeaveReason,
  ServerCore,
  type ServerCoreOptions,
  type ServerProfile,
} from './server-core.js';

type LegacyConn = Conn<LegacyServerConnectionEvent>;
type LegacyCore = ServerCore<LegacyServerConnectionEvent>;

export interface LegacyServerOptions extends ServerCoreOptions {
  readonly random: RandomSource;
}

function endpointOf(conn: LegacyConn): LegacyServerConnection {
  return conn.endpoint as LegacyServerConnection;
}

/**
 * The original's export text: a header line, then `name> text` per chat line, each line ending in a
 * newline (10.5; the recorded session ends with `\n` after the last line).
 */
export function legacyExportText(lines: readonly string[]): string {
  return [LEGACY_EXPORT_HEADER, ...lines].map((line) => `${line}\n`).join('');
}

class LegacyProfile implements ServerProfile<LegacyServerConnectionEvent> {
  readonly name = 'legacy' as const;
  readonly idleChecks = false;

  constructor(private readonly options: LegacyServerOptions) {}

  createEndpoint(core: LegacyCore, now: number): LegacyServerConnection {
    const endpoint = new LegacyServerConnection({
      random: this.options.random,
      maxFrame: core.limits.maxFrame,
    });
    endpoint.start(pythonDateString(now));
    return endpoint;
  }

  /** Serialises once and seals for each member except `except`. */
  private broadcast(core: LegacyCore, packet: LegacyPacket, except?: LegacyConn): void {
    const plain = serializeLegacyPacket(packet, true);
    core.broadcast((member) => endpointOf(member).sendSerialized(plain), except);
  }

  /** Each member gets the names of the others (10.2, 10.4). */
  private listUpdate(core: LegacyCore, typ: 'client_list_update_add' | 'disconnection', now: number): void {
    const date = pythonDateString(now);
    const all = core.room.names();
    for (const member of core.members()) {
      const own = core.room.nameOf(member.id);
      const others = all.filter((n) => n !== own);
      endpointOf(member).send(legacyPacket(typ, LEGACY_SERVER_NAME, others, date));
      core.touched(member);
    }
  }

  handleEvent(core: LegacyCore, conn: LegacyConn, event: LegacyServerConnectionEvent, now: number): void {
    // A fatal error event is logged once, by the core, when it closes the connection.
    if (event.kind !== 'packet') return;
    const packet = event.packet;
    const endpoint = endpointOf(conn);
    const date = pythonDateString(now);
    const cont = typeof packet.cont === 'string' ? packet.cont : '';
    switch (packet.typ) {
      case 'setuser': {
        const verdict = core.room.checkName(cont);
        if (!verdict.ok) {
          endpoint.refuseJoin(date);
          return;
        }
        core.join(conn, cont);
        endpoint.acceptJoin(date);
        core.log('info', `conn ${conn.id}: joined as ${cont}`);
        this.listUpdate(core, 'client_list_update_add', now);
        return;
      }
      case 'export': {
        if (!core.takeToken(conn, now)) return;
        const lines = core.room
          .entries()
          .filter((e) => e.kind === 'message')
          .map((e) => `${e.from}> ${e.text}`);
        // The reply must fit one frame: base64 grows by 4/3, the other fields take under 512
        // bytes. Each line costs its JSON-escaped length (1 to 6 characters per character) plus
        // its escaped newline; the oldest lines go only when the whole log does not fit (10.5).
        const budget = Math.floor((core.limits.maxFrame * 3) / 4) - 512;
        const cost = (line: string) => pythonJsonString(line).length; // quotes stand for "\n"
        let size = cost(LEGACY_EXPORT_HEADER) + lines.reduce((n, line) => n + cost(line), 0);
        let first = 0;
        while (size > budget && first < lines.length) size -= cost(lines[first++]);
        const text = legacyExportText(lines.slice(first));
        endpoint.send(legacyPacket('export', LEGACY_SERVER_NAME, text, date));
        return;
      }
      default: {
        // 10.3: a chat line (unknown typ values arrive here as `default`). Empty lines are ignored.
        if (cont === '') return;
        if (!core.takeToken(conn, now) || !core.checkLength(conn, cont, now)) return;
        const from = core.room.nameOf(conn.id)!;
        core.record({ kind: 'message', from, text: cont, ts: now });
        this.broadcast(core, legacyPacket('default', from, cont, date), conn);
      }
    }
  }

  announceLeave(core: LegacyCore, name: string, _reason: LeaveReason, now: number): void {
    const date = pythonDateString(now);
    this.broadcast(
      core,
      legacyPacket(
        'default',
        LEGACY_SERVER_NAME,
        LEGACY_MESSAGES.left.replace('{name}', name),
        date,
        'allhosts',
      ),
    );
    this.listUpdate(core, 'disconnection', now);
  }

  sendNotice(conn: LegacyConn, error: ParleyError, now: number): void {
    const text = `[!] ${error.message} (${error.code})`;
    endpointOf(conn).send(legacyPacket('default', LEGACY_SERVER_NAME, text, pythonDateString(now)));
  }
}

/** A sans-IO legacy chat server. */
export function createLegacyServer(options: LegacyServerOptions): ServerCore<LegacyServerConnectionEvent> {
  return new ServerCore(
    new LegacyProfile(options),
    (limits) =>
      new Room(
        {
          maxName: limits.maxName,
          pattern: LEGACY_NAME_PATTERN,
          reserved: LEGACY_RESERVED_NAMES,
          caseInsensitive: false,
        },
        limits.history,
      ),
    options,
  );
}
