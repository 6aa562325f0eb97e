/**
 * What every sans-IO connection endpoint shares: an output queue and the sticky error rule.
 *
 * How this works: an endpoint never touches a socket. `receive(bytes)` returns events, and
 * everything the endpoint wants to send piles up until the adapter calls `takeOutput()`. When any
 * step throws, `failWith()` turns the throw into one ParleyError (INTERNAL_ERROR for a bug),
 * moves the machine to ERROR for good (spec 4), and lets the subclass say goodbye on the wire.
 *
 * A server endpoint (VerdictEndpoint) also holds its input behind a packet whose transition is
 * guarded (v2 `join`, legacy `setuser`): the caller decides (the room), says so with `settle`,
 * and only then are the packets after it handled, in the state the verdict led to (13.1, 13.3).
 */
import { type ParleyError, toParleyError } from '../errors.js';
import type { StateMachine } from './machine.js';

export type EndpointEvent<P> =
  | { readonly kind: 'packet'; readonly packet: P }
  | { readonly kind: 'error'; readonly error: ParleyError }
  | { readonly kind: 'closed'; readonly clean: boolean; readonly reason?: string };

export abstract class Endpoint<S extends string, P> {
  protected output: Buffer[] = [];
  private outputBytes = 0;
  private error: ParleyError | null = null;

  protected constructor(protected readonly machine: StateMachine<S>) {}

  get state(): S {
    return this.machine.state;
  }

  /** The fatal error that ended this connection, if any. */
  get failure(): ParleyError | null {
    return this.error;
  }

  /** Bytes waiting in takeOutput() (plaintext not yet sealed counts at its own size). */
  get pendingBytes(): number {
    return this.outputBytes + this.unsealedBytes();
  }

  /**
   * What is queued for the wire, as one buffer (empty when nothing): everything, or with `max` the
   * oldest whole records up to about `max` bytes (at least one), so that a server hands a socket
   * only what it can take and the rest waits unsealed (spec 11, sendWindowBytes).
   */
  takeOutput(max = Number.POSITIVE_INFINITY): Buffer {
    this.sealPending(max);
    if (this.output.length === 0) return Buffer.alloc(0);
    if (this.outputBytes <= max) {
      const out = this.output.length === 1 ? this.output[0] : Buffer.concat(this.output, this.outputBytes);
      this.output = [];
      this.outputBytes = 0;
      return out;
    }
    let n = 0;
    let bytes = 0;
    while (n < this.output.length && (n === 0 || bytes + this.output[n].length <= max))
      bytes += this.output[n++].length;
    const parts = this.output.splice(0, n);
    this.outputBytes -= bytes;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes);
  }

  /**
   * Drops queued chat lines until at most `target` bytes wait (11: a member whose queue the room
   * outgrows skips lines rather than being dropped; 11.3 says which go first). Returns how many it
   * dropped; an endpoint that cannot tell chat lines from the rest (legacy) drops none.
   */
  shed(_target: number): number {
    return 0;
  }

  /**
   * Forgets the sealed output not yet taken (a never-shedding profile's slow reader, 11: what it
   * did not read is why it is closed, and writing it at the close would only park it in a socket).
   */
  dropSealed(): void {
    this.output = [];
    this.outputBytes = 0;
  }

  /** Sealed bytes waiting in takeOutput(). */
  protected get sealedBytes(): number {
    return this.outputBytes;
  }

  /** Packets a subclass holds back to coalesce into one record (v2 6.1); sealed by sealPending. */
  protected unsealedBytes(): number {
    return 0;
  }

  /** Seals held packets until `max` sealed bytes wait (all of them by default). */
  protected sealPending(_max = Number.POSITIVE_INFINITY): void {}

  protected queue(bytes: Buffer): void {
    this.output.push(bytes);
    this.outputBytes += bytes.length;
  }

  /** Runs `step`, converting any throw into a sticky fatal error event. */
  protected guarded<P2 = P>(
    events: EndpointEvent<P2>[],
    step: (events: EndpointEvent<P2>[]) => void,
  ): EndpointEvent<P2>[] {
    if (this.machine.terminal) return events;
    try {
      step(events);
    } catch (err) {
      events.push({ kind: 'error', error: this.failWith(err) });
    }
    return events;
  }

  /**
   * Fails the connection with `err` (sticky). Subclasses tell the peer where the profile allows.
   * Returns the error for reporting.
   */
  failWith(err: unknown): ParleyError {
    const error = toParleyError(err);
    if (this.machine.state === 'ERROR') return this.error ?? error;
    this.error = error;
    if (error.origin === 'local') this.notifyPeer(error);
    this.machine.fail();
    return error;
  }

  /** Tells the peer about a fatal local error, if the profile has a way (v2: an error packet). */
  protected abstract notifyPeer(error: ParleyError): void;
}

/**
 * An endpoint whose guarded packets wait for the caller's verdict (13.1, 13.3). Subclasses say how
 * to take in bytes (`push`) and handle one buffered unit of input (`step`); this class holds the
 * rest of a read behind a guarded packet until `settle`, and hands it on with `resumeHeld`.
 */
export abstract class VerdictEndpoint<S extends string, P, G extends string> extends Endpoint<S, P> {
  /** A guarded packet waits for the caller's verdict; nothing after it is handled until then. */
  private awaiting = false;
  /** Complete frames read from the peer so far: what "heard from the peer" means (11). */
  protected frames = 0;

  get framesReceived(): number {
    return this.frames;
  }

  /** The event whose transitions are guarded (v2 `join`, legacy `setuser`). */
  protected abstract readonly verdictEvent: string;

  /** Buffers bytes read from the peer. */
  protected abstract push(chunk: Uint8Array): void;

  /** Handles the next buffered unit of input, adding its events; false when nothing is left. */
  protected abstract step(events: EndpointEvent<P>[]): boolean;

  /** True while a guarded packet waits for `settle`. */
  get awaitingVerdict(): boolean {
    return this.awaiting;
  }

  /** Bytes from the peer: their events, up to a guarded packet (a new read starts unheld). */
  receive(chunk: Uint8Array): EndpointEvent<P>[] {
    this.awaiting = false;
    return this.guarded([], (events) => {
      this.push(chunk);
      this.pump(events);
    });
  }

  /** After `settle`: the events of what the read held back (none while the verdict is pending). */
  resumeHeld(): EndpointEvent<P>[] {
    if (this.awaiting) return [];
    return this.guarded([], (events) => this.pump(events));
  }

  /**
   * A packet about to be handed on: its transition fires now, or, when the table guards it here,
   * waits for `settle` (an event with no transition here throws PACKET_UNEXPECTED, 13.1).
   */
  protected admit(event: string): void {
    if (this.machine.allows(event) && !this.machine.hasUnguarded(event)) this.awaiting = true;
    else this.machine.fire(event);
  }

  /** The caller's verdict on the packet that waits (`accepted`, `refused`). */
  settle(when: G): void {
    this.machine.fire(this.verdictEvent, when);
    this.awaiting = false;
  }

  private pump(events: EndpointEvent<P>[]): void {
    while (!this.machine.terminal && !this.awaiting && this.step(events));
  }
}
