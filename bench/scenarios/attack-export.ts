/**
 * attack export (issue 15, item 1): export amplification. The history is filled within the rate
 * limits with long CJK lines; then a few connections each send ONE record holding many `export`
 * packets (6.1 allows packets to share a record) and read what comes back as fast as they can,
 * throwing it away. Counts: exports asked, bytes the server sent the attackers, attackers the
 * server closed.
 */
import { type AttackPlan, fillHistory, joinedPeer, pause, type RawPeer } from './attack-kit.js';

/** Export packets in the one record each attacker sends. */
const EXPORTS_PER_RECORD = 20;

export const exportAttack: AttackPlan = {
  prepare: ({ server, settings }) => fillHistory(server, settings.history, settings.lineChars),
  async attack({ server, settings }) {
    const n = settings.connections ?? 10;
    const peers: RawPeer[] = [];
    for (let i = 0; i < n; i++) peers.push(await joinedPeer(server, `exporter${i + 1}`));
    const exports = Array.from({ length: EXPORTS_PER_RECORD }, () => ({ type: 'export' }));
    for (const p of peers) {
      p.sink();
      p.send(exports);
    }
    const until = Date.now() + settings.attackMs;
    while (Date.now() < until && peers.some((p) => p.open)) await pause(50);
    const closed = peers.filter((p) => p.endedByServer).length;
    const bytes = peers.reduce((sum, p) => sum + p.bytesIn, 0);
    for (const p of peers) p.destroy();
    return {
      attackers: n,
      exportsAsked: n * EXPORTS_PER_RECORD,
      attackerMBReceived: Math.round(bytes / 2 ** 20),
      attackersClosedByServer: closed,
    };
  },
};
