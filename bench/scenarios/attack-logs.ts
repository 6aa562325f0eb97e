/**
 * attack logs (issue 15, item 6): log injection without authentication. Hellos whose `protocol`
 * and `group` fields, and the names of unknown keys, hold line breaks, a forged log line, terminal
 * escape sequences (clear screen, set title, C1 CSI) and 40 KB of chosen bytes; a join with such a
 * name; then connections refused because the server is full. The server's stdout and stderr are
 * read whole: control bytes, forged lines, the longest line, log lines per refusal.
 */
import { type AttackPlan, joinedPeer, pause, RawPeer } from './attack-kit.js';

/** A line that looks like the server's own: it starts as the server's lines do. */
export const FORGED = '2000-01-01T00:00:00.000Z INFO  conn 7: joined as admin';
const TERMINAL = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
const REFUSALS = 50;

const HELLOS: readonly ((h: Record<string, unknown>) => Record<string, unknown>)[] = [
  (h) => ({ ...h, protocol: `x\n${FORGED}` }),
  (h) => ({ ...h, protocol: `${TERMINAL}x` }),
  (h) => ({ ...h, group: `\n${FORGED}`.slice(0, 32) }),
  (h) => ({ ...h, group: TERMINAL }),
  (h) => ({ ...h, [`\n${FORGED}${TERMINAL}`]: 1 }),
  (h) => ({ ...h, [`${'A'.repeat(40000)}${TERMINAL}`]: 1 }),
];

/** C0 controls other than line feed, DEL, and C1 controls. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

const lines = (text: string) => text.split('\n');

export const logsAttack: AttackPlan = {
  keepOutput: true,
  flags: (settings) => ['--max-clients', String(settings.honest + 2)],
  flagReason: 'room for the honest members and two more, so that a few connections meet SERVER_FULL',
  async attack({ server, settings, output }) {
    let refusedHellos = 0;
    for (const edit of HELLOS) {
      const p = new RawPeer({ host: server.host, port: server.port });
      await p.handshake(edit, 3000).catch(() => refusedHellos++);
      p.destroy();
      await p.closed;
      await pause(50); // the server frees the slot once it has seen the close
    }
    // A name with a line break and escapes (refused, 7.2: is the refusal logged raw?).
    const named = new RawPeer({ host: server.host, port: server.port });
    await named.handshake();
    const nameRefused = await named.join(`x\n${FORGED}${TERMINAL}`).catch((e: Error) => e.message);
    await named.leave();

    // Fill the server (started with room for the honest members and two more), then knock.
    const holders = [await joinedPeer(server, 'holder1'), await joinedPeer(server, 'holder2')];
    await pause(300);
    const before = output().length;
    let refused = 0;
    for (let i = 0; i < (settings.connections ?? REFUSALS); i++) {
      const p = new RawPeer({ host: server.host, port: server.port });
      await p.closed;
      if (p.endedByServer) refused++;
    }
    await pause(300); // the server's pipe delivers its last lines
    const refusalLines = lines(output().slice(before)).length - 1;
    for (const h of holders) await h.leave();

    const text = output();
    const all = lines(text);
    return {
      hellosRefused: `${refusedHellos}/${HELLOS.length}`,
      joinRefused: nameRefused ?? 'accepted',
      controlChars: (text.match(CONTROL) ?? []).length,
      escapeChars: (text.match(/\u001b/g) ?? []).length,
      forgedLines: all.filter((l) => l.startsWith(FORGED.slice(0, 24))).length,
      longestLineKB: Math.round(Math.max(...all.map((l) => Buffer.byteLength(l))) / 1024),
      refusals: refused,
      logLinesPerRefusal: refused > 0 ? Math.round((refusalLines / refused) * 100) / 100 : null,
    };
  },
};
