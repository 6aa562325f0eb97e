/**
 * /nick in the view (spec 7.11): the command, the rename line, and our own name following it.
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../reference-client/view/commands.js';
import { plainLine } from '../../reference-client/view/line-format.js';
import { ViewModel } from '../../reference-client/view/view-model.js';
import { joinedModel } from './support/joined-model.js';

describe('/nick (7.11)', () => {
  it('parses one name, else shows the usage', () => {
    expect(parseInput('/nick zed')).toEqual({ kind: 'nick', name: 'zed' });
    expect(parseInput('/nick')).toEqual({ kind: 'usage', command: 'nick', usage: '/nick NAME' });
    expect(parseInput('/nick a b')).toEqual({ kind: 'usage', command: 'nick', usage: '/nick NAME' });
  });

  it('asks the server once joined, and follows the announced rename of ourselves', () => {
    const vm = joinedModel(['me', 'bob']);
    expect(vm.submitLine('/nick zed')).toEqual([{ kind: 'nick', name: 'zed' }]);
    expect(vm.state.me).toBe('me');
    vm.apply({ kind: 'renamed', from: 'me', to: 'zed', ts: 5 });
    expect(vm.state.me).toBe('zed');
    expect(vm.prompt).toBe('[zed] ');
    vm.apply({ kind: 'renamed', from: 'bob', to: 'rob', ts: 6 });
    expect(vm.state.me).toBe('zed');
    const last = vm.state.lines[vm.state.lines.length - 1];
    expect(plainLine(last, vm.viewer)).toMatch(/^\[\d\d:\d\d:\d\d\] -!- bob is now known as rob$/);
  });

  it('before joining, changes the name the next join asks for', () => {
    let now = 0;
    const vm = new ViewModel({ server: 'h:1', profile: 'v2', theme: 'nord', now: () => now++, name: 'me' });
    vm.connecting(0);
    expect(vm.submitLine('/nick zed')).toEqual([]);
    expect(vm.state.desiredName).toBe('zed');
  });
});

describe('/reply', () => {
  it('answers the sender of the last private message received, not our own echo', () => {
    const vm = joinedModel(['me', 'bob']);
    expect(vm.submitLine('/reply hi')).toEqual([]);
    vm.apply({ kind: 'message', message: { kind: 'private', from: 'bob', to: 'me', text: 'psst', ts: 1 } });
    vm.apply({ kind: 'message', message: { kind: 'private', from: 'me', to: 'cat', text: 'x', ts: 2 } });
    expect(vm.submitLine('/reply hi there')).toEqual([{ kind: 'msg', to: 'bob', text: 'hi there' }]);
    expect(parseInput('/reply')).toEqual({ kind: 'usage', command: 'reply', usage: '/reply TEXT' });
  });
});
