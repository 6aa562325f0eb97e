/**
 * What every bench client does with its socket, whatever the server speaks: connect, wait for the
 * join with a timeout (`start()` settles once), report failures, and leave with a bounded wait for
 * the close. ParleyClient (load-client.ts) and IrcClient (irc-driver.ts) add the protocol.
 */
import { connect, type Socket } from 'node:net';
import type { ChatHook, ClientTarget } from './chat-client.js';
import { nowUs } from './stats.js';

export abstract class SocketClient {
  readonly times = { connect: 0, secured: 0, joined: 0 };
  readonly notices: string[] = [];
  onChat: ChatHook | null = null;
  protected socket: Socket | null = null;
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    readonly target: ClientTarget,
    readonly name: string,
  ) {}

  /** Wires the new socket's data (and anything to send first). */
  protected abstract attach(socket: Socket): void;
  /** Says goodbye on an open socket before it is ended. */
  protected abstract goodbye(): void;
  /** Runs when the server ends the connection, before start() fails. */
  protected onEnd(): void {}
  /** What the error messages add (the endpoint's state). */
  protected describe(): string {
    return '';
  }

  start(timeoutMs = 30000): Promise<void> {
    this.times.connect = nowUs();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${this.name}: not joined after ${timeoutMs} ms${this.describe()}`));
        this.socket?.destroy();
      }, timeoutMs);
      this.settle = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const { host, port, localAddress } = this.target;
      const socket = connect({ host, port, localAddress, noDelay: true });
      this.socket = socket;
      this.closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.on('error', (err) => this.fail(new Error(`${this.name}: socket error: ${err.message}`)));
      socket.on('end', () => {
        this.onEnd();
        this.fail(new Error(`${this.name}: the server closed the connection${this.describe()}`));
      });
      this.attach(socket);
    });
  }

  /** Rejects start() (once). */
  protected fail(err: Error): void {
    if (!this.settle) return;
    const { reject } = this.settle;
    this.settle = null;
    reject(err);
  }

  /** Records the join time and resolves start() (once). */
  protected joined(at: number): void {
    this.times.joined = at;
    if (this.settle) {
      const { resolve } = this.settle;
      this.settle = null;
      resolve();
    }
  }

  leave(timeoutMs = 5000): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.closed) return Promise.resolve();
    this.settle = null;
    if (!socket.destroyed) {
      this.goodbye();
      socket.end();
    }
    const force = setTimeout(() => socket.destroy(), timeoutMs);
    return this.closed.then(() => clearTimeout(force));
  }
}
