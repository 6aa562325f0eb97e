import { describe, expect, it } from 'vitest';
import { scrollUsers, userListWindow } from '../../reference-client/view/user-list.js';
import { ViewModel } from '../../reference-client/view/view-model.js';
import type { ViewState } from '../../reference-client/view/view-types.js';

const bots = (n: number) => Array.from({ length: n }, (_, i) => `bot${i + 1}`);

function joinedWith(users: string[]): ViewModel {
  const vm = new ViewModel({ server: 's:1', profile: 'v2', theme: 'nord', name: 'bot1', now: () => 0 });
  vm.apply({
    kind: 'ready',
    record: false,
    profile: 'v2',
    suite: 's',
    fingerprint: 'SHA256:x',
    trust: 'known',
  });
  vm.apply({ kind: 'joined', name: 'bot1', users });
  return vm;
}

describe('the user list', () => {
  it('shows everyone when they fit', () => {
    expect(joinedWith(bots(5)).userList(5)).toEqual({ names: bots(5), above: 0, below: 0 });
  });

  it('says how many more there are below, within the rows it has', () => {
    const list = joinedWith(bots(43)).userList(30);
    expect(list.names).toEqual(bots(29));
    expect(list.below).toBe(14);
    expect(list.names.length + (list.above > 0 ? 1 : 0) + (list.below > 0 ? 1 : 0)).toBe(30);
  });

  it('scrolls with Alt-PageDown/Alt-PageUp, down to the last name and back', () => {
    const vm = joinedWith(bots(43));
    const page = 32; // the pane height: the list has 30 rows under its header
    vm.key('M-pagedown', page);
    let list = vm.userList(30);
    expect(list.above).toBe(14);
    expect(list.names[0]).toBe('bot15');
    expect(list.names.at(-1)).toBe('bot43');
    expect(list.below).toBe(0);
    vm.key('M-pagedown', page);
    expect(vm.userList(30)).toEqual(list); // no further than the last page
    vm.key('M-pageup', page);
    list = vm.userList(30);
    expect([list.above, list.names[0], list.below]).toEqual([0, 'bot1', 14]);
  });

  it('keeps every window within its rows, whatever the scroll', () => {
    for (const total of [1, 2, 3, 10, 43]) {
      for (const rows of [1, 2, 3, 5, 12]) {
        const s = { users: bots(total), userScroll: 0 } as unknown as ViewState;
        for (let step = 0; step < total + 2; step++) {
          const w = userListWindow(s, rows);
          const used = w.names.length + (w.above > 0 ? 1 : 0) + (w.below > 0 ? 1 : 0);
          expect(used, `${total} users, ${rows} rows, at ${s.userScroll}`).toBeLessThanOrEqual(
            Math.max(rows, 1),
          );
          expect(w.above + w.names.length + w.below).toBe(total);
          scrollUsers(s, 1, rows);
        }
      }
    }
  });
});
