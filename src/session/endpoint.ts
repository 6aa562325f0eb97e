/**
 * What every sans-IO connection endpoint shares: an output queue and the sticky error rule.
 *
 * How this works: an endpoint never touches a socket. `receive(bytes)` returns events, and
 * everything the endpoint wants to send piles up until the adapter calls `takeOutput()`. When any
 * step throws, `failWith()` turns the throw into one ParleyError (INTERNAL_ERROR for a bug),
 * moves the machine to ERROR for good (spec 4), and lets the subclass say goodbye on the wire.
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

  /** Everything queued for the wire since the last call, as one buffer (empty when nothing). */
  takeOutput(): Buffer {
    this.sealPending();
    if (this.output.length === 0) return Buffer.alloc(0);
    const out = this.output.length === 1 ? this.output[0] : Buffer.concat(this.output, this.outputBytes);
    this.output = [];
    this.outputBytes = 0;
    return out;
  }

  /** Packets a subclass holds back to coalesce into one record (v2 6.1); sealed by sealPending. */
  protected unsealedBytes(): number {
    return 0;
  }

  protected sealPending(): void {}

  protected queue(bytes: Buffer): void {
    this.output.push(bytes);
    this.outputBytes += bytes.length;
  }

  /** Runs `step`, converting any throw into a sticky fatal error event. */
  protected guarded<P2 = P>(events: EndpointEvent<P2>[], step: () => void): EndpointEvent<P2>[] {
    if (this.machine.terminal) return events;
    try {
      step();
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
