/**
 * A TCP proxy on 127.0.0.1 that spoils the server's records after a join: every connection
 * through it passes the server's first frames untouched, then adds a record of garbage and flips
 * one bit in the body of each later frame, so that a client joins and then meets DECRYPT_FAILED
 * (6.2) on every connection, as it would behind a broken middlebox. For the client's
 * bounded-retry tests.
 */

import { connect, createServer, type Socket } from 'node:net';
import { encodeHeader, FrameDecoder } from '../../../src/framing/frame-codec.js';

export interface CorruptingProxy {
  readonly port: number;
  /** How many client connections it has accepted. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Server frames 0..intact-1 pass untouched (server_hello, server_auth, join_ok with intact 3). */
export async function startCorruptingProxy(target: number, intact = 3): Promise<CorruptingProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    const decoder = new FrameDecoder({ maxFrame: 16 * 1024 * 1024 });
    let index = 0;
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame; frame = decoder.next()) {
        const body = Buffer.from(frame.body);
        if (index >= intact) body[body.length - 1] ^= 0x01;
        client.write(Buffer.concat([encodeHeader(body.length), body]));
        // The record after the last intact one: garbage that cannot authenticate (6.2).
        if (++index === intact) client.write(Buffer.concat([encodeHeader(64), Buffer.alloc(64, 0xa5)]));
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
