/**
 * --plain: no TUI. Lines from standard input are typed lines; every line the view model adds is
 * printed as one line on standard output (the format is in main.ts's --help), for scripts, bots
 * and tests. On a server with rooms (7.15) every room's lines are printed, each line about a room
 * prefixed with the room's name; what is typed goes to the current room (`/join`, `/room #x`).
 *
 * How this works: input lines are handed over one at a time, and held back while a join is in
 * flight, so that after a refused name the next line is read as the next name to try (as the
 * original asks again), and while a room join is, so that the lines after `/join #x` go to #x;
 * only /quit passes at once. When input ends the client leaves once
 * everything typed has been sent and answered (its echo, or a refusal, is printed) and every
 * export answered (or given up on); the attempts to join are bounded (backoff.ts), so a script
 * always gets an exit status.
 */

import { createInterface } from 'node:readline';
import { parseInput } from '../view/commands.js';
import { plainLine } from '../view/line-format.js';
import { sanitize } from '../view/text.js';
import type { ClientApp } from './client-app.js';

export function runPlain(
  app: ClientApp,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<number> {
  const vm = app.vm;
  const queue: string[] = [];
  let lastPrinted = 0;
  let ended = false;
  let pumping = false;

  const print = () => {
    for (const line of vm.linesAfter(lastPrinted)) {
      lastPrinted = line.id;
      const room = vm.state.hasRooms && line.room ? `${sanitize(line.room)} ` : '';
      output.write(`${room}${plainLine(line, vm.viewer)}\n`);
    }
  };

  const pump = () => {
    if (pumping) return;
    pumping = true;
    try {
      // /quit is never held back: a script must be able to leave while a join cannot succeed.
      // So is a line after `/join #x`: it goes to #x once the server has said the join is done.
      const held = () => vm.joinPending || vm.roomJoinPending;
      while (queue.length > 0 && !app.hasExited && (!held() || parseInput(queue[0]).kind === 'quit'))
        app.submitLine(queue.shift()!);
      if (ended && queue.length === 0 && !app.hasExited) app.endOfInput();
    } finally {
      pumping = false;
    }
  };

  app.onChange(() => {
    print();
    if (!pumping) pump();
  });

  const rl = createInterface({ input, terminal: false });
  rl.on('line', (line) => {
    queue.push(line);
    pump();
  });
  rl.on('close', () => {
    ended = true;
    pump();
  });

  return new Promise((resolve) => {
    app.onExit((code) => {
      print();
      rl.close();
      resolve(code);
    });
    app.start();
  });
}
