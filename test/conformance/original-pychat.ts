/**
 * A stand-in for the original pyChat server, built from ../shared/protocol/legacy-wire-facts.md
 * (the program itself cannot run here). It reproduces the documented behaviour and defects:
 *
 * - one IV and one Diffie-Hellman key pair per process, no validation of public values;
 * - frames read as recv(10) for the header, int(header.strip()), then recv(10) steps until the
 *   body is long enough: back-to-back frames lose bytes and the reader dies on the next header;
 *   a reader that dies leaves its socket open and silent (the thread is gone, the socket is not);
 * - the username and shost of each packet are forwarded as the client sent them;
 * - a body containing "iv_exc" or "key_exc" is sent unencrypted;
 * - list updates go to every connection, under SHA-256("None") when it has no key yet, with null
 *   for connections that have no name;
 * - pauses after handshake frames and before list updates (shortened here, configurable);
 * - unpadded bodies, Python's json.dumps format, no handshake timeout, no rate limit;
 * - the accept loop writes key_exc after the pause; if the client has closed by then, the write
 *   fails and the whole process stops (every connection and the listener go);
 * - the log is deleted when the room empties: a later line starts a new log without its header
 *   line, and an export while there is no log kills that client's reader (no answer).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { KeyAgreement } from '../../src/crypto/key-agreement.js';
import { LEGACY_NONE_KEY, legacyDecrypt, legacyEncrypt, legacyKey } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LEGACY_EXPORT_HEADER, LEGACY_MESSAGES } from '../../src/generated/constants.js';
import type { LegacyPacket } from '../../src/generated/legacy-packets.js';
import { pythonDateString, pythonJsonDumps } from '../../src/legacy/python-json.js';
import { modPow, MODP14_P as P } from '../support/modp14.js';

/** The key agreement of this module's peers (key-agreement.ts). */
const keyAgreement = new KeyAgreement();

/** Python's int() on the stripped header: whitespace, a sign, leading zeros and _ are fine. */
function pythonInt(bytes: Buffer): number | null {
  const text = bytes.toString('latin1').replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
  if (!/^[+-]?[0-9]+(_[0-9]+)*$/.test(text)) return null;
  return Number(text.replace(/_/g, ''));
}

interface Client {
  readonly socket: Socket;
  key: Buffer | null;
  name: string | null;
  buffer: Buffer;
  ended: boolean;
  wake: (() => void) | null;
}

export interface OriginalOptions {
  /** Pause after each handshake frame (the original: 100 ms). */
  readonly handshakeGapMs?: number;
  /** Pause between approved_conn and the list update (the original: 1000 ms). */
  readonly listDelayMs?: number;
  /** Stop the whole server when a client closes before key_exc went out (the original: yes). */
  readonly fragileAccept?: boolean;
}

export interface RunningOriginal {
  readonly port: number;
  close(): Promise<void>;
}

export function startOriginal(options: OriginalOptions = {}): Promise<RunningOriginal> {
  const iv = randomBytes(16);
  const privateKey = randomBytes(32);
  const x = BigInt(`0x${privateKey.toString('hex')}`);
  const publicDecimal = keyAgreement.legacyPublicDecimal(privateKey);
  const clients: Client[] = [];
  /** The log file's lines; null once the room emptied and the file was deleted. */
  let log: string[] | null = [LEGACY_EXPORT_HEADER];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const host = (address: string | undefined) => (address ?? '').replace(/^::ffff:/, '');

  const packet = (
    c: Client,
    typ: string,
    cont: LegacyPacket['cont'],
    extra: Partial<LegacyPacket> = {},
  ): LegacyPacket => ({
    shost: host(c.socket.localAddress),
    dhost: host(c.socket.remoteAddress),
    username: '*server*',
    date: pythonDateString(Date.now()),
    cont,
    typ,
    shouldParseContents: typeof cont !== 'string',
    ...extra,
  });

  const send = (c: Client, p: LegacyPacket) => {
    if (c.socket.destroyed) return;
    const json = pythonJsonDumps(p as never);
    // Handshake frames are recognised by their text, so any body holding it goes out in plaintext.
    const body = /iv_exc|key_exc/.test(json)
      ? json
      : legacyEncrypt(c.key ?? LEGACY_NONE_KEY, iv, Buffer.from(json));
    c.socket.write(encodeFrame(body));
  };

  const listUpdate = (typ: string) => {
    for (const c of clients)
      send(
        c,
        packet(
          c,
          typ,
          clients.filter((o) => o !== c).map((o) => o.name),
        ),
      );
  };

  /** recv(n): up to n bytes as soon as any are there; null at the end of the stream. */
  const recv = async (c: Client, n: number): Promise<Buffer | null> => {
    while (c.buffer.length === 0) {
      if (c.ended) return null;
      await new Promise<void>((resolve) => {
        c.wake = resolve;
      });
    }
    const out = c.buffer.subarray(0, n);
    c.buffer = c.buffer.subarray(out.length);
    return out;
  };

  const leave = (c: Client) => {
    clients.splice(clients.indexOf(c), 1);
    if (c.name !== null) {
      for (const o of clients) {
        send(o, packet(o, 'default', LEGACY_MESSAGES.left.replace('{name}', c.name), { dhost: 'allhosts' }));
      }
      listUpdate('disconnection');
    }
    if (clients.length === 0) log = null;
  };

  const handle = (c: Client, body: Buffer) => {
    const text = body.toString('latin1');
    if (text.includes('key_exc')) {
      const y = BigInt(JSON.parse(text).cont); // int(): throws on anything but an integer
      c.key = legacyKey(modPow(y, x, P));
      return;
    }
    const p = JSON.parse(legacyDecrypt(c.key ?? LEGACY_NONE_KEY, iv, text).toString('utf8')) as LegacyPacket;
    if (p.cont === '') return;
    if (p.typ === 'setuser') {
      if (clients.some((o) => o.name === p.cont)) {
        send(c, packet(c, 'username_taken', LEGACY_MESSAGES.taken));
        return;
      }
      c.name = String(p.cont);
      send(c, packet(c, 'approved_conn', LEGACY_MESSAGES.joined));
      later(options.listDelayMs ?? 1000, () => listUpdate('client_list_update_add'));
      return;
    }
    if (p.typ === 'export') {
      if (log === null) throw new Error('FileNotFoundError: the log is gone');
      send(c, packet(c, 'export', `${log.join('\n')}\n`));
      return;
    }
    (log ??= []).push(`${p.username}> ${p.cont}`);
    for (const o of clients) if (o !== c) send(o, p);
  };

  const read = async (c: Client) => {
    try {
      for (;;) {
        const header = await recv(c, 10);
        if (header === null) return leave(c);
        const length = pythonInt(header);
        if (length === null) return; // ValueError: the reader thread dies, the socket stays open
        let full = Buffer.alloc(0);
        while (full.length < length) {
          const part = await recv(c, 10);
          if (part === null) return leave(c);
          full = Buffer.concat([full, part]);
        }
        handle(c, full.subarray(0, Math.max(0, length)));
      }
    } catch {
      // any exception kills the reader; the socket stays open and in the list
    }
  };

  const server = createServer((socket) => {
    const c: Client = { socket, key: null, name: null, buffer: Buffer.alloc(0), ended: false, wake: null };
    clients.push(c);
    const poke = () => {
      const wake = c.wake;
      c.wake = null;
      wake?.();
    };
    socket.on('data', (chunk) => {
      c.buffer = Buffer.concat([c.buffer, chunk]);
      poke();
    });
    socket.on('end', () => {
      c.ended = true;
      poke();
    });
    socket.on('error', () => {
      c.ended = true;
      poke();
    });
    send(c, packet(c, 'iv_exc', iv.toString('base64')));
    later(options.handshakeGapMs ?? 100, () => {
      if (c.ended && (options.fragileAccept ?? true)) {
        // "General error [Errno 9] Bad file descriptor": main() returns, the process ends.
        for (const t of timers) clearTimeout(t);
        for (const o of clients) o.socket.destroy();
        server.close();
        return;
      }
      send(c, packet(c, 'key_exc', publicDecimal));
      void read(c);
    });
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearTimeout(t);
            for (const c of clients) c.socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
