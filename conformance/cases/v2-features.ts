/**
 * v2 version rule cases (spec 5.8): the features lists in the hellos.
 *
 * How this works: the suite's client lists no features unless a case asks, so by default it is a
 * 2.0 client, and the driver refuses any packet of a feature the hellos did not agree (v2-driver.ts)
 * in every case, not only here. These cases check the rule itself: a client without a list is
 * served unchanged, names the server does not know are ignored, a malformed list is refused, and a
 * whole chat session of a client without a list carries no feature packet.
 */
import { V2_FEATURE_NAMES, V2_PACKET_FEATURE } from '../../src/generated/v2-packets.js';
import type { Case, CaseContext } from '../case.js';
import { acceptsV2, expectV2Rejection } from '../expect.js';
import { pkt, quote, texts } from '../spec-text.js';
import type { V2Session } from '../v2-driver.js';
import { barrier, joinedWith, offeredFeatures, tag } from './v2-steps.js';

const UNKNOWN = ['zz-not-a-feature', 'x9-later'];

/** Says a line from `from` and waits for it at `to`. */
async function roundTrip(ctx: CaseContext, from: V2Session, to: V2Session): Promise<void> {
  const text = ctx.line(`features ${tag()}`);
  from.send({ type: 'say', text });
  await ctx.attempt(`the line "${text}"`, 'after a handshake with features', () =>
    to.until((p) => p.type === 'message' && p.text === text, 'the chat line'),
  );
}

const offeredText = (offered: readonly string[] | undefined) =>
  offered?.length ? `the server offers ${offered.join(', ')}` : 'the server offers no feature';

export const v2FeatureCases: Case[] = [
  {
    id: 'v2-handshake/5.8/1',
    section: '5.8',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that lists no features (a 2.0 client) is served as before',
    specText: texts(
      quote('5.8', 'A missing `features` field means the empty list'),
      quote('5.8', 'a 2.1 client talks to a 2.0 server unchanged'),
    ),
    covers: [pkt('v2', 'client_hello'), pkt('v2', 'server_hello')],
    accepts: ['server_auth, join_ok, the chat line and user list for a client_hello without `features`'],
    async run(ctx) {
      const a = await joinedWith(ctx, 'plain20a');
      const b = await joinedWith(ctx, 'plain20b');
      await roundTrip(ctx, a, b);
      const users = await ctx.attempt('a user list', 'asking who is here', () => b.who());
      ctx.check(users.includes(a.name!), `${a.name} in the user list`, `the list is ${users.join(', ')}`);
      ctx.note(offeredText(a.serverHello!.features));
    },
  },
  {
    id: 'v2-handshake/5.8/2',
    section: '5.8',
    profile: 'v2',
    level: 'MUST',
    description: 'Feature names the server does not know are ignored, and what both list is agreed',
    specText: texts(
      quote('5.8', 'A name a peer does not know is ignored'),
      quote('5.8', 'A feature is agreed on a connection when both hellos list it'),
    ),
    covers: [pkt('v2', 'client_hello')],
    accepts: [
      'server_auth and a working session for a client_hello that lists unknown names next to the offered ones',
      'nothing to check when the server offers no feature (a client lists none then)',
    ],
    async run(ctx) {
      const offered = await offeredFeatures(ctx);
      if (offered.length === 0) {
        ctx.note(
          'the server offers no feature: a client sends it no list (5.8), so there is nothing to ignore',
        );
        return;
      }
      const listed = [UNKNOWN[0], ...offered, UNKNOWN[1]];
      const a = await ctx.attempt('server_auth', `a client_hello listing ${listed.join(', ')}`, () =>
        joinedWith(ctx, 'featuresa', listed),
      );
      const b = await joinedWith(ctx, 'featuresb');
      await roundTrip(ctx, a, b);
      await roundTrip(ctx, b, a);
      ctx.note(`${offeredText(offered)}; agreed ${[...a.features].join(', ')}`);
    },
  },
  {
    id: 'v2-handshake/5.8/3',
    section: '5.8',
    profile: 'v2',
    level: 'MUST',
    description: 'A features list that names a feature twice is refused',
    specText: quote('5.8', 'A list that breaks these rules is PACKET_MALFORMED'),
    covers: [pkt('v2', 'client_hello')],
    accepts: acceptsV2([], false),
    async run(ctx) {
      const v2 = await ctx.v2Connect('features twice');
      const offered = (await v2.readServerHello()).features ?? [];
      const name = offered[0] ?? 'nick';
      v2.conn.write(v2.clientHello({ extra: { features: [name, name] } }).frame);
      await expectV2Rejection(ctx, v2, ['PACKET_MALFORMED'], `a features list naming ${name} twice`);
    },
  },
  {
    id: 'v2-handshake/5.8/4',
    section: '5.8',
    profile: 'v2',
    level: 'MUST',
    description: 'A client that lists no features gets no packet of any feature, whatever the room does',
    specText: quote('5.8', 'is sent only on a connection where that feature is agreed'),
    covers: [],
    accepts: [
      'joins, lines, actions, a private message, the user list, an export and a leave, none with a packet of a feature',
    ],
    async run(ctx) {
      // The other member lists everything the server offers, so that the room has every reason
      // to send feature packets; the plain member must still get none (the driver checks each one).
      const plain = await joinedWith(ctx, 'plainfeat');
      const probe = await ctx.v2Connect('features offer');
      const offered = (await probe.readServerHello()).features ?? [];
      probe.conn.destroy();
      const rich = await joinedWith(ctx, 'richfeat', offered);
      rich.send(
        { type: 'say', text: ctx.line(`line ${tag()}`) },
        { type: 'me', text: ctx.line(`waves ${tag()}`) },
        { type: 'msg', to: plain.name!, text: ctx.line(`private ${tag()}`) },
      );
      plain.send({ type: 'who' }, { type: 'export' });
      await barrier(ctx, rich, [plain]);
      rich.send({ type: 'goodbye' });
      await ctx.attempt('user_left for the member who left', 'after a goodbye', () =>
        plain.until(
          (p) =>
            (p.type === 'user_left' && p.name === rich.name) ||
            (p.type === 'users_left' && p.names.includes(rich.name!)),
          'the leave notice',
        ),
      );
      const gated = Object.keys(V2_PACKET_FEATURE);
      ctx.note(
        `${offeredText(offered)}; feature packets in this spec: ${gated.length ? gated.join(', ') : 'none'}` +
          ` (features: ${V2_FEATURE_NAMES.join(', ') || 'none'})`,
      );
    },
  },
];
