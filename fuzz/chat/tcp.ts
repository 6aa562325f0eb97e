/**
 * The chat system over real TCP: well-behaved clients (the core's endpoints on sockets), a
 * watcher that stays in the room for the whole run, and extra connections for garbage.
 *
 * How this works: each step waits until every participant has received as many packets as the
 * model expects, then runs a barrier on everyone in the room (v2: a ping, answered by a pong;
 * legacy, which has no ping: an export request, answered by the export). The server handles a
 * connection's input in order and writes in order, so anything it sent a participant because of
 * the step (a duplicate included) arrives before the barrier's answer. The actor goes first, so
 * the others' barriers reach the server after the actor's command. Every wait is bounded; a
 * timeout is a failure that says what was awaited. Nothing sleeps.
 */
import { connect, type Socket } from 'node:net';
import {
  LegacyClientConnection,
  type LegacyClientConnectionEvent,
} from '../../src/session/legacy-client-connection.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import type { Profile } from '../targets/types.js';
import { describeError, seededBytes } from '../util.js';
import { perform, refuses } from './memory.js';
import { type Obs, Observer } from './observe.js';
import { applyEdits, RawPeer, withoutJoins } from './raw-peer.js';
import {
  type ChatSystem,
  type ClientAction,
  type ExtraSpec,
  type LeaveHow,
  type StepPlan,
  WATCHER,
  WATCHER_NAME,
  type Who,
} from './types.js';

type Endpoint = V2ClientConnection | LegacyClientConnection;

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

/** One socket, with a client endpoint (well-behaved) or a raw peer (extra connection). */
class TcpPeer {
  readonly observer = new Observer();
  closed = false;
  leaving = false;
  readonly errors: string[] = [];
  private readonly waiters = new Set<() => void>();
  exportsAsked = 0;
  exportsSeen = 0;
  readonly pongs = new Set<number>();
  authenticated = false;

  constructor(
    readonly label: string,
    readonly socket: Socket,
    readonly endpoint: Endpoint | null,
    readonly raw: RawPeer | null,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      if (this.endpoint && !this.leaving) {
        this.endpoint.receiveEnd(); // CONNECTION_LOST follows from the close: not a finding
        this.observer.closed();
      }
      this.notify();
    });
  }

  static open(
    label: string,
    host: string,
    port: number,
    waitMs: number,
    make: () => { endpoint: Endpoint | null; raw: RawPeer | null },
  ): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WaitTimeout(`${label}: could not connect to ${host}:${port} within ${waitMs} ms`));
      }, waitMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        const { endpoint, raw } = make();
        resolve(new TcpPeer(label, socket, endpoint, raw));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${label}: cannot connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  private onData(chunk: Buffer): void {
    if (this.raw) this.raw.receive(chunk);
    if (this.endpoint) {
      this.onEvents(this.endpoint.receive(chunk));
      this.flush();
    }
    this.notify();
  }

  private onEvents(events: readonly (V2ClientConnectionEvent | LegacyClientConnectionEvent)[]): void {
    for (const e of events) {
      if (e.kind === 'authenticated') this.authenticated = true;
      else if (e.kind === 'packet') {
        if ('type' in e.packet) {
          if (e.packet.type === 'pong') this.pongs.add(e.packet.n);
          this.observer.v2(e.packet);
        } else {
          if (e.packet.typ === 'export') this.exportsSeen++;
          this.observer.legacy(e.packet);
        }
      } else if (e.kind === 'error' && !this.leaving) {
        if (e.error.origin === 'remote') this.observer.fatal(e.error.code);
        else this.errors.push(`${this.label}: its client failed: ${describeError(e.error)}`);
      }
    }
  }

  flush(): void {
    if (!this.endpoint || this.socket.destroyed) return;
    const out = this.endpoint.takeOutput();
    if (out.length > 0) this.socket.write(out);
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && bytes.length > 0) this.socket.write(bytes);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `ready()` holds; rejects after `ms`, or when the connection closes first. */
  until(ready: () => boolean, ms: number, what: string, closedIsFine = false): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (ready()) done();
        else if (this.closed && !closedIsFine)
          done(new Error(`${this.label}: the connection closed while waiting for ${what}`));
      };
      const timer = setTimeout(
        () =>
          done(
            new WaitTimeout(
              `${this.label}: no ${what} within ${ms} ms (received so far: ${this.observer.seen.length} packets)`,
            ),
          ),
        ms,
      );
      this.waiters.add(check);
      check();
    });
  }

  /** Ends our side and waits for the server to close; destroys the socket if it does not. */
  async close(ms: number): Promise<string | null> {
    this.leaving = true;
    if (this.closed) return null;
    this.socket.end();
    try {
      await this.until(() => this.closed, ms, 'the server to close the connection', true);
      return null;
    } catch {
      this.socket.destroy();
      return `${this.label}: the server kept the connection open ${ms} ms after the client closed`;
    }
  }
}

export interface TcpChatOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  /** The fingerprint the server must show (v2); null: learn it from the watcher (trust on first use). */
  readonly fingerprint: string | null;
  readonly waitMs: number;
  readonly seed: number;
  /**
   * How long a member may wait for packets the model expects once its barrier is answered:
   * 0 when the server is known to send at once (the in-process reference server in small rooms),
   * more when it may batch presence notices (spec 11, presenceBatchMs).
   */
  readonly lateMs: number;
  /** The server's limits when known (an in-process server); v2 reads them from server_hello anyway. */
  readonly limits?: {
    readonly maxName: number;
    readonly maxMessage: number;
    readonly legacyMaxFrame?: number;
  };
  /** Anomalies the server itself reports (an in-process server's error log). */
  readonly serverProblems?: () => string[];
}

let barrierCounter = 0;

export class TcpChat implements ChatSystem {
  readonly profile: Profile;
  limits: { maxName: number; maxMessage: number; maxFrame?: number; legacyMaxFrame?: number } = {
    maxName: 24,
    maxMessage: 2000,
  };
  readonly rate = null;
  readonly handshakeTimeoutMs = null;
  readonly deadlineGrid = 1;
  readonly hasWatcher = true;
  readonly exactHistory = false;
  readonly canAdvance = false;
  // A live server's history and backlog are not the run's alone: its clients agree no 2.1 feature.
  readonly features: readonly string[] = [];
  readonly backlog = 0;
  baseline: readonly string[] = [];
  private readonly peers = new Map<Who, TcpPeer>();
  private readonly others: TcpPeer[] = [];
  private issues: string[] = [];
  private fingerprint: string | null;
  private connections = 0;

  private constructor(private readonly o: TcpChatOptions) {
    this.profile = o.profile;
    this.fingerprint = o.fingerprint;
  }

  get now(): number {
    return Date.now();
  }

  /** The server's fingerprint as this run saw it (v2), to pin for the next runs. */
  get serverFingerprint(): string | null {
    return this.fingerprint;
  }

  /** Connects the watcher and joins it; the room's other names become the baseline. */
  static async open(o: TcpChatOptions): Promise<TcpChat> {
    const chat = new TcpChat(o);
    if (o.limits) chat.limits = { ...o.limits };
    try {
      await chat.seatWatcher();
    } catch (err) {
      await chat.close();
      throw err;
    }
    return chat;
  }

  private async seatWatcher(): Promise<void> {
    const o = this.o;
    const watcher = await this.connectPeer(WATCHER, 'watcher');
    if (watcher.endpoint instanceof V2ClientConnection) {
      this.fingerprint ??= watcher.endpoint.fingerprint;
      const limits = watcher.endpoint.limits;
      if (limits)
        this.limits = { maxName: limits.maxName, maxMessage: limits.maxMessage, maxFrame: limits.maxFrame };
    }
    perform(watcher.endpoint!, { kind: 'join', name: WATCHER_NAME });
    watcher.flush();
    await watcher.until(
      () => watcher.observer.seen.length >= (o.profile === 'v2' ? 1 : 2),
      o.waitMs,
      'the reply to the watcher joining',
    );
    const replies = watcher.observer.take();
    const first = replies[0];
    if (first?.t === 'join_ok') this.baseline = first.users.filter((n) => n !== WATCHER_NAME);
    else if (first?.t === 'approved_conn' && replies[1]?.t === 'list') {
      this.baseline = replies[1].names.filter((n): n is string => n !== null);
    } else {
      throw new Error(
        `the watcher could not join as ${JSON.stringify(WATCHER_NAME)}: ${JSON.stringify(replies)} (is another fuzz campaign using this server?)`,
      );
    }
  }

  problems(): string[] {
    const out = this.issues.splice(0);
    for (const peer of [...this.peers.values(), ...this.others]) out.push(...peer.errors.splice(0));
    out.push(...(this.o.serverProblems?.() ?? []));
    return out;
  }

  private async connectPeer(who: Who, label: string): Promise<TcpPeer> {
    const id = ++this.connections;
    const random = seededBytes(`${this.o.seed}/tcp/${id}`);
    const peer = await TcpPeer.open(label, this.o.host, this.o.port, this.o.waitMs, () => ({
      endpoint:
        this.profile === 'v2'
          ? new V2ClientConnection({ random, expectedFingerprint: this.fingerprint ?? undefined })
          : new LegacyClientConnection({ random, clock: Date.now }),
      raw: null,
    }));
    this.peers.set(who, peer);
    await peer.until(() => peer.endpoint!.state === 'READY', this.o.waitMs, 'the end of the handshake');
    return peer;
  }

  async connect(slot: Who): Promise<void> {
    await this.connectPeer(slot, `slot ${slot}`);
  }

  async act(slot: Who, action: ClientAction): Promise<'sent' | 'refused'> {
    const peer = this.peers.get(slot)!;
    if (refuses(peer.endpoint!, action, peer.observer)) return 'refused';
    if (action.kind === 'export' && this.profile === 'legacy') peer.exportsAsked++;
    peer.flush();
    return 'sent';
  }

  async leave(slot: Who, how: LeaveHow, garbage: Uint8Array): Promise<void> {
    const peer = this.peers.get(slot)!;
    this.peers.delete(slot);
    peer.leaving = true;
    if (how === 'goodbye') {
      peer.endpoint!.goodbye();
      peer.flush();
    } else if (how === 'garbage') peer.write(garbage);
    if (how !== 'hangup') {
      try {
        await peer.until(
          () => peer.closed,
          this.o.waitMs,
          `the server to close the connection after ${how}`,
          true,
        );
      } catch {
        this.issues.push(`${peer.label}: the server kept the connection open after ${how}`);
      }
    }
    const stuck = await peer.close(this.o.waitMs);
    if (stuck) this.issues.push(stuck);
  }

  async extra(spec: ExtraSpec): Promise<void> {
    const id = ++this.connections;
    const peer = await TcpPeer.open(`extra ${id}`, this.o.host, this.o.port, this.o.waitMs, () => ({
      endpoint: null,
      raw: new RawPeer(this.profile, `${this.o.seed}/extra/${id}`),
    }));
    peer.leaving = true;
    this.others.push(peer);
    const raw = peer.raw!;
    try {
      if (spec.stage === 'fresh' && spec.source === 'random') peer.write(spec.bytes);
      else {
        await peer.until(() => raw.honestReply !== null, this.o.waitMs, "the server's hello", true);
        if (raw.honestReply) {
          if (spec.stage === 'fresh') peer.write(applyEdits(raw.honestReply, spec.edits));
          else {
            peer.write(raw.honestReply);
            if (spec.source === 'random') peer.write(spec.bytes);
            else if (spec.source === 'packets') peer.write(raw.seal(withoutJoins(spec.bytes)));
            else peer.write(applyEdits(raw.honestRecord(), spec.edits));
          }
        }
      }
    } finally {
      const stuck = await peer.close(this.o.waitMs);
      if (stuck) this.issues.push(stuck);
      this.issues.push(...raw.problems);
      this.others.splice(this.others.indexOf(peer), 1);
    }
  }

  async advance(): Promise<void> {}

  /** Runs a barrier on a joined participant: everything the server sent it before is now in. */
  private async barrier(peer: TcpPeer): Promise<void> {
    if (peer.closed) return; // the model will see the unexpected close
    const endpoint = peer.endpoint!;
    if (endpoint.state !== 'JOINED') {
      throw new Error(
        `${peer.label}: the model has it in the room, but its client is in state ${endpoint.state}`,
      );
    }
    if (endpoint instanceof V2ClientConnection) {
      const n = ++barrierCounter;
      endpoint.ping(n);
      peer.flush();
      await peer.until(() => peer.pongs.has(n), this.o.waitMs, `the pong to barrier ping ${n}`);
      const seen = peer.observer.seen;
      const at = seen.findIndex((o) => o.t === 'pong' && o.n === n);
      if (at !== -1) seen.splice(at, 1);
      return;
    }
    endpoint.requestExport();
    peer.flush();
    const want = ++peer.exportsAsked;
    await peer.until(() => peer.exportsSeen >= want, this.o.waitMs, 'the export that answers the barrier');
    const seen = peer.observer.seen;
    for (let i = seen.length - 1; i >= 0; i--) {
      if (seen[i].t === 'legacy_export') {
        seen.splice(i, 1);
        break;
      }
    }
  }

  async collect(plan: StepPlan): Promise<Map<Who, Obs[]>> {
    const joined = new Set(plan.joined);
    const actor = plan.actor === null ? undefined : this.peers.get(plan.actor);
    if (actor && plan.actorLeaves) {
      // The server ends the actor's connection: its leave notices are due once it has.
      await actor.until(() => actor.closed, this.o.waitMs, 'the server to close the connection', true);
    } else if (actor) {
      const wasJoined = actor.endpoint!.state === 'JOINED';
      if (!wasJoined) {
        const want = plan.expect(actor.observer.seen).get(plan.actor!)?.length ?? 0;
        await actor.until(
          () => actor.observer.seen.length >= want,
          this.o.waitMs,
          `${want} packets in reply`,
          true,
        );
      }
      if (joined.has(plan.actor!)) await this.barrier(actor);
    }
    const actorSaw = actor ? actor.observer.seen : [];
    const expected = plan.expect(actorSaw);
    const rest = [...this.peers].filter(([who]) => who !== plan.actor);
    const want = (who: Who) => expected.get(who)?.length ?? 0;
    // Members: a barrier proves that whatever the server sent them for this step is in.
    await Promise.all(rest.filter(([who]) => joined.has(who)).map(([, peer]) => this.barrier(peer)));
    await Promise.all(
      rest.map(async ([who, peer]) => {
        if (peer.observer.seen.length >= want(who)) return;
        // Short: lost, unless the server may hold notices back (presence batching, spec 11).
        const grace = joined.has(who) ? this.o.lateMs : this.o.waitMs;
        if (grace <= 0) return;
        await peer
          .until(() => peer.observer.seen.length >= want(who), grace, `${want(who)} packets`)
          .catch(() => {});
        if (joined.has(who)) await this.barrier(peer);
      }),
    );
    const seen = new Map<Who, Obs[]>();
    for (const [who, peer] of this.peers) {
      if (peer.observer.partial)
        this.issues.push(`${plan.label}: ${peer.label} holds an unfinished multi-part reply`);
      seen.set(who, peer.observer.take());
      if (peer.closed) this.peers.delete(who);
    }
    if (plan.actor === WATCHER) seen.set(WATCHER, seen.get(WATCHER) ?? []);
    return seen;
  }

  /** Closes every connection (the watcher last) and waits for the server to close each. */
  async close(): Promise<string[]> {
    const stuck: string[] = [];
    const order = [...this.peers].sort(([a], [b]) => (a === WATCHER ? 1 : b === WATCHER ? -1 : a - b));
    for (const [, peer] of order) {
      peer.leaving = true;
      if (!peer.closed && peer.endpoint instanceof V2ClientConnection && peer.endpoint.state !== 'ERROR') {
        peer.endpoint.goodbye();
        peer.flush();
      }
      const problem = await peer.close(this.o.waitMs);
      if (problem) stuck.push(problem);
    }
    for (const peer of this.others) {
      const problem = await peer.close(this.o.waitMs);
      if (problem) stuck.push(problem);
    }
    this.peers.clear();
    this.others.length = 0;
    return stuck;
  }
}
