/**
 * The v2 wire dialect (spec 7): v2 packets on either side of the room.
 *
 * How this works: `read` turns a client packet into a request for the room (or answers it itself:
 * a ping); `render` turns the room's decision into deliveries of serialised packets. The server is
 * the authority: names come from the room, never from the packet, ids and timestamps from the
 * room (7.3). A broadcast is serialised once here and sealed per recipient by the endpoints.
 * The flow is one way (chat-server.ts): endpoint events come in, the room decides, this renders;
 * it reads the room and never calls the server. Rooms (7.15): a room's packets go to its members
 * only; `#lobby`'s come in the 2.0 form for members without the feature rooms and with `room` for
 * the others (the connection table picks the form per member). Its leaves: v2-membership.ts (the
 * decisions that change who is where: joins, leaves, renames, away, rooms joined and parted, with
 * their presence notices held and batched per room, 11: held notices go out before anything that
 * could overtake them), v2-room-packets.ts (a room's packets in its members' forms) and
 * export-reply.ts (lists split to fit a frame, the export's reply, 7.7).
 * Keys (7.16) are rendered only for members that agreed `client-key` and only for keyed members:
 * a broadcast from a keyed sender carries keyed forms beside its others (with and without `room`),
 * and the connection table hands each member the form its features call for.
 */

import { fingerprintOf } from '../crypto/identity.js';
import { KeyAgreement, type KeyPair } from '../crypto/key-agreement.js';
import { encodeFrame } from '../framing/frame-codec.js';
import { LIMITS, type Limits, V2_NAME_RULES, type V2Group } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { V2_FEATURE_NAMES, V2_PACKET_INFO, type V2ServerPacket } from '../generated/v2-packets.js';
import { encodeV2Packet, unb64 } from '../session/v2-codec.js';
import {
  V2ServerConnection,
  type V2ServerConnectionEvent,
  type V2ServerConnectionOptions,
} from '../session/v2-server-connection.js';
import { ChatServer } from './chat-server.js';
import { chunkByJsonSize, ExportReply, listBudget, REPLY_BUSY, STRUCTURED_EXPORT } from './export-reply.js';
import { Room, type RoomDecision, type RoomGuards, type RoomRequest } from './room.js';
import { isModerationKind } from './room-decision.js';
import type {
  ChatServerOptions,
  ConnId,
  Delivery,
  Encoded,
  Reading,
  WireDialect,
} from './server-contract.js';
import { checkStampedFit } from './stamped-fit.js';
import { CLIENT_KEY, keysFor, MODERATION, ROOMS, seesKeys, V2Membership } from './v2-membership.js';
import { one, RoomPackets, to } from './v2-room-packets.js';

export {
  chunkByJsonSize,
  ExportReply,
  exportChunks,
  type WireExportEntry,
  wireExportEntry,
} from './export-reply.js';
export { presenceHoldMs } from './presence-batch.js';

/**
 * A v2 chat server's options: those of its connections (V2ServerConnectionOptions: identity,
 * randomness, groups, key pairs, fast paths; the limits are the server's, ChatServerOptions), and
 * what the server adds.
 */
export interface V2ServerOptions extends ChatServerOptions, Omit<V2ServerConnectionOptions, 'limits'> {
  readonly motd?: string;
  /** The features offered in server_hello (5.8). Default: every feature of the spec's registry. */
  readonly features?: readonly string[];
  /** Reserved names (7.17) and moderation (7.18), when the server has them. */
  readonly guards?: RoomGuards;
}

/**
 * Client packets that leave held presence notices held (11): they make the server send nothing
 * that could overtake them. A join's joiner gets none of the held notices; a goodbye or error
 * only adds its leave notice behind them; a pong sends nothing. Every other packet flushes first,
 * so that a leave storm or idle clients answering pings do not cut a batch into single notices.
 */
const HOLDS_PRESENCE: ReadonlySet<string> = new Set(['join', 'goodbye', 'error', 'pong']);

/** `{ room }` when a packet names one, else nothing (absent means `#lobby`, 7.15). */
const scoped = (room: string | undefined) => (room === undefined ? {} : { room });

class V2Dialect implements WireDialect<V2ServerConnectionEvent> {
  readonly profile = 'v2' as const;
  readonly idleChecks = true;
  /** Joins, leaves, renames, away, rooms joined and parted, and their presence (v2-membership.ts). */
  private readonly membership: V2Membership;
  /** A room's packets in the forms its members need (v2-room-packets.ts). */
  private readonly packets: RoomPackets;
  private readonly features: readonly string[];

  constructor(
    private readonly options: V2ServerOptions,
    private readonly limits: Limits,
    model: Room<ConnId>,
  ) {
    this.features = options.features ?? V2_FEATURE_NAMES;
    // Only a server that offers rooms (7.15) sends packets that carry `room`.
    const offersRooms = this.features.includes(ROOMS);
    this.packets = new RoomPackets(limits, offersRooms);
    this.membership = new V2Membership(limits, this.packets, offersRooms, options, model);
  }

  /**
   * Without a source of key pairs, the server's KeyAgreement (the one passed in, else its own)
   * makes them: one per server, not one per connection, since making the modp14 engine is slow on
   * some Node releases (key-agreement.ts). Made at the first pair.
   */
  private agreement: KeyAgreement | null = null;
  private readonly ownKeyPairs = (group: V2Group): KeyPair => {
    this.agreement ??= this.options.keyAgreement ?? new KeyAgreement();
    return this.agreement.generateKeyPair(group, this.options.random);
  };

  get due(): number | null {
    return this.membership.due;
  }

  createEndpoint(): V2ServerConnection {
    const endpoint = new V2ServerConnection({
      identity: this.options.identity,
      random: this.options.random,
      limits: this.limits,
      groups: this.options.groups,
      keyPairs: this.options.keyPairs ?? this.ownKeyPairs,
      unusedKeyPair: this.options.unusedKeyPair,
      keyObjects: this.options.keyObjects,
      fastPaths: this.options.fastPaths,
      features: this.features,
    });
    endpoint.start();
    return endpoint;
  }

  rateCost(event: V2ServerConnectionEvent): number | null {
    return event.kind === 'packet' ? (V2_PACKET_INFO[event.packet.type].rateCost ?? null) : null;
  }

  answersPing(event: V2ServerConnectionEvent): boolean {
    return event.kind === 'packet' && event.packet.type === 'pong';
  }

  waitsForVerdict(event: V2ServerConnectionEvent): boolean {
    return event.kind === 'packet' && event.packet.type === 'join';
  }

  /** The plaintext `refused` packet sent instead of server_hello (5.10). */
  refusal(code: ErrorCode, message: string): Buffer {
    return encodeFrame(encodeV2Packet({ type: 'refused', code, message }));
  }

  read(
    event: V2ServerConnectionEvent,
    from: ConnId,
    _room: Room<ConnId>,
    _now: number,
    features: ReadonlySet<string>,
  ): Reading | null {
    // A fatal error event is logged once, by the server, when it closes the connection.
    if (event.kind !== 'packet') return null;
    const packet = event.packet;
    const deliveries = HOLDS_PRESENCE.has(packet.type) ? [] : this.membership.release();
    const ask = (request: RoomRequest): Reading => ({ deliveries, request });
    if (isModerationKind(packet.type)) {
      const { type, ...fields } = packet;
      return ask({ kind: type, ...fields } as RoomRequest);
    }
    switch (packet.type) {
      case 'join':
        return { request: { kind: 'join', name: packet.name, rooms: features.has(ROOMS) } };
      case 'say':
      case 'me':
        return ask({ kind: 'say', text: packet.text, action: packet.type === 'me', ...scoped(packet.room) });
      case 'msg':
        return ask({ kind: 'msg', to: packet.to, text: packet.text });
      case 'who':
      case 'export':
        return ask({ kind: packet.type, ...scoped(packet.room) });
      case 'nick':
        return ask({ kind: 'nick', name: packet.name });
      case 'away':
        return ask({ kind: 'away', away: true, reason: packet.reason ?? null });
      case 'back':
        return ask({ kind: 'away', away: false, reason: null });
      case 'whois':
        return ask({ kind: 'whois', name: packet.name });
      case 'room_join':
      case 'room_part':
        return ask({ kind: packet.type, room: packet.room });
      case 'rooms':
        return ask({ kind: 'rooms' });
      case 'topic':
        return ask({ kind: 'topic', room: packet.room, topic: packet.topic });
      case 'client_auth':
        // The endpoint verified the signature (7.16); whether the key is banned is the model's call.
        return ask({ kind: 'prove', fingerprint: fingerprintOf(unb64(packet.key)) });
      case 'error':
        // 4.3, 13.1: a fatal error ends the connection (the others hear it left with an error);
        // one with fatal false is only logged.
        return packet.fatal ? { gaveUp: packet.code } : { reported: packet.code };
      case 'ping':
        // Answered here, not on receipt, so that the pong follows the replies to every packet
        // that arrived before the ping (6.1: packets are processed in order).
        deliveries.push(one(from, { type: 'pong', n: packet.n }));
        return { deliveries };
      default:
        // pong and goodbye need nothing from the room, and hold presence back (HOLDS_PRESENCE):
        // nothing was released to send.
        return null;
    }
  }

  render(decision: RoomDecision<ConnId>, model: Room<ConnId>, now: number): readonly Delivery[] {
    const by = decision.by;
    switch (decision.kind) {
      case 'joined':
      case 'refused':
      case 'rename-refused':
      case 'renamed':
      case 'away':
      case 'left':
      case 'room-joined':
      case 'room-parted':
        return this.membership.render(decision, model, now);
      case 'whois': {
        const { kind: _kind, by: _by, ...fields } = decision;
        return [one(by, { type: 'whois_reply', ...fields })];
      }
      case 'none':
        return [];
      case 'message': {
        const { id, from, text, ts, room } = decision;
        const type = decision.action ? 'action' : 'message';
        // 7.16: a keyed sender's line carries its key for the members that agreed client-key.
        const key = model.factsOf(by)?.key ?? null;
        const extra = key === null ? undefined : { feature: CLIENT_KEY, fields: { key } };
        const forms = this.packets.forms(room, (s) => ({ type, id, from, text, ts, ...s }), extra);
        return [{ kind: 'broadcast', ...forms, type, from: by, among: room.members }];
      }
      case 'private': {
        const { id, from, to: name, text, ts } = decision;
        const key = model.factsOf(by)?.key ?? null;
        const plain = encodeV2Packet({ type: 'private', id, from, to: name, text, ts });
        const keyed =
          key === null ? plain : encodeV2Packet({ type: 'private', id, from, to: name, text, ts, key });
        const form = (id_: ConnId) => (seesKeys(model, id_) ? keyed : plain);
        const self = to(by, form(by), 'private');
        if (decision.target === by) return [self];
        const out = [self, to(decision.target, form(decision.target), 'private')];
        // 7.12: the sender is told that the target is away (dropped unless it agreed away).
        const reason = decision.targetAway;
        if (reason !== undefined)
          out.push(one(by, { type: 'user_away', name, away: true, ...(reason ? { reason } : {}), ts }));
        return out;
      }
      case 'who': {
        const out: Delivery[] = [];
        this.packets.users(out, by, decision.room, undefined, keysFor(model, by));
        return out;
      }
      case 'export': {
        // One large reply in flight per connection (7.7): a second gets RATE_LIMITED (REPLY_BUSY).
        const budget = listBudget(this.limits.maxFrame);
        const room = decision.room;
        // The cursor is made when the server delivers this, in the same step: the reply holds the
        // history as it is now (7.7), in the form the asker agreed (structured-export, rooms: 5.8).
        const source = (features: ReadonlySet<string>) =>
          new ExportReply(
            room.history,
            budget,
            features.has(STRUCTURED_EXPORT),
            features.has(ROOMS) ? room.name : undefined,
          );
        return [{ kind: 'stream', to: by, source, busy: REPLY_BUSY }];
      }
      case 'notice': {
        const { code, message, fatal } = decision.error;
        return [one(by, { type: 'error', code, message, fatal })];
      }
      case 'removed': {
        // 7.18: the news first (the server then ends the targets, whose leave follows it).
        if (!decision.announce) return [];
        const packet = encodeV2Packet({ type: 'moderated', ...decision.announce });
        // To those sharing a room with a target (7.15), and to the operator.
        const among = decision.among && new Set([...decision.among, by]);
        return [
          ...this.membership.release(),
          {
            kind: 'broadcast',
            packet,
            type: 'moderated',
            skip: decision.targets,
            ...(among ? { among } : {}),
          },
        ];
      }
      case 'moderated': {
        const packet: V2ServerPacket = { type: 'moderated', ...decision.announce };
        if (decision.to === 'operator') return [one(by, packet)];
        // To those sharing a room with the target (7.15; motd: everyone), and to the operator.
        const among = decision.among && new Set([...decision.among, by]);
        // A room-scoped mute's `room` only to members that agreed rooms (7.15): the others get the
        // news without it, as a connection without rooms is never sent a `room` (5.8).
        const { room: scope, ...wide } = packet;
        const forms =
          scope === undefined ? {} : { forms: [{ needs: [ROOMS], packet: encodeV2Packet(packet) }] };
        return [
          {
            kind: 'broadcast',
            packet: encodeV2Packet(scope === undefined ? packet : (wide as V2ServerPacket)),
            ...forms,
            type: 'moderated',
            ...(among ? { among } : {}),
          },
        ];
      }
      case 'ban-list':
        return this.listParts(decision.bans).map(({ part, more }) =>
          one(by, { type: 'ban_list', bans: part, ...more }),
        );
      case 'mute-list':
        return this.listParts(decision.mutes).map(({ part, more }) =>
          one(by, { type: 'mute_list', mutes: part, ...more }),
        );
      case 'room-list':
        return this.packets.roomList(by, decision.rooms);
      case 'topic': {
        const { room, topic, name, ts } = decision;
        const packet = encodeV2Packet({ type: 'topic_changed', room: room.name, topic, by: name, ts });
        return [{ kind: 'broadcast', packet, type: 'topic_changed', among: room.members }];
      }
    }
  }

  /**
   * An operator's list (ban_list, mute_list: 7.18) in parts that each fit maxFrame, split like
   * user_list: every part but the last has `more: true`; an empty list is one empty part.
   */
  private listParts<T>(entries: readonly T[]): { part: T[]; more: { more?: true } }[] {
    const chunks = chunkByJsonSize(
      entries,
      listBudget(this.limits.maxFrame),
      (e) => JSON.stringify(e).length * 6 + 1,
    );
    if (chunks.length === 0) chunks.push([]);
    return chunks.map((part, i) => ({
      part: [...part],
      more: i < chunks.length - 1 ? { more: true as const } : {},
    }));
  }

  /** A liveness ping (11); a server with fast paths serialises it once per batch (fast-paths.ts). */
  ping(now: number): Buffer {
    return this.options.fastPaths?.pings.ping(now) ?? encodeV2Packet({ type: 'ping', n: now });
  }

  skipped(count: number): Encoded {
    const message = `${count} chat line${count === 1 ? ' was' : 's were'} skipped: the room spoke faster than this connection read (export has them)`;
    return {
      packet: encodeV2Packet({ type: 'error', code: 'LINES_SKIPPED', message, fatal: false }),
      type: 'error',
    };
  }

  tick(_room: Room<ConnId>, now: number): readonly Delivery[] {
    const due = this.membership.due;
    if (due === null || now < due) return [];
    return this.membership.release();
  }
}

/**
 * 11.1: refuses (LIMITS_INCONSISTENT) limits under which a packet a server offering `features`
 * builds could outgrow maxFrame, so that it refuses to start rather than send records clients refuse.
 */
export function checkV2Limits(
  limits: Limits,
  features: readonly string[] = V2_FEATURE_NAMES,
  motd?: string,
): void {
  // A key makes a stamped packet longer (7.16), a room too (7.15); moderation adds the motd and
  // reasons (7.18), and join_ok carries a motd given at start-up.
  checkStampedFit(
    limits,
    features.includes(ROOMS),
    features.includes(CLIENT_KEY),
    features.includes(MODERATION),
    motd,
  );
}

/** A sans-IO v2 chat server. */
export function createV2Server(options: V2ServerOptions): ChatServer<V2ServerConnectionEvent> {
  const limits: Limits = { ...LIMITS, ...options.limits };
  checkV2Limits(limits, options.features, options.motd);
  const model = new Room<ConnId>(V2_NAME_RULES, limits, true, options.guards);
  return new ChatServer(new V2Dialect(options, limits, model), model, limits, options);
}
