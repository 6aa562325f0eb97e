/**
 * Steps the v2 chat cases share: unique tags, joining several clients, and the barrier.
 *
 * How this works: every case uses names unique to the run, so packets caused by other cases
 * (which may run at the same time) are told apart by name. "Exactly once" and "nobody else" are
 * checked with a barrier: after the action under test, a client says a marker line, and since a
 * server delivers each client's packets in order, whatever a receiver got before the marker is
 * everything the action caused.
 */
import { randomBytes } from 'node:crypto';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { CaseContext } from '../case.js';
import type { V2Session } from '../v2-driver.js';

export const tag = () => randomBytes(3).toString('hex');

/** Joins one session per base name, in order. */
export async function joinAll(ctx: CaseContext, ...bases: string[]): Promise<V2Session[]> {
  const out: V2Session[] = [];
  for (const base of bases) out.push(await ctx.v2Joined(base));
  return out;
}

/** `from` says a marker; returns, per receiver, every packet it got before the marker. */
export async function barrier(
  ctx: CaseContext,
  from: V2Session,
  receivers: V2Session[],
): Promise<V2ServerPacket[][]> {
  const marker = ctx.line(`marker ${tag()}`);
  from.send({ type: 'say', text: marker });
  return Promise.all(
    receivers.map(async (r) => {
      const { skipped } = await ctx.attempt(`the marker line "${marker}"`, `waiting at ${r.conn.label}`, () =>
        r.until((p) => p.type === 'message' && p.text === marker, `the marker line at ${r.conn.label}`),
      );
      return skipped;
    }),
  );
}

export const isText = (type: string, text: string) => (p: V2ServerPacket) =>
  p.type === type && 'text' in p && p.text === text;

export async function expectNotice(
  ctx: CaseContext,
  v2: V2Session,
  code: string,
  what: string,
): Promise<void> {
  const { packet } = await ctx.attempt(`error ${code} (not fatal)`, what, () =>
    v2.until(
      (p) =>
        p.type === 'error' ||
        ((p.type === 'message' || p.type === 'action' || p.type === 'private') && p.from === v2.name),
      `error ${code}`,
    ),
  );
  if (packet.type !== 'error')
    return ctx.fail(`error ${code}`, `${what} was delivered (as ${packet.type}) instead of refused`);
  if (packet.code !== code) ctx.fail(`error ${code}`, `error ${packet.code} after ${what}`);
  if (packet.fatal) ctx.fail(`error ${code} with fatal: false`, `${code} came with fatal: true`);
}
