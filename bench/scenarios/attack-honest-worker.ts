/**
 * A worker thread for the attack bench's honest members, so that their timing does not wait on
 * the attackers, who share the bench's main thread (attack-kit.ts).
 *
 * How this works: the main thread passes where the server is, how many members and their pace as
 * workerData, then sends commands; each answered command gets one message back with the same name.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type HonestCommand, HonestRoom, type HonestWorkerInit } from './attack-kit.js';

if (parentPort) {
  const port = parentPort;
  const init = workerData as HonestWorkerInit;
  const room = new HonestRoom({ host: init.host, port: init.port }, init.count, init.paceMs);
  port.on('message', async (message: HonestCommand) => {
    try {
      switch (message.cmd) {
        case 'join':
          await room.join();
          break;
        case 'chat':
          room.startChat();
          return;
        case 'attack':
          room.attackStarts();
          return;
        case 'drain':
          await room.stopAndDrain(message.timeoutMs);
          break;
        case 'figures':
          port.postMessage({ evt: 'figures', figures: room.figures() });
          return;
        case 'leave':
          await room.leave();
          break;
      }
      port.postMessage({ evt: message.cmd });
    } catch (err) {
      port.postMessage({ evt: 'error', message: (err as Error).message });
    }
  });
}
