/**
 * The user's own Ed25519 key (spec 7.16) on disk: made on first use of `--key` (or `/key new`),
 * one for every server (`client_key.pem`) or, by choice, one per server
 * (`client_keys/HOST_PORT.pem`), in the client's config folder.
 *
 * How this works: the key is a PKCS#8 PEM file, the form of the server's identity file, written
 * atomically with mode 0600 (config.ts writeFileAtomic). Like an SSH private key it is never
 * replaced behind the user's back: a file that exists but cannot be read, is not an Ed25519 key,
 * or may be read by others is a ClientKeyError naming the file and what to do, since a new key
 * would lose the names the old one reserved (7.17) and the operator rights it holds (7.18).
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf, type Identity, identityFromSeed } from '../../src/crypto/identity.js';
import { writeFileAtomic } from './config.js';

/** `off`: anonymous; `shared`: one key for every server; `per-server`: one key per server. */
export type KeyChoice = 'off' | 'shared' | 'per-server';

export class ClientKeyError extends Error {
  readonly code = 'CLIENT_KEY_INVALID';
}

export const SHARED_KEY_FILE = 'client_key.pem';
export const PER_SERVER_KEY_DIR = 'client_keys';

/** The key file's path relative to the config folder, for `server` (a serverKey, host:port). */
export function clientKeyFile(choice: Exclude<KeyChoice, 'off'>, server: string): string {
  if (choice === 'shared') return SHARED_KEY_FILE;
  // Keep the name to one safe path segment: letters, digits, dot, dash; the rest becomes `_`.
  return join(PER_SERVER_KEY_DIR, `${server.replace(/[^A-Za-z0-9.-]/g, '_')}.pem`);
}

function seedOf(pem: string, file: string): Buffer {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it holds an ${key.asymmetricKeyType} key`);
    const der = key.export({ format: 'der', type: 'pkcs8' });
    // An Ed25519 PKCS#8 document ends with the 32-byte seed (RFC 8410).
    return Buffer.from(der.subarray(der.length - 32));
  } catch (err) {
    throw new ClientKeyError(
      `${file} is not an Ed25519 private key (${(err as Error).message}); restore it, or remove it to make a new key ` +
        '(names reserved for the old key stay reserved for it)',
    );
  }
}

/** Reads the key at `dir/name`; null when there is no such file. */
export function loadClientKey(dir: string, name: string): Identity | null {
  const file = join(dir, name);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ClientKeyError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ClientKeyError(
      `${file} has permissions ${mode.toString(8).padStart(4, '0')}: others may read your key; ` +
        `run \`chmod 600 ${file}\` if nobody else did, else remove it to make a new one`,
    );
  }
  return identityFromSeed(seedOf(pem, file));
}

/** The key at `dir/name`, made (0600, atomically) when there is none; `created` says which. */
export function loadOrCreateClientKey(dir: string, name: string): { key: Identity; created: boolean } {
  const found = loadClientKey(dir, name);
  if (found) return { key: found, created: false };
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const slash = name.lastIndexOf('/');
  const sub = slash < 0 ? dir : join(dir, name.slice(0, slash));
  try {
    writeFileAtomic(sub, name.slice(slash + 1), pem);
  } catch (err) {
    throw new ClientKeyError(`cannot write ${join(dir, name)}: ${(err as Error).message}`);
  }
  return { key: identityFromSeed(seedOf(pem, join(dir, name))), created: true };
}

/** The full fingerprint (5.6 form) of a key, as servers and operators name it. */
export function clientKeyFingerprint(key: Identity): string {
  return fingerprintOf(key.publicKey);
}

/**
 * The key to prove to `server` (a serverKey) under `choice`, made when missing; null when off.
 * `made`: the file just written (relative to `dir`), to tell the user once.
 */
export function keyForServer(
  dir: string,
  choice: KeyChoice,
  server: string,
): { key: Identity; made: string | null } | null {
  if (choice === 'off') return null;
  const name = clientKeyFile(choice, server);
  const { key, created } = loadOrCreateClientKey(dir, name);
  return { key, made: created ? name : null };
}
