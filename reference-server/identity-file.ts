/**
 * The server's long-term Ed25519 identity (spec 5.5) on disk: a PKCS#8 PEM file, mode 0600,
 * created on first start. A file that exists but cannot be read or parsed is an error, never
 * replaced: a new key would change the fingerprint that clients have pinned. Like OpenSSH with a
 * private key, the server refuses a file that others may read or write (a group or other
 * permission bit set): whoever can read it can be this server.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Identity, identityFromSeed } from '../src/crypto/identity.js';

export class IdentityFileError extends Error {
  readonly code = 'IDENTITY_FILE_INVALID';
}

/** `$PARLEY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/parley`, else `~/.config/parley`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_CONFIG_DIR) return env.PARLEY_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'parley');
}

export function defaultIdentityPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'server-identity.pem');
}

function seedFromPem(pem: string, path: string): Buffer {
  let der: Buffer;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`it holds an ${key.asymmetricKeyType} key, not Ed25519`);
    }
    der = key.export({ format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new IdentityFileError(
      `identity file ${path} is not a valid Ed25519 private key (${(err as Error).message}). ` +
        'Restore it from a backup, or remove it to make a new identity (clients will see a new fingerprint).',
    );
  }
  // An Ed25519 PKCS#8 document ends with the 32-byte seed (RFC 8410).
  return Buffer.from(der.subarray(der.length - 32));
}

/** Loads the identity at `path`, creating it (mode 0600) when the file does not exist. */
export function loadOrCreateIdentity(path: string): { identity: Identity; created: boolean } {
  let pem: string | null = null;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityFileError(`cannot read identity file ${path}: ${(err as Error).message}`);
    }
  }
  if (pem !== null) {
    const mode = statSync(path).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new IdentityFileError(
        `identity file ${path} has permissions ${mode.toString(8).padStart(4, '0')}: others may read or change ` +
          `the server's private key. Run \`chmod 600 ${path}\` if it was not read by anyone else; ` +
          'otherwise remove it to make a new identity (clients will see a new fingerprint).',
      );
    }
    return { identity: identityFromSeed(seedFromPem(pem, path)), created: false };
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const out = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, out, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    throw new IdentityFileError(`cannot create identity file ${path}: ${(err as Error).message}`);
  }
  return { identity: identityFromSeed(seedFromPem(out, path)), created: true };
}
