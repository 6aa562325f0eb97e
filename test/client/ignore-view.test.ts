/**
 * /ignore and /unignore in the view: what is hidden of an ignored name (chat, and with `all` its
 * presence too), the list following a rename (7.11), and the effects that save it.
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../reference-client/view/commands.js';
import { joinedModel, lastLine, plainLines } from './support/joined-model.js';

const chat = (from: string, text: string, kind: 'chat' | 'action' = 'chat') =>
  ({ kind: 'message', message: { kind, from, text, ts: 5 } }) as const;

describe('/ignore and /unignore', () => {
  it('parse a name and an optional "all"; /ignore alone lists', () => {
    expect(parseInput('/ignore bob')).toEqual({ kind: 'ignore', name: 'bob', all: false });
    expect(parseInput('/ignore bob ALL')).toEqual({ kind: 'ignore', name: 'bob', all: true });
    expect(parseInput('/ignore')).toEqual({ kind: 'ignore', all: false });
    expect(parseInput('/ignore a b')).toEqual({
      kind: 'usage',
      command: 'ignore',
      usage: '/ignore NAME [all]',
    });
    expect(parseInput('/unignore bob')).toEqual({ kind: 'unignore', name: 'bob' });
    expect(parseInput('/unignore')).toEqual({ kind: 'usage', command: 'unignore', usage: '/unignore NAME' });
  });

  it('hides lines, actions and private messages of an ignored name: no bell, no unread, no /reply', () => {
    const vm = joinedModel(['bob', 'cat', 'me']);
    vm.setFocus(false);
    expect(vm.submitLine('/ignore Bob')).toEqual([{ kind: 'save-ignore', ignore: { Bob: 'chat' } }]);
    expect(lastLine(vm)).toMatch(/^ignoring Bob: their lines, actions and private messages are hidden/);
    const before = vm.state.lines.length;
    vm.apply(chat('bob', 'hello me'));
    vm.apply(chat('bob', 'waves', 'action'));
    vm.apply({ kind: 'message', message: { kind: 'private', from: 'bob', to: 'me', text: 'psst', ts: 6 } });
    expect(vm.state.lines.length).toBe(before);
    expect([vm.state.unread, vm.state.bells, vm.state.lastPrivateFrom]).toEqual([0, 0, null]);
    // Others still show, and the ignored name's joins and leaves too (level chat).
    vm.apply(chat('cat', 'hi'));
    vm.apply({ kind: 'presence', change: { kind: 'left', names: ['bob'], reason: 'quit', ts: 7 } });
    expect(plainLines(vm).slice(before)).toEqual([
      expect.stringMatching(/<cat> hi$/),
      expect.stringMatching(/-!- bob left \(quit\)$/),
    ]);
    expect(vm.state.unread).toBe(1);
  });

  it('with "all" also hides joins, leaves, renames and away changes, also within a batch', () => {
    const vm = joinedModel(['bob', 'me']);
    vm.submitLine('/ignore bob all');
    const before = vm.state.lines.length;
    vm.apply({ kind: 'away', name: 'bob', away: true, reason: 'tea', ts: 5 });
    vm.apply({ kind: 'presence', change: { kind: 'left', names: ['bob'], ts: 6 } });
    vm.apply({ kind: 'presence', change: { kind: 'joined', names: ['ann', 'bob', 'cat'], ts: 7 } });
    expect(plainLines(vm).slice(before)).toEqual([expect.stringMatching(/-!- ann and cat joined$/)]);
    expect(vm.apply({ kind: 'renamed', from: 'bob', to: 'rob', ts: 8 })).toEqual([
      { kind: 'save-ignore', ignore: { rob: 'all' } },
    ]);
    expect(vm.state.lines.length).toBe(before + 1);
  });

  it('follows a rename, so /nick does not shake it off; backlog lines are hidden too', () => {
    const vm = joinedModel(['bob', 'me'], 'me', { ignore: { bob: 'chat' } });
    vm.apply({ kind: 'renamed', from: 'bob', to: 'rob', ts: 5 });
    expect(lastLine(vm)).toMatch(/-!- bob is now known as rob$/);
    const before = vm.state.lines.length;
    vm.apply(chat('rob', 'still here'));
    vm.apply({
      kind: 'history',
      messages: [
        { kind: 'chat', from: 'rob', text: 'old', ts: 1 },
        { kind: 'chat', from: 'ann', text: 'older', ts: 2 },
      ],
    });
    expect(plainLines(vm).slice(before)).toEqual([
      '-- history --',
      expect.stringMatching(/^history .*<ann> older$/),
      '-- end of history --',
    ]);
    vm.submitLine('/ignore');
    expect(lastLine(vm)).toBe('ignoring rob; /unignore NAME to see them again');
  });

  it('/unignore shows the name again; ignoring oneself or nobody is an error', () => {
    const vm = joinedModel(['bob', 'me']);
    vm.submitLine('/ignore');
    expect(lastLine(vm)).toMatch(/^ignoring nobody/);
    expect(vm.submitLine('/ignore ME')).toEqual([]);
    expect(lastLine(vm)).toBe('error: /ignore: that is your own name');
    expect(vm.submitLine('/unignore bob')).toEqual([]);
    expect(lastLine(vm)).toMatch(/^error: \/unignore: bob is not ignored/);
    vm.submitLine('/ignore bob');
    expect(vm.submitLine('/unignore BOB')).toEqual([{ kind: 'save-ignore', ignore: {} }]);
    vm.apply(chat('bob', 'back in view'));
    expect(lastLine(vm)).toMatch(/<bob> back in view$/);
  });
});
