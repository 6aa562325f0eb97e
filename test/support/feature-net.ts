/**
 * The setting of the feature tests (backlog, nick, away: spec 7.10-7.12): a v2 server on an
 * in-memory network, clients that join it listing the features they want, and the packets each
 * one got; and a room with members in it, for the same features one layer down (whois too, 7.13).
 * One place for the join setup those tests share.
 */
import { Room } from '../../src/chat/room.js';
import { createRoomGuards, type GuardsConfig } from '../../src/chat/room-guards.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { type Identity, identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, type Limits, V2_NAME_RULES } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from './key-agreement.js';
import { MemoryNet } from './memory-net.js';
import { seededRandom } from './seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 3));

/** A server (its randomness seeded by `label`) with `limits`, and how to join it and read it. */
export function featureNet(label: string, limits: Partial<Limits> = {}) {
  const server = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom(`${label} server`),
    limits,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(server as never);
  /** The packets `id` got since the last call. */
  const packets = (id: number): V2ServerPacket[] =>
    net.take(id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  /** A client that joined as `name`; `first`: what it got up to the end of its join. */
  const join = (name: string, features?: readonly string[]) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`${label} ${name}`),
      features,
    });
    const id = net.connect(client);
    client.join(name);
    net.settle();
    return { client, id, first: packets(id) };
  };
  /**
   * ann and bob, who list `feature`, and old, who does not, joined in that order; what ann and bob
   * heard of the later joins is read, so each starts empty.
   */
  const withAndWithout = (feature: string) => {
    const ann = join('ann', [feature]);
    const bob = join('bob', [feature]);
    const old = join('old');
    packets(ann.id);
    packets(bob.id);
    return { ann, bob, old };
  };
  return { server, net, join, packets, withAndWithout };
}

/**
 * A server with room guards (reserved names, moderation: 7.17, 7.18) from `config`, and how to
 * connect a client: with a key it proves (7.16), from an address, listing features (by default
 * client-key and moderation); it joins as `name` when the server let it in.
 */
export function guardedNet(label: string, config: GuardsConfig) {
  const guards = createRoomGuards(config, V2_NAME_RULES, LIMITS, seededRandom(`${label} secret`));
  const chat = createV2Server({
    keyAgreement: testKeyAgreement,
    identity: identityFromSeed(Buffer.alloc(32, 7)),
    random: seededRandom(`${label} server`),
    guards,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(chat as never);
  let n = 0;
  const connect = (
    name: string,
    {
      key,
      address,
      features = ['client-key', 'moderation'],
    }: { key?: Identity; address?: string; features?: string[] },
  ) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`${label} ${name} ${n++}`),
      features,
      clientKey: key,
    });
    const id = net.connect(client, address);
    if (client.state === 'READY') client.join(name);
    net.settle();
    return { client, id };
  };
  return { chat, net, connect };
}

/**
 * A room with the v2 name rules, where `joins` (name and time in ms, in that order) have joined as
 * connections 1, 2, ...
 */
export function roomWith(
  joins: readonly (readonly [string, number])[],
  limits: Limits = LIMITS,
): Room<number> {
  const room = new Room<number>(V2_NAME_RULES, limits, true);
  for (const [i, [name, at]] of joins.entries()) room.decide(i + 1, { kind: 'join', name }, at);
  return room;
}
