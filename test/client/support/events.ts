/** Awaiting a session's events in the client tests (bounded: a missing event fails the test). */
import type { SessionEvent } from '../../../src/client/events.js';

interface Emitter {
  on(listener: (event: SessionEvent) => void): () => void;
  readonly state: string;
}

/** Resolves with the next event of `kind` that matches, or rejects after `timeoutMs`. */
export function nextEvent<K extends SessionEvent['kind']>(
  session: Emitter,
  kind: K,
  predicate: (event: Extract<SessionEvent, { kind: K }>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Extract<SessionEvent, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${kind}" event within ${timeoutMs} ms (session state ${session.state})`));
    }, timeoutMs);
    const off = session.on((event) => {
      if (event.kind !== kind) return;
      const typed = event as Extract<SessionEvent, { kind: K }>;
      if (!predicate(typed)) return;
      clearTimeout(timer);
      off();
      resolve(typed);
    });
  });
}
