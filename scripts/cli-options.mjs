/**
 * What the mutation scripts share: their command-line reading (commander, with its help and usage
 * errors written to stderr and turned into an exit code, 0 after --help and 2 for a usage error, so
 * that a script's main returns its code instead of commander exiting the process), and the reading
 * of a list of files or globs as Stryker's `--mutate` takes it.
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

/** A matcher for Stryker-style `mutate` entries: paths or globs (`*`, `**`), an optional `:range` dropped. */
export function fileMatcher(list) {
  const patterns = list
    .split(',')
    .map((entry) => entry.trim().replace(/:\d+(:\d+)?-\d+(:\d+)?$/, ''))
    .filter(Boolean)
    .map((glob) => {
      const re = glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\0')
        .replace(/\*\*/g, '.*')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\0/g, '(?:.*/)?');
      return new RegExp(`^${re}$`);
    });
  return (file) => patterns.some((re) => re.test(file));
}
