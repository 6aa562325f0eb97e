/**
 * What a conformance case is, and the context it runs in.
 *
 * How this works: a case declares its spec section, the RFC 2119 level of the rule it checks, the
 * outcomes it accepts and the spec items it covers, and `run(ctx)` drives fresh connections. A
 * check that does not hold is a Finding at some level; the worst finding decides the verdict:
 * MUST -> FAILED, SHOULD -> NON-STRICT, MAY -> INFORMATIONAL. `ctx.fail()` records a finding and
 * stops the case; `ctx.check()` records one and carries on. The context owns every connection the
 * case opens and destroys them when it ends, so nothing leaks into the next case.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Profile } from '../src/generated/constants.js';
import { ConnectFailed, RawConnection, WireLog } from './driver.js';
import { LegacySession } from './legacy-driver.js';
import { V2Session } from './v2-driver.js';

export type { Profile };
export type Level = 'MUST' | 'SHOULD' | 'MAY';
/** CRASHED: the server died (or stopped answering) during the case; it counts as a failure. */
export type Verdict = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'FAILED' | 'CRASHED';
export const VERDICTS: readonly Verdict[] = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED', 'CRASHED'];

/** The verdicts that fail a run (NON-STRICT too, with --strict). */
export const isFailure = (v: Verdict) => v === 'FAILED' || v === 'CRASHED';

/** What the suite knows about the server under test (from the command line). */
export interface SuiteOptions {
  readonly host: string;
  readonly port: number;
  readonly profile: Profile;
  /** Per wait, in ms. */
  readonly timeoutMs: number;
  /** The server's handshake timeout (not announced on the wire). */
  readonly handshakeTimeoutMs: number;
  /** The server's idle ping and idle timeout (v2); idle cases run only when the timeout is known. */
  readonly idlePingMs?: number;
  readonly idleTimeoutMs?: number;
  /** The server's rate limit burst (not announced on the wire). */
  readonly burst: number;
  /** RATE_LIMITED replies per refusal window, and refusals before RATE_EXCEEDED (7.8; not announced). */
  readonly rateReplies: number;
  readonly rateBudget: number;
  /** Connections per address, and the address's connection bucket (11), if known. */
  readonly maxPerAddress?: number;
  readonly addressBurst?: number;
  readonly addressRate?: number;
  /**
   * The server's limits: a v2 server announces maxFrame, maxMessage and maxName in server_hello
   * (the pre-flight reads them); legacy servers announce nothing, so these come from flags.
   */
  readonly maxFrame: number;
  readonly maxMessage: number;
  /** Longest name; the suite's own names are sized to it (unknown: 14 characters, as ever). */
  readonly maxName?: number;
  /** Connections the server holds at once, if known (SERVER_FULL cases). */
  readonly maxClients?: number;
  /** Unsent bytes the server allows a slow reader, if known (SLOW_READER cases). */
  readonly maxQueuedBytes?: number;
  /**
   * The server's room limits (feature `rooms`, 7.15), if known (not announced on the wire); the
   * rooms cases assume the spec defaults otherwise.
   */
  readonly maxRoomName?: number;
  readonly maxRoomsPerMember?: number;
  readonly maxRooms?: number;
  readonly maxTopic?: number;
  /** The identity fingerprint the v2 server must present, if known. */
  readonly fingerprint?: string;
  /**
   * Stops the server under test as its operator would (SIGTERM), without waiting for it to end;
   * only when the suite started the server (--server-cmd). The shutdown case (7.9) needs it.
   */
  readonly stopServer?: () => Promise<void>;
  /**
   * The arguments the suite appended to --server-cmd for this case (Case.serverArgs), or what a
   * test says its server was started with; absent: the suite cannot know the server's flags.
   */
  readonly serverArgs?: readonly string[];
}

/** A server timer a case waits for; such cases run alongside the others to save time. */
export type ServerTimer = 'handshake-timeout' | 'idle-timeout';

export interface Case {
  /** `area/section/n`, e.g. `framing/3.2/4`. */
  readonly id: string;
  readonly section: string;
  readonly profile: Profile | 'both';
  readonly level: Level;
  readonly description: string;
  /** The spec text this case checks (quoted from spec/parley.spec.json). */
  readonly specText: string;
  /** Spec items exercised: `packet:v2/join`, `transition:v2/server:AWAIT_JOIN:join:accepted`. */
  readonly covers: readonly string[];
  /** The outcomes the case accepts, in words. */
  readonly accepts: readonly string[];
  /** Set when the case waits for a server timer; it then runs concurrently with the others. */
  readonly waitsFor?: ServerTimer;
  /**
   * The case passes on an absence (nothing delivered, dropped, refused): after it, the runner
   * proves in the same case that the server still serves chat, so a dead room cannot pass.
   */
  readonly absence?: boolean;
  /**
   * The case needs a server whose room has not emptied since it started (the original deletes its
   * legacy log then, 10.5): with --server-cmd it gets a server of its own, and the connection that
   * found that server ready stays open until the case ends, so the suite's own readiness check
   * cannot empty the room first.
   */
  readonly pristine?: boolean;
  /**
   * The case stops the server (options.stopServer): it runs on a server of its own, or last, and
   * the server's end is not a crash.
   */
  readonly stopsServer?: boolean;
  /**
   * A server setting the case needs, by --server-cmd placeholder: with --server-cmd naming that
   * placeholder the case gets its own server started with this value.
   */
  readonly needs?: Readonly<
    Partial<
      Record<
        | 'max-clients'
        | 'max-queued-bytes'
        | 'rate-burst'
        | 'max-per-address'
        | 'address-burst'
        | 'address-rate',
        number
      >
    >
  >;
  /**
   * Server flags the case needs (`--op FP`, `--reserve-names FILE`, 7.16-7.18): with --server-cmd
   * the case gets a server of its own started with them appended; without, it says it cannot check.
   */
  readonly serverArgs?: readonly string[];
  run(ctx: CaseContext): Promise<void>;
}

export interface Finding {
  readonly level: Level;
  readonly expected: string;
  readonly actual: string;
}

/** Thrown by ctx.fail(): stops the case. */
export class CaseStop extends Error {
  constructor(readonly finding: Finding) {
    super(finding.actual);
    this.name = 'CaseStop';
  }
}

/** Short names come from one counter per process, so a run does not reuse them soon. */
const shortNames = { next: randomBytes(2).readUInt16BE() };
/** Reserved names short enough to be drawn (v2 and legacy). */
const SHORT_RESERVED = new Set(['temp']);
/** The refusal codes of a server's per-address limits (5.10, 11). */
const ADDRESS_REFUSALS = ['TOO_MANY_FROM_ADDRESS', 'ADDRESS_RATE_LIMITED'] as const;
/** Characters of shortened chat lines (ctx.line). */
const LINE_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function areaOf(id: string): string {
  return id.split('/')[0];
}

/** The verdict for the worst of a case's findings. */
export function verdictOf(findings: readonly Finding[], level: Level): Verdict {
  if (findings.some((f) => f.level === 'MUST')) return 'FAILED';
  if (findings.some((f) => f.level === 'SHOULD')) return 'NON-STRICT';
  if (findings.length > 0 || level === 'MAY') return 'INFORMATIONAL';
  return 'OK';
}

export class CaseContext {
  readonly log = new WireLog();
  readonly findings: Finding[] = [];
  readonly notes: string[] = [];
  private readonly conns: RawConnection[] = [];
  private connCount = 0;
  private finished = false;
  private readonly usedNames = new Set<string>();
  /** The most connections the suite held to the server at once while this case ran (RawConnection.held). */
  mostHeld = 0;
  /**
   * Connections of this case the server closed before its opening (no frame, or only a v2
   * `refused` record): what a server at maxClients does to one more.
   */
  get refusedAtAccept(): number {
    return this.conns.filter((c) => c.closed && (c.framesArrived === 0 || c.arrivedIncludes('"refused"')))
      .length;
  }
  /**
   * Connections of this case the server closed (the suite did not): among them, at maxClients,
   * those it closed before they joined to serve a newer one (11.2).
   */
  get closedByServer(): number {
    return this.conns.filter((c) => c.closedByServer).length;
  }
  /**
   * Connections of this case the server closed before its first frame (the suite did not close
   * them): how a legacy server turns one away at accept, saying nothing (5.10).
   */
  get closedSilentlyAtAccept(): number {
    return this.conns.filter((c) => c.closedByServer && c.framesArrived === 0).length;
  }
  /**
   * The code of a v2 `refused` record (5.10) that turned one of this case's connections away for
   * the server's per-address limits (11), if any: the suite connects from one address.
   */
  get refusedForAddress(): string | null {
    for (const code of ADDRESS_REFUSALS)
      if (this.conns.some((c) => c.arrivedIncludes('"refused"') && c.arrivedIncludes(`"${code}"`)))
        return code;
    return null;
  }
  /** Error packets RATE_LIMITED that this case's v2 sessions received. */
  get rateLimited(): number {
    for (const s of this.sessions) s.absorb();
    return this.sessions.reduce((n, s) => n + s.rateLimited, 0);
  }
  private readonly sessions: V2Session[] = [];
  /** Shortened chat lines handed out in this case, by the text they stand for. */
  private readonly shortLines = new Map<string, string>();

  constructor(
    readonly options: SuiteOptions,
    readonly caseDef: Case,
    private readonly tag: string,
  ) {}

  get timeout(): number {
    return this.options.timeoutMs;
  }

  /** A fresh raw TCP connection, owned by this case; `from`: the suite's address to use. */
  async raw(label?: string, from?: string): Promise<RawConnection> {
    if (this.finished) throw new ConnectFailed('the case is over', 'ECASEOVER');
    const conn = await RawConnection.open({
      host: this.options.host,
      port: this.options.port,
      label: label ?? `c${++this.connCount}`,
      log: this.log,
      timeoutMs: this.timeout,
      localAddress: from,
    });
    this.conns.push(conn);
    const held = RawConnection.held(this.options.host, this.options.port);
    this.mostHeld = Math.max(this.mostHeld, held);
    // Connected after the case ended (a connect still in flight when it stopped): leave politely.
    if (this.finished) void this.politeEnd(conn).then(() => conn.destroy());
    return conn;
  }

  /** A v2 session that has only connected (nothing read yet). */
  async v2Connect(label?: string, from?: string): Promise<V2Session> {
    const session = new V2Session(await this.raw(label, from), this.timeout);
    this.sessions.push(session);
    return session;
  }

  /** A v2 session past the handshake (server_auth verified), not joined. */
  async v2(label?: string, group?: 'x25519' | 'modp14'): Promise<V2Session> {
    const session = await this.v2Connect(label);
    await session.handshake({ group, fingerprint: this.options.fingerprint });
    return session;
  }

  /** A v2 session that has joined under a fresh unique name built from `base`. */
  async v2Joined(base: string, label?: string): Promise<V2Session> {
    const session = await this.v2(label ?? base);
    let name = this.name(base);
    let reply = await session.join(name);
    // Short names (a small maxName) may be held by another case's client: draw another.
    for (
      let i = 0;
      i < 4 && this.shortNames && reply.type === 'join_error' && reply.code === 'NAME_TAKEN';
      i++
    ) {
      name = this.name(base);
      reply = await session.join(name);
    }
    if (reply.type !== 'join_ok') {
      this.fail(`join_ok for the free, valid name "${name}"`, `${reply.type} ${describeReply(reply)}`);
    }
    return session;
  }

  async legacyConnect(label?: string): Promise<LegacySession> {
    return new LegacySession(await this.raw(label), this.timeout);
  }

  /** A legacy session past the key exchange, no name yet. */
  async legacy(label?: string): Promise<LegacySession> {
    const session = await this.legacyConnect(label);
    await session.readHandshake();
    session.keyExchange();
    return session;
  }

  /** A legacy session with an approved, fresh unique name built from `base`. */
  async legacyJoined(base: string, label?: string): Promise<LegacySession> {
    const session = await this.legacy(label ?? base);
    let name = this.name(base);
    let reply = await session.join(name);
    for (let i = 0; i < 4 && this.shortNames && reply.typ === 'username_taken'; i++) {
      name = this.name(base);
      reply = await session.join(name);
    }
    if (reply.typ !== 'approved_conn') {
      this.fail(`approved_conn for the free, valid name "${name}"`, `${reply.typ}: ${String(reply.cont)}`);
    }
    return session;
  }

  /**
   * A name unique to this run and case: lower-case letters and digits only, at most 14 characters
   * and never longer than the server's maxName. Under 8 characters a name is drawn from a counter
   * shared by the whole run (so short names are not reused while earlier ones may linger), and
   * never repeats within the case.
   */
  name(base: string): string {
    const max = Math.min(14, this.options.maxName ?? 14);
    if (max >= 8) {
      const suffix = randomBytes(4).readUInt32BE().toString(36).padStart(6, '0').slice(0, 5);
      return `${base.slice(0, Math.max(1, max - 7))}${this.tag}${suffix}`.slice(0, max);
    }
    const space = 36 ** max;
    for (let i = 0; i < 64; i++) {
      const n = (shortNames.next++ * 7919) % space;
      const name = `a${n.toString(36)}`.slice(-max).padStart(max, 'a');
      if (!this.usedNames.has(name) && !SHORT_RESERVED.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
    return `${base}${this.tag}`.slice(0, max);
  }

  /**
   * A chat line that fits the server's maxMessage: `text` itself when it fits, else a stand-in of
   * exactly maxMessage characters derived from it. Within a case the same text always gives the
   * same line (so a case can compare what it sent with what arrived) and different texts give
   * different lines, however small maxMessage is (down to one character: one of 62 letters and
   * digits); a case that needs more distinct lines than fit is INFORMATIONAL.
   */
  line(text: string): string {
    const max = this.options.maxMessage;
    if (text.length <= max) return text;
    const known = this.shortLines.get(text);
    if (known !== undefined) return known;
    const taken = new Set(this.shortLines.values());
    const digest = BigInt(`0x${createHash('sha256').update(text).digest('hex')}`);
    const space = BigInt(LINE_ALPHABET.length) ** BigInt(Math.min(max, 8));
    // Successive candidates: with one character, 64 tries see all 62 of them.
    for (let i = 0n; i < 64n; i++) {
      const line = this.spell((digest + i) % space, max);
      if (!taken.has(line)) {
        this.shortLines.set(text, line);
        return line;
      }
    }
    return this.fail(
      'distinct chat lines within maxMessage',
      `not checked: maxMessage ${max} leaves too few distinct lines for this case`,
      'MAY',
    );
  }

  /** `n` written in LINE_ALPHABET, padded to exactly `length` characters. */
  private spell(n: bigint, length: number): string {
    const base = BigInt(LINE_ALPHABET.length);
    let out = '';
    for (let v = n; v > 0n; v /= base) out = LINE_ALPHABET[Number(v % base)] + out;
    return out.padStart(length, LINE_ALPHABET[0]).slice(-length);
  }

  /** Names are short enough (maxName under 8) that a drawn one may be in use already. */
  get shortNames(): boolean {
    return (this.options.maxName ?? 14) < 8;
  }

  /** The server's maxName if known; else `fallback`. */
  maxName(fallback = 24): number {
    return this.options.maxName ?? fallback;
  }

  /** Records a finding at `level` (default: the case's level) and stops the case. */
  fail(expected: string, actual: string, level: Level = this.caseDef.level): never {
    const finding = { level, expected, actual };
    this.findings.push(finding);
    throw new CaseStop(finding);
  }

  /** Records a finding if `ok` is false, and carries on. */
  check(ok: boolean, expected: string, actual: string, level: Level = this.caseDef.level): boolean {
    if (!ok) this.findings.push({ level, expected, actual });
    return ok;
  }

  /**
   * Runs `step`; a timeout or a protocol violation in it becomes a finding with `expected` and the
   * error's text, prefixed with `context` (so the report says what the suite was doing).
   */
  async attempt<T>(expected: string, context: string, step: () => Promise<T>, level?: Level): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof CaseStop) throw err;
      return this.fail(expected, `${context}: ${(err as Error).message}`, level);
    }
  }

  /** An observation for the report (shown for INFORMATIONAL verdicts). */
  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * Before the case ends: a legacy connection still inside the server's opening waits (a little)
   * for the rest of it (until key_exc), so the suite's own clean-up never closes mid-handshake, which stops some
   * servers (the original's accept loop). Cases that close early on purpose do it themselves.
   */
  async leavePolitely(): Promise<void> {
    await Promise.all(this.conns.map((c) => this.politeEnd(c)));
  }

  private async politeEnd(c: RawConnection): Promise<void> {
    const opened = () => c.closed || c.arrivedIncludes('"key_exc"');
    if (this.options.profile !== 'legacy' || opened()) return;
    await c.wait(Math.max(this.timeout, 3000), opened);
  }

  /** Ends the case: every connection it opened is destroyed. */
  close(): void {
    this.finished = true;
    for (const conn of this.conns) conn.destroy();
  }
}

export function describeReply(packet: { type: string; code?: string; message?: string }): string {
  return packet.code ? `${packet.code}${packet.message ? ` (${packet.message})` : ''}` : '';
}
