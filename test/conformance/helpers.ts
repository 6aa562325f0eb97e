/**
 * Shared pieces of the conformance suite's self-tests: the reference server with short timers,
 * the suite options that match it, and an in-process run of selected cases.
 */
import { randomBytes } from 'node:crypto';
import type { Profile, SuiteOptions } from '../../conformance/case.js';
import { casesFor } from '../../conformance/cases/index.js';
import { globMatcher } from '../../conformance/cli.js';
import {
  type CaseResult,
  type ExpectedFailure,
  type RunOutcome,
  runSuite,
} from '../../conformance/runner.js';
import { createLogger } from '../../reference-server/logger.js';
import { type RunningServer, type ServerOptions, startServer } from '../../reference-server/server.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS } from '../../src/generated/constants.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { LOOPBACK_LIMITS } from '../support/loopback-limits.js';

/** Short server timers, so that the timer cases finish in about a second. */
export const TIMERS = { handshakeTimeoutMs: 1000, idlePingMs: 200, idleTimeoutMs: 1200 } as const;

/** The suite's wait in the self-tests: short, since every server here is local. */
export const WAIT_MS = 1000;

export const quiet = createLogger('error', () => {});

export function startReference(profile: Profile, extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    profile,
    keyAgreement: testKeyAgreement,
    identity: identityFromSeed(randomBytes(32)),
    logger: quiet,
    ...extra,
    limits: { ...LOOPBACK_LIMITS, ...TIMERS, ...extra.limits },
  });
}

export function suiteOptions(
  port: number,
  profile: Profile,
  extra: Partial<SuiteOptions> = {},
): SuiteOptions {
  return {
    host: '127.0.0.1',
    port,
    profile,
    timeoutMs: WAIT_MS,
    handshakeTimeoutMs: TIMERS.handshakeTimeoutMs,
    idlePingMs: TIMERS.idlePingMs,
    idleTimeoutMs: TIMERS.idleTimeoutMs,
    burst: LIMITS.rateBurst,
    rateReplies: LIMITS.rateRefusalReplies,
    rateBudget: LIMITS.rateRefusalBudget,
    maxFrame: LIMITS.maxFrame,
    maxMessage: LIMITS.maxMessage,
    ...extra,
  };
}

/** Runs the cases matching `patterns` (and the sanity cases) in-process. */
export function runCases(
  options: SuiteOptions,
  patterns: readonly string[] = [],
  expected: readonly ExpectedFailure[] = [],
): Promise<RunOutcome> {
  const match = globMatcher(patterns);
  const cases = casesFor(options.profile).filter(
    (c) => patterns.length === 0 || c.id.startsWith('sanity/') || match(c.id),
  );
  return runSuite(cases, options, { strict: false, expected });
}

export function resultOf(outcome: RunOutcome, id: string): CaseResult {
  const result = outcome.results.find((r) => r.case.id === id);
  if (!result) throw new Error(`no result for ${id}`);
  return result;
}

/**
 * "id: VERDICT: actual" for every result that is not OK, for readable assertion failures. Not
 * problems: an INFORMATIONAL verdict on a MAY case (behaviour the spec leaves open) or one whose
 * findings are all MAY (a check the suite could not make, e.g. a limit it was not told), and a
 * failure listed in `expected`.
 */
export function problems(outcome: RunOutcome, expected: readonly string[] = []): string[] {
  return outcome.results
    .filter(
      (r) =>
        r.verdict !== 'OK' &&
        !expected.includes(r.case.id) &&
        !(
          r.verdict === 'INFORMATIONAL' &&
          (r.case.level === 'MAY' || r.findings.every((f) => f.level === 'MAY'))
        ),
    )
    .map((r) => `${r.case.id}: ${r.verdict}: ${r.actual}`);
}

/**
 * Fail in every legacy server, the reference included: the profile is insecure (8): its key
 * exchange is unauthenticated, and every frame repeats one keystream (9.1).
 */
export const LEGACY_INSECURE: readonly string[] = ['legacy-handshake/8/1', 'legacy-handshake/9.1/3'];
