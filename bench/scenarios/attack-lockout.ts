/**
 * attack lockout (issue 15, item 4): one address takes every free slot with connections that
 * never finish the handshake, and reopens each one the moment the server closes it. Newcomers
 * arrive one by one over the attack: how many of them join? The server keeps its default
 * handshake timeout (10 s), so the attack lasts at least two of them: every held slot is freed
 * and retaken twice. (A shorter timeout helps the newcomers: each freed slot stays free for as
 * long as the attacker takes to reopen, and a shorter timeout frees slots more often.)
 */
import { connect, type Socket } from 'node:net';
import { ParleyClient } from '../load-client.js';
import { type AttackPlan, pause, SERVER_DEFAULTS } from './attack-kit.js';

const NEWCOMERS = 20;
/** A bound on reopened connections, whatever the server does. */
const MAX_REOPENS = 50000;

export const lockoutAttack: AttackPlan = {
  async attack({ server, settings }) {
    const slots = settings.connections ?? SERVER_DEFAULTS.maxClients - settings.honest;
    const held = new Set<Socket>();
    let running = true;
    let reopens = 0;
    let maxHeld = 0;
    const open = () => {
      const s = connect({ host: server.host, port: server.port });
      s.on('error', () => {});
      // Read (and drop) the server_hello: a socket that never reads never sees the server close it.
      s.resume();
      s.on('connect', () => {
        held.add(s);
        maxHeld = Math.max(maxHeld, held.size);
      });
      // Reopen on the server's FIN already, not only once the socket is fully closed.
      let reopened = false;
      const reopen = () => {
        held.delete(s);
        if (reopened || !running || reopens >= MAX_REOPENS) return;
        reopened = true;
        reopens++;
        open();
      };
      s.once('end', reopen);
      s.once('close', reopen);
    };
    for (let i = 0; i < slots; i++) open();
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
      const c = new ParleyClient({ host: server.host, port: server.port }, `newcomer${i + 1}`, 'v2');
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
      windowSeconds: windowMs / 1000,
      slotsAsked: slots,
      slotsHeld: heldAtStart,
      maxHeld,
      attackerReopens: reopens,
      newcomersJoined: `${joined}/${NEWCOMERS}`,
      newcomersRefused: [...reasons].map(([k, v]) => `${v} ${k}`).join(', ') || '-',
    };
  },
};
