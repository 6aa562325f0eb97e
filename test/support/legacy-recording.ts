/**
 * The session recorded against the original pyChat server (../shared/vectors/legacy-session.json,
 * read in place, never copied): its shape and where it lies, for the tests that replay it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RecordedFrame {
  readonly client: string;
  readonly dir: 'c2s' | 's2c';
  readonly encrypted: boolean;
  readonly raw: string;
  readonly plaintext: string;
}

export interface RecordedClient {
  readonly name: string;
  readonly privateKeyHex: string;
  readonly derived: { sharedSecretDecimal: string; keyHex: string; ivBase64: string };
}

export interface RecordedSession {
  readonly dh: { group: string; generator: number };
  readonly clients: readonly RecordedClient[];
  readonly frames: readonly RecordedFrame[];
}

// The repository root's sibling `shared/` (in CI a copy sits beside the clone).
export const RECORDED_SESSION_PATH = fileURLToPath(
  new URL('../../../shared/vectors/legacy-session.json', import.meta.url),
);

export function loadRecordedSession(): RecordedSession {
  return JSON.parse(readFileSync(RECORDED_SESSION_PATH, 'utf8')) as RecordedSession;
}
