/**
 * Entry point of `node fuzz` (fuzz/index.js loads the compiled form of this file). See cli.ts.
 */
import { runCli } from './cli.js';

// `node fuzz ... | head`: a closed pipe ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  tty: Boolean(process.stderr.isTTY),
  cwd: process.cwd(),
});
process.exitCode = code;
// Whatever a target left open must not keep a finished campaign alive.
setTimeout(() => process.exit(code), 2000).unref();
