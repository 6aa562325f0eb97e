/**
 * The backlog in the view (spec 7.10): the session's `history` event becomes lines between a
 * `-- history --` separator and an end marker, drawn dimmed in the TUI and marked in --plain.
 */
import { describe, expect, it } from 'vitest';
import { HISTORY_END, HISTORY_START } from '../../reference-client/view/backlog-lines.js';
import { formatLine, plainLine } from '../../reference-client/view/line-format.js';
import { joinedModel } from './support/joined-model.js';

describe('backlog lines (7.10)', () => {
  it('shows the history between markers, each line marked as history', () => {
    const vm = joinedModel();
    const before = vm.state.lines.length;
    const effects = vm.apply({
      kind: 'history',
      messages: [
        { kind: 'chat', from: 'ann', text: 'hello me', ts: 10 },
        { kind: 'action', from: 'bob', text: 'waves', ts: 11 },
      ],
    });
    expect(effects).toEqual([]);
    const lines = vm.state.lines.slice(before);
    expect(lines.map((l) => [l.kind, l.text, l.history ?? false])).toEqual([
      ['system', HISTORY_START, false],
      ['message', 'hello me', true],
      ['action', 'waves', true],
      ['system', HISTORY_END, false],
    ]);
    expect(plainLine(lines[1], vm.viewer)).toMatch(/^history \[\d\d:\d\d:\d\d\] <ann> hello me$/);
    // Dimmed and never highlighted, although it mentions the user.
    const formatted = formatLine(lines[1], vm.viewer);
    expect(formatted.highlight).toBe(false);
    expect(new Set(formatted.segments.map((s) => s.style))).toEqual(new Set(['dim']));
    expect(formatted.segments.map((s) => s.text).join('')).toContain('<ann> hello me');
    expect(formatLine({ ...lines[1], history: false }, vm.viewer).highlight).toBe(true);
  });

  it('shows nothing for an empty backlog', () => {
    const vm = joinedModel();
    const before = vm.state.lines.length;
    vm.apply({ kind: 'history', messages: [] });
    expect(vm.state.lines.length).toBe(before);
  });
});
