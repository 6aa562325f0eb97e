/**
 * legacy handshake cases (spec 8, 9, 10.1, 13.3 before JOINED, 11 handshake timeout).
 *
 * How this works: the driver plays the original client: it reads iv_exc and key_exc, answers with
 * its own key_exc and speaks AES-256-CFB8 records. To see whether a server accepted an invalid
 * public value, the case computes the key that value would give (0 -> SHA-256("0"), 1 ->
 * SHA-256("1")) and sends setuser under it: an answer proves acceptance, a close is the refusal.
 * Several cases check Parley's mitigations of the original's defects; those are SHOULDs.
 */
import { randomBytes } from 'node:crypto';
import { legacyKey } from '../../src/crypto/legacy-cipher.js';
import { encodeFrame } from '../../src/framing/frame-codec.js';
import { LEGACY_KEY_ORDER, LEGACY_SERVER_NAME, V2_GROUP_INFO } from '../../src/generated/constants.js';
import { pythonJsonDumps } from '../../src/legacy/python-json.js';
import type { Case, CaseContext } from '../case.js';
import { ACCEPTS_LEGACY_CLOSE, expectLegacyClose } from '../expect.js';
import type { LegacySession, Received } from '../legacy-driver.js';
import { pkt, quote, texts, tr, transition } from '../spec-text.js';

const P = BigInt(`0x${V2_GROUP_INFO.modp14.primeHex}`);
const mitigation = (phrase: string) => quote('8', phrase);

const answered = (r: Received) =>
  r.encoding === 'key' && (r.packet.typ === 'approved_conn' || r.packet.typ === 'username_taken')
    ? `it answered setuser with ${r.packet.typ}`
    : null;

/**
 * `zs`: the secrets a server that skipped validation may have derived from the value, each tried
 * on a connection of its own (y = p-1 gives 1 or p-1 by the parity of the server's secret, so one
 * guess alone would be a false OK half the time).
 */
function invalidValue(id: string, label: string, value: string, zs: readonly bigint[]): Case {
  return {
    id,
    section: '8.3',
    profile: 'legacy',
    level: 'MUST',
    description: `An invalid client public value (${label}) is refused`,
    specText: texts(quote('8.3', 'C->S plaintext `key_exc`'), quote('5.2', 'MUST check 2 <= y <= p-2')),
    covers: [],
    accepts: ACCEPTS_LEGACY_CLOSE,
    async run(ctx) {
      for (const z of zs.length > 0 ? zs : [null]) {
        const s = await ctx.legacyConnect('value');
        await s.readHandshake();
        s.keyExchange(value);
        if (z !== null) {
          // What a server that skipped validation derived: setuser under that key gets an answer.
          s.key = legacyKey(z);
          s.sendPacket('setuser', ctx.name('val'));
        }
        await expectLegacyClose(ctx, s, `the public value ${label}`, answered);
      }
    },
  };
}

function refusedBeforeJoin(
  id: string,
  description: string,
  specText: string,
  send: (s: LegacySession, ctx: CaseContext) => void,
  level: 'MUST' | 'SHOULD' = 'MUST',
  keyed = true,
): Case {
  return {
    id,
    section: '13.3',
    profile: 'legacy',
    level,
    description,
    specText,
    covers: [],
    accepts: ACCEPTS_LEGACY_CLOSE,
    async run(ctx) {
      const s = keyed ? await ctx.legacy('early') : await ctx.legacyConnect('early');
      if (!keyed) await s.readHandshake();
      send(s, ctx);
      await expectLegacyClose(ctx, s, description.replace(/ is refused$/, '').toLowerCase(), answered);
    },
  };
}

/** How long a timer case waits: the server's handshake timeout plus one suite timeout. */
const budget = (ctx: CaseContext) => ctx.options.handshakeTimeoutMs + ctx.options.timeoutMs;

/** A client that stops after `open` (`what` it sent) is closed at the handshake timeout. */
function timedOut(
  id: string,
  description: string,
  what: string,
  open: (ctx: CaseContext) => Promise<LegacySession>,
): Case {
  return {
    id,
    section: '11',
    profile: 'legacy',
    level: 'MUST',
    description,
    specText: quote('11', 'Time from accept to a chosen name'),
    covers: [],
    accepts: ACCEPTS_LEGACY_CLOSE,
    waitsFor: 'handshake-timeout',
    async run(ctx) {
      const started = Date.now();
      const s = await open(ctx);
      await expectLegacyClose(
        ctx,
        s,
        `${what} (the suite was told the handshake timeout is ${ctx.options.handshakeTimeoutMs} ms)`,
        undefined,
        { waitMs: budget(ctx) - (Date.now() - started), byTimer: true },
      );
    },
  };
}

/** Python's json.dumps of the packet, without Parley's trailing padding: the original's exact text. */
const pythonForm = (r: Received) => pythonJsonDumps(r.packet as never);

export const legacyHandshakeCases: Case[] = [
  {
    id: 'legacy-handshake/8.1/1',
    section: '8.1',
    profile: 'legacy',
    level: 'MUST',
    description: 'The server speaks first: plaintext iv_exc (16-byte IV), then key_exc (2 <= y <= p-2)',
    specText: texts(quote('8.1', 'S->C plaintext `iv_exc`'), quote('8.2', 'S->C plaintext `key_exc`')),
    covers: [
      pkt('legacy', 'iv_exc'),
      pkt('legacy', 'key_exc'),
      tr('legacy/client', 'AWAIT_IV', 'iv_exc'),
      tr('legacy/client', 'AWAIT_KEY', 'key_exc'),
    ],
    accepts: ['iv_exc then key_exc, both plaintext packet objects from *server*'],
    async run(ctx) {
      const s = await ctx.legacyConnect('hello');
      const { iv, keyExc } = await s.readHandshake();
      const early = s.received.filter((r) => r.encoding !== 'plain');
      ctx.check(
        early.length === 0,
        'nothing before iv_exc',
        `${early.length} frame(s) under the None key before iv_exc`,
        'SHOULD',
      );
      for (const r of [iv, keyExc]) {
        ctx.check(
          r.packet.username === LEGACY_SERVER_NAME,
          `username ${LEGACY_SERVER_NAME}`,
          `${r.packet.typ} from "${r.packet.username}"`,
        );
      }
      const y = BigInt(s.serverValue!);
      ctx.check(
        y >= 2n && y <= P - 2n,
        'a server public value with 2 <= y <= p-2',
        `y has ${s.serverValue!.length} digits and is out of range`,
      );
    },
  },
  {
    id: 'legacy-handshake/8.1/2',
    section: '8.1',
    profile: 'legacy',
    level: 'SHOULD',
    description: 'Every connection gets its own IV and key pair',
    specText: texts(
      mitigation('generates the IV and key pair per connection'),
      quote('8', 'one IV and one key pair per process'),
    ),
    covers: [],
    accepts: ['two connections see different IVs and different public values'],
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.legacyConnect('first'), ctx.legacyConnect('second')]);
      await Promise.all([a.readHandshake(), b.readHandshake()]);
      ctx.check(
        !a.iv!.equals(b.iv!),
        'different IVs',
        `both connections got IV ${a.iv!.toString('base64')} (the keystream repeats across clients)`,
      );
      ctx.check(
        a.serverValue !== b.serverValue,
        'different public values',
        'both connections got the same server public value (one key pair per process)',
      );
    },
  },
  {
    id: 'legacy-handshake/8.4/1',
    section: '8.4',
    profile: 'legacy',
    level: 'MUST',
    description: 'After the key exchange, setuser under the derived key is approved',
    specText: texts(
      quote('8.4', 'Both compute Z and the key'),
      quote('8', 'AES key = SHA-256 of the ASCII decimal string of Z'),
    ),
    covers: [
      tr('legacy/server', 'AWAIT_KEY_EXC', 'key_exc'),
      tr('legacy/client', 'READY', 'send:setuser'),
      tr('legacy/client', 'AWAIT_SETUSER_REPLY', 'approved_conn'),
      pkt('legacy', 'approved_conn'),
    ],
    accepts: ['approved_conn under the derived key'],
    async run(ctx) {
      await ctx.legacyJoined('keyed');
    },
  },
  invalidValue('legacy-handshake/8.3/1', 'y = 0', '0', [0n]),
  invalidValue('legacy-handshake/8.3/2', 'y = 1', '1', [1n]),
  invalidValue('legacy-handshake/8.3/3', 'y = p-1', (P - 1n).toString(), [1n, P - 1n]),
  invalidValue('legacy-handshake/8.3/4', 'y = p', P.toString(), [0n]),
  invalidValue('legacy-handshake/8.3/5', 'y = p+1', (P + 1n).toString(), [1n]),
  invalidValue('legacy-handshake/8.3/6', 'not a number', 'abc', []),
  invalidValue('legacy-handshake/8.3/7', 'negative', '-5', []),
  refusedBeforeJoin(
    'legacy-handshake/13.3/1',
    'setuser before key_exc is refused',
    quote('13', 'A packet that has no transition from the current state'),
    (s, ctx) => s.sendPacket('setuser', ctx.name('early'), { plaintext: true }),
    'MUST',
    false,
  ),
  refusedBeforeJoin(
    'legacy-handshake/13.3/2',
    'A second key_exc after the exchange is refused',
    transition('legacy/server', 'AWAIT_KEY_EXC', 'key_exc'),
    (s) => s.sendPacket('key_exc', '2', { plaintext: true }),
    'SHOULD',
  ),
  {
    id: 'legacy-handshake/13.3/3',
    section: '13.3',
    profile: 'legacy',
    level: 'MUST',
    description: 'A chat line before setuser is refused and reaches nobody',
    specText: quote('13', 'A packet that has no transition from the current state'),
    covers: [],
    accepts: ['the close; the joined client gets nothing'],
    async run(ctx) {
      const member = await ctx.legacyJoined('member');
      const s = await ctx.legacy('early');
      const text = ctx.line(`before setuser ${randomBytes(3).toString('hex')}`);
      s.sendPacket('default', text);
      await expectLegacyClose(ctx, s, 'a chat line before setuser');
      const line = `after ${randomBytes(3).toString('hex')}`;
      const other = await ctx.legacyJoined('witness');
      other.sendPacket('default', line);
      const { skipped } = await member.until((r) => r.packet.cont === line, 'the witness line');
      ctx.check(
        !skipped.some((r) => r.packet.cont === text),
        'the early line reaches nobody',
        `it was forwarded as "${skipped.find((r) => r.packet.cont === text)?.packet.username}"`,
      );
    },
  },
  refusedBeforeJoin(
    'legacy-handshake/9.1/1',
    'A record that does not decrypt to a packet is refused',
    quote('9.1', 'Every later body is base64'),
    (s) => s.conn.write(encodeFrame(randomBytes(60).toString('base64'))),
  ),
  refusedBeforeJoin(
    'legacy-handshake/9.1/2',
    'A body that is not base64 (not even to a lenient decoder) is refused',
    quote('9.1', 'Every later body is base64'),
    (s) => s.conn.write(encodeFrame('not base64!')),
  ),
  {
    id: 'legacy-handshake/10.1/1',
    section: '10.1',
    profile: 'legacy',
    level: 'SHOULD',
    description: "The server's packets are serialised as Python's json.dumps, keys in order",
    specText: quote('10.1', 'The server serialises with'),
    covers: [],
    accepts: ['every packet text equals json.dumps of its object (trailing padding spaces aside)'],
    async run(ctx) {
      const a = await ctx.legacyJoined('pyfmt');
      await ctx.legacyJoined('pyfmt2');
      await a.until(
        (r) => r.packet.typ === 'client_list_update_add' && (r.packet.cont as string[]).length > 0,
        'a list update',
      );
      for (const r of a.received) {
        const keys = Object.keys(JSON.parse(r.json)).join();
        ctx.check(
          keys === LEGACY_KEY_ORDER.join(),
          `keys ${LEGACY_KEY_ORDER.join(', ')}`,
          `${r.packet.typ} has keys ${keys}`,
          'MUST',
        );
        ctx.check(
          r.json.trimEnd() === pythonForm(r),
          'json.dumps form',
          `${r.packet.typ}: ${r.json.slice(0, 80)}`,
        );
      }
    },
  },
  {
    id: 'legacy-handshake/10.1/2',
    section: '10.1',
    profile: 'legacy',
    level: 'SHOULD',
    description: 'Every body the server sends is a multiple of 10 bytes, so original clients survive bursts',
    specText: mitigation('pads every body to a multiple of 10 bytes'),
    covers: [],
    accepts: ['all body lengths are multiples of 10'],
    async run(ctx) {
      const a = await ctx.legacyJoined('pad');
      const b = await ctx.legacyJoined('pad2');
      b.sendPacket('default', `odd ${randomBytes(1).toString('hex')}!`);
      await a.until((r) => r.packet.typ === 'default', 'a chat line');
      await a.export();
      b.conn.destroy();
      await a.until((r) => r.packet.typ === 'disconnection', 'the disconnection update');
      const odd = a.received.filter((r) => r.bodyLength % 10 !== 0);
      ctx.check(
        odd.length === 0,
        'bodies of 10*k bytes',
        odd.map((r) => `${r.packet.typ} ${r.bodyLength}`).join(', '),
      );
    },
  },
  timedOut(
    'legacy-handshake/11/1',
    'A client that sends nothing is closed at the handshake timeout',
    'nothing was sent',
    async (ctx) => {
      const s = await ctx.legacyConnect('silent');
      await s.readHandshake();
      return s;
    },
  ),
  timedOut(
    'legacy-handshake/11/2',
    'A client that never sends setuser is closed at the handshake timeout',
    'a key exchange with no setuser',
    (ctx) => ctx.legacy('noname'),
  ),
];
