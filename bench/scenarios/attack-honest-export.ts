/**
 * attack honest-export (issue 15, item 2): one normal client asks for the export of a full history
 * and reads it promptly. Is it dropped as a slow reader? If it is, can another connection take its
 * name before it comes back?
 */
import { type AttackPlan, fillHistory, joinedPeer, RawPeer } from './attack-kit.js';

export const honestExportAttack: AttackPlan = {
  prepare: ({ server, settings }) => fillHistory(server, settings.history, settings.lineChars),
  async attack({ server, settings }) {
    const asker = await joinedPeer(server, 'reader');
    let entries = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<string>((resolve) => {
      asker.onPacket = (type, text) => {
        if (type !== 'export_reply') return;
        const reply = JSON.parse(text) as { entries: unknown[]; done: boolean };
        entries += reply.entries.length;
        if (reply.done) {
          done = true;
          resolve('done');
        }
      };
      asker.closed.then(() => resolve(`closed (${asker.fatal ?? 'no error packet'})`));
      timer = setTimeout(() => resolve(`not done after ${settings.attackMs} ms`), settings.attackMs);
      asker.send([{ type: 'export' }]);
    });
    clearTimeout(timer);
    const dropped = asker.endedByServer;
    let nameTakenByAnother: boolean | null = null;
    if (dropped) {
      // Someone else asks for the name the moment the honest reader is gone.
      const other = new RawPeer({ host: server.host, port: server.port });
      try {
        await other.handshake();
        nameTakenByAnother = (await other.join('reader')) === null;
      } finally {
        other.destroy();
      }
    }
    const bytes = asker.bytesIn;
    await asker.leave();
    return {
      exportOutcome: outcome,
      exportReplies: asker.countOf('export_reply'),
      entriesReceived: entries,
      exportDone: done,
      askerKB: Math.round(bytes / 1024),
      askerDropped: dropped ? (asker.fatal ?? 'closed') : false,
      nameTakenByAnother,
    };
  },
};
