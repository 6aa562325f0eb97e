/**
 * A minimal IRC client (RFC 2812), so that the fanout workload runs unchanged against an IRC server.
 *
 * How this works: it registers with NICK and USER, joins one channel once the server welcomes it
 * (001), and counts itself joined at the end of the channel's name list (366). Lines are split on
 * CRLF (a bare LF is accepted too); PING is answered at once; PRIVMSG to the channel becomes a chat
 * line. Like ParleyClient, `say()` only queues and `flush()` writes one batch. IRC does not send a
 * client its own channel messages back, so `echoesOwn` is false. Plaintext, on 127.0.0.1 only.
 */
import type { Socket } from 'node:net';
import type { ChatClient, ClientTarget } from './chat-client.js';
import { SocketClient } from './socket-client.js';
import { nowUs } from './stats.js';
import { hasAt } from './text-at.js';

export const BENCH_CHANNEL = '#bench';

export class IrcClient extends SocketClient implements ChatClient {
  readonly echoesOwn = false;
  private pending = '';
  private out: string[] = [];

  constructor(
    target: ClientTarget,
    name: string,
    readonly channel = BENCH_CHANNEL,
  ) {
    super(target, name);
  }

  protected attach(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    this.send(`NICK ${this.name}`);
    this.send(`USER ${this.name} 0 * :${this.name}`);
    this.flush();
  }

  protected goodbye(): void {
    this.send('QUIT :bench done');
    this.flush();
  }

  private send(line: string): void {
    this.out.push(`${line}\r\n`);
  }

  private onData(text: string): void {
    const at = nowUs();
    const data = this.pending.length > 0 ? this.pending + text : text;
    let start = 0;
    for (let eol = data.indexOf('\n'); eol >= 0; eol = data.indexOf('\n', start)) {
      const end = eol > start && data.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
      this.onLine(data, start, end, at);
      start = eol + 1;
    }
    this.pending = start < data.length ? data.slice(start) : '';
    this.flush();
  }

  /** The line `data.slice(start, end)`: a channel message is read in place, anything else sliced. */
  private onLine(data: string, start: number, end: number, at: number): void {
    let command = start;
    if (data.charCodeAt(start) === 58 /* : */) {
      const sp = data.indexOf(' ', start);
      if (sp === -1 || sp >= end) return;
      command = sp + 1;
    }
    if (hasAt(data, command, 'PRIVMSG ')) {
      const colon = data.indexOf(' :', command);
      if (colon !== -1 && colon < end) this.onChat?.(data, colon + 2, end, at);
      return;
    }
    this.onCommand(data.slice(start, end), at);
  }

  private onCommand(line: string, at: number): void {
    let rest = line;
    if (line.charCodeAt(0) === 58 /* : */) rest = line.slice(line.indexOf(' ') + 1);
    const sp = rest.indexOf(' ');
    const command = sp < 0 ? rest : rest.slice(0, sp);
    const params = sp < 0 ? '' : rest.slice(sp + 1);
    switch (command) {
      case 'PING':
        this.send(`PONG ${params}`);
        return;
      case '001':
        this.times.secured = at;
        this.send(`JOIN ${this.channel}`);
        return;
      case '366':
        this.joined(at);
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
}
