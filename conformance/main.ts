/**
 * The process entry point of `node conformance` (conformance/index.js imports the compiled file).
 * It runs the CLI with the process's stdout and stderr and exits with its code (see --help).
 */
import { runCli } from './cli.js';

// A reader that goes away (`| head`) ends the run quietly instead of with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await runCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
});
process.exitCode = code;
// Every socket and timer of the run is closed by now; this only guards against a stray handle.
setTimeout(() => process.exit(code), 1000).unref();
