/**
 * attack trickle (issue 15, item 9): a joined connection sends a record one byte a second. Does
 * the idle timeout close it? A joined connection that sends nothing and answers no ping is the
 * control: the timeout closes it. The server runs with a short idle ping and timeout so that a
 * short run sees both.
 */
import { type AttackPlan, joinedPeer, pause } from './attack-kit.js';

export const TRICKLE_IDLE_PING_MS = 1000;
export const TRICKLE_IDLE_TIMEOUT_MS = 3000;

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

export const trickleAttack: AttackPlan = {
  flags: ['--idle-ping', String(TRICKLE_IDLE_PING_MS), '--idle-timeout', String(TRICKLE_IDLE_TIMEOUT_MS)],
  flagReason: 'an idle timeout of 3 s instead of 90 s, so that a short run passes it twice',
  async attack({ server, settings }) {
    const silent = await joinedPeer(server, 'silent', { answerPings: false });
    const trickler = await joinedPeer(server, 'trickler', { answerPings: false });
    const frame = trickler.record([{ type: 'say', text: 'one byte a second' }]);
    const windowMs = Math.max(settings.attackMs, 2 * TRICKLE_IDLE_TIMEOUT_MS + 2000);
    const t0 = Date.now();
    let sent = 0;
    while (Date.now() - t0 < windowMs && trickler.open && sent < frame.length) {
      trickler.socket.write(frame.subarray(sent, sent + 1));
      sent++;
      await pause(1000);
    }
    const result = {
      trickleSeconds: Math.round((Date.now() - t0) / 1000),
      idleTimeoutS: TRICKLE_IDLE_TIMEOUT_MS / 1000,
      silentClosedAfterS: seconds(silent.lifetimeMs),
      silentCode: silent.fatal,
      tricklerBytes: sent,
      tricklerClosedAfterS: seconds(trickler.lifetimeMs),
      tricklerCode: trickler.fatal,
    };
    silent.destroy();
    trickler.destroy();
    return result;
  },
};
