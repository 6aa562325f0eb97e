/**
 * A minimal IRC client (RFC 2812), so that the fanout workload runs unchanged against an IRC server.
 *
 * How this works: it registers with NICK and USER, joins one channel once the server welcomes it
 * (001), and counts itself joined at the end of the channel's name list (366). Lines are split on
 * CRLF (a bare LF is accepted too); PING is answered at once; PRIVMSG to the channel becomes a chat
 * line. Like ParleyClient, `say()` only queues and `flush()` writes one batch. IRC does not send a
 * client its own channel messages back, so `echoesOwn` is false. Plaintext, on 127.0.0.1 only.
 */
import { connect, type Socket } from 'node:net';
import type { ChatClient, ClientTarget } from './load-client.js';
import { nowUs } from './stats.js';

export const BENCH_CHANNEL = '#bench';

export class IrcClient implements ChatClient {
  readonly echoesOwn = false;
  readonly times = { connect: 0, secured: 0, joined: 0 };
  readonly notices: string[] = [];
  onChat: ((from: string, text: string, atUs: number) => void) | null = null;
  private socket: Socket | null = null;
  private pending = '';
  private out: string[] = [];
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    readonly target: ClientTarget,
    readonly name: string,
    readonly channel = BENCH_CHANNEL,
  ) {}

  start(timeoutMs = 30000): Promise<void> {
    this.times.connect = nowUs();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${this.name}: not joined after ${timeoutMs} ms`));
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
      const socket = connect({ host: this.target.host, port: this.target.port, noDelay: true });
      this.socket = socket;
      socket.setEncoding('utf8');
      this.closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.on('data', (text: string) => this.onData(text));
      socket.on('error', (err) => this.fail(new Error(`${this.name}: socket error: ${err.message}`)));
      socket.on('end', () => this.fail(new Error(`${this.name}: the server closed the connection`)));
      this.send(`NICK ${this.name}`);
      this.send(`USER ${this.name} 0 * :${this.name}`);
      this.flush();
    });
  }

  private fail(err: Error): void {
    if (!this.settle) return;
    const { reject } = this.settle;
    this.settle = null;
    reject(err);
  }

  private send(line: string): void {
    this.out.push(`${line}\r\n`);
  }

  private onData(text: string): void {
    const at = nowUs();
    let data = this.pending + text;
    for (let eol = data.indexOf('\n'); eol >= 0; eol = data.indexOf('\n')) {
      const end = eol > 0 && data.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
      this.onLine(data.slice(0, end), at);
      data = data.slice(eol + 1);
    }
    this.pending = data;
    this.flush();
  }

  private onLine(line: string, at: number): void {
    let prefix = '';
    let rest = line;
    if (line.charCodeAt(0) === 58 /* : */) {
      const sp = line.indexOf(' ');
      prefix = line.slice(1, sp);
      rest = line.slice(sp + 1);
    }
    const sp = rest.indexOf(' ');
    const command = sp < 0 ? rest : rest.slice(0, sp);
    const params = sp < 0 ? '' : rest.slice(sp + 1);
    switch (command) {
      case 'PRIVMSG': {
        const colon = params.indexOf(' :');
        const bang = prefix.indexOf('!');
        this.onChat?.(bang < 0 ? prefix : prefix.slice(0, bang), params.slice(colon + 2), at);
        return;
      }
      case 'PING':
        this.send(`PONG ${params}`);
        return;
      case '001':
        this.times.secured = at;
        this.send(`JOIN ${this.channel}`);
        return;
      case '366':
        this.times.joined = at;
        if (this.settle) {
          const { resolve } = this.settle;
          this.settle = null;
          resolve();
        }
        return;
      case '432':
      case '433':
      case '465':
      case '471':
      case '473':
      case '474':
      case 'ERROR':
        this.notices.push(line);
        this.fail(new Error(`${this.name}: ${line}`));
        return;
      default:
        return;
    }
  }

  say(text: string): void {
    this.send(`PRIVMSG ${this.channel} :${text}`);
  }

  flush(): void {
    if (this.out.length === 0 || !this.socket || this.socket.destroyed) return;
    this.socket.write(this.out.length === 1 ? this.out[0] : this.out.join(''));
    this.out = [];
  }

  leave(timeoutMs = 5000): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.closed) return Promise.resolve();
    this.settle = null;
    if (!socket.destroyed) {
      this.send('QUIT :bench done');
      this.flush();
      socket.end();
    }
    const force = setTimeout(() => socket.destroy(), timeoutMs);
    return this.closed.then(() => clearTimeout(force));
  }
}
