/**
 * What the app writes to the config directory while it runs, and how a failure is reported: the
 * TUI's settings (theme, bell, ignore list) and its last server, port and name in config.json, and
 * a server key in known_servers. A file that cannot be written is a line in the conversation,
 * never a crash. --plain changes settings for its run only, so that a script never rewrites what
 * the TUI saved; a server key is recorded in both (it is what trust on first use means, 5.6).
 */

import type { ViewModel } from '../view/view-model.js';
import type { Effect } from '../view/view-types.js';
import type { ClientAppOptions } from './app-options.js';
import { type ClientConfig, KNOWN_SERVERS_FILE, recordKnownServer, saveConfig } from './config.js';

type Where = Pick<ClientAppOptions, 'interactive' | 'configWritable' | 'configDir'>;

/** The TUI offers the last server, port and name it joined with as next time's defaults. */
export function rememberLast(options: Where, vm: ViewModel, last: ClientConfig): void {
  if (!options.interactive || options.configWritable === false) return;
  try {
    saveConfig(options.configDir, last);
  } catch (err) {
    vm.warning(`could not remember the server and name: ${(err as Error).message}`);
  }
}

/** Saves a setting the user changed (/theme, /bell, /ignore). */
export function saveSetting(
  options: Where,
  vm: ViewModel,
  effect: Extract<Effect, { kind: 'save-theme' | 'save-bell' | 'save-ignore' }>,
): void {
  const [settings, what]: [ClientConfig, string] =
    effect.kind === 'save-theme'
      ? [{ theme: effect.theme }, 'theme']
      : effect.kind === 'save-bell'
        ? [{ bell: effect.bell }, 'bell setting']
        : [{ ignore: effect.ignore }, 'ignore list'];
  if (!options.interactive) return; // --plain: for this run only; the TUI's settings stay
  if (options.configWritable === false) {
    vm.warning(`${what} not saved: config.json could not be read (see above); fix or remove it`);
    return;
  }
  try {
    saveConfig(options.configDir, settings);
  } catch (err) {
    vm.error(undefined, `${what} not saved: ${(err as Error).message}`);
  }
}

/** Records the key of server `key` (`host:port`), in memory and in known_servers. */
export function recordKey(
  options: Where & Pick<ClientAppOptions, 'knownServers'>,
  vm: ViewModel,
  key: string,
  fingerprint: string,
): void {
  options.knownServers.set(key, fingerprint);
  try {
    recordKnownServer(options.configDir, key, fingerprint);
  } catch (err) {
    vm.error(
      undefined,
      `could not record the server key in ${KNOWN_SERVERS_FILE}: ${(err as Error).message}`,
    );
  }
}
