/**
 * /away and /back in the view (spec 7.12): the commands, the lines, and the user list marks.
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../reference-client/view/commands.js';
import { ViewModel } from '../../reference-client/view/view-model.js';
import { joinedModel, lastLine } from './support/joined-model.js';

describe('/away and /back (7.12)', () => {
  it('parse with and without a reason', () => {
    expect(parseInput('/away at lunch')).toEqual({ kind: 'away', reason: 'at lunch' });
    expect(parseInput('/away')).toEqual({ kind: 'away' });
    expect(parseInput('/back')).toEqual({ kind: 'back' });
  });

  it('ask the server once joined, and show who is away in lines and in /users', () => {
    const vm = joinedModel(['bob', 'me']);
    expect(vm.submitLine('/away at lunch')).toEqual([{ kind: 'away', away: true, reason: 'at lunch' }]);
    expect(vm.submitLine('/back')).toEqual([{ kind: 'away', away: false }]);
    vm.apply({ kind: 'away', name: 'bob', away: true, reason: 'tea', ts: 5 });
    expect(lastLine(vm)).toMatch(/-!- bob is away: tea$/);
    vm.submitLine('/users');
    expect(lastLine(vm)).toBe('2 users: bob (away: tea), me');
    vm.apply({ kind: 'renamed', from: 'bob', to: 'rob', ts: 6 });
    vm.apply({ kind: 'users', users: ['me', 'rob'] });
    vm.submitLine('/users');
    expect(lastLine(vm)).toBe('2 users: me, rob (away: tea)');
    vm.apply({ kind: 'away', name: 'rob', away: false, ts: 7 });
    expect(lastLine(vm)).toMatch(/-!- rob is back$/);
    vm.submitLine('/users');
    expect(lastLine(vm)).toBe('2 users: me, rob');
  });

  it('need a connection', () => {
    let now = 0;
    const vm = new ViewModel({ server: 'h:1', profile: 'v2', theme: 'nord', now: () => now++, name: 'me' });
    expect(vm.submitLine('/away')).toEqual([]);
    expect(lastLine(vm)).toMatch(/\/away needs a connection/);
  });
});
