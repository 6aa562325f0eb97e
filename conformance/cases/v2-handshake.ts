/**
 * v2 handshake cases (spec 5): server_hello, the groups, public values, the transcript, and the
 * server's identity.
 *
 * How this works: the driver reads server_hello and the case builds its own client_hello: a valid
 * one, one with an invalid public value, an unknown group, a wrong protocol id. Without keys the
 * server can only close, so "refused" means closed with no frame; a server_auth record in answer
 * to an invalid value means it accepted it. State-machine and timeout cases are in v2-states.ts.
 */
import { randomBytes } from 'node:crypto';
import { fingerprintOf } from '../../src/crypto/identity.js';
import { bytesFromBigint, padStart } from '../../src/crypto/key-agreement.js';
import { deriveSessionKeys, transcriptHash } from '../../src/crypto/v2-keys.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LIMIT_INFO, V2_GROUP_INFO, V2_GROUPS } from '../../src/generated/constants.js';
import type { Case } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { pkt, quote, texts, tr } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';

const P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);
const modp = (y: bigint) => padStart(bytesFromBigint(y), 256);
const X25519_ORDER_8 = Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex');

const CLOSED = acceptsV2([], false);
const shareRule = (group: 'x25519' | 'modp14') =>
  group === 'x25519'
    ? quote('5.2', 'an all-zero output MUST be rejected')
    : quote('5.2', 'MUST check 2 <= y <= p-2');

function invalidShare(id: string, group: 'x25519' | 'modp14', label: string, share: () => Buffer): Case {
  return {
    id,
    section: '5.3',
    profile: 'v2',
    level: 'MUST',
    description: `An invalid ${group} share (${label}) is refused`,
    specText: texts(quote('5.3', 'validates the peer'), shareRule(group)),
    covers: [pkt('v2', 'client_hello')],
    accepts: CLOSED,
    async run(ctx) {
      const v2 = await ctx.v2Connect(group);
      await v2.readServerHello();
      v2.conn.write(v2.clientHello({ group, share: share() }).frame);
      await expectV2Rejection(ctx, v2, ['PUBLIC_VALUE_INVALID'], `the ${group} share ${label}`);
    },
  };
}

/** A client_hello the server must refuse before any key exists. */
function badHello(
  id: string,
  section: string,
  description: string,
  specText: string,
  build: (v2: V2Session) => Buffer,
  code: string,
): Case {
  return {
    id,
    section,
    profile: 'v2',
    level: 'MUST',
    description,
    specText,
    covers: [pkt('v2', 'client_hello')],
    accepts: CLOSED,
    async run(ctx) {
      const v2 = await ctx.v2Connect('hello');
      await v2.readServerHello();
      v2.conn.write(build(v2));
      await expectV2Rejection(ctx, v2, [code], description.replace(/ is refused$/, '').toLowerCase());
    },
  };
}

export const v2HandshakeCases: Case[] = [
  {
    id: 'v2-handshake/5.1/1',
    section: '5.1',
    profile: 'v2',
    level: 'MUST',
    description: 'server_hello is well formed: protocol, 32-byte nonce, valid shares, limits in range',
    specText: texts(quote('5.1', 'On accept, the server sends'), quote('11', 'servers announce theirs')),
    covers: [pkt('v2', 'server_hello'), tr('v2/client', 'AWAIT_SERVER_HELLO', 'server_hello')],
    accepts: [
      'a server_hello that matches the packet table, with shares of the right size and value, and limits within section 11',
    ],
    async run(ctx) {
      const v2 = await ctx.v2Connect('hello');
      const hello = await v2.readServerHello();
      for (const offer of hello.groups) {
        const info = V2_GROUP_INFO[offer.group as 'x25519'];
        if (!info) continue;
        const share = Buffer.from(offer.share, 'base64');
        ctx.check(
          share.length === info.shareBytes,
          `a ${info.shareBytes}-byte ${offer.group} share`,
          `${share.length} bytes`,
        );
        if (offer.group === 'modp14') {
          const y = BigInt(`0x${share.toString('hex') || '0'}`);
          ctx.check(
            y >= 2n && y <= P - 2n,
            'a modp14 share with 2 <= y <= p-2',
            `y = ${y < 10n ** 6n ? y : `${share.subarray(0, 8).toString('hex')}...`}`,
          );
        }
      }
      for (const [name, value] of Object.entries(hello.limits)) {
        const info = LIMIT_INFO[name as 'maxFrame'];
        ctx.check(
          value >= info.min && value <= info.max,
          `${name} within ${info.min}..${info.max}`,
          `${name} = ${value}`,
        );
      }
      ctx.note(
        `groups ${hello.groups.map((g) => g.group).join(', ')}; limits ${JSON.stringify(hello.limits)}`,
      );
    },
  },
  {
    id: 'v2-handshake/5.1/2',
    section: '5.1',
    profile: 'v2',
    level: 'SHOULD',
    description: 'The server offers both groups, x25519 first, then modp14',
    specText: quote('5.1', 'one ephemeral share for each group it offers'),
    covers: [],
    accepts: ['groups [x25519, modp14] in that order'],
    async run(ctx) {
      const v2 = await ctx.v2Connect('groups');
      const offered = (await v2.readServerHello()).groups.map((g) => g.group);
      const known = offered.filter((g) => (V2_GROUPS as readonly string[]).includes(g));
      if (known.join() !== V2_GROUPS.join())
        ctx.fail(`groups ${V2_GROUPS.join(', ')}`, `groups ${offered.join(', ')}`);
      ctx.note(`offers ${offered.join(', ')}`);
    },
  },
  {
    id: 'v2-handshake/5.1/3',
    section: '5.1',
    profile: 'v2',
    level: 'MUST',
    description:
      'Every connection gets a fresh nonce; connections open at once get different shares, and a chosen share is never offered again',
    specText: quote('5.1', 'the share of the chosen group is never offered again'),
    covers: [],
    accepts: [
      'two open connections see different nonces and different shares in every group',
      'after a handshake in x25519, a later connection is not offered that x25519 share (an unchosen modp14 share may come back)',
    ],
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.v2Connect('first'), ctx.v2Connect('second')]);
      const [ha, hb] = await Promise.all([a.readServerHello(), b.readServerHello()]);
      ctx.check(ha.nonce !== hb.nonce, 'different nonces', `both connections got nonce ${ha.nonce}`);
      for (const offer of ha.groups) {
        const other = hb.groups.find((g) => g.group === offer.group);
        ctx.check(
          other?.share !== offer.share,
          `fresh ${offer.group} shares`,
          `two open connections got the same ${offer.group} share (either may choose it: a key used twice)`,
        );
      }
      await a.handshake({ group: 'x25519' });
      const used = ha.groups.find((g) => g.group === 'x25519')?.share;
      const c = await ctx.v2Connect('third');
      const hc = await c.readServerHello();
      ctx.check(
        hc.groups.every((g) => g.share !== used),
        'the chosen x25519 share is not offered again',
        'a later connection was offered the x25519 share an earlier client had chosen (a key used twice)',
      );
      const back = hc.groups.filter((g) =>
        ha.groups.some((o) => o.group !== 'x25519' && o.share === g.share),
      );
      ctx.note(back.length > 0 ? 'an unchosen share came back (allowed, 5.1)' : 'no share came back');
    },
  },
  {
    id: 'v2-handshake/5.1/4',
    section: '5.1',
    profile: 'v2',
    level: 'MUST',
    description: 'A client_hello for another protocol version is refused',
    specText: quote('5.1', 'does not speak the protocol id'),
    covers: [],
    accepts: CLOSED,
    async run(ctx) {
      const v2 = await ctx.v2Connect('proto');
      await v2.readServerHello();
      v2.conn.write(v2.clientHello({ protocol: 'parley/3' }).frame);
      await expectV2Rejection(ctx, v2, ['PROTOCOL_MISMATCH'], 'protocol "parley/3"');
    },
  },
  ...(['x25519', 'modp14'] as const).map(
    (group, i): Case => ({
      id: `v2-handshake/5.2/${i + 1}`,
      section: '5.2',
      profile: 'v2',
      level: 'MUST',
      description: `A valid ${group} handshake completes; server_auth verifies over the transcript`,
      specText: texts(
        quote('5.2', 'picks one offered group'),
        quote('5.5', 'carries the 32-byte public key'),
      ),
      covers: [
        pkt('v2', 'client_hello'),
        pkt('v2', 'server_auth'),
        tr('v2/server', 'AWAIT_CLIENT_HELLO', 'client_hello'),
        tr('v2/client', 'AWAIT_SERVER_HELLO', 'server_hello'),
        tr('v2/client', 'AWAIT_SERVER_AUTH', 'server_auth'),
      ],
      accepts: ['server_auth as the first record, signed over the transcript hash'],
      async run(ctx) {
        const v2 = await ctx.v2(group, group);
        ctx.note(`handshake in ${group} complete`);
        if (!(await v2.alive()))
          ctx.fail('the connection is served after the handshake', 'no pong to a ping');
      },
    }),
  ),
  badHello(
    'v2-handshake/5.2/3',
    '5.2',
    'A group the server did not offer is refused',
    quote('5.2', 'A group the server did not offer'),
    (v2) => v2.clientHello({ group: 'ffdhe2048', share: randomBytes(256) }).frame,
    'GROUP_UNSUPPORTED',
  ),
  badHello(
    'v2-handshake/13.1/1',
    '13.1',
    'join before client_hello (plaintext) is refused',
    quote('13', 'A packet that has no transition from the current state'),
    () => encodeFrame(JSON.stringify({ type: 'join', name: 'early' })),
    'PACKET_UNEXPECTED',
  ),
  badHello(
    'v2-handshake/5.2/4',
    '5.2',
    'A client_hello that is not JSON is refused',
    quote('12', 'The body is not strict UTF-8 JSON'),
    () => encodeFrame('client_hello, but not JSON!'),
    'PACKET_MALFORMED',
  ),
  badHello(
    'v2-handshake/5.2/5',
    '5.2',
    'A client_hello with a 31-byte nonce is refused',
    quote('5.2', 'a fresh 32-byte nonce'),
    (v2) => v2.clientHello({ nonce: randomBytes(31) }).frame,
    'PACKET_MALFORMED',
  ),
  invalidShare('v2-handshake/5.3/1', 'x25519', 'all zero', () => Buffer.alloc(32)),
  invalidShare('v2-handshake/5.3/2', 'x25519', 'a point of order 8', () => X25519_ORDER_8),
  invalidShare('v2-handshake/5.3/3', 'x25519', 'of 31 bytes', () => randomBytes(31)),
  invalidShare('v2-handshake/5.3/4', 'modp14', 'y = 0', () => modp(0n)),
  invalidShare('v2-handshake/5.3/5', 'modp14', 'y = 1', () => modp(1n)),
  invalidShare('v2-handshake/5.3/6', 'modp14', 'y = p-1', () => modp(P - 1n)),
  invalidShare('v2-handshake/5.3/7', 'modp14', 'y = p', () => modp(P)),
  invalidShare('v2-handshake/5.3/8', 'modp14', 'y = p+1, larger than p', () => modp(P + 1n)),
  invalidShare('v2-handshake/5.3/9', 'modp14', 'y = 2^2048-1', () => Buffer.alloc(256, 0xff)),
  invalidShare('v2-handshake/5.3/10', 'modp14', 'of 255 bytes', () => randomBytes(255)),
  {
    id: 'v2-handshake/5.3/11',
    section: '5.3',
    profile: 'v2',
    level: 'MUST',
    description: 'The smallest valid modp14 share (y = 2) is accepted and Z computed from it',
    specText: shareRule('modp14'),
    covers: [],
    accepts: ['server_auth under keys from Z = (server share)^1, since 2 = g^1'],
    async run(ctx) {
      const v2 = await ctx.v2Connect('y2');
      await v2.readServerHello();
      const { frame } = v2.clientHello({ group: 'modp14', share: modp(2n) });
      v2.conn.write(frame);
      v2.deriveKeys(padStart(v2.offer('modp14')!, 256), frame);
      await ctx.attempt(
        'server_auth under the keys of Z = server share',
        'after a client_hello with y = 2',
        () => v2.readServerAuth(),
      );
    },
  },
  {
    id: 'v2-handshake/5.4/1',
    section: '5.4',
    profile: 'v2',
    level: 'MUST',
    description: 'Keys depend on the whole transcript: a client that saw a tampered server nonce is refused',
    specText: quote('5.4', 'TH = SHA-256(server_hello frame'),
    covers: [],
    accepts: [
      'server_auth does not open under keys from a tampered transcript, and a record sealed under them is refused (DECRYPT_FAILED or close)',
    ],
    async run(ctx) {
      const v2 = await ctx.v2Connect('mitm');
      const hello = await v2.readServerHello();
      const genuine = v2.serverHelloFrame!;
      const nonce = Buffer.from(hello.nonce, 'base64');
      nonce[0] ^= 0x01;
      const tampered = Buffer.from(
        genuine.toString('latin1').replace(hello.nonce, nonce.toString('base64')),
        'latin1',
      );
      const frame = v2.prepareClientHello('x25519');
      const forged = deriveSessionKeys(v2.sharedSecret!, transcriptHash(tampered, frame));
      v2.conn.write(frame);
      await ctx.attempt('server_auth under the genuine transcript', 'reading server_auth', () =>
        v2.readServerAuth(),
      );
      v2.conn.write(v2.seal({ type: 'join', name: ctx.name('mitm') }, { keys: forged.c2s, seq: 0n }));
      await expectV2Rejection(
        ctx,
        v2,
        ['DECRYPT_FAILED'],
        'a record sealed under keys from a tampered transcript',
      );
    },
  },
  {
    id: 'v2-handshake/5.5/1',
    section: '5.5',
    profile: 'v2',
    level: 'MUST',
    description: 'The server identity is the same on every connection (and the expected one, if given)',
    specText: texts(
      quote('5.5', 'The server has a long-term Ed25519 key'),
      quote('5.6', 'The fingerprint is'),
    ),
    covers: [pkt('v2', 'server_auth')],
    accepts: ['the same identity key in server_auth on two connections'],
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.v2('first'), ctx.v2('second', 'modp14')]);
      if (!a.identity!.equals(b.identity!))
        ctx.fail('one identity key', 'two connections presented different identity keys');
      ctx.note(`fingerprint ${fingerprintOf(a.identity!)}`);
    },
  },
];
