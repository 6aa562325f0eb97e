/**
 * The client's command line: options, the start-up questions, then the TUI or --plain.
 *
 * How this works: commander parses the options (exit status 2 on a bad one). The TUI asks for
 * what the options did not give (server and port without -s and -p, the name without -u) BEFORE it
 * connects, so that no handshake timeout runs while someone types; the defaults shown are the last
 * server, port and name it joined with (config.json), else 127.0.0.1 and the default port. A name
 * the server refuses is asked again inside the TUI. --plain never asks: it uses the defaults and
 * reads the name from standard input.
 */

import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PORT } from '../../src/index.js';
import { DEFAULT_THEME, findTheme, THEME_IDS, type ThemeId } from '../view/themes.js';
import type { ProfileOption } from '../view/view-types.js';
import { CLIENT_FEATURES } from './app-options.js';
import { SCRIPT_JOIN_ATTEMPTS, SCRIPT_JOIN_WITHIN_MS } from './backoff.js';
import { ClientApp } from './client-app.js';
import type { KeyChoice } from './client-key-file.js';
import {
  type ClientConfig,
  ConfigError,
  configDir,
  isFingerprint,
  loadConfig,
  loadKnownServers,
} from './config.js';
import { runPlain } from './plain.js';

export const DEFAULT_HOST = '127.0.0.1';

const HELP_AFTER = `
Before it connects, the TUI asks for the server and the port unless -s and -p are given, and for
a name unless -u is; the defaults are the last ones it joined with (else ${DEFAULT_HOST} and ${DEFAULT_PORT}).
A taken or invalid name asks again. On first contact with a server it shows the server's key and
asks "trust this server? [y/N]"; a key that changed since is refused unless you accept it.
In the chat, /help lists the commands; /server HOST [PORT] changes server without quitting.

Keys (7.16): without --key the client is anonymous, as every client was before. --key proves your
own Ed25519 key to servers that take client keys, so others see the same short fingerprint beside
your name each time, a reserved name (7.17) stays yours and an operator's key gets its rights
(7.18). The key is made on first use (or with /key new) as client_key.pem, mode 0600, in the config
folder; --key per-server makes and uses one key per server (client_keys/HOST_PORT.pem) so that
servers cannot tell it is the same you. /key shows yours. Operators: /kick /ban /unban /bans /mute
/unmute /mutes /motd (see /help).

Files: config.json (the theme; the last server, port and name), known_servers (server keys,
recorded on first use like SSH's known_hosts) and your keys (--key) live in $PARLEY_CONFIG_DIR, else
$XDG_CONFIG_HOME/parley, else ~/.config/parley. /export writes ./exported/chat-<timestamp>.txt
under the current directory.

--plain reads typed lines from standard input: the first is the name unless -u is given (after a
refused name the next line is tried), then chat lines and /commands. It never asks for the server
(default ${DEFAULT_HOST}:${DEFAULT_PORT}) and refuses a changed server key unless --accept-new-key.
It prints one line per event:
  [14:05:09] <alice> hello              a chat line
  [14:05:09] * alice waves              an action (/me)
  [14:05:09] [PM from alice] hi         a private message ([PM to bob] for one you sent)
  [14:05:09] -!- bob joined             joins and leaves (-!- bob left (quit))
                                        several at once: -!- ann, bob and cat joined
  [14:05:09] -!- motd: welcome          server notices (motd, or *server* on legacy)
  joined as alice (2 users here)        the client's own reports carry no timestamp
  export written to exported/chat-2026-11-27T14-05-09.txt
  queued: hello                         typed while not connected; sent once joined
  warning: <text>
  error NAME_TAKEN: <text>              errors, with their stable code when there is one
  error: cannot join 127.0.0.1:7878: 3 attempts failed; the last: ...   the reason it gives up
On a server with rooms every line about a room starts with the room, and what you type goes to the
current room: /join #dev joins #dev and makes it current, /room #lobby goes back, /part leaves:
  #dev [14:05:09] <alice> hello        a chat line in #dev
  #lobby [14:05:09] -!- bob left (part)
At the end of input it leaves once everything typed has been sent and answered (echoed, or
refused with an error line). /theme and /ignore apply to
this run only (the TUI's saved theme and ignore list stay; the saved list is used). An /export the server does not answer within 10 s is given up.

Retries are bounded in --plain: after ${SCRIPT_JOIN_ATTEMPTS} connection attempts in a row without a join (a closed
port, an unknown host, a server that fails every handshake), or ${SCRIPT_JOIN_WITHIN_MS / 1000} s without one, it prints
"error: cannot join ..." with the last failure and exits 1; so it does after ${SCRIPT_JOIN_ATTEMPTS} connections in a row
that joined and then broke within a minute (DECRYPT_FAILED and other errors of the connection).
A server of the other profile (--profile)
or a refused server key ends it at once. The TUI keeps retrying; /server HOST [PORT] changes server.

Exit status: 0 after /quit or the end of input, 1 when the client refuses the server or cannot
join (also /quit or the end of input before it ever joined), 2 for a bad option.`;

interface CliOptions {
  server?: string;
  port?: number;
  username?: string;
  theme?: ThemeId;
  profile: ProfileOption;
  fingerprint?: string;
  acceptNewKey?: boolean;
  plain?: boolean;
  features?: readonly string[];
  key?: KeyChoice;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 1 to 65535.');
  }
  return port;
}

function parseTheme(value: string): ThemeId {
  const id = findTheme(value);
  if (!id) throw new InvalidArgumentError(`choose one of ${THEME_IDS.join(', ')}.`);
  return id;
}

/** `--features none` (a 2.0 client) or a list of names out of those the client knows (5.8). */
function parseFeatures(value: string): readonly string[] {
  if (value === 'none') return [];
  const names = value.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !CLIENT_FEATURES.includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown feature ${unknown.join(', ')}: use none or some of ${CLIENT_FEATURES.join(',')}.`,
    );
  return names;
}

function parseFingerprint(value: string): string {
  if (!isFingerprint(value))
    throw new InvalidArgumentError('a fingerprint looks like SHA256: and 43 base64 characters.');
  return value;
}

function parseKeyScope(value: string): KeyChoice {
  if (value === 'all') return 'shared';
  if (value === 'per-server') return 'per-server';
  throw new InvalidArgumentError('the key scope is all (one key for every server) or per-server.');
}

export function buildProgram(): Command {
  return new Command()
    .name('node reference-client')
    .description('Parley: a self-hosted, anonymous, encrypted terminal chat (client).')
    .option('-s, --server <host>', 'server host name or address')
    .option('-p, --port <port>', `server TCP port (default ${DEFAULT_PORT})`, parsePort)
    .option('-u, --username <name>', 'the name to join with')
    .addOption(new Option('--theme <name>', `colour theme: ${THEME_IDS.join(', ')}`).argParser(parseTheme))
    .addOption(
      new Option('--profile <profile>', 'wire profile; auto tells them apart by the first frame')
        .choices(['auto', 'v2', 'legacy'])
        .default('auto'),
    )
    .option(
      '--fingerprint <fp>',
      'the server key to expect (SHA256:...); any other is refused',
      parseFingerprint,
    )
    .option('--accept-new-key', 'accept and record a new or changed server key without asking')
    .option(
      '--features <list>',
      `v2 features to ask for (5.8), comma-separated; none: behave as a 2.0 client (default ${CLIENT_FEATURES.join(',')})`,
      parseFeatures,
    )
    .addOption(
      new Option(
        '--key [scope]',
        'prove your own key (made on first use): all (default) or per-server',
      ).argParser(parseKeyScope),
    )
    .option('--plain', 'no TUI: typed lines from stdin, one line per event on stdout (below)')
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** The TUI's questions: what -s, -p and -u did not give, with the last values as defaults. */
async function askStart(
  options: CliOptions,
  last: ClientConfig,
): Promise<{ host: string; port: number; name: string } | null> {
  // terminal: false leaves line editing to the tty and installs no keypress decoder on stdin,
  // which would otherwise stay behind and hand the TUI every key twice.
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (question: string): Promise<string | null> => {
    process.stdout.write(question);
    const next = await lines.next();
    return next.done ? null : next.value;
  };
  try {
    let host = options.server;
    while (host === undefined) {
      const fallback = last.server ?? DEFAULT_HOST;
      const answer = await ask(`Server [${fallback}]: `);
      if (answer === null) return null;
      host = answer.trim() || fallback;
    }
    let port = options.port;
    while (port === undefined) {
      const fallback = last.port ?? DEFAULT_PORT;
      const answer = await ask(`Port [${fallback}]: `);
      if (answer === null) return null;
      try {
        port = answer.trim() === '' ? fallback : parsePort(answer.trim());
      } catch {
        process.stdout.write('  a port is a whole number from 1 to 65535\n');
      }
    }
    let name = options.username;
    while (name === undefined) {
      const answer = await ask(last.name ? `Name [${last.name}]: ` : 'Name: ');
      if (answer === null) return null;
      const typed = answer.trim() || last.name;
      if (typed) name = typed;
    }
    return { host, port, name };
  } finally {
    rl.close();
  }
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    program.parse([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    throw err;
  }
  const options = program.opts<CliOptions>();
  if (options.acceptNewKey && options.fingerprint) {
    process.stderr.write('error: --accept-new-key and --fingerprint contradict each other\n');
    return 2;
  }

  if (!options.plain && (!process.stdin.isTTY || !process.stdout.isTTY)) {
    process.stderr.write('error: the TUI needs a terminal; use --plain for scripts and pipes\n');
    return 2;
  }

  const dir = configDir();
  let config: ClientConfig = {};
  let configWritable = true;
  let configWarning: string | null = null;
  try {
    config = loadConfig(dir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    configWritable = false;
    configWarning = `${err.message} (using the defaults; theme changes will not be saved)`;
  }
  let knownServers: Map<string, string>;
  try {
    knownServers = loadKnownServers(dir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }

  let host = options.server ?? DEFAULT_HOST;
  let port = options.port ?? DEFAULT_PORT;
  let name = options.username;
  if (!options.plain) {
    const answer = await askStart(options, config);
    if (!answer) {
      process.stdout.write('\n');
      return 1;
    }
    ({ host, port, name } = answer);
  }

  const app = new ClientApp({
    host,
    port,
    profile: options.profile,
    name,
    fingerprint: options.fingerprint,
    acceptNewKey: options.acceptNewKey,
    interactive: !options.plain,
    exitOnRefusal: Boolean(options.plain),
    theme: options.theme ?? config.theme ?? DEFAULT_THEME,
    bell: config.bell,
    ignore: config.ignore,
    configDir: dir,
    configWritable,
    knownServers,
    ...(options.features ? { session: { features: options.features } } : {}),
    // `--key` alone: one key for every server.
    keyChoice:
      options.key === undefined ? 'off' : (options.key as KeyChoice | true) === true ? 'shared' : options.key,
  });
  if (configWarning) app.vm.warning(configWarning);

  process.on('SIGTERM', () => app.requestQuit());
  process.on('SIGHUP', () => app.requestQuit());
  if (options.plain) {
    process.on('SIGINT', () => app.requestQuit());
    return runPlain(app, process.stdin, process.stdout);
  }
  const { runTui } = await import('../tui/tui.js');
  return runTui(app);
}
