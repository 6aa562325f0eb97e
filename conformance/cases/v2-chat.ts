import type { Case } from '../case.js';
import { packetText, pkt, quote, texts, tr } from '../spec-text.js';
import { barrier, expectNotice, isText, joinAll, tag } from './v2-steps.js';

export const v2ChatCases: Case[] = [
  {
    id: 'v2-chat/7.3/1',
    section: '7.3',
    profile: 'v2',
    level: 'MUST',
    description: 'Every joined client, the sender included, gets each line exactly once, in order, stamped',
    specText: packetText('v2', 'message'),
    covers: [
      pkt('v2', 'say'),
      pkt('v2', 'message'),
      tr('v2/server', 'JOINED', 'say'),
      tr('v2/client', 'JOINED', 'send:say'),
      tr('v2/client', 'JOINED', 'message'),
    ],
    accepts: [
      'each of three clients sees the five lines once each, in order, from the sender, with increasing ids',
    ],
    async run(ctx) {
      const clients = await joinAll(ctx, 'fanA', 'fanB', 'fanC');
      const [a] = clients;
      const lines = Array.from({ length: 5 }, (_, i) => ctx.line(`line ${i + 1} ${tag()}`));
      a.send(...lines.map((text) => ({ type: 'say', text })));
      const seen = await barrier(ctx, a, clients);
      seen.forEach((packets, i) => {
        const got = packets.filter((p) => p.type === 'message' && p.from === a.name);
        const texts = got.map((p) => (p.type === 'message' ? p.text : ''));
        ctx.check(
          texts.join('\n') === lines.join('\n'),
          `${lines.length} lines once each, in order`,
          `${clients[i].conn.label} got ${JSON.stringify(texts)}`,
        );
        const ids = got.map((p) => (p.type === 'message' ? p.id : 0));
        ctx.check(
          ids.every((id, k) => k === 0 || id > ids[k - 1]),
          'increasing ids',
          `ids ${ids.join(', ')}`,
        );
      });
    },
  },
  {
    id: 'v2-chat/7.3/2',
    section: '7.3',
    profile: 'v2',
    level: 'MUST',
    description: 'Lines from two senders reach every client in the same order',
    specText: packetText('v2', 'message'),
    covers: [],
    accepts: ['three clients see the ten lines in one and the same order'],
    async run(ctx) {
      const clients = await joinAll(ctx, 'ordA', 'ordB', 'ordC');
      const [a, b] = clients;
      const linesA = Array.from({ length: 5 }, (_, i) => ctx.line(`a${i} ${tag()}`));
      const linesB = Array.from({ length: 5 }, (_, i) => ctx.line(`b${i} ${tag()}`));
      const all = new Set([...linesA, ...linesB]);
      a.send(...linesA.map((text) => ({ type: 'say', text })));
      b.send(...linesB.map((text) => ({ type: 'say', text })));
      const orders = await Promise.all(
        clients.map(async (c) => {
          const got: string[] = [];
          await ctx.attempt('all ten lines', `at ${c.conn.label}`, () =>
            c.until(
              (p) => p.type === 'message' && all.has(p.text) && got.push(p.text) === all.size,
              'all ten lines',
            ),
          );
          return got;
        }),
      );
      const first = orders[0].join('\n');
      orders.forEach((o, i) => {
        ctx.check(
          o.join('\n') === first,
          'one order for everyone',
          `${clients[i].conn.label} saw ${o.join(' | ')}; ${clients[0].conn.label} saw ${orders[0].join(' | ')}`,
        );
      });
      ctx.check(
        orders[0].filter((t) => linesA.includes(t)).join() === linesA.join() &&
          orders[0].filter((t) => linesB.includes(t)).join() === linesB.join(),
        "each sender's lines in the order sent",
        orders[0].join(' | '),
      );
    },
  },
  {
    id: 'v2-chat/7.3/3',
    section: '7.3',
    profile: 'v2',
    level: 'MUST',
    description:
      'A say claiming another sender (extra "from" field) is refused or stamped with the real name',
    specText: texts(quote('7', 'The server is the authority for sender names'), packetText('v2', 'message')),
    covers: [],
    accepts: ['error PACKET_MALFORMED (fatal) and the close', 'a message whose from is the real sender'],
    async run(ctx) {
      const [mallory, victim] = await joinAll(ctx, 'mallory', 'victim');
      const text = ctx.line(`impersonation ${tag()}`);
      mallory.send({ type: 'say', text, from: victim.name });
      const seen = await mallory.drain(ctx.timeout);
      const echo = seen.packets.find(isText('message', text));
      const error = seen.packets.find((p) => p.type === 'error');
      if (echo && echo.type === 'message') {
        if (echo.from !== mallory.name)
          ctx.fail(
            `from "${mallory.name}"`,
            `the line went out from "${echo.from}": the server took the sender from the packet`,
          );
        ctx.note('stamped with the real name');
        return;
      }
      if (error?.type === 'error' && error.code === 'PACKET_MALFORMED')
        return ctx.note('refused: PACKET_MALFORMED');
      ctx.fail(
        'PACKET_MALFORMED or a line stamped with the real name',
        error?.type === 'error' ? `error ${error.code}` : 'nothing',
      );
    },
  },
  {
    id: 'v2-chat/7.3/4',
    section: '7.3',
    profile: 'v2',
    level: 'MUST',
    description: 'Texts longer than maxMessage get MESSAGE_TOO_LONG (not fatal) and go nowhere',
    specText: quote('11', 'Longer text gets MESSAGE_TOO_LONG'),
    covers: [tr('v2/client', 'JOINED', 'error', 'nonfatal')],
    accepts: [
      'error MESSAGE_TOO_LONG (fatal: false) for say, me and msg; a maxMessage-long line is delivered',
    ],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'long', 'peer');
      const max = a.limits.maxMessage;
      if (max + 512 > a.limits.maxFrame)
        return ctx.fail(
          'a maxMessage that fits in maxFrame',
          `maxMessage ${max} does not fit a ${a.limits.maxFrame}-byte frame`,
          'MAY',
        );
      const long = 'x'.repeat(max + 1);
      for (const packet of [
        { type: 'say', text: long },
        { type: 'me', text: long },
        { type: 'msg', to: b.name, text: long },
      ]) {
        a.send(packet);
        await expectNotice(ctx, a, 'MESSAGE_TOO_LONG', `a ${packet.type} of ${max + 1} characters`);
      }
      const fits = max > 6 ? `${tag()}${'y'.repeat(max - 6)}` : ctx.line(`fits ${tag()}`);
      a.send({ type: 'say', text: fits });
      const [seenByB] = await barrier(ctx, a, [b]);
      ctx.check(
        seenByB.some(isText('message', fits)),
        `the ${max}-character line delivered`,
        'it was not delivered',
      );
      ctx.check(
        !seenByB.some((p) => 'text' in p && p.text === long),
        'the long texts delivered nowhere',
        'the other client got one',
      );
    },
  },
];
