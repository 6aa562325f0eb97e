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
import { createPublicKey, verify } from 'node:crypto';
import type { Case } from '../case.js';
import { quote, texts } from '../spec-text.js';
import {
  b64,
  clientAuth,
  clientAuthCase,
  joinAs,
  keyedHandshake,
  refusedAfter,
  short,
  suiteKey,
} from './v2-keys.js';
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

export const v2KeyEncodingCases: readonly Case[] = [
  clientAuthCase({
    id: 'v2-chat/7.16/20',
    description:
      'A client key that is not canonically encoded or is of small order is refused with CLIENT_AUTH_FAILED, even with a signature node:crypto accepts; an honest keyed member still joins and chats',
    specText: texts(
      quote('7.16', 'A client key MUST be the canonical encoding of a point'),
      quote('7.16', 'It MUST NOT be a point of small order'),
      quote('7.16', 'nobody can prove a key they do not hold'),
    ),
    codes: ['CLIENT_AUTH_FAILED'],
    more: ['then an honest keyed member joins, its line delivered with its short fingerprint'],
    async run(ctx) {
      for (const [what, hex] of BAD_KEYS) {
        const key = Buffer.from(hex, 'hex');
        // As the tester sent it: the proof and a join in one write.
        const proofAndJoin = (th: Buffer) => {
          const { sig, accepted } = noSecretSignature(key, th);
          ctx.note(
            `${what}: ${accepted ? 'a no-secret signature node:crypto accepts' : 'R = identity, S = 0'}`,
          );
          return [
            { type: 'client_auth', key: b64(key), sig: b64(sig) },
            { type: 'join', name: ctx.name('badkey') },
          ];
        };
        await refusedAfter(
          ctx,
          `key ${what}`,
          proofAndJoin,
          'CLIENT_AUTH_FAILED',
          `a client_auth with the key ${what}`,
        );
      }
      const honest = suiteKey('honest');
      const v2 = await keyedHandshake(ctx, 'honest key');
      v2.send(clientAuth(honest, v2.transcript!));
      await joinAs(ctx, v2, ctx.name('honest'));
      const text = ctx.line(`honest key ${tag()}`);
      v2.send({ type: 'say', text });
      const { packet: line } = await ctx.attempt('the honest line', 'echoed to its sender', () =>
        v2.until((p) => p.type === 'message' && p.text === text, 'the line'),
      );
      ctx.check(
        line.type === 'message' && line.key === short(honest),
        `message.key ${short(honest)}`,
        line.type === 'message' ? String(line.key) : line.type,
      );
    },
  }),
];
