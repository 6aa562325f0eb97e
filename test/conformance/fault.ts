/**
 * The shape of a planted fault (broken-servers.ts and the *-faults.ts files that feed it): what is
 * wrong, the case that must catch it, and how the reference server is started with it. Kept apart
 * so that the fault files and the set that takes them in do not import each other.
 */
import type { Profile, SuiteOptions } from '../../conformance/case.js';
import type { RunningServer, ServerOptions } from '../../reference-server/server.js';

export interface Fault {
  readonly name: string;
  readonly profile: Profile;
  /** What is wrong with the server, in words. */
  readonly fault: string;
  /** The case that must report it as FAILED. */
  readonly caughtBy: string;
  /** What the suite is told about the server (a limit the wire does not announce). */
  readonly options?: Partial<SuiteOptions>;
  /**
   * The fault is in a feature (5.8) the reference server may not serve yet: broken.test.ts runs it
   * only once the server offers that feature.
   */
  readonly feature?: string;
  /**
   * The case moves megabytes, or counts against a clock: it runs on its own, after the others, so
   * that their load cannot fail it or them.
   */
  readonly alone?: boolean;
  start(): Promise<RunningServer>;
}

/**
 * A fault as broken-servers.ts and the *-faults.ts files write it: the reference server's settings, and the
 * patch that plants it.
 */
export interface Planted extends Omit<Fault, 'start'> {
  /** Settings of the reference server the fault is planted in (the test limits by default). */
  readonly server?: Partial<ServerOptions>;
  /** Plants the fault in a fresh reference server; none: the server as it is (a profile's own flaw, or settings). */
  plant?(server: RunningServer): RunningServer;
}
