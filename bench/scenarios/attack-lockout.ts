/**
 * attack lockout (issue 15, item 4): one address takes every free slot with connections that
 * never finish the handshake, and reopens each one the moment the server closes it. Newcomers
 * arrive one by one over the attack: how many of them join? The server's handshake timeout is
 * shortened so that a held slot cycles several times in a short run.
 */
import { connect, type Socket } from 'node:net';
import { ParleyClient } from '../load-client.js';
import { type AttackPlan, pause, SERVER_DEFAULTS } from './attack-kit.js';

const NEWCOMERS = 20;
/** Handshake timeout the server runs with here (its default is 10 s). */
export const LOCKOUT_HANDSHAKE_TIMEOUT_MS = 2000;
/** A bound on reopened connections, whatever the server does. */
const MAX_REOPENS = 50000;

export const lockoutAttack: AttackPlan = {
  flags: ['--handshake-timeout', String(LOCKOUT_HANDSHAKE_TIMEOUT_MS)],
  flagReason: 'a held slot is freed every 2 s instead of 10 s, so a short run sees several cycles',
  async attack({ server, settings }) {
    const slots = settings.connections ?? SERVER_DEFAULTS.maxClients - settings.honest;
    const held = new Set<Socket>();
    let running = true;
    let reopens = 0;
    let maxHeld = 0;
    const open = () => {
      const s = connect({ host: server.host, port: server.port });
      s.on('error', () => {});
      s.on('connect', () => {
        held.add(s);
        maxHeld = Math.max(maxHeld, held.size);
      });
      s.once('close', () => {
        held.delete(s);
        if (running && reopens < MAX_REOPENS) {
          reopens++;
          open();
        }
      });
    };
    for (let i = 0; i < slots; i++) open();
    const t0 = Date.now();
    while (held.size < slots && Date.now() - t0 < 5000) await pause(20);
    const heldAtStart = held.size;

    let joined = 0;
    const reasons = new Map<string, number>();
    const newcomers: ParleyClient[] = [];
    const gap = settings.attackMs / NEWCOMERS;
    const tries = Array.from({ length: NEWCOMERS }, async (_, i) => {
      await pause(i * gap);
      const c = new ParleyClient({ host: server.host, port: server.port }, `newcomer${i + 1}`, 'v2');
      newcomers.push(c);
      try {
        await c.start(Math.max(1000, LOCKOUT_HANDSHAKE_TIMEOUT_MS));
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
      slotsAsked: slots,
      slotsHeld: heldAtStart,
      maxHeld,
      attackerReopens: reopens,
      newcomersJoined: `${joined}/${NEWCOMERS}`,
      newcomersRefused: [...reasons].map(([k, v]) => `${v} ${k}`).join(', ') || '-',
    };
  },
};
