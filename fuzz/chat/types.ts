/**
 * The chat fuzzer's vocabulary: participants, client actions, the expected observations, and the
 * `ChatSystem` interface through which the commands drive a server (in memory or over TCP).
 */
import type { Profile } from '../targets/types.js';
import type { ExportEntry, FeatureObs, Obs } from './observe.js';

/** A participant: a slot index, or the watcher. */
export type Who = number;
export const WATCHER: Who = -1;
export const WATCHER_NAME = 'watcher';

export type ClientAction =
  | { readonly kind: 'join'; readonly name: string }
  | { readonly kind: 'say' | 'me'; readonly text: string }
  | { readonly kind: 'msg'; readonly to: string; readonly text: string }
  | { readonly kind: 'who' | 'export' }
  // 2.1 features (5.8): only for a client that agreed them
  | { readonly kind: 'nick'; readonly name: string }
  | { readonly kind: 'away'; readonly reason?: string }
  | { readonly kind: 'back' }
  | { readonly kind: 'whois'; readonly name: string };

export type LeaveHow = 'goodbye' | 'hangup' | 'garbage';

/** Bytes sent on an extra connection that never joins (spec 4: answered by a protocol error). */
export interface ExtraSpec {
  /** `fresh`: before the handshake; `secured`: after it, as records under the real keys. */
  readonly stage: 'fresh' | 'secured';
  /** `mutate`: the honest next message with edits; `random`: bytes as given; `packets`: plaintext packets. */
  readonly source: 'mutate' | 'random' | 'packets';
  readonly bytes: Uint8Array;
  readonly edits: readonly {
    readonly at: number;
    readonly byte: number;
    readonly kind: 'set' | 'insert' | 'delete';
  }[];
}

export type Expect =
  | { readonly t: 'join_ok'; readonly name: string; readonly users: readonly string[] }
  | { readonly t: 'join_error'; readonly code: string }
  | { readonly t: 'message' | 'action'; readonly from: string; readonly text: string }
  | { readonly t: 'private'; readonly from: string; readonly to: string; readonly text: string }
  | { readonly t: 'user_list'; readonly users: readonly string[] }
  | { readonly t: 'user_joined'; readonly name: string }
  | { readonly t: 'user_left'; readonly name: string; readonly reason: string }
  | { readonly t: 'export'; readonly entries: readonly ExportEntry[]; readonly exact: boolean }
  | { readonly t: 'error'; readonly code: string }
  | { readonly t: 'fatal'; readonly code: string }
  | { readonly t: 'closed' }
  | { readonly t: 'refused'; readonly code: string }
  | { readonly t: 'approved_conn' | 'username_taken' }
  | { readonly t: 'list'; readonly typ: string; readonly names: readonly string[] }
  | { readonly t: 'default'; readonly from: string; readonly cont: string }
  | { readonly t: 'notice'; readonly code: string }
  | FeatureObs
  | {
      readonly t: 'legacy_export';
      readonly lines: readonly string[];
      readonly exact: boolean;
      /** The server's maxFrame, when known: the oldest lines may go only if all would not fit. */
      readonly maxFrame: number;
    };

export type Expectations = Map<Who, Expect[]>;

/** What a system needs to know to collect a step's observations (TCP waits and barriers). */
export interface StepPlan {
  readonly label: string;
  /** The participant that acted, if any; its own replies are awaited first. */
  readonly actor: Who | null;
  /** The actor's connection ends in this step (the system waits for the server to close it). */
  readonly actorLeaves: boolean;
  /** Participants in the room after the step: the system may run a barrier on each. */
  readonly joined: readonly Who[];
  /** The expected observations, given what the actor saw (a lenient rate limit decides from it). */
  readonly expect: (actorSaw: readonly Obs[]) => Expectations;
}

/** The system under test, as the commands drive it. */
export interface ChatSystem {
  readonly profile: Profile;
  /** The server's limits; maxFrame only when the client knows it (v2 announces it, 5.1). */
  readonly limits: {
    readonly maxName: number;
    readonly maxMessage: number;
    readonly maxFrame?: number;
    /** A legacy server's maxFrame, when known out of band (legacy cannot announce it). */
    readonly legacyMaxFrame?: number;
  };
  /** Time allowed from connect to a chosen name (spec 11), when the model should apply it (a fake clock). */
  readonly handshakeTimeoutMs: number | null;
  /** The grid (ms) the server rounds connection deadlines up to (ChatServer.deadlineGrid); 1: exact. */
  readonly deadlineGrid: number;
  /** The token bucket, when the system's clock is the model's (in memory); null: accept RATE_LIMITED. */
  readonly rate: { readonly burst: number; readonly perSecond: number } | null;
  /** The system's clock (ms), for the exact token bucket. */
  readonly now: number;
  /** Names in the room before the run started (a shared server), the watcher excluded. */
  readonly baseline: readonly string[];
  /** True when a watcher (participant -1, WATCHER_NAME) is in the room for the whole run. */
  readonly hasWatcher: boolean;
  /** Export checks compare the whole history (false: the run's history must be its tail). */
  readonly exactHistory: boolean;
  /**
   * The 2.1 features (5.8) that the even client slots list in client_hello (the odd slots and the
   * watcher list none, as 2.0 clients); [] where the system drives none of them.
   */
  readonly features: readonly string[];
  /** The server's `backlog` limit (7.10): how many of the newest chat lines a newcomer is sent. */
  readonly backlog: number;
  /** Whether `advance` is meaningful (a fake clock). */
  readonly canAdvance: boolean;
  connect(slot: Who): Promise<void>;
  /** Performs a client action: `refused` when the client declined to send it (6.1). */
  act(slot: Who, action: ClientAction): Promise<'sent' | 'refused'>;
  leave(slot: Who, how: LeaveHow, garbage: Uint8Array): Promise<void>;
  extra(spec: ExtraSpec): Promise<void>;
  advance(ms: number): Promise<void>;
  collect(plan: StepPlan): Promise<Map<Who, Obs[]>>;
  /** Anomalies seen since the last call: client errors, server INTERNAL_ERROR logs, writes after close. */
  problems(): string[];
}
