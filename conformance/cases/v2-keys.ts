/**
 * Client keys, reserved names and moderation (spec 7.16-7.18): the client's proof of its key,
 * what others are shown, a reserved name, a member who is not an operator, a ban that must
 * survive a reconnect, by key and by address.
 *
 * How this works: the suite's clients hold fixed Ed25519 keys (seeds drawn from their role), so a
 * case that needs the server to know one of them (an operator) can name its fingerprint in the
 * server's arguments. A case on a feature the server does not offer is INFORMATIONAL (the
 * features are optional, 5.8). A case that needs a server flag (`--op`, `--reserve-names`) names
 * it in `serverArgs`: with --server-cmd the runner starts it a server of its own with those
 * arguments appended; without, the case is INFORMATIONAL, since the suite cannot know how the
 * server was started. Every proof is built here from the spec's construction (the client context,
 * one zero byte, TH), never taken from the server's code. An address ban needs a second address
 * of the suite's own, so that its other clients are served meanwhile: the case connects the
 * banned member from another 127.x address when the server is on one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, type Identity, identityFromSeed, signTranscript } from '../../src/crypto/identity.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { type Case, type CaseContext, describeReply } from '../case.js';
import { ConnectFailed } from '../driver.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { firstPacket } from './capacity.js';
import { handshaken, offeredFeatures, tag } from './v2-steps.js';

/** A key of the suite's, from its role: the same in every run, so a server can be told it. */
export function suiteKey(role: string): Identity {
  return identityFromSeed(createHash('sha256').update(`parley conformance key: ${role}`).digest());
}

/** The operator the suite asks the server to list (`--op`) for the moderation cases. */
export const SUITE_OPERATOR = suiteKey('operator');
export const SUITE_OPERATOR_FINGERPRINT = fingerprintOf(SUITE_OPERATOR.publicKey);

/** A reservations file of this run's own (7.17): absent at first, so the server starts empty. */
export const SUITE_RESERVATIONS = join(
  tmpdir(),
  `parley-conformance-reserve-${randomBytes(6).toString('hex')}.json`,
);

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
/** A key's short fingerprint (7.16): the 12 characters after `SHA256:`. */
export const short = (key: Identity) => fingerprintOf(key.publicKey).slice(7, 19);

/** `client_auth` proving `key` over `th` (7.16), signed under `context` (the client's by default). */
export function clientAuth(key: Identity, th: Buffer, signer: 'client' | 'server' = 'client'): object {
  return { type: 'client_auth', key: b64(key.publicKey), sig: b64(signTranscript(key, th, signer)) };
}

/** INFORMATIONAL unless the server offers every one of `features`. */
export async function needFeatures(ctx: CaseContext, ...features: string[]): Promise<void> {
  const have = await offeredFeatures(ctx);
  const missing = features.filter((f) => !have.includes(f));
  if (missing.length > 0)
    ctx.fail(
      `a server that offers ${features.join(' and ')} (5.8)`,
      `not checked: the server does not offer ${missing.join(', ')}`,
      'MAY',
    );
}

/** INFORMATIONAL unless the suite started the server with `flag` (--server-cmd and the case's serverArgs). */
export function needFlag(ctx: CaseContext, flag: string): void {
  if (!ctx.options.serverArgs?.includes(flag))
    ctx.fail(
      `a server started with ${flag}`,
      `not checked: needs --server-cmd (the suite then starts this case's server with ${flag})`,
      'MAY',
    );
}

/** Past server_auth, with client-key (and `more`) agreed; nothing sent after the handshake yet. */
export const keyedHandshake = (ctx: CaseContext, label: string, more: readonly string[] = []) =>
  handshaken(ctx, label, ['client-key', ...more]);

/**
 * A connection past a keyed handshake (`label`) that sends what `packets` makes of its TH is
 * refused with `code`: an error packet and the close (`what`: what it sent, in words).
 */
export async function refusedAfter(
  ctx: CaseContext,
  label: string,
  packets: (th: Buffer) => object[],
  code: string,
  what: string,
): Promise<void> {
  const v2 = await keyedHandshake(ctx, label);
  v2.send(...packets(v2.transcript!));
  await expectV2Rejection(ctx, v2, [code], what);
}

/**
 * A case on client_auth before join (7.16), whose server refuses with one of `codes` (`more`: what
 * else it accepts): INFORMATIONAL unless the server offers client-key.
 */
export function clientAuthCase(
  c: Pick<Case, 'id' | 'description' | 'specText'> & {
    readonly codes: readonly string[];
    readonly more?: readonly string[];
    run(ctx: CaseContext): Promise<void>;
  },
): Case {
  return {
    id: c.id,
    section: '7.16',
    profile: 'v2',
    level: 'MUST',
    description: c.description,
    specText: c.specText,
    covers: [pkt('v2', 'client_auth'), tr('v2/server', 'AWAIT_JOIN', 'client_auth')],
    accepts: [
      ...acceptsV2(c.codes, true),
      ...(c.more ?? []),
      'INFORMATIONAL when the server does not offer client-key',
    ],
    async run(ctx) {
      await needFeatures(ctx, 'client-key');
      await c.run(ctx);
    },
  };
}

/** Joins under `name`; fails the case unless join_ok comes. */
export async function joinAs(ctx: CaseContext, v2: V2Session, name: string): Promise<V2PacketOfJoin> {
  const reply = await v2.join(name);
  if (reply.type !== 'join_ok') ctx.fail(`join_ok for "${name}"`, `${reply.type} ${describeReply(reply)}`);
  return reply as V2PacketOfJoin;
}
type V2PacketOfJoin = Extract<V2ServerPacket, { type: 'join_ok' }>;

/** A member with a proved key, joined under a fresh name. */
export async function keyedMember(
  ctx: CaseContext,
  base: string,
  key: Identity,
  more: readonly string[] = [],
): Promise<{ v2: V2Session; joined: V2PacketOfJoin }> {
  const v2 = await keyedHandshake(ctx, base, more);
  v2.send(clientAuth(key, v2.transcript!));
  return { v2, joined: await joinAs(ctx, v2, ctx.name(base)) };
}

/** The key fields of 7.16 a packet carries, as `field=value` texts. */
function keyFields(p: V2ServerPacket): string[] {
  const o = p as Record<string, unknown>;
  return ['key', 'keys', 'op', 'fingerprint']
    .filter((f) => f in o)
    .map((f) => `${p.type}.${f}=${JSON.stringify(o[f])}`);
}

/**
 * A second address of the suite's own, for a member whose address is to be banned (7.18) while
 * the suite's other clients go on: another 127.x address when the server is on one (the whole
 * 127.0.0.0/8 block reaches the loopback interface). INFORMATIONAL otherwise.
 */
export function secondAddress(ctx: CaseContext): string {
  const host = ctx.options.host;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host))
    ctx.fail(
      'a server on a 127.x address',
      `not checked: the server is on ${host}, so the suite has no second address of its own to ban`,
      'MAY',
    );
  return host === '127.0.0.2' ? '127.0.0.3' : '127.0.0.2';
}

const MODERATION_PACKETS = ['kick', 'ban', 'unban', 'bans', 'mute', 'unmute', 'motd'] as const;

const CLIENT_KEY = quote('7.16', 'under a context of its own');

export const v2KeyCases: readonly Case[] = [
  clientAuthCase({
    id: 'v2-chat/7.16/1',
    description:
      'A forged client signature (a key the client does not hold) is refused with CLIENT_AUTH_FAILED',
    specText: texts(CLIENT_KEY, quote('7.16', 'a signature that does not verify is CLIENT_AUTH_FAILED')),
    codes: ['CLIENT_AUTH_FAILED'],
    async run(ctx) {
      // The victim's public key with a signature made by another key over the right message.
      const victim = suiteKey('victim');
      const forger = suiteKey('forger');
      await refusedAfter(
        ctx,
        'forged',
        (th) => [
          { type: 'client_auth', key: b64(victim.publicKey), sig: b64(signTranscript(forger, th, 'client')) },
        ],
        'CLIENT_AUTH_FAILED',
        "a client_auth for another's key",
      );
    },
  }),
  clientAuthCase({
    id: 'v2-chat/7.16/2',
    description:
      "A client signature made for another connection's transcript, or under the server's context, is refused with CLIENT_AUTH_FAILED",
    specText: texts(
      quote('7.16', 'one made for another connection does not verify'),
      quote('7.16', "so that a server's signature can never serve as a client's"),
    ),
    codes: ['CLIENT_AUTH_FAILED'],
    async run(ctx) {
      const key = suiteKey('replayer');
      // A proof the server saw (and accepted) on one connection, replayed on the next.
      const first = await keyedHandshake(ctx, 'proof source');
      const proof = clientAuth(key, first.transcript!);
      first.send(proof);
      await joinAs(ctx, first, ctx.name('replsrc'));
      const replayed = "a client_auth signed over another connection's TH";
      await refusedAfter(ctx, 'replay', () => [proof], 'CLIENT_AUTH_FAILED', replayed);
      const context = 'a client_auth signed under the server_auth context';
      await refusedAfter(
        ctx,
        'server context',
        (th) => [clientAuth(key, th, 'server')],
        'CLIENT_AUTH_FAILED',
        context,
      );
    },
  }),
  clientAuthCase({
    id: 'v2-chat/7.16/3',
    description: 'A client_auth after join, or a second one, is PACKET_UNEXPECTED',
    specText: quote('7.16', 'a second one, or one after any other packet of the client'),
    codes: ['PACKET_UNEXPECTED'],
    async run(ctx) {
      const key = suiteKey('late');
      const late = await keyedHandshake(ctx, 'auth after join');
      await joinAs(ctx, late, ctx.name('lateauth'));
      // A valid proof over this very connection's TH: only its place is wrong.
      late.send(clientAuth(key, late.transcript!));
      await expectV2Rejection(ctx, late, ['PACKET_UNEXPECTED'], 'a client_auth after join');
      const twice = (th: Buffer) => [clientAuth(key, th), clientAuth(key, th)];
      await refusedAfter(ctx, 'auth twice', twice, 'PACKET_UNEXPECTED', 'a second client_auth');
    },
  }),
  {
    id: 'v2-chat/7.16/4',
    section: '7.16',
    profile: 'v2',
    level: 'MUST',
    description:
      'A client that agreed client-key but has no key joins with no extra step, is shown without a key, and chats',
    specText: texts(
      quote('7.16', 'A client without a key sends nothing new'),
      quote('7.16', 'an anonymous member never has a key field'),
    ),
    covers: [pkt('v2', 'join_ok'), pkt('v2', 'user_joined'), pkt('v2', 'message')],
    accepts: [
      'join_ok without `key` for a join right after server_auth; lines delivered; no key field for it anywhere',
    ],
    async run(ctx) {
      await needFeatures(ctx, 'client-key');
      const watcher = await keyedMember(ctx, 'keywatch', suiteKey('watcher'));
      const anon = await keyedHandshake(ctx, 'anonymous');
      const name = ctx.name('anon');
      const joined = await joinAs(ctx, anon, name);
      ctx.check(
        joined.key === undefined && joined.op === undefined,
        'join_ok without key or op',
        keyFields(joined).join(', '),
      );
      const listed = (joined.keys ?? []).find((k) => k.name === name);
      ctx.check(listed === undefined, 'the anonymous member not in join_ok.keys', JSON.stringify(listed));
      const text = ctx.line(`anon ${tag()}`);
      anon.send({ type: 'say', text });
      const { packet: seen } = await ctx.attempt('the anonymous line', 'at a keyed member', () =>
        watcher.v2.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
      ctx.check(!('key' in seen), 'the anonymous line without `key`', keyFields(seen).join(', '));
    },
  },
  {
    id: 'v2-chat/7.16/5',
    section: '7.16',
    profile: 'v2',
    level: 'MUST',
    description:
      "A proved key is shown by its short fingerprint on join_ok, user_joined and the member's lines",
    specText: texts(
      quote('7.16', 'Its short form, shown beside names'),
      quote('7.16', '`join_ok.key` (the joiner'),
    ),
    covers: [pkt('v2', 'client_auth'), pkt('v2', 'join_ok'), pkt('v2', 'user_joined'), pkt('v2', 'message')],
    accepts: [
      'join_ok.key, user_joined.key and message.key equal to the 12 characters after SHA256: of the key',
      'INFORMATIONAL when the server does not offer client-key',
    ],
    async run(ctx) {
      await needFeatures(ctx, 'client-key');
      const watcher = await keyedHandshake(ctx, 'key watcher');
      await joinAs(ctx, watcher, ctx.name('kwatch'));
      const key = suiteKey('shown');
      const member = await keyedMember(ctx, 'keyshown', key);
      const want = short(key);
      ctx.check(
        member.joined.key === want,
        `join_ok.key ${want}`,
        `join_ok.key ${JSON.stringify(member.joined.key)}`,
      );
      const name = member.joined.name;
      const { packet: seen } = await ctx.attempt(
        'user_joined of the keyed member',
        'at another client-key member',
        () =>
          watcher.until(
            (p) =>
              (p.type === 'user_joined' && p.name === name) ||
              (p.type === 'users_joined' && p.names.includes(name)),
            'the join',
          ),
      );
      const shownKey =
        seen.type === 'user_joined'
          ? seen.key
          : seen.type === 'users_joined'
            ? seen.keys?.find((k) => k.name === name)?.key
            : undefined;
      ctx.check(shownKey === want, `the join shows key ${want}`, `it shows ${JSON.stringify(shownKey)}`);
      const text = ctx.line(`keyed ${tag()}`);
      member.v2.send({ type: 'say', text });
      const { packet: line } = await ctx.attempt('the keyed line', 'at another client-key member', () =>
        watcher.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
      ctx.check(
        line.type === 'message' && line.key === want,
        `message.key ${want}`,
        `the keyed member's line arrived with ${keyFields(line).join(', ') || 'no key field'}`,
      );
    },
  },
  {
    id: 'v2-chat/7.16/6',
    section: '7.16',
    profile: 'v2',
    level: 'MUST',
    description: 'A 2.0 client (no features) gets no key field, however many members are keyed',
    specText: quote(
      '7.16',
      'a connection that did not agree `client-key` gets every packet in its form without this feature',
    ),
    covers: [pkt('v2', 'join_ok'), pkt('v2', 'user_list')],
    accepts: [
      'join_ok, user_joined, message and user_list without key, keys, op or fingerprint on a 2.0 connection',
      'INFORMATIONAL when the server does not offer client-key',
    ],
    async run(ctx) {
      await needFeatures(ctx, 'client-key');
      const plain = await ctx.v2('plain 2.0');
      const plainJoin = await joinAs(ctx, plain, ctx.name('plain20'));
      const leaks = keyFields(plainJoin);
      const keyed = await keyedMember(ctx, 'keyed20', suiteKey('seen by 2.0'));
      const text = ctx.line(`to 2.0 ${tag()}`);
      keyed.v2.send({ type: 'say', text });
      const packets: V2ServerPacket[] = [];
      await ctx.attempt('the keyed line', 'at the 2.0 client', () =>
        plain.until((p) => {
          packets.push(p);
          return p.type === 'message' && p.text === text;
        }, 'the line'),
      );
      plain.send({ type: 'who' });
      await ctx.attempt('user_list', 'at the 2.0 client', () =>
        plain.until((p) => {
          packets.push(p);
          return p.type === 'user_list' && !p.more;
        }, 'the list'),
      );
      for (const p of packets) leaks.push(...keyFields(p));
      ctx.check(leaks.length === 0, 'no key field on a connection without client-key', leaks.join(', '));
    },
  },
  {
    id: 'v2-chat/7.17/1',
    section: '7.17',
    profile: 'v2',
    level: 'MUST',
    description:
      'A reserved name is refused NAME_RESERVED to an anonymous client and to another key, and taken by its owner',
    specText: quote(
      '7.17',
      'gets `join_error` NAME_RESERVED, unless it comes from a connection keyed with the owning key',
    ),
    covers: [pkt('v2', 'join_error')],
    accepts: [
      'join_error NAME_RESERVED for the anonymous and the other key; join_ok for the owner',
      'without --server-cmd: INFORMATIONAL (needs --reserve-names)',
    ],
    serverArgs: ['--reserve-names', SUITE_RESERVATIONS],
    async run(ctx) {
      needFlag(ctx, '--reserve-names');
      await needFeatures(ctx, 'client-key');
      const owner = suiteKey(`owner ${tag()}`);
      const first = await keyedMember(ctx, 'resowner', owner);
      const name = first.joined.name;
      first.v2.send({ type: 'goodbye' });
      await first.v2.drain(ctx.timeout);
      for (const [who, key] of [
        ['an anonymous client', null],
        ['a client with another key', suiteKey(`thief ${tag()}`)],
      ] as const) {
        const v2 = await keyedHandshake(ctx, who);
        if (key) v2.send(clientAuth(key, v2.transcript!));
        const reply = await v2.join(name);
        ctx.check(
          reply.type === 'join_error' && reply.code === 'NAME_RESERVED',
          `join_error NAME_RESERVED for ${who} asking for "${name}"`,
          `${reply.type} ${describeReply(reply)}`,
        );
      }
      const back = await keyedHandshake(ctx, 'owner again');
      back.send(clientAuth(owner, back.transcript!));
      await joinAs(ctx, back, name);
    },
  },
  {
    id: 'v2-chat/7.18/1',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      'A member who is not an operator gets NOT_OPERATOR for every moderation packet, and nothing changes',
    specText: quote('7.18', 'from a member who is not an operator each gets `error` NOT_OPERATOR'),
    covers: MODERATION_PACKETS.flatMap((type) => [pkt('v2', type), tr('v2/server', 'JOINED', type)]),
    accepts: [
      'error NOT_OPERATOR (not fatal) for kick, ban, unban, bans, mute, unmute and motd; the target still receives lines',
      'INFORMATIONAL when the server does not offer moderation',
    ],
    async run(ctx) {
      await needFeatures(ctx, 'client-key', 'moderation');
      const target = await keyedMember(ctx, 'kicktarget', suiteKey('target'), ['moderation']);
      const kicker = await keyedMember(ctx, 'kicker', suiteKey(`not an op ${tag()}`), ['moderation']);
      const name = target.joined.name;
      const tries: object[] = [
        { type: 'kick', name, reason: 'test' },
        { type: 'ban', name, duration: 60 },
        { type: 'unban', ban: 1 },
        { type: 'bans' },
        { type: 'mute', name, duration: 60 },
        { type: 'unmute', name },
        { type: 'motd', text: 'not yours to set' },
      ];
      for (const packet of tries) {
        const type = (packet as { type: string }).type;
        kicker.v2.send(packet);
        const { packet: reply } = await ctx.attempt('an error', `after ${type} from a non-operator`, () =>
          kicker.v2.until(
            (p) => p.type === 'error' || p.type === 'moderated' || p.type === 'ban_list',
            'the answer',
          ),
        );
        ctx.check(
          reply.type === 'error' && reply.code === 'NOT_OPERATOR' && !reply.fatal,
          `error NOT_OPERATOR, fatal false, for ${type}`,
          describeReply(reply as { type: string; code?: string }),
        );
      }
      const text = ctx.line(`still here ${tag()}`);
      kicker.v2.send({ type: 'say', text });
      await ctx.attempt('the next line at the target', 'after the refused requests', () =>
        target.v2.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
    },
  },
  {
    id: 'v2-chat/7.18/2',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      'A member banned by an operator is removed with BANNED and cannot come back under the same key',
    specText: texts(
      quote('7.18', 'a `client_auth` with a banned key is refused with BANNED'),
      quote('7.18', 'So a banned member cannot come back by reconnecting'),
    ),
    covers: [
      pkt('v2', 'ban'),
      pkt('v2', 'moderated'),
      pkt('v2', 'unban'),
      pkt('v2', 'bans'),
      pkt('v2', 'ban_list'),
    ],
    accepts: [
      'error BANNED then the close for the member; BANNED again for its client_auth on a new connection; joins again after unban',
      'without --server-cmd: INFORMATIONAL (needs --op)',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT],
    async run(ctx) {
      needFlag(ctx, '--op');
      await needFeatures(ctx, 'client-key', 'moderation');
      const op = await keyedMember(ctx, 'banop', SUITE_OPERATOR, ['moderation']);
      ctx.check(
        op.joined.op === true,
        'join_ok.op true for the operator listed with --op',
        keyFields(op.joined).join(', '),
      );
      const abuser = suiteKey(`abuser ${tag()}`);
      const victim = await keyedMember(ctx, 'banned', abuser, ['moderation']);
      op.v2.send({ type: 'ban', name: victim.joined.name, duration: 600, reason: 'test' });
      await expectV2Rejection(ctx, victim.v2, ['BANNED'], 'a ban of this member by an operator');
      const again = await keyedHandshake(ctx, 'evader', ['moderation']);
      again.send(clientAuth(abuser, again.transcript!));
      await expectV2Rejection(ctx, again, ['BANNED'], 'the banned key proved on a new connection');
      op.v2.send({ type: 'bans' });
      const { packet: list } = await ctx.attempt('ban_list', 'after bans', () =>
        op.v2.until((p) => p.type === 'ban_list' && !p.more, 'the ban list'),
      );
      const ban =
        list.type === 'ban_list'
          ? list.bans.find((b) => b.target === fingerprintOf(abuser.publicKey))
          : undefined;
      if (!ban) return ctx.fail('the key ban in ban_list', JSON.stringify(list).slice(0, 200));
      op.v2.send({ type: 'unban', ban: ban.id });
      await ctx.attempt('moderated unban', 'after unban', () =>
        op.v2.until((p) => p.type === 'moderated' && p.action === 'unban', 'the confirmation'),
      );
      const back = await keyedHandshake(ctx, 'after unban', ['moderation']);
      back.send(clientAuth(abuser, back.transcript!));
      await joinAs(ctx, back, ctx.name('unbanned'));
    },
  },
  {
    id: 'v2-chat/7.18/3',
    section: '7.18',
    profile: 'v2',
    level: 'MUST',
    description:
      'An address ban removes the member and refuses its address at accept with BANNED (so neither anonymity nor a new key helps) while others are served; unban lets it back',
    specText: texts(
      quote('7.18', 'a new connection from a banned address gets a `refused` record with BANNED'),
      quote('7.18', 'reconnecting anonymously from the same address does not help'),
      quote(
        '7.18',
        'it is stable for one server run, tells nothing of the address, and is what an address ban names',
      ),
    ),
    covers: [pkt('v2', 'ban'), pkt('v2', 'refused'), pkt('v2', 'whois_reply'), pkt('v2', 'ban_list')],
    accepts: [
      "the operator's whois_reply.addr; error BANNED for the member; a `refused` BANNED record instead of server_hello for its address; ban_list with the ban ending `duration` after it was made; an honest member joins and chats meanwhile; served again after unban",
      'without --server-cmd: INFORMATIONAL (needs --op); INFORMATIONAL for a server that is not on a 127.x address',
    ],
    serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT],
    async run(ctx) {
      needFlag(ctx, '--op');
      await needFeatures(ctx, 'client-key', 'moderation', 'whois');
      const away = secondAddress(ctx);
      const more = ['moderation', 'whois'];
      const op = await keyedMember(ctx, 'addrop', SUITE_OPERATOR, more);
      let abuser: V2Session;
      try {
        abuser = await ctx.v2Connect('abuser', away);
      } catch (err) {
        if (!(err instanceof ConnectFailed)) throw err;
        return ctx.fail(
          `a connection from ${away}`,
          `not checked: the suite cannot connect from ${away} (${err.code}), its second address to ban`,
          'MAY',
        );
      }
      await abuser.handshake({ features: ['client-key', ...more], fingerprint: ctx.options.fingerprint });
      const name = (await joinAs(ctx, abuser, ctx.name('addrban'))).name;
      op.v2.send({ type: 'whois', name });
      const { packet: whois } = await ctx.attempt('whois_reply', 'to the operator', () =>
        op.v2.until((p) => p.type === 'whois_reply' && p.name === name, 'the whois reply'),
      );
      const addr = whois.type === 'whois_reply' ? whois.addr : undefined;
      if (typeof addr !== 'string')
        return ctx.fail('whois_reply.addr for the operator', keyFields(whois).join(', ') || 'no addr');
      const duration = 600;
      op.v2.send({ type: 'ban', addr, duration, reason: 'address ban test' });
      await expectV2Rejection(ctx, abuser, ['BANNED'], 'a ban of this address by an operator');
      const { packet: made } = await ctx.attempt('moderated ban', 'to the operator', () =>
        op.v2.until((p) => p.type === 'moderated' && p.action === 'ban', 'the confirmation'),
      );
      // Refused before server_hello: no key, new or old, can even be shown (5.10).
      const evader = await ctx.raw('evader', away);
      const first = await firstPacket(ctx, evader);
      ctx.check(
        first?.type === 'refused' && first.code === 'BANNED',
        'a `refused` BANNED record, instead of server_hello, for a new connection from the banned address',
        first ? JSON.stringify(first).slice(0, 120) : 'the close without a word',
      );
      // The server still serves everyone else.
      const honest = await ctx.v2Joined('honest');
      const text = ctx.line(`honest ${tag()}`);
      honest.send({ type: 'say', text });
      await ctx.attempt('the honest line', 'at the operator, during the ban', () =>
        op.v2.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
      op.v2.send({ type: 'bans' });
      const { packet: list } = await ctx.attempt('ban_list', 'after bans', () =>
        op.v2.until((p) => p.type === 'ban_list' && !p.more, 'the ban list'),
      );
      const ban = list.type === 'ban_list' ? list.bans.find((b) => b.target === addr) : undefined;
      if (!ban) return ctx.fail('the address ban in ban_list', JSON.stringify(list).slice(0, 200));
      const end = made.type === 'moderated' ? made.ts + duration * 1000 : 0;
      ctx.check(
        ban.kind === 'addr' && Math.abs(ban.until - end) <= 5000,
        `an addr ban ending ${duration} s after it was made (until about ${end})`,
        `kind ${ban.kind}, until ${ban.until}`,
      );
      op.v2.send({ type: 'unban', ban: ban.id });
      await ctx.attempt('moderated unban', 'after unban', () =>
        op.v2.until((p) => p.type === 'moderated' && p.action === 'unban', 'the confirmation'),
      );
      const back = await ctx.v2Connect('after unban', away);
      await back.handshake({ features: ['client-key'], fingerprint: ctx.options.fingerprint });
      await joinAs(ctx, back, ctx.name('addrback'));
    },
  },
];
