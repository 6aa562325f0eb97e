/**
 * What a case's findings mean once the server's limits and health are taken into account: the
 * runner's gates between "what the case saw" and the verdict.
 *
 * How this works: a case that passed on an absence must prove the server still serves chat
 * (positive control); a case that failed only because the suite went beyond a limit the server
 * was told or announced (maxClients, a small burst, per-address limits) is INFORMATIONAL and says
 * which limit, not FAILED; a legacy server that closes connections at accept without a word
 * (5.10) is asked again after a pause, so that its per-address limits are told from a crash.
 */
import { LIMITS } from '../src/generated/constants.js';
import { type Case, type CaseContext, type Finding, type SuiteOptions, verdictOf } from './case.js';
import { chatRoundTrip } from './cases/common.js';
import { type Probe, politeProbe } from './probe.js';

/**
 * The positive control of a case that passed on an absence: two fresh clients must still chat.
 * If they cannot, the absence proved nothing (a dead room forwards nothing), so the case fails.
 */
export async function control(ctx: CaseContext, c: Case): Promise<void> {
  if (ctx.findings.some((f) => f.level === 'MUST')) return;
  const problem = await chatRoundTrip(ctx, 'control');
  if (problem) {
    ctx.findings.push({
      level: 'MUST',
      expected: `${c.accepts.join('; or ')}; and afterwards the server still serves chat (positive control)`,
      actual: `the positive control after the case failed (${problem}): the server stopped serving chat, so what it did not deliver proves nothing`,
    });
  } else ctx.note('positive control: two fresh clients still chat');
}

/**
 * A case that failed while it went beyond a limit the server was told to have is not a verdict on
 * the server: it held more connections than a known maxClients and the server refused one at
 * accept (as it must when full) or closed one that had not joined to make room (11.2), or its
 * clients were refused as
 * RATE_LIMITED under a burst below the spec default the cases are written for (cases about rate
 * limiting, whose accepts name the burst or RATE_LIMITED, are judged as they are). Such a failure
 * (or NON-STRICT) becomes INFORMATIONAL, with what it was.
 */
export function outsideLimits(ctx: CaseContext, c: Case): Finding[] | null {
  const verdict = verdictOf(ctx.findings, c.level);
  if (verdict !== 'FAILED' && verdict !== 'NON-STRICT') return null;
  const { maxClients, burst } = ctx.options;
  const failure = ctx.findings.find((f) => f.level === (verdict === 'FAILED' ? 'MUST' : 'SHOULD'))!;
  let why: string | null = null;
  // A SERVER_FULL case goes beyond maxClients on purpose and is judged as it is.
  const refused = ctx.refusedAtAccept;
  const byAddress = ctx.refusedForAddress;
  const addressCase = c.needs?.['max-per-address'] !== undefined || c.needs?.['address-burst'] !== undefined;
  if (byAddress !== null && !addressCase) {
    why = `the server refused one of the suite's connections with ${byAddress} (5.10): the suite connects from one address, ${RAISE_ADDRESS_LIMITS}`;
  } else if (
    maxClients !== undefined &&
    ctx.mostHeld > maxClients &&
    (refused > 0 || ctx.closedByServer > 0) &&
    !c.needs?.['max-clients']
  ) {
    why = `the case held up to ${ctx.mostHeld} connections at once, more than the server's maxClients ${maxClients}, and ${refused} of them were refused at accept, ${ctx.closedByServer} closed by the server (a full server closes connections that have not joined, 11.2)`;
  } else if (
    ctx.rateLimited > 0 &&
    burst < LIMITS.rateBurst &&
    !c.accepts.some((t) => t.includes('RATE_LIMITED'))
  ) {
    why = `the server refused ${ctx.rateLimited} packet(s) as RATE_LIMITED: its burst ${burst} is below the ${LIMITS.rateBurst} this case is written for`;
  }
  // A legacy server drops lines over its rate silently (10.4): a line that never came under a
  // small burst may be one it dropped.
  else if (
    ctx.options.profile === 'legacy' &&
    burst < LIMITS.rateBurst &&
    /no answer within/.test(failure.actual) &&
    !c.accepts.some((t) => /burst|RATE_LIMITED/.test(t))
  ) {
    why = `an answer never came, and a legacy server drops lines over its rate silently: its burst ${burst} is below the ${LIMITS.rateBurst} this case is written for`;
  }
  if (!why) return null;
  return [{ level: 'MAY', expected: failure.expected, actual: `not checked: ${why} (${failure.actual})` }];
}

export const RAISE_ADDRESS_LIMITS =
  'so a server it tests needs its per-address limits raised (reference server: --max-per-address 1000 --address-burst 1000, or {max-per-address} and {address-burst} in --server-cmd)';

/** Pauses before asking again whether a server that closed connections at accept answers. */
const ADDRESS_PAUSES_MS = [1000, 2000, 4000] as const;

/**
 * A legacy server closed one of the suite's connections at accept without a frame (`closed` of
 * them, or the liveness probe's): was that a refusal or a dead server? A legacy server cannot say
 * why it closes (5.10), and its per-address limits (11) close the suite's connections, which all
 * come from one address, exactly so. A server that answers again once its address window has
 * passed (polite probes after pauses of 1, 2 and 4 s) was refusing, not dead.
 */
async function answersAfterPause(options: SuiteOptions): Promise<boolean> {
  for (const ms of ADDRESS_PAUSES_MS) {
    await new Promise((r) => setTimeout(r, ms));
    if ((await politeProbe(options)).ok) return true;
  }
  return false;
}

/** The liveness probe failed as a legacy refusal at accept does, and the server answers after a pause. */
export async function refusedNotDead(options: SuiteOptions, failed: Probe): Promise<boolean> {
  return options.profile === 'legacy' && failed.silentClose === true && (await answersAfterPause(options));
}

/**
 * A legacy case that failed after the server closed some of its connections at accept without a
 * word, when the server still answers after a pause: INFORMATIONAL, naming the limits to raise,
 * as the v2 path does from the `refused` record's code (outsideLimits).
 */
export async function silentlyRefused(
  ctx: CaseContext,
  c: Case,
  findings: Finding[],
): Promise<Finding[] | null> {
  const verdict = verdictOf(findings, c.level);
  const closed = ctx.closedSilentlyAtAccept;
  const addressCase = c.needs?.['max-per-address'] !== undefined || c.needs?.['address-burst'] !== undefined;
  if (ctx.options.profile !== 'legacy' || addressCase || closed === 0) return null;
  if (verdict !== 'FAILED' && verdict !== 'NON-STRICT') return null;
  if (!(await answersAfterPause(ctx.options))) return null;
  const failure = findings.find((f) => f.level === (verdict === 'FAILED' ? 'MUST' : 'SHOULD'))!;
  const actual = `not checked: the server closed ${closed} of the suite's connections at accept without a frame, and answered again after a pause: a legacy server cannot say why (5.10), and that is what its per-address limits (11) do to the suite, which connects from one address; ${RAISE_ADDRESS_LIMITS} (${failure.actual})`;
  return [{ level: 'MAY', expected: failure.expected, actual }];
}
