/**
 * The view tests' starting point: a ViewModel that has connected to a v2 server (a trusted key)
 * and joined, so that a test begins with the feature it is about. One place for the setup that
 * the nick, away, whois, backlog, ignore and user list tests share.
 */
import { plainLine } from '../../../reference-client/view/line-format.js';
import { ViewModel } from '../../../reference-client/view/view-model.js';
import type { ViewModelOptions } from '../../../reference-client/view/view-types.js';

/** Joined as `name` (default `me`) with `users` present; the clock counts up from 1,000 ms. */
export function joinedModel(
  users: readonly string[] = ['me'],
  name = 'me',
  options: Partial<ViewModelOptions> = {},
): ViewModel {
  let now = 1_000;
  const vm = new ViewModel({
    server: 'h:1',
    profile: 'v2',
    theme: 'nord',
    now: () => now++,
    name,
    ...options,
  });
  vm.apply({
    kind: 'ready',
    record: false,
    profile: 'v2',
    suite: 's',
    fingerprint: 'SHA256:x',
    trust: 'known',
  });
  vm.apply({ kind: 'joined', name, users });
  return vm;
}

/** The last line as --plain prints it. */
export function lastLine(vm: ViewModel): string {
  return plainLine(vm.state.lines[vm.state.lines.length - 1], vm.viewer);
}

/** Every line as --plain prints it. */
export function plainLines(vm: ViewModel): string[] {
  return vm.state.lines.map((l) => plainLine(l, vm.viewer));
}
