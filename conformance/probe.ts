/**
 * The polite liveness probe: "does the server still answer?", asked so that the asking cannot be
 * what kills a fragile server.
 *
 * How this works: the probe connects and reads the server's whole opening before it leaves: v2
 * sends one frame (server_hello), legacy two (iv_exc, key_exc, 8.1-8.2). Leaving after the first
 * legacy frame is exactly what stops the original pyChat server's accept loop for good (it is still
 * writing key_exc when the socket goes), so a probe that did that would report a crash it caused
 * itself. The result names the step that failed, so the report can say what the server stopped
 * doing: accepting connections, or speaking first once connected.
 */
import type { SuiteOptions } from './case.js';
import { ConnectFailed, RawConnection, WaitTimeout, WireLog } from './driver.js';

export interface Probe {
  readonly ok: boolean;
  /** What failed: the TCP connect, or the server's opening frames. */
  readonly step: 'connecting' | 'opening';
  readonly detail: string;
  /** The opening frames read, for the caller (pre-flight reads the profile from the first). */
  readonly frames?: readonly Buffer[];
  /**
   * The server accepted the connection and closed it without a frame: how a legacy server turns a
   * connection away at accept (5.10), its per-address limits included, as well as a broken one.
   */
  readonly silentClose?: boolean;
  /** The probe's connection, still open, when the caller asked to keep it (politeProbe's `keep`). */
  readonly held?: RawConnection;
}

/** The frames a server sends before the client says anything: v2 one, legacy two. */
export function openingFrames(options: Pick<SuiteOptions, 'profile'>): number {
  return options.profile === 'legacy' ? 2 : 1;
}

/**
 * One polite probe: connect, read the whole opening, leave. With `keep`, a probe that succeeded
 * does not leave: its connection is handed to the caller (`held`), who closes it later.
 */
export async function politeProbe(
  options: SuiteOptions,
  timeoutMs = options.timeoutMs,
  keep = false,
): Promise<Probe> {
  let conn: RawConnection;
  try {
    conn = await RawConnection.open({
      host: options.host,
      port: options.port,
      label: 'probe',
      log: new WireLog(),
      // A slow accept is not a dead server: give the connect more room than one answer.
      timeoutMs: Math.max(timeoutMs, 2000),
    });
  } catch (err) {
    const reason = err instanceof ConnectFailed ? `${err.code}: ${err.message}` : (err as Error).message;
    return { ok: false, step: 'connecting', detail: `the connection was not accepted (${reason})` };
  }
  const frames: Buffer[] = [];
  let result: Probe | null = null;
  try {
    // legacy: until key_exc, however many frames come first (the original sends list updates
    // under the key of None to connections still in the handshake).
    const done = () =>
      options.profile === 'legacy'
        ? frames.some((f) => f.includes('"key_exc"')) || frames.length >= 6
        : frames.length >= openingFrames(options);
    while (!done()) {
      // Once the opening has started, leaving before its end is what kills a fragile server:
      // wait for the rest well past the usual timeout.
      const wait = frames.length === 0 ? timeoutMs : Math.max(timeoutMs, 5000);
      const frame = await conn.nextFrame(wait, 'the opening frames');
      if (!frame) {
        // One frame and a close is still a live server (e.g. a v2 server of another profile).
        if (frames.length > 0) return { ok: true, step: 'opening', detail: 'answered', frames };
        return {
          ok: false,
          step: 'opening',
          detail: 'it accepted the connection, then closed it without a frame',
          silentClose: true,
        };
      }
      frames.push(Buffer.from(frame.body));
      if (frames.length === 1 && !looksLegacy(frame.body)) break;
    }
    result = { ok: true, step: 'opening', detail: 'answered', frames, ...(keep ? { held: conn } : {}) };
    return result;
  } catch (err) {
    if (frames.length > 0) return { ok: true, step: 'opening', detail: 'answered', frames };
    const detail =
      err instanceof WaitTimeout
        ? `it accepted the connection but sent nothing within ${timeoutMs} ms`
        : `its first frame is not valid (${(err as Error).message})`;
    return { ok: !(err instanceof WaitTimeout), step: 'opening', detail, frames };
  } finally {
    if (!result?.held) conn.destroy();
  }
}

/** A legacy opening frame is JSON with `typ`; anything else ends the opening at one frame. */
function looksLegacy(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && 'typ' in parsed;
  } catch {
    return false;
  }
}

/** Does the server still answer? Tries twice, a little apart. */
export async function probe(options: SuiteOptions): Promise<Probe> {
  let last = await politeProbe(options);
  if (last.ok) return last;
  await new Promise((r) => setTimeout(r, 100));
  last = await politeProbe(options);
  return last;
}

/** The limits a v2 server announces in server_hello (5.1), from the frames of a probe. */
export function announcedLimits(frames: readonly Buffer[] | undefined): {
  maxFrame?: number;
  maxMessage?: number;
  maxName?: number;
} {
  let body: { limits?: Record<string, unknown> } = {};
  try {
    body = JSON.parse(frames?.[0]?.toString('utf8') ?? '');
  } catch {
    return {};
  }
  const limits = body?.limits ?? {};
  const out: Record<string, number> = {};
  for (const name of ['maxFrame', 'maxMessage', 'maxName']) {
    const v = limits[name];
    if (Number.isSafeInteger(v) && (v as number) >= 1) out[name] = v as number;
  }
  return out;
}

/**
 * The options with the limits the server announces (v2), which win over flags and defaults: they
 * are what the server enforces, so the suite's own names, lines and frames are sized to them.
 */
export async function withServerLimits(options: SuiteOptions): Promise<SuiteOptions> {
  if (options.profile !== 'v2') return options;
  const seen = await politeProbe(options);
  return seen.ok ? { ...options, ...announcedLimits(seen.frames) } : options;
}
