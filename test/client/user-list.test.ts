import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../reference-client/view/text-layout.js';
import {
  AWAY_MARK,
  scrollUsers,
  sidebarEntry,
  userListWindow,
} from '../../reference-client/view/user-list.js';
import type { ViewState } from '../../reference-client/view/view-types.js';
import { joinedModel } from './support/joined-model.js';

const bots = (n: number) => Array.from({ length: n }, (_, i) => `bot${i + 1}`);

describe('the user list', () => {
  it('shows everyone when they fit', () => {
    expect(joinedModel(bots(5)).userList(5)).toEqual({ names: bots(5), above: 0, below: 0 });
  });

  it('says how many more there are below, within the rows it has', () => {
    const list = joinedModel(bots(43)).userList(30);
    expect(list.names).toEqual(bots(29));
    expect(list.below).toBe(14);
    expect(list.names.length + (list.above > 0 ? 1 : 0) + (list.below > 0 ? 1 : 0)).toBe(30);
  });

  it('scrolls with Alt-PageDown/Alt-PageUp, down to the last name and back', () => {
    const vm = joinedModel(bots(43));
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

describe('away marks in the sidebar (7.12)', () => {
  it('mark an away member and dim them, within the width; back removes the mark', () => {
    const vm = joinedModel(['bob', 'me']);
    expect(sidebarEntry(vm.state, 'bob', 8)).toEqual({ text: ' bob', away: false });
    vm.apply({ kind: 'away', name: 'bob', away: true, reason: 'tea', ts: 5 });
    expect(sidebarEntry(vm.state, 'bob', 8)).toEqual({ text: `${AWAY_MARK}bob`, away: true });
    const wide = '漢字漢字漢字';
    vm.apply({ kind: 'away', name: wide, away: true, ts: 6 });
    const entry = sidebarEntry(vm.state, wide, 8);
    expect(displayWidth(entry.text)).toBeLessThanOrEqual(8);
    expect(entry.text.startsWith(AWAY_MARK)).toBe(true);
    vm.apply({ kind: 'away', name: 'bob', away: false, ts: 7 });
    expect(sidebarEntry(vm.state, 'bob', 8)).toEqual({ text: ' bob', away: false });
  });
});
