/**
 * The files a server keeps between runs besides its identity: reserved names (spec 7.17) and key
 * bans (7.18). JSON, written with mode 0600 to a temporary file that is then renamed over the old
 * one, so that a crash leaves the old file or the new one, never half of one. A file that exists
 * but cannot be read or is not what it should be stops the server at start, untouched: the
 * operator fixes or removes it, rather than a server quietly forgetting whose names were whose.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class StateFileError extends Error {
  readonly code = 'STATE_FILE_INVALID';
}

/**
 * Reads the state file at `path` through `parse` (which throws on anything it does not accept);
 * undefined when the file does not exist yet. Throws StateFileError otherwise.
 */
export function readStateFile<T>(path: string, what: string, parse: (json: unknown) => T): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`cannot read the ${what} file ${path}: ${(err as Error).message}`);
  }
  try {
    return parse(JSON.parse(text));
  } catch (err) {
    throw new StateFileError(
      `the ${what} file ${path} is not valid (${(err as Error).message}); it was left as it is: ` +
        'fix it or move it away, then start again',
    );
  }
}

/** Writes `data` as JSON to `path`: mode 0600, a temporary file renamed over the old one. */
export function writeStateFile(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
