/**
 * attack honest-export (issue 15, item 2): a normal client asks for the export of a full history.
 * Is it dropped as a slow reader? Asked twice: by a client that reads promptly, and by one that
 * reads 1 MiB a second (as a client that renders what it reads, a TUI, may). If the server drops
 * the asker, can another connection take its name before it comes back?
 */
import type { ClientTarget } from '../load-client.js';
import { type AttackCounts, type AttackPlan, fillHistory, joinedPeer, RawPeer } from './attack-kit.js';

const SLOW_READ_BYTES_PER_SEC = 1024 * 1024;

async function askExport(
  server: ClientTarget,
  name: string,
  waitMs: number,
  readBytesPerSec?: number,
): Promise<AttackCounts> {
  const asker = await joinedPeer(server, name, { readBytesPerSec });
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
    timer = setTimeout(() => resolve(`not done after ${waitMs} ms`), waitMs);
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
      nameTakenByAnother = (await other.join(name)) === null;
    } finally {
      other.destroy();
    }
  }
  const kb = Math.round(asker.bytesIn / 1024);
  await asker.leave();
  return {
    [`${name}Outcome`]: outcome,
    [`${name}Entries`]: entries,
    [`${name}Done`]: done,
    [`${name}KB`]: kb,
    [`${name}Dropped`]: dropped ? (asker.fatal ?? 'closed') : false,
    [`${name}NameTakenByAnother`]: nameTakenByAnother,
  };
}

export const honestExportAttack: AttackPlan = {
  prepare: ({ server, settings }) => fillHistory(server, settings.history, settings.lineChars),
  async attack({ server, settings }) {
    // Each reader gets the attack's time, and the slow one as long as its pace needs for it all.
    const prompt = await askExport(server, 'prompt', settings.attackMs);
    const slowWait = settings.attackMs + (Number(prompt.promptKB) * 1024 * 1000) / SLOW_READ_BYTES_PER_SEC;
    const slow = await askExport(server, 'slow', slowWait, SLOW_READ_BYTES_PER_SEC);
    return { ...prompt, slowReadKBps: SLOW_READ_BYTES_PER_SEC / 1024, ...slow };
  },
};
