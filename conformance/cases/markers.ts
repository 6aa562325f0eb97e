/**
 * The steps every chat case takes in either profile: tags that make names and lines unique to the
 * run, joining several clients, and the marker barrier.
 *
 * How this works: cases of one run may run at the same time, so each case names its clients and
 * lines with tags of its own and tells its packets apart by them. "Exactly once" and "nobody else"
 * are checked with a barrier: after the action under test a client says a marker line, and since a
 * server delivers each client's packets in order, whatever a receiver got before the marker is
 * everything the action caused. The profiles differ only in how a line is said and recognised
 * (v2-steps.ts, legacy-chat.ts).
 */
import { randomBytes } from 'node:crypto';
import type { CaseContext } from '../case.js';

/** Six hex digits, new each call. */
export const tag = () => randomBytes(3).toString('hex');

/** Joins one session per base name, in order. */
export async function joinEach<S>(
  bases: readonly string[],
  join: (base: string) => Promise<S>,
): Promise<S[]> {
  const out: S[] = [];
  for (const base of bases) out.push(await join(base));
  return out;
}

/** A session that waits for a packet of its own kind (either driver's). */
export interface Waiting<P> {
  readonly conn: { readonly label: string };
  until(match: (p: P) => boolean, what: string): Promise<{ skipped: P[] }>;
}

/** Says a marker line with `say`; returns, per receiver, every packet it got before the marker. */
export async function markerBarrier<P>(
  ctx: CaseContext,
  receivers: readonly Waiting<P>[],
  say: (marker: string) => void,
  isMarker: (p: P, marker: string) => boolean,
): Promise<P[][]> {
  const marker = ctx.line(`marker ${tag()}`);
  say(marker);
  return Promise.all(
    receivers.map(async (r) => {
      const { skipped } = await ctx.attempt(`the marker line "${marker}"`, `waiting at ${r.conn.label}`, () =>
        r.until((p) => isMarker(p, marker), `the marker line at ${r.conn.label}`),
      );
      return skipped;
    }),
  );
}
