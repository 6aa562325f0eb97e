/**
 * The command-line reading the mutation scripts share: commander, with its help and usage errors
 * written to stderr and turned into an exit code (0 after --help, 2 for a usage error), so that a
 * script's main returns its code instead of commander exiting the process.
 */

/** `program`'s options read from `argv`, or the exit code once commander has printed help or an error. */
export function readOptions(program, argv) {
  program.exitOverride().configureOutput({ writeErr: (t) => process.stderr.write(t) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return { exitCode: error.exitCode === 0 ? 0 : 2 };
  }
  return { opts: program.opts() };
}
