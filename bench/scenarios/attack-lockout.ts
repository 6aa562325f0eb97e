/**
 * attack lockout (issue 15, item 4): an attacker takes every free slot with connections that
 * never finish the handshake, and reopens each one the moment the server closes it. Newcomers
 * arrive one by one over the attack, each from an address of its own: how many of them join?
 *
 * Four variants, so that the per-address limits (spec 11: maxPerAddress, maxAddressesPerPrefix,
 * addressHandshakeBurst, addressHandshakesPerSecond) and the eviction of connections that have not
 * joined (11.2) are measured rather than assumed:
 * - `lockout`: one attacking address (127.0.0.2), the server's default per-address limits;
 * - `lockout-spread`: as many addresses as it takes to fill maxClients within maxPerAddress
 *   (127.0.0.2, 127.0.0.3, ...: the whole of 127.0.0.0/8 routes to the loopback on Linux; one
 *   /24, as a hosting customer holds), default limits: what an attacker with a few hundred
 *   addresses of one network still does (newcomers come from another network);
 * - `lockout-networks`: as many addresses as it takes to fill maxClients within maxPerAddress and
 *   maxAddressesPerPrefix, spread over as many /24s as that takes (127.0.1.2-127.0.1.17,
 *   127.0.2.2-...: 8 networks with the defaults), default limits: an attacker no per-network limit
 *   stops, which only 11.2 (a full server closes its oldest connection not joined) holds off;
 * - `lockout-lifted`: the same addresses with the per-address limits lifted (the bench's own
 *   setting for the other attacks): the server as it was before the limits existed.
 * The server keeps its default handshake timeout (10 s), so the attack lasts at least two of them:
 * every held slot is freed and retaken twice. (A shorter timeout helps the newcomers: each freed
 * slot stays free for as long as the attacker takes to reopen, and a shorter timeout frees slots
 * more often.)
 */
import { connect, type Socket } from 'node:net';
import { LIMITS } from '../../src/generated/constants.js';
import { ParleyClient } from '../load-client.js';
import { type AttackPlan, pause, SERVER_DEFAULTS } from './attack-kit.js';

const NEWCOMERS = 20;
/** A bound on reopened connections, whatever the server does. */
const MAX_REOPENS = 50000;
/** A close this soon after the connect is a refusal at accept (5.10), not a handshake timeout. */
const REFUSED_WITHIN_MS = 1000;

/** The n-th loopback address, n >= 1 (1 is 127.0.0.1). */
export function loopbackAddress(n: number): string {
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Newcomers connect from 127.1.1.1, 127.1.2.1, ...: none shares an address or a /24 with anyone. */
const NEWCOMER_BASE = 1 << 16;

/** The per-address limits as the spec's defaults set them, restated so that they win over the bench's lifted ones. */
const DEFAULT_ADDRESS_FLAGS = [
  '--max-per-address',
  String(LIMITS.maxPerAddress),
  '--max-prefix-addresses',
  String(LIMITS.maxAddressesPerPrefix),
  '--address-burst',
  String(LIMITS.addressHandshakeBurst),
  '--address-rate',
  String(LIMITS.addressHandshakesPerSecond),
];

/** Where the attacker's connections come from (see the variants above). */
type Spread = 'one' | 'prefix' | 'networks';

/** The attacker's a-th address (a from 0): 127.0.0.2 on; with `networks`, 127.0.1.2 on, a /24 per maxAddressesPerPrefix. */
function attackerAddress(spread: Spread, a: number): string {
  if (spread !== 'networks') return loopbackAddress(2 + a);
  const per = LIMITS.maxAddressesPerPrefix;
  return loopbackAddress(256 * (1 + Math.floor(a / per)) + 2 + (a % per));
}

function lockoutPlan(spread: Spread, lifted: boolean): AttackPlan {
  return {
    flags: lifted ? [] : DEFAULT_ADDRESS_FLAGS,
    flagReason: 'the per-address limits at their defaults (the bench lifts them for the other attacks)',
    async attack({ server, settings }) {
      const slots = settings.connections ?? SERVER_DEFAULTS.maxClients - settings.honest;
      const perAddress = spread === 'one' ? slots : LIMITS.maxPerAddress;
      const addresses = Math.ceil(slots / perAddress);
      const held = new Set<Socket>();
      let running = true;
      let reopens = 0;
      let refusedAtAccept = 0;
      let maxHeld = 0;
      const open = (address: string) => {
        const s = connect({ host: server.host, port: server.port, localAddress: address });
        let connectedAt = 0;
        s.on('error', () => {});
        // Read (and drop) the server_hello: a socket that never reads never sees the server close it.
        s.resume();
        s.on('connect', () => {
          connectedAt = Date.now();
          held.add(s);
          maxHeld = Math.max(maxHeld, held.size);
        });
        // Reopen on the server's FIN already, not only once the socket is fully closed.
        let reopened = false;
        const reopen = () => {
          held.delete(s);
          if (reopened) return;
          reopened = true;
          if (connectedAt > 0 && Date.now() - connectedAt < REFUSED_WITHIN_MS) refusedAtAccept++;
          if (!running || reopens >= MAX_REOPENS) return;
          reopens++;
          open(address);
        };
        s.once('end', reopen);
        s.once('close', reopen);
      };
      for (let i = 0; i < slots; i++) open(attackerAddress(spread, Math.floor(i / perAddress)));
      const t0 = Date.now();
      while (held.size < slots && Date.now() - t0 < 5000) await pause(20);
      const heldAtStart = held.size;

      let joined = 0;
      const reasons = new Map<string, number>();
      const newcomers: ParleyClient[] = [];
      const windowMs = Math.max(settings.attackMs, 2 * SERVER_DEFAULTS.handshakeTimeoutMs + 1000);
      const gap = windowMs / NEWCOMERS;
      const tries = Array.from({ length: NEWCOMERS }, async (_, i) => {
        await pause(i * gap);
        const target = {
          host: server.host,
          port: server.port,
          localAddress: loopbackAddress(NEWCOMER_BASE + (i + 1) * 256 + 1),
        };
        const c = new ParleyClient(target, `newcomer${i + 1}`, 'v2');
        newcomers.push(c);
        try {
          await c.start(5000);
          joined++;
        } catch (err) {
          const why =
            /closed the connection|not joined|socket error/.exec((err as Error).message)?.[0] ?? 'other';
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      });
      await Promise.all(tries);
      running = false;
      for (const s of held) s.destroy();
      await Promise.all(newcomers.map((c) => c.leave(1000)));
      return {
        attackerAddresses: addresses,
        attackerNetworks: new Set(
          Array.from({ length: addresses }, (_, a) => attackerAddress(spread, a).replace(/\.\d+$/, '')),
        ).size,
        perAddressLimits: lifted ? 'lifted' : 'default',
        windowSeconds: windowMs / 1000,
        slotsAsked: slots,
        slotsHeld: heldAtStart,
        maxHeld,
        attackerReopens: reopens,
        attackerRefusedAtAccept: refusedAtAccept,
        newcomersJoined: `${joined}/${NEWCOMERS}`,
        newcomersRefused: [...reasons].map(([k, v]) => `${v} ${k}`).join(', ') || '-',
      };
    },
  };
}

export const lockoutAttack = lockoutPlan('one', false);
export const lockoutSpreadAttack = lockoutPlan('prefix', false);
export const lockoutNetworksAttack = lockoutPlan('networks', false);
export const lockoutLiftedAttack = lockoutPlan('prefix', true);
