/** The key pool's worker thread: makes the key pairs that KeyPairPool asks for (see key-pool.ts). */
import { type KeyObject, randomBytes } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { keyPairFromPrivate } from '../src/crypto/key-agreement.js';
import { type KeyPoolReply, type KeyPoolRequest, PRIVATE_BYTES } from './key-pool.js';

parentPort?.on('message', (request: KeyPoolRequest) => {
  // One buffer for the whole batch, moved (not copied) to the main thread: private key then share.
  const shareBytes = keyPairFromPrivate(request.group, randomBytes(PRIVATE_BYTES)).share.length;
  const stride = PRIVATE_BYTES + shareBytes;
  const packed = new Uint8Array(stride * request.count);
  const keys: KeyObject[] = [];
  for (let i = 0; i < request.count; i++) {
    const pair = keyPairFromPrivate(request.group, randomBytes(PRIVATE_BYTES));
    packed.set(pair.privateKey, i * stride);
    packed.set(pair.share, i * stride + PRIVATE_BYTES);
    if (pair.privateKeyObject) keys.push(pair.privateKeyObject);
  }
  // x25519 keys also go as KeyObjects: the main thread then skips the import per handshake.
  const reply: KeyPoolReply = {
    group: request.group,
    stride,
    packed: packed.buffer,
    ...(keys.length === request.count ? { keys } : {}),
  };
  parentPort?.postMessage(reply, [packed.buffer]);
});
