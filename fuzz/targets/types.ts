/**
 * What every fuzz target provides: named fast-check properties, built against an implementation
 * that is passed in (the real core by default, a deliberately broken one in the fuzzer's own
 * tests), plus whatever setup a target needs (the server target starts a live server).
 */
import type fc from 'fast-check';

export const TARGET_NAMES = ['framing', 'kex', 'crypto', 'session', 'server', 'hostile'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

import type { Profile } from '../../src/generated/constants.js';

export type { Profile };
/** `both` runs one property per profile (the default for the session and server targets). */
export type ProfileChoice = Profile | 'both';

/** A property of any value type, synchronous or asynchronous, as fc.check takes it. */
// biome-ignore lint/suspicious/noExplicitAny: fast-check properties are generic in their value type.
export type AnyProperty = fc.IRawProperty<any, boolean>;

export interface FuzzProperty {
  /** Unique within its target, e.g. `roundtrip`; shown as `framing/roundtrip`. */
  readonly name: string;
  /** One line: the invariant the property states. */
  readonly description: string;
  readonly property: AnyProperty;
  /**
   * For fc.commands properties: the same property, its commands rebuilt with the `replayPath`
   * printed in a counterexample. fast-check needs it, with the seed and path, to walk back to a
   * shrunk command sequence (shrinking a sequence depends on which commands ran).
   */
  readonly withReplayPath?: (replayPath: string) => AnyProperty;
}

export interface TargetOptions {
  readonly profile: ProfileChoice;
  /** The name of a planted bug (fuzz/plants.ts), for testing the fuzzer itself. */
  readonly plant?: string;
  /**
   * Resolves `plant` to the broken implementation a target uses instead of the real one (null:
   * not this target's bug). The campaign passes fuzz/plants.ts `plantedImpl`; the targets never
   * import the plants, which are built on them.
   */
  readonly plants?: (target: TargetName, name: string) => unknown;
  /** A server to fuzz instead of starting the reference server (server target only). */
  readonly host?: string;
  readonly port?: number;
  /** Bound on every network wait, in ms (server and hostile targets). */
  readonly waitMs?: number;
  /** How long each hostile run's attack lasts, in ms (hostile target). */
  readonly attackMs?: number;
  /** Where a target reports what it is doing (e.g. `started the reference server on ...`). */
  readonly note?: (line: string) => void;
}

/** A target made ready to run: its properties, and how to release what it set up. */
export interface OpenTarget {
  readonly properties: readonly FuzzProperty[];
  close(): Promise<void>;
}

export interface FuzzTarget {
  readonly name: TargetName;
  readonly description: string;
  open(options: TargetOptions): Promise<OpenTarget>;
}

/** Profiles selected by a --profile choice. */
export function profilesOf(choice: ProfileChoice): Profile[] {
  return choice === 'both' ? ['v2', 'legacy'] : [choice];
}

/** An OpenTarget with nothing to release. */
export function staticTarget(properties: readonly FuzzProperty[]): OpenTarget {
  return { properties, close: async () => {} };
}

/** A planted delivery bug in a running server (fuzz/plants.ts plantDelivery). */
export interface DeliveryPlant {
  /** Arms the bug again (once per run). */
  reset(): void;
}

/** The planted bug `options.plant` names, as `target`'s implementation; null when there is none. */
export function planted(options: TargetOptions, target: TargetName): unknown {
  return options.plant ? (options.plants?.(target, options.plant) ?? null) : null;
}
