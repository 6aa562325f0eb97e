/**
 * v2 chat cases on private messages and actions (spec 7.4, 7.5).
 *
 * How this works: three clients join under names unique to the run; after the message under test,
 * the sender says a marker line, and what each client got before the marker is exactly what the
 * message caused (a server delivers each client's packets in order).
 */
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import type { Case } from '../case.js';
import { packetText, pkt, quote, texts, tr, transition } from '../spec-text.js';
import { barrier, expectNotice, isText, joinAll, tag } from './v2-steps.js';

export const v2PrivateCases: Case[] = [
  {
    id: 'v2-chat/7.4/1',
    section: '7.4',
    profile: 'v2',
    level: 'MUST',
    description: 'A private message reaches its target and its sender, and nobody else',
    specText: packetText('v2', 'private'),
    covers: [
      pkt('v2', 'msg'),
      pkt('v2', 'private'),
      tr('v2/server', 'JOINED', 'msg'),
      tr('v2/client', 'JOINED', 'send:msg'),
      tr('v2/client', 'JOINED', 'private'),
    ],
    accepts: ['one private at the target and one at the sender, none at the third client'],
    async run(ctx) {
      const [a, b, c] = await joinAll(ctx, 'privA', 'privB', 'privC');
      const text = ctx.line(`for your eyes only ${tag()}`);
      a.send({ type: 'msg', to: b.name, text });
      const [atA, atB, atC] = await barrier(ctx, a, [a, b, c]);
      const count = (ps: V2ServerPacket[]) => ps.filter(isText('private', text)).length;
      ctx.check(count(atB) === 1, 'one private at the target', `the target got ${count(atB)}`);
      ctx.check(count(atA) === 1, 'one echo at the sender', `the sender got ${count(atA)}`);
      ctx.check(
        count(atC) === 0,
        'nothing at the third client',
        `${count(atC)} private(s) leaked to the third client`,
      );
      const got = atB.find(isText('private', text));
      if (got?.type === 'private')
        ctx.check(
          got.from === a.name && got.to === b.name,
          `from ${a.name} to ${b.name}`,
          `from ${got.from} to ${got.to}`,
        );
    },
  },
  {
    id: 'v2-chat/7.4/2',
    section: '7.4',
    profile: 'v2',
    level: 'MUST',
    description: 'A private message to nobody gets NO_SUCH_USER (not fatal)',
    specText: texts(
      transition('v2/server', 'JOINED', 'msg'),
      quote('12', 'A private message names a user who is not'),
    ),
    covers: [],
    accepts: ['error NO_SUCH_USER with fatal: false; the connection stays'],
    async run(ctx) {
      const [a] = await joinAll(ctx, 'lonely');
      a.send({ type: 'msg', to: `nobody${tag()}`, text: ctx.line('hello?') });
      await expectNotice(ctx, a, 'NO_SUCH_USER', 'a msg to a name nobody has');
      if (!(await a.alive())) ctx.fail('the connection stays', 'no pong after NO_SUCH_USER');
    },
  },
  {
    id: 'v2-chat/7.4/3',
    section: '7.4',
    profile: 'v2',
    level: 'MUST',
    description: 'The target of a private message is found case-insensitively',
    specText: quote('7.2', 'same name when they share a key'),
    covers: [],
    accepts: ["a private at the target, with to = the target's own spelling"],
    async run(ctx) {
      const [a, b] = await joinAll(ctx, 'caseA', 'caseB');
      const text = ctx.line(`case ${tag()}`);
      a.send({ type: 'msg', to: b.name!.toUpperCase(), text });
      const { packet } = await ctx.attempt(
        'the private at the target',
        'after a msg to the upper-cased name',
        () => b.until(isText('private', text), 'the private'),
      );
      if (packet.type === 'private')
        ctx.check(packet.to === b.name, `to "${b.name}"`, `to "${packet.to}"`, 'SHOULD');
    },
  },
  {
    id: 'v2-chat/7.5/1',
    section: '7.5',
    profile: 'v2',
    level: 'MUST',
    description: 'An action reaches every joined client once, stamped with the sender',
    specText: packetText('v2', 'action'),
    covers: [
      pkt('v2', 'me'),
      pkt('v2', 'action'),
      tr('v2/server', 'JOINED', 'me'),
      tr('v2/client', 'JOINED', 'send:me'),
      tr('v2/client', 'JOINED', 'action'),
    ],
    accepts: ['one action at each client, from the sender'],
    async run(ctx) {
      const clients = await joinAll(ctx, 'actA', 'actB');
      const text = ctx.line(`waves ${tag()}`);
      clients[0].send({ type: 'me', text });
      const seen = await barrier(ctx, clients[0], clients);
      seen.forEach((ps, i) => {
        const got = ps.filter(isText('action', text));
        ctx.check(
          got.length === 1,
          'one action at each client',
          `${clients[i].conn.label} got ${got.length} actions`,
        );
        if (got[0]?.type === 'action')
          ctx.check(got[0].from === clients[0].name, `from ${clients[0].name}`, `from ${got[0].from}`);
      });
    },
  },
];
