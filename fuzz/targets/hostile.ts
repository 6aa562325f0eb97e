/**
 * Hostile (spec 7.7, 7.8, 11; issue 15): a live v2 server under attack, with honest members in the
 * room whose deliveries are accounted for.
 *
 * How this works: the reference server runs as a child process (its RSS is its own), started once
 * per campaign with the spec's defaults for the rate limit and the per-address limits and smaller
 * queue limits (so that the memory bound below is tight), and kept across runs: what builds up is
 * part of what is fuzzed. Each run joins three honest members from one address, starts one to
 * four hostile actors (fuzz/chat/hostile.ts: floods of every packet type within and beyond the
 * rate limit, exporters that read promptly, slowly or never, members that stop reading, half-open
 * handshakes, junk, a reconnect storm from one address), and has the honest members say numbered
 * lines at a fifth of the rate limit while the attack lasts. Then the actors stop and a ping
 * answered on every honest member proves that whatever the server queued for it has arrived.
 * The properties:
 * - no honest member is disconnected or sent an error other than LINES_SKIPPED or RATE_LIMITED;
 * - every receiver has each honest sender's lines in order, once each, and misses no more of the
 *   lines the server accepted than its LINES_SKIPPED notices say (11); a sender's own echo misses
 *   no more than it was told were skipped or refused;
 * - a flood beyond the rate limit is closed by the server (7.8: RATE_EXCEEDED past the budget);
 * - no INTERNAL_ERROR, to anyone, and no error-level log line;
 * - the server's RSS (sampled every 50 ms) stays under its level at the start of the campaign
 *   plus a bound derived from its limits (`rssBound`).
 */
import fc from 'fast-check';
import { readProcess, type ServerUnderTest, startParleyServer } from '../../bench/server-process.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';
import type { HonestPeer } from '../chat/honest-peer.js';
import {
  AddressPool,
  describeHostile,
  FLOOD_PACKETS,
  HonestMember,
  HostileActor,
  type HostileOutcome,
  type HostileSpec,
  honestPad,
  type RateLimits,
  type Where,
} from '../chat/hostile.js';
import { ensure } from '../util.js';
import type { FuzzProperty, Profile } from './types.js';

/** The server's limits in this target: the spec's defaults but for smaller queues and timeouts. */
export const HOSTILE_LIMITS = {
  maxClients: 256,
  history: 200,
  maxQueuedBytes: 256 * 1024,
  maxTotalQueuedBytes: 16 * 1024 * 1024,
  handshakeTimeoutMs: 5000,
  slowReaderMs: 5000,
} as const;

/**
 * The limits of a profile's arena. legacy never sheds (11): a member whose queue passes
 * maxQueuedBytes is dropped even while it reads, and a flooder's whole burst (rateBurst lines of
 * maxMessage CJK characters, escaped and encrypted the legacy way) arrives in one read and is queued
 * for every member at once: more than 256 KiB each. A legacy arena keeps the spec's default queue,
 * which holds such a burst, so that what it checks is the server, not a queue set below one burst.
 */
export function arenaLimits(profile: Profile) {
  const l = { ...LIMITS, ...HOSTILE_LIMITS };
  return profile === 'legacy' ? { ...l, maxQueuedBytes: LIMITS.maxQueuedBytes } : l;
}

export const HONEST_MEMBERS = 3;
export const DEFAULT_ATTACK_MS = 3000;

/**
 * The most the server's RSS may grow over its level at the start of the campaign: twice the
 * server-wide queue budget (a packet queued, and its sealed record on the way out), a frame being
 * read on every connection it may hold, the history at its longest (four bytes a character at
 * most), and 64 MiB for what a garbage-collected runtime holds before it collects.
 */
export function rssBound(): number {
  const l = { ...LIMITS, ...HOSTILE_LIMITS };
  return (
    2 * l.maxTotalQueuedBytes +
    l.maxClients * (l.maxFrame + 32 * 1024) +
    l.history * l.maxMessage * 4 +
    64 * 2 ** 20
  );
}

const hostileArb: fc.Arbitrary<HostileSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('flood' as const),
    packet: fc.constantFrom(...FLOOD_PACKETS),
    beyond: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('exporter' as const), reading: fc.constantFrom('prompt', 'slow', 'none') }),
  fc.constant({ kind: 'non-reader' as const }),
  fc.record({
    kind: fc.constant('half-open' as const),
    count: fc.integer({ min: 1, max: 20 }),
    stage: fc.constantFrom('silent', 'partial-hello', 'hello-only'),
  }),
  fc.record({
    kind: fc.constant('junk' as const),
    what: fc.constantFrom('bytes', 'frame', 'bad-record', 'bad-packet'),
    times: fc.integer({ min: 1, max: 10 }),
  }),
  fc.record({ kind: fc.constant('storm' as const), max: fc.integer({ min: 10, max: 300 }) }),
);

export interface HostileRun {
  readonly actors: readonly HostileSpec[];
  /** Whether the honest members' lines are long (maxMessage less a little). */
  readonly longLines: boolean;
}

export const hostileRunArb: fc.Arbitrary<HostileRun> = fc.record({
  actors: fc.array(hostileArb, { minLength: 1, maxLength: 4 }),
  longLines: fc.boolean(),
});

/** A started server and what the runs share: its address pool and its RSS at the start. */
export interface Arena {
  readonly profile: Profile;
  readonly server: ServerUnderTest;
  readonly where: Where;
  readonly addresses: AddressPool;
  readonly baseRss: number | null;
  /** Error-level lines and INTERNAL_ERROR the server logged since the last call. */
  problems(): string[];
  runs: number;
}

export async function startArena(waitMs: number, profile: Profile = 'v2'): Promise<Arena> {
  const found: string[] = [];
  const l = arenaLimits(profile);
  const server = await startParleyServer({
    profile,
    rate: l.ratePerSecond,
    burst: l.rateBurst,
    maxClients: l.maxClients,
    handshakeTimeoutMs: l.handshakeTimeoutMs,
    extraArgs: [
      // The per-address limits at the spec's defaults (the bench's starter lifts them).
      ...['--max-per-address', String(l.maxPerAddress)],
      // Lifted: the campaign's actors take consecutive loopback addresses, a few /24s in all.
      ...['--max-prefix-addresses', '1000000'],
      ...['--address-burst', String(l.addressHandshakeBurst)],
      ...['--address-rate', String(l.addressHandshakesPerSecond)],
      ...['--history', String(l.history), '--max-queued', String(l.maxQueuedBytes)],
      ...['--max-queued-total', String(l.maxTotalQueuedBytes)],
      ...['--slow-reader-timeout', String(l.slowReaderMs), '--log-level', 'warn'],
    ],
    onOutput: (text) => {
      for (const line of text.split('\n'))
        if (/\berror\b.*|INTERNAL_ERROR/i.test(line) && !/\bwarn\b/i.test(line))
          found.push(line.slice(0, 300));
    },
  });
  const pid = server.monitor?.pid ?? null;
  return {
    profile,
    server,
    where: { host: server.host, port: server.port, waitMs },
    addresses: new AddressPool(),
    baseRss: pid === null ? null : readProcess(pid).rssBytes,
    problems: () => found.splice(0),
    runs: 0,
  };
}

/** Samples the server's RSS until stopped; the peak. */
export function watchRss(pid: number | null): () => number | null {
  if (pid === null) return () => null;
  let peak = 0;
  const sample = () => {
    const rss = readProcess(pid).rssBytes;
    if (rss !== null && rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, 50);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** Every property of one run over the members' accounts and the actors' outcomes (see the top). */
/** What checkRun reads of an honest member (HonestMember has it). */
export interface MemberAccount {
  readonly name: string;
  readonly lost: string | null;
  readonly lines: ReadonlyMap<string, readonly number[]>;
  readonly skipped: number;
  readonly skippedUncounted: boolean;
  readonly rateLimited: number;
  readonly sent: number;
  /** False for legacy (10.3): a sender gets no echo of its own lines. Default true. */
  readonly echoes?: boolean;
}

export function checkRun(
  members: readonly MemberAccount[],
  outcomes: readonly HostileOutcome[],
  peakRss: number | null,
  baseRss: number | null,
): void {
  for (const m of members) ensure(m.lost === null, () => `honest ${m.name} lost: ${m.lost}`);
  const accepted = new Map<string, Set<number>>();
  for (const s of members) accepted.set(s.name, new Set());
  for (const r of members) {
    for (const [from, got] of r.lines) {
      const set = accepted.get(from);
      if (!set) continue;
      for (let i = 1; i < got.length; i++)
        ensure(
          got[i] > got[i - 1],
          () => `${r.name} got ${from}'s lines out of order or twice: ${got.join(',')}`,
        );
      for (const k of got) set.add(k);
    }
  }
  for (const r of members) {
    const echoes = r.echoes !== false;
    let missing = 0;
    for (const s of members)
      if (echoes || s !== r) missing += accepted.get(s.name)!.size - (r.lines.get(s.name)?.length ?? 0);
    ensure(
      r.skippedUncounted || missing <= r.skipped,
      () => `${r.name} misses ${missing} accepted honest lines, told of ${r.skipped} skipped`,
    );
    const echoed = r.lines.get(r.name)?.length ?? 0;
    ensure(
      !echoes || r.skippedUncounted || r.sent - echoed <= r.skipped + r.rateLimited,
      () =>
        `${r.name} said ${r.sent} lines, ${echoed} came back; told of ${r.skipped} skipped and ${r.rateLimited} refused`,
    );
  }
  for (const o of outcomes) {
    ensure(o.problems.length === 0, () => `${describeHostile(o.spec)}: ${o.problems.join('; ')}`);
    if (o.spec.kind === 'flood' && o.spec.beyond) {
      ensure(o.closedByServer, () => `${describeHostile(o.spec)}: ${o.sent} packets sent, still connected`);
    }
  }
  if (peakRss !== null && baseRss !== null) {
    const bound = baseRss + rssBound();
    ensure(
      peakRss <= bound,
      () =>
        `server RSS peaked at ${mib(peakRss)} MiB, over the bound ${mib(bound)} MiB (${mib(baseRss)} at the start)`,
    );
  }
}

export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** What a run saw, for tests and diagnostics. */
export interface RunReport {
  readonly honest: readonly {
    name: string;
    sent: number;
    received: number;
    skipped: number;
    rateLimited: number;
  }[];
  readonly outcomes: readonly HostileOutcome[];
  readonly peakRss: number | null;
}

/** The rate limits the actors keep to (or break), from the target's limits. */
export function rateOf(l: Pick<Limits, 'ratePerSecond' | 'rateBurst' | 'maxMessage'>): RateLimits {
  return { ratePerSecond: l.ratePerSecond, rateBurst: l.rateBurst, maxMessage: l.maxMessage };
}

/**
 * The honest members talk while the attack lasts: a line every 250 ms in all (a fifth of the
 * default ratePerSecond of 10 for each of three members), in turn, for `attackMs`.
 */
export function talk(
  members: readonly { say(pad: string): void }[],
  pad: string,
  attackMs: number,
): Promise<void> {
  const t0 = Date.now();
  return new Promise<void>((resolve) => {
    let turn = 0;
    const timer = setInterval(() => {
      members[turn % members.length].say(pad);
      turn++;
      if (Date.now() - t0 >= attackMs) {
        clearInterval(timer);
        resolve();
      }
    }, 250 / members.length);
  });
}

/** A profile's people in a run: how its honest members join, its actors are made, its run settles. */
export interface RunCast<M extends HonestPeer, S, O> {
  /** What the names of the run's honest members and of its actors start with. */
  readonly tag: string;
  readonly actorTag: string;
  join(where: Where, name: string, localAddress: string, seed: string): Promise<M>;
  actor(
    spec: S,
    where: Where,
    addresses: AddressPool,
    rate: RateLimits,
    seed: string,
    name: string,
  ): {
    start(): void;
    stop(graceMs: number): Promise<O>;
  };
  /** After the attack: waits until what the server queued for the members has arrived. */
  settle(members: readonly M[], ms: number): Promise<void>;
}

/**
 * One run of either profile: the honest room joins, the actors attack while the members talk, the
 * actors stop and the room settles; then the server's log and its process are checked (a property
 * failure throws). The caller checks the accounts of the members and outcomes returned.
 */
export async function playRun<M extends HonestPeer, S, O>(
  arena: Arena,
  run: { readonly actors: readonly S[]; readonly longLines: boolean },
  attackMs: number,
  seed: number,
  cast: RunCast<M, S, O>,
): Promise<{ members: M[]; outcomes: O[]; peak: number | null }> {
  const n = ++arena.runs;
  const l = { ...LIMITS, ...HOSTILE_LIMITS };
  const where = arena.where;
  const honestAddress = arena.addresses.take();
  const members: M[] = [];
  const actors: { start(): void; stop(graceMs: number): Promise<O> }[] = [];
  const stopRss = watchRss(arena.server.monitor?.pid ?? null);
  let outcomes: O[] = [];
  try {
    for (let i = 0; i < HONEST_MEMBERS; i++)
      members.push(await cast.join(where, `${cast.tag}${n}m${i}`, honestAddress, `${seed}/honest ${i}`));
    run.actors.forEach((spec, i) => {
      const name = `${cast.actorTag}${n}a${i}`;
      const actor = cast.actor(spec, where, arena.addresses, rateOf(l), `${seed}/${i}`, name);
      actors.push(actor);
      actor.start();
    });
    await talk(members, honestPad(run.longLines, l.maxMessage), attackMs);
    outcomes = await Promise.all(actors.map((a) => a.stop(where.waitMs)));
    await cast.settle(members, where.waitMs * 2);
  } finally {
    for (const a of actors) await a.stop(0);
    for (const m of members) m.leave();
  }
  const peak = stopRss();
  const problems = arena.problems();
  ensure(problems.length === 0, () => `the server logged: ${problems.join(' | ')}`);
  ensure(arena.server.monitor === null || isAlive(arena.server.monitor.pid), 'the server process died');
  return { members, outcomes, peak };
}

const V2_CAST: RunCast<HonestMember, HostileSpec, HostileOutcome> = {
  tag: 'h',
  actorTag: 'x',
  join: (where, name, address, seed) => HonestMember.join(where, name, address, seed),
  actor: (spec, where, addresses, rate, seed, name) =>
    new HostileActor(spec, where, addresses, rate, seed, name),
  // Senders first (their lines are in), then everyone (what was queued for them has arrived).
  async settle(members, ms) {
    let ping = 1;
    for (const m of members) await m.barrier(ping++, ms);
    for (const m of members) await m.barrier(ping++, ms);
  },
};

/** One run: the honest room, the attack, the accounts (a property failure throws). */
export async function hostileRun(
  arena: Arena,
  run: HostileRun,
  attackMs: number,
  seed: number,
): Promise<RunReport> {
  const { members, outcomes, peak } = await playRun(arena, run, attackMs, seed, V2_CAST);
  checkRun(members, outcomes, peak, arena.baseRss);
  return {
    honest: members.map((m) => ({
      name: m.name,
      sent: m.sent,
      received: [...m.lines.values()].reduce((n, l) => n + l.length, 0),
      skipped: m.skipped,
      rateLimited: m.rateLimited,
    })),
    outcomes,
    peakRss: peak,
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The property over a started arena. */
export function hostileProperty(arena: Arena, attackMs: number): FuzzProperty {
  return {
    name: 'v2',
    description: `v2 reference server (child process) at ${arena.where.host}:${arena.where.port}: honest members keep every line under floods, exports, non-readers, half-open handshakes, junk and reconnect storms; RSS under ${mib(rssBound())} MiB over its start`,
    property: fc.asyncProperty(hostileRunArb, fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (run, seed) => {
      await hostileRun(arena, run, attackMs, seed);
    }),
  };
}
