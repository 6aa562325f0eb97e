/**
 * Steps the v2 chat cases share: joining several clients, the barrier (markers.ts says how both
 * work), and waiting for a refusal.
 */
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import type { V2Session } from '../v2-driver.js';
import { joinEach, markerBarrier, tag } from './markers.js';

export { tag };

/** The features the server offers (5.8), read off a probe's server_hello (the probe is closed). */
export async function offeredFeatures(ctx: CaseContext): Promise<readonly string[]> {
  const probe = await ctx.v2Connect('features probe');
  const features = (await probe.readServerHello()).features ?? [];
  probe.conn.destroy();
  return features;
}

/** A session past a handshake listing `features` (5.8), the server checked against --fingerprint. */
export async function handshaken(
  ctx: CaseContext,
  label: string,
  features: readonly string[],
): Promise<V2Session> {
  const v2 = await ctx.v2Connect(label);
  await v2.handshake({ features, fingerprint: ctx.options.fingerprint });
  return v2;
}

/** A session joined under a fresh name after a handshake listing `features` (none by default). */
export async function joinedWith(
  ctx: CaseContext,
  base: string,
  features: readonly string[] = [],
): Promise<V2Session> {
  const v2 = await handshaken(ctx, base, features);
  const name = ctx.name(base);
  const reply = await ctx.attempt('join_ok', `joining as "${name}"`, () => v2.join(name));
  if (reply.type !== 'join_ok') ctx.fail(`join_ok for "${name}"`, `${reply.type} after the handshake`);
  return v2;
}

/** Joins one session per base name, in order. */
export const joinAll = (ctx: CaseContext, ...bases: string[]): Promise<V2Session[]> =>
  joinEach(bases, (base) => ctx.v2Joined(base));

/** `from` says a marker; returns, per receiver, every packet it got before the marker. */
export const barrier = (
  ctx: CaseContext,
  from: V2Session,
  receivers: V2Session[],
): Promise<V2ServerPacket[][]> =>
  markerBarrier<V2ServerPacket>(
    ctx,
    receivers,
    (marker) => from.send({ type: 'say', text: marker }),
    (p, marker) => p.type === 'message' && p.text === marker,
  );

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

/**
 * A v2 case (its section taken from its id) in which a session with keys (`session`) writes
 * `bytes` and the server refuses it with one of `codes`, fatal, then closes; `what`: what was
 * written, in words, for findings.
 */
export function keyedRefusalCase(c: {
  readonly id: string;
  readonly description: string;
  readonly specText: string;
  readonly codes: readonly string[];
  readonly what: string;
  session(ctx: CaseContext): Promise<V2Session>;
  bytes(v2: V2Session, ctx: CaseContext): Promise<Buffer> | Buffer;
}): Case {
  return {
    id: c.id,
    section: c.id.split('/')[1],
    profile: 'v2',
    level: 'MUST',
    description: c.description,
    specText: c.specText,
    covers: [],
    accepts: acceptsV2([...c.codes], true),
    async run(ctx) {
      const v2 = await c.session(ctx);
      v2.conn.write(await c.bytes(v2, ctx));
      await expectV2Rejection(ctx, v2, c.codes, c.what);
    },
  };
}
