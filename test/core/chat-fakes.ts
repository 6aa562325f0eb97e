/**
 * Stand-ins for the chat server's leaves (connection-table.ts, deadlines.ts, lifecycle.ts,
 * outbox.ts, packet-charge.ts) to be tested alone: an endpoint that records what it is asked to
 * do, and a connection record around it. Only the fields a leaf reads are real.
 */

import { connRecord } from '../../src/chat/connection-table.js';
import type { Conn, ConnId, JoinVerdict, ServerEndpoint } from '../../src/chat/server-contract.js';
import { type ParleyError, parleyError } from '../../src/errors.js';
import { LIMITS, type Limits } from '../../src/generated/constants.js';

/** An endpoint that records every packet queued on it, its settles and failures. */
export class FakeEndpoint implements ServerEndpoint<string> {
  state = 'OPEN';
  secured = true;
  pendingBytes = 0;
  failure: ParleyError | null = null;
  features?: ReadonlySet<string>;
  framesReceived = 0;
  awaitingVerdict = false;
  /** Each queued packet: its text, type and sender. */
  readonly sent: { text: string; type?: string; sender?: ConnId; about?: ConnId }[] = [];
  readonly settled: JoinVerdict[] = [];
  /** The bytes queued and not yet taken (`takeOutput`). */
  private queued: Buffer[] = [];
  /** The `max` of each `takeOutput` call. */
  readonly takes: (number | undefined)[] = [];
  dropped = 0;
  goodbyes: (string | undefined)[] = [];

  constructor(features?: readonly string[]) {
    if (features) this.features = new Set(features);
  }

  receive(): string[] {
    return [];
  }
  resumeHeld(): string[] {
    return [];
  }
  receiveEnd(): string[] {
    return [];
  }
  settle(when: JoinVerdict): void {
    this.settled.push(when);
  }
  takeOutput(max?: number): Buffer {
    this.takes.push(max);
    const out = Buffer.concat(this.queued);
    this.queued = [];
    this.pendingBytes = 0;
    return out;
  }
  shed(): number {
    return 0;
  }
  dropSealed(): void {
    this.dropped++;
  }
  sendEncoded(packet: Buffer, type?: string, sender?: ConnId, about?: ConnId): void {
    this.sent.push({
      text: packet.toString('utf8'),
      type,
      sender,
      ...(about === undefined ? {} : { about }),
    });
    this.queued.push(packet);
    this.pendingBytes += packet.length;
  }
  failWith(err: unknown): ParleyError {
    this.failure = err as ParleyError;
    this.state = 'ERROR';
    return this.failure;
  }
  goodbye(reason?: string): void {
    this.goodbyes.push(reason);
  }
}

export const limitsWith = (over: Partial<Limits> = {}): Limits => ({ ...LIMITS, ...over });

/** A connection record around a fake endpoint, opened at `now`. */
export function fakeConn(
  id: ConnId,
  now = 0,
  endpoint = new FakeEndpoint(),
  limits: Limits = LIMITS,
  address?: string,
): Conn<string> & { endpoint: FakeEndpoint } {
  return { ...connRecord(id, endpoint, now, address, limits), endpoint };
}

export const anError = (message = 'boom'): ParleyError => parleyError('INTERNAL_ERROR', message);
