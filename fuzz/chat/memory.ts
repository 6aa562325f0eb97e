/**
 * The chat system in memory: the sans-IO chat server and real client endpoints, wired by a loop
 * that delivers bytes until everyone is idle, with a fake clock (the quinn-proto style harness).
 *
 * How this works: every call on the chat server returns actions; writes go to the addressed client's
 * endpoint, closes end it. The harness also watches the chat server itself: a write to a connection
 * after its close, a log line at level error or mentioning INTERNAL_ERROR, and any error a
 * well-behaved client's endpoint raises are reported as problems, which fail the step.
 */
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';
import type { Identity } from '../../src/crypto/identity.js';
import { ParleyError } from '../../src/errors.js';
import {
  LegacyClientConnection,
  type LegacyClientConnectionEvent,
} from '../../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import type { Profile } from '../targets/types.js';
import { describeError, seededBytes } from '../util.js';
import { type Obs, Observer } from './observe.js';
import { applyEdits, RawPeer, withoutJoins } from './raw-peer.js';
import type { ChatSystem, ClientAction, ExtraSpec, LeaveHow, StepPlan, Who } from './types.js';

type Endpoint = V2ClientConnection | LegacyClientConnection;

interface Peer {
  readonly id: number;
  readonly who: Who | 'extra';
  readonly endpoint: Endpoint | null;
  readonly raw: RawPeer | null;
  readonly observer: Observer;
  /** The server closed this connection. */
  closed: boolean;
  /** We are ending it: errors and a close are expected. */
  leaving: boolean;
}

export interface MemoryChatOptions {
  readonly profile: Profile;
  readonly server: ChatServer<unknown>;
  readonly identity?: Identity;
  readonly limits: { readonly maxName: number; readonly maxMessage: number; readonly maxFrame: number };
  readonly handshakeTimeoutMs: number;
  readonly rate: { readonly burst: number; readonly perSecond: number };
  readonly seed: number;
  /** The features the even slots list (5.8); default none. */
  readonly features?: readonly string[];
  /** The server's backlog limit (7.10). */
  readonly backlog?: number;
}

export const START_TIME = 1_800_000_000_000;

/** Performs a client action on an endpoint (v2 or legacy). */
export function perform(endpoint: Endpoint, action: ClientAction): void {
  if (endpoint instanceof V2ClientConnection) {
    if (action.kind === 'join') endpoint.join(action.name);
    else if (action.kind === 'say') endpoint.say(action.text);
    else if (action.kind === 'me') endpoint.action(action.text);
    else if (action.kind === 'msg') endpoint.privateMessage(action.to, action.text);
    else if (action.kind === 'who') endpoint.who();
    else if (action.kind === 'nick') endpoint.nick(action.name);
    else if (action.kind === 'away') endpoint.away(action.reason);
    else if (action.kind === 'back') endpoint.back();
    else if (action.kind === 'whois') endpoint.whois(action.name);
    else endpoint.requestExport();
    return;
  }
  if (action.kind === 'join') endpoint.join(action.name);
  else if (action.kind === 'say') endpoint.say(action.text);
  else if (action.kind === 'export') endpoint.requestExport();
  else throw new Error(`legacy has no ${action.kind}`);
}

/**
 * Performs `action`; a non-fatal ParleyError the client raises instead of sending (a packet that
 * cannot fit the server's frames) is recorded as an observation. Returns true when refused.
 */
export function refuses(endpoint: Endpoint, action: ClientAction, observer: Observer): boolean {
  try {
    perform(endpoint, action);
    return false;
  } catch (err) {
    if (err instanceof ParleyError && !err.fatal) {
      observer.refused(err.code);
      return true;
    }
    throw err;
  }
}

export class MemoryChat implements ChatSystem {
  readonly profile: Profile;
  readonly limits: ChatSystem['limits'];
  readonly rate: { readonly burst: number; readonly perSecond: number };
  readonly handshakeTimeoutMs: number;
  readonly deadlineGrid: number;
  readonly baseline: readonly string[] = [];
  readonly hasWatcher = false;
  readonly exactHistory = true;
  readonly canAdvance = true;
  readonly features: readonly string[];
  readonly backlog: number;
  now = START_TIME;
  private readonly server: ChatServer<unknown>;
  private readonly peers = new Map<number, Peer>();
  private readonly slots = new Map<Who, Peer>();
  private readonly closedIds = new Set<number>();
  private nextId = 1;
  private issues: string[] = [];

  constructor(private readonly options: MemoryChatOptions) {
    this.profile = options.profile;
    this.server = options.server;
    // legacy announces no maxFrame: its clients cannot know it.
    const { maxName, maxMessage, maxFrame } = options.limits;
    this.limits =
      options.profile === 'v2' ? options.limits : { maxName, maxMessage, legacyMaxFrame: maxFrame };
    this.rate = options.rate;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs;
    this.deadlineGrid = options.server.deadlineGrid;
    this.features = options.profile === 'v2' ? (options.features ?? []) : [];
    this.backlog = options.backlog ?? 0;
  }

  problems(): string[] {
    return this.issues.splice(0);
  }

  private newEndpoint(id: number, slot: Who): Endpoint {
    const random = seededBytes(`${this.options.seed}/client/${id}`);
    // Records must fit the server's maxFrame in both directions (6.1): the client holds it to that.
    const maxFrame = this.options.limits.maxFrame;
    if (this.profile === 'v2') {
      return new V2ClientConnection({
        random,
        expectedFingerprint: this.options.identity?.fingerprint,
        maxFrame,
        // Even slots are 2.1 clients, odd ones 2.0 clients: the model says who hears what (5.8).
        features: slot % 2 === 0 ? this.features : [],
      });
    }
    return new LegacyClientConnection({ random, clock: () => this.now, maxFrame });
  }

  private open(who: Who | 'extra', endpoint: Endpoint | null, raw: RawPeer | null): Peer {
    const peer: Peer = {
      id: this.nextId++,
      who,
      endpoint,
      raw,
      observer: new Observer(),
      closed: false,
      leaving: false,
    };
    this.peers.set(peer.id, peer);
    this.apply(this.server.open(peer.id, this.now));
    return peer;
  }

  async connect(slot: Who): Promise<void> {
    const id = this.nextId;
    const peer = this.open(slot, this.newEndpoint(id, slot), null);
    this.slots.set(slot, peer);
    this.pump();
    if (peer.endpoint!.state !== 'READY') {
      this.issues.push(
        `slot ${slot}: the handshake did not complete (client in ${peer.endpoint!.state}, ${describeError(peer.endpoint!.failure)})`,
      );
    }
  }

  async act(slot: Who, action: ClientAction): Promise<'sent' | 'refused'> {
    const peer = this.slots.get(slot)!;
    if (refuses(peer.endpoint!, action, peer.observer)) return 'refused';
    this.pump();
    return 'sent';
  }

  async leave(slot: Who, how: LeaveHow, garbage: Uint8Array): Promise<void> {
    const peer = this.slots.get(slot)!;
    this.slots.delete(slot);
    peer.leaving = true;
    if (how === 'goodbye') {
      peer.endpoint!.goodbye();
      this.pump();
    } else if (how === 'garbage') {
      this.apply(this.server.data(peer.id, garbage, this.now));
    }
    if (!peer.closed) {
      if (how !== 'hangup')
        this.issues.push(`slot ${slot}: the server kept the connection open after ${how}`);
      this.apply(this.server.end(peer.id, this.now));
      this.pump();
    }
    if (!peer.closed)
      this.issues.push(`slot ${slot}: the server kept the connection open after the client closed`);
  }

  async extra(spec: ExtraSpec): Promise<void> {
    const raw = new RawPeer(this.profile, `${this.options.seed}/extra/${this.nextId}`);
    const peer = this.open('extra', null, raw);
    peer.leaving = true;
    const send = (bytes: Uint8Array) => {
      if (!peer.closed && bytes.length > 0) this.apply(this.server.data(peer.id, bytes, this.now));
    };
    if (spec.stage === 'fresh' && spec.source === 'random') send(spec.bytes);
    else if (raw.honestReply) {
      if (spec.stage === 'fresh') send(applyEdits(raw.honestReply, spec.edits));
      else {
        send(raw.honestReply);
        if (!raw.secured) return this.endExtra(peer);
        if (spec.source === 'random') send(spec.bytes);
        else if (spec.source === 'packets') send(raw.seal(withoutJoins(spec.bytes)));
        else send(applyEdits(raw.honestRecord(), spec.edits));
      }
    }
    return this.endExtra(peer);
  }

  private endExtra(peer: Peer): void {
    if (!peer.closed) this.apply(this.server.end(peer.id, this.now));
    if (!peer.closed)
      this.issues.push(`extra connection ${peer.id}: the server kept it open after the client closed`);
    this.issues.push(...peer.raw!.problems);
  }

  /**
   * Moves the clock as the reference server's timer does: a tick at each deadline the chat server
   * announces (nextDeadline), up to the target time. A deadline announced too late shows as a
   * missed ping or timeout; one that never moves past the clock is reported.
   */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (let ticks = 0; ; ticks++) {
      const due = this.server.nextDeadline;
      if (due === null || due > target) break;
      if (ticks === 1000) {
        this.issues.push(`the chat server's nextDeadline stays at ${due - START_TIME} ms after 1000 ticks`);
        break;
      }
      this.now = Math.max(this.now, due);
      this.apply(this.server.tick(this.now));
      this.pump();
    }
    this.now = target;
  }

  async collect(plan: StepPlan): Promise<Map<Who, Obs[]>> {
    const seen = new Map<Who, Obs[]>();
    for (const [who, peer] of this.slots) {
      if (peer.observer.partial)
        this.issues.push(`${plan.label}: slot ${who} holds an unfinished multi-part reply`);
      seen.set(who, peer.observer.take());
      if (peer.closed) this.slots.delete(who);
    }
    return seen;
  }

  /** Moves client output to the server until nobody has anything to send (bounded). */
  private pump(): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const peer of this.peers.values()) {
        if (peer.closed || !peer.endpoint) continue;
        const out = peer.endpoint.takeOutput();
        if (out.length > 0) {
          moved = true;
          this.apply(this.server.data(peer.id, out, this.now));
        }
      }
      if (!moved) return;
    }
    this.issues.push('the in-memory network did not settle in 1000 rounds');
  }

  private apply(actions: ServerAction[]): void {
    for (const action of actions) {
      if (action.kind === 'log') {
        if (action.level === 'error' || action.message.includes('INTERNAL_ERROR')) {
          this.issues.push(`server logged ${action.level}: ${action.message}`);
        }
        continue;
      }
      if (this.closedIds.has(action.id)) {
        this.issues.push(
          `server ${action.kind === 'write' ? 'wrote to' : 'closed again'} connection ${action.id} after closing it`,
        );
        continue;
      }
      const peer = this.peers.get(action.id);
      if (!peer) continue;
      if (action.kind === 'write') {
        if (peer.raw) peer.raw.receive(action.data);
        if (peer.endpoint) this.events(peer, peer.endpoint.receive(action.data));
      } else {
        peer.closed = true;
        this.closedIds.add(action.id);
        if (action.error?.code === 'INTERNAL_ERROR')
          this.issues.push(
            `server closed connection ${action.id} with INTERNAL_ERROR: ${action.error.message}`,
          );
        // Whatever the client makes of the end (CONNECTION_LOST) follows from it: not a finding.
        peer.endpoint?.receiveEnd();
        if (!peer.leaving) peer.observer.closed();
        this.peers.delete(action.id);
      }
    }
  }

  private events(
    peer: Peer,
    events: readonly (V2ClientConnectionEvent | LegacyClientConnectionEvent)[],
  ): void {
    for (const e of events) {
      if (e.kind === 'packet') {
        if ('type' in e.packet) peer.observer.v2(e.packet);
        else peer.observer.legacy(e.packet);
      } else if (e.kind === 'error' && !peer.leaving) {
        // The server's fatal error packet is something it said (the model decides if it should
        // have); a local error means the client could not accept what the server sent.
        if (e.error.origin === 'remote') peer.observer.fatal(e.error.code);
        else this.issues.push(`slot ${String(peer.who)}: its client failed: ${describeError(e.error)}`);
      }
    }
  }
}
