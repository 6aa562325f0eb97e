/**
 * Planted faults for the client-key cases (spec 7.16), part of the broken-servers set
 * (broken-servers.ts takes them in). Each runs the reference server offering every feature of the
 * spec, client-key included, with one flaw in how it takes a client's proof or shows keys.
 *
 * How this works: the proof is checked by each connection's endpoint (v2-server-connection.ts), so
 * most faults shadow that endpoint's own method for one server's endpoints (onEachEndpoint): a
 * check skipped, a transcript taken from another connection, the server's context accepted, the
 * proof's place not enforced. The leak and the lost key shadow the dialect's rendering (onRender).
 * The faults of reserved names and moderation (7.17, 7.18) run on a guarded server (GUARDED:
 * names reserved, the suite's operator listed, the suite told the flags) and shadow one method of
 * that server's own guards (onGuards): a reservation ignored, everyone an operator, a key ban or
 * an address ban not enforced.
 */
import type { SuiteOptions } from '../../conformance/case.js';
import { SUITE_OPERATOR_FINGERPRINT, SUITE_RESERVATIONS } from '../../conformance/cases/v2-keys.js';
import type { RunningServer, ServerOptions } from '../../reference-server/server.js';
import { fingerprintOf, verifyTranscript } from '../../src/crypto/identity.js';
import { parleyError } from '../../src/errors.js';
import { V2_FEATURE_NAMES } from '../../src/generated/v2-packets.js';
import { unb64 } from '../../src/session/v2-codec.js';
import type { Planted } from './fault.js';
import { type Any, onEachEndpoint, onRender } from './planting.js';

/** A fault as broken-servers.ts plants it: every one here is of the v2 profile. */
export type KeyFault = Planted & { readonly profile: 'v2' };

/** Every feature of the spec offered, client-key among them. */
export const ALL_FEATURES: Partial<ServerOptions> = { features: V2_FEATURE_NAMES };

/**
 * Every feature, names reserved and the suite's operator listed (7.17, 7.18): what `--reserve-names`
 * and `--op` give a server started by --server-cmd, here in-process.
 */
export const GUARDED: Partial<ServerOptions> = {
  ...ALL_FEATURES,
  guards: { reservations: {}, moderation: { operators: [SUITE_OPERATOR_FINGERPRINT] } },
};

/** The suite told that the server was started with the flags of GUARDED (Case.serverArgs). */
export const GUARDED_SUITE: Partial<SuiteOptions> = {
  serverArgs: ['--op', SUITE_OPERATOR_FINGERPRINT, '--reserve-names', SUITE_RESERVATIONS],
};

/** Rewrites each packet delivery (a send or a broadcast) the dialect renders: `edit` gives the one to queue. */
function onPacketDeliveries(server: RunningServer, edit: (delivery: Any) => Any): RunningServer {
  return onRender(server, (original) =>
    original().map((d: Any) => (d.kind === 'broadcast' || d.kind === 'send' ? edit(d) : d)),
  );
}

/** Patches the room guards (reservations, moderation) of this one server (room-guards.ts). */
function onGuards(server: RunningServer, patch: (guards: Any) => void): RunningServer {
  const guards = (server.chat as Any).room?.guards;
  if (!guards?.moderation || !guards.reservations) throw new Error('no guards to plant a fault in');
  patch(guards);
  return server;
}

/** A `message` packet without its `key`; any other packet as it is. */
function keyless(bytes: Buffer): Buffer {
  const packet = JSON.parse(bytes.toString('utf8'));
  if (packet.type !== 'message' || packet.key === undefined) return bytes;
  const { key: _key, ...bare } = packet;
  return Buffer.from(JSON.stringify(bare));
}

/** Replaces each endpoint's check of client_auth: `check(endpoint, packet, first, original)`. */
function onClientAuth(
  server: Any,
  check: (
    endpoint: Any,
    packet: Any,
    first: boolean,
    original: (packet: Any, first: boolean) => void,
  ) => void,
): Any {
  return onEachEndpoint(server, (endpoint) => {
    const original = endpoint.handleClientAuth.bind(endpoint);
    endpoint.handleClientAuth = (packet: Any, first: boolean) => check(endpoint, packet, first, original);
  });
}

/** Records the key as proved, as the real check does on success. */
function accept(endpoint: Any, packet: Any): void {
  endpoint.admit('client_auth');
  endpoint.provenKey = unb64(packet.key);
  endpoint.provenFingerprint = fingerprintOf(endpoint.provenKey);
}

export const KEY_FAULTS: readonly KeyFault[] = [
  {
    name: 'takes any client signature',
    profile: 'v2',
    fault: "client_auth is never verified: anyone may claim anyone's key (7.16)",
    caughtBy: 'v2-chat/7.16/1',
    server: ALL_FEATURES,
    plant: (server) =>
      onClientAuth(server, (endpoint, packet, first, original) => {
        if (!first) return original(packet, first);
        accept(endpoint, packet);
      }),
  },
  {
    name: 'takes a client proof made for another connection',
    profile: 'v2',
    fault:
      "a client signature over any recent connection's transcript is accepted: a proof can be replayed (7.16)",
    caughtBy: 'v2-chat/7.16/2',
    server: ALL_FEATURES,
    plant(server) {
      const seen: Buffer[] = [];
      return onClientAuth(server, (endpoint, packet, first, original) => {
        if (endpoint.th) seen.push(endpoint.th);
        try {
          original(packet, first);
        } catch (err) {
          const sig = unb64(packet.sig);
          if (!first || !seen.some((th) => verifyTranscript(unb64(packet.key), th, sig, 'client'))) throw err;
          accept(endpoint, packet);
        }
      });
    },
  },
  {
    name: "takes a client proof signed under the server's context",
    profile: 'v2',
    fault:
      'client_auth verifies under either context, so a server_auth signature could pass for a client (7.16)',
    caughtBy: 'v2-chat/7.16/2',
    server: ALL_FEATURES,
    plant: (server) =>
      onClientAuth(server, (endpoint, packet, first, original) => {
        const th = endpoint.th;
        try {
          original(packet, first);
        } catch (err) {
          if (!first || !th || !verifyTranscript(unb64(packet.key), th, unb64(packet.sig), 'server'))
            throw err;
          accept(endpoint, packet);
        }
      }),
  },
  {
    name: 'takes client_auth at any time',
    profile: 'v2',
    fault: 'a client_auth after join (or a second one) is taken, not PACKET_UNEXPECTED (7.16)',
    caughtBy: 'v2-chat/7.16/3',
    server: ALL_FEATURES,
    plant(server) {
      return onEachEndpoint(server, (endpoint) => {
        // Keeps TH for the whole connection, and lets every client_auth count as the first.
        let kept: Buffer | null = null;
        Object.defineProperty(endpoint, 'th', {
          get: () => kept,
          set: (v: Buffer | null) => {
            if (v) kept = v;
          },
        });
        const original = endpoint.handleClientAuth.bind(endpoint);
        endpoint.handleClientAuth = (packet: Any) => {
          try {
            original(packet, true);
          } catch (err) {
            if ((err as { code?: string }).code !== 'PACKET_UNEXPECTED') throw err;
          }
        };
      });
    },
  },
  {
    name: 'demands a key of every client-key connection',
    profile: 'v2',
    fault: 'a client that agreed client-key must send client_auth before join: anonymity costs a step (7.16)',
    caughtBy: 'v2-chat/7.16/4',
    server: ALL_FEATURES,
    plant: (server) =>
      onEachEndpoint(server, (endpoint) => {
        const admit = endpoint.admit.bind(endpoint);
        endpoint.admit = (type: string) => {
          if (type === 'join' && endpoint.features.has('client-key') && !endpoint.clientKey)
            throw parleyError('PACKET_UNEXPECTED', 'prove a key first');
          admit(type);
        };
      }),
  },
  {
    name: 'shows keys to 2.0 clients',
    profile: 'v2',
    fault: 'every chat line carries a `key`, also on connections that did not agree client-key (7.16)',
    caughtBy: 'v2-chat/7.16/6',
    server: ALL_FEATURES,
    plant: (server) =>
      onPacketDeliveries(server, (d) => {
        const packet = JSON.parse(d.packet.toString('utf8'));
        if (packet.type !== 'message') return d;
        return { ...d, packet: Buffer.from(JSON.stringify({ ...packet, key: 'AAAAAAAAAAAA' })) };
      }),
  },
  {
    name: "drops a keyed member's key from its lines",
    profile: 'v2',
    fault: "a keyed member's chat lines carry no `key`: nobody can tell its lines from an impostor's (7.16)",
    caughtBy: 'v2-chat/7.16/5',
    server: ALL_FEATURES,
    plant: (server) =>
      onPacketDeliveries(server, (d) => {
        // The keyed form of a line is one of its `forms` (for members that agreed client-key).
        const forms = d.forms?.map((f: Any) => ({ ...f, packet: keyless(f.packet) }));
        return { ...d, packet: keyless(d.packet), ...(forms ? { forms } : {}) };
      }),
  },
  {
    name: 'lets anyone take a reserved name',
    profile: 'v2',
    fault: 'a reserved name is given to an anonymous client or another key, without its owner key (7.17)',
    caughtBy: 'v2-chat/7.17/1',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        guards.reservations.refuses = () => false;
      }),
  },
  {
    name: 'lets a member who is not an operator moderate',
    profile: 'v2',
    fault: 'every keyed member counts as an operator: anyone may kick, ban, mute or set the motd (7.18)',
    caughtBy: 'v2-chat/7.18/1',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        guards.moderation.isOperator = (fingerprint: string | null) => fingerprint !== null;
      }),
  },
  {
    name: 'lets a banned key back in by reconnecting',
    profile: 'v2',
    fault: 'a key ban removes the member once, but its client_auth on a new connection is taken (7.18)',
    caughtBy: 'v2-chat/7.18/2',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        const bannedBy = guards.moderation.bannedBy.bind(guards.moderation);
        guards.moderation.bannedBy = (who: Any, now: number) =>
          bannedBy({ fingerprint: null, addr: who.addr }, now);
      }),
  },
  {
    name: 'lets a banned address back in by reconnecting',
    profile: 'v2',
    fault:
      'an address ban removes the member once, but a new connection from that address is served and joins (7.18)',
    caughtBy: 'v2-chat/7.18/3',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        const bannedBy = guards.moderation.bannedBy.bind(guards.moderation);
        guards.moderation.bannedBy = (who: Any, now: number) =>
          bannedBy({ fingerprint: who.fingerprint, addr: null }, now);
      }),
  },
  {
    name: "lets a muted member's topic, nick and away reason through",
    profile: 'v2',
    fault:
      'a mute covers say and me only: the muted member still sets topics, renames and gives away reasons (7.18)',
    caughtBy: 'v2-chat/7.18/4',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant(server) {
      // The room asks the moderation state while it decides; for these three, it hears "not muted".
      const room = (server.chat as Any).room;
      const decide = room.decide.bind(room);
      room.decide = (by: Any, request: Any, now: number) => {
        if (!['topic', 'nick', 'away'].includes(request.kind)) return decide(by, request, now);
        const moderation = room.guards.moderation;
        const muted = moderation.muted;
        moderation.muted = () => false;
        try {
          return decide(by, request, now);
        } finally {
          moderation.muted = muted;
        }
      };
      return server;
    },
  },
  {
    name: "unmutes a keyed member's key only",
    profile: 'v2',
    fault:
      "an unmute by name lifts the mute of the member's key only: the address mute that covers it stays, and the keyed member stays muted (7.18)",
    caughtBy: 'v2-chat/7.18/6',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        // The 2.2 server's unmute: only the mute of the target a ban by name would take.
        const unmuteCovering = guards.moderation.unmuteCovering.bind(guards.moderation);
        guards.moderation.unmuteCovering = (who: Any, room: Any, now: number) =>
          unmuteCovering(
            who.fingerprint === null ? who : { fingerprint: who.fingerprint, addr: null },
            room,
            now,
          );
      }),
  },
  {
    name: 'takes a mute for a room that does not exist',
    profile: 'v2',
    fault:
      'a mute naming a room nobody is in is made (a room that does not exist has nothing to mute), not NO_SUCH_ROOM (7.18)',
    caughtBy: 'v2-chat/7.18/5',
    server: GUARDED,
    options: GUARDED_SUITE,
    plant: (server) =>
      onGuards(server, (guards) => {
        // Every room name finds a room while a mute is decided: #lobby stands in for the missing one.
        const moderate = guards.moderate;
        guards.moderate = (room: Any, by: Any, request: Any, now: number) => {
          const find = room.rooms.find;
          room.rooms.find = (keys: readonly string[]) => find.call(room.rooms, keys) ?? room.rooms.lobby;
          try {
            return moderate(room, by, request, now);
          } finally {
            room.rooms.find = find;
          }
        };
      }),
  },
];
