/** The key pool's worker thread: makes the key pairs that KeyPairPool asks for (see key-pool.ts). */
import { type KeyObject, randomBytes } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { KeyAgreement } from '../src/crypto/key-agreement.js';
import { type KeyPoolReply, type KeyPoolRequest, PRIVATE_BYTES } from './key-pool.js';

/** This thread's own: the pairs go to the main thread as bytes, where the pool's agrees for them. */
const agreement = new KeyAgreement();

parentPort?.on('message', (request: KeyPoolRequest) => {
  // One buffer for the whole batch, moved (not copied) to the main thread: private key then share.
  const shareBytes = agreement.keyPairFromPrivate(request.group, randomBytes(PRIVATE_BYTES)).share.length;
  const stride = PRIVATE_BYTES + shareBytes;
  const packed = new Uint8Array(stride * request.count);
  const keys: KeyObject[] = [];
  for (let i = 0; i < request.count; i++) {
    const pair = agreement.keyPairFromPrivate(request.group, randomBytes(PRIVATE_BYTES));
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
