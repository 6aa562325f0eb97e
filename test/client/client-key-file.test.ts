/**
 * The user's own key on disk (spec 7.16): made on first use with mode 0600, read back the same,
 * one for all servers or one per server, and never replaced when it cannot be used.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClientKeyError,
  clientKeyFile,
  clientKeyFingerprint,
  keyForServer,
  loadClientKey,
} from '../../reference-client/app/client-key-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-key-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the client key file (7.16)', () => {
  it('is made once, mode 0600, and gives the same key after', () => {
    const first = keyForServer(dir, 'shared', 'a:1')!;
    expect(first.made).toBe('client_key.pem');
    expect(statSync(join(dir, 'client_key.pem')).mode & 0o777).toBe(0o600);
    const again = keyForServer(dir, 'shared', 'b:2')!;
    expect(again.made).toBeNull();
    expect(clientKeyFingerprint(again.key)).toBe(clientKeyFingerprint(first.key));
    expect(clientKeyFingerprint(first.key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // Atomic: no temporary file is left beside it.
    expect(readdirSync(dir)).toEqual(['client_key.pem']);
  });

  it('is one per server by choice, and none when off', () => {
    expect(clientKeyFile('per-server', '[::1]:7878')).toBe(join('client_keys', '___1__7878.pem'));
    const a = keyForServer(dir, 'per-server', 'a:1')!;
    const b = keyForServer(dir, 'per-server', 'b:1')!;
    expect(clientKeyFingerprint(a.key)).not.toBe(clientKeyFingerprint(b.key));
    expect(statSync(join(dir, 'client_keys', 'a_1.pem')).mode & 0o777).toBe(0o600);
    expect(keyForServer(dir, 'off', 'a:1')).toBeNull();
    expect(loadClientKey(dir, 'missing.pem')).toBeNull();
  });

  it('refuses a file that is not a key, or that others may read, and leaves it as it is', () => {
    const file = join(dir, 'client_key.pem');
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => keyForServer(dir, 'shared', 'a:1')).toThrow(ClientKeyError);
    expect(() => keyForServer(dir, 'shared', 'a:1')).toThrow(/is not an Ed25519 private key/);
    rmSync(file);
    keyForServer(dir, 'shared', 'a:1');
    chmodSync(file, 0o644);
    expect(() => loadClientKey(dir, 'client_key.pem')).toThrow(/permissions 0644: others may read your key/);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });
});
