/**
 * A two-peer (many-peer) in-memory harness in the quinn-proto style: drives a sans-IO server core
 * and sans-IO client endpoints with a fake clock, delivering bytes until everyone is idle.
 */
import type { ChatServer, ServerAction } from '../../src/chat/chat-server.js';

export interface ClientLike<E> {
  receive(chunk: Uint8Array): E[];
  receiveEnd(): E[];
  takeOutput(): Buffer;
}

export class MemoryNet<E> {
  now = 1_800_000_000_000;
  private nextId = 1;
  readonly clients = new Map<
    number,
    { client: ClientLike<E>; events: E[]; closed: boolean; toServer: boolean }
  >();
  readonly logs: string[] = [];

  constructor(readonly server: ChatServer<unknown>) {}

  /** Connects a client endpoint (from `address`, when given); returns its connection id. */
  connect(client: ClientLike<E>, address?: string): number {
    const id = this.nextId++;
    this.clients.set(id, { client, events: [], closed: false, toServer: true });
    this.apply(this.server.open(id, this.now, address));
    this.settle();
    return id;
  }

  events(id: number): E[] {
    return this.clients.get(id)!.events;
  }

  /** Takes and clears the events a client has seen. */
  take(id: number): E[] {
    const entry = this.clients.get(id)!;
    const out = entry.events;
    entry.events = [];
    return out;
  }

  /** Sends raw bytes from client `id` to the server. */
  inject(id: number, bytes: Uint8Array): void {
    this.apply(this.server.data(id, bytes, this.now));
    this.settle();
  }

  /** The client closes its side. */
  hangUp(id: number): void {
    const entry = this.clients.get(id)!;
    entry.toServer = false;
    this.apply(this.server.end(id, this.now));
    this.settle();
  }

  advance(ms: number): void {
    this.now += ms;
    this.apply(this.server.tick(this.now));
    this.settle();
  }

  /** Moves client output to the server until nobody has anything to send (bounded). */
  settle(): void {
    for (let step = 0; step < 1000; step++) {
      let moved = false;
      for (const [id, entry] of this.clients) {
        if (entry.closed || !entry.toServer) continue;
        const out = entry.client.takeOutput();
        if (out.length > 0) {
          moved = true;
          this.apply(this.server.data(id, out, this.now));
        }
      }
      if (!moved) return;
    }
    throw new Error('MemoryNet did not settle in 1000 steps');
  }

  apply(actions: ServerAction[]): void {
    for (const action of actions) {
      if (action.kind === 'log') {
        this.logs.push(`${action.level}: ${action.message}`);
        continue;
      }
      const entry = this.clients.get(action.id);
      if (!entry || entry.closed) {
        // a connection refused at open, or already closed
      } else if (action.kind === 'write') {
        entry.events.push(...entry.client.receive(action.data));
      } else {
        entry.closed = true;
        entry.events.push(...entry.client.receiveEnd());
      }
    }
  }
}
