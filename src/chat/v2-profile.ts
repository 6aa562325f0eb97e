/**
 * The v2 server profile (spec 7): turns client packets into room changes and stamped broadcasts.
 *
 * How this works: the core hands over each packet from a connection's endpoint. The server is the
 * authority: names come from the room, never from the packet, ids and timestamps from the server
 * (7.3). A broadcast is serialised once and sealed per recipient.
 */

import type { Identity } from '../crypto/identity.js';
import type { RandomSource } from '../crypto/key-agreement.js';
import { type ParleyError, parleyError } from '../errors.js';
import { V2_NAME_PATTERN, V2_RESERVED_NAMES, type V2Group } from '../generated/constants.js';
import type { V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet } from '../session/v2-codec.js';
import { V2ServerConnection, type V2ServerConnectionEvent } from '../session/v2-server-connection.js';
import type { HistoryEntry } from './room.js';
import { Room } from './room.js';
import {
  type Conn,
  type LeaveReason,
  ServerCore,
  type ServerCoreOptions,
  type ServerProfile,
} from './server-core.js';

type V2Conn = Conn<V2ServerConnectionEvent>;
type V2Core = ServerCore<V2ServerConnectionEvent>;

export interface V2ServerOptions extends ServerCoreOptions {
  readonly identity: Identity;
  readonly random: RandomSource;
  readonly groups?: readonly V2Group[];
}

function endpointOf(conn: V2Conn): V2ServerConnection {
  return conn.endpoint as V2ServerConnection;
}

/** Room entries for export, split so that each export_reply stays well inside maxFrame (7.7). */
export function exportChunks(entries: readonly HistoryEntry[], maxFrame: number): HistoryEntry[][] {
  const budget = Math.max(256, maxFrame - 1024);
  const chunks: HistoryEntry[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const cost = JSON.stringify(entry).length * 3 + 1; // worst case: every char 3 UTF-8 bytes
    if (size + cost > budget && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(entry);
    size += cost;
  }
  return chunks;
}

class V2Profile implements ServerProfile<V2ServerConnectionEvent> {
  readonly name = 'v2' as const;
  readonly idleChecks = true;

  constructor(private readonly options: V2ServerOptions) {}

  createEndpoint(core: V2Core): V2ServerConnection {
    const endpoint = new V2ServerConnection({
      identity: this.options.identity,
      random: this.options.random,
      limits: core.limits,
      groups: this.options.groups,
    });
    endpoint.start();
    return endpoint;
  }

  private broadcast(core: V2Core, packet: V2ServerPacket, except?: V2Conn): void {
    const json = encodeV2Packet(packet);
    for (const member of core.members()) {
      if (member === except) continue;
      endpointOf(member).sendEncoded(json);
      core.touched(member);
    }
  }

  handleEvent(core: V2Core, conn: V2Conn, event: V2ServerConnectionEvent, now: number): void {
    if (event.kind === 'error') {
      core.log('info', `conn ${conn.id}: ${event.error.code}: ${event.error.message}`);
      return;
    }
    if (event.kind !== 'packet') return;
    const packet = event.packet;
    const endpoint = endpointOf(conn);
    const from = core.room.nameOf(conn.id);
    switch (packet.type) {
      case 'join': {
        const verdict = core.room.checkName(packet.name);
        if (!verdict.ok) {
          endpoint.refuseJoin(verdict.code, verdict.message);
          return;
        }
        core.room.join(conn.id, packet.name);
        endpoint.acceptJoin(packet.name, core.room.names(), core.motd);
        core.record({ kind: 'join', from: packet.name, text: `${packet.name} joined`, ts: now });
        core.log('info', `conn ${conn.id}: joined as ${packet.name}`);
        this.broadcast(core, { type: 'user_joined', name: packet.name, ts: now }, conn);
        return;
      }
      case 'say':
      case 'me': {
        if (!core.takeToken(conn, now) || !core.checkLength(conn, packet.text, now)) return;
        const id = core.room.nextId();
        const kind = packet.type === 'say' ? 'message' : 'action';
        core.record({ kind, from: from!, text: packet.text, ts: now });
        this.broadcast(core, { type: kind, id, from: from!, text: packet.text, ts: now });
        return;
      }
      case 'msg': {
        if (!core.takeToken(conn, now) || !core.checkLength(conn, packet.text, now)) return;
        const targetId = core.room.idOf(packet.to);
        const target = targetId === undefined ? undefined : core.connection(targetId);
        if (!target) {
          this.sendNotice(conn, noSuchUser(packet.to), now);
          return;
        }
        const to = core.room.nameOf(target.id)!;
        const json = encodeV2Packet({
          type: 'private',
          id: core.room.nextId(),
          from: from!,
          to,
          text: packet.text,
          ts: now,
        });
        endpoint.sendEncoded(json);
        if (target !== conn) {
          endpointOf(target).sendEncoded(json);
          core.touched(target);
        }
        return;
      }
      case 'who':
        if (core.takeToken(conn, now)) endpoint.send({ type: 'user_list', users: core.room.names() });
        return;
      case 'export': {
        if (!core.takeToken(conn, now)) return;
        const chunks = exportChunks(core.room.entries(), core.limits.maxFrame);
        chunks.forEach((entries, i) => {
          endpoint.send({ type: 'export_reply', entries, done: i === chunks.length - 1 });
        });
        return;
      }
      default:
        // ping (answered by the endpoint), pong, goodbye and error need nothing from the room.
        return;
    }
  }

  announceLeave(core: V2Core, name: string, reason: LeaveReason, now: number): void {
    core.record({ kind: 'leave', from: name, text: `${name} left`, ts: now });
    this.broadcast(core, { type: 'user_left', name, reason, ts: now });
  }

  ping(conn: V2Conn, now: number): void {
    endpointOf(conn).send({ type: 'ping', n: now });
  }

  sendNotice(conn: V2Conn, error: ParleyError, _now: number): void {
    endpointOf(conn).sendError(error);
  }
}

function noSuchUser(name: string): ParleyError {
  return parleyError('NO_SUCH_USER', `nobody called "${name}" is here`);
}

/** A sans-IO v2 chat server. */
export function createV2Server(options: V2ServerOptions): ServerCore<V2ServerConnectionEvent> {
  const rules = (maxName: number) => ({
    maxName,
    pattern: V2_NAME_PATTERN,
    reserved: V2_RESERVED_NAMES,
    caseInsensitive: true,
  });
  return new ServerCore(
    new V2Profile(options),
    (limits) => new Room(rules(limits.maxName), limits.history),
    options,
  );
}
