/**
 * A pool of fresh ephemeral key pairs for server_hello (spec 5.1), filled by a worker thread.
 *
 * Why: making a modp14 and an X25519 key pair is most of a v2 handshake's CPU on the server. The
 * worker makes them ahead of time on the second core; each pair is still used for exactly one
 * connection. When the pool is empty (a burst larger than it, or no worker) the pair is made on the
 * spot, so the pool only ever changes speed, never behaviour.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { generateKeyPair, type KeyPair } from '../src/crypto/key-agreement.js';
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
}

export class KeyPairPool {
  private readonly pools = new Map<V2Group, KeyPair[]>();
  private readonly asked = new Set<V2Group>();
  private worker: Worker | null = null;

  constructor(
    groups: readonly V2Group[],
    private readonly size = 128,
  ) {
    const script = new URL('./key-pool-worker.js', import.meta.url);
    // Running from TypeScript sources (tests) there is no compiled worker: generate inline.
    if (!existsSync(fileURLToPath(script))) return;
    this.worker = new Worker(script);
    this.worker.unref();
    this.worker.on('message', (reply: KeyPoolReply) => {
      this.asked.delete(reply.group);
      const pool = this.pools.get(reply.group) ?? [];
      const packed = Buffer.from(reply.packed);
      for (let at = 0; at + reply.stride <= packed.length; at += reply.stride) {
        pool.push({
          group: reply.group,
          privateKey: packed.subarray(at, at + PRIVATE_BYTES),
          share: packed.subarray(at + PRIVATE_BYTES, at + reply.stride),
        });
      }
      this.pools.set(reply.group, pool);
    });
    this.worker.on('error', () => {
      this.worker = null; // keep serving: pairs are made inline from now on
    });
    for (const group of groups) this.refill(group);
  }

  /** A key pair never handed out before. */
  take = (group: V2Group): KeyPair => {
    const pool = this.pools.get(group);
    const pair = pool?.pop();
    if ((pool?.length ?? 0) < this.size / 2) this.refill(group);
    return pair ?? generateKeyPair(group, randomBytes);
  };

  private refill(group: V2Group): void {
    if (!this.worker || this.asked.has(group)) return;
    this.asked.add(group);
    const have = this.pools.get(group)?.length ?? 0;
    this.worker.postMessage({ group, count: this.size - have } satisfies KeyPoolRequest);
  }

  close(): Promise<number> | undefined {
    const worker = this.worker;
    this.worker = null;
    return worker?.terminate();
  }
}
