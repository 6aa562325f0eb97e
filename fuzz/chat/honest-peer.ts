/**
 * What an honest member of the hostile target is in either profile (hostile.ts for v2,
 * legacy-hostile.ts): a client endpoint on a socket that reads at once, counting per honest sender
 * which numbered lines arrived and in which order, with waits that end when a condition holds or
 * when the connection is lost. Each profile's member adds how its endpoint joins and what its
 * packets say.
 */
import { connect, type Socket } from 'node:net';

/** An honest line's text: who said it and its number, so that each receiver can account for it. */
export const lineText = (name: string, k: number, pad: string) => `${name} #${k}${pad}`;
const LINE = /^(\S+) #(\d+)/;

export abstract class HonestPeer {
  /** Per honest sender, the numbers of its lines as they arrived. */
  readonly lines = new Map<string, number[]>();
  rateLimited = 0;
  sent = 0;
  /** Why the connection ended or failed, if it did (an honest member must never see this). */
  lost: string | null = null;
  protected joined = false;
  protected leaving = false;
  private readonly waiters = new Set<() => void>();

  protected constructor(
    readonly name: string,
    protected readonly socket: Socket,
    /** The member's client endpoint: what it sends, and where its chat lines go. */
    private readonly endpoint: { takeOutput(): Buffer; say(text: string): void },
  ) {
    socket.setNoDelay(true);
    socket.on('error', (err) => {
      if (!this.leaving) this.lost ??= `socket error: ${err.message}`;
    });
    socket.on('close', () => {
      if (!this.leaving) this.lost ??= 'the server closed the connection';
      this.notify();
    });
  }

  /** Connects from `localAddress` and waits until `make`'s member has joined; rejects when it does not. */
  protected static async joinAs<M extends HonestPeer>(
    where: { readonly host: string; readonly port: number; readonly waitMs: number },
    localAddress: string,
    make: (socket: Socket) => M,
  ): Promise<M> {
    const member = make(connect({ host: where.host, port: where.port, localAddress }));
    await member.until(() => member.joined, where.waitMs, `${member.name} to join`);
    return member;
  }

  /** Counts a chat line `from` a sender when it is one of the numbered honest lines. */
  protected heard(from: string, text: string): void {
    const m = LINE.exec(text);
    if (!m || m[1] !== from) return;
    const list = this.lines.get(from) ?? [];
    list.push(Number(m[2]));
    this.lines.set(from, list);
  }

  protected flush(): void {
    const out = this.endpoint.takeOutput();
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(out);
  }

  protected notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `ready()` holds; rejects after `ms`, or when the connection is lost first. */
  until(ready: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) done(null);
        else if (this.lost !== null) done(new Error(`${this.name}: ${this.lost} (waiting for ${what})`));
      };
      const timer = setTimeout(() => done(new Error(`${this.name}: no ${what} within ${ms} ms`)), ms);
      const done = (err: Error | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Says line number `sent` (a padding makes some lines long: the room's fan-out is load too). */
  say(pad: string): void {
    if (this.lost !== null) return;
    this.endpoint.say(lineText(this.name, this.sent++, pad));
    this.flush();
  }

  leave(): void {
    this.leaving = true;
    this.socket.destroy();
  }
}
