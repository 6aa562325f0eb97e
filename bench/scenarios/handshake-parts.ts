/**
 * handshake-parts: a v2 handshake's CPU taken apart into the protocol and the I/O.
 *
 * How this works: two measurements, each without the other's cost. `core`: the sans-IO server and
 * client cores run the sustained handshake run's work in this one process with no sockets (bytes
 * handed across by function calls): `room` members stay joined, each new client handshakes, joins
 * and says goodbye, every member gets its presence notices, and a simulated clock advances 1 ms per
 * handshake so that the server's presence batching runs as it does at 1,000/s. The server's key pairs
 * are made beforehand, as the reference server's key-pool worker makes them ahead of need; their
 * cost is reported apart. `tcp`: the same wire pattern (the sizes of the frames the core run wrote,
 * flight by flight) between this process and a plain node:net server in a child process, with no
 * crypto and no parsing: what Node and the kernel cost per connection. What the sustained run
 * measures per handshake beyond the sum of the two is the cost of running both processes at once on
 * shared cores (RESULTS.md, round 7).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { ServerAction } from '../../src/chat/chat-server.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { KeyAgreement, type KeyPair } from '../../src/crypto/key-agreement.js';
import { prefersKeyObjects } from '../../src/crypto/record-layer.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';

export interface HandshakePartsOptions {
  /** Handshakes measured in each part. */
  readonly handshakes: number;
  /** Members in the room while they happen (the sustained run's connections in flight). */
  readonly room: number;
}

/** Bytes on the wire for one connection, flight by flight (server first, then they alternate). */
export type WirePattern = readonly number[];

export interface HandshakePartsResult {
  readonly scenario: 'handshake-parts';
  readonly handshakes: number;
  readonly room: number;
  /** The sans-IO cores, per handshake: server, client, and one server key pair made ahead. */
  readonly core: { readonly serverUs: number; readonly clientUs: number; readonly keyPairUs: number };
  /** The frames of one connection: server_hello, client_hello, server_auth, join, join_ok, goodbye. */
  readonly pattern: WirePattern;
  /** The same pattern over loopback TCP with no protocol, per connection. */
  readonly tcp: { readonly serverUs: number; readonly clientUs: number };
}

const keyObjects = prefersKeyObjects(process.versions.node);

function coreRun(options: HandshakePartsOptions): HandshakePartsResult['core'] & { pattern: number[] } {
  const total = options.room + options.handshakes;
  const agreement = new KeyAgreement(); // the server's, as the reference server makes it
  const pool: KeyPair[] = [];
  const t = performance.now();
  for (let i = 0; i < total; i++) pool.push(agreement.generateKeyPair('x25519', randomBytes));
  const keyPairUs = ((performance.now() - t) * 1000) / total;
  const modp14 = agreement.generateKeyPair('modp14', randomBytes); // offered, never chosen: given back
  const server = createV2Server({
    identity: identityFromSeed(randomBytes(32)),
    random: randomBytes,
    keyPairs: (group) =>
      group === 'modp14' ? modp14 : (pool.pop() ?? agreement.generateKeyPair(group, randomBytes)),
    unusedKeyPair: () => {},
    keyObjects,
    deferWrites: true,
    limits: { maxClients: total + 1, rateBurst: 100000, ratePerSecond: 100000 },
  });
  const clients = new Map<number, V2ClientConnection>();
  let serverMs = 0;
  let clientMs = 0;
  let now = Date.now();
  let toNew = 0; // bytes the connection being measured got in the current flight
  let newId = 0;
  const onServer = (call: () => ServerAction[]) => {
    const t0 = performance.now();
    const actions = [...call(), ...server.flush()];
    serverMs += performance.now() - t0;
    const t1 = performance.now();
    for (const a of actions) {
      if (a.kind !== 'write') continue;
      if (a.id === newId) toNew += a.data.length;
      clients.get(a.id)?.receive(a.data);
    }
    clientMs += performance.now() - t1;
  };
  const fromClient = (id: number, act: (c: V2ClientConnection) => void): Buffer => {
    const t0 = performance.now();
    const c = clients.get(id)!;
    act(c);
    const out = c.takeOutput();
    clientMs += performance.now() - t0;
    return out;
  };
  /** Handshakes and joins client `id`; returns the bytes of its five flights, hello to join_ok. */
  const handshake = (id: number): number[] => {
    const flights: number[] = [];
    const flight = () => {
      flights.push(toNew);
      toNew = 0;
    };
    newId = id;
    clients.set(id, new V2ClientConnection({ random: randomBytes, keyObjects }));
    onServer(() => server.open(id, now));
    flight();
    const hello = fromClient(id, () => {});
    flights.push(hello.length);
    onServer(() => server.data(id, hello, now));
    flight();
    const join = fromClient(id, (c) => c.join(`p${id}`));
    flights.push(join.length);
    onServer(() => server.data(id, join, now));
    flight();
    newId = 0;
    const state = clients.get(id)!.state;
    if (state !== 'JOINED') throw new Error(`handshake-parts: client ${id} ended in ${state}, not JOINED`);
    return flights;
  };
  const leave = (id: number) => {
    const bye = fromClient(id, (c) => c.goodbye());
    onServer(() => server.data(id, bye, now));
    clients.delete(id);
    onServer(() => server.end(id, now));
    return bye.length;
  };
  const live: number[] = [];
  for (let id = 1; id <= options.room; id++) {
    handshake(id);
    live.push(id);
  }
  serverMs = 0;
  clientMs = 0;
  let pattern: number[] = [];
  for (let id = options.room + 1; id <= total; id++) {
    now += 1;
    const due = server.nextDeadline;
    if (due !== null && due <= now) onServer(() => server.tick(now));
    pattern = handshake(id);
    live.push(id);
    pattern.push(leave(live.shift()!)); // every goodbye is the same size
  }
  return {
    serverUs: (serverMs * 1000) / options.handshakes,
    clientUs: (clientMs * 1000) / options.handshakes,
    keyPairUs,
    pattern,
  };
}

/** The TCP part's server, run with `node -e`: plays the server's side of `pattern`, no protocol. */
const TCP_SERVER = `
const pattern = JSON.parse(process.argv[1]);
const server = require('node:net').createServer({ noDelay: true }, (s) => {
  let step = 0, have = 0;
  s.on('error', () => {});
  s.write(Buffer.alloc(pattern[0]));
  s.on('data', (d) => {
    have += d.length;
    while (step * 2 + 1 < pattern.length && have >= pattern[step * 2 + 1]) {
      have -= pattern[step * 2 + 1];
      step++;
      if (step * 2 < pattern.length) s.write(Buffer.alloc(pattern[step * 2]));
    }
  });
  s.on('end', () => s.end());
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
`;

async function tcpRun(pattern: WirePattern, connections: number, concurrency: number) {
  const child = spawn(process.execPath, ['-e', TCP_SERVER, JSON.stringify(pattern)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
    const { port } = await next<{ port: number }>();
    const serverCpu = async () => {
      const reply = next<{ cpu: NodeJS.CpuUsage }>();
      child.send('cpu');
      const { cpu } = await reply;
      return cpu.user + cpu.system;
    };
    const one = () =>
      new Promise<void>((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1', noDelay: true });
        let step = 0;
        let have = 0;
        s.setTimeout(10000, () => s.destroy(new Error(`handshake-parts: no reply after ${have} bytes`)));
        s.on('error', reject);
        s.on('close', () => resolve());
        s.on('data', (d) => {
          have += d.length;
          while (step * 2 < pattern.length && have >= pattern[step * 2]) {
            have -= pattern[step * 2];
            const reply = pattern[step * 2 + 1];
            step++;
            if (reply === undefined) break;
            if (step * 2 + 1 >= pattern.length) s.end(Buffer.alloc(reply));
            else s.write(Buffer.alloc(reply));
          }
        });
      });
    const serverBefore = await serverCpu();
    const clientBefore = process.cpuUsage();
    let issued = 0;
    const lane = async () => {
      while (issued < connections) {
        issued++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, connections)) }, lane));
    const client = process.cpuUsage(clientBefore);
    const serverUs = (await serverCpu()) - serverBefore;
    return { serverUs: serverUs / connections, clientUs: (client.user + client.system) / connections };
  } finally {
    child.kill();
  }
}

export async function runHandshakeParts(options: HandshakePartsOptions): Promise<HandshakePartsResult> {
  const { pattern, ...core } = coreRun(options);
  const tcp = await tcpRun(pattern, options.handshakes, options.room);
  return {
    scenario: 'handshake-parts',
    handshakes: options.handshakes,
    room: options.room,
    core,
    pattern,
    tcp,
  };
}
