import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, saveConfig } from '../../reference-client/app/config.js';
import { parseInput } from '../../reference-client/view/commands.js';
import { formatLine } from '../../reference-client/view/line-format.js';
import { terminalTitle } from '../../reference-client/view/notifications.js';
import type { ViewModel } from '../../reference-client/view/view-model.js';
import type { ViewModelOptions } from '../../reference-client/view/view-types.js';
import type { ChatMessage } from '../../src/client/events.js';
import { joinedModel } from './support/joined-model.js';

/** Joined as alice with bob present, on a clock that stands still. */
const joined = (options: Partial<ViewModelOptions> = {}): ViewModel =>
  joinedModel(['alice', 'bob'], 'alice', { profile: 'auto', now: () => 0, ...options });

const say = (vm: ViewModel, m: Omit<ChatMessage, 'ts'>) =>
  vm.apply({ kind: 'message', message: { ...m, ts: 0 } as ChatMessage });
const statusText = (vm: ViewModel) =>
  vm
    .statusSegments()
    .map((s) => s.text)
    .join(' | ');

describe('notifications', () => {
  it('rings the bell for a private message and a mention, not for other chat or the own lines', () => {
    const vm = joined();
    say(vm, { kind: 'chat', from: 'bob', text: 'hello room' });
    say(vm, { kind: 'chat', from: 'alice', text: 'alice here' });
    expect(vm.state.bells).toBe(0);
    say(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'psst' });
    expect(vm.state.bells).toBe(1);
    say(vm, { kind: 'action', from: 'bob', text: 'waves at Alice' });
    expect(vm.state.bells).toBe(2);
    say(vm, { kind: 'private', from: 'alice', to: 'bob', text: 'my own PM' });
    expect(vm.state.bells).toBe(2);
  });

  it('marks a line for the user with » and highlights it', () => {
    const vm = joined();
    say(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'psst' });
    const line = formatLine(vm.state.lines.at(-1)!, vm.viewer);
    expect(line.highlight).toBe(true);
    expect(line.segments[1]).toEqual({ text: '» ', style: 'warning', bold: true });
    say(vm, { kind: 'chat', from: 'bob', text: 'not for her' });
    expect(formatLine(vm.state.lines.at(-1)!, vm.viewer).segments[1]).toEqual({ text: '<', style: 'dim' });
  });

  it('switches the bell with /bell on|off, asks to remember it, and answers a bad argument with the usage', () => {
    const vm = joined({ bell: false });
    say(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'psst' });
    expect(vm.state.bells).toBe(0);
    expect(vm.submitLine('/bell')).toEqual([]);
    expect(vm.state.lines.at(-1)!.text).toMatch(/^bell: off/);
    expect(vm.submitLine('/bell ON')).toEqual([{ kind: 'save-bell', bell: true }]);
    say(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'again' });
    expect(vm.state.bells).toBe(1);
    expect(vm.submitLine('/bell off')).toEqual([{ kind: 'save-bell', bell: false }]);
    expect(parseInput('/bell loud')).toEqual({ kind: 'usage', command: 'bell', usage: '/bell [on|off]' });
  });

  it('counts unread lines while the terminal is away, and clears them on return', () => {
    const vm = joined();
    say(vm, { kind: 'chat', from: 'bob', text: 'seen' });
    expect(statusText(vm)).not.toContain('unread');
    vm.setFocus(false);
    say(vm, { kind: 'chat', from: 'bob', text: 'one' });
    expect(statusText(vm)).toContain('✉ 1 unread');
    say(vm, { kind: 'chat', from: 'bob', text: 'alice?' });
    say(vm, { kind: 'chat', from: 'alice', text: 'my own line' });
    expect(statusText(vm)).toContain('✉ 2 unread, 1 for you');
    expect(terminalTitle(vm.state, 'h:1')).toBe('(2 unread, 1 for you) Parley h:1');
    vm.setFocus(true);
    expect(statusText(vm)).not.toContain('unread');
    expect(terminalTitle(vm.state, 'h:1')).toBe('Parley h:1');
  });

  it('counts unread lines while scrolled back, and clears them at the bottom', () => {
    const vm = joined();
    for (let i = 0; i < 30; i++) say(vm, { kind: 'chat', from: 'bob', text: `line ${i}` });
    vm.key('pageup', 10);
    say(vm, { kind: 'private', from: 'bob', to: 'alice', text: 'psst' });
    expect(statusText(vm)).toContain('✉ 1 unread, 1 for you');
    vm.key('escape');
    expect(statusText(vm)).not.toContain('unread');
  });

  it('never counts backlog lines (7.10) as unread, nor rings for them, even when they mention the user', () => {
    const vm = joined();
    vm.setFocus(false);
    for (let i = 0; i < 30; i++) say(vm, { kind: 'chat', from: 'bob', text: `line ${i}` });
    vm.key('pageup', 10);
    const unread = vm.state.unread;
    vm.apply({
      kind: 'history',
      messages: [
        { kind: 'chat', from: 'bob', text: 'alice, are you there?', ts: 1 },
        { kind: 'private', from: 'bob', to: 'alice', text: 'psst', ts: 2 },
        { kind: 'action', from: 'bob', text: 'pokes alice', ts: 3 },
      ],
    });
    expect([vm.state.unread, vm.state.unreadForMe, vm.state.bells]).toEqual([unread, 0, 0]);
    say(vm, { kind: 'chat', from: 'bob', text: 'alice, now?' });
    expect([vm.state.unread, vm.state.unreadForMe, vm.state.bells]).toEqual([unread + 1, 1, 1]);
  });

  it('keeps the ignore list in config.json beside the bell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-ignore-'));
    saveConfig(dir, { bell: false });
    saveConfig(dir, { ignore: { bob: 'chat', eve: 'all' } });
    expect(loadConfig(dir)).toEqual({ bell: false, ignore: { bob: 'chat', eve: 'all' } });
  });

  it('keeps the bell setting in config.json beside the theme', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bell-'));
    saveConfig(dir, { theme: 'light' });
    saveConfig(dir, { bell: false });
    expect(loadConfig(dir)).toEqual({ theme: 'light', bell: false });
  });
});
