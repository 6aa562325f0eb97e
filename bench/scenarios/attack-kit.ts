/**
 * The attacker's bench, shared pieces: a raw v2 peer that can say what an honest client never
 * would, a few honest members who chat and time their lines, the server's memory before, during
 * and after an attack, and the frame every attack runs in (`underAttack`).
 *
 * How this works: each attack starts its own reference server (server-process.ts) with the
 * server's own defaults for every limit it probes (rate 10/s, burst 20, 1,024 slots, 10 s
 * handshake timeout, info logs) unless the attack says otherwise, and records the flags it
 * changed. Honest members (the load generator's ParleyClient, in a worker thread of their own
 * when the bench is built, so that the attackers' work in this thread does not delay their
 * reading) join, then each says a line every `paceMs` carrying its send time; every member
 * receives every line (v2 echoes the sender's own), so each delivery is one latency sample. The attack runs, bounded in connections and time; then
 * the members stop, the bench waits for every line already sent to arrive (a stalled server shows
 * as a late line, not a missing one), reads the server's RSS after a quiet period, and stops it.
 * The raw peer speaks the protocol from spec/PROTOCOL.md with the core's codec and crypto: frames
 * (3), the handshake with an editable client_hello (5.2-5.4), records that may hold many packets
 * (6.1). It counts what the server sends back by packet type without parsing every packet.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { computeSharedSecret, KeyAgreement } from '../../src/crypto/key-agreement.js';
import { RecordOpener, RecordSealer } from '../../src/crypto/record-layer.js';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { encodeFrame, FrameDecoder } from '../../src/framing/frame-codec.js';
import { V2_PROTOCOL_ID } from '../../src/generated/constants.js';
import { type ClientTarget, leaveAll, ParleyClient, startAll } from '../load-client.js';
import { readProcess, type ServerUnderTest, startParleyServer } from '../server-process.js';
import { type LatencySummary, nowUs, Samples, summarise } from '../stats.js';
import { hasAt } from '../text-at.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

/** What the honest members' worker (attack-honest-worker.ts) is started with. */
export interface HonestWorkerInit {
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly paceMs: number;
}

/** What the worker is told to do, one message at a time. */
export type HonestCommand =
  | { readonly cmd: 'join' }
  | { readonly cmd: 'chat' }
  | { readonly cmd: 'attack' }
  | { readonly cmd: 'drain'; readonly timeoutMs: number }
  | { readonly cmd: 'figures' }
  | { readonly cmd: 'leave' };

export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The reference server's defaults for what the attacks probe (spec 11; `node reference-server --help`). */
export const SERVER_DEFAULTS = {
  rate: 10,
  burst: 20,
  maxClients: 1024,
  handshakeTimeoutMs: 10000,
  history: 1000,
  maxMessage: 2000,
} as const;

const TYPE = /^\{"type":"([a-z_]+)"/;
const CODE = /"code":"([A-Z_]+)"/;
const PING_N = /"n":(\d+)/;

interface Waiter {
  readonly types: readonly string[];
  readonly resolve: (packet: { type: string; text: string }) => void;
  readonly reject: (err: Error) => void;
}

export interface RawPeerOptions extends ClientTarget {
  /** Read at most this many bytes a second (a client that renders slowly); unlimited if absent. */
  readonly readBytesPerSec?: number;
  /** Answer the server's pings (default yes). */
  readonly answerPings?: boolean;
}

/**
 * One v2 connection driven by hand. Counts every packet received by type (`error:CODE` for
 * errors); `sink()` makes it count bytes only (an attacker that reads and throws away).
 */
export class RawPeer {
  readonly socket: Socket;
  /** Packets received, by type; errors as `error:CODE`. */
  readonly received = new Map<string, number>();
  bytesIn = 0;
  readonly openedAt = nowUs();
  /** When the connection ended (server close, reset, or ours), nowUs. */
  endedAt: number | null = null;
  /** Whether the server ended it (a FIN or reset we did not ask for). */
  endedByServer = false;
  /** The code of the fatal error packet the server sent, if any. */
  fatal: string | null = null;
  /** Sees each packet as text (after counting), when set. */
  onPacket: ((type: string, text: string) => void) | null = null;
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder({ maxFrame: 64 * 1024 * 1024 });
  private sealer: RecordSealer | null = null;
  private opener: RecordOpener | null = null;
  private helloFrame: Buffer | null = null;
  private sinking = false;
  private leaving = false;
  private waiters: Waiter[] = [];

  constructor(readonly options: RawPeerOptions) {
    this.socket = connect({ host: options.host, port: options.port, noDelay: true });
    // A reset by a server that drops us is an outcome to count (endedAt), not a crash.
    this.socket.on('error', () => {});
    this.socket.on('end', () => this.ended());
    this.closed = new Promise((done) =>
      this.socket.once('close', () => {
        this.ended();
        for (const w of this.waiters.splice(0))
          w.reject(new Error(`closed (${this.fatal ?? 'no error packet'})`));
        done();
      }),
    );
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private ended(): void {
    if (this.endedAt !== null) return;
    this.endedAt = nowUs();
    this.endedByServer = !this.leaving;
  }

  /** Milliseconds from connect to the end, or null while open. */
  get lifetimeMs(): number | null {
    return this.endedAt === null ? null : (this.endedAt - this.openedAt) / 1000;
  }

  get open(): boolean {
    return this.endedAt === null && !this.socket.destroyed;
  }

  count(type: string, n = 1): void {
    this.received.set(type, (this.received.get(type) ?? 0) + n);
  }

  countOf(type: string): number {
    return this.received.get(type) ?? 0;
  }

  /** From now on only bytes are counted: no record is opened. */
  sink(): void {
    this.sinking = true;
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const limit = this.options.readBytesPerSec;
    if (limit) {
      this.socket.pause();
      setTimeout(() => this.socket.resume(), (chunk.length / limit) * 1000).unref();
    }
    if (this.sinking) return;
    try {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f; f = this.decoder.next()) {
        if (this.opener) this.onRecord(this.opener.open(f).toString('utf8'));
        else this.onPlain(Buffer.concat([f.header, f.body]), f.body.toString('utf8'));
      }
    } catch (err) {
      this.count(`local:${(err as { code?: string }).code ?? 'ERROR'}`);
      this.socket.destroy();
    }
  }

  private onPlain(frame: Buffer, text: string): void {
    const type = TYPE.exec(text)?.[1] ?? 'unknown';
    if (type === 'server_hello') this.helloFrame = frame;
    this.deliver(type, text);
  }

  private onRecord(plain: string): void {
    let start = 0;
    for (;;) {
      const nl = plain.indexOf('\n', start);
      const text = plain.slice(start, nl === -1 ? plain.length : nl);
      const type = TYPE.exec(text)?.[1] ?? 'unknown';
      if (type === 'error') {
        const code = CODE.exec(text)?.[1] ?? 'UNKNOWN';
        this.count(`error:${code}`);
        if (text.includes('"fatal":true')) this.fatal = code;
      } else if (type === 'ping' && this.options.answerPings !== false) {
        this.send([{ type: 'pong', n: Number(PING_N.exec(text)?.[1] ?? 0) }]);
      }
      this.deliver(type, text);
      if (nl === -1) return;
      start = nl + 1;
    }
  }

  private deliver(type: string, text: string): void {
    this.count(type);
    this.onPacket?.(type, text);
    const i = this.waiters.findIndex((w) => w.types.includes(type));
    if (i !== -1) this.waiters.splice(i, 1)[0].resolve({ type, text });
  }

  /** The next packet of one of these types. */
  next(types: readonly string[], timeoutMs = 10000): Promise<{ type: string; text: string }> {
    if (!this.open) return Promise.reject(new Error(`closed (${this.fatal ?? 'no error packet'})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${types.join('/')} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        types,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * The handshake (5.1-5.5): x25519, with a client_hello that `edit` may change (log injection);
   * resolves once server_auth arrived. The signature is not checked: an attacker does not care
   * who the server is, and a record that opens proves the keys agree.
   */
  async handshake(
    edit?: (hello: Record<string, unknown>) => Record<string, unknown>,
    timeoutMs = 10000,
  ): Promise<void> {
    const hello = JSON.parse((await this.next(['server_hello'], timeoutMs)).text) as {
      groups: { group: string; share: string }[];
    };
    const offer = hello.groups.find((g) => g.group === 'x25519');
    if (!offer) throw new Error('the server offers no x25519 share');
    const own = keyAgreement.generateKeyPair('x25519', randomBytes);
    const packet: Record<string, unknown> = {
      type: 'client_hello',
      protocol: V2_PROTOCOL_ID,
      group: 'x25519',
      share: own.share.toString('base64'),
      nonce: randomBytes(32).toString('base64'),
    };
    const frame = encodeFrame(JSON.stringify(edit ? edit(packet) : packet));
    const th = transcriptHash(this.helloFrame!, frame);
    const keys = deriveSessionKeys(computeSharedSecret(own, Buffer.from(offer.share, 'base64')), th);
    this.sealer = new RecordSealer(keys.c2s);
    this.opener = new RecordOpener(keys.s2c);
    this.socket.write(frame);
    await this.next(['server_auth'], timeoutMs);
  }

  /** Asks for a name (7.2): the code of join_error, or null when accepted. */
  async join(name: string, timeoutMs = 10000): Promise<string | null> {
    this.send([{ type: 'join', name }]);
    const reply = await this.next(['join_ok', 'join_error'], timeoutMs);
    return reply.type === 'join_ok' ? null : (CODE.exec(reply.text)?.[1] ?? 'UNKNOWN');
  }

  /** One record holding these packets, newline-separated (6.1), as the frame to write. */
  record(packets: readonly unknown[]): Buffer {
    return this.sealer!.seal(Buffer.from(packets.map((p) => JSON.stringify(p)).join('\n'), 'utf8'));
  }

  /** Writes one record of these packets; false once the socket is gone. */
  send(packets: readonly unknown[]): boolean {
    if (!this.open || !this.sealer) return false;
    this.socket.write(this.record(packets));
    return true;
  }

  /** Says goodbye where possible and waits (boundedly) for the close. */
  async leave(timeoutMs = 2000): Promise<void> {
    this.leaving = true;
    if (this.open) {
      if (this.sealer) this.send([{ type: 'goodbye' }]);
      this.socket.end();
    }
    const force = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closed;
    clearTimeout(force);
  }

  destroy(): void {
    this.leaving = true;
    this.socket.destroy();
  }
}

/** Connects, handshakes and joins a raw peer as `name`; throws if the name is refused. */
export async function joinedPeer(target: ClientTarget, name: string, options: Partial<RawPeerOptions> = {}) {
  const peer = new RawPeer({ ...options, host: target.host, port: target.port });
  try {
    await peer.handshake();
    const refused = await peer.join(name);
    if (refused) throw new Error(`${name}: join refused: ${refused}`);
  } catch (err) {
    peer.destroy();
    throw err;
  }
  return peer;
}

/** An honest member: the load generator's client, noting when and why it was dropped. */
class HonestMember extends ParleyClient {
  droppedAt: number | null = null;
  private leaving = false;
  /** Lines received that were sent before the attack, and during it. */
  receivedBefore = 0;
  receivedInAttack = 0;

  protected override attach(socket: Socket): void {
    super.attach(socket);
    socket.once('close', () => {
      if (!this.leaving) this.droppedAt ??= nowUs();
    });
  }

  get dropped(): boolean {
    return this.droppedAt !== null || this.notices.some((n) => n.startsWith('fatal'));
  }

  /** Why it was dropped: the fatal error the server sent, or that the connection ended. */
  get dropReason(): string {
    return (
      this.notices
        .find((n) => n.startsWith('fatal'))
        ?.split(':')[0]
        .slice(6) ?? 'connection closed'
    );
  }

  override leave(timeoutMs?: number): Promise<void> {
    this.leaving = true;
    return super.leave(timeoutMs);
  }
}

export interface HonestFigures {
  readonly members: number;
  /** Lines the members said while the attack ran (each goes to every member). */
  readonly linesSent: number;
  /** Delivery latency of the lines said before the attack (the same server, quiet). */
  readonly baselineMs: LatencySummary;
  /** Delivery latency of the lines said during the attack. */
  readonly latencyMs: LatencySummary;
  /**
   * Deliveries of attack-time lines the server accepted that were still missing at members who
   * stayed, after the drain.
   */
  readonly undelivered: number;
  /**
   * Chat lines the server said it skipped for members who stayed (LINES_SKIPPED notices, 11),
   * summed: the attackers' lines as well as honest ones (the notice gives a count, not which), so
   * it explains undelivered lines without telling them apart.
   */
  readonly skipped: number;
  /**
   * Attack-time lines the server refused with RATE_LIMITED: said at a steady pace under the
   * limit, but read by a stalled server late and in a bunch, they exceed its burst.
   */
  readonly rateLimited: number;
  /** How long after the attack the last of those lines took to arrive (or the drain gave up). */
  readonly drainSeconds: number;
  readonly dropped: number;
  readonly dropReasons: readonly string[];
}

const MARK = 'hb';

/** What the attack frame asks of the honest members, in this thread or in a worker. */
export interface HonestGroup {
  join(): Promise<void>;
  startChat(): void;
  attackStarts(): void;
  stopAndDrain(timeoutMs: number): Promise<void>;
  figures(): Promise<HonestFigures> | HonestFigures;
  leave(): Promise<void>;
}

/** A few honest members who chat at a steady pace and time every delivery. */
export class HonestRoom implements HonestGroup {
  readonly members: HonestMember[];
  private timer: NodeJS.Timeout | null = null;
  private attacking = false;
  private sentBefore = 0;
  private sentInAttack = 0;
  private refusedBefore = 0;
  private readonly baseline = new Samples();
  private readonly during = new Samples();
  private drainSeconds = 0;

  constructor(
    server: ClientTarget,
    count: number,
    private readonly paceMs: number,
  ) {
    this.members = Array.from({ length: count }, (_, i) => {
      const m = new HonestMember({ host: server.host, port: server.port }, `honest${i + 1}`, 'v2');
      // A line is `hb` + phase (b: before, a: attack) + the send time in µs.
      m.onChat = (s, start, end, atUs) => {
        if (!hasAt(s, start, MARK)) return;
        const during = s.charCodeAt(start + 2) === 0x61;
        const sentUs = Number(s.slice(start + 3, end));
        (during ? this.during : this.baseline).push(atUs - sentUs);
        if (during) m.receivedInAttack++;
        else m.receivedBefore++;
      };
      return m;
    });
  }

  async join(timeoutMs = 30000): Promise<void> {
    const started = await startAll(this.members, 10, nowUs() + timeoutMs * 1000);
    if (started.failed > 0) throw new Error(`honest members could not join: ${started.errors.join('; ')}`);
  }

  private sayLine(m: HonestMember): void {
    if (m.dropped) return;
    try {
      m.say(`${MARK}${this.attacking ? 'a' : 'b'}${nowUs()}`);
      m.flush();
      if (this.attacking) this.sentInAttack++;
      else this.sentBefore++;
    } catch {
      // dropped between the check and the line: counted as dropped
    }
  }

  /**
   * Starts chatting: every member says a line at once, then one every paceMs, the members spread
   * evenly over the period.
   */
  startChat(): void {
    for (const m of this.members) this.sayLine(m);
    let turn = 0;
    const each = Math.max(1, Math.floor(this.paceMs / this.members.length));
    this.timer = setInterval(() => this.sayLine(this.members[turn++ % this.members.length]), each);
  }

  /** Lines said from now on count as said during the attack; every member says one at once. */
  attackStarts(): void {
    this.attacking = true;
    this.refusedBefore = this.refused();
    for (const m of this.members) this.sayLine(m);
  }

  private refused(): number {
    return this.members.reduce((n, m) => n + m.notices.filter((x) => x.includes('RATE_LIMITED')).length, 0);
  }

  /** Chat lines the server told `m` it skipped (LINES_SKIPPED, 11: the message gives the count). */
  private skippedOf(m: HonestMember): number {
    let n = 0;
    for (const notice of m.notices) {
      const count = /^LINES_SKIPPED: (\d+) /.exec(notice);
      if (count) n += Number(count[1]);
    }
    return n;
  }

  /** Attack-time lines the server accepted: every member should receive each of them. */
  private accepted(): number {
    return this.sentInAttack - (this.refused() - this.refusedBefore);
  }

  /** Stops chatting and waits, at most `timeoutMs`, until members still here got every line. */
  async stopAndDrain(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const t0 = nowUs();
    const deadline = t0 + timeoutMs * 1000;
    const before = this.sentBefore - this.refusedBefore;
    const missing = (m: HonestMember) => m.receivedInAttack < this.accepted() || m.receivedBefore < before;
    while (nowUs() < deadline && this.live().some(missing)) {
      await pause(50);
    }
    this.drainSeconds = Math.round((nowUs() - t0) / 1e5) / 10;
  }

  private live(): HonestMember[] {
    return this.members.filter((m) => !m.dropped);
  }

  figures(): HonestFigures {
    const dropped = this.members.filter((m) => m.dropped);
    return {
      members: this.members.length,
      linesSent: this.sentInAttack,
      baselineMs: summarise(this.baseline),
      latencyMs: summarise(this.during),
      undelivered: this.live().reduce((n, m) => n + Math.max(0, this.accepted() - m.receivedInAttack), 0),
      skipped: this.live().reduce((n, m) => n + this.skippedOf(m), 0),
      rateLimited: this.refused() - this.refusedBefore,
      drainSeconds: this.drainSeconds,
      dropped: dropped.length,
      dropReasons: dropped.map((m) => `${m.name}: ${m.dropReason}`),
    };
  }

  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await leaveAll(this.members);
  }
}

/** The compiled worker script, when this runs from the build (tests from sources run in-thread). */
function honestWorkerScript(): URL | null {
  const url = new URL('./attack-honest-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : null;
}

/** The honest members in a worker thread, driven by commands (attack-honest-worker.ts). */
class HonestWorker implements HonestGroup {
  private readonly worker: Worker;
  private readonly waiting = new Map<string, { resolve: (m: unknown) => void; reject: (e: Error) => void }>();

  constructor(script: URL, init: HonestWorkerInit) {
    this.worker = new Worker(script, { workerData: init });
    this.worker.on('message', (m: { evt: string; message?: string }) => {
      if (m.evt === 'error') {
        for (const w of this.waiting.values()) w.reject(new Error(`honest members: ${m.message}`));
        this.waiting.clear();
        return;
      }
      const w = this.waiting.get(m.evt);
      this.waiting.delete(m.evt);
      w?.resolve(m);
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  private call<T>(command: HonestCommand): Promise<T> {
    const reply = new Promise<T>((resolve, reject) =>
      this.waiting.set(command.cmd, { resolve: resolve as (m: unknown) => void, reject }),
    );
    this.worker.postMessage(command);
    return reply;
  }

  async join(): Promise<void> {
    await this.call({ cmd: 'join' });
  }

  startChat(): void {
    this.worker.postMessage({ cmd: 'chat' } satisfies HonestCommand);
  }

  attackStarts(): void {
    this.worker.postMessage({ cmd: 'attack' } satisfies HonestCommand);
  }

  async stopAndDrain(timeoutMs: number): Promise<void> {
    await this.call({ cmd: 'drain', timeoutMs });
  }

  async figures(): Promise<HonestFigures> {
    return (await this.call<{ figures: HonestFigures }>({ cmd: 'figures' })).figures;
  }

  async leave(): Promise<void> {
    try {
      await this.call({ cmd: 'leave' });
    } finally {
      await this.worker.terminate();
    }
  }
}

/** The honest members of a run: in their own thread when the bench is built, else in this one. */
function honestGroup(server: ClientTarget, count: number, paceMs: number): HonestGroup {
  const script = honestWorkerScript();
  return script
    ? new HonestWorker(script, { host: server.host, port: server.port, count, paceMs })
    : new HonestRoom(server, count, paceMs);
}

/** Polls a process's RSS while an attack runs, for its peak over that window only. */
export class RssWatch {
  peak: number | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.timer.unref();
  }

  private poll(): void {
    const rss = readProcess(this.pid).rssBytes;
    if (rss !== null && (this.peak === null || rss > this.peak)) this.peak = rss;
  }

  stop(): number | null {
    this.poll();
    clearInterval(this.timer);
    return this.peak;
  }
}

/** What a run is made of: how many, how long, how hard. */
export interface AttackSettings {
  /** Honest members who chat during the attack. */
  readonly honest: number;
  /** Each member says a line every paceMs. */
  readonly paceMs: number;
  /** Chat before the attack, for the quiet latency on the same server. */
  readonly baselineMs: number;
  /** The longest an attack keeps going (connections, floods, newcomers). */
  readonly attackMs: number;
  /** Quiet time after the attack before the server's RSS is read again. */
  readonly quietMs: number;
  /** How long lines said during the attack may take to arrive afterwards. */
  readonly drainMs: number;
  /** History entries to fill before export attacks (the server is started with this history). */
  readonly history: number;
  /** Characters of a long line (export's CJK lines, burst's lines). */
  readonly lineChars: number;
  /** Attacking connections, where the attack has a number of them (export 10, burst 100). */
  readonly connections?: number;
}

export const DEFAULT_SETTINGS: AttackSettings = {
  honest: 3,
  paceMs: 500,
  baselineMs: 2000,
  attackMs: 5000,
  quietMs: 5000,
  drainMs: 60000,
  history: SERVER_DEFAULTS.history,
  lineChars: SERVER_DEFAULTS.maxMessage,
};

/** An attack's own figures: counts and what they were measured on. */
export type AttackCounts = Record<string, number | string | boolean | null>;

export interface AttackResult {
  readonly scenario: 'attack';
  readonly attack: string;
  readonly server: string;
  /** Server flags that differ from the reference server's defaults, and why. */
  readonly serverFlags: readonly string[];
  readonly honest: HonestFigures;
  readonly rss: {
    readonly beforeBytes: number | null;
    readonly peakBytes: number | null;
    readonly afterQuietBytes: number | null;
    readonly quietSeconds: number;
  };
  readonly counts: AttackCounts;
  /**
   * How late the bench's main event loop ran during the attack (p99 and max, ms): the attackers
   * run in it, so a busy load generator shows here rather than passing for the server's delay.
   */
  readonly loadgenLagMs: { readonly p99: number; readonly max: number };
  /** Lines the server logged (stdout and stderr) from the attack's start to the end of the drain. */
  readonly logLines: number;
  readonly seconds: number;
  /** The load average (1, 5, 15 min) at the end: the machine is shared. */
  readonly loadAverage: readonly number[];
}

/** What an attack's body gets: the server, the settings and the server's output so far. */
export interface AttackEnv {
  readonly server: ServerUnderTest;
  readonly settings: AttackSettings;
  /** Everything the server wrote since the attack started (kept for attacks that read logs). */
  readonly output: () => string;
}

export interface AttackPlan {
  /** Reference-server flags over the defaults (each with the reason, printed in the report). */
  readonly flags?: readonly string[] | ((settings: AttackSettings) => readonly string[]);
  readonly flagReason?: string;
  /** Run before the baseline chat (a history fill); not part of the attack window. */
  readonly prepare?: (env: AttackEnv) => Promise<AttackCounts>;
  /** The attack itself: bounded, cleans up its own connections, returns its counts. */
  readonly attack: (env: AttackEnv) => Promise<AttackCounts>;
  /** Keep the server's output for `env.output()` (logs attack); otherwise lines are only counted. */
  readonly keepOutput?: boolean;
}

/** Points of the quiet after an attack at which the server's RSS is read (those before its end). */
const QUIET_CHECKPOINTS_MS = [1000, 5000, 15000, 30000];

/** Starts a fresh server and honest room, runs one attack in the frame described at the top. */
export async function underAttack(
  name: string,
  plan: AttackPlan,
  settings: AttackSettings,
): Promise<AttackResult> {
  const t0 = nowUs();
  const flags = typeof plan.flags === 'function' ? plan.flags(settings) : (plan.flags ?? []);
  let counting = false;
  let logLines = 0;
  let kept: string[] = [];
  const server = await startParleyServer({
    profile: 'v2',
    rate: SERVER_DEFAULTS.rate,
    burst: SERVER_DEFAULTS.burst,
    maxClients: SERVER_DEFAULTS.maxClients,
    handshakeTimeoutMs: SERVER_DEFAULTS.handshakeTimeoutMs,
    extraArgs: ['--log-level', 'info', '--history', String(settings.history), ...flags],
    onOutput: (text) => {
      if (!counting) return;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) logLines++;
      if (plan.keepOutput) kept.push(text);
    },
  });
  const room = honestGroup(server, settings.honest, settings.paceMs);
  const env: AttackEnv = { server, settings, output: () => kept.join('') };
  const pid = server.monitor?.pid ?? null;
  try {
    await room.join();
    const prepared = plan.prepare ? await plan.prepare(env) : {};
    room.startChat();
    await pause(settings.baselineMs);
    const beforeBytes = pid === null ? null : readProcess(pid).rssBytes;
    const watch = pid === null ? null : new RssWatch(pid);
    kept = [];
    counting = true;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    room.attackStarts();
    const counts = await plan.attack(env);
    await room.stopAndDrain(settings.drainMs);
    counting = false;
    lag.disable();
    // The peak of the whole run: a server that frees memory during the attack peaked before it.
    const watched = watch?.stop() ?? null;
    const peakBytes = watched === null ? beforeBytes : Math.max(watched, beforeBytes ?? 0);
    // Does the memory come back? The RSS at a few points of the quiet, then at its end.
    const quietTrace: AttackCounts = {};
    let waited = 0;
    for (const at of QUIET_CHECKPOINTS_MS) {
      if (at >= settings.quietMs || pid === null) break;
      await pause(at - waited);
      waited = at;
      const rss = readProcess(pid).rssBytes;
      quietTrace[`rssMB${at / 1000}s`] = rss === null ? null : Math.round(rss / 2 ** 20);
    }
    await pause(settings.quietMs - waited);
    const afterQuietBytes = pid === null ? null : readProcess(pid).rssBytes;
    return {
      scenario: 'attack',
      attack: name,
      server: server.label,
      serverFlags: flags.length ? [`${flags.join(' ')} (${plan.flagReason ?? ''})`] : [],
      honest: await room.figures(),
      rss: { beforeBytes, peakBytes, afterQuietBytes, quietSeconds: settings.quietMs / 1000 },
      counts: { ...prepared, ...counts, ...quietTrace },
      loadgenLagMs: { p99: Math.round(lag.percentile(99) / 1e5) / 10, max: Math.round(lag.max / 1e5) / 10 },
      logLines,
      seconds: (nowUs() - t0) / 1e6,
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    await room.leave().catch(() => {});
    await server.stop();
  }
}

/** `n` lines of `chars` CJK ideographs each (three UTF-8 bytes a character), all different. */
export function cjkLine(i: number, chars: number): string {
  let s = '';
  for (let k = 0; k < chars; k++) s += String.fromCharCode(0x4e00 + ((i * 131 + k * 7) % 20000));
  return s;
}

/**
 * Fills the server's history with `entries` long CJK lines within its rate limit (burst, then
 * `rate` a second, 20% slower to stay clear of it), spread over `fillers` members who then leave
 * (the server reads each goodbye after that member's lines). Their leaves are entries too: the
 * history ends with `fillers` leave entries after the lines.
 */
export async function fillHistory(
  server: ClientTarget,
  entries: number,
  chars: number,
  fillers = 10,
): Promise<AttackCounts> {
  const t0 = nowUs();
  const clients = Array.from(
    { length: Math.min(fillers, entries) },
    (_, i) => new ParleyClient({ host: server.host, port: server.port }, `filler${i + 1}`, 'v2'),
  );
  const started = await startAll(clients, 10, nowUs() + 30e6);
  if (started.failed > 0) throw new Error(`fillers could not join: ${started.errors.join('; ')}`);
  const gapMs = (1000 / SERVER_DEFAULTS.rate) * 1.2;
  let line = 0;
  await Promise.all(
    clients.map(async (c, i) => {
      const quota = Math.floor(entries / clients.length) + (i < entries % clients.length ? 1 : 0);
      for (let k = 0; k < quota; k++) {
        if (k >= SERVER_DEFAULTS.burst) await pause(gapMs);
        c.say(cjkLine(line++, chars));
        c.flush();
      }
    }),
  );
  await leaveAll(clients);
  const refused = clients.reduce((n, c) => n + c.notices.filter((x) => x.includes('RATE_LIMITED')).length, 0);
  return {
    filledEntries: entries - refused,
    fillCharsPerEntry: chars,
    fillSeconds: Math.round((nowUs() - t0) / 1e5) / 10,
  };
}
