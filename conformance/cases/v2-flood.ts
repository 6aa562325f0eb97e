/**
 * Floods and admission (spec 7.8, 5.10, 11): every packet type is rate limited, the replies to
 * refusals are capped and a flood past the budget is closed, and a server limits what one address
 * may hold and how fast it may connect.
 *
 * How this works: none of these limits is announced on the wire, so the suite takes them from the
 * command line or the --server-cmd placeholders (--burst, --rate-replies, --rate-budget,
 * --max-per-address, --address-burst); the admission cases get a server of their own with small
 * values. Each flood is one write, so the server sees it at one instant; what counts is how many
 * answers come back. Each case that passes on what is missing also checks, in the same case, that
 * the first packets of a burst are answered (a server that answers nothing limits nothing).
 */
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { limitText, packetText, pkt, quote, texts, tr } from '../spec-text.js';
import { firstPacket, holdServed, knownSetting, refusedAtAccept, servedAgain, unknown } from './capacity.js';

/** Packets in one flood: far more than any burst plus what refills while the answers come. */
const FLOOD = 1000;

/** What a flood may get answered: the burst, plus 100 a second while it lasts (the suite's bound). */
const allowance = (burst: number, startedAt: number) =>
  burst + Math.ceil(((Date.now() - startedAt) / 1000) * 100) + 2;

const LIMITED =
  'the first packets of the flood answered, then no more than about a burst (--burst): the rest dropped';

type Flooded = 'ping' | 'who' | 'join';

const floodPacket = (kind: Flooded, i: number) =>
  kind === 'ping'
    ? { type: 'ping', n: i + 1 }
    : kind === 'who'
      ? { type: 'who' }
      : { type: 'join', name: '' };

const answers = (kind: Flooded, p: V2ServerPacket) =>
  kind === 'ping' ? p.type === 'pong' : kind === 'who' ? p.type === 'user_list' : p.type === 'join_error';

const everyType: Case = {
  id: 'v2-chat/7.8/3',
  section: '7.8',
  profile: 'v2',
  level: 'MUST',
  description: 'ping, who and join floods are rate limited too, not only chat lines',
  specText: texts(limitText('rateBurst'), limitText('ratePerSecond')),
  covers: [],
  accepts: [LIMITED],
  async run(ctx) {
    for (const kind of ['ping', 'who', 'join'] as const) {
      // An empty name is always refused (NAME_INVALID), so every join is answered by join_error.
      const s = kind === 'join' ? await ctx.v2(`${kind}flood`) : await ctx.v2Joined(`${kind}flood`);
      const started = Date.now();
      s.send(...Array.from({ length: FLOOD }, (_, i) => floodPacket(kind, i)));
      const { packets } = await s.drain(ctx.timeout);
      const answered = packets.filter((p) => answers(kind, p)).length;
      const most = allowance(ctx.options.burst, started);
      ctx.note(`${kind}: ${answered} of ${FLOOD} answered`);
      if (answered === 0)
        ctx.fail(LIMITED, `none of ${FLOOD} ${kind} packets was answered: a burst must pass`);
      if (answered > most)
        ctx.fail(
          LIMITED,
          `${answered} of ${FLOOD} ${kind} packets in one write were answered (at most ${most})`,
        );
    }
  },
};

const CAPPED =
  'at most rateRefusalReplies RATE_LIMITED replies (--rate-replies), then, past rateRefusalBudget refusals (--rate-budget), error RATE_EXCEEDED with fatal: true and the close';

const capped: Case = {
  id: 'v2-chat/7.8/4',
  section: '7.8',
  profile: 'v2',
  level: 'MUST',
  description: 'The replies to a flood are capped, and a flood past the refusal budget is closed',
  specText: texts(
    limitText('rateRefusalReplies'),
    limitText('rateRefusalBudget'),
    quote('12', 'more than rateRefusalBudget refused packets within rateRefusalWindowMs'),
  ),
  covers: [],
  accepts: [CAPPED],
  async run(ctx) {
    const { burst, rateReplies, rateBudget } = ctx.options;
    const s = await ctx.v2Joined('budget');
    const total = burst + rateBudget + 50;
    s.send(...Array.from({ length: total }, (_, i) => ({ type: 'say', text: ctx.line(`flood ${i}`) })));
    const { packets, closed } = await s.drain(ctx.timeout * 2);
    const delivered = packets.filter((p) => p.type === 'message').length;
    const replies = packets.filter((p) => p.type === 'error' && p.code === 'RATE_LIMITED').length;
    const fatal = packets.find((p) => p.type === 'error' && p.fatal);
    ctx.note(
      `${delivered} delivered, ${replies} RATE_LIMITED, ${fatal ? `then ${fatal.type === 'error' ? fatal.code : ''}` : 'no fatal error'}`,
    );
    if (delivered === 0) ctx.fail(CAPPED, `none of ${total} lines was delivered: a burst must pass`);
    if (rateReplies > 0 && replies === 0) ctx.fail(CAPPED, 'no RATE_LIMITED reply at all');
    if (replies > rateReplies)
      ctx.fail(
        CAPPED,
        `${replies} RATE_LIMITED replies to one flood (the cap is ${rateReplies}: the refusal is an amplifier)`,
      );
    if (fatal?.type !== 'error' || fatal.code !== 'RATE_EXCEEDED')
      ctx.fail(
        CAPPED,
        `after ${total} lines in one write (budget ${rateBudget}) no error RATE_EXCEEDED came`,
      );
    if (!closed) ctx.fail(CAPPED, 'the server sent RATE_EXCEEDED but kept the connection open');
  },
};

/** A fresh connection is served (gets server_hello, not a refusal): for servedAgain. */
const serves = (ctx: CaseContext) => async (attempt: number) =>
  (await firstPacket(ctx, await ctx.raw(`again${attempt}`)))?.type === 'server_hello';

const PER_ADDRESS =
  'maxPerAddress connections from one address are served; one more gets a plaintext refused TOO_MANY_FROM_ADDRESS and the close; a freed slot is served again';

const perAddress: Case = {
  id: 'robustness/11/6',
  section: '11',
  profile: 'v2',
  level: 'MUST',
  description: 'One address holds at most maxPerAddress connections (a lockout leaves room for others)',
  specText: texts(limitText('maxPerAddress'), packetText('v2', 'refused')),
  covers: [pkt('v2', 'refused'), tr('v2/client', 'AWAIT_SERVER_HELLO', 'refused')],
  accepts: [PER_ADDRESS],
  needs: { 'max-per-address': 3 },
  async run(ctx) {
    const max = knownSetting(ctx, PER_ADDRESS, 'maxPerAddress', {
      max: 16,
      what: 'the suite fills at most 16',
    });
    const held = await holdServed(ctx, max, PER_ADDRESS, `(maxPerAddress ${max})`);
    await refusedAtAccept(ctx, {
      code: 'TOO_MANY_FROM_ADDRESS',
      expected: PER_ADDRESS,
      what: `connection ${max + 1} from one address`,
    });
    held[0].destroy();
    await servedAgain(ctx, PER_ADDRESS, 'after one held connection closed', serves(ctx));
  },
};

const HANDSHAKE_RATE =
  'addressHandshakeBurst connections opened at once are served; the next, at once, gets a plaintext refused ADDRESS_RATE_LIMITED and the close; once a token is back (addressHandshakesPerSecond), one is served again';

const handshakeRate: Case = {
  id: 'robustness/11/7',
  section: '11',
  profile: 'v2',
  level: 'MUST',
  description:
    'One address opens at most addressHandshakeBurst connections at once (a reconnect storm is slowed)',
  specText: texts(limitText('addressHandshakeBurst'), limitText('addressHandshakesPerSecond')),
  covers: [],
  accepts: [HANDSHAKE_RATE],
  // One token a second: the connection after the burst, opened at once, finds none.
  needs: { 'address-burst': 3, 'address-rate': 1 },
  async run(ctx) {
    const burst = knownSetting(ctx, HANDSHAKE_RATE, 'addressHandshakeBurst', {
      max: 16,
      what: 'the suite opens at most 16',
    });
    if ((ctx.options.maxPerAddress ?? Number.POSITIVE_INFINITY) <= burst)
      unknown(
        ctx,
        HANDSHAKE_RATE,
        'maxPerAddress is not above addressHandshakeBurst, so the burst cannot be told from it',
      );
    // The server's readiness probe took a token: let the bucket fill up again first.
    const rate = ctx.options.addressRate;
    if (rate !== undefined)
      await new Promise((r) => setTimeout(r, Math.min(3000, Math.ceil(1000 / rate) + 50)));
    // Each is closed once served: only the rate, not the connections held, can refuse the next.
    const held = await holdServed(ctx, burst, HANDSHAKE_RATE, `(addressHandshakeBurst ${burst})`);
    for (const conn of held) conn.destroy();
    await refusedAtAccept(ctx, {
      code: 'ADDRESS_RATE_LIMITED',
      expected: HANDSHAKE_RATE,
      what: `connection ${burst + 1} opened at once`,
    });
    // Positive control: the bucket refills (addressHandshakesPerSecond) and a new one is served;
    // a server that refuses for good would pass every check above.
    if (rate === undefined) {
      ctx.note('not checked that the address is served again: addressHandshakesPerSecond is unknown');
      return;
    }
    await servedAgain(
      ctx,
      HANDSHAKE_RATE,
      `after ${Math.ceil(1000 / rate)} ms for a token`,
      serves(ctx),
      Math.ceil(1000 / rate) + 50,
    );
  },
};

const REFUSALS_COUNT =
  'with maxPerAddress connections held, a storm of reopens from the address gets TOO_MANY_FROM_ADDRESS while its bucket has tokens, then one refused ADDRESS_RATE_LIMITED, then closes without a record until a token is back; once one is back, a connection is served again';

/** Reopens past the bucket: far more than the records a server may write for them. */
const STORM = 16;

const refusalsCount: Case = {
  id: 'robustness/11.4/1',
  section: '11.4',
  profile: 'v2',
  level: 'MUST',
  description:
    'Refused connections take a token too: an address reopening refused sockets is held to its bucket, and told once',
  specText: texts(quote('11.4', 'Refusals count'), limitText('addressHandshakeBurst')),
  covers: [],
  accepts: [REFUSALS_COUNT],
  // Two held take two of the four tokens; the storm's refusals take the other two.
  needs: { 'max-per-address': 2, 'address-burst': 4, 'address-rate': 2 },
  async run(ctx) {
    const held = knownSetting(ctx, REFUSALS_COUNT, 'maxPerAddress', {
      max: 8,
      what: 'the suite holds at most 8',
    });
    const burst = knownSetting(ctx, REFUSALS_COUNT, 'addressHandshakeBurst', {
      min: held + 1,
      max: 16,
      what: `the case needs it above maxPerAddress (${held}) and at most 16`,
    });
    if ((ctx.options.maxClients ?? Number.POSITIVE_INFINITY) < held)
      unknown(ctx, REFUSALS_COUNT, `maxClients (${ctx.options.maxClients}) is below maxPerAddress (${held})`);
    const rate = ctx.options.addressRate;
    if (rate === undefined || rate > 4)
      unknown(
        ctx,
        REFUSALS_COUNT,
        `addressHandshakesPerSecond is ${rate ?? 'unknown'}; the case needs it known and at most 4 (try {address-rate})`,
      );
    // The suite's own connections before this case (its readiness probe, the sanity case) took
    // tokens: let the bucket fill up again first.
    await new Promise((r) => setTimeout(r, Math.ceil((1000 * burst) / rate) + 50));
    const holding = await holdServed(ctx, held, REFUSALS_COUNT, `(maxPerAddress ${held})`);
    const started = Date.now();
    const got = new Map<string, number>();
    // All at once, well within the held connections' handshake time.
    const storm = await Promise.all(Array.from({ length: STORM }, (_, i) => ctx.raw(`storm${i}`)));
    // Read side by side, so that the time the bucket may refill in is the storm's, not the sum of
    // sixteen reads.
    const firsts = await Promise.all(storm.map((conn) => firstPacket(ctx, conn)));
    for (const [i, first] of firsts.entries()) {
      const what =
        first === null ? 'close' : first.type === 'refused' ? String(first.code) : String(first.type);
      got.set(what, (got.get(what) ?? 0) + 1);
      storm[i].destroy();
    }
    // Tokens the address could have had: what the held ones left, and what refilled meanwhile.
    const refilled = Math.ceil(((Date.now() - started) / 1000) * rate) + 1;
    const tokens = burst - held + refilled;
    const records = STORM - (got.get('close') ?? 0);
    const told = got.get('ADDRESS_RATE_LIMITED') ?? 0;
    // In one order whatever order the server accepted them in (they were opened at once).
    const order = ['server_hello', 'TOO_MANY_FROM_ADDRESS', 'ADDRESS_RATE_LIMITED', 'close'];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    const counts = [...got].sort(([a], [b]) => rank(a) - rank(b)).map(([k, n]) => `${n} ${k}`);
    ctx.note(`${STORM} reopens: ${counts.join(', ')} (tokens at most ${tokens})`);
    if (told === 0)
      ctx.fail(
        REFUSALS_COUNT,
        `none of ${STORM} reopens was refused with ADDRESS_RATE_LIMITED: the refusals took no token`,
      );
    // Each record but the ADDRESS_RATE_LIMITED ones took a token; each of those follows one taken.
    if (records > 2 * tokens)
      ctx.fail(
        REFUSALS_COUNT,
        `${records} of ${STORM} reopens got a record, with at most ${tokens} tokens to take: refusals past the bucket must be closed without one`,
      );
    if ((got.get('server_hello') ?? 0) > refilled)
      ctx.fail(
        REFUSALS_COUNT,
        `${got.get('server_hello')} reopens were served while the address held maxPerAddress`,
      );
    // Positive control: the address is served again once a token is back; a server that refuses
    // for good, or closes every connection, would pass every check above.
    for (const conn of holding) conn.destroy();
    await servedAgain(
      ctx,
      REFUSALS_COUNT,
      `after ${Math.ceil(1000 / rate)} ms for a token`,
      serves(ctx),
      Math.ceil(1000 / rate) + 50,
    );
  },
};

export const floodCases: Case[] = [everyType, capped, perAddress, handshakeRate, refusalsCount];
