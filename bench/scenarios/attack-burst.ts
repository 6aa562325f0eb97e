/**
 * attack burst (issue 15, item 3): many connections each send the burst the rate limit allows
 * (rateBurst lines of maxMessage characters) at the same moment, so that every member is sent
 * connections x burst long lines at once. The attackers read and throw away. Besides the honest
 * members (who read promptly), one member reads at a bounded pace, as a client that renders each
 * line (a TUI) does: is it dropped as a slow reader? It is watched until it has every burst line
 * (or the attack's time plus the drain time is up).
 */
import { type AttackPlan, joinedPeer, pause, type RawPeer, SERVER_DEFAULTS } from './attack-kit.js';

/** The pace of the member that reads slowly: 1 MiB/s. */
const SLOW_READ_BYTES_PER_SEC = 1024 * 1024;

export const burstAttack: AttackPlan = {
  async attack({ server, settings }) {
    const n = settings.connections ?? 100;
    const slow = await joinedPeer(server, 'slowreader', { readBytesPerSec: SLOW_READ_BYTES_PER_SEC });
    const peers: RawPeer[] = [];
    for (let i = 0; i < n; i++) peers.push(await joinedPeer(server, `burster${i + 1}`));
    for (const [i, p] of peers.entries()) {
      p.sink();
      const text = `${i} `.padEnd(settings.lineChars, 'x');
      const records = Array.from({ length: SERVER_DEFAULTS.burst }, () => p.record([{ type: 'say', text }]));
      p.socket.write(Buffer.concat(records));
    }
    // The slow reader is watched until it has every burst line, is dropped, or the time is up.
    let slowLines = 0;
    slow.onPacket = (type, text) => {
      if (type === 'message' && text.includes('xxxxxxxx')) slowLines++;
    };
    const until = Date.now() + settings.attackMs + settings.drainMs;
    while (Date.now() < until && slow.open && slowLines < n * SERVER_DEFAULTS.burst) await pause(50);
    const closed = peers.filter((p) => p.endedByServer).length;
    const slowDropped = slow.endedByServer ? (slow.fatal ?? 'closed') : false;
    for (const p of peers) p.destroy();
    slow.destroy();
    return {
      attackers: n,
      linesSent: n * SERVER_DEFAULTS.burst,
      bytesPerMemberKB: Math.round((n * SERVER_DEFAULTS.burst * settings.lineChars) / 1024),
      attackersClosedByServer: closed,
      slowReaderKBps: SLOW_READ_BYTES_PER_SEC / 1024,
      slowReaderDropped: slowDropped,
      slowReaderBurstLines: slowLines,
    };
  },
};
