/**
 * Shared steps of the capacity cases (spec 11, 5.10): fill a limit, expect the next connection to
 * be refused at accept, free a place and expect it served again. SERVER_FULL (maxClients),
 * TOO_MANY_FROM_ADDRESS (maxPerAddress) and ADDRESS_RATE_LIMITED (addressHandshakeBurst) are
 * checked the same way, so they share these steps.
 *
 * How this works: `refusedAtAccept()` opens one more connection and reads what comes before the
 * close: a v2 server must say why in one plaintext `refused` record (5.10), a legacy server can
 * only close. `servedAgain()` then retries a fresh connection a few times (the server may take a
 * moment to see a close, or to refill a bucket): refusing for good after a place is free is the
 * failure that passes every "refused" check, so each such case ends with it (its positive control).
 */
import { type CaseContext, CaseStop, type SuiteOptions } from '../case.js';
import type { RawConnection } from '../driver.js';

/** Fails as INFORMATIONAL: the case needs a setting the suite was not told. */
export function unknown(ctx: CaseContext, expected: string, what: string): never {
  return ctx.fail(expected, `not checked: ${what}`, 'MAY');
}

/** The settings the capacity cases need, by the spec's limit name: the suite's option, its flag. */
const TOLD = {
  maxClients: { option: 'maxClients', flag: 'max-clients' },
  maxPerAddress: { option: 'maxPerAddress', flag: 'max-per-address' },
  addressHandshakeBurst: { option: 'addressBurst', flag: 'address-burst' },
  maxQueuedBytes: { option: 'maxQueuedBytes', flag: 'max-queued-bytes' },
} as const satisfies Record<string, { readonly option: keyof SuiteOptions; readonly flag: string }>;

/**
 * The value of the server's setting `name` that the suite was told (its option, or its
 * {placeholder} in --server-cmd), within `range` when the case can only fill so many (`range.what`
 * says what it fills); otherwise the case ends as INFORMATIONAL (unknown).
 */
export function knownSetting(
  ctx: CaseContext,
  expected: string,
  name: keyof typeof TOLD,
  range?: { readonly min?: number; readonly max: number; readonly what: string },
): number {
  const { option, flag } = TOLD[name];
  const value = ctx.options[option];
  if (value === undefined)
    unknown(ctx, expected, `the server's ${name} is unknown (give --${flag}, or {${flag}} in --server-cmd)`);
  if (range && (value > range.max || value < (range.min ?? Number.NEGATIVE_INFINITY)))
    unknown(ctx, expected, `${name} is ${value}; ${range.what} (try {${flag}})`);
  return value;
}

/** The first frame of a new connection, as JSON (server_hello or refused), or null at a close. */
export async function firstPacket(
  ctx: CaseContext,
  conn: RawConnection,
): Promise<Record<string, unknown> | null> {
  const frame = await conn.nextFrame(ctx.timeout, 'server_hello or refused').catch(() => null);
  if (!frame) return null;
  try {
    return JSON.parse(frame.body.toString('utf8'));
  } catch {
    return { type: '(not JSON)' };
  }
}

/** Opens `n` connections at once and checks that each is served (a server_hello). */
export async function holdServed(
  ctx: CaseContext,
  n: number,
  expected: string,
  why: string,
): Promise<RawConnection[]> {
  const held = await Promise.all(Array.from({ length: n }, (_, i) => ctx.raw(`held${i}`)));
  for (const [i, conn] of held.entries()) {
    const first = await firstPacket(ctx, conn);
    if (first?.type !== 'server_hello')
      ctx.fail(
        expected,
        `connection ${i + 1} of ${n} ${why} got ${first ? JSON.stringify(first).slice(0, 120) : 'the close'}, not server_hello`,
      );
  }
  return held;
}

export interface Refusal {
  /** The `refused` code a v2 server must send (5.10). */
  readonly code: string;
  /** The case's accepted outcome, for findings. */
  readonly expected: string;
  /** The refused connection, in words ("connection 4 (maxClients is 3)"). */
  readonly what: string;
}

/**
 * Opens one more connection and expects it refused at accept, promptly (well before the
 * handshake timeout, which would close it anyway): v2 with one plaintext `refused` `code` record
 * and the close; legacy with the close alone. Returns the frames it got.
 */
export async function refusedAtAccept(ctx: CaseContext, refusal: Refusal): Promise<string[]> {
  const { code, expected, what } = refusal;
  const extra = await ctx.raw('extra');
  const promptly = Math.min(ctx.timeout, Math.floor(ctx.options.handshakeTimeoutMs / 2));
  // Frames are read as they come (a refused record first), until the close or the deadline.
  const deadline = performance.now() + promptly;
  const frames: string[] = [];
  for (;;) {
    const left = deadline - performance.now();
    const frame = left > 0 ? await extra.nextFrame(left).catch(() => null) : null;
    if (!frame) break;
    frames.push(frame.body.toString('utf8'));
  }
  const closed = extra.closed || (await extra.wait(10, () => extra.closed));
  if (!closed)
    ctx.fail(
      expected,
      `${what} stays open ${promptly} ms${frames.length ? ` and got ${frames.length} frame(s) (${frames[0].slice(0, 80)})` : ''}: the server did not refuse it`,
    );
  const wrongError = frames.find((b) => /"type"\s*:\s*"error"/.test(b) && !b.includes(code));
  if (wrongError) ctx.fail(expected, `${what} got an error other than ${code}: ${wrongError.slice(0, 120)}`);
  const refusedWith = (b: string) => /"type"\s*:\s*"refused"/.test(b) && b.includes(`"${code}"`);
  if (ctx.options.profile === 'v2' && !frames.some(refusedWith))
    ctx.fail(
      expected,
      `${what} got ${frames.length ? `${frames.length} frame(s) but no refused ${code}: ${frames[0].slice(0, 120)}` : 'the close without a word'} (5.10: a refused record)`,
    );
  return frames;
}

/**
 * After a place was freed: a fresh connection is served (`serve` resolves true), tried up to five
 * times with growing pauses from `firstPauseMs`; a server that keeps refusing fails the case.
 */
export async function servedAgain(
  ctx: CaseContext,
  expected: string,
  what: string,
  serve: (attempt: number) => Promise<boolean>,
  firstPauseMs = 100,
): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      if (await serve(attempt)) return;
      last = 'refused';
    } catch (err) {
      if (err instanceof CaseStop) throw err;
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, firstPauseMs * (attempt + 1)));
  }
  ctx.fail(expected, `${what}, a new connection was still not served (${last})`);
}
