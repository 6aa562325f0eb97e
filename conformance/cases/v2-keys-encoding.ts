/**
 * Client key encodings (spec 7.16 Key encoding): a key that is not the canonical encoding of its
 * point, or is a point of small order, is refused with CLIENT_AUTH_FAILED, even when its
 * signature is one a plain Ed25519 verifier (OpenSSL's, node:crypto's) accepts.
 *
 * How this works: for each bad key the case signs as anyone can, without a secret: R one of the
 * eight small-order points and S = 0, the first that node:crypto accepts over this connection's
 * TH. So a server that left the check to its Ed25519 library records the key and answers the
 * `join` sent in the same record, which is what an outside tester saw. The keys are written from
 * the spec's list (7.16), not taken from the server's code. Numbered from 7.16/20 to stay clear
 * of the cases in v2-keys.ts.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { fingerprintOf, identityFromSeed, signTranscript } from '../../src/crypto/identity.js';
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { tag } from './v2-steps.js';

/** The eight points of small order, canonically encoded (7.16 Key encoding). */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];

/** The bad keys the case tries, by what is wrong with them. */
const BAD_KEYS: readonly (readonly [string, string])[] = [
  [
    'y = p + 1 (the identity, not canonical)',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ],
  ['y = p (not canonical)', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  [
    'x = -0 (the identity, not canonical)',
    '0100000000000000000000000000000000000000000000000000000000000080',
  ],
  ['the identity (order 1)', SMALL_ORDER[0]],
  ['y = 0 (order 4)', SMALL_ORDER[2]],
  ['y = p - 1 (order 2)', SMALL_ORDER[1]],
  ['a point of order 8', SMALL_ORDER[4]],
  ['another point of order 8', SMALL_ORDER[6]],
];

/** The signed message of 7.16: the client context, one zero byte, TH. */
function clientMessage(th: Buffer): Buffer {
  return Buffer.concat([Buffer.from('parley/2 client auth', 'ascii'), Buffer.alloc(1), th]);
}

/** Whether a plain Ed25519 verifier (node:crypto, no 7.16 key checks) accepts `sig` for `key`. */
function plainlyVerifies(key: Buffer, th: Buffer, sig: Buffer): boolean {
  try {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') };
    return verify(null, clientMessage(th), createPublicKey({ key: jwk, format: 'jwk' }), sig);
  } catch {
    return false;
  }
}

/** R = a small-order point, S = 0: the first such signature node:crypto accepts, else R = the identity. */
function noSecretSignature(key: Buffer, th: Buffer): { sig: Buffer; accepted: boolean } {
  const sigs = SMALL_ORDER.map((r) => Buffer.concat([Buffer.from(r, 'hex'), Buffer.alloc(32)]));
  const sig = sigs.find((s) => plainlyVerifies(key, th, s));
  return sig ? { sig, accepted: true } : { sig: sigs[0], accepted: false };
}

/** INFORMATIONAL unless the server offers client-key (a probe connection, closed at once). */
async function needClientKey(ctx: CaseContext): Promise<void> {
  const probe = await ctx.v2Connect('features probe');
  const features = (await probe.readServerHello()).features ?? [];
  probe.conn.destroy();
  if (!features.includes('client-key'))
    ctx.fail(
      'a server that offers client-key (5.8)',
      'not checked: the server does not offer client-key',
      'MAY',
    );
}

async function keyedHandshake(ctx: CaseContext, label: string): Promise<V2Session> {
  const v2 = await ctx.v2Connect(label);
  await v2.handshake({ features: ['client-key'], fingerprint: ctx.options.fingerprint });
  return v2;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export const v2KeyEncodingCases: readonly Case[] = [
  {
    id: 'v2-chat/7.16/20',
    section: '7.16',
    profile: 'v2',
    level: 'MUST',
    description:
      'A client key that is not canonically encoded or is of small order is refused with CLIENT_AUTH_FAILED, even with a signature node:crypto accepts; an honest keyed member still joins and chats',
    specText: texts(
      quote('7.16', 'A client key MUST be the canonical encoding of a point'),
      quote('7.16', 'It MUST NOT be a point of small order'),
      quote('7.16', 'nobody can prove a key they do not hold'),
    ),
    covers: [pkt('v2', 'client_auth'), tr('v2/server', 'AWAIT_JOIN', 'client_auth')],
    accepts: [
      ...acceptsV2(['CLIENT_AUTH_FAILED'], true),
      'then an honest keyed member joins, its line delivered with its short fingerprint',
      'INFORMATIONAL when the server does not offer client-key',
    ],
    async run(ctx) {
      await needClientKey(ctx);
      for (const [what, hex] of BAD_KEYS) {
        const v2 = await keyedHandshake(ctx, `key ${what}`);
        const key = Buffer.from(hex, 'hex');
        const { sig, accepted } = noSecretSignature(key, v2.transcript!);
        ctx.note(
          `${what}: ${accepted ? 'a no-secret signature node:crypto accepts' : 'R = identity, S = 0'}`,
        );
        // As the tester sent it: the proof and a join in one write.
        v2.send(
          { type: 'client_auth', key: b64(key), sig: b64(sig) },
          { type: 'join', name: ctx.name('badkey') },
        );
        await expectV2Rejection(ctx, v2, ['CLIENT_AUTH_FAILED'], `a client_auth with the key ${what}`);
      }
      const honest = identityFromSeed(createHash('sha256').update('parley conformance key: honest').digest());
      const v2 = await keyedHandshake(ctx, 'honest key');
      v2.send({
        type: 'client_auth',
        key: b64(honest.publicKey),
        sig: b64(signTranscript(honest, v2.transcript!, 'client')),
      });
      const name = ctx.name('honest');
      const joined = await v2.join(name);
      if (joined.type !== 'join_ok') ctx.fail(`join_ok for "${name}"`, joined.type);
      const short = fingerprintOf(honest.publicKey).slice(7, 19);
      const text = ctx.line(`honest key ${tag()}`);
      v2.send({ type: 'say', text });
      const { packet: line } = await ctx.attempt('the honest line', 'echoed to its sender', () =>
        v2.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
      ctx.check(
        line.type === 'message' && line.key === short,
        `message.key ${short}`,
        line.type === 'message' ? String(line.key) : line.type,
      );
    },
  },
];
