/**
 * Words for a server that died: what the case was doing when the server stopped answering, said
 * so that a server author knows what to reproduce.
 *
 * How this works: the case's wire log holds every byte and every open/close of its connections.
 * The last thing a client did (sent bytes, or closed) before the server went quiet is the likely
 * trigger; this module finds it and says it in protocol terms: how far into the server's opening
 * the client was (frames it had received), what it sent last, whether it closed early. It counts
 * whole frames from the raw bytes with the header grammar only, so it works on any server output.
 */
import type { Profile } from './case.js';
import type { WireLog } from './driver.js';
import { countFrames } from './frame-count.js';
import type { Probe } from './probe.js';

interface ConnState {
  sent: number;
  received: Buffer;
  frames: number;
  lastSent: Buffer | null;
  closedByClient: boolean;
  closedByServer: boolean;
  lastAction: number;
}

function phase(profile: Profile, frames: number, sent: number): string {
  if (profile === 'legacy') {
    if (frames === 0) return 'before the server had sent iv_exc';
    if (frames === 1) return 'during the handshake, after iv_exc and before key_exc';
    if (sent === 0) return 'after the server opening (iv_exc, key_exc), before it sent its own key_exc';
    return 'after the key exchange';
  }
  if (frames === 0) return 'before the server had sent server_hello';
  if (sent === 0) return 'after server_hello, before it sent client_hello';
  return 'after the handshake had started';
}

function shown(bytes: Buffer): string {
  const text = bytes
    .subarray(0, 40)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `"${text}${bytes.length > 40 ? '...' : ''}"`;
}

/** The last client action of a case, in words ("a client closed its connection during ..."). */
export function lastClientStep(log: WireLog, profile: Profile): string | null {
  const conns = new Map<string, ConnState>();
  let last: { conn: string; what: 'sent' | 'closed' } | null = null;
  log.entries.forEach((entry, i) => {
    let state = conns.get(entry.conn);
    if (!state) {
      state = {
        sent: 0,
        received: Buffer.alloc(0),
        frames: 0,
        lastSent: null,
        closedByClient: false,
        closedByServer: false,
        lastAction: i,
      };
      conns.set(entry.conn, state);
    }
    if (entry.dir === 's2c' && entry.bytes) {
      state.received = Buffer.concat([state.received, entry.bytes]).subarray(0, 1 << 20);
    } else if (entry.dir === 'c2s' && entry.bytes) {
      state.frames = countFrames(state.received);
      state.sent += entry.bytes.length;
      state.lastSent = entry.bytes;
      last = { conn: entry.conn, what: 'sent' };
    } else if (entry.text?.startsWith('client closed')) {
      if (!state.closedByClient && !state.closedByServer) {
        state.frames = countFrames(state.received);
        last = { conn: entry.conn, what: 'closed' };
      }
      state.closedByClient = true;
    } else if (entry.text?.startsWith('server closed')) {
      state.closedByServer = true;
    }
  });
  if (!last) return null;
  const { conn, what } = last as { conn: string; what: 'sent' | 'closed' };
  const state = conns.get(conn)!;
  const where = phase(
    profile,
    state.frames,
    what === 'closed' ? state.sent : state.sent - (state.lastSent?.length ?? 0),
  );
  if (what === 'closed') {
    return `a client (${conn}) closed its connection ${where}, having received ${state.frames} frame(s) and sent ${state.sent} byte(s)`;
  }
  return `a client (${conn}) sent ${state.lastSent!.length} byte(s) ${where} (${shown(state.lastSent!)})`;
}

/** "the server stopped accepting connections after a client closed ...", for a failed probe. */
export function stoppedAnswering(probe: Probe, log: WireLog, profile: Profile): string {
  const what =
    probe.step === 'connecting'
      ? 'the server stopped accepting connections'
      : `the server stopped serving new connections (${probe.detail})`;
  const step = lastClientStep(log, profile);
  return step ? `${what} after ${step}` : what;
}
