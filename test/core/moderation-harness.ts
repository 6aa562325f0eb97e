/**
 * A v2 server with operators (spec 7.18) over a memory network, for the moderation tests: members
 * join by name with a key, features and an address of their choosing; an operator acts with
 * `act`; what each member got is read with `packets` and `events`, and the server's log lines
 * are kept in `logs`.
 */
import type { ServerAction } from '../../src/chat/chat-server.js';
import { createRoomGuards } from '../../src/chat/room-guards.js';
import { createV2Server } from '../../src/chat/v2-dialect.js';
import { identityFromSeed } from '../../src/crypto/identity.js';
import { LIMITS, type Limits, V2_NAME_RULES } from '../../src/generated/constants.js';
import type { V2ServerPacket } from '../../src/generated/v2-packets.js';
import { V2ClientConnection, type V2ClientConnectionEvent } from '../../src/session/v2-client-connection.js';
import { testKeyAgreement } from '../support/key-agreement.js';
import { MemoryNet } from '../support/memory-net.js';
import { seededRandom } from '../support/seeded-random.js';

const identity = identityFromSeed(Buffer.alloc(32, 7));
export const opKey = identityFromSeed(Buffer.alloc(32, 21));
export const trollKey = identityFromSeed(Buffer.alloc(32, 22));
export const ALL = ['client-key', 'moderation', 'whois'];

export function server(extra: { opsSeeAddresses?: boolean; limits?: Partial<Limits> } = {}) {
  const { limits, ...moderation } = extra;
  const guards = createRoomGuards(
    { moderation: { operators: [opKey.fingerprint], ...moderation } },
    V2_NAME_RULES,
    { ...LIMITS, ...limits },
    seededRandom('secret'),
  );
  const chat = createV2Server({
    keyAgreement: testKeyAgreement,
    identity,
    random: seededRandom('server'),
    guards,
  });
  const net = new MemoryNet<V2ClientConnectionEvent>(chat as never);
  const logs: string[] = [];
  const members = new Map<string, { client: V2ClientConnection; id: number }>();
  const origApply = net.apply.bind(net);
  net.apply = (actions: ServerAction[]) => {
    for (const a of actions) if (a.kind === 'log') logs.push(a.message);
    origApply(actions);
  };
  let n = 0;
  const join = (
    name: string,
    /** `address: null`: a connection whose address the server does not know. */
    opts: { key?: typeof opKey; features?: readonly string[]; address?: string | null } = {},
  ) => {
    const client = new V2ClientConnection({
      keyAgreement: testKeyAgreement,
      random: seededRandom(`c ${name} ${n++}`),
      features: opts.features ?? ALL,
      clientKey: opts.key,
    });
    const id = net.connect(client, opts.address === null ? undefined : (opts.address ?? `10.0.0.${n}`));
    if (client.state === 'READY') client.join(name);
    net.settle();
    members.set(name, { client, id });
    return { client, id };
  };
  const packets = (name: string): V2ServerPacket[] =>
    net.take(members.get(name)!.id).flatMap((e) => (e.kind === 'packet' ? [e.packet] : []));
  const events = (name: string) => net.take(members.get(name)!.id);
  const act = (name: string, request: Parameters<V2ClientConnection['moderate']>[0]) => {
    members.get(name)!.client.moderate(request);
    net.settle();
  };
  return { chat, net, logs, join, packets, events, act, members };
}

export const errorOf = (events: readonly V2ClientConnectionEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'error'
      ? [e.error.code]
      : e.kind === 'packet' && e.packet.type === 'error'
        ? [e.packet.code]
        : [],
  );
