/**
 * The client's files: `config.json` (the chosen theme, the bell, the names /ignore hides, and the
 * last server, port and name the TUI joined with, offered as defaults next time) and `known_servers` (server keys pinned on first
 * use, like SSH's known_hosts), in the user's config directory.
 *
 * How this works: the directory is `$PARLEY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/parley`, else
 * `~/.config/parley`. Files are written atomically (a temporary file in the same directory, then a
 * rename) with mode 0600, so a crash never leaves half a file. A file that cannot be parsed is a
 * ConfigError naming the file and the line: it is never silently replaced, since replacing
 * known_servers would forget the keys it pins.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MAX_IGNORED } from '../view/ignore-list.js';
import { THEME_IDS, type ThemeId } from '../view/themes.js';
import type { IgnoreLevel } from '../view/view-types.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_CONFIG_DIR) return env.PARLEY_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'parley');
}

export const CONFIG_FILE = 'config.json';
export const KNOWN_SERVERS_FILE = 'known_servers';

/** Writes `data` to `file` atomically, mode 0600, creating the directory (0700) if needed. */
export function writeFileAtomic(dir: string, name: string, data: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  return target;
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(file, `cannot read: ${(err as Error).message}`);
  }
}

// ---- config.json ----

const configSchema = z.looseObject({
  theme: z.enum(THEME_IDS).optional(),
  bell: z.boolean().optional(),
  server: z.string().min(1).max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  name: z.string().min(1).max(200).optional(),
  ignore: z
    .record(z.string().min(1).max(200), z.enum(['chat', 'all']))
    .refine((r) => Object.keys(r).length <= MAX_IGNORED, `at most ${MAX_IGNORED} names`)
    .optional(),
});

export interface ClientConfig {
  readonly theme?: ThemeId;
  /** Ring the terminal bell for private messages and mentions. */
  readonly bell?: boolean;
  /** The TUI's last server, port and name (the defaults of its questions). */
  readonly server?: string;
  readonly port?: number;
  readonly name?: string;
  /** Names /ignore hides, with what is hidden of each (ignore-list.ts). */
  readonly ignore?: Readonly<Record<string, IgnoreLevel>>;
}

export function loadConfig(dir: string): ClientConfig {
  const file = join(dir, CONFIG_FILE);
  const text = readIfExists(file);
  if (text === null) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, `not valid JSON (${(err as Error).message}); fix or remove it`);
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `"${issue.path.join('.')}": ` : '';
    throw new ConfigError(file, `${where}${issue?.message ?? 'invalid'}; fix or remove it`);
  }
  const { theme, bell, server, port, name, ignore } = parsed.data;
  return Object.fromEntries(
    Object.entries({ theme, bell, server, port, name, ignore }).filter(([, v]) => v !== undefined),
  ) as ClientConfig;
}

/** Saves the config, keeping keys this version does not know (written by a newer client). */
export function saveConfig(dir: string, config: ClientConfig): string {
  const file = join(dir, CONFIG_FILE);
  const text = readIfExists(file);
  let existing: Record<string, unknown> = {};
  if (text !== null) {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value))
        existing = value as Record<string, unknown>;
    } catch {
      throw new ConfigError(file, 'not valid JSON: not overwriting it; fix or remove it');
    }
  }
  return writeFileAtomic(dir, CONFIG_FILE, `${JSON.stringify({ ...existing, ...config }, null, 2)}\n`);
}

// ---- known_servers ----

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function isFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

/** The known_servers key for a server: `host:port`, IPv6 in brackets, host lower-cased. */
export function serverKey(host: string, port: number): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Reads known_servers: one `host:port SHA256:...` per line; `#` comments and blank lines allowed. */
export function loadKnownServers(dir: string): Map<string, string> {
  const file = join(dir, KNOWN_SERVERS_FILE);
  const text = readIfExists(file);
  const known = new Map<string, string>();
  if (text === null) return known;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts.length !== 2 || !/^(\[[^\]]+\]|[^\s:]+):\d{1,5}$/.test(parts[0]) || !isFingerprint(parts[1])) {
      throw new ConfigError(
        file,
        `line ${i + 1} is not "host:port SHA256:..." — fix or remove that line (the file pins server keys, so it is not replaced automatically)`,
      );
    }
    known.set(parts[0].toLowerCase(), parts[1]);
  });
  return known;
}

const KNOWN_SERVERS_HEADER = '# Parley known servers: host:port, then the server key fingerprint (spec 5.6)';

/** Records (or replaces) one server's key, keeping every other line, comments included. */
export function recordKnownServer(dir: string, key: string, fingerprint: string): string {
  if (!isFingerprint(fingerprint)) throw new Error(`not a fingerprint: ${fingerprint}`);
  loadKnownServers(dir); // refuses to rewrite a file it cannot parse
  const existing = readIfExists(join(dir, KNOWN_SERVERS_FILE));
  const lines =
    existing === null || existing.trim() === ''
      ? [KNOWN_SERVERS_HEADER]
      : existing.replace(/\n+$/, '').split('\n');
  const at = lines.findIndex((l) => l.trim().split(/\s+/)[0]?.toLowerCase() === key.toLowerCase());
  const entry = `${key} ${fingerprint}`;
  if (at >= 0) lines[at] = entry;
  else lines.push(entry);
  return writeFileAtomic(dir, KNOWN_SERVERS_FILE, `${lines.join('\n')}\n`);
}
