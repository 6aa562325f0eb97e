/**
 * attack flood (issue 15, item 5): packet types the rate limit may not cover. One connection each
 * floods `ping`, `who` and `say` once joined, and `join` (a taken name) before; each sends records
 * of many packets as fast as its socket drains, for the attack's duration, and counts the replies:
 * pongs, user lists, join errors, and RATE_LIMITED refusals (the refusal as an amplifier).
 */
import { type AttackPlan, joinedPeer, pause, RawPeer } from './attack-kit.js';

/** Packets per record: about 25-35 KB, within the default maxFrame. */
const BATCH = 1000;
/** A bound on packets per flooding connection. */
const MAX_PACKETS = 10_000_000;
/** Bytes we let wait in our socket before sending more. */
const HIGH_WATER = 1024 * 1024;

interface Flood {
  readonly kind: string;
  readonly reply: string;
  readonly packet: unknown;
  readonly joined: boolean;
}

const FLOODS: readonly Flood[] = [
  { kind: 'ping', reply: 'pong', packet: { type: 'ping', n: 1 }, joined: true },
  { kind: 'who', reply: 'user_list', packet: { type: 'who' }, joined: true },
  { kind: 'join', reply: 'join_error', packet: { type: 'join', name: 'honest1' }, joined: false },
  { kind: 'say', reply: 'error:RATE_LIMITED', packet: { type: 'say', text: 'f' }, joined: true },
];

export const floodAttack: AttackPlan = {
  async attack({ server, settings }) {
    const peers = await Promise.all(
      FLOODS.map(async (f) => {
        if (f.joined) return joinedPeer(server, `flood-${f.kind}`);
        const p = new RawPeer({ host: server.host, port: server.port });
        await p.handshake();
        return p;
      }),
    );
    let running = true;
    const sent = FLOODS.map(() => 0);
    const pumps = FLOODS.map(async (f, i) => {
      const p = peers[i];
      const batch = Array.from({ length: BATCH }, () => f.packet);
      while (running && p.open && sent[i] < MAX_PACKETS) {
        while (p.socket.writableLength < HIGH_WATER && sent[i] < MAX_PACKETS && p.send(batch))
          sent[i] += BATCH;
        await pause(1);
      }
    });
    await pause(settings.attackMs);
    running = false;
    await Promise.all(pumps);
    // Replies already on their way still count.
    await pause(500);
    const counts: Record<string, number | string | boolean> = {};
    const seconds = settings.attackMs / 1000;
    FLOODS.forEach((f, i) => {
      const p = peers[i];
      counts[`${f.kind}Sent`] = sent[i];
      counts[`${f.kind}Replies`] = p.countOf(f.reply);
      counts[`${f.kind}RepliesPerSec`] = Math.round(p.countOf(f.reply) / seconds);
      counts[`${f.kind}Closed`] = p.endedByServer ? (p.fatal ?? 'closed') : false;
    });
    for (const p of peers) p.destroy();
    return counts;
  },
};
