/** `node reference-client`: runs the client (cli.ts) and exits with its status. */
import { main } from './cli.js';

main().then(
  (code) => {
    // Let stdout drain, then leave even if stdin still holds the event loop open.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(
      `parley client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
