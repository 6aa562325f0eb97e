/**
 * Helpers for the fuzzer's own tests: run one property briefly with a fixed seed, and assert that
 * it holds (real implementation) or that it fails on a property violation (planted bug), not on a
 * crash of the harness.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FuzzProperty } from '../../fuzz/targets/types.js';

export function byName(properties: readonly FuzzProperty[], name: string): FuzzProperty {
  const found = properties.find((p) => p.name === name);
  if (!found) throw new Error(`no property ${name} in [${properties.map((p) => p.name).join(', ')}]`);
  return found;
}

/** Runs `prop` for `numRuns` runs with `seed`; fails the test with the counterexample if it fails. */
export async function expectHolds(prop: FuzzProperty, numRuns: number, seed = 42): Promise<void> {
  const details = await fc.check(prop.property, { numRuns, seed });
  expect(
    details.failed,
    details.failed ? fc.defaultReportMessage(details as fc.RunDetails<unknown>) : '',
  ).toBe(false);
  expect(details.numRuns).toBe(numRuns);
}

/**
 * Runs `prop` until it fails (at most `numRuns` runs); the failure must be a violation of the
 * property (PropertyViolation) whose message matches `message`.
 */
export async function expectCatches(
  prop: FuzzProperty,
  message: RegExp,
  numRuns = 300,
  seed = 42,
): Promise<string> {
  const details = await fc.check(prop.property, { numRuns, seed });
  expect(details.failed, `${prop.name} did not catch the planted bug in ${numRuns} runs`).toBe(true);
  const error = details.errorInstance as Error;
  expect(error?.name, `not a property violation: ${error?.stack ?? String(error)}`).toBe('PropertyViolation');
  expect(error.message).toMatch(message);
  return error.message;
}
