/**
 * A pool of ephemeral key pairs for server_hello (spec 5.1), filled by a worker thread.
 *
 * Why: making a modp14 and an X25519 key pair is most of a v2 handshake's CPU on the server. The
 * worker makes them ahead of time on the second core. A pair takes part in at most one key
 * agreement; a pair offered and not chosen comes back (giveBack) and is offered again. When the
 * pool is empty (a burst larger than it, or no worker) the pair is made on the spot, so the pool
 * only ever changes speed, never behaviour.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KeyAgreement, KeyPair } from '../src/crypto/key-agreement.js';
import type { V2Group } from '../src/generated/constants.js';

export const PRIVATE_BYTES = 32;

export interface KeyPoolRequest {
  readonly group: V2Group;
  readonly count: number;
}

export interface KeyPoolReply {
  readonly group: V2Group;
  /** Bytes per pair: the private key, then the share. */
  readonly stride: number;
  readonly packed: ArrayBuffer;
  /** x25519: each pair's private key as a KeyObject (cloned across threads without re-import). */
  readonly keys?: KeyObject[];
}

/** How long a worker with nothing to do is kept before it is stopped (see KeyPairPool). */
const WORKER_LINGER_MS = 1000;

export interface KeyPairPoolOptions {
  /** The server's key agreement: it makes the pairs made here and agrees for every pair. */
  readonly agreement: KeyAgreement;
  /** Pairs kept per group (default 128). */
  readonly size?: number;
  /** The worker's script (default: the compiled key-pool-worker.js beside this file). */
  readonly workerScript?: URL;
  /**
   * Called each time a worker thread is up. On Node 20 and 22 a starting worker resets the V8
   * flags set at run time, so the server sets its own again here (idle-gc.ts, holdYoungGeneration).
   */
  readonly onWorkerOnline?: () => void;
}

export class KeyPairPool {
  private readonly pools = new Map<V2Group, KeyPair[]>();
  private readonly asked = new Set<V2Group>();
  private readonly script: URL | null;
  private worker: Worker | null = null;
  private linger: NodeJS.Timeout | null = null;
  private closed = false;

  private readonly size: number;
  private readonly onWorkerOnline: (() => void) | undefined;
  private readonly agreement: KeyAgreement;

  constructor(groups: readonly V2Group[], options: KeyPairPoolOptions) {
    this.agreement = options.agreement;
    this.size = options.size ?? 128;
    this.onWorkerOnline = options.onWorkerOnline;
    const script = options.workerScript ?? new URL('./key-pool-worker.js', import.meta.url);
    // Running from TypeScript sources (tests) there is no compiled worker: generate inline.
    this.script = existsSync(fileURLToPath(script)) ? script : null;
    for (const group of groups) this.refill(group);
  }

  /**
   * The worker, started on demand. A worker thread is a second V8 isolate (about 11 MB of RSS), so
   * it is stopped once the pools are full and nothing was asked for WORKER_LINGER_MS: an idle
   * server stays small, and under load (a refill every few dozen handshakes) it stays up.
   */
  private ensureWorker(): Worker | null {
    if (this.worker || !this.script || this.closed) return this.worker;
    const worker = new Worker(this.script);
    this.worker = worker;
    worker.unref();
    if (this.onWorkerOnline) worker.once('online', this.onWorkerOnline);
    worker.on('message', (reply: KeyPoolReply) => {
      this.asked.delete(reply.group);
      const pool = this.pools.get(reply.group) ?? [];
      const packed = Buffer.from(reply.packed);
      for (let at = 0, i = 0; at + reply.stride <= packed.length; at += reply.stride, i++) {
        const privateKeyObject = reply.keys?.[i];
        pool.push({
          group: reply.group,
          privateKey: packed.subarray(at, at + PRIVATE_BYTES),
          share: packed.subarray(at + PRIVATE_BYTES, at + reply.stride),
          agreement: this.agreement,
          ...(privateKeyObject ? { privateKeyObject } : {}),
        });
      }
      this.pools.set(reply.group, pool);
      if (this.asked.size === 0) this.stopLater();
    });
    worker.on('error', () => {
      // Keep serving: pairs are made inline from now on.
      this.worker = null;
      this.closed = true;
    });
    return worker;
  }

  private stopLater(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = null;
      if (this.asked.size > 0 || !this.worker) return;
      void this.worker.terminate();
      this.worker = null;
    }, WORKER_LINGER_MS);
    this.linger.unref();
  }

  /**
   * An offered pair that took part in no key agreement (the client chose another group), to be
   * offered again (5.1): x25519 clients then cost no modp14 key pair at all. Kept only while the
   * pool has room.
   */
  giveBack = (pair: KeyPair): void => {
    const pool = this.pools.get(pair.group);
    if (pool && pool.length < this.size) pool.push(pair);
    else if (!pool) this.pools.set(pair.group, [pair]);
  };

  /** A key pair that no key agreement has used. */
  take = (group: V2Group): KeyPair => {
    const pool = this.pools.get(group);
    const pair = pool?.pop();
    if ((pool?.length ?? 0) < this.size / 2) this.refill(group);
    return pair ?? this.agreement.generateKeyPair(group, randomBytes);
  };

  private refill(group: V2Group): void {
    if (this.asked.has(group)) return;
    const worker = this.ensureWorker();
    if (!worker) return;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    this.asked.add(group);
    const have = this.pools.get(group)?.length ?? 0;
    worker.postMessage({ group, count: this.size - have } satisfies KeyPoolRequest);
  }

  close(): Promise<number> | undefined {
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    const worker = this.worker;
    this.worker = null;
    return worker?.terminate();
  }
}
