/**
 * The chat server's contracts: with its adapter (options in, ServerAction out) and with a wire
 * dialect (spec 4, 7, 10): what a dialect is handed (endpoint events, the room's decisions) and
 * what it hands back (readings, deliveries).
 *
 * How this works: data flows one way through these types. An endpoint turns bytes into events
 * (ServerEndpoint); the dialect reads an event into a request for the room (Reading); the room
 * decides (room.ts); the dialect renders the decision into deliveries of serialised packets
 * (Delivery), which the server queues on endpoints. Nothing here is called back: each step
 * returns a value to the server (chat-server.ts), which passes it on to the next.
 */
import type { ParleyError } from '../errors.js';
import type { LeaveReason, Limits, LogLevel, Profile } from '../generated/constants.js';
import type { ErrorCode } from '../generated/errors.js';
import type { LegacyServerGuard, V2ServerGuard } from '../generated/machines.js';
import type { PacketBucket } from './rate-limit.js';
import type { Room, RoomDecision, RoomRequest } from './room.js';

export type ConnId = number;

/** The room's verdict on a join, as the server tables' guards name it (13.1, 13.3). */
export type JoinVerdict = V2ServerGuard | LegacyServerGuard;

export type ServerAction =
  /**
   * Bytes for a socket. With flow control (ChatServerOptions.flowControl) the connection gets
   * nothing more until the adapter reports it `drained`: at once when the socket took the bytes
   * without queueing past its mark, otherwise when it has drained.
   */
  | { readonly kind: 'write'; readonly id: ConnId; readonly data: Buffer }
  | { readonly kind: 'close'; readonly id: ConnId; readonly error?: ParleyError }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string };

/**
 * State to write for the next start: the reserved names (7.17) or the key bans (7.18), as the
 * JSON value to store. The adapter takes them (ChatServer.takeSaves) and writes them (0600,
 * atomically); the core never touches a file.
 */
export interface StateSave {
  readonly what: 'reservations' | 'bans';
  readonly data: unknown;
}

/** One connection's endpoint, as the server needs it (both profiles' server connections fit). */
export interface ServerEndpoint<E> {
  readonly state: string;
  readonly secured: boolean;
  readonly pendingBytes: number;
  readonly failure: ParleyError | null;
  receive(chunk: Uint8Array): E[];
  /** The v2 features agreed on this connection (5.8); none for legacy. */
  readonly features?: ReadonlySet<string>;
  /** Complete frames read from the peer so far (a peer is heard when a frame is complete, 11). */
  readonly framesReceived: number;
  /** What a read held back behind a join, once the room's verdict is settled (13.1, 13.3). */
  resumeHeld(): E[];
  receiveEnd(): E[];
  /** True while a packet of the read (the last handed on) waits for the room's verdict. */
  readonly awaitingVerdict: boolean;
  /** The room's verdict on the join that waits. */
  settle(when: JoinVerdict): void;
  /**
   * Whatever output waits, as one buffer: all of it, or about `max` bytes of whole records (11,
   * sendWindowBytes). A v2 endpoint seals only what it hands out.
   */
  takeOutput(max?: number): Buffer;
  /**
   * Drops queued chat lines (the oldest of the sender holding the most bytes first, 11.3) until at
   * most `target` bytes wait; how many it dropped.
   */
  shed(target: number): number;
  /** Forgets the sealed output not yet taken (Endpoint.dropSealed). */
  dropSealed(): void;
  /**
   * Queues one serialised packet (the same Buffer may go to many endpoints); `type`, when the
   * profile's table lists what a server sends, is checked against it. `sender`: the member who
   * said a chat line (its lines take turns with other senders', 11.3). `about`: the packet is that
   * member's away state, and replaces the one about it not yet sent (7.12).
   */
  sendEncoded(packet: Buffer, type?: string, sender?: ConnId, about?: ConnId): void;
  failWith(err: unknown): ParleyError;
  goodbye(reason?: string): void;
}
export interface Conn<E> {
  readonly id: ConnId;
  readonly endpoint: ServerEndpoint<E>;
  /** The large reply being produced for it as its socket drains (at most one: 7.7), or null. */
  reply: ReplySource | null;
  /** Flow control: bytes written since the socket last drained; 0 when it may be written to. */
  inFlight: number;
  /** When the socket last drained, or was first written to after draining (11, slowReaderMs). */
  waitingSince: number;
  /** Chat lines skipped for it since it was last told (11, LINES_SKIPPED). */
  skipped: number;
  /** Bytes counted for it in the server-wide total (11, maxTotalQueuedBytes). */
  counted: number;
  /**
   * A dialect that never sheds (legacy) found its queue over the limit while delivering: nothing
   * more is queued for it, and its next turn ends it with SLOW_READER (11, maxQueuedBytes).
   */
  overrun: boolean;
  readonly openedAt: number;
  lastHeard: number;
  pingedAt: number | null;
  finished: boolean;
  /** The key its remote address counts by (admission.ts), when the adapter knew the address. */
  readonly address: string | undefined;
  /** Its packet bucket (7.8): every client packet after the handshake is charged here. */
  readonly rate: PacketBucket;
  /** Set when the peer ends the connection other than by goodbye (v2 c2s `error`, 13.1). */
  closeReason?: LeaveReason;
}

/** One serialised packet and its type, as a dialect hands it over. */
export interface Encoded {
  readonly packet: Buffer;
  readonly type?: string;
}

/**
 * A reply produced a packet at a time as its reader's socket drains (an export, 7.7; a room
 * list, 7.15): `next` gives the next packet, null once the reply is complete. It reads the
 * server's state through a cursor, so nothing of it exists before the socket can take it.
 */
export interface ReplySource {
  next(): Encoded | null;
}

/**
 * A form of a packet for members that agreed every feature in `needs` (5.8): with `room` (7.15),
 * with keys (7.16), with a moderation leave reason (7.18), or several of these at once. A
 * delivery's forms are in order of preference; a member gets the first whose features it agreed,
 * else the delivery's `packet` (pickForm: the one place that chooses).
 */
export interface PacketForm {
  readonly needs: readonly string[];
  readonly packet: Buffer;
}

/** The form of `packet` (with its `forms`) for a member that agreed `features` (5.8). */
export function pickForm(
  d: { readonly packet: Buffer; readonly forms?: readonly PacketForm[] },
  features: ReadonlySet<string> | undefined,
): Buffer {
  if (d.forms === undefined || features === undefined) return d.packet;
  for (const form of d.forms) if (form.needs.every((f) => features.has(f))) return form.packet;
  return d.packet;
}

/** What the server does with a rendered decision: a verdict, or a packet for one or for all. */
export type Delivery =
  | { readonly kind: 'settle'; readonly to: ConnId; readonly when: JoinVerdict }
  | {
      readonly kind: 'send';
      readonly to: ConnId;
      readonly packet: Buffer;
      readonly type?: string;
      /** Other forms for members that agreed features (see PacketForm). */
      readonly forms?: readonly PacketForm[];
    }
  /**
   * A reply for `to` produced as its socket drains; when one is already in flight for it (one
   * per connection, 7.7), `busy` is sent instead. `source` is made for the features `to` agreed
   * (5.8), since a feature may change the form of a reply (structured-export).
   */
  | {
      readonly kind: 'stream';
      readonly to: ConnId;
      readonly source: (features: ReadonlySet<string>) => ReplySource;
      readonly busy: Encoded;
    }
  /**
   * What a join sends beyond its lists, the backlog and the away notices (7.10, join budget):
   * `make` is given the bytes `to`'s queue may still take (half its queue limit, less what it
   * holds) and the features it agreed, and returns the packets that fit, in order.
   */
  | {
      readonly kind: 'budgeted';
      readonly to: ConnId;
      readonly make: (left: number, features: ReadonlySet<string>) => Encoded[];
    }
  | {
      readonly kind: 'broadcast';
      readonly packet: Buffer;
      readonly type?: string;
      readonly except?: ConnId;
      /** The member who said it, for a chat line (`message`, `action`): fair order, 11.3. */
      readonly from?: ConnId;
      /** Only to members that did not agree this feature (the 2.0 form of a feature's news, 5.8). */
      readonly unless?: string;
      /** Other forms for members that agreed features (see PacketForm). */
      readonly forms?: readonly PacketForm[];
      /** Members left out besides `except` (those a kick or ban removes, 7.18). */
      readonly skip?: readonly ConnId[];
      /**
       * The packet is this member's away state (7.12, away notices under load): it replaces the
       * notice about the same member a recipient holds not yet sent, and a recipient whose queue
       * it would take past half its limit gets `brief` (the notice without its reason) instead.
       */
      readonly stateOf?: { readonly about: ConnId; readonly brief: Buffer };
      /** Only to these members (a room's, 7.15); without it, to every joined member. */
      readonly among?: Iterable<ConnId>;
    };

/** What one endpoint event amounts to, as a dialect reads it. */
export interface Reading {
  /** Deliveries that go out first (v2: held presence notices, a pong). */
  readonly deliveries?: readonly Delivery[];
  /** What the sender asks of the room. */
  readonly request?: RoomRequest;
  /** The peer gave up with this error code (v2 c2s `error`, 13.1): it leaves with reason `error`. */
  readonly gaveUp?: string;
  /** The peer reported an error it does not take as fatal (v2 c2s `error`, 4.3): logged only. */
  readonly reported?: string;
}

/**
 * A wire dialect: one profile's packets on either side of the room (v2-dialect.ts,
 * legacy-dialect.ts). It reads requests off endpoint events and renders the room's decisions as
 * deliveries; it reads the room, never changes it, and never calls the server.
 */
export interface WireDialect<E> {
  readonly profile: Profile;
  /** Whether idle pings and the idle timeout apply (v2 only: legacy has no ping). */
  readonly idleChecks: boolean;
  /** When the dialect's held output (batched presence) is due, or null. */
  readonly due: number | null;
  createEndpoint(now: number): ServerEndpoint<E>;
  /**
   * The tokens a client packet takes from its connection's bucket (the spec's rateCost, 7.8), or
   * null when the event is no client packet after the handshake (an error, a close).
   */
  rateCost(event: E): number | null;
  /** Whether the event is a pong (v2), which answers the server's ping. */
  answersPing(event: E): boolean;
  /** Whether the event is the packet whose transition waits for the room's verdict (a join). */
  waitsForVerdict(event: E): boolean;
  /**
   * Whether a join the rate limit drops closes the connection (legacy, 10.2: the protocol has no
   * reply for it, and its client would wait for one for ever); otherwise it is settled as refused.
   */
  readonly closesOnDroppedJoin?: boolean;
  /** What a connection refused at accept is sent before the close (v2 `refused`, 5.10), if anything. */
  refusal(code: ErrorCode, message: string): Buffer | null;
  /**
   * What an endpoint event from member `from` amounts to (null: nothing); `features`: those its
   * connection agreed (5.8).
   */
  read(
    event: E,
    from: ConnId,
    room: Room<ConnId>,
    now: number,
    features: ReadonlySet<string>,
  ): Reading | null;
  /** The room's decision as deliveries. */
  render(decision: RoomDecision<ConnId>, room: Room<ConnId>, now: number): readonly Delivery[];
  /** A liveness ping (v2), serialised. */
  ping(now: number): Buffer | null;
  /** Time-driven output (batched presence falling due). */
  tick(room: Room<ConnId>, now: number): readonly Delivery[];
  /** The notice that `count` chat lines were skipped for a member (11), or null: none exists. */
  skipped(count: number): Encoded | null;
  /**
   * True when the profile cannot tell a member lines were skipped (legacy), so a queue over its
   * limit is never shed but ends the connection (11, maxQueuedBytes).
   */
  readonly neverSheds?: boolean;
}

export interface ChatServerOptions {
  readonly limits?: Partial<Limits>;
  /**
   * When true, calls return no writes for the output they queue; the adapter calls `flush()` once
   * per event-loop turn instead, so that everything queued for one connection during that turn
   * goes out as one record and one write (a cork). Default false: each call flushes.
   */
  readonly deferWrites?: boolean;
  /**
   * When true, a connection written to gets nothing more until the adapter calls `drained` for it
   * (the socket took the bytes), and each write is at most about sendWindowBytes: output waits in
   * the server, unsealed and shared, and large replies are produced only as sockets drain (11).
   * Default false: every socket is taken to drain at once (sans-IO tests, a harness).
   */
  readonly flowControl?: boolean;
}

/** How a fatal error reads in a leave notice (7.6). */
export function leaveReason(code: ErrorCode): LeaveReason {
  if (code === 'CONNECTION_LOST') return 'lost';
  if (code === 'HANDSHAKE_TIMEOUT' || code === 'IDLE_TIMEOUT') return 'timeout';
  return 'error';
}
