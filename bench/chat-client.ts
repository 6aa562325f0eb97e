/**
 * What a scenario needs from a chat client, whatever the server speaks: the interface the Parley
 * load clients (load-client.ts) and the IRC driver (irc-driver.ts) both implement, kept apart so
 * that neither imports the other's module for it.
 */

/** What a scenario needs from a chat client, whatever the server speaks. */
export interface ChatClient {
  readonly name: string;
  /** Whether the server sends a client its own chat lines back (v2: yes; legacy, IRC: no). */
  readonly echoesOwn: boolean;
  /** Connect time, secured (keys agreed) and joined time, microseconds on the nowUs() clock. */
  readonly times: { connect: number; secured: number; joined: number };
  /** Non-fatal notices received (rate limit, errors): a clean run has none. */
  readonly notices: string[];
  /** Called for every chat line from anyone, with the receive time. */
  onChat: ChatHook | null;
  /** Connects, completes the handshake and joins the room; rejects on any failure or timeout. */
  start(timeoutMs?: number): Promise<void>;
  /** Queues a chat line; `flush()` writes. */
  say(text: string): void;
  flush(): void;
  /** Leaves cleanly (goodbye where the protocol has one) and resolves once the socket closed. */
  leave(timeoutMs?: number): Promise<void>;
}

/**
 * A chat line as read, given in place: its text is `s.slice(start, end)`, received at `atUs`. Both
 * drivers pass the string they read it from, so that a fan-out receiver (a million lines a second)
 * copies no line to read the few numbers in it. Who sent it is not passed: no scenario needs it.
 */
export type ChatHook = (s: string, start: number, end: number, atUs: number) => void;

export interface ClientTarget {
  readonly host: string;
  readonly port: number;
  /** The local address to connect from (a loopback address other than 127.0.0.1, say), if any. */
  readonly localAddress?: string;
}
