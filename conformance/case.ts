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
import { randomBytes } from 'node:crypto';
import { ConnectFailed, RawConnection, WireLog } from './driver.js';
import { LegacySession } from './legacy-driver.js';
import { V2Session } from './v2-driver.js';

export type Profile = 'v2' | 'legacy';
export type Level = 'MUST' | 'SHOULD' | 'MAY';
export type Verdict = 'OK' | 'NON-STRICT' | 'INFORMATIONAL' | 'FAILED';
export const VERDICTS: readonly Verdict[] = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'FAILED'];

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
  /** legacy servers announce no limits: the suite assumes these. */
  readonly maxFrame: number;
  readonly maxMessage: number;
  /** The identity fingerprint the v2 server must present, if known. */
  readonly fingerprint?: string;
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

  constructor(
    readonly options: SuiteOptions,
    readonly caseDef: Case,
    private readonly tag: string,
  ) {}

  get timeout(): number {
    return this.options.timeoutMs;
  }

  /** A fresh raw TCP connection, owned by this case. */
  async raw(label?: string): Promise<RawConnection> {
    if (this.finished) throw new ConnectFailed('the case is over', 'ECASEOVER');
    const conn = await RawConnection.open({
      host: this.options.host,
      port: this.options.port,
      label: label ?? `c${++this.connCount}`,
      log: this.log,
      timeoutMs: this.timeout,
    });
    this.conns.push(conn);
    if (this.finished) conn.destroy();
    return conn;
  }

  /** A v2 session that has only connected (nothing read yet). */
  async v2Connect(label?: string): Promise<V2Session> {
    return new V2Session(await this.raw(label), this.timeout);
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
    const name = this.name(base);
    const reply = await session.join(name);
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
    const name = this.name(base);
    const reply = await session.join(name);
    if (reply.typ !== 'approved_conn') {
      this.fail(`approved_conn for the free, valid name "${name}"`, `${reply.typ}: ${String(reply.cont)}`);
    }
    return session;
  }

  /** A name unique to this run and case: letters and digits only, at most 14 characters. */
  name(base: string): string {
    const suffix = randomBytes(4).readUInt32BE().toString(36).padStart(6, '0').slice(0, 5);
    return `${base.slice(0, 7)}${this.tag}${suffix}`.slice(0, 14);
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

  /** Ends the case: every connection it opened is destroyed. */
  close(): void {
    this.finished = true;
    for (const conn of this.conns) conn.destroy();
  }
}

export function describeReply(packet: { type: string; code?: string; message?: string }): string {
  return packet.code ? `${packet.code}${packet.message ? ` (${packet.message})` : ''}` : '';
}
