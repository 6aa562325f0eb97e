/**
 * What a join sends, bounded when it is queued (spec 7.10 join budget, 11 maxQueuedBytes): the
 * backlog and the away notices fill at most half of the joiner's queue limit, so a newcomer that
 * reads is never dropped for its join and one that never reads holds no more than that; what is
 * never shed (private messages) ends a member that does not read it (SLOW_READER, 11); BANNED
 * refusals are logged and summed up like the others (5.10).
 */
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/chat/server-contract.js';
import { RoomPackets } from '../../src/chat/v2-room-packets.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection } from '../../src/session/v2-client-connection.js';
import { encodeV2Packet } from '../../src/session/v2-codec.js';
import { guardedNet, roomWith } from '../support/feature-net.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { seededRandom } from '../support/seeded-random.js';
import { drainAll, limits, v2 } from './flow-harness.js';

const MiB = 1024 * 1024;
/** A control character: 6 bytes of JSON (\u0001), the costliest a chat text can be. */
const CTRL = '\u0001';
/** The features a newcomer lists here. */
const ALL = ['backlog', 'away', 'rooms'];

/** `count` lines of `chars` control characters in #lobby, said by a member that reads. */
function fillControls(s: ReturnType<typeof v2>, count: number, chars: number) {
  const f = s.join('filler', ALL);
  for (let i = 0; i < count; i++) {
    f.client.say(`${i}:${CTRL.repeat(chars)}`);
    s.net.settle();
    s.drained('filler');
  }
  s.packets('filler');
}

/** A member that finishes the handshake and joins, then never reads again. */
function joinNoRead(s: ReturnType<typeof v2>, name: string) {
  const client = new V2ClientConnection({
    keyAgreement: testKeyAgreement,
    random: seededRandom(`c ${name}`),
    features: ALL,
  });
  const id = s.net.connect(client);
  for (let i = 0; i < 3; i++) s.drained(name, id);
  client.join(name);
  s.net.settle();
  return id;
}

const bytesOf = (packets: readonly V2ServerPacket[]) =>
  packets.reduce((sum, p) => sum + encodeV2Packet(p).length, 0);

const backlogTexts = (packets: readonly V2ServerPacket[]) =>
  packets.flatMap((p) => (p.type === 'backlog' ? p.entries.map((e) => e.text) : []));

const backlogLines = (packets: readonly V2ServerPacket[]) =>
  packets.flatMap((p) => (p.type === 'backlog' ? p.entries.map((e) => Number(e.text?.split(':')[0])) : []));

describe('the join budget: backlog (7.10)', () => {
  it('gives a prompt reader the newest lines that fit half its queue limit, and never drops it (--max-message 10000)', () => {
    // The outsider's case: 19 lines of 9990 control characters are 1.14 MB of backlog, over 1 MiB.
    const s = v2({ ...limits, maxMessage: 10_000, backlog: 20, maxQueuedBytes: MiB });
    fillControls(s, 19, 9990);
    s.join('bob', ALL);
    const got = [...s.packets('bob'), ...drainAll(s, 'bob')];
    expect(s.closed('bob')).toBe(false);
    const lines = backlogLines(got);
    // The newest, in order, as many as fit: one more would not have.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(19);
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => 19 - lines.length + i));
    const backlog = got.filter((p) => p.type === 'backlog');
    const joinBytes = bytesOf(got.filter((p) => p.type === 'join_ok' || p.type === 'backlog'));
    expect(joinBytes).toBeLessThanOrEqual(MiB / 2);
    expect(joinBytes + 9990 * 6).toBeGreaterThan(MiB / 2);
    expect(backlog.at(-1)).toMatchObject({ done: true });
    // Nothing was shed, nothing is said to be missing.
    expect(got.some((p) => p.type === 'error')).toBe(false);
  });

  it('costs at most half the queue limit for a joiner that never reads (--backlog 1000)', () => {
    const s = v2({ ...limits, maxMessage: 2000, backlog: 1000, history: 1000, maxQueuedBytes: MiB });
    fillControls(s, 200, 1990);
    const before = s.server.queuedBytes;
    const sleeper = joinNoRead(s, 'sleeper');
    s.net.settle();
    // 200 lines of 12 kB were 2.4 MB at join; now the server holds at most half a MiB for it.
    expect(s.server.queuedBytes - before).toBeGreaterThan(MiB / 4);
    expect(s.server.queuedBytes - before).toBeLessThanOrEqual(MiB / 2);
    expect(s.net.clients.get(sleeper)!.closed).toBe(false);
  });

  it('counts what the member holds already: two joins in one read share one budget', () => {
    const s = v2({ ...limits, maxQueuedBytes: 65_536, sendWindowBytes: 4096, backlog: 20 });
    const bob = s.join('bob', ALL);
    for (const room of ['#a', '#b']) {
      bob.client.roomJoin(room);
      s.net.settle();
      for (let i = 0; i < 5; i++) {
        bob.client.say(`${i}:${CTRL.repeat(2000)}`, room);
        s.net.settle();
        s.drained('bob');
      }
    }
    // Each room's backlog (60 kB) alone is more than half the limit; ann asks for both at once.
    const ann = s.join('ann', ALL);
    s.packets('ann');
    ann.client.roomJoin('#a');
    ann.client.roomJoin('#b');
    s.net.settle();
    const got = [...s.packets('ann'), ...drainAll(s, 'ann')];
    expect(s.closed('ann')).toBe(false);
    const backlog = got.filter((p) => p.type === 'backlog');
    expect(new Set(backlog.map((p) => p.type === 'backlog' && p.room))).toEqual(new Set(['#a']));
    expect(backlogLines(backlog)).toEqual([3, 4]);
    expect(bytesOf(got)).toBeLessThanOrEqual(32_768);
  });
});

describe('the join budget: away notices (7.10, 7.12)', () => {
  it('sends each with its reason while that fits, then without, then stops; the newcomer stays', () => {
    const s = v2({ ...limits, maxQueuedBytes: 4096, sendWindowBytes: 4096 });
    const names = Array.from({ length: 12 }, (_, i) => `away${String(i).padStart(2, '0')}`);
    for (const name of names) s.join(name, ALL);
    for (const name of names) s.packets(name);
    // 256 emoji: a reason of 1 kB; twelve of them are three times the budget (half of 8192).
    for (const name of names) {
      const member = s.net.clients.get(s.id(name))!.client as V2ClientConnection;
      member.away('\u{1F600}'.repeat(256));
      s.net.settle();
      for (const other of names) drainAll(s, other);
    }
    s.join('new', ALL);
    const got = [...s.packets('new'), ...drainAll(s, 'new')];
    expect(s.closed('new')).toBe(false);
    const away = got.filter((p) => p.type === 'user_away');
    const withReason = away.filter((p) => p.type === 'user_away' && p.reason !== undefined);
    expect(withReason.length).toBeGreaterThan(0);
    expect(withReason.length).toBeLessThan(away.length);
    // Those with reasons first, in the list's order; the rest bare; all within half the limit.
    expect(away.slice(0, withReason.length)).toEqual(withReason);
    expect(away.map((p) => (p.type === 'user_away' ? p.name : ''))).toEqual(names.slice(0, away.length));
    expect(bytesOf(got.filter((p) => p.type === 'join_ok' || p.type === 'user_away'))).toBeLessThanOrEqual(
      4096,
    );
  });
});

describe('what is never shed (11 maxQueuedBytes)', () => {
  it('ends a member that does not read private messages others send it with SLOW_READER', () => {
    const s = v2({ ...limits, maxQueuedBytes: 4096, sendWindowBytes: 4096 });
    const victim = joinNoRead(s, 'victim');
    const pm = s.join('pm', ALL);
    for (let i = 0; i < 20 && !s.net.clients.get(victim)!.closed; i++) {
      pm.client.privateMessage('victim', CTRL.repeat(1000));
      s.net.settle();
      s.drained('pm');
    }
    expect(s.net.clients.get(victim)!.closed).toBe(true);
    expect(s.net.logs.some((l) => l.includes('SLOW_READER'))).toBe(true);
    // The sender, which reads, is not affected.
    expect(s.closed('pm')).toBe(false);
  });
});

describe('BANNED refusals in the log (5.10)', () => {
  it('logs the first in full and sums up the rest when the window ends', () => {
    const opKey = identityFromSeed(Buffer.alloc(32, 21));
    const { net, connect: join } = guardedNet('banned', { moderation: { operators: [opKey.fingerprint] } });
    const connect = (name: string, address: string, key?: typeof opKey) =>
      join(name, { key, address, features: ['client-key', 'moderation', 'whois'] });
    const op = connect('op', '10.0.0.1', opKey);
    connect('anon', '192.0.2.7');
    op.client.whois('anon');
    net.settle();
    const whois = net
      .take(op.id)
      .flatMap((e) => (e.kind === 'packet' && e.packet.type === 'whois_reply' ? [e.packet] : []))[0] as {
      addr?: string;
    };
    op.client.moderate({ type: 'ban', addr: whois.addr!, duration: 600 });
    net.settle();
    net.logs.length = 0;
    for (let i = 0; i < 3; i++) expect(connect(`again${i}`, '192.0.2.7').client.state).toBe('CLOSED');
    expect(net.logs.filter((l) => l.includes('BANNED'))).toEqual([
      expect.stringMatching(/conn \d+: refused: BANNED$/),
    ]);
    net.advance(10_000);
    expect(net.logs.filter((l) => l.includes('BANNED'))).toEqual([
      expect.stringMatching(/refused: BANNED$/),
      expect.stringContaining('refused 2 more connections within 10 s: BANNED'),
    ]);
  });
});

describe('the join budget, exactly (RoomPackets.joinNews, 7.10)', () => {
  const packets = new RoomPackets(LIMITS, false);
  /** ann (1) joins a room where bob is away with a reason, cat without, and three lines were said. */
  const model = () => {
    const room = roomWith([
      ['ann', 0],
      ['bob', 1],
      ['cat', 2],
    ]);
    for (const text of ['one', 'two', 'three']) room.decide(2, { kind: 'say', text, action: false }, 3);
    room.decide(2, { kind: 'away', away: true, reason: 'lunch' }, 4);
    room.decide(3, { kind: 'away', away: true, reason: null }, 4);
    return room;
  };
  const made = (room: ReturnType<typeof model>, left: number, features = ['backlog', 'away']) => {
    const out: Delivery[] = [];
    packets.joinNews(out, 1, room, room.rooms.lobby, 9);
    expect(out).toHaveLength(1);
    const d = out[0];
    if (d.kind !== 'budgeted') throw new Error(`not budgeted: ${d.kind}`);
    return d.make(left, new Set(features)).map((e) => JSON.parse(e.packet.toString()) as V2ServerPacket);
  };
  const size = (ps: readonly V2ServerPacket[]) => bytesOf(ps);
  const bob = { type: 'user_away', name: 'bob', away: true, reason: 'lunch', ts: 9 } as V2ServerPacket;
  const bobBare = { type: 'user_away', name: 'bob', away: true, ts: 9 } as V2ServerPacket;
  const cat = { type: 'user_away', name: 'cat', away: true, ts: 9 } as V2ServerPacket;

  it('sends the backlog then the notices when all fit; who is away, then the lines, then the reasons', () => {
    const all = made(model(), Number.POSITIVE_INFINITY);
    expect(all.map((p) => p.type)).toEqual(['backlog', 'user_away', 'user_away']);
    expect(backlogTexts(all)).toEqual(['one', 'two', 'three']);
    expect(all.slice(1)).toEqual([bob, cat]);
    expect(made(model(), size(all))).toEqual(all);
    // A byte less: bob's reason goes first; less again, the oldest line, and bob's reason is back.
    expect(made(model(), size(all) - 1)).toEqual([all[0], bobBare, cat]);
    const less = made(model(), size(all) - 18);
    expect(backlogTexts(less)).toEqual(['two', 'three']);
    expect(less.slice(1)).toEqual([bob, cat]);
  });

  it('tells who is away before why, and the reasons in turn while they fit', () => {
    expect(made(model(), size([bob, cat]))).toEqual([bob, cat]);
    expect(made(model(), size([bob, cat]) - 1)).toEqual([bobBare, cat]);
    expect(made(model(), size([bobBare, cat]))).toEqual([bobBare, cat]);
    // cat's notice does not fit: what is left over carries bob's reason.
    expect(made(model(), size([bobBare, cat]) - 1)).toEqual([bob]);
    expect(made(model(), size([bob]) - 1)).toEqual([bobBare]);
    expect(made(model(), size([bobBare]) - 1)).toEqual([]);
    expect(made(model(), -100)).toEqual([]);
  });

  it('counts only what the newcomer agreed: without away the backlog has it all, without backlog none', () => {
    const lines = made(model(), Number.POSITIVE_INFINITY, ['backlog']);
    expect(lines.map((p) => p.type)).toEqual(['backlog']);
    expect(made(model(), size(lines), ['backlog'])).toEqual(lines);
    expect(made(model(), Number.POSITIVE_INFINITY, ['away'])).toEqual([bob, cat]);
    expect(made(model(), Number.POSITIVE_INFINITY, [])).toEqual([]);
  });

  it('adds nothing to a join where nobody is away and nothing was said', () => {
    const room = roomWith([
      ['ann', 0],
      ['bob', 1],
    ]);
    const out: Delivery[] = [];
    packets.joinNews(out, 1, room, room.rooms.lobby, 9);
    expect(out).toEqual([]);
  });
});
