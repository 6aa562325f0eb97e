/**
 * The v2 wire dialect (spec 7): v2 packets on either side of the room.
 *
 * How this works: `read` turns a client packet into a request for the room (or answers it itself:
 * a ping); `render` turns the room's decision into deliveries of serialised packets. The server is
 * the authority: names come from the room, never from the packet, ids and timestamps from the
 * room (7.3). A broadcast is serialised once here and sealed per recipient by the endpoints.
 * The flow is one way (chat-server.ts): endpoint events come in, the room decides, this renders;
 * it reads the room and never calls the server. Its leaves: presence-batch.ts (presence notices
 * held and batched, 11: held notices go out before anything that could overtake them) and
 * export-reply.ts (lists split to fit a frame, the export's reply, 7.7).
 * Keys (7.16) are rendered only for members that agreed `client-key` and only for keyed members:
 * a broadcast from a keyed sender carries its keyed form as `alt`, which the connection table
 * hands to those that agreed the feature; every other member gets the packet it got before.
 */

import { fingerprintOf, type Identity } from '../crypto/identity.js';
import type { KeyPair, RandomSource } from '../crypto/key-agreement.js';
import { encodeFrame } from '../framing/frame-codec.js';
import { LIMITS, type Limits, V2_NAME_RULES, type V2Group } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import { V2_FEATURE_NAMES, V2_PACKET_INFO, type V2ServerPacket } from '../generated/v2-packets.js';
import type { FastPaths } from '../session/fast-paths.js';
import { encodeV2Packet, unb64 } from '../session/v2-codec.js';
import { V2ServerConnection, type V2ServerConnectionEvent } from '../session/v2-server-connection.js';
import { ChatServer } from './chat-server.js';
import { chunkByJsonSize, ExportReply, exportChunks, listBudget, STRUCTURED_EXPORT } from './export-reply.js';
import { PresenceBatch } from './presence-batch.js';
import { type ChatEntry, Room, type RoomDecision, type RoomGuards, type RoomRequest } from './room.js';
import type {
  ChatServerOptions,
  ConnId,
  Delivery,
  Encoded,
  Reading,
  WireDialect,
} from './server-contract.js';
import { checkStampedFit } from './stamped-fit.js';

export {
  chunkByJsonSize,
  ExportReply,
  exportChunks,
  type WireExportEntry,
  wireExportEntry,
} from './export-reply.js';
export { presenceHoldMs } from './presence-batch.js';

export interface V2ServerOptions extends ChatServerOptions {
  readonly motd?: string;
  readonly identity: Identity;
  readonly random: RandomSource;
  readonly groups?: readonly V2Group[];
  /** A source of ephemeral key pairs (see V2ServerConnectionOptions.keyPairs). */
  readonly keyPairs?: (group: V2Group) => KeyPair;
  /** Takes back offered pairs the client did not choose (V2ServerConnectionOptions.unusedKeyPair). */
  readonly unusedKeyPair?: (pair: KeyPair) => void;
  /** Record keys as KeyObjects (V2ServerConnectionOptions.keyObjects). */
  readonly keyObjects?: boolean;
  /**
   * The speed shortcuts of this server (session/fast-paths.ts: `serverFastPaths`); default none,
   * the plain path, which gives the same bytes.
   */
  readonly fastPaths?: FastPaths;
  /** The features offered in server_hello (5.8). Default: every feature of the spec's registry. */
  readonly features?: readonly string[];
  /** Reserved names (7.17) and moderation (7.18), when the server has them. */
  readonly guards?: RoomGuards;
}

/** The feature that shows keys (7.16) and the one that shows moderation (7.18). */
const CLIENT_KEY = 'client-key';
const MODERATION = 'moderation';

/**
 * Client packets that leave held presence notices held (11): they make the server send nothing
 * that could overtake them. A join's joiner gets none of the held notices; a goodbye or error
 * only adds its leave notice behind them; a pong sends nothing. Every other packet flushes first,
 * so that a leave storm or idle clients answering pings do not cut a batch into single notices.
 */
const HOLDS_PRESENCE: ReadonlySet<string> = new Set(['join', 'goodbye', 'error', 'pong']);

/** Registry features (5.8) this server does not serve yet: not offered unless named in `features`. */
const NOT_SERVED_YET: ReadonlySet<string> = new Set();

/** A serialised packet of `type` for one member. */
const to = (id: ConnId, packet: Buffer, type: V2ServerPacket['type']): Delivery => ({
  kind: 'send',
  to: id,
  packet,
  type,
});

/** One packet for one member. */
const one = (id: ConnId, packet: V2ServerPacket): Delivery => to(id, encodeV2Packet(packet), packet.type);

class V2Dialect implements WireDialect<V2ServerConnectionEvent> {
  readonly profile = 'v2' as const;
  readonly idleChecks = true;
  /** Presence notices, sent at once or held and batched (presence-batch.ts). */
  private readonly presenceBatch: PresenceBatch;

  constructor(
    private readonly options: V2ServerOptions,
    private readonly limits: Limits,
  ) {
    this.presenceBatch = new PresenceBatch(limits);
  }

  get due(): number | null {
    return this.presenceBatch.due;
  }

  createEndpoint(): V2ServerConnection {
    const endpoint = new V2ServerConnection({
      identity: this.options.identity,
      random: this.options.random,
      limits: this.limits,
      groups: this.options.groups,
      keyPairs: this.options.keyPairs,
      unusedKeyPair: this.options.unusedKeyPair,
      keyObjects: this.options.keyObjects,
      fastPaths: this.options.fastPaths,
      features: this.options.features ?? V2_FEATURE_NAMES.filter((name) => !NOT_SERVED_YET.has(name)),
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

  read(event: V2ServerConnectionEvent, from: ConnId, room: Room<ConnId>): Reading | null {
    // A fatal error event is logged once, by the server, when it closes the connection.
    if (event.kind !== 'packet') return null;
    const packet = event.packet;
    const deliveries = HOLDS_PRESENCE.has(packet.type) ? [] : this.presenceBatch.release(room);
    switch (packet.type) {
      case 'join':
        return { request: { kind: 'join', name: packet.name } };
      case 'say':
      case 'me':
        return { deliveries, request: { kind: 'say', text: packet.text, action: packet.type === 'me' } };
      case 'msg':
        return { deliveries, request: { kind: 'msg', to: packet.to, text: packet.text } };
      case 'who':
      case 'export':
        return { deliveries, request: { kind: packet.type } };
      case 'nick':
        return { deliveries, request: { kind: 'nick', name: packet.name } };
      case 'away':
        return { deliveries, request: { kind: 'away', away: true, reason: packet.reason ?? null } };
      case 'back':
        return { deliveries, request: { kind: 'away', away: false, reason: null } };
      case 'whois':
        return { deliveries, request: { kind: 'whois', name: packet.name } };
      case 'client_auth':
        // The endpoint verified the signature (7.16); whether the key is banned is the room's call.
        return { deliveries, request: { kind: 'prove', fingerprint: fingerprintOf(unb64(packet.key)) } };
      case 'kick':
      case 'ban':
      case 'unban':
      case 'bans':
      case 'mute':
      case 'unmute':
      case 'motd': {
        const { type, ...fields } = packet;
        return { deliveries, request: { kind: type, ...fields } as RoomRequest };
      }
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
        // pong and goodbye need nothing from the room.
        return deliveries.length > 0 ? { deliveries } : null;
    }
  }

  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[] {
    const by = decision.by;
    switch (decision.kind) {
      case 'joined': {
        const out: Delivery[] = [{ kind: 'settle', to: by, when: 'accepted' }];
        this.users(out, by, room, decision.name);
        this.backlog(out, by, room);
        // 7.12: who is away, for the newcomer's user list (dropped unless it agreed away).
        for (const { name, reason } of room.awayMembers())
          out.push(one(by, { type: 'user_away', name, away: true, ...(reason ? { reason } : {}), ts: now }));
        const facts = room.factsOf(by);
        const keyed = facts?.key ? { key: facts.key, ...(facts.op ? { op: true as const } : {}) } : undefined;
        this.presenceBatch.notice(
          out,
          room,
          { type: 'user_joined', name: decision.name, ts: now },
          now,
          by,
          keyed,
        );
        return out;
      }
      case 'refused': {
        const { code, message } = decision.verdict;
        return [{ kind: 'settle', to: by, when: 'refused' }, one(by, { type: 'join_error', code, message })];
      }
      case 'away': {
        const { name, away, reason, ts } = decision;
        const packet: V2ServerPacket = { type: 'user_away', name, away, ...(reason ? { reason } : {}), ts };
        return [{ kind: 'broadcast', packet: encodeV2Packet(packet), type: 'user_away' }];
      }
      case 'whois': {
        const { kind: _kind, by: _by, ...fields } = decision;
        return [one(by, { type: 'whois_reply', ...fields })];
      }
      case 'none':
        return [];
      case 'rename-refused': {
        const { code, message } = decision.verdict;
        return [one(by, { type: 'join_error', code, message })];
      }
      case 'renamed': {
        // 7.11: members with nick get user_renamed; the others (2.0 clients) a leave and a join.
        const { from, to: name, ts } = decision;
        const key = room.factsOf(by)?.key ?? null;
        const renamed = encodeV2Packet({ type: 'user_renamed', from, to: name, ts });
        const left = encodeV2Packet({ type: 'user_left', name: from, reason: 'quit', ts });
        const joined = encodeV2Packet({ type: 'user_joined', name, ts });
        const alt = key === null ? {} : keyedAlt({ type: 'user_renamed', from, to: name, ts, key });
        return [
          { kind: 'broadcast', packet: renamed, type: 'user_renamed', ...alt },
          { kind: 'broadcast', packet: left, type: 'user_left', unless: 'nick', except: by },
          { kind: 'broadcast', packet: joined, type: 'user_joined', unless: 'nick', except: by },
        ];
      }
      case 'message': {
        const { id, from, text, ts } = decision;
        const type = decision.action ? 'action' : 'message';
        const key = room.factsOf(by)?.key ?? null;
        const packet = encodeV2Packet({ type, id, from, text, ts });
        // 7.16: a keyed sender's line carries its key for the members that agreed client-key.
        if (key === null) return [{ kind: 'broadcast', packet, type }];
        return [{ kind: 'broadcast', packet, type, ...keyedAlt({ type, id, from, text, ts, key }) }];
      }
      case 'private': {
        const { id, from, to: name, text, ts } = decision;
        const key = room.factsOf(by)?.key ?? null;
        const plain = encodeV2Packet({ type: 'private', id, from, to: name, text, ts });
        const keyed =
          key === null ? plain : encodeV2Packet({ type: 'private', id, from, to: name, text, ts, key });
        const form = (id_: ConnId) => (seesKeys(room, id_) ? keyed : plain);
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
        this.users(out, by, room);
        return out;
      }
      case 'export': {
        // One export in flight per connection (7.7): a second gets RATE_LIMITED, the first goes on.
        const message = 'an export is still on its way: wait for it to finish';
        const busy = { type: 'error', code: 'RATE_LIMITED', message, fatal: false } as const;
        const budget = listBudget(this.limits.maxFrame);
        // The cursor is made when the server delivers this, in the same step: the reply holds the
        // history as it is now (7.7), in the form the asker agreed (structured-export, 5.8).
        const source = (features: ReadonlySet<string>) =>
          new ExportReply(room.history, budget, features.has(STRUCTURED_EXPORT));
        return [{ kind: 'stream', to: by, source, busy: { packet: encodeV2Packet(busy), type: 'error' } }];
      }
      case 'notice': {
        const { code, message, fatal } = decision.error;
        return [one(by, { type: 'error', code, message, fatal })];
      }
      case 'removed': {
        // 7.18: the news first (the server then ends the targets, whose leave follows it).
        if (!decision.announce) return [];
        const packet = encodeV2Packet({ type: 'moderated', ...decision.announce });
        return [
          ...this.presenceBatch.release(room),
          { kind: 'broadcast', packet, type: 'moderated', skip: decision.targets },
        ];
      }
      case 'moderated': {
        const packet: V2ServerPacket = { type: 'moderated', ...decision.announce };
        if (decision.to === 'operator') return [one(by, packet)];
        return [{ kind: 'broadcast', packet: encodeV2Packet(packet), type: 'moderated' }];
      }
      case 'ban-list': {
        const chunks = chunkByJsonSize(
          decision.bans,
          listBudget(this.limits.maxFrame),
          (b) => JSON.stringify(b).length * 6 + 1,
        );
        if (chunks.length === 0) chunks.push([]);
        return chunks.map((bans, i) =>
          one(by, {
            type: 'ban_list',
            bans: [...bans],
            ...(i < chunks.length - 1 ? { more: true as const } : {}),
          }),
        );
      }
      case 'left': {
        this.presenceBatch.forget(by);
        const out: Delivery[] = [];
        const { name, reason } = decision;
        if (reason === 'kicked' || reason === 'banned') {
          // 7.18: `kicked`/`banned` only to members that agreed moderation, `quit` to the others;
          // sent at once, after whatever presence was held, so that it follows the news.
          out.push(...this.presenceBatch.release(room));
          const plain = encodeV2Packet({ type: 'user_left', name, reason: 'quit', ts: now });
          const alt = {
            feature: MODERATION,
            packet: encodeV2Packet({ type: 'user_left', name, reason, ts: now }),
          };
          out.push({ kind: 'broadcast', packet: plain, type: 'user_left', alt });
          return out;
        }
        this.presenceBatch.notice(
          out,
          room,
          { type: 'user_left', name: decision.name, reason: decision.reason, ts: now },
          now,
        );
        return out;
      }
    }
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

  tick(room: Room<ConnId>, now: number): readonly Delivery[] {
    const due = this.presenceBatch.due;
    if (due === null || now < due) return [];
    return this.presenceBatch.release(room);
  }

  /** The user list for `by` in as many packets as it needs (7.6), the first a join_ok on a join. */
  private users(out: Delivery[], by: ConnId, room: Room<ConnId>, joined?: string): void {
    // 7.16: keys only for a member that agreed client-key, and only when some member is keyed.
    const keys = seesKeys(room, by) && room.anyKeyed;
    // A name's JSON is at most 6 bytes per UTF-16 unit (\uXXXX) plus quotes and a comma; a keyed
    // list may repeat it in `keys`, with the short key and `op`.
    const cost = keys ? (n: string) => n.length * 12 + 50 : (n: string) => n.length * 6 + 3;
    const chunks = chunkByJsonSize(room.names(), listBudget(this.limits.maxFrame), cost);
    // 7.18: the message of the day an operator set ('' for none), else the configured one.
    const set = this.options.guards?.moderation?.motd;
    const motd = set === undefined ? this.options.motd : set === '' ? undefined : set;
    const self = room.factsOf(by);
    const own =
      keys || seesKeys(room, by)
        ? { ...(self?.key ? { key: self.key } : {}), ...(self?.op ? { op: true as const } : {}) }
        : {};
    chunks.forEach((users, i) => {
      const more = i < chunks.length - 1 ? { more: true as const } : {};
      const keyed = keys ? room.keysAmong(users) : [];
      const list = keyed.length > 0 ? { keys: keyed } : {};
      const packet: V2ServerPacket =
        i === 0 && joined !== undefined
          ? {
              type: 'join_ok',
              name: joined,
              users,
              ...(motd === undefined ? {} : { motd }),
              ...own,
              ...list,
              ...more,
            }
          : { type: 'user_list', users, ...list, ...more };
      out.push(one(by, packet));
    });
  }

  /**
   * The newest chat of the kept history for a newcomer, right after its join_ok and user list
   * (7.10). The endpoint drops it for a client that did not agree `backlog` (5.8), so it is only
   * built when there is something to send.
   */
  private backlog(out: Delivery[], by: ConnId, room: Room<ConnId>): void {
    if (this.limits.backlog <= 0) return;
    const recent = room.recentChat(this.limits.backlog);
    if (recent.length === 0) return;
    const chunks = exportChunks(recent, this.limits.maxFrame) as ChatEntry[][];
    chunks.forEach((entries, i) => {
      const packet: V2ServerPacket = { type: 'backlog', entries, done: i === chunks.length - 1 };
      out.push(one(by, packet));
    });
  }
}

/** True when member `id` agreed client-key (7.16): it is shown keys. */
function seesKeys(room: Room<ConnId>, id: ConnId): boolean {
  return room.factsOf(id)?.features.has(CLIENT_KEY) ?? false;
}

/** A packet's keyed form, for the members that agreed client-key (7.16). */
function keyedAlt(packet: V2ServerPacket): { alt: { feature: string; packet: Buffer } } {
  return { alt: { feature: CLIENT_KEY, packet: encodeV2Packet(packet) } };
}

/** A sans-IO v2 chat server. */
export function createV2Server(options: V2ServerOptions): ChatServer<V2ServerConnectionEvent> {
  const limits: Limits = { ...LIMITS, ...options.limits };
  const offered = options.features ?? V2_FEATURE_NAMES.filter((name) => !NOT_SERVED_YET.has(name));
  // 11.1: refuse to start rather than send records clients refuse (a key makes them longer, 7.16).
  checkStampedFit(limits, offered.includes(CLIENT_KEY));
  return new ChatServer(
    new V2Dialect(options, limits),
    new Room(V2_NAME_RULES, limits, true, options.guards),
    limits,
    options,
  );
}
