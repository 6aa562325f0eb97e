/**
 * `--profile auto`: which profile a server speaks, told from its first frame (spec 2). The server
 * speaks first in both profiles; a legacy server's first frame is a JSON object with `typ`
 * (`iv_exc`), a v2 server's is `server_hello` with `type`.
 *
 * How this works: the sniffer holds every byte until one whole frame has arrived, then names the
 * profile and hands back all the bytes held, for the chosen connection to read from the start.
 * Bytes that are not a frame are v2's to report (the v2 connection names the framing error); the
 * sniffer says whether the first frame looked like Parley at all, so that the client can say "this
 * is not a Parley server" rather than only naming a framing error. With a profile chosen by the
 * user it still runs, so that a server of the other profile is named as such (spec 2).
 */
import { FrameDecoder } from '../framing/frame-codec.js';
import type { Profile } from './trust.js';

/** Which profile a server speaks, from its first frame's body. */
export function sniffProfile(body: Uint8Array): Profile {
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value) && 'typ' in value && !('type' in value)) {
      return 'legacy';
    }
  } catch {
    // not JSON: v2 will report it
  }
  return 'v2';
}

/** Whether a first frame's body is a JSON object naming a packet in either profile (`type` or `typ`). */
export function looksLikeParley(body: Uint8Array): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    return Boolean(
      value && typeof value === 'object' && !Array.isArray(value) && ('type' in value || 'typ' in value),
    );
  } catch {
    return false;
  }
}

export interface Sniffed {
  readonly profile: Profile;
  /** False when the first bytes are not a frame, or its body names no packet: not a Parley server. */
  readonly parley: boolean;
  /** Every byte held so far, for the chosen connection to read from the start. */
  readonly bytes: Buffer;
}

export class ProfileSniffer {
  private readonly decoder: FrameDecoder;
  private readonly held: Buffer[] = [];

  constructor(maxFrame?: number) {
    this.decoder = new FrameDecoder({ maxFrame });
  }

  /** Takes bytes; once the first frame is whole, the profile and every byte held so far. */
  push(chunk: Uint8Array): Sniffed | null {
    const bytes = Buffer.from(chunk);
    this.held.push(bytes);
    let profile: Profile = 'v2';
    let parley = false;
    try {
      this.decoder.push(bytes);
      const first = this.decoder.next();
      if (!first) return null;
      profile = sniffProfile(first.body);
      parley = looksLikeParley(first.body);
    } catch {
      // not a frame: v2 will name the framing error
    }
    return { profile, parley, bytes: Buffer.concat(this.held) };
  }
}

/** What to say when the server speaks the other profile than the one asked for (spec 2). */
export function profileMismatchMessage(spoken: Profile): string {
  return spoken === 'legacy'
    ? 'this server speaks legacy (the original pyChat protocol), not v2 as --profile v2 asked: run with --profile auto (or --profile legacy) to talk to it'
    : 'this server speaks v2, not legacy as --profile legacy asked: run with --profile auto (or --profile v2) to talk to it';
}
